"""Overview: the headline KPIs of the as-of month, and MRR over time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import streamlit as st

from recurring_revenue.dashboard import ui

context = ui.context()
ui.header(context, "Overview", "Where does recurring revenue stand, and how did it move?")

first, last = ui.month_range(context)
kpis = ui.query(
    context,
    """
    SELECT date_month, mrr, arr, paying_customers, arpa, nrr_month, grr_month,
        logo_churn_rate, quick_ratio, ltv_to_cac, marketing_spend
    FROM marts.fct_saas_kpis_monthly
    WHERE date_month <= ?
    ORDER BY date_month DESC
    LIMIT 2
    """,
    last,
)

if kpis.empty:
    ui.empty("No months in the warehouse yet.")
    st.stop()

current = kpis.iloc[0]
previous = kpis.iloc[1] if len(kpis) > 1 else None
currency = context.reporting_currency
st.subheader(f"Month {ui.month_label(current['date_month'])}")

WHY_NULL = {
    "nrr_month": "n/a: no MRR at the start of the month.",
    "grr_month": "n/a: no MRR at the start of the month.",
    "logo_churn_rate": "n/a: no paying customers at the start of the month.",
    "arpa": "n/a: no paying customers.",
    "quick_ratio": "n/a: no contraction or churn this month, so the ratio has no denominator.",
    "ltv_to_cac": "n/a: needs a CAC (marketing spend loaded and new customers) and an LTV "
    "(a churn rate in the last 6 months).",
}

TILES: tuple[tuple[str, str, Callable[[Any], str], str], ...] = (
    (
        "MRR",
        "mrr",
        lambda value: ui.money(value, currency),
        "Monthly recurring revenue at month end.",
    ),
    ("ARR", "arr", lambda value: ui.money(value, currency), "12 x month-end MRR."),
    ("Paying customers", "paying_customers", ui.count, "Customers with MRR > 0 at month end."),
    ("ARPA", "arpa", lambda value: ui.money(value, currency), "Average MRR per paying account."),
    ("NRR (month)", "nrr_month", ui.percent, "Net revenue retention of the month."),
    ("GRR (month)", "grr_month", ui.percent, "Gross revenue retention of the month."),
    ("Logo churn rate", "logo_churn_rate", ui.percent, "Churned customers / customers at start."),
    (
        "Quick ratio",
        "quick_ratio",
        ui.ratio,
        "(new + expansion + reactivation) / (contraction + churn).",
    ),
    ("LTV:CAC", "ltv_to_cac", ui.ratio, "Lifetime value over customer acquisition cost."),
)


#: Tiles where a rise is bad news (the delta is coloured the other way round).
RISE_IS_BAD = {"logo_churn_rate"}


def delta(column: str, formatter: Callable[[Any], str]) -> str | None:
    """The change against the previous month (rates in percentage points)."""
    if previous is None or ui.is_missing(current[column]) or ui.is_missing(previous[column]):
        return None
    change = current[column] - previous[column]
    if formatter is ui.percent:
        return f"{change * 100:+,.1f} pp"
    return ("-" if change < 0 else "+") + formatter(abs(change))


rows = [TILES[:3], TILES[3:6], TILES[6:]]
for tiles in rows:
    columns = st.columns(len(tiles))
    for column, (label, field, formatter, meaning) in zip(columns, tiles, strict=True):
        value = current[field]
        help_text = meaning + (
            " " + WHY_NULL.get(field, "n/a: no value.") if ui.is_missing(value) else ""
        )
        column.metric(
            label,
            formatter(value),
            delta(field, formatter),
            delta_color="inverse" if field in RISE_IS_BAD else "normal",
            help=help_text,
            border=True,
        )

st.subheader("MRR over time")
history = ui.monthly(
    context,
    """
    SELECT date_month AS month, ending_mrr AS mrr, paying_customers
    FROM marts.fct_mrr_monthly
    ORDER BY date_month
    """,
    first,
    last,
)
ui.chart(
    alt.Chart(history)
    .mark_area(line=True, opacity=0.3)
    .encode(
        x=ui.month_axis(),
        y=alt.Y("mrr:Q", title=f"MRR ({currency})"),
        tooltip=[
            alt.Tooltip("month:T", format="%Y-%m", title="Month"),
            alt.Tooltip("mrr:Q", format=",.2f", title=f"MRR ({currency})"),
            alt.Tooltip("paying_customers:Q", format=",", title="Paying customers"),
        ],
    )
    .properties(height=320)
)
