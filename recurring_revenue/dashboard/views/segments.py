"""Segments: MRR and its movements by a customer attribute (acquisition channel,
country), MRR by a subscription attribute (plan, product, business model, billing
interval, currency). Either way the segments of a month add up to fct_mrr_monthly."""

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

#: Customer attributes (dim_customers column): MRR and every movement by segment.
CUSTOMER_DIMENSIONS = {"Acquisition channel": "acquisition_channel", "Country": "country_code"}
#: Subscription attributes (SQL over fct_subscription_mrr_monthly and dim_plans): MRR.
#: Their movements need the segment mart (a plan change moves MRR between plans).
SUBSCRIPTION_DIMENSIONS = {
    "Plan": "coalesce(plans.plan_name, subscriptions.plan_id)",
    "Product": "plans.product_name",
    "Business model": "subscriptions.business_model",
    "Billing interval": "cast(plans.billing_interval_count as varchar) || ' ' "
    "|| plans.billing_interval_unit",
    "Currency": "subscriptions.currency",
}
CUSTOMER_MEASURES = {
    "Ending MRR": "mrr",
    "New MRR": "new_mrr",
    "Expansion MRR": "expansion_mrr",
    "Contraction MRR": "contraction_mrr",
    "Churned MRR": "churned_mrr",
    "Reactivation MRR": "reactivation_mrr",
    "FX impact": "fx_impact_mrr",
    "Paying customers": "paying_customers",
}
SUBSCRIPTION_MEASURES = {"Ending MRR": "mrr", "Paying subscriptions": "paying_subscriptions"}
MONEY_COLUMNS = (
    "mrr",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "reactivation_mrr",
    "fx_impact_mrr",
)

left, right = st.columns(2)
dimension_label = left.selectbox(
    "Segment by",
    [*CUSTOMER_DIMENSIONS, *SUBSCRIPTION_DIMENSIONS],
    key="segments_dimension",
)
by_customer = dimension_label in CUSTOMER_DIMENSIONS
measures = CUSTOMER_MEASURES if by_customer else SUBSCRIPTION_MEASURES
measure_label = right.selectbox(
    "Measure",
    list(measures),
    key=f"segments_measure_{'customer' if by_customer else 'subscription'}",
)
measure = measures[measure_label]

if by_customer:
    segments = ui.query(
        context,
        f"""
        SELECT
            movements.date_month AS month,
            coalesce(customers.{CUSTOMER_DIMENSIONS[dimension_label]}, 'unknown') AS segment,
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
else:
    if not ui.relation_exists(context, "marts", "fct_subscription_mrr_monthly"):
        ui.empty(
            "This warehouse has no fct_subscription_mrr_monthly yet: publish it again with "
            "this version to segment by subscription attributes."
        )
        st.stop()
    segments = ui.query(
        context,
        f"""
        SELECT
            subscriptions.date_month AS month,
            coalesce({SUBSCRIPTION_DIMENSIONS[dimension_label]}, 'unknown') AS segment,
            sum(subscriptions.mrr) AS mrr,
            count(*) FILTER (WHERE subscriptions.mrr > 0) AS paying_subscriptions
        FROM marts.fct_subscription_mrr_monthly AS subscriptions
        LEFT JOIN marts.dim_plans AS plans
            ON subscriptions.plan_id = plans.plan_id
        WHERE subscriptions.date_month BETWEEN ? AND ?
        GROUP BY ALL
        ORDER BY month, segment
        """,
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
        count_columns=("paying_customers", "paying_subscriptions"),
    )
)
st.caption(
    "By channel and country: each customer (by its current attributes) is in one segment, "
    "so MRR and every movement add up to the total. By a subscription attribute: each "
    "subscription's MRR (fct_subscription_mrr_monthly), which adds up to the total too; "
    "movements by those attributes await the segment mart."
)
