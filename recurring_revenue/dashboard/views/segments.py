"""Segments: MRR and its movements by a customer attribute (acquisition channel,
country). Each customer is in one segment, so the segments of a month add up to
fct_mrr_monthly exactly."""

from __future__ import annotations

import altair as alt
import streamlit as st

from recurring_revenue.dashboard import ui

context = ui.context()
ui.header(
    context,
    "Segments",
    "Which channels and countries does MRR come from, and where does it move?",
)
currency = context.reporting_currency
first, last = ui.month_range(context)

#: Label -> dim_customers column. Plan, product, business model, billing interval and
#: currency are subscription attributes: they need the subscription-month segment
#: mart of issue 10, not built yet.
DIMENSIONS = {"Acquisition channel": "acquisition_channel", "Country": "country_code"}
MEASURES = {
    "Ending MRR": "mrr",
    "New MRR": "new_mrr",
    "Expansion MRR": "expansion_mrr",
    "Contraction MRR": "contraction_mrr",
    "Churned MRR": "churned_mrr",
    "Reactivation MRR": "reactivation_mrr",
    "FX impact": "fx_impact_mrr",
    "Paying customers": "paying_customers",
}

left, right = st.columns(2)
dimension_label = left.selectbox("Segment by", list(DIMENSIONS), key="segments_dimension")
measure_label = right.selectbox("Measure", list(MEASURES), key="segments_measure")
dimension = DIMENSIONS[dimension_label]
measure = MEASURES[measure_label]

segments = ui.query(
    context,
    f"""
    SELECT
        movements.date_month AS month,
        coalesce(customers.{dimension}, 'unknown') AS segment,
        sum(movements.mrr) AS mrr,
        sum(movements.new_mrr) AS new_mrr,
        sum(movements.expansion_mrr) AS expansion_mrr,
        sum(movements.contraction_mrr) AS contraction_mrr,
        sum(movements.churned_mrr) AS churned_mrr,
        sum(movements.reactivation_mrr) AS reactivation_mrr,
        sum(movements.fx_impact_mrr) AS fx_impact_mrr,
        count(*) FILTER (WHERE movements.is_paying) AS paying_customers
    FROM marts.fct_customer_mrr_monthly AS movements
    LEFT JOIN marts.dim_customers AS customers
        ON movements.customer_id = customers.customer_id
    WHERE movements.date_month BETWEEN ? AND ?
    GROUP BY ALL
    ORDER BY month, segment
    """,
    first,
    last,
)
if segments.empty:
    ui.empty("No customer months in the selected range.")
    st.stop()

values = sorted(segments["segment"].unique())
chosen = st.multiselect(dimension_label, values, default=values, key=f"segments_{dimension}")
shown = segments[segments["segment"].isin(chosen)]
if shown.empty:
    ui.empty("Choose at least one segment.")
    st.stop()

is_money = measure != "paying_customers"
title = f"{measure_label} ({currency})" if is_money else measure_label
st.subheader(f"{measure_label} by {dimension_label.lower()}")
ui.chart(
    alt.Chart(shown)
    .mark_bar()
    .encode(
        x=ui.month_axis(),
        y=alt.Y(f"{measure}:Q", title=title, stack="zero"),
        color=alt.Color("segment:N", title=dimension_label),
        tooltip=[
            alt.Tooltip("month:T", format="%Y-%m", title="Month"),
            alt.Tooltip("segment:N", title=dimension_label),
            alt.Tooltip(f"{measure}:Q", format=",.2f" if is_money else ",", title=measure_label),
        ],
    )
    .properties(height=340)
)

latest_month = shown["month"].max()
latest = shown[shown["month"] == latest_month].sort_values("mrr", ascending=False)
st.subheader(f"Segments in {ui.month_label(latest_month)}")
ui.table(
    ui.display_table(
        latest.drop(columns=["month"]),
        currency,
        money_columns=(
            "mrr",
            "new_mrr",
            "expansion_mrr",
            "contraction_mrr",
            "churned_mrr",
            "reactivation_mrr",
            "fx_impact_mrr",
        ),
        count_columns=("paying_customers",),
    )
)
st.caption(
    "Customers are segmented by their current channel and country (dim_customers); each "
    "customer's movements count in one segment, so a month's segments add up to the total."
)
