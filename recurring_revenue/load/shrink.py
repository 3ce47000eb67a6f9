"""The shrink check: a load's row counts compared with the warehouse it replaces."""

from __future__ import annotations

from pathlib import Path

import duckdb

from recurring_revenue.load.common import (
    _first_line,
)
from recurring_revenue.load.load_log import (
    TableLoad,
    _current_batch,
    _tables_of_batch,
)
from recurring_revenue.load.results import (
    Shrink,
)


def _reference_counts(
    connection: duckdb.DuckDBPyConnection,
    database: Path,
    previous: str | None,
    baseline: Path | None,
    notices: list[str],
) -> tuple[Path | None, str | None, dict[str, int]]:
    """(warehouse, batch, rows per table) of the raw data this load is compared with."""
    if baseline is None or baseline.resolve() == database.resolve():
        if previous is None:
            return None, None, {}
        return database, previous, _counts(_tables_of_batch(connection, previous))
    if not baseline.exists():
        return None, None, {}
    try:
        other = duckdb.connect(str(baseline), read_only=True)
        try:
            batch = _current_batch(other)
            counts = {} if batch is None else _counts(_tables_of_batch(other, batch))
        finally:
            other.close()
    except duckdb.Error as error:
        notices.append(
            f"row counts not compared with {baseline} ({_first_line(str(error))}): "
            "a shrinking table would not be flagged"
        )
        return None, None, {}
    return (baseline, batch, counts) if batch else (None, None, {})


def _counts(tables: tuple[TableLoad, ...]) -> dict[str, int]:
    return {loaded.table: loaded.rows for loaded in tables}


def _shrinks(
    before: dict[str, int], tables: tuple[TableLoad, ...], max_shrink: float
) -> tuple[Shrink, ...]:
    """The tables that lost more than `max_shrink` of their rows, or all of them."""
    flagged = []
    for loaded in tables:
        old = before.get(loaded.table, 0)
        if old and (loaded.rows == 0 or (old - loaded.rows) / old > max_shrink):
            flagged.append(Shrink(loaded.table, old, loaded.rows))
    return tuple(flagged)
