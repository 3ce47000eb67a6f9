"""`rrw load`: load a folder of billing files into the warehouse's `raw` schema.

The folder holds one file per contract table, `<table>.csv` or `<table>.parquet`
(recurring_revenue.contract, docs/raw-contract.md). Every value is loaded as the
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
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow
import pyarrow.parquet

from recurring_revenue import settings
from recurring_revenue.contract import (
    FILE_FORMATS,
    LINEAGE_COLUMNS,
    LOAD_LOG_TABLE,
    RAW_SCHEMA,
    TABLES,
    Table,
)

#: Part of every batch id: bump it when the loader starts writing the same files differently,
#: so that a reload after an upgrade is not mistaken for a no-op.
LOADER_FORMAT = "rrw-raw-v1"

Progress = Callable[[str], None]

_BOM = b"\xef\xbb\xbf"
_MAX_HEADER_LINE_BYTES = 1 << 20
_MAX_HEADER_LINES = 100
_REJECTS_LIMIT = 100
#: Python's csv module refuses fields over 128 KB by default; DuckDB reads lines up to 2 MB.
_MAX_FIELD_BYTES = 1 << 22
#: How many records the field count reads between looks at its stop flag.
_STOP_CHECK_EVERY = 1 << 16
_LINES_SHOWN = 5
_COMPRESSED_SUFFIXES = (".gz", ".zip", ".bz2", ".xz", ".zst")
_FIELD_COUNT = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")

_NOTHING_CHANGED = "Nothing was loaded; the raw data in the warehouse is unchanged."

#: The kinds of load raw._load_log records per batch.
SNAPSHOT = "snapshot"
DELTA = "delta"


class LoadError(Exception):
    """A structural problem: the load failed and the warehouse was left unchanged.

    The message is what the user sees: it names the file and the column or line, and
    says what to do.
    """


class LoadInterrupted(Exception):
    """Ctrl-C during a load; the message says whether the new batch was committed.

    The commit is atomic: raw holds either the whole new batch or the whole earlier
    one, and which one is read back from raw._load_log after the interruption.
    """

    def __init__(self, database: Path, batch_id: str | None) -> None:
        current = loaded_batch(database)
        self.committed = batch_id is not None and current == batch_id
        if self.committed:
            message = (
                f"the load was interrupted after its commit: raw in {database} holds the new "
                f"batch {batch_id} completely. Nothing to redo; build it with `rrw build`."
            )
        else:
            held = f"still holds batch {current}" if current else "holds no batch yet"
            message = (
                f"the load was interrupted before its commit: nothing changed, raw in "
                f"{database} {held}. Run the same `rrw load` again."
            )
        super().__init__(message)


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


@dataclass(frozen=True)
class TableLoad:
    """What one load (or the load a no-op found in place) put into one raw table."""

    table: str
    source_file: str | None
    rows: int
    extra_columns: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class Shrink:
    """A raw table this load left with far fewer rows than the warehouse compared with had."""

    table: str
    before: int
    after: int

    def describe(self) -> str:
        if self.after == 0:
            return f"{self.table} {self.before:,} -> 0 rows (empty)"
        # rounded down, so that 1,154 -> 2 does not read as 100% (that is empty)
        fewer = (self.before - self.after) * 100 // self.before
        return f"{self.table} {self.before:,} -> {self.after:,} rows ({fewer}% fewer)"


@dataclass(frozen=True)
class LoadResult:
    """What `load_folder` did: the batch, the rows per table, whether it was a no-op."""

    folder: Path
    database: Path
    batch_id: str
    tables: tuple[TableLoad, ...]
    #: True when raw already held this batch and the load changed nothing.
    skipped: bool
    seconds: float
    #: The batch raw held before this load (None on a first load).
    previous_batch_id: str | None = None
    notices: tuple[str, ...] = ()
    #: Raw tables that lost more than the allowed share of their rows, or all of them,
    #: compared with `baseline` (empty when nothing was compared).
    shrinks: tuple[Shrink, ...] = ()
    #: The warehouse whose raw row counts this load was compared with, and its batch.
    baseline: Path | None = None
    baseline_batch_id: str | None = None
    max_shrink: float = settings.DEFAULT_MAX_SHRINK
    #: `snapshot` (replaced every raw table) or `delta` (appended a batch).
    kind: str = SNAPSHOT

    @property
    def rows(self) -> dict[str, int]:
        return {loaded.table: loaded.rows for loaded in self.tables}

    @property
    def total_rows(self) -> int:
        return sum(loaded.rows for loaded in self.tables)

    def summary(self) -> str:
        if self.skipped:
            lines = [
                f"Nothing to do: raw in {self.database} already holds batch {self.batch_id}, "
                f"loaded from the same files ({len(self.tables)} tables, "
                f"{self.total_rows:,} rows)."
            ]
        elif self.kind == DELTA:
            lines = [
                f"Appended delta batch {self.batch_id} from {self.folder} to {self.database} "
                f"in {self.seconds:.1f} s, after batch {self.previous_batch_id}: "
                f"{self.total_rows:,} new or changed rows."
            ]
            for loaded in self.tables:
                lines.append(f"  {loaded.table:<20} {loaded.rows:>12,}  {loaded.source_file}")
        else:
            replaces = (
                f", replacing batch {self.previous_batch_id}" if self.previous_batch_id else ""
            )
            lines = [
                f"Loaded batch {self.batch_id} from {self.folder} into {self.database} "
                f"in {self.seconds:.1f} s{replaces}: {self.total_rows:,} rows."
            ]
            for loaded in self.tables:
                source = loaded.source_file or "(absent: created empty)"
                lines.append(f"  {loaded.table:<20} {loaded.rows:>12,}  {source}")
            extras = [
                f"{loaded.table} ({', '.join(loaded.extra_columns)})"
                for loaded in self.tables
                if loaded.extra_columns
            ]
            if extras:
                lines.append("Extra columns kept: " + "; ".join(extras) + ".")
        lines.extend(f"Notice: {notice}" for notice in self.notices)
        if self.shrinks:
            lines.append(f"Warning: {self.shrink_warning()}")
        return "\n".join(lines)

    def shrink_warning(self) -> str:
        """What the shrink verdict says: the tables, their row counts, what to do."""
        if not self.shrinks:
            return ""
        where = f"batch {self.baseline_batch_id} in {self.baseline}"
        tables = "; ".join(shrink.describe() for shrink in self.shrinks)
        return (
            f"this load shrinks raw tables by more than {self.max_shrink:.0%} "
            f"(RRW_MAX_SHRINK) compared with {where}: {tables}. A load replaces the whole "
            "history with the folder's files, so a partial export loses rows: if the export "
            "is incomplete, load the complete one"
        )


@dataclass(frozen=True)
class _Source:
    """One table file, checked: its header names (normalised) in file order."""

    table: Table
    path: Path
    file_format: str
    names: tuple[str, ...]
    #: the header names as written, for messages
    raw_names: tuple[str, ...]

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def extra_columns(self) -> tuple[str, ...]:
        contract = set(self.table.column_names)
        return tuple(name for name in self.names if name not in contract)


@dataclass
class _Plan:
    folder: Path
    sources: dict[str, _Source] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


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


def _max_shrink_setting() -> float:
    try:
        return settings.max_shrink()
    except ValueError as error:
        raise LoadError(
            f"RRW_MAX_SHRINK must be a share from 0 to 1, such as 0.5 for 50% ({error})."
            f"\n{_NOTHING_CHANGED}"
        ) from error


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


# Folder and file inspection: every structural problem found before any data is read.


def _inspect_folder(folder: Path, *, append: bool = False) -> _Plan:
    plan = _Plan(folder=folder)
    expected = {f"{table.name}.{suffix}": table for table in TABLES for suffix in FILE_FORMATS}
    found: dict[str, list[Path]] = {table.name: [] for table in TABLES}
    ignored: list[str] = []
    try:
        # stat, not exists(): a folder one may not look into must not read as missing
        try:
            folder.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise LoadError(
                f"folder {folder} does not exist: pass the folder that holds the billing "
                "files (<table>.csv or <table>.parquet, see docs/raw-contract.md)."
                f"\n{_NOTHING_CHANGED}"
            ) from None
        if not folder.is_dir():
            raise LoadError(
                f"{folder} is not a folder: pass the folder that holds the billing files, "
                f"not a single file.\n{_NOTHING_CHANGED}"
            )
        for entry in sorted(folder.iterdir(), key=lambda path: path.name):
            name = entry.name
            if name.startswith(("_", ".")):
                continue
            if name in expected and entry.is_file():
                found[expected[name].name].append(entry)
                continue
            ignored.append(name)
            plan.notices.append(_ignored_notice(entry, list(expected)))
    except OSError as error:
        raise LoadError(
            f"cannot read the folder {folder} ({error.strerror or error}): the user running "
            "rrw needs permission to list it and open its files (for example chmod u+rx on "
            "the folder and on every folder above it, chmod u+r on the files), or copy the "
            f"files to a folder you can read.\n{_NOTHING_CHANGED}"
        ) from error

    problems: list[str] = []
    for table in TABLES:
        paths = found[table.name]
        if not paths:
            if table.required and not append:
                problems.append(_missing_table_problem(table, folder, ignored))
            continue
        if len(paths) > 1:
            problems.append(
                f"{table.name}: both {table.name}.csv and {table.name}.parquet are in the "
                "folder; keep only one of them (the loader cannot tell which one is current)"
            )
            continue
        path = paths[0]
        try:
            source = _inspect_file(table, path)
        except _FileProblem as problem:
            problems.append(f"{path.name}: {problem}")
            continue
        problems.extend(f"{path.name}: {problem}" for problem in _column_problems(source))
        plan.sources[table.name] = source
    if append and not plan.sources and not problems:
        problems.append(
            f"the delta folder {folder} holds no table file: put the new and changed rows "
            "in <table>.csv or <table>.parquet files (docs/raw-contract.md)"
        )
    if problems:
        raise LoadError(_problems_message(folder, problems))
    return plan


def _ignored_notice(entry: Path, expected: list[str]) -> str:
    name = entry.name
    if entry.is_dir():
        stem = name.lower()
        if any(stem == table.name for table in TABLES):
            return (
                f"ignored folder {name}/: a table is read from one file "
                f"({stem}.csv or {stem}.parquet), not from a folder of parts"
            )
        return f"ignored folder {name}/"
    lowered = name.lower()
    matches = [candidate for candidate in expected if candidate == lowered]
    matches = matches or difflib.get_close_matches(lowered, expected, n=1, cutoff=0.75)
    hint = f" - did you mean {matches[0]}?" if matches else " - not a contract table file"
    if lowered.endswith(_COMPRESSED_SUFFIXES):
        hint += " (compressed files are not read: decompress it)"
    return f"ignored {name}{hint}"


def _missing_table_problem(table: Table, folder: Path, ignored: list[str]) -> str:
    candidates = [f"{table.name}.csv", f"{table.name}.parquet", table.name]
    close = [
        name
        for name in ignored
        if difflib.get_close_matches(name.lower(), candidates, n=1, cutoff=0.75)
    ]
    found = f" (found {', '.join(close)}: rename it?)" if close else ""
    return (
        f"required table {table.name} is missing: put {table.name}.csv or "
        f"{table.name}.parquet in {folder}{found}"
    )


def _problems_message(folder: Path, problems: list[str]) -> str:
    if len(problems) == 1:
        return f"{problems[0]}\n{_NOTHING_CHANGED}"
    listed = "\n".join(f"  - {problem}" for problem in problems)
    return f"{len(problems)} problems in {folder}:\n{listed}\n{_NOTHING_CHANGED}"


class _FileProblem(Exception):
    """A file cannot be read: the message says why, without the file name."""


def _inspect_file(table: Table, path: Path) -> _Source:
    file_format = path.suffix.lstrip(".")
    try:
        if path.stat().st_size == 0:
            raise _FileProblem(
                "the file is empty (0 bytes); a table file needs at least its header row "
                "(a CSV header line, or a Parquet schema)"
            )
        raw_names = _csv_header(path) if file_format == "csv" else _parquet_names(path)
    except OSError as error:
        raise _FileProblem(_unreadable(error)) from error
    names = tuple(_normalise(name) for name in raw_names)
    return _Source(table, path, file_format, names, tuple(raw_names))


def _unreadable(error: OSError) -> str:
    return (
        f"the file cannot be read ({error.strerror or error}): make it readable by the user "
        "running rrw (for example chmod u+r), or export it again"
    )


def _normalise(name: str) -> str:
    return name.strip().lower()


def _csv_header(path: Path) -> list[str]:
    with path.open("rb") as handle:
        start = handle.read(4)
        _refuse_binary(start)
        handle.seek(0)
        reader = csv.reader(_utf8_lines(handle), strict=True)
        try:
            header = next(reader)
        except StopIteration:
            header = []
        except csv.Error as error:
            raise _FileProblem(
                f"the header row is not valid CSV ({error}); the first line must hold the "
                "comma-separated column names"
            ) from error
    if not header or header == [""]:
        raise _FileProblem(
            "the first line is empty; the header row with the column names must be the "
            "first line of the file"
        )
    return header


def _refuse_binary(start: bytes) -> None:
    if start.startswith(b"PAR1"):
        raise _FileProblem("this is a Parquet file, not CSV: rename it to .parquet")
    if start.startswith(b"PK\x03\x04"):
        raise _FileProblem(
            "this is a zip archive or an Excel workbook, not CSV: export the sheet as CSV (UTF-8)"
        )
    if start.startswith(b"\x1f\x8b"):
        raise _FileProblem("this file is gzip-compressed: decompress it first")
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _FileProblem("this file is UTF-16 encoded, not UTF-8: save it as CSV (UTF-8)")


def _utf8_lines(handle: BinaryIO) -> Iterator[str]:
    """The first lines of a file, decoded strictly, as many as the header record needs."""
    for number in range(1, _MAX_HEADER_LINES + 1):
        raw = handle.readline(_MAX_HEADER_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > _MAX_HEADER_LINE_BYTES:
            raise _FileProblem(
                f"line {number} is longer than 1 MB before the header row ends: "
                "is this a CSV file with a header row?"
            )
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _FileProblem(
                f"line {number} is not valid UTF-8 (byte 0x{raw[error.start]:02x} at "
                f"position {error.start + 1}): save or export the file as UTF-8"
            ) from error
    raise _FileProblem(
        f"the header row does not end within the first {_MAX_HEADER_LINES} lines "
        "(an unclosed quote in the header?)"
    )


def _parquet_names(path: Path) -> list[str]:
    try:
        return list(pyarrow.parquet.read_schema(path).names)
    except (pyarrow.ArrowException, OSError) as error:
        raise _FileProblem(
            f"not a readable Parquet file ({_first_line(str(error))}); re-export it, "
            "or provide the table as CSV"
        ) from error


def _column_problems(source: _Source) -> list[str]:
    problems: list[str] = []
    names = source.names
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(
                f"column {position} of the header has no name; give every column a name "
                "(a trailing comma at the end of the header?)"
            )
    counts = Counter(name for name in names if name)
    for name, count in counts.items():
        if count > 1:
            positions = [index for index, other in enumerate(names, start=1) if other == name]
            written = ", ".join(repr(source.raw_names[index - 1]) for index in positions)
            problems.append(
                f"duplicate column name {name!r}: columns "
                f"{', '.join(str(index) for index in positions)} ({written}) have the same "
                "name once trimmed and lower-cased; keep one and rename the others"
            )
    for name in names:
        if name in LINEAGE_COLUMNS:
            problems.append(
                f"column {name!r} is reserved for the loader's lineage columns; rename it"
            )
    missing = [name for name in source.table.column_names if name not in counts]
    if missing:
        problems.append(_missing_columns_problem(source, missing))
    return problems


def _missing_columns_problem(source: _Source, missing: list[str]) -> str:
    plural = "s" if len(missing) > 1 else ""
    listed = ", ".join(repr(name) for name in missing)
    found = ", ".join(name or "(no name)" for name in source.names)
    unused = [name for name in source.names if name and name not in source.table.column_names]
    suggestions = []
    for name in missing:
        close = difflib.get_close_matches(name, unused, n=1, cutoff=0.6)
        if close:
            suggestions.append(f"{close[0]!r} for {name!r}")
    message = f"missing required column{plural} {listed}. Columns found: {found}."
    if suggestions:
        message += f" Did you mean {', '.join(suggestions)}?"
    if len(source.raw_names) == 1:
        separator = next((sep for sep in (";", "\t", "|") if sep in source.raw_names[0]), None)
        if separator is not None:
            message += f" The file seems to be separated by {separator!r}: use commas."
    return (
        message + " Add or rename the column in the header (names are matched trimmed and "
        "lower-cased; an empty value in every row is fine for a nullable column)."
    )


# Batch id.


def _hash_files(paths: list[Path], threads: int, say: Progress) -> dict[Path, str]:
    started = time.monotonic()
    try:
        total = sum(path.stat().st_size for path in paths)
        with ThreadPoolExecutor(max_workers=max(1, min(threads, len(paths) or 1))) as pool:
            digests = dict(zip(paths, pool.map(_sha256, paths), strict=True))
    except OSError as error:
        name = Path(error.filename).name if error.filename else "a table file"
        raise LoadError(f"{name}: {_unreadable(error)}.\n{_NOTHING_CHANGED}") from error
    say(f"hashed {len(paths)} files ({total / 1e6:,.1f} MB) in {time.monotonic() - started:.1f} s")
    return digests


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _batch_id(file_hashes: dict[str, str]) -> str:
    """A hash of the loader format and each table file's name and bytes (not paths or times)."""
    manifest = LOADER_FORMAT + "\n"
    manifest += "".join(f"{name}\t{file_hashes[name]}\n" for name in sorted(file_hashes))
    return hashlib.sha256(manifest.encode("utf-8")).hexdigest()[:16]


# The warehouse.


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


def _table_names() -> tuple[str, ...]:
    return tuple(table.name for table in TABLES)


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


def _batch_in_log(connection: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    found = connection.execute(
        f"SELECT count(*) FROM {_raw(LOAD_LOG_TABLE)} WHERE load_batch_id = ?", [batch_id]
    ).fetchone()
    return bool(found and found[0])


def _raw_columns(connection: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    rows = connection.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [RAW_SCHEMA, name],
    ).fetchall()
    return [str(row[0]) for row in rows]


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


def _output_columns(source: _Source) -> list[tuple[str, int]]:
    """(name, position in the file) of the raw columns, in _output_order."""
    return [(name, position) for position, name in _output_order(source)]


def _checkpoint(connection: duckdb.DuckDBPyConnection, say: Progress) -> None:
    """Write the committed load into the database file and free the replaced tables' space."""
    started = time.monotonic()
    try:
        connection.execute("CHECKPOINT")
    except duckdb.Error as error:
        say(f"checkpoint skipped ({_first_line(str(error))}); DuckDB will do it later")
        return
    say(f"checkpoint in {time.monotonic() - started:.1f} s")


@dataclass(frozen=True)
class _Lineage:
    batch_id: str
    loaded_at: datetime

    def columns(self, source_file: str, row_number: str) -> list[str]:
        """The lineage select list, in LINEAGE_COLUMNS order."""
        return [
            f"CAST({_literal(self.batch_id)} AS VARCHAR) AS _load_batch_id",
            f"CAST({_literal(source_file)} AS VARCHAR) AS _source_file",
            f"CAST({row_number} AS BIGINT) AS _source_row_number",
            f"TIMESTAMP {_literal(self.loaded_at.isoformat(sep=' '))} AS _loaded_at",
        ]


def _create_empty(connection: duckdb.DuckDBPyConnection, table: Table) -> None:
    columns = [f"{_ident(name)} VARCHAR" for name in table.column_names]
    columns += [
        "_load_batch_id VARCHAR",
        "_source_file VARCHAR",
        "_source_row_number BIGINT",
        "_loaded_at TIMESTAMP",
    ]
    connection.execute(f"CREATE OR REPLACE TABLE {_raw(table.name)} ({', '.join(columns)})")


def _output_order(source: _Source) -> list[tuple[int, str]]:
    """(position in the file, name) of the raw columns: contract order, then extras."""
    position = {name: index for index, name in enumerate(source.names)}
    ordered = [(position[name], name) for name in source.table.column_names]
    ordered += [(position[name], name) for name in source.extra_columns]
    return ordered


def _load_csv(
    connection: duckdb.DuckDBPyConnection,
    source: _Source,
    lineage: _Lineage,
    target: str | None = None,
) -> int:
    target = target or _raw(source.table.name)
    path = str(source.path.resolve())
    columns = ", ".join(f"'c{index}': 'VARCHAR'" for index in range(len(source.names)))
    select = [f"c{index} AS {_ident(name)}" for index, name in _output_order(source)]
    # row_number() OVER () numbers the rows in file order: DuckDB guarantees that a scan of a
    # single source keeps its order (preserve_insertion_order) and documents this window as the
    # way to turn that order into a column. It runs the scan on one thread; parallel scans
    # would need a second pass over the table to number the rows.
    select += lineage.columns(source.file_name, "row_number() OVER ()")
    statement = (
        f"CREATE OR REPLACE TABLE {target} AS SELECT {', '.join(select)} "
        f"FROM read_csv({_literal(path)}, header = true, auto_detect = false, delim = ',', "
        f"quote = '\"', escape = '\"', columns = {{{columns}}}, strict_mode = true, "
        "null_padding = false, allow_quoted_nulls = true, encoding = 'utf-8', "
        "store_rejects = true, rejects_table = '_rrw_reject_errors', "
        f"rejects_scan = '_rrw_reject_scans', rejects_limit = {_REJECTS_LIMIT})"
    )
    # DuckDB's reader silently drops empty fields at the end of a row that has more fields
    # than the header (`1,99,50,0,` read as 4 fields), which shifts every later value one
    # column to the left. So every record's fields are also counted with Python's csv
    # module, in a thread beside the DuckDB scan (which releases the GIL).
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        counted = pool.submit(_wrong_field_counts, source.path, len(source.names), stop)
        try:
            try:
                result = connection.execute(statement).fetchone()
            except duckdb.InvalidInputException as error:
                raise LoadError(_csv_failure_message(source, str(error))) from error
            rejects = connection.execute(
                "SELECT DISTINCT errors.line, errors.error_type, errors.error_message "
                "FROM _rrw_reject_errors AS errors JOIN _rrw_reject_scans AS scans "
                "USING (scan_id, file_id) WHERE scans.file_path = ? ORDER BY errors.line",
                [path],
            ).fetchall()
            if rejects:
                raise LoadError(_csv_rejects_message(source, rejects))
        except BaseException:
            stop.set()
            raise
        wrong = counted.result()
    if wrong:
        raise LoadError(_field_count_message(source, wrong))
    return int(result[0]) if result else 0


def _wrong_field_counts(path: Path, expected: int, stop: threading.Event) -> list[tuple[int, int]]:
    """(first line, fields) of the records whose field count is not `expected`.

    Only called on a file DuckDB read without a structural error, so it is valid UTF-8
    CSV; blank lines are skipped, as DuckDB does. At most _REJECTS_LIMIT are returned.
    """
    if csv.field_size_limit() < _MAX_FIELD_BYTES:
        csv.field_size_limit(_MAX_FIELD_BYTES)
    wrong: list[tuple[int, int]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        next(reader, None)
        line = reader.line_num
        try:
            for number, record in enumerate(reader):
                first_line, line = line + 1, reader.line_num
                if record and len(record) != expected:
                    wrong.append((first_line, len(record)))
                    if len(wrong) >= _REJECTS_LIMIT:
                        break
                if number % _STOP_CHECK_EVERY == 0 and stop.is_set():
                    break
        except csv.Error:
            # DuckDB accepted what Python's reader does not: refuse rather than guess.
            wrong.append((line + 1, -1))
    return wrong


def _field_count_message(source: _Source, wrong: list[tuple[int, int]]) -> str:
    line, found = wrong[0]
    fields = len(source.names)
    if found < 0:
        what = (
            "not well-formed CSV (a quote inside an unquoted value?). Quote the whole value "
            'and write a quote inside it as two quotes ("")'
        )
    elif found > fields:
        what = (
            f"{found} fields where the header has {fields}: the row has more values than "
            "columns, so its values would land in the wrong columns. Usually an unquoted "
            "comma splits a number: a decimal comma (99,50) or a thousands separator "
            "(1,200). Write numbers with a dot decimal and no thousands separator (99.50, "
            'not 99,50; 1200, not 1,200), or quote the value ("99,50"); quote text that '
            'contains commas ("Acme, Inc.")'
        )
    else:
        what = (
            f"{found} fields where the header has {fields}: the row has fewer values than "
            "columns. Every row needs exactly one field per header column (an empty field "
            "for an empty value)"
        )
    others = [number for number, _count in wrong[1:]]
    more = ""
    if others:
        shown = ", ".join(str(number) for number in others[:_LINES_SHOWN])
        suffix = ", ..." if len(others) > _LINES_SHOWN else ""
        capped = "at least " if len(wrong) >= _REJECTS_LIMIT else ""
        plural = "s have" if len(others) > 1 else " has"
        more = (
            f" {capped}{len(others)} more line{plural} the wrong number of fields: {shown}{suffix}."
        )
    return f"{source.file_name} line {line}: {what}.{more}\n{_NOTHING_CHANGED}"


def _csv_rejects_message(source: _Source, rejects: list[tuple[int, str, str]]) -> str:
    line, error_type, detail = rejects[0]
    fields = len(source.names)
    kind = error_type.upper()
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        # DuckDB reports a short row once per missing field ("Found: 3", "Found: 4", ...),
        # so the row's own count is the smallest (or, for a long row, the largest) found.
        counts = [
            int(match[2])
            for number, other_type, other_detail in rejects
            if number == line and other_type == error_type
            for match in [_FIELD_COUNT.search(other_detail)]
            if match
        ]
        count = (min if kind == "MISSING COLUMNS" else max)(counts) if counts else None
        found = f"{count} fields" if count is not None else "a different number of fields"
        what = (
            f"{found} where the header has {fields}. Every row needs exactly one field per "
            'header column: quote values that contain commas ("Acme, Inc.") and check the '
            "export for stray separators"
        )
    elif kind == "UNQUOTED VALUE":
        what = (
            "a quoted value is not closed properly (an unclosed quote, or text after a "
            'closing quote). Inside a quoted value write a quote as two quotes ("")'
        )
    elif kind == "INVALID ENCODING":
        what = "not valid UTF-8: save or export the file as UTF-8"
    elif kind == "LINE SIZE OVER MAXIMUM":
        what = f"the line is too long ({detail}); an unclosed quote swallowing later lines?"
    else:
        what = f"{error_type.lower()}: {detail}"
    other_lines = sorted({row[0] for row in rejects} - {line})
    more = ""
    if other_lines:
        shown = ", ".join(str(number) for number in other_lines[:_LINES_SHOWN])
        suffix = ", ..." if len(other_lines) > _LINES_SHOWN else ""
        capped = "at least " if len(rejects) >= _REJECTS_LIMIT else ""
        plural = "s have" if len(other_lines) > 1 else " has"
        more = (
            f" {capped}{len(other_lines)} more line{plural} structural problems: {shown}{suffix}."
        )
    return f"{source.file_name} line {line}: {what}.{more}\n{_NOTHING_CHANGED}"


def _csv_failure_message(source: _Source, error: str) -> str:
    detail = _first_line(error)
    if "invalid state" in detail:
        line = _stray_line_ending(source.path)
        where = f" line {line}" if line else ""
        return (
            f"{source.file_name}{where}: not well-formed CSV ({detail}). Usually the line "
            "endings are mixed (\\r\\n and \\n in one file) or a carriage return (\\r) "
            "stands in an unquoted value: export the file again with one kind of line "
            f"ending, quoting values that contain line breaks.\n{_NOTHING_CHANGED}"
        )
    return (
        f"{source.file_name}: could not be read as CSV ({detail}). Check that it is a "
        f"comma-separated UTF-8 file with a header row.\n{_NOTHING_CHANGED}"
    )


def _stray_line_ending(path: Path) -> int | None:
    """The first line ending unlike the header's, or holding a bare carriage return.

    Only used to explain a parser failure, so a simple quote-parity scan is enough.
    """
    expected: bytes | None = None
    in_quotes = False
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not in_quotes and b'"' not in raw and b"\r" in raw.rstrip(b"\r\n"):
                return number
            if raw.count(b'"') % 2:
                in_quotes = not in_quotes
            if in_quotes or not raw.endswith(b"\n"):
                continue
            ending = b"\r\n" if raw.endswith(b"\r\n") else b"\n"
            if expected is None:
                expected = ending
            elif ending != expected:
                return number
    return None


def _load_parquet(
    connection: duckdb.DuckDBPyConnection,
    source: _Source,
    lineage: _Lineage,
    target: str | None = None,
) -> int:
    target = target or _raw(source.table.name)
    path = _literal(str(source.path.resolve()))
    aliases = [f"c{index}" for index in range(len(source.names))]
    # DuckDB's file_row_number is each row's position in the file; a file with its own
    # column of that name is numbered like a CSV file, in scan order.
    if any(name.lower() == "file_row_number" for name in source.raw_names):
        reader = f"read_parquet({path}, binary_as_string = true) AS source({', '.join(aliases)})"
        row_number = "row_number() OVER ()"
    else:
        reader = (
            f"read_parquet({path}, binary_as_string = true, file_row_number = true) "
            f"AS source({', '.join([*aliases, '_rrw_file_row'])})"
        )
        row_number = "_rrw_file_row + 1"
    try:
        described = connection.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        types = [str(row[1]).upper() for row in described]
        select = [
            f"{_parquet_text(f'c{index}', types[index])} AS {_ident(name)}"
            for index, name in _output_order(source)
        ]
        select += lineage.columns(source.file_name, row_number)
        result = connection.execute(
            f"CREATE OR REPLACE TABLE {target} AS SELECT {', '.join(select)} FROM {reader}"
        ).fetchone()
    except (duckdb.InvalidInputException, duckdb.IOException) as error:
        raise LoadError(
            f"{source.file_name}: could not be read as Parquet ({_first_line(str(error))}); "
            f"re-export it, or provide the table as CSV.\n{_NOTHING_CHANGED}"
        ) from error
    return int(result[0]) if result else 0


def _parquet_text(column: str, column_type: str) -> str:
    """A Parquet column as text: lossless, ISO timestamps (UTC with Z when zoned), '' = NULL."""
    if column_type == "VARCHAR":
        return f"nullif({column}, '')"
    if column_type.startswith("TIMESTAMP"):
        text = f"replace(CAST({column} AS VARCHAR), ' ', 'T')"
        if "TIME ZONE" in column_type or column_type.startswith("TIMESTAMPTZ"):
            # The session time zone is UTC, so a zoned value prints with the offset +00.
            return f"regexp_replace({text}, '\\+00$', 'Z')"
        return text
    return f"CAST({column} AS VARCHAR)"


# Small helpers.


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _raw(name: str) -> str:
    return f"{_ident(RAW_SCHEMA)}.{_ident(name)}"


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else message
