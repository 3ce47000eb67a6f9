"""Read-only connections that always see the warehouse file as it is now.

DuckDB keeps one database instance per file and process: while any connection to a
file is open in a process, every new `duckdb.connect(path)` in that process joins
the same instance, and so keeps reading the version of the file that instance
opened, even after `rrw publish` has replaced the file by rename. A BI process that
keeps one connection open is pinned to an old publish in every connection it opens.

The project's own readers (the checks, the publish job, the dashboard) are immune:
each read opens a fresh in-memory instance and attaches the file read-only under
its stem (dbt-duckdb's views name that catalog), so it reads whatever file the path
names at that moment, and closes it at the end of the block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@contextmanager
def read_only(database: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the file `database` names now, for one `with` block.

    The session is in UTC and its default catalog is the file (named after its stem),
    so queries read `schema.table` as on a plain connection to the file.
    """
    path = Path(database)
    if not path.exists():
        raise duckdb.IOException(f"{path} does not exist")
    connection = duckdb.connect(":memory:")
    try:
        catalog = _identifier(path.stem)
        connection.execute(f"ATTACH {_literal(str(path))} AS {catalog} (READ_ONLY)")
        connection.execute(f"USE {catalog}")
        connection.execute("SET TimeZone = 'UTC'")
        yield connection
    finally:
        connection.close()
