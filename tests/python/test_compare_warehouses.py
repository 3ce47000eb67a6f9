"""The refactoring proof tool: identical marts pass, one changed value or type fails."""

from __future__ import annotations

import duckdb

from recurring_revenue.tools.compare_warehouses import compare, main


def _warehouse(path, rows, amount_type="decimal(18, 2)"):
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(f"create table marts.fct_x (id integer, amount {amount_type})")
    con.executemany("insert into marts.fct_x values (?, ?)", rows)
    con.close()
    return path


def test_identical_marts_pass_in_any_row_order(tmp_path):
    before = _warehouse(tmp_path / "a.duckdb", [(1, "1.00"), (2, "2.00"), (2, "2.00")])
    after = _warehouse(tmp_path / "b.duckdb", [(2, "2.00"), (1, "1.00"), (2, "2.00")])
    assert compare(before, after, export_dir=tmp_path / "export") == []
    assert (tmp_path / "export" / "fct_x.before.csv").read_text() == (
        tmp_path / "export" / "fct_x.after.csv"
    ).read_text()
    assert main([str(before), str(after)]) == 0


def test_a_changed_value_a_lost_duplicate_or_a_retyped_column_fails(tmp_path):
    before = _warehouse(tmp_path / "a.duckdb", [(1, "1.00"), (2, "2.00"), (2, "2.00")])
    changed = _warehouse(tmp_path / "b.duckdb", [(1, "1.00"), (2, "2.01"), (2, "2.00")])
    deduplicated = _warehouse(tmp_path / "c.duckdb", [(1, "1.00"), (2, "2.00")])
    retyped = _warehouse(tmp_path / "d.duckdb", [(1, 1.0), (2, 2.0), (2, 2.0)], "double")
    assert compare(before, changed) == ["fct_x: 1 rows only before, 1 only after (3 vs 3 rows)"]
    assert compare(before, deduplicated) == [
        "fct_x: 1 rows only before, 0 only after (3 vs 2 rows)"
    ]
    assert "columns differ" in compare(before, retyped)[0]
    assert main([str(before), str(changed)]) == 1
