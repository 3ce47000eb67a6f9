"""Contracts and renewals: renewals due soon with their notice deadlines, the
renewal rate over time, and ARR change split into price and quantity."""

from __future__ import annotations

import altair as alt
import streamlit as st

from recurring_revenue.dashboard import ui

context = ui.context()
ui.header(
    context,
    "Contracts and renewals",
    "Which contracts renew soon, how many renew, and what does renewal do to ARR?",
)
currency = context.reporting_currency
first, last = ui.month_range(context)

st.subheader("Renewals due in the next 90 days")
due = ui.query(
    context,
    """
    SELECT subscription_id, customer_id, term_end, notice_deadline, days_until_term_end,
        days_until_notice_deadline, is_notice_deadline_passed, auto_renew, arr, currency, outcome
    FROM marts.rpt_renewals_due_next_90_days
    ORDER BY term_end, subscription_id
    """,
)
if due.empty:
    ui.empty("No contract term ends in the 90 days after the as-of date.")
else:
    columns = st.columns(3)
    columns[0].metric("Terms due", ui.count(len(due)))
    columns[1].metric("ARR due", ui.money(due["arr"].sum(), currency))
    columns[2].metric(
        "Notice deadline passed",
        ui.count(int(due["is_notice_deadline_passed"].fillna(False).sum())),
        help="Terms whose notice deadline is before the as-of date: they renew unless cancelled.",
    )
    # The nearest terms only: a table of every term due (12,791 at 1,000,000
    # customers) took a good part of the page's first render to reach the browser.
    shown = due.head(ui.TABLE_ROWS)
    if len(due) > len(shown):
        st.caption(
            f"The {ui.count(len(shown))} nearest of {ui.count(len(due))} terms due; "
            "the download has them all."
        )
    ui.table(
        ui.display_table(
            shown.rename(columns={"currency": "contract_currency"}),
            currency,
            money_columns=("arr",),
        )
    )
    st.download_button(
        "Download every term due (CSV)",
        due.to_csv(index=False).encode("utf-8"),
        file_name="renewals_due_next_90_days.csv",
        mime="text/csv",
    )

monthly = ui.monthly(
    context,
    """
    SELECT date_month AS month, terms_due, terms_renewed, terms_churned, terms_pending,
        arr_due, arr_renewed, price_change_arr, quantity_change_arr, renewal_rate,
        arr_renewal_rate, net_arr_renewal_rate
    FROM marts.fct_contract_renewals_monthly
    ORDER BY date_month
    """,
    first,
    last,
)
if monthly.empty:
    ui.empty("No contract terms ended in the selected months.")
    st.stop()

st.subheader("Renewal rate")
rates = monthly.melt(
    id_vars="month",
    value_vars=["renewal_rate", "arr_renewal_rate", "net_arr_renewal_rate"],
    var_name="rate",
    value_name="value",
).dropna(subset=["value"])
rates["rate"] = rates["rate"].map(
    {
        "renewal_rate": "Terms renewed",
        "arr_renewal_rate": "ARR renewed",
        "net_arr_renewal_rate": "Net ARR renewed",
    }
)
ui.chart(
    alt.Chart(rates)
    .mark_line(point=True)
    .encode(
        x=ui.month_axis(),
        y=alt.Y("value:Q", title="Rate", axis=alt.Axis(format="%")),
        color=alt.Color("rate:N", title=None),
        tooltip=[
            alt.Tooltip("month:T", format="%Y-%m"),
            "rate:N",
            alt.Tooltip("value:Q", format=".1%"),
        ],
    )
    .properties(height=280)
)
st.caption("A month with no decided term has no rate (n/a, not drawn).")

st.subheader("ARR change at renewal: price and quantity")
change = monthly.melt(
    id_vars="month",
    value_vars=["price_change_arr", "quantity_change_arr"],
    var_name="part",
    value_name="arr",
)
change["part"] = change["part"].map(
    {"price_change_arr": "Price (indexation, list price)", "quantity_change_arr": "Quantity"}
)
ui.chart(
    alt.Chart(change)
    .mark_bar()
    .encode(
        x=ui.month_axis(),
        y=alt.Y("arr:Q", title=f"ARR change ({currency})", stack="zero"),
        color=alt.Color("part:N", title=None),
        tooltip=[
            alt.Tooltip("month:T", format="%Y-%m"),
            "part:N",
            alt.Tooltip("arr:Q", format=",.2f"),
        ],
    )
    .properties(height=280)
)
