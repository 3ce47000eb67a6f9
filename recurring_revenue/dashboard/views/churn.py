"""Churn and retention: churn rates, voluntary vs involuntary churn, 12-month
retention and the cohort heatmaps."""

from __future__ import annotations

import altair as alt
import streamlit as st

from recurring_revenue.dashboard import ui

context = ui.context()
ui.header(context, "Churn and retention", "How many customers and how much MRR do we keep?")
currency = context.reporting_currency
first, last = ui.month_range(context)

kpis = ui.monthly(
    context,
    """
    SELECT date_month AS month, logo_churn_rate, gross_mrr_churn_rate, net_mrr_churn_rate,
        nrr_12m, grr_12m, voluntary_churned_mrr, involuntary_churned_mrr
    FROM marts.fct_saas_kpis_monthly
    ORDER BY date_month
    """,
    first,
    last,
)
if kpis.empty:
    ui.empty("No months in the selected range.")
    st.stop()


def rate_lines(columns: dict[str, str], title: str, height: int = 280) -> alt.Chart:
    long = kpis.melt(id_vars="month", value_vars=list(columns), var_name="rate", value_name="value")
    long["rate"] = long["rate"].map(columns)
    return (
        alt.Chart(long.dropna(subset=["value"]))
        .mark_line(point=True)
        .encode(
            x=ui.month_axis(),
            y=alt.Y("value:Q", title=title, axis=alt.Axis(format="%")),
            color=alt.Color("rate:N", title=None),
            tooltip=[
                alt.Tooltip("month:T", format="%Y-%m", title="Month"),
                alt.Tooltip("rate:N", title="Rate"),
                alt.Tooltip("value:Q", format=".2%", title="Value"),
            ],
        )
        .properties(height=height)
    )


st.subheader("Churn rates")
ui.chart(
    rate_lines(
        {
            "logo_churn_rate": "Logo churn",
            "gross_mrr_churn_rate": "Gross MRR churn",
            "net_mrr_churn_rate": "Net MRR churn",
        },
        "Rate per month",
    )
)
st.caption("A month with no paying customers or no MRR at its start has no rate (n/a, not drawn).")

st.subheader("Voluntary and involuntary churned MRR")
churned = kpis.melt(
    id_vars="month",
    value_vars=["voluntary_churned_mrr", "involuntary_churned_mrr"],
    var_name="kind",
    value_name="mrr",
)
churned["kind"] = churned["kind"].map(
    {"voluntary_churned_mrr": "Voluntary", "involuntary_churned_mrr": "Involuntary (non-payment)"}
)
churned["mrr"] = churned["mrr"].abs()
ui.chart(
    alt.Chart(churned)
    .mark_bar()
    .encode(
        x=ui.month_axis(),
        y=alt.Y("mrr:Q", title=f"Churned MRR ({currency})", stack="zero"),
        color=alt.Color("kind:N", title=None),
        tooltip=[
            alt.Tooltip("month:T", format="%Y-%m", title="Month"),
            alt.Tooltip("kind:N", title="Churn"),
            alt.Tooltip("mrr:Q", format=",.2f", title=currency),
        ],
    )
    .properties(height=280)
)

st.subheader("12-month net and gross revenue retention")
ui.chart(rate_lines({"nrr_12m": "NRR 12 months", "grr_12m": "GRR 12 months"}, "Retention"))
latest = kpis.iloc[-1]
columns = st.columns(2)
columns[0].metric(
    "NRR 12 months",
    ui.percent(latest["nrr_12m"]),
    help="n/a until the warehouse has 12 months of history before the month."
    if ui.is_missing(latest["nrr_12m"])
    else "MRR now of the customers paying 12 months ago / their MRR then.",
)
columns[1].metric(
    "GRR 12 months",
    ui.percent(latest["grr_12m"]),
    help="n/a until the warehouse has 12 months of history before the month."
    if ui.is_missing(latest["grr_12m"])
    else "As NRR, with expansion left out and each customer capped at their MRR then.",
)

st.subheader("Cohort retention")
cohorts = ui.monthly(
    context,
    """
    SELECT cohort_month, months_since, cohort_size, logo_retention, revenue_retention
    FROM marts.fct_cohort_retention
    ORDER BY cohort_month, months_since
    """,
    first,
    last,
    column="cohort_month",
)
if cohorts.empty:
    ui.empty("No cohorts in the selected range.")
else:
    cohorts["cohort"] = cohorts["cohort_month"].dt.strftime("%Y-%m")
    for field, title in (
        ("logo_retention", "Logo retention"),
        ("revenue_retention", "Revenue retention"),
    ):
        st.markdown(f"**{title}** by cohort (first paid month) and months since")
        ui.chart(
            alt.Chart(cohorts.dropna(subset=[field]))
            .mark_rect()
            .encode(
                x=alt.X("months_since:O", title="Months since first paid month"),
                y=alt.Y("cohort:O", title="Cohort"),
                color=alt.Color(
                    f"{field}:Q",
                    title=title,
                    scale=alt.Scale(scheme="blues"),
                    legend=alt.Legend(format="%"),
                ),
                tooltip=[
                    alt.Tooltip("cohort:O", title="Cohort"),
                    alt.Tooltip("months_since:O", title="Months since"),
                    alt.Tooltip("cohort_size:Q", title="Cohort size"),
                    alt.Tooltip(f"{field}:Q", format=".1%", title=title),
                ],
            )
            .properties(height=max(200, 14 * cohorts["cohort"].nunique()))
        )
