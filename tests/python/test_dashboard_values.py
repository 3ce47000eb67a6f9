"""How the dashboard shows a value in a table (no warehouse, no Streamlit server)."""

from __future__ import annotations

import datetime

import pandas as pd

from recurring_revenue.dashboard.ui import _plain


def test_midnight_timestamps_show_as_dates_and_others_in_full() -> None:
    assert _plain(pd.Timestamp("2024-01-01")) == "2024-01-01"
    assert _plain(pd.Timestamp("2024-01-01 10:30:00")) == "2024-01-01 10:30:00"
    assert _plain(datetime.date(2024, 2, 1)) == "2024-02-01"
    assert _plain(12.5) == "12.5"


def test_a_plain_datetime_is_shown_too() -> None:
    """Regression: a datetime.datetime (not a pandas Timestamp) has no normalize() and
    raised AttributeError (found by mypy)."""
    assert _plain(datetime.datetime(2024, 1, 1)) == "2024-01-01"
    assert _plain(datetime.datetime(2024, 1, 1, 9, 5)) == "2024-01-01 09:05:00"


def test_the_month_filter_cuts_a_cached_query_without_reading_again(monkeypatch) -> None:
    """`ui.monthly` reads every month once (the cached query, no month parameters) and
    keeps the chosen range, first and last month included, in order, re-indexed."""
    from recurring_revenue.dashboard import ui

    reads: list[tuple] = []
    months = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"])
    frame = pd.DataFrame({"month": months, "mrr": [1, 2, 3, 4]})

    def fake_query(context, sql, *parameters):
        reads.append((sql, parameters))
        return frame

    monkeypatch.setattr(ui, "query", fake_query)
    cut = ui.monthly(None, "SELECT ...", datetime.date(2024, 2, 1), datetime.date(2024, 3, 1))  # type: ignore[arg-type]
    assert list(cut["mrr"]) == [2, 3] and list(cut.index) == [0, 1]
    assert reads == [("SELECT ...", ())]
