"""Cash: billings, collections, refunds, failed payments and open receivables."""

from __future__ import annotations

import altair as alt
import streamlit as st

from recurring_revenue.dashboard import ui

context = ui.context()
ui.header(context, "Cash", "What did we bill and collect, and what is still owed?")
currency = context.reporting_currency
first, last = ui.month_range(context)

cash = ui.monthly(
    context,
    """
    SELECT date_month AS month, billings, collected, refunded, net_collected,
        failed_payment_attempts, failed_payment_amount, open_receivables, written_off
    FROM marts.fct_cash_monthly
    ORDER BY date_month
    """,
    first,
    last,
)
if cash.empty:
    ui.empty("No cash months in the selected range.")
    st.stop()

latest = cash.iloc[-1]
columns = st.columns(5)
for column, (label, field) in zip(
    columns,
    (
        ("Billings", "billings"),
        ("Collected", "collected"),
        ("Refunded", "refunded"),
        ("Failed payments", "failed_payment_amount"),
        ("Open receivables", "open_receivables"),
    ),
    strict=True,
):
    column.metric(f"{label}, {ui.month_label(latest['month'])}", ui.money(latest[field], currency))

st.subheader("Billings, collections and refunds")
flows = cash.melt(
    id_vars="month",
    value_vars=["billings", "collected", "refunded"],
    var_name="flow",
    value_name="amount",
)
flows["flow"] = flows["flow"].map(
    {"billings": "Billed", "collected": "Collected", "refunded": "Refunded"}
)
ui.chart(
    alt.Chart(flows)
    .mark_bar()
    .encode(
        x=ui.month_axis(),
        xOffset="flow:N",
        y=alt.Y("amount:Q", title=currency),
        color=alt.Color("flow:N", title=None),
        tooltip=[
            alt.Tooltip("month:T", format="%Y-%m"),
            "flow:N",
            alt.Tooltip("amount:Q", format=",.2f"),
        ],
    )
    .properties(height=280)
)

left, right = st.columns(2)
with left:
    st.subheader("Failed payments")
    ui.chart(
        alt.Chart(cash)
        .mark_bar(color="#e45756")
        .encode(
            x=ui.month_axis(),
            y=alt.Y("failed_payment_amount:Q", title=f"Failed amount ({currency})"),
            tooltip=[
                alt.Tooltip("month:T", format="%Y-%m"),
                alt.Tooltip("failed_payment_attempts:Q", title="Attempts"),
                alt.Tooltip("failed_payment_amount:Q", format=",.2f", title="Amount"),
            ],
        )
        .properties(height=260)
    )
with right:
    st.subheader("Open receivables at month end")
    ui.chart(
        alt.Chart(cash)
        .mark_area(line=True, opacity=0.3)
        .encode(
            x=ui.month_axis(),
            y=alt.Y("open_receivables:Q", title=f"Open receivables ({currency})"),
            tooltip=[
                alt.Tooltip("month:T", format="%Y-%m"),
                alt.Tooltip("open_receivables:Q", format=",.2f"),
            ],
        )
        .properties(height=260)
    )
