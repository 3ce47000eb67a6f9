"""What every step of a load shares: the error, the kinds of batch, SQL quoting."""

from __future__ import annotations

from collections.abc import Callable

from recurring_revenue.raw_spec import (
    RAW_SCHEMA,
    TABLES,
)

Progress = Callable[[str], None]

_NOTHING_CHANGED = "Nothing was loaded; the raw data in the warehouse is unchanged."

#: The kinds of load raw._load_log records per batch.
SNAPSHOT = "snapshot"

DELTA = "delta"


class LoadError(Exception):
    """A structural problem: the load failed and the warehouse was left unchanged.

    The message is what the user sees: it names the file and the column or line, and
    says what to do.
    """


def _table_names() -> tuple[str, ...]:
    return tuple(table.name for table in TABLES)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _raw(name: str) -> str:
    return f"{_ident(RAW_SCHEMA)}.{_ident(name)}"


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else message
