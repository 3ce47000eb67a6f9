"""Conversions: trial-to-paid and free-to-paid by cohort month."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from recurring_revenue.dashboard import ui

context = ui.context()
ui.header(context, "Conversions", "How many trials and free sign-ups become paying customers?")
first, last = ui.month_range(context)

SOURCES = (
    ("Trial to paid", "fct_trial_conversions", "trial_month", "trials"),
    ("Free to paid", "fct_free_to_paid_conversions", "signup_month", "free_customers"),
)

for title, mart, month_column, size_column in SOURCES:
    st.subheader(title)
    frame = ui.monthly(
        context,
        f"""
        SELECT {month_column} AS month, {size_column} AS cohort, converted, conversion_rate,
            median_days_to_convert
        FROM marts.{mart}
        ORDER BY {month_column}
        """,
        first,
        last,
    )
    if frame.empty:
        ui.empty(f"No {title.lower()} cohorts in the selected range.")
        continue
    left, right = st.columns([2, 1])
    with left:
        bars = (
            alt.Chart(frame)
            .mark_bar(opacity=0.35)
            .encode(
                x=ui.month_axis(title="Cohort month"),
                y=alt.Y("cohort:Q", title="Cohort size"),
                tooltip=[
                    alt.Tooltip("month:T", format="%Y-%m", title="Cohort"),
                    alt.Tooltip("cohort:Q", title="Cohort size"),
                    alt.Tooltip("converted:Q", title="Converted"),
                ],
            )
        )
        line = (
            alt.Chart(frame.dropna(subset=["conversion_rate"]))
            .mark_line(point=True, color="#e45756")
            .encode(
                x=ui.month_axis(title="Cohort month"),
                y=alt.Y("conversion_rate:Q", title="Conversion rate", axis=alt.Axis(format="%")),
                tooltip=[
                    alt.Tooltip("month:T", format="%Y-%m", title="Cohort"),
                    alt.Tooltip("conversion_rate:Q", format=".1%", title="Rate"),
                ],
            )
        )
        ui.chart(alt.layer(bars, line).resolve_scale(y="independent").properties(height=280))
    with right:
        totals = frame[["cohort", "converted"]].sum()
        rate = totals["converted"] / totals["cohort"] if totals["cohort"] else None
        st.metric(
            f"{title}, selected months",
            ui.percent(None if rate is None or pd.isna(rate) else rate),
            help="Converted / cohort size over the selected cohorts; n/a with no cohort.",
        )
        st.metric("Cohort members", ui.count(totals["cohort"]))
    ui.table(
        ui.display_table(
            frame.rename(columns={"cohort": size_column}).assign(
                month=frame["month"].dt.strftime("%Y-%m")
            ),
            context.reporting_currency,
            percent_columns=("conversion_rate",),
        )
    )
