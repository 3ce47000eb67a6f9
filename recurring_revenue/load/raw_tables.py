"""The raw schema's tables: their columns (DDL) and one table file read into one.

Every value is loaded as the file's text; a CSV row with the wrong number of fields,
or that DuckDB cannot read, fails the load with a message naming the file and line.
"""

from __future__ import annotations

import csv
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from recurring_revenue.load.common import (
    _NOTHING_CHANGED,
    LoadError,
    _first_line,
    _ident,
    _literal,
    _raw,
)
from recurring_revenue.load.files import (
    _Source,
)
from recurring_revenue.raw_spec import (
    RAW_SCHEMA,
    Table,
)

_REJECTS_LIMIT = 100

#: Python's csv module refuses fields over 128 KB by default; DuckDB reads lines up to 2 MB.
_MAX_FIELD_BYTES = 1 << 22

#: How many records the field count reads between looks at its stop flag.
_STOP_CHECK_EVERY = 1 << 16

_LINES_SHOWN = 5

_FIELD_COUNT = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _raw_columns(connection: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    rows = connection.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [RAW_SCHEMA, name],
    ).fetchall()
    return [str(row[0]) for row in rows]


def _output_columns(source: _Source) -> list[tuple[str, int]]:
    """(name, position in the file) of the raw columns, in _output_order."""
    return [(name, position) for position, name in _output_order(source)]


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
    """(position in the file, name) of the raw columns: spec order, then extras."""
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
