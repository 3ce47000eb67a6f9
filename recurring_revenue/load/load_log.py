"""raw._load_log: which batch raw holds and what each batch wrote per table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from recurring_revenue.load.common import (
    _ident,
    _raw,
    _table_names,
)
from recurring_revenue.load.files import _Plan
from recurring_revenue.raw_spec import (
    LOAD_LOG_TABLE,
    RAW_SCHEMA,
)


@dataclass(frozen=True)
class TableLoad:
    """What one load (or the load a no-op found in place) put into one raw table."""

    table: str
    source_file: str | None
    rows: int
    extra_columns: tuple[str, ...] = ()
    seconds: float = 0.0


def loaded_batch(database: Path) -> str | None:
    """The batch raw holds, read on a connection of its own (None when there is none)."""
    from recurring_revenue.readers import read_only

    if not Path(database).exists():
        return None
    try:
        with read_only(database) as connection:
            return _current_batch(connection)
    except duckdb.Error:
        return None


def _table_exists(connection: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = connection.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ?",
        [RAW_SCHEMA, name],
    ).fetchone()
    return bool(found and found[0])


def _current_batch(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The batch raw holds now, or None when raw is missing or incomplete."""
    if not all(_table_exists(connection, name) for name in (LOAD_LOG_TABLE, *_table_names())):
        return None
    row = connection.execute(
        f"SELECT load_batch_id FROM {_raw(LOAD_LOG_TABLE)} ORDER BY loaded_at DESC LIMIT 1"
    ).fetchone()
    return None if row is None else str(row[0])


def _tables_of_batch(connection: duckdb.DuckDBPyConnection, batch_id: str) -> tuple[TableLoad, ...]:
    rows = connection.execute(
        f"SELECT table_name, source_file, row_count, extra_columns FROM {_raw(LOAD_LOG_TABLE)} "
        "WHERE load_batch_id = ? AND loaded_at = ("
        f"SELECT max(loaded_at) FROM {_raw(LOAD_LOG_TABLE)} WHERE load_batch_id = ?)",
        [batch_id, batch_id],
    ).fetchall()
    by_name = {row[0]: row for row in rows}
    return tuple(
        TableLoad(name, by_name[name][1], int(by_name[name][2]), tuple(by_name[name][3] or ()))
        for name in _table_names()
        if name in by_name
    )


def _ensure_load_log(connection: duckdb.DuckDBPyConnection) -> None:
    """raw._load_log, with the `load_kind` column a warehouse loaded before deltas lacks."""
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(RAW_SCHEMA)}")
    connection.execute(
        f"CREATE TABLE IF NOT EXISTS {_raw(LOAD_LOG_TABLE)} ("
        "load_batch_id VARCHAR, table_name VARCHAR, source_file VARCHAR, "
        "file_sha256 VARCHAR, row_count BIGINT, extra_columns VARCHAR[], "
        "loaded_at TIMESTAMP, load_kind VARCHAR)"
    )
    connection.execute(
        f"ALTER TABLE {_raw(LOAD_LOG_TABLE)} ADD COLUMN IF NOT EXISTS load_kind VARCHAR"
    )


def _log_batch(
    connection: duckdb.DuckDBPyConnection,
    plan: _Plan,
    batch_id: str,
    hashes: dict[Path, str],
    loaded: list[TableLoad],
    loaded_at: datetime,
    kind: str,
) -> None:
    """One raw._load_log row per table the batch wrote, all with the batch's load time."""
    for table_load in loaded:
        source = plan.sources.get(table_load.table)
        connection.execute(
            f"INSERT INTO {_raw(LOAD_LOG_TABLE)} (load_batch_id, table_name, source_file, "
            "file_sha256, row_count, extra_columns, loaded_at, load_kind) "
            "VALUES (?, ?, ?, ?, ?, CAST(? AS VARCHAR[]), CAST(? AS TIMESTAMP), ?)",
            [
                batch_id,
                table_load.table,
                table_load.source_file,
                hashes[source.path] if source else None,
                table_load.rows,
                list(table_load.extra_columns),
                loaded_at.isoformat(sep=" "),
                kind,
            ],
        )


def _batch_in_log(connection: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    found = connection.execute(
        f"SELECT count(*) FROM {_raw(LOAD_LOG_TABLE)} WHERE load_batch_id = ?", [batch_id]
    ).fetchone()
    return bool(found and found[0])
