"""Rendering rows and writing the spec files, streaming, chunk by chunk.

CSV: UTF-8, a header row, comma separated, `\\n` line ends, RFC 4180 quoting
(only fields holding a comma, a double quote or a line break are quoted), an
empty field is NULL.

Parquet: every column is a string column holding exactly the CSV's text (NULL
for empty), so bad values, leading zeros and timestamp offsets survive as
written; one row group per chunk, Snappy compression.

Files are first written as `_<table>.<ext>.partial` (the loader ignores names
starting with `_`) and renamed when every table is complete.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from recurring_revenue.generate.raw_spec import COLUMNS, TABLES

Row = tuple[str, ...]


def _csv_line(row: Row) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    return buffer.getvalue()[:-1]


def render_csv(rows: Sequence[Row], columns: int) -> bytes:
    """Rows as CSV text (no header); the few fields that need quoting get it."""
    separators = columns - 1
    out: list[str] = []
    append = out.append
    for row in rows:
        line = ",".join(row)
        if line.count(",") != separators or '"' in line or "\n" in line or "\r" in line:
            line = _csv_line(row)
        append(line)
    if not out:
        return b""
    out.append("")
    return "\n".join(out).encode("utf-8")


def render_arrow(table: str, rows: list[Row]) -> Any:
    """Rows as a pyarrow Table of string columns (empty text becomes NULL)."""
    import pyarrow as pa

    names = COLUMNS[table]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = [
        pa.array([value if value != "" else None for value in column], type=pa.string())
        for column in columns
    ]
    return pa.Table.from_arrays(arrays, names=list(names))


def render(table: str, rows: list[Row], file_format: str) -> Any:
    if file_format == "csv":
        return render_csv(rows, len(COLUMNS[table]))
    return render_arrow(table, rows)


def csv_header(table: str) -> bytes:
    return (",".join(COLUMNS[table]) + "\n").encode("utf-8")


class OutputFiles:
    """One open output file per spec table, written in order and published at the end."""

    def __init__(self, out_dir: Path, file_format: str) -> None:
        self.out_dir = out_dir
        self.file_format = file_format
        self.extension = "csv" if file_format == "csv" else "parquet"
        self._csv: dict[str, BinaryIO] = {}
        self._parquet: dict[str, Any] = {}
        self._files = contextlib.ExitStack()
        out_dir.mkdir(parents=True, exist_ok=True)
        if file_format == "csv":
            for table in TABLES:
                handle = self._files.enter_context(self._partial(table).open("wb"))
                handle.write(csv_header(table))
                self._csv[table] = handle

    def _partial(self, table: str) -> Path:
        return self.out_dir / f"_{table}.{self.extension}.partial"

    def final_path(self, table: str) -> Path:
        return self.out_dir / f"{table}.{self.extension}"

    def write(self, table: str, payload: Any) -> None:
        if self.file_format == "csv":
            self._csv[table].write(payload)
            return
        if payload.num_rows == 0:
            return
        writer = self._parquet.get(table)
        if writer is None:
            writer = self._parquet_writer(table, payload.schema)
        writer.write_table(payload)

    def _parquet_writer(self, table: str, schema: Any) -> Any:
        import pyarrow.parquet as pq

        writer = pq.ParquetWriter(self._partial(table), schema, compression="snappy")
        self._parquet[table] = writer
        return writer

    def close(self) -> None:
        """Finish every file and move it to its final name."""
        self._files.close()
        if self.file_format == "parquet":
            for table in TABLES:
                writer = self._parquet.get(table)
                if writer is None:
                    empty = render_arrow(table, [])
                    writer = self._parquet_writer(table, empty.schema)
                    writer.write_table(empty)
                writer.close()
        for table in TABLES:
            other = "parquet" if self.extension == "csv" else "csv"
            stale = self.out_dir / f"{table}.{other}"
            if stale.exists():
                stale.unlink()
            os.replace(self._partial(table), self.final_path(table))

    def abort(self) -> None:
        """Close and remove the partial files after a failure."""
        self._files.close()
        for writer in self._parquet.values():
            writer.close()
        for table in TABLES:
            self._partial(table).unlink(missing_ok=True)


def write_csv_file(path: Path, header: tuple[str, ...], rows: Sequence[Row]) -> None:
    """A small CSV file written in one go (the bad-row manifest)."""
    with open(path, "wb") as handle:
        handle.write((",".join(header) + "\n").encode("utf-8"))
        handle.write(render_csv(rows, len(header)))
