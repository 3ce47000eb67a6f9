"""Segments: MRR and its movements by a customer attribute (acquisition channel,
country) or a subscription attribute (plan, product, business model, billing
interval, currency), from fct_mrr_segments_monthly. For every dimension the segments
of a month add up exactly to fct_mrr_monthly; by a subscription attribute, MRR a
customer moves between segments (a plan change) shows as transfers in and out."""

from __future__ import annotations

import altair as alt
import streamlit as st

from recurring_revenue.dashboard import ui

context = ui.context()
ui.header(
    context,
    "Segments",
    "Which channels, countries, plans and business models does MRR come from?",
)
currency = context.reporting_currency
first, last = ui.month_range(context)

#: Label -> segment_dimension of fct_mrr_segments_monthly.
CUSTOMER_DIMENSIONS = {"Acquisition channel": "acquisition_channel", "Country": "country"}
SUBSCRIPTION_DIMENSIONS = {
    "Plan": "plan",
    "Product": "product",
    "Business model": "business_model",
    "Billing interval": "billing_interval",
    "Currency": "currency",
}
MEASURES = {
    "Ending MRR": "mrr",
    "Starting MRR": "starting_mrr",
    "New MRR": "new_mrr",
    "Expansion MRR": "expansion_mrr",
    "Contraction MRR": "contraction_mrr",
    "Churned MRR": "churned_mrr",
    "Reactivation MRR": "reactivation_mrr",
    "Transfers in": "transfer_in_mrr",
    "Transfers out": "transfer_out_mrr",
    "FX impact": "fx_impact_mrr",
    "Paying customers": "paying_customers",
}
#: A customer attribute puts each customer in one segment: nothing is transferred.
TRANSFER_MEASURES = ("transfer_in_mrr", "transfer_out_mrr")
MONEY_COLUMNS = tuple(column for column in MEASURES.values() if column != "paying_customers")

left, right = st.columns(2)
dimension_label = left.selectbox(
    "Segment by",
    [*CUSTOMER_DIMENSIONS, *SUBSCRIPTION_DIMENSIONS],
    key="segments_dimension",
)
by_customer = dimension_label in CUSTOMER_DIMENSIONS
dimension = {**CUSTOMER_DIMENSIONS, **SUBSCRIPTION_DIMENSIONS}[dimension_label]
measures = {
    label: column
    for label, column in MEASURES.items()
    if not (by_customer and column in TRANSFER_MEASURES)
}
measure_label = right.selectbox(
    "Measure",
    list(measures),
    key=f"segments_measure_{'customer' if by_customer else 'subscription'}",
)
measure = measures[measure_label]

if not ui.relation_exists(context, "marts", "fct_mrr_segments_monthly"):
    ui.empty(
        "This warehouse has no fct_mrr_segments_monthly yet: publish it again with "
        "this version to see MRR by segment."
    )
    st.stop()
transfer_columns = "" if by_customer else "transfer_in_mrr, transfer_out_mrr,"
segments = ui.query(
    context,
    f"""
    SELECT
        date_month AS month,
        segment_value AS segment,
        ending_mrr AS mrr,
        starting_mrr,
        new_mrr,
        expansion_mrr,
        contraction_mrr,
        churned_mrr,
        reactivation_mrr,
        {transfer_columns}
        fx_impact_mrr,
        paying_customers
    FROM marts.fct_mrr_segments_monthly
    WHERE segment_dimension = ? AND date_month BETWEEN ? AND ?
    ORDER BY month, segment
    """,
    dimension,
    first,
    last,
)
if segments.empty:
    ui.empty("No months in the selected range.")
    st.stop()

values = sorted(segments["segment"].unique())
chosen = st.multiselect(
    dimension_label, values, default=values, key=f"segments_values_{dimension_label}"
)
shown = segments[segments["segment"].isin(chosen)]
if shown.empty:
    ui.empty("Choose at least one segment.")
    st.stop()

is_money = measure in MONEY_COLUMNS
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
        money_columns=MONEY_COLUMNS,
        count_columns=("paying_customers",),
    )
)
if by_customer:
    st.caption(
        "Each customer (by its current attributes) is in one segment, so MRR, every "
        "movement and paying customers add up to the total."
    )
else:
    st.caption(
        "Each customer's MRR is split by its subscriptions. MRR and every movement add "
        "up to the total; MRR a customer moves from one segment to another (a plan "
        "change) is a transfer out of the old segment and into the new one, and only the "
        "change of the customer's MRR is expansion or contraction. Paying customers are "
        "those with MRR in the segment, so a customer on two plans counts in both."
    )
