"""Staging on the fixture in the raw export spec tests/fixtures/staging_cases.

The fixture has a few good rows per table and one bad row of every kind in
docs/rejects.md (plus cascades and a duplicate whose first row is unusable);
_expected_rejects.csv lists the rejects it must produce. The folder is loaded with
`rrw load`'s load_folder, then `dbt build --select iso_currencies staging` runs
against a temporary DuckDB file: once with a share limit the fixture stays under
(the build passes and warns), once with a tiny one (the build fails).
"""

from __future__ import annotations

import csv
import json
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.load import load_folder

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "staging_cases"

TABLES = (
    "customers",
    "plans",
    "subscriptions",
    "subscription_events",
    "invoices",
    "invoice_line_items",
    "payments",
    "fx_rates",
    "marketing_spend",
)

# docs/architecture.md, "Column contract of the staged models".
AMOUNT, RATE, QUANTITY, PERCENT = "DECIMAL(18,4)", "DECIMAL(18,8)", "DECIMAL(18,4)", "DECIMAL(9,4)"
LINEAGE = [
    ("load_batch_id", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_row_number", "BIGINT"),
]
STAGED_COLUMNS = {
    "customers": [
        ("customer_id", "VARCHAR"),
        ("customer_name", "VARCHAR"),
        ("email", "VARCHAR"),
        ("country_code", "VARCHAR"),
        ("acquisition_channel", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
    ],
    "plans": [
        ("plan_id", "VARCHAR"),
        ("plan_name", "VARCHAR"),
        ("product_name", "VARCHAR"),
        ("business_model", "VARCHAR"),
        ("billing_interval_unit", "VARCHAR"),
        ("billing_interval_count", "INTEGER"),
        ("currency", "VARCHAR"),
        ("unit_price", AMOUNT),
        ("trial_days", "INTEGER"),
    ],
    "subscriptions": [
        ("subscription_id", "VARCHAR"),
        ("customer_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("commitment_months", "INTEGER"),
        ("notice_period_days", "INTEGER"),
        ("auto_renew", "BOOLEAN"),
    ],
    "subscription_events": [
        ("event_id", "VARCHAR"),
        ("subscription_id", "VARCHAR"),
        ("event_type", "VARCHAR"),
        ("plan_id", "VARCHAR"),
        ("cancellation_reason", "VARCHAR"),
        ("quantity", QUANTITY),
        ("unit_price", AMOUNT),
        ("discount_percent", PERCENT),
        ("discount_amount", AMOUNT),
        ("effective_at", "TIMESTAMP"),
        ("recorded_at", "TIMESTAMP"),
    ],
    "invoices": [
        ("invoice_id", "VARCHAR"),
        ("customer_id", "VARCHAR"),
        ("currency", "VARCHAR"),
        ("status", "VARCHAR"),
        ("issued_at", "TIMESTAMP"),
        ("due_at", "TIMESTAMP"),
    ],
    "invoice_line_items": [
        ("line_item_id", "VARCHAR"),
        ("invoice_id", "VARCHAR"),
        ("subscription_id", "VARCHAR"),
        ("plan_id", "VARCHAR"),
        ("line_type", "VARCHAR"),
        ("description", "VARCHAR"),
        ("quantity", QUANTITY),
        ("amount", AMOUNT),
        ("discount_amount", AMOUNT),
        ("tax_amount", AMOUNT),
        ("service_period_start", "DATE"),
        ("service_period_end", "DATE"),
    ],
    "payments": [
        ("payment_id", "VARCHAR"),
        ("invoice_id", "VARCHAR"),
        ("payment_type", "VARCHAR"),
        ("status", "VARCHAR"),
        ("currency", "VARCHAR"),
        ("failure_reason", "VARCHAR"),
        ("amount", AMOUNT),
        ("occurred_at", "TIMESTAMP"),
    ],
    "fx_rates": [("currency", "VARCHAR"), ("rate_to_reporting", RATE), ("rate_date", "DATE")],
    "marketing_spend": [
        ("channel", "VARCHAR"),
        ("currency", "VARCHAR"),
        ("amount", AMOUNT),
        ("spend_date", "DATE"),
    ],
}


@dataclass
class Build:
    """One `dbt build` of staging on the fixture: its output and run results."""

    process: subprocess.CompletedProcess[str]
    statuses: dict[str, str]
    failures: dict[str, int | None]

    @property
    def output(self) -> str:
        return (self.process.stdout or "") + (self.process.stderr or "")


def _build_staging(root: Path, database: Path, rejects_error_share: float) -> Build:
    target = root / f"target-{rejects_error_share}"
    env = {
        "RRW_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    args = [
        "build",
        "--select",
        "iso_currencies",
        "staging",
        # Leave out tests that also need models of later layers, not built here.
        "--indirect-selection",
        "buildable",
        "--vars",
        json.dumps({"rejects_error_share": rejects_error_share}),
    ]
    process = run_dbt(args, env=env, capture=True)
    run_results = target / "run_results.json"
    assert run_results.exists(), process.stdout + process.stderr
    results = json.loads(run_results.read_text())["results"]
    return Build(
        process=process,
        statuses={row["unique_id"]: row["status"] for row in results},
        failures={row["unique_id"]: row["failures"] for row in results},
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Build, Build]:
    """Load the fixture, build staging (passing), then again with a tiny share limit."""
    root = tmp_path_factory.mktemp("staging_cases")
    database = root / "warehouse.duckdb"
    load_folder(FIXTURE, database)
    passing = _build_staging(root, database, rejects_error_share=1.0)
    # The ledger is read before the failing build, which skips the staged views but
    # leaves them (and everything else) in place.
    failing = _build_staging(root, database, rejects_error_share=0.0001)
    return database, passing, failing


def _query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(sql).fetchall()


def _expected_rejects() -> set[tuple[str, str, str, str]]:
    with (FIXTURE / "_expected_rejects.csv").open(newline="", encoding="utf-8") as handle:
        return {
            (row["table_name"], row["record_key"], row["column_name"], row["reject_reason"])
            for row in csv.DictReader(handle)
        }


def test_build_passes_under_the_share_limit(warehouse: tuple[Path, Build, Build]) -> None:
    _, passing, _ = warehouse
    assert passing.process.returncode == 0, passing.output
    not_ok = {uid: s for uid, s in passing.statuses.items() if s not in {"success", "pass", "warn"}}
    assert not not_ok, not_ok


@pytest.mark.parametrize("table", TABLES)
def test_every_raw_row_is_staged_or_rejected_never_both(
    warehouse: tuple[Path, Build, Build], table: str
) -> None:
    database, _, _ = warehouse
    raw = [row[0] for row in _query(database, f"select _source_row_number from raw.{table}")]
    staged = [
        row[0]
        for row in _query(database, f"select source_row_number from staging.stg_billing__{table}")
    ]
    rejected = [
        row[0]
        for row in _query(
            database,
            "select source_row_number from staging.stg_billing__rejects "
            f"where table_name = '{table}'",
        )
    ]
    assert len(staged) == len(set(staged))
    assert len(rejected) == len(set(rejected))
    assert not set(staged) & set(rejected)
    assert sorted(staged + rejected) == sorted(raw)
    assert staged and rejected, "the fixture has good and bad rows in every table"


def test_rejects_have_the_expected_reason_and_column(warehouse: tuple[Path, Build, Build]) -> None:
    database, _, _ = warehouse
    actual = {
        (table, record_key or "", column, reason)
        for table, record_key, column, reason in _query(
            database,
            "select table_name, record_key, column_name, reject_reason "
            "from staging.stg_billing__rejects",
        )
    }
    expected = _expected_rejects()
    assert not expected - actual, f"expected but not rejected: {sorted(expected - actual)}"
    assert not actual - expected, f"rejected but not expected: {sorted(actual - expected)}"


def test_rejects_carry_lineage_and_the_offending_text(warehouse: tuple[Path, Build, Build]) -> None:
    database, _, _ = warehouse
    rows = _query(
        database,
        "select table_name, record_key, source_file, load_batch_id, rejected_value "
        "from staging.stg_billing__rejects",
    )
    batch = _query(database, "select distinct _load_batch_id from raw.customers")[0][0]
    assert all(source_file == f"{table}.csv" for table, _, source_file, _, _ in rows)
    assert {load_batch_id for *_, load_batch_id, _ in rows} == {batch}
    values = {(table, key): value for table, key, _, _, value in rows}
    assert values[("customers", "C_BAD_TS")] == "2024-13-01T00:00:00Z"
    assert values[("customers", "C_MISSING_TS")] is None
    assert values[("plans", "P_PRICE_BAD")] == "12,50"
    assert values[("invoices", "I_NO_FX")] == "DKK"
    assert values[("subscription_events", "E_SUB_CASCADE")] == "S_CUST_CASCADE"


@pytest.mark.parametrize("table", TABLES)
def test_staged_columns_match_the_architecture(
    warehouse: tuple[Path, Build, Build], table: str
) -> None:
    database, _, _ = warehouse
    columns = _query(
        database,
        "select column_name, data_type from information_schema.columns "
        f"where table_schema = 'staging' and table_name = 'stg_billing__{table}' "
        "order by ordinal_position",
    )
    assert columns == STAGED_COLUMNS[table] + LINEAGE


def test_offset_timestamps_become_utc(warehouse: tuple[Path, Build, Build]) -> None:
    database, _, _ = warehouse
    created = dict(
        _query(database, "select customer_id, created_at from staging.stg_billing__customers")
    )
    assert created["007"] == datetime(2024, 2, 29, 23, 30)  # 2024-03-01T01:30:00+02:00
    assert created["7"] == datetime(2024, 1, 15, 10, 0)  # ...Z
    assert created["C003"] == datetime(2024, 2, 1, 9, 15)  # no offset: already UTC
    assert created["C004"] == datetime(2024, 4, 10, 13, 30)  # -05:30
    assert created["C005"] == datetime(2024, 5, 1)  # a date alone: midnight UTC
    occurred = dict(
        _query(database, "select payment_id, occurred_at from staging.stg_billing__payments")
    )
    assert occurred["PAY2"] == datetime(2024, 2, 1, 23, 0)  # 2024-02-02T00:00:00+01:00


def test_fx_rate_is_looked_up_on_the_utc_date(warehouse: tuple[Path, Build, Build]) -> None:
    database, _, _ = warehouse
    staged = {
        row[0] for row in _query(database, "select invoice_id from staging.stg_billing__invoices")
    }
    # DKK rates start 2024-06-01: issued 2024-06-01T00:00Z has one, 2024-06-01T01:00+02:00
    # (2024-05-31 in UTC) has none.
    assert "I_DKK" in staged
    assert "I_NO_FX_UTC" not in staged


def test_identifiers_keep_leading_zeros(warehouse: tuple[Path, Build, Build]) -> None:
    database, _, _ = warehouse
    customers = {
        row[0] for row in _query(database, "select customer_id from staging.stg_billing__customers")
    }
    assert {"007", "7"} <= customers
    owner = _query(
        database,
        "select customer_id from staging.stg_billing__subscriptions where subscription_id = 'S1'",
    )
    assert owner == [("007",)]


def test_money_is_exact_decimal(warehouse: tuple[Path, Build, Build]) -> None:
    database, _, _ = warehouse
    payments = dict(
        _query(database, "select payment_id, amount from staging.stg_billing__payments")
    )
    assert payments["PAY2"] == Decimal("373.8350")
    assert payments["PAY3"] == Decimal("0.0001")
    lines = {
        row[0]: row[1:]
        for row in _query(
            database,
            "select line_item_id, amount, discount_amount, tax_amount "
            "from staging.stg_billing__invoice_line_items",
        )
    }
    assert lines["L2"] == (Decimal("299.8500"), Decimal("29.9850"), Decimal("53.9700"))
    assert lines["L3"] == (Decimal("50.0000"), Decimal("0.0000"), Decimal("0.0000"))  # empty = 0
    assert lines["L4"][0] == Decimal("-33.3333")
    rates = {
        (currency, rate_date): rate
        for currency, rate, rate_date in _query(
            database,
            "select currency, rate_to_reporting, rate_date from staging.stg_billing__fx_rates",
        )
    }
    assert rates[("DKK", date(2024, 6, 1))] == Decimal("0.14567891")
    assert rates[("GBP", date(2024, 1, 1))] == Decimal("1.27000000")


def test_build_reports_reject_counts(warehouse: tuple[Path, Build, Build]) -> None:
    database, passing, _ = warehouse
    warn_id = "test.recurring_revenue.staging_rejected_rows_by_table"
    assert passing.statuses[warn_id] == "warn"
    assert passing.failures[warn_id] == len(TABLES)
    counts = dict(
        _query(
            database,
            "select table_name, count(*) from staging.stg_billing__rejects group by table_name",
        )
    )
    raw_rows = {
        table: _query(database, f"select count(*) from raw.{table}")[0][0] for table in TABLES
    }
    for table in TABLES:
        share = counts[table] / raw_rows[table]
        assert (
            f"rejects: {table} {counts[table]:,} of {raw_rows[table]:,} rows ({share:.2%})"
            in passing.output
        )


def test_build_fails_past_the_share_limit(warehouse: tuple[Path, Build, Build]) -> None:
    _, _, failing = warehouse
    assert failing.process.returncode != 0
    share_id = "test.recurring_revenue.staging_rejected_share_within_limit"
    assert failing.statuses[share_id] == "fail"
    assert failing.failures[share_id] == len(TABLES)
    # Nothing is built on a ledger past the limit.
    assert failing.statuses["model.recurring_revenue.stg_billing__customers"] == "skipped"
    assert "over the 0.01% error share" in failing.output
