"""`rrw load`: load a folder of billing files into the warehouse's `raw` schema.

The folder holds one file per spec table, `<table>.csv` or `<table>.parquet`
(recurring_revenue.raw_spec, docs/raw-spec.md). Every value is loaded as the
file's text; the loader only judges structure. A structural problem (a missing
table, file or column, an unreadable file, a row with the wrong number of fields)
fails the whole load with a message naming the file and the column or line. Value
problems stay in raw for staging to reject (docs/rejects.md).

A load is one DuckDB transaction that replaces every raw table: a snapshot of the
folder, all or nothing. Its batch id is a hash of the table files' names and bytes,
so loading the same files again is recognised and changes nothing.

A delta load (`rrw load --append FOLDER`, `load_folder(..., append=True)`) adds the
folder's rows to the raw tables instead, as a new batch beside the earlier ones: the
folder holds only new and changed rows, any table may be absent, and the same
structural checks apply, all or nothing in one transaction. Raw stays append-only;
staging lets the latest batch win for each key (docs/incremental.md). A delta whose
batch id raw already holds (the same files loaded again) changes nothing.

Modules by job:

- `files`: the folder and its table files, checked before any data is read (every
  structural problem of the folder at once), and the batch id;
- `raw_tables`: the raw schema's tables (their DDL) and one table file read into one;
- `load_log`: raw._load_log, which batch raw holds and what each batch wrote;
- `warehouse`: the DuckDB connection, its settings and lock, the checkpoint;
- `shrink`: the row counts compared with the warehouse a snapshot replaces;
- `results`: what a load did (`LoadResult`) or left when interrupted;
- `common`: the error, the kinds of batch and SQL quoting every step shares;
- this module: the entry, `load_folder`, and its two transactions (a snapshot
  replaces every raw table, a delta appends a batch). It calls each step by the name
  it imports here, so `recurring_revenue.load.<step>` is the one place to stub a step.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from recurring_revenue import settings
from recurring_revenue.load.common import (
    _NOTHING_CHANGED,
    DELTA,
    SNAPSHOT,
    LoadError,
    Progress,
    _first_line,
    _ident,
    _raw,
)
from recurring_revenue.load.files import (
    LOADER_FORMAT,
    _batch_id,
    _hash_files,
    _inspect_folder,
    _Plan,
)
from recurring_revenue.load.load_log import (
    TableLoad,
    _batch_in_log,
    _current_batch,
    _ensure_load_log,
    _log_batch,
    _tables_of_batch,
    loaded_batch,
)
from recurring_revenue.load.raw_tables import (
    _create_empty,
    _Lineage,
    _load_csv,
    _load_parquet,
    _output_columns,
    _raw_columns,
)
from recurring_revenue.load.results import (
    LoadInterrupted,
    LoadResult,
    Shrink,
)
from recurring_revenue.load.shrink import (
    _reference_counts,
    _shrinks,
)
from recurring_revenue.load.warehouse import (
    _checkpoint,
    _connect,
    _max_shrink_setting,
    _threads_setting,
)
from recurring_revenue.raw_spec import (
    LINEAGE_COLUMNS,
    LOAD_LOG_TABLE,
    RAW_SCHEMA,
    TABLES,
)

__all__ = [
    "DELTA",
    "LOADER_FORMAT",
    "SNAPSHOT",
    "LoadError",
    "LoadInterrupted",
    "LoadResult",
    "Progress",
    "Shrink",
    "TableLoad",
    "load_folder",
    "loaded_batch",
]


def load_folder(
    folder: Path,
    database: Path,
    progress: Progress | None = None,
    *,
    baseline: Path | None = None,
    append: bool = False,
) -> LoadResult:
    """Load the billing files in `folder` into the `raw` schema of the DuckDB file `database`.

    Raises LoadError for every structural problem; the warehouse is then unchanged.
    The new row counts are compared with the raw tables of `baseline` (default: what
    `database` held before); the result's `shrinks` lists the tables that lost more
    than $RRW_MAX_SHRINK of their rows or became empty.

    With `append`, the folder is a delta: its rows are added to raw as a new batch
    (any table may be absent), after a snapshot was loaded; nothing is compared.
    """
    started = time.monotonic()
    say: Progress = progress or (lambda _message: None)
    folder = Path(folder)
    database = Path(database)

    plan = _inspect_folder(folder, append=append)
    for notice in plan.notices:
        say(f"notice: {notice}")
    threads = _threads_setting()
    max_shrink = _max_shrink_setting()
    connection = _connect(database, threads)
    notices = list(plan.notices)
    batch_id: str | None = None
    try:
        hashes = _hash_files([source.path for source in plan.sources.values()], threads, say)
        batch_id = _batch_id({path.name: digest for path, digest in hashes.items()})
        previous = _current_batch(connection)
        if append:
            skipped, tables = _append(connection, plan, database, previous, batch_id, hashes, say)
            if not skipped:
                _checkpoint(connection, say)
            reference: tuple[Path | None, str | None, dict[str, int]] = (None, None, {})
        elif previous == batch_id:
            skipped = True
            tables = _tables_of_batch(connection, batch_id)
            say(f"raw already holds batch {batch_id}: nothing to do")
            reference = (None, None, {})
        else:
            skipped = False
            reference = _reference_counts(connection, database, previous, baseline, notices)
            say(f"loading batch {batch_id} from {folder} into {database}")
            tables = _load_batch(connection, plan, batch_id, hashes, say)
            _checkpoint(connection, say)
    except KeyboardInterrupt:
        connection.close()
        raise LoadInterrupted(database, batch_id) from None
    finally:
        connection.close()
    result = LoadResult(
        folder=folder,
        database=database,
        batch_id=batch_id,
        tables=tables,
        skipped=skipped,
        seconds=time.monotonic() - started,
        previous_batch_id=previous,
        notices=tuple(notices),
        shrinks=_shrinks(reference[2], tables, max_shrink),
        baseline=reference[0],
        baseline_batch_id=reference[1],
        max_shrink=max_shrink,
        kind=DELTA if append else SNAPSHOT,
    )
    if result.shrinks:
        say(f"warning: {result.shrink_warning()}")
    return result


def _load_batch(
    connection: duckdb.DuckDBPyConnection,
    plan: _Plan,
    batch_id: str,
    hashes: dict[Path, str],
    say: Progress,
) -> tuple[TableLoad, ...]:
    """Replace every raw table and log the load, in one transaction."""
    try:
        return _replace_raw(connection, plan, batch_id, hashes, say)
    except duckdb.OutOfMemoryException as error:
        raise LoadError(
            f"the load ran out of memory ({_first_line(str(error))}): raise RRW_MEMORY_LIMIT "
            f"(now {settings.memory_limit()}) or lower RRW_THREADS.\n{_NOTHING_CHANGED}"
        ) from error
    except duckdb.Error as error:
        raise LoadError(
            f"the load failed: {_first_line(str(error))}\n{_NOTHING_CHANGED}"
        ) from error


def _replace_raw(
    connection: duckdb.DuckDBPyConnection,
    plan: _Plan,
    batch_id: str,
    hashes: dict[Path, str],
    say: Progress,
) -> tuple[TableLoad, ...]:
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    lineage = _Lineage(batch_id, loaded_at)
    loaded: list[TableLoad] = []
    connection.execute("BEGIN TRANSACTION")
    try:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(RAW_SCHEMA)}")
        _ensure_load_log(connection)
        for table in TABLES:
            started = time.monotonic()
            source = plan.sources.get(table.name)
            if source is None:
                _create_empty(connection, table)
                loaded.append(TableLoad(table.name, None, 0))
                say(f"{table.name}: absent (optional), created empty")
                continue
            if source.file_format == "csv":
                rows = _load_csv(connection, source, lineage)
            else:
                rows = _load_parquet(connection, source, lineage)
            seconds = time.monotonic() - started
            loaded.append(
                TableLoad(table.name, source.file_name, rows, source.extra_columns, seconds)
            )
            say(f"{source.file_name}: {rows:,} rows in {seconds:.1f} s")
        _log_batch(connection, plan, batch_id, hashes, loaded, loaded_at, SNAPSHOT)
        started = time.monotonic()
        connection.execute("COMMIT")
        say(f"committed in {time.monotonic() - started:.1f} s")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            connection.execute("ROLLBACK")
        raise
    return tuple(loaded)


def _append(
    connection: duckdb.DuckDBPyConnection,
    plan: _Plan,
    database: Path,
    previous: str | None,
    batch_id: str,
    hashes: dict[Path, str],
    say: Progress,
) -> tuple[bool, tuple[TableLoad, ...]]:
    """(skipped, tables) of a delta load: the folder's rows added to raw as a new batch."""
    if previous is None:
        raise LoadError(
            f"raw in {database} holds no snapshot yet, so there is nothing to add a delta "
            "to: load a complete export first (rrw load FOLDER), then its deltas with "
            f"rrw load --append.\n{_NOTHING_CHANGED}"
        )
    if _batch_in_log(connection, batch_id):
        say(f"raw already holds delta batch {batch_id}: nothing to do")
        return True, _tables_of_batch(connection, batch_id)
    say(f"appending delta batch {batch_id} from {plan.folder} to {database}")
    try:
        return False, _append_raw(connection, plan, batch_id, hashes, say)
    except duckdb.OutOfMemoryException as error:
        raise LoadError(
            f"the load ran out of memory ({_first_line(str(error))}): raise RRW_MEMORY_LIMIT "
            f"(now {settings.memory_limit()}) or lower RRW_THREADS.\n{_NOTHING_CHANGED}"
        ) from error
    except duckdb.Error as error:
        raise LoadError(
            f"the load failed: {_first_line(str(error))}\n{_NOTHING_CHANGED}"
        ) from error


def _append_raw(
    connection: duckdb.DuckDBPyConnection,
    plan: _Plan,
    batch_id: str,
    hashes: dict[Path, str],
    say: Progress,
) -> tuple[TableLoad, ...]:
    """Add each delta file's rows to its raw table and log the batch, in one transaction.

    Each file is read into a work table first (the same reader and checks as a snapshot
    load), then inserted by column name: a column raw has and the file lacks (an extra
    column of an earlier batch) is NULL, an extra column new in the file is added to raw.
    The batch's load time is later than every earlier batch's, so "latest batch" is well
    defined even when the clock stepped back.
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    latest = connection.execute(f"SELECT max(loaded_at) FROM {_raw(LOAD_LOG_TABLE)}").fetchone()
    if latest and latest[0] is not None and latest[0] >= now:
        now = latest[0] + timedelta(microseconds=1)
    lineage = _Lineage(batch_id, now)
    loaded: list[TableLoad] = []
    connection.execute("BEGIN TRANSACTION")
    try:
        _ensure_load_log(connection)
        for table in TABLES:
            source = plan.sources.get(table.name)
            if source is None:
                continue
            started = time.monotonic()
            work = _raw(f"_rrw_delta_{table.name}")
            if source.file_format == "csv":
                rows = _load_csv(connection, source, lineage, target=work)
            else:
                rows = _load_parquet(connection, source, lineage, target=work)
            existing = _raw_columns(connection, table.name)
            for name in source.extra_columns:
                if name not in existing:
                    connection.execute(
                        f"ALTER TABLE {_raw(table.name)} ADD COLUMN {_ident(name)} VARCHAR"
                    )
            names = [name for name, _position in _output_columns(source)] + list(LINEAGE_COLUMNS)
            listed = ", ".join(_ident(name) for name in names)
            connection.execute(
                f"INSERT INTO {_raw(table.name)} ({listed}) SELECT {listed} FROM {work}"
            )
            connection.execute(f"DROP TABLE {work}")
            seconds = time.monotonic() - started
            loaded.append(
                TableLoad(table.name, source.file_name, rows, source.extra_columns, seconds)
            )
            say(f"{source.file_name}: {rows:,} rows appended in {seconds:.1f} s")
        _log_batch(connection, plan, batch_id, hashes, loaded, now, DELTA)
        started = time.monotonic()
        connection.execute("COMMIT")
        say(f"committed in {time.monotonic() - started:.1f} s")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            connection.execute("ROLLBACK")
        raise
    return tuple(loaded)
