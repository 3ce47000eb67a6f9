"""MRR movements: the bridge of one month, the movements per month, and the
customers behind a movement."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from recurring_revenue.dashboard import ui

context = ui.context()
ui.header(context, "MRR movements", "What moved MRR from one month to the next, and who moved it?")
currency = context.reporting_currency
first, last = ui.month_range(context)

#: (column of fct_mrr_monthly and fct_customer_mrr_monthly, label), in bridge order.
MOVEMENTS = (
    ("new_mrr", "New"),
    ("expansion_mrr", "Expansion"),
    ("reactivation_mrr", "Reactivation"),
    ("contraction_mrr", "Contraction"),
    ("churned_mrr", "Churn"),
    ("fx_impact_mrr", "FX impact"),
)

MOVEMENT_COLOURS = ["#2e7d32", "#81c784", "#4c78a8", "#f58518", "#e45756", "#9e9e9e"]

bridge = ui.monthly(
    context,
    f"""
    SELECT date_month AS month, starting_mrr, {", ".join(column for column, _ in MOVEMENTS)},
        ending_mrr
    FROM marts.fct_mrr_monthly
    ORDER BY date_month
    """,
    first,
    last,
)
if bridge.empty:
    ui.empty("No months in the selected range.")
    st.stop()

labels = [ui.month_label(month) for month in bridge["month"]]
chosen = st.selectbox("Month", labels, index=len(labels) - 1, key="movements_month")
month_row = bridge.iloc[labels.index(chosen)]

st.subheader(f"MRR bridge, {chosen}")
steps = [("Starting MRR", 0.0, float(month_row["starting_mrr"]), "total")]
level = float(month_row["starting_mrr"])
for column, label in MOVEMENTS:
    amount = float(month_row[column])
    steps.append((label, level, level + amount, "increase" if amount >= 0 else "decrease"))
    level += amount
steps.append(("Ending MRR", 0.0, float(month_row["ending_mrr"]), "total"))
waterfall = pd.DataFrame(steps, columns=["step", "start", "end", "kind"])
waterfall["amount"] = waterfall["end"] - waterfall["start"]
order = list(waterfall["step"])
# The axis spans the levels the bridge passes through (the totals' bars are cut at
# its foot), so movements small against the total stay visible.
levels = [level for step in steps for level in step[1:3] if step[3] != "total" or level]
low, high = min(levels), max(levels)
padding = max((high - low) * 0.15, abs(high) * 0.01, 1.0)
domain = [low - padding, high + padding]
ui.chart(
    alt.Chart(waterfall)
    .mark_bar(clip=True)
    .encode(
        x=alt.X("step:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("start:Q", title=f"MRR ({currency})", scale=alt.Scale(domain=domain)),
        y2="end:Q",
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(
                domain=["total", "increase", "decrease"], range=["#4c78a8", "#54a24b", "#e45756"]
            ),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("step:N", title="Step"),
            alt.Tooltip("amount:Q", format=",.2f", title=f"Amount ({currency})"),
        ],
    )
    .properties(height=320)
)

st.subheader("Movements per month")
long = bridge.melt(
    id_vars="month",
    value_vars=[column for column, _ in MOVEMENTS],
    var_name="movement",
    value_name="mrr",
)
long["movement"] = long["movement"].map(dict(MOVEMENTS))
ui.chart(
    alt.Chart(long)
    .mark_bar()
    .encode(
        x=ui.month_axis(),
        y=alt.Y("sum(mrr):Q", title=f"MRR movement ({currency})", stack="zero"),
        color=alt.Color(
            "movement:N",
            title="Movement",
            scale=alt.Scale(domain=[label for _, label in MOVEMENTS], range=MOVEMENT_COLOURS),
        ),
        tooltip=[
            alt.Tooltip("month:T", format="%Y-%m", title="Month"),
            alt.Tooltip("movement:N", title="Movement"),
            alt.Tooltip("mrr:Q", format=",.2f", title=currency),
        ],
    )
    .properties(height=320)
)

st.subheader("Customers behind a movement")
left, right = st.columns([3, 1])
movement_label = left.selectbox(
    "Movement", [label for _, label in MOVEMENTS], key="movements_customers_movement"
)
top = right.number_input("Top", min_value=5, max_value=200, value=20, step=5, key="movements_top")
column = dict((label, column) for column, label in MOVEMENTS)[movement_label]
# The top N of the month first, then their hashes: joining a million customers
# before the limit took seconds at 1,000,000 customers.
customers = ui.query(
    context,
    f"""
    WITH top_movers AS (
        SELECT customer_id, movement_type, previous_mrr, mrr, {column} AS amount
        FROM marts.fct_customer_mrr_monthly
        WHERE date_month = ? AND {column} <> 0
        ORDER BY abs({column}) DESC, customer_id
        LIMIT ?
    )
    SELECT
        top_movers.customer_id,
        customers.customer_name_hash,
        top_movers.movement_type,
        top_movers.previous_mrr,
        top_movers.mrr,
        top_movers.amount
    FROM top_movers
    LEFT JOIN marts.dim_customers AS customers
        ON top_movers.customer_id = customers.customer_id
    ORDER BY abs(top_movers.amount) DESC, top_movers.customer_id
    """,
    month_row["month"],
    int(top),
)
if customers.empty:
    ui.empty(f"No {movement_label.lower()} MRR in {chosen}.")
else:
    st.caption("Customers by id and keyed hash of the name only; no personal data is shown.")
    ui.table(
        ui.display_table(
            customers,
            currency,
            money_columns=("previous_mrr", "mrr", "amount"),
        )
    )
