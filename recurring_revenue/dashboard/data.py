"""Reading the published warehouse for the dashboard.

Every query opens its own read-only DuckDB connection and closes it before it
returns: `rrw publish` replaces the file by rename while the dashboard is open, and
a connection kept open would keep reading the old (unlinked) file. DuckDB also
shares one database instance per file path among the connections of a process, so
queries are serialised by a lock: with no connection open between queries, the
next one opens whatever file is at the path now.

Results are cached per publish: the key is the file's identity (inode, size,
modification time), which every publish changes, so a reload after a publish reads
the new warehouse and a reload without one is served from the cache.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from recurring_revenue.readers import read_only

#: The environment variable `rrw dashboard` passes the warehouse file in.
DATABASE_VARIABLE = "RRW_DASHBOARD_DATABASE"

_LOCK = threading.Lock()


class NoWarehouse(Exception):
    """No published warehouse at the path (or not a readable DuckDB file)."""


@dataclass(frozen=True)
class PublishKey:
    """Identifies one published file: a publish replaces the file, changing all three."""

    path: str
    inode: int
    size: int
    mtime_ns: int


def database_path() -> Path:
    """The warehouse the dashboard reads: $RRW_DASHBOARD_DATABASE, else the published one."""
    from recurring_revenue.settings import database_path as published

    given = os.environ.get(DATABASE_VARIABLE)
    return Path(given).resolve() if given else published()


def no_warehouse_message(path: Path) -> str:
    return (
        f"No published warehouse at {path}. Build and publish one first: `make demo` (demo "
        "data) or `rrw publish --data FOLDER` (your billing files), or point the dashboard "
        "at a warehouse file with `rrw dashboard --database FILE`."
    )


def publish_key(path: Path) -> PublishKey:
    try:
        status = path.stat()
    except FileNotFoundError as error:
        raise NoWarehouse(no_warehouse_message(path)) from error
    return PublishKey(str(path), status.st_ino, status.st_size, status.st_mtime_ns)


def read(key: PublishKey, sql: str, parameters: tuple[Any, ...] = ()) -> pd.DataFrame:
    """Run one query on a short-lived read-only connection (uncached)."""
    return read_many(key, [(sql, parameters)])[0]


def read_many(key: PublishKey, queries: list[tuple[str, tuple[Any, ...]]]) -> list[pd.DataFrame]:
    """Run queries in order on one short-lived read-only connection, closed after.

    The connection is a fresh instance that attaches the file (`readers.read_only`),
    so nothing else in the Streamlit process can pin it to an older publish.
    """
    with _LOCK:
        try:
            with read_only(key.path) as connection:
                return [
                    connection.execute(sql, list(parameters)).df() for sql, parameters in queries
                ]
        except duckdb.IOException as error:
            raise NoWarehouse(no_warehouse_message(Path(key.path))) from error


#: One row, `found`: whether the relation (schema, name) exists in the file.
RELATION_EXISTS = (
    "SELECT count(*) AS found FROM duckdb_tables() WHERE database_name = current_database() "
    "AND schema_name = ? AND table_name = ?"
)
