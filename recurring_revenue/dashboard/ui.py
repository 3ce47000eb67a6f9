"""What every dashboard page shares: the warehouse context, cached queries, the
month filter, number formatting and the page header."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import altair as alt
import pandas as pd
import streamlit as st

from recurring_revenue.dashboard import data

NOT_AVAILABLE = "n/a"
MONTH_RANGE_KEY = "month_range"


@dataclass(frozen=True)
class Context:
    """The warehouse a page reads and the settings it was built with."""

    key: data.PublishKey
    reporting_currency: str
    as_of_date: datetime.date | None
    as_of_month: datetime.date | None
    published_at: str | None
    months: tuple[datetime.date, ...]


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(
    path: str, inode: int, size: int, mtime_ns: int, sql: str, parameters: tuple[Any, ...]
) -> pd.DataFrame:
    return data.read(data.PublishKey(path, inode, size, mtime_ns), sql, parameters)


def query(context: Context, sql: str, *parameters: Any) -> pd.DataFrame:
    """A query's result, cached for the publish the context was read from."""
    key = context.key
    return _cached(key.path, key.inode, key.size, key.mtime_ns, sql, tuple(parameters))


def monthly(
    context: Context,
    sql: str,
    first: datetime.date,
    last: datetime.date,
    column: str = "month",
) -> pd.DataFrame:
    """The rows of a query over every month whose `column` is in [first, last].

    The query runs once per publish (cached) and the month range is cut here, so a
    change of the month filter reads nothing from the warehouse: the monthly marts
    hold one row per month (or per month and channel or cohort), a few thousand rows
    even at a million customers.
    """
    frame = query(context, sql)
    months = pd.to_datetime(frame[column])
    chosen = (months >= pd.Timestamp(first)) & (months <= pd.Timestamp(last))
    return frame.loc[chosen].reset_index(drop=True)


def _key_query(key: data.PublishKey, sql: str, *parameters: Any) -> pd.DataFrame:
    return _cached(key.path, key.inode, key.size, key.mtime_ns, sql, tuple(parameters))


def relation_exists(context: Context, schema: str, name: str) -> bool:
    return _exists(context.key, schema, name)


def _exists(key: data.PublishKey, schema: str, name: str) -> bool:
    found = _key_query(key, data.RELATION_EXISTS, schema, name)
    return bool(found["found"].iloc[0])


def context() -> Context:
    """The published warehouse now; stops the page with instructions when there is none."""
    path = data.database_path()
    try:
        key = data.publish_key(path)
        settings, months = _settings(key.path, key.inode, key.size, key.mtime_ns)
    except data.NoWarehouse as error:
        st.title("Recurring Revenue dashboard")
        st.warning(str(error))
        st.stop()
        raise  # st.stop() raises; this keeps type checkers informed.
    return Context(key=key, months=months, **settings)


@st.cache_data(show_spinner=False, max_entries=16)
def _settings(
    path: str, inode: int, size: int, mtime_ns: int
) -> tuple[dict[str, Any], tuple[datetime.date, ...]]:
    """The settings and months of one publish, read with the file attached once."""
    key = data.PublishKey(path, inode, size, mtime_ns)
    tables = data.read(
        key,
        "SELECT schema_name || '.' || table_name AS name FROM duckdb_tables() "
        "WHERE database_name = current_database()",
    )
    present = set(tables["name"])
    queries: list[tuple[str, tuple[Any, ...]]] = [
        ("SELECT date_month FROM marts.fct_mrr_monthly ORDER BY date_month", ())
    ]
    if "utilities.util_report_settings" in present:
        queries.append(
            (
                "SELECT reporting_currency, as_of_date, as_of_month "
                "FROM utilities.util_report_settings",
                (),
            )
        )
    else:
        # Warehouses built before the settings were recorded: the as-of month is the
        # last month of the marts, the currency the project's default.
        queries.append(("SELECT max(date_month) AS as_of_month FROM marts.fct_mrr_monthly", ()))
    if "audit.publish_log" in present:
        queries.append(
            (
                "SELECT CAST(max(published_at) AS VARCHAR) AS published_at FROM audit.publish_log",
                (),
            )
        )
    frames = data.read_many(key, queries)
    months = tuple(cast(datetime.date, _as_date(month)) for month in frames[0]["date_month"])
    row = frames[1].iloc[0]
    if "utilities.util_report_settings" in present:
        currency, as_of_date, as_of_month = (
            str(row["reporting_currency"]),
            _as_date(row["as_of_date"]),
            _as_date(row["as_of_month"]),
        )
    else:
        currency, as_of_date, as_of_month = "USD", None, _as_date(row["as_of_month"])
    published_at = frames[2]["published_at"].iloc[0] if len(frames) > 2 else None
    settings = {
        "reporting_currency": currency,
        "as_of_date": as_of_date,
        "as_of_month": as_of_month,
        "published_at": None if pd.isna(published_at) else str(published_at),
    }
    return settings, months


def _as_date(value: Any) -> datetime.date | None:
    if value is None or (not isinstance(value, datetime.date) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


# Filters.


def month_filter(context: Context) -> None:
    """The month range in the sidebar (every page reads it through `month_range`)."""
    if len(context.months) < 2:
        return
    labels = [month_label(month) for month in context.months]
    default = (labels[max(0, len(labels) - 24)], labels[-1])
    chosen = st.session_state.get(MONTH_RANGE_KEY)
    if chosen is not None and not all(label in labels for label in chosen):
        # A publish changed the months: keep the range valid.
        del st.session_state[MONTH_RANGE_KEY]
    st.sidebar.select_slider("Months", options=labels, value=default, key=MONTH_RANGE_KEY)


def month_range(context: Context) -> tuple[datetime.date, datetime.date]:
    """The first and last month selected (every month when there is no filter)."""
    if not context.months:
        today = context.as_of_month or datetime.date.today().replace(day=1)
        return today, today
    by_label = {month_label(month): month for month in context.months}
    chosen = st.session_state.get(MONTH_RANGE_KEY)
    if chosen and all(label in by_label for label in chosen):
        return by_label[chosen[0]], by_label[chosen[1]]
    return context.months[max(0, len(context.months) - 24)], context.months[-1]


def month_label(month: datetime.date) -> str:
    return month.strftime("%Y-%m")


# Formatting.


def is_missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str | Decimal) and pd.isna(value))


def money(value: Any, currency: str, places: int = 2) -> str:
    if is_missing(value):
        return NOT_AVAILABLE
    return f"{currency} {Decimal(str(value)):,.{places}f}"


def percent(value: Any, places: int = 1) -> str:
    if is_missing(value):
        return NOT_AVAILABLE
    return f"{Decimal(str(value)) * 100:,.{places}f}%"


def ratio(value: Any, places: int = 2) -> str:
    if is_missing(value):
        return NOT_AVAILABLE
    return f"{Decimal(str(value)):,.{places}f}x"


def count(value: Any) -> str:
    if is_missing(value):
        return NOT_AVAILABLE
    return f"{int(value):,}"


def help_text(meaning: str | None, value: Any, why_missing: str) -> str | None:
    """A tile's tooltip: what it means, and why it is n/a when the value is NULL."""
    if is_missing(value):
        return f"{meaning} {why_missing}" if meaning else why_missing
    return meaning


def display_table(
    frame: pd.DataFrame,
    currency: str,
    *,
    money_columns: tuple[str, ...] = (),
    percent_columns: tuple[str, ...] = (),
    count_columns: tuple[str, ...] = (),
) -> pd.DataFrame:
    """A copy with money, rates and counts as text, every NULL as "n/a"."""
    shown = frame.copy()
    for column in shown.columns:
        if column in money_columns:
            shown[column] = [money(value, currency) for value in shown[column]]
        elif column in percent_columns:
            shown[column] = [percent(value) for value in shown[column]]
        elif column in count_columns:
            shown[column] = [count(value) for value in shown[column]]
        else:
            shown[column] = [
                NOT_AVAILABLE if is_missing(value) else _plain(value) for value in shown[column]
            ]
    return shown


def _plain(value: Any) -> str:
    if isinstance(value, pd.Timestamp | datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


# Layout.


def header(context: Context, title: str, question: str) -> None:
    """The page title, what it answers, and the as-of date and currency of the data."""
    st.title(title)
    as_of = context.as_of_date.isoformat() if context.as_of_date else NOT_AVAILABLE
    published = f" · published {context.published_at} UTC" if context.published_at else ""
    st.caption(
        f"{question}  \nAs of **{as_of}** · money in **{context.reporting_currency}**{published}"
    )


def chart(spec: alt.TopLevelMixin) -> None:
    st.altair_chart(spec, width="stretch")  # type: ignore[call-overload]  # any chart


def month_axis(field: str = "month", title: str = "Month") -> alt.X:
    return alt.X(f"{field}:T", title=title, axis=alt.Axis(format="%Y-%m"))


#: Rows a long table shows at most (the rest is in its download).
TABLE_ROWS = 500


def table(frame: pd.DataFrame) -> None:
    st.dataframe(frame, hide_index=True, width="stretch")


def empty(message: str) -> None:
    st.info(message)
