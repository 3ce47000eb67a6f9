"""Acquisition and unit economics: spend, new customers, CAC and payback per
channel; LTV and LTV:CAC."""

from __future__ import annotations

import altair as alt
import streamlit as st

from recurring_revenue.dashboard import ui

context = ui.context()
ui.header(
    context,
    "Acquisition and unit economics",
    "What does a new customer cost, per channel, and does it pay back?",
)
currency = context.reporting_currency
first, last = ui.month_range(context)

acquisition = ui.monthly(
    context,
    """
    SELECT date_month AS month, acquisition_channel AS channel, marketing_spend, new_customers,
        new_mrr, cac, cac_payback_months
    FROM marts.fct_acquisition_monthly
    WHERE NOT is_all_channels
    ORDER BY date_month, acquisition_channel
    """,
    first,
    last,
)
if acquisition.empty:
    ui.empty("No acquisition months in the selected range.")
    st.stop()

channels = sorted(acquisition["channel"].dropna().unique())
chosen = st.multiselect("Channels", channels, default=channels, key="acquisition_channels")
shown = acquisition[acquisition["channel"].isin(chosen)]
if shown.empty:
    ui.empty("Choose at least one channel.")
    st.stop()

if float(acquisition["marketing_spend"].fillna(0).abs().sum()) == 0:
    st.warning("No marketing spend is loaded for these months: CAC, payback and LTV:CAC are n/a.")

left, right = st.columns(2)
with left:
    st.subheader("Marketing spend")
    ui.chart(
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=ui.month_axis(),
            y=alt.Y("marketing_spend:Q", title=f"Spend ({currency})", stack="zero"),
            color=alt.Color("channel:N", title="Channel"),
            tooltip=["channel:N", alt.Tooltip("marketing_spend:Q", format=",.2f")],
        )
        .properties(height=260)
    )
with right:
    st.subheader("New customers")
    ui.chart(
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=ui.month_axis(),
            y=alt.Y("new_customers:Q", title="New customers", stack="zero"),
            color=alt.Color("channel:N", title="Channel"),
            tooltip=["channel:N", "new_customers:Q"],
        )
        .properties(height=260)
    )

left, right = st.columns(2)
with left:
    st.subheader("CAC")
    ui.chart(
        alt.Chart(shown.dropna(subset=["cac"]))
        .mark_line(point=True)
        .encode(
            x=ui.month_axis(),
            y=alt.Y("cac:Q", title=f"CAC ({currency})"),
            color=alt.Color("channel:N", title="Channel"),
            tooltip=["channel:N", alt.Tooltip("cac:Q", format=",.2f")],
        )
        .properties(height=260)
    )
    st.caption("CAC is n/a (not drawn) in a month a channel has spend but no new customers.")
with right:
    st.subheader("CAC payback (months)")
    ui.chart(
        alt.Chart(shown.dropna(subset=["cac_payback_months"]))
        .mark_line(point=True)
        .encode(
            x=ui.month_axis(),
            y=alt.Y("cac_payback_months:Q", title="Months"),
            color=alt.Color("channel:N", title="Channel"),
            tooltip=["channel:N", alt.Tooltip("cac_payback_months:Q", format=",.1f")],
        )
        .properties(height=260)
    )

st.subheader("LTV and LTV:CAC, all channels")
unit = ui.monthly(
    context,
    """
    SELECT date_month AS month, ltv, cac, ltv_to_cac, cac_payback_months
    FROM marts.fct_saas_kpis_monthly
    ORDER BY date_month
    """,
    first,
    last,
)
latest = unit.iloc[-1]
columns = st.columns(4)
columns[0].metric(
    "LTV",
    ui.money(latest["ltv"], currency),
    help=ui.help_text(
        "ARPA / average logo churn rate of the 6 months before.",
        latest["ltv"],
        "n/a: no paying customers, or no logo churn in those 6 months (an unbounded lifetime).",
    ),
)
columns[1].metric(
    "CAC",
    ui.money(latest["cac"], currency),
    help=ui.help_text(
        "Marketing spend / new customers.",
        latest["cac"],
        "n/a: no marketing spend loaded or no new customers this month.",
    ),
)
columns[2].metric(
    "LTV:CAC",
    ui.ratio(latest["ltv_to_cac"]),
    help=ui.help_text(
        "Lifetime value over customer acquisition cost.",
        latest["ltv_to_cac"],
        "n/a: needs both an LTV and a CAC.",
    ),
)
columns[3].metric(
    "CAC payback",
    ui.NOT_AVAILABLE
    if ui.is_missing(latest["cac_payback_months"])
    else f"{float(latest['cac_payback_months']):,.1f} months",
    help=ui.help_text(
        "CAC / (new MRR per new customer x gross margin).",
        latest["cac_payback_months"],
        "n/a: no marketing spend loaded or no new customers this month.",
    ),
)
ui.chart(
    alt.Chart(unit.dropna(subset=["ltv_to_cac"]))
    .mark_line(point=True)
    .encode(
        x=ui.month_axis(),
        y=alt.Y("ltv_to_cac:Q", title="LTV:CAC"),
        tooltip=[
            alt.Tooltip("month:T", format="%Y-%m"),
            alt.Tooltip("ltv:Q", format=",.2f"),
            alt.Tooltip("cac:Q", format=",.2f"),
            alt.Tooltip("ltv_to_cac:Q", format=",.2f"),
        ],
    )
    .properties(height=260)
)
