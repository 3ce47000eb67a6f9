"""The folder and its table files, checked before any data is read, and the batch id.

Every structural problem of the folder (a missing table or column, an unreadable or
binary file, a compressed one) is found here and reported at once; the batch id is a
hash of the files' names and bytes.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyarrow
import pyarrow.parquet

from recurring_revenue.load.common import (
    _NOTHING_CHANGED,
    LoadError,
    Progress,
    _first_line,
)
from recurring_revenue.raw_spec import (
    FILE_FORMATS,
    LINEAGE_COLUMNS,
    TABLES,
    Table,
)

#: Part of every batch id: bump it when the loader starts writing the same files differently,
#: so that a reload after an upgrade is not mistaken for a no-op.
LOADER_FORMAT = "rrw-raw-v1"

_BOM = b"\xef\xbb\xbf"

_MAX_HEADER_LINE_BYTES = 1 << 20

_MAX_HEADER_LINES = 100

_COMPRESSED_SUFFIXES = (".gz", ".zip", ".bz2", ".xz", ".zst")


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
                "files (<table>.csv or <table>.parquet, see docs/raw-spec.md)."
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
            "in <table>.csv or <table>.parquet files (docs/raw-spec.md)"
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
    hint = f" - did you mean {matches[0]}?" if matches else " - not a table of the raw export spec"
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
