"""The project's readers see the file a path names now, never an older publish."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from recurring_revenue.quality.catalog import read_frame
from recurring_revenue.readers import read_only


def _write(path: Path, value: int) -> None:
    connection = duckdb.connect(str(path))
    connection.execute("CREATE SCHEMA marts")
    connection.execute(f"CREATE TABLE marts.t AS SELECT {value} AS v")
    connection.execute("CREATE VIEW marts.v AS SELECT v FROM marts.t")
    connection.close()


def test_a_connection_held_in_the_process_does_not_pin_the_readers(tmp_path: Path) -> None:
    published = tmp_path / "recurring_revenue.duckdb"
    _write(published, 1)
    held = duckdb.connect(str(published), read_only=True)
    try:
        replacement = tmp_path / "next" / published.name
        replacement.parent.mkdir()
        _write(replacement, 2)
        os.replace(replacement, published)

        # DuckDB's per-process instance cache: a plain connection still sees the old file.
        plain = duckdb.connect(str(published), read_only=True)
        assert plain.execute("SELECT v FROM marts.t").fetchone() == (1,)
        plain.close()

        with read_only(published) as connection:
            assert connection.execute("SELECT v FROM marts.v").fetchone() == (2,)
            assert connection.execute("SELECT current_database()").fetchone() == (published.stem,)
        assert read_frame(published, "SELECT v FROM marts.t")["v"].tolist() == [2]
    finally:
        held.close()


def test_the_reader_never_creates_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.duckdb"
    try:
        with read_only(missing):
            pass
    except duckdb.IOException as error:
        assert "does not exist" in str(error)
    else:
        raise AssertionError("a missing warehouse must not be opened")
    assert not missing.exists()
