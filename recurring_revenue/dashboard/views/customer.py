"""Customer: one customer's MRR history and movements."""

from __future__ import annotations

import altair as alt
import streamlit as st

from recurring_revenue.dashboard import ui

context = ui.context()
ui.header(context, "Customer", "How did one customer's MRR move over time?")
currency = context.reporting_currency

search = st.text_input(
    "Customer id", key="customer_id", placeholder="type a customer id or its beginning"
).strip()
if not search:
    st.info("Type a customer id to see its MRR history. The largest customers now:")
    largest = ui.query(
        context,
        """
        SELECT customer_id, customer_name_hash, country_code, acquisition_channel,
            current_status, current_mrr
        FROM marts.dim_customers
        ORDER BY current_mrr DESC NULLS LAST, customer_id
        LIMIT 10
        """,
    )
    ui.table(ui.display_table(largest, currency, money_columns=("current_mrr",)))
    st.stop()

matches = ui.query(
    context,
    """
    SELECT customer_id FROM marts.dim_customers
    WHERE customer_id = ? OR starts_with(customer_id, ?)
    ORDER BY customer_id <> ?, customer_id
    LIMIT 50
    """,
    search,
    search,
    search,
)
if matches.empty:
    st.warning(f"No customer id is or starts with {search!r}.")
    st.stop()
ids = list(matches["customer_id"])
customer_id = ids[0] if len(ids) == 1 else st.selectbox("Matching customers", ids)

profile = ui.query(
    context,
    """
    SELECT customer_id, customer_name_hash, country_code, acquisition_channel, current_status,
        current_mrr, first_paid_month
    FROM marts.dim_customers
    WHERE customer_id = ?
    """,
    customer_id,
)
row = profile.iloc[0]
columns = st.columns(4)
columns[0].metric(
    "Customer", str(row["customer_id"]), help=f"Name hash {row['customer_name_hash']}"
)
columns[1].metric("Current MRR", ui.money(row["current_mrr"], currency))
columns[2].metric(
    "Status", "n/a" if ui.is_missing(row["current_status"]) else str(row["current_status"])
)
columns[3].metric(
    "Channel / country",
    f"{row['acquisition_channel'] or 'n/a'} / {row['country_code'] or 'n/a'}",
)

history = ui.query(
    context,
    """
    SELECT date_month AS month, movement_type, customer_status, previous_mrr, mrr, mrr_movement,
        new_mrr, expansion_mrr, contraction_mrr, churned_mrr, reactivation_mrr, fx_impact_mrr
    FROM marts.fct_customer_mrr_monthly
    WHERE customer_id = ?
    ORDER BY date_month
    """,
    customer_id,
)
if history.empty:
    ui.empty("This customer has no MRR months (never paid).")
    st.stop()
st.subheader("MRR history")
ui.chart(
    alt.Chart(history)
    .mark_line(point=True, interpolate="step-after")
    .encode(
        x=ui.month_axis(),
        y=alt.Y("mrr:Q", title=f"MRR ({currency})"),
        tooltip=[
            alt.Tooltip("month:T", format="%Y-%m"),
            "movement_type:N",
            alt.Tooltip("mrr:Q", format=",.2f"),
            alt.Tooltip("mrr_movement:Q", format=",.2f"),
        ],
    )
    .properties(height=280)
)
st.subheader("Movements")
moved = history[history["movement_type"] != "unchanged"]
ui.table(
    ui.display_table(
        moved.assign(month=moved["month"].dt.strftime("%Y-%m")),
        currency,
        money_columns=(
            "previous_mrr",
            "mrr",
            "mrr_movement",
            "new_mrr",
            "expansion_mrr",
            "contraction_mrr",
            "churned_mrr",
            "reactivation_mrr",
            "fx_impact_mrr",
        ),
    )
)
