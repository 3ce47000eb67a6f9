"""The DuckDB connection a load runs on: its settings, the lock, the checkpoint."""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb

from recurring_revenue import settings
from recurring_revenue.load.common import (
    _NOTHING_CHANGED,
    LoadError,
    Progress,
    _first_line,
    _literal,
)

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


def _max_shrink_setting() -> float:
    try:
        return settings.max_shrink()
    except ValueError as error:
        raise LoadError(
            f"RRW_MAX_SHRINK must be a share from 0 to 1, such as 0.5 for 50% ({error})."
            f"\n{_NOTHING_CHANGED}"
        ) from error


def _threads_setting() -> int:
    try:
        threads = settings.threads()
    except ValueError as error:
        raise LoadError(
            f"RRW_THREADS must be a whole number of threads ({error}).\n{_NOTHING_CHANGED}"
        ) from error
    if threads < 1:
        raise LoadError(f"RRW_THREADS must be at least 1, not {threads}.\n{_NOTHING_CHANGED}")
    return threads


def _connect(database: Path, threads: int) -> duckdb.DuckDBPyConnection:
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LoadError(
            f"cannot create the folder {database.parent} for the warehouse "
            f"({error.strerror or error}): create it, or set RRW_DUCKDB_PATH (or --database) "
            f"to a file in a folder you can write.\n{_NOTHING_CHANGED}"
        ) from error
    try:
        # A new file is created in the storage format DuckDB 1.x clients can read.
        connection = duckdb.connect(
            str(database), config={"storage_compatibility_version": settings.storage_version()}
        )
    except duckdb.Error as error:
        message = str(error)
        holder = _LOCK_HOLDER.search(message)
        if holder is not None or "could not set lock" in message.lower():
            who = f" ({Path(holder[1]).name}, PID {holder[2]})" if holder else ""
            raise LoadError(
                f"the warehouse {database} is in use by another process{who}, such as a dbt "
                "build, a DuckDB shell or a notebook holding it open. Close it or wait for it "
                f"to finish, then run rrw load again. {_NOTHING_CHANGED}"
            ) from error
        raise LoadError(
            f"cannot open the warehouse {database}: {_first_line(message)}\n{_NOTHING_CHANGED}"
        ) from error
    try:
        connection.execute(f"SET memory_limit = {_literal(settings.memory_limit())}")
    except duckdb.Error as error:
        connection.close()
        raise LoadError(
            f"RRW_MEMORY_LIMIT={settings.memory_limit()!r} is not a memory size such as 4GB "
            f"({_first_line(str(error))}).\n{_NOTHING_CHANGED}"
        ) from error
    connection.execute(f"SET threads = {threads}")
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("SET preserve_insertion_order = true")
    return connection


def _checkpoint(connection: duckdb.DuckDBPyConnection, say: Progress) -> None:
    """Write the committed load into the database file and free the replaced tables' space."""
    started = time.monotonic()
    try:
        connection.execute("CHECKPOINT")
    except duckdb.Error as error:
        say(f"checkpoint skipped ({_first_line(str(error))}); DuckDB will do it later")
        return
    say(f"checkpoint in {time.monotonic() - started:.1f} s")
