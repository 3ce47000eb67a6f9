"""Prove a refactor left the marts unchanged: compare two warehouse files table by table.

For every table of SCHEMA (default `marts`) in either file: the column names and
types must match, and the rows must be equal as multisets, checked with EXCEPT ALL
in both directions; an ordered CSV export of each side is also written (with
--export-dir) for a plain diff. Exit 0 when every table is identical, 1 otherwise.

Usage: python -m recurring_revenue.tools.compare_warehouses BEFORE.duckdb AFTER.duckdb
           [--schema marts] [--export-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> dict[str, list]:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_catalog = ? and table_schema = ? order by table_name, ordinal_position",
        [catalog, schema],
    ).fetchall()
    tables: dict[str, list] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return 0 if row is None else int(row[0])


def compare(
    before: Path, after: Path, schema: str = "marts", export_dir: Path | None = None
) -> list[str]:
    """Return one line per difference (empty when the schemas' tables are identical)."""
    con = duckdb.connect()
    con.execute(f"attach '{before}' as before_db (read_only)")
    con.execute(f"attach '{after}' as after_db (read_only)")
    old, new = _tables(con, "before_db", schema), _tables(con, "after_db", schema)
    problems = [f"{name}: only in {before}" for name in sorted(old.keys() - new.keys())]
    problems += [f"{name}: only in {after}" for name in sorted(new.keys() - old.keys())]
    for name in sorted(old.keys() & new.keys()):
        found = len(problems)
        if old[name] != new[name]:
            problems.append(f"{name}: columns differ: {old[name]} vs {new[name]}")
            continue
        columns = ", ".join(f'"{column}"' for column, _ in old[name])
        left, right = f"before_db.{schema}.{name}", f"after_db.{schema}.{name}"
        counts = {}
        for label, first, second in (("before", left, right), ("after", right, left)):
            counts[label] = _count(
                con,
                f"select count(*) from (select {columns} from {first}"
                f" except all select {columns} from {second})",
            )
        rows = [_count(con, f"select count(*) from {t}") for t in (left, right)]
        if counts["before"] or counts["after"] or rows[0] != rows[1]:
            problems.append(
                f"{name}: {counts['before']} rows only before, {counts['after']} only after"
                f" ({rows[0]} vs {rows[1]} rows)"
            )
        if export_dir is not None:
            export_dir.mkdir(parents=True, exist_ok=True)
            for label, table in (("before", left), ("after", right)):
                target = export_dir / f"{name}.{label}.csv"
                con.execute(
                    f"copy (select {columns} from {table} order by all) to '{target}' (header)"
                )
        print(f"{name}: {rows[1]} rows, {'identical' if len(problems) == found else 'DIFFERENT'}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--schema", default="marts")
    parser.add_argument("--export-dir", type=Path)
    args = parser.parse_args(argv)
    problems = compare(args.before, args.after, args.schema, args.export_dir)
    for problem in problems:
        print(f"DIFFERENT {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
