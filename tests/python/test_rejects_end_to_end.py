"""Issue acceptance: a folder with one bad row of each kind, end to end.

`rrw generate --one-bad-row-each` writes exactly one bad row for every (table,
reason) the rejects handling covers, and lists them in _expected_rejects.csv.
After `rrw load` and the build, every raw row is either staged or rejected with
the right reason and column, and the build says how many per table.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import worked_cases
from warehouse import Warehouse, dbt_output

from recurring_revenue.generate import generate
from recurring_revenue.raw_spec import TABLES

pytestmark = pytest.mark.slow

STAGING = ["--select", "staging", "--indirect-selection", "buildable"]
# The catalogue has ~100 plans and eight bad plan rows: 7.7%, over the default 5%.
SHARE = {"rejects_error_share": 0.1}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, Path, str]:
    root = tmp_path_factory.mktemp("one_bad_row_each")
    data = root / "data"
    generate(data, 150, 11, one_bad_row_each=True, workers=1)
    warehouse = Warehouse(root)
    warehouse.load(data)
    assert warehouse.dbt("seed").returncode == 0
    result = warehouse.dbt("build", *STAGING, vars_=SHARE)
    assert result.returncode == 0, dbt_output(result)[-5000:]
    return warehouse, data, dbt_output(result)


def expected_rejects(data: Path) -> set[tuple[str, str, str, str]]:
    with (data / "_expected_rejects.csv").open(newline="", encoding="utf-8") as handle:
        return {
            (row["table_name"], row["record_key"], row["column_name"], row["reject_reason"])
            for row in csv.DictReader(handle)
        }


def test_every_kind_of_bad_row_is_rejected_with_its_reason(
    built: tuple[Warehouse, Path, str],
) -> None:
    warehouse, data, _ = built
    expected = expected_rejects(data)
    rejected = set(
        warehouse.query(
            "select table_name, record_key, column_name, reject_reason "
            "from staging.stg_billing__rejects"
        )
    )
    assert rejected == expected
    # Every reason of docs/rejects.md occurs.
    assert {reason for *_, reason in expected} == {
        "missing_value",
        "unparseable_value",
        "implausible_date",
        "unknown_enum_value",
        "out_of_range",
        "negative_amount",
        "end_before_start",
        "duplicate_key",
        "orphan_reference",
        "event_before_activation",
        "unknown_currency",
        "missing_fx_rate",
    }


@pytest.mark.parametrize("table", [table.name for table in TABLES])
def test_raw_rows_are_staged_plus_rejected(built: tuple[Warehouse, Path, str], table: str) -> None:
    warehouse, _, _ = built
    [(raw, staged, rejected)] = warehouse.query(
        f"""
        select
            (select count(*) from raw.{table}),
            (select count(*) from staging.stg_billing__{table}),
            (select count(*) from staging.stg_billing__rejects where table_name = '{table}')
        """
    )
    assert raw == staged + rejected


def test_the_build_says_how_many_per_table(built: tuple[Warehouse, Path, str]) -> None:
    warehouse, data, output = built
    expected = expected_rejects(data)
    for table in {name for name, *_ in expected}:
        count = sum(1 for name, *_ in expected if name == table)
        [(rows,)] = warehouse.query(f"select count(*) from raw.{table}")
        assert re.search(rf"rejects: {table} {count} of {rows:,} rows", output), table
    assert "WARN" in output


def test_past_the_share_the_build_fails_and_says_which_table(
    built: tuple[Warehouse, Path, str], tmp_path: Path
) -> None:
    warehouse, _, _ = built
    variant = warehouse.copy(tmp_path)
    result = variant.dbt("build", *STAGING)
    assert result.returncode != 0
    assert "staging_rejected_share_within_limit" in dbt_output(result)


def _rewrite(path: Path, change: dict[str, str], where: tuple[str, str]) -> None:
    """Set `change` (column -> text) on the CSV rows whose `where[0]` is `where[1]`."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row[where[0]] == where[1]:
            row.update(change)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_values_too_large_for_the_later_layers_are_rejected_in_staging(tmp_path: Path) -> None:
    """Issue 14, defect 4: a plan price of 99999999999999.99 and an event quantity of
    20000000000 passed staging and stopped the build in the subscription timeline's
    valuation with a decimal conversion error. Now both are `out_of_range` rejects and
    the build runs."""
    data = worked_cases.write_dataset(tmp_path / "data")
    _rewrite(data / "plans.csv", {"unit_price": "99999999999999.99"}, ("plan_id", "p_week_10"))
    _rewrite(data / "subscription_events.csv", {"quantity": "20000000000"}, ("event_id", "e08_2"))
    warehouse = Warehouse(tmp_path)
    warehouse.load(data)
    assert warehouse.dbt("seed").returncode == 0
    result = warehouse.dbt(
        "run", "--select", "+int_subscription_states_valued", vars_={"rejects_error_share": 1.0}
    )
    assert result.returncode == 0, dbt_output(result)[-5000:]
    rejects = set(
        warehouse.query(
            "select table_name, record_key, column_name, reject_reason, rejected_value "
            "from staging.stg_billing__rejects where column_name in ('unit_price', 'quantity')"
        )
    )
    assert rejects == {
        ("plans", "p_week_10", "unit_price", "out_of_range", "99999999999999.99"),
        ("subscription_events", "e08_2", "quantity", "out_of_range", "20000000000"),
    }
    valued = "select count(*) from intermediate.int_subscription_states_valued"
    assert warehouse.query(valued)[0][0] > 0


def test_a_typo_date_is_rejected_and_never_becomes_the_as_of_date(tmp_path: Path) -> None:
    """Issue 14, defect 3: a payment dated 2204-04-10 became the as-of date and the
    monthly marts ran to 2099-12. Now it is `implausible_date` and the months end at
    the worked cases' last activity (2025-03)."""
    data = worked_cases.write_dataset(tmp_path / "data")
    path = data / "payments.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows.append({**rows[0], "payment_id": "pay_typo", "occurred_at": "2204-04-10T12:00:00Z"})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    warehouse = Warehouse(tmp_path)
    warehouse.load(data)
    assert warehouse.dbt("seed").returncode == 0
    result = warehouse.dbt("run", "--select", "+util_months")
    assert result.returncode == 0, dbt_output(result)[-5000:]
    assert warehouse.query(
        "select record_key, column_name, reject_reason, rejected_value "
        "from staging.stg_billing__rejects"
    ) == [("pay_typo", "occurred_at", "implausible_date", "2204-04-10T12:00:00Z")]
    assert warehouse.query("select cast(as_of_date as varchar) from utilities.util_as_of_date") == [
        ("2025-03-31",)
    ]
    assert warehouse.query(
        "select cast(max(date_month) as varchar) from utilities.util_months"
    ) == [("2025-03-01",)]
