"""Reading the published warehouse for the dashboard.

Every query attaches the file read-only and detaches it before it returns: `rrw
publish` replaces the file by rename while the dashboard is open, and a file kept
attached would keep reading the old (unlinked) version. The attachment is made in
one in-memory DuckDB instance that the process keeps (starting an instance costs
about 0.1 s, attaching a file a few milliseconds), and queries are serialised by a
lock: with the file detached between queries, the next one opens whatever file is
at the path now.

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


#: The in-memory instance the queries attach the warehouse file in (under _LOCK).
_INSTANCE: duckdb.DuckDBPyConnection | None = None


def read(key: PublishKey, sql: str, parameters: tuple[Any, ...] = ()) -> pd.DataFrame:
    """Run one query with the file attached read-only for that query only (uncached)."""
    return read_many(key, [(sql, parameters)])[0]


def read_many(key: PublishKey, queries: list[tuple[str, tuple[Any, ...]]]) -> list[pd.DataFrame]:
    """Run queries in order with the file attached once, read-only, and detached after.

    The file is attached in the process's own in-memory instance (never a
    `duckdb.connect(path)`, which other code in the process could share and so pin to
    an older publish), and detached before this returns. Its catalog is named after
    the file's stem, as dbt-duckdb's views name it.
    """
    global _INSTANCE
    path = Path(key.path)
    with _LOCK:
        if not path.exists():
            raise NoWarehouse(no_warehouse_message(path))
        if _INSTANCE is None:
            _INSTANCE = duckdb.connect(":memory:")
            _INSTANCE.execute("SET TimeZone = 'UTC'")
        connection = _INSTANCE
        catalog = _identifier(path.stem)
        # A detach that failed (an interrupted query) must not block the next attach.
        connection.execute("USE memory")
        connection.execute(f"DETACH DATABASE IF EXISTS {catalog}")
        try:
            connection.execute(f"ATTACH {_literal(str(path))} AS {catalog} (READ_ONLY)")
        except duckdb.IOException as error:
            raise NoWarehouse(no_warehouse_message(path)) from error
        try:
            connection.execute(f"USE {catalog}")
            return [connection.execute(sql, list(parameters)).df() for sql, parameters in queries]
        finally:
            connection.execute("USE memory")
            connection.execute(f"DETACH {catalog}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


#: One row, `found`: whether the relation (schema, name) exists in the file.
RELATION_EXISTS = (
    "SELECT count(*) AS found FROM duckdb_tables() WHERE database_name = current_database() "
    "AND schema_name = ? AND table_name = ?"
)
