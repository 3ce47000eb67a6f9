"""The quality gates on small hand-made warehouses: each expectation family catches
what it is for and passes clean data, and `rrw check` reports and exits accordingly.

No dbt here: the marts are written directly with DuckDB and described by a small
manifest; the raw layer is a tiny generated batch loaded with `rrw load`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from recurring_revenue import cli
from recurring_revenue.generate import generate
from recurring_revenue.load import load_folder
from recurring_revenue.quality.catalog import infer_key
from recurring_revenue.quality.contract_state import compare
from recurring_revenue.quality.model import CheckReport, CheckSettings, SuiteOutcome
from recurring_revenue.quality.report import read_dbt_results, render_html, summary, write_html
from recurring_revenue.quality.runner import run_checks
from recurring_revenue.tools.check_models import problems

MONTHS = [date(2024, month, 1) for month in range(1, 13)]
MONEY = "DECIMAL(18,2)"
MRR_COLUMNS = {
    "date_month": "DATE",
    "starting_mrr": MONEY,
    "new_mrr": MONEY,
    "expansion_mrr": MONEY,
    "contraction_mrr": MONEY,
    "churned_mrr": MONEY,
    "voluntary_churned_mrr": MONEY,
    "involuntary_churned_mrr": MONEY,
    "reactivation_mrr": MONEY,
    "fx_impact_mrr": MONEY,
    "ending_mrr": MONEY,
    "arr": MONEY,
    "paying_customers": "INTEGER",
}
WIDGET_COLUMNS = {
    "date_month": "DATE",
    "conversion_rate": "DECIMAL(18,6)",
    "label": "VARCHAR",
    "trials": "INTEGER",
}


def mart_node(name: str, columns: dict[str, str], key: str) -> dict[str, Any]:
    return {
        "resource_type": "model",
        "name": name,
        "access": "public",
        "schema": "marts",
        "alias": name,
        "config": {"enabled": True, "materialized": "table"},
        "constraints": [{"type": "primary_key", "columns": [key]}],
        "columns": {
            column: {"name": column, "data_type": data_type.lower()}
            for column, data_type in columns.items()
        },
    }


@dataclass
class Marts:
    database: Path
    manifest: Path

    def check(self, **options: Any) -> CheckReport:
        settings = CheckSettings.from_environment(
            self.database, layers=["marts"], manifest_path=self.manifest, **options
        )
        return run_checks(settings)


def build_marts(
    root: Path,
    new: list[int] | None = None,
    churn: dict[int, int] | None = None,
    widget: dict[str, Any] | None = None,
) -> Marts:
    """fct_mrr_monthly whose bridge holds (new MRR per month, churn in some months) and
    a generic monthly mart; `widget` overrides the generic mart's rows or types."""
    root.mkdir(parents=True, exist_ok=True)
    database = root / "warehouse.duckdb"
    new = new or [100] * len(MONTHS)
    churn = churn or {}
    widget = widget or {}
    rows = []
    ending = Decimal(0)
    for index, month in enumerate(MONTHS):
        starting = ending
        churned = Decimal(-churn.get(index, 0))
        ending = starting + new[index] + churned
        rows.append(
            (month, starting, new[index], 0, 0, churned, churned, 0, 0, 0, ending, 12 * ending, 1)
        )
    widget_types = {**WIDGET_COLUMNS, **widget.get("types", {})}
    widget_rows = [
        (month, Decimal("0.5"), "plan-a", 3)
        for month in MONTHS
        if month not in widget.get("missing_months", ())
    ]
    for position, values in widget.get("rows", {}).items():
        widget_rows[position] = values
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE SCHEMA marts")
        for name, columns, data in (
            ("fct_mrr_monthly", MRR_COLUMNS, rows),
            ("fct_widget_monthly", widget_types, widget_rows),
        ):
            typed = ", ".join(f"{column} {kind}" for column, kind in columns.items())
            connection.execute(f"CREATE TABLE marts.{name} ({typed})")
            marks = ", ".join("?" for _ in columns)
            connection.executemany(f"INSERT INTO marts.{name} VALUES ({marks})", data)
    nodes = {
        "model.p.fct_mrr_monthly": mart_node("fct_mrr_monthly", MRR_COLUMNS, "date_month"),
        "model.p.fct_widget_monthly": mart_node("fct_widget_monthly", WIDGET_COLUMNS, "date_month"),
    }
    for missing in widget.get("manifest_only", ()):
        nodes[f"model.p.{missing}"] = mart_node(missing, WIDGET_COLUMNS, "date_month")
    manifest = root / "manifest.json"
    manifest.write_text(json.dumps({"nodes": nodes}), encoding="utf-8")
    return Marts(database, manifest)


def suite(report: CheckReport, name: str) -> SuiteOutcome:
    return next(outcome for outcome in report.suites if outcome.name == name)


def failed(report: CheckReport, name: str) -> list[str]:
    found = suite(report, name)
    return [f"{outcome.description}: {outcome.details}" for outcome in found.failed]


def test_clean_marts_pass(tmp_path: Path) -> None:
    report = build_marts(tmp_path).check()
    assert report.success, summary(report)
    names = {outcome.name for outcome in report.suites}
    assert names == {"marts.fct_mrr_monthly", "marts.fct_widget_monthly", "marts.column_types"}
    mrr = suite(report, "marts.fct_mrr_monthly")
    descriptions = " | ".join(outcome.description for outcome in mrr.outcomes)
    assert "total MRR changes by at most 50%" in descriptions
    # The identities and the marts' row rules are dbt's tests (quality/ownership.py,
    # shown failing on bad data in test_check_ownership.py).
    for dbts in (
        "bridge identity",
        "each month starts where",
        "ARR = 12 x ending MRR",
        "months are contiguous",
        "is unique",
        "lies between 0 and 1",
        "first day",
        "contract's",
    ):
        assert dbts not in descriptions


def test_a_jump_in_total_mrr_breaks_the_configurable_bound(tmp_path: Path) -> None:
    new = [100] * 12
    new[8] = 20_000
    marts = build_marts(tmp_path, new=new, churn={9: 20_000})

    failures = failed(marts.check(), "marts.fct_mrr_monthly")

    assert len(failures) == 1, failures
    assert "total MRR changes by at most 50%" in failures[0]
    assert "date_month=2024-09-01" in failures[0] and "date_month=2024-10-01" in failures[0]
    assert marts.check(max_mrr_change=30).success
    assert marts.check(mrr_change_grace_months=10).success, "the jump is in the grace months"
    assert not marts.check(mrr_change_grace_months=8).success


def test_the_bound_leaves_out_the_first_months(tmp_path: Path) -> None:
    new = [100] * 12
    new[1] = 5_000
    assert build_marts(tmp_path, new=new).check().success


def test_a_broken_bridge_is_left_to_dbt(tmp_path: Path) -> None:
    """The bridge identity is dbt's test (fct_mrr_monthly_bridge_identity, shown failing
    on bad data in test_check_ownership.py): great-expectations no longer checks it."""
    marts = build_marts(tmp_path)
    with duckdb.connect(str(marts.database)) as connection:
        connection.execute(
            "UPDATE marts.fct_mrr_monthly SET new_mrr = new_mrr + 1 "
            "WHERE date_month = DATE '2024-05-01'"
        )
    assert failed(marts.check(), "marts.fct_mrr_monthly") == []


def test_generic_mart_scans(tmp_path: Path) -> None:
    """The personal-data and column-type scans are great-expectations'; the row rules
    broken here too (a rate above 1, a negative count, a mid-month date, a missing
    month) are dbt's and no longer reported by it."""
    marts = build_marts(
        tmp_path,
        widget={
            "missing_months": [date(2024, 6, 1)],
            "rows": {
                0: (date(2024, 1, 1), Decimal("1.5"), "plan-a", 3),
                1: (date(2024, 2, 1), Decimal("0.5"), "jane.doe@example.com", -1),
                2: (date(2024, 3, 15), Decimal("0.5"), "plan-a", 3),
            },
            "types": {"conversion_rate": "DOUBLE"},
        },
    )
    report = marts.check()
    failures = "\n".join(failed(report, "marts.fct_widget_monthly"))
    assert "label holds no personal data" in failures
    assert len(failed(report, "marts.fct_widget_monthly")) == 1, failures
    assert "jane.doe" not in failures, "personal data is never shown"
    types = failed(report, "marts.column_types")
    assert types and "fct_widget_monthly, column_name=conversion_rate" in types[0]


def test_a_public_mart_missing_from_the_warehouse_fails(tmp_path: Path) -> None:
    report = build_marts(tmp_path, widget={"manifest_only": ["fct_new_mart"]}).check()
    missing = suite(report, "marts.fct_new_mart")
    assert not report.success
    assert missing.error is not None and "not in the warehouse" in missing.error


@pytest.fixture(scope="module")
def raw_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("raw")
    generate(out_dir=root / "data", customers=60, seed=3, bad_row_share=0)
    database = root / "warehouse.duckdb"
    load_folder(root / "data", database)
    return database


def raw_check(database: Path) -> CheckReport:
    return run_checks(CheckSettings.from_environment(database, layers=["raw"]))


def test_clean_raw_data_passes(raw_warehouse: Path) -> None:
    report = raw_check(raw_warehouse)
    assert report.success, summary(report)
    assert len(report.suites) == 9


def test_raw_rows_must_match_the_load_log_and_values_stay_within_the_rejects_share(
    raw_warehouse: Path, tmp_path: Path
) -> None:
    database = tmp_path / "warehouse.duckdb"
    database.write_bytes(raw_warehouse.read_bytes())
    with duckdb.connect(str(database)) as connection:
        connection.execute("DELETE FROM raw.plans WHERE _source_row_number = 1")
        connection.execute(
            "UPDATE raw.payments SET amount = '-5.00', currency = 'dollars' "
            "WHERE _source_row_number % 10 = 0"
        )
        connection.execute("DELETE FROM raw.invoices")
    report = raw_check(database)
    assert "row count equals raw._load_log" in "\n".join(failed(report, "raw.plans"))
    payments = "\n".join(failed(report, "raw.payments"))
    assert "amount is above 0" in payments and "-5.00 at _source_row_number=10" in payments
    assert "currency is a three-letter ISO-4217 code" in payments
    invoices = "\n".join(failed(report, "raw.invoices"))
    assert "a required table is not empty" in invoices


def test_rrw_check_reports_and_exits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = [100] * 12
    new[8] = 20_000
    broken = build_marts(tmp_path / "broken", new=new, churn={9: 20_000})
    clean = build_marts(tmp_path / "clean")
    report_path = tmp_path / "report.html"
    arguments = ["--layers", "marts", "--report", str(report_path), "--quiet"]

    code = cli.main(
        [
            "check",
            "--database",
            str(broken.database),
            "--manifest",
            str(broken.manifest),
            *arguments,
        ]
    )
    printed = capsys.readouterr().out
    assert code == 1
    assert "[FAIL] marts.fct_mrr_monthly" in printed and "FAILED" in printed
    page = report_path.read_text(encoding="utf-8")
    assert "FAILED" in page and "total MRR changes by at most 50%" in page

    code = cli.main(
        ["check", "--database", str(clean.database), "--manifest", str(clean.manifest), *arguments]
    )
    assert code == 0
    assert "PASSED" in capsys.readouterr().out
    assert "PASSED" in report_path.read_text(encoding="utf-8")

    assert cli.main(["check", "--database", str(tmp_path / "missing.duckdb")]) == 2


def test_the_html_report_escapes_what_it_shows(tmp_path: Path) -> None:
    report = build_marts(tmp_path, widget={"manifest_only": ["fct_<script>"]}).check()
    page = render_html(report)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_the_html_report_lists_dbt_test_results(tmp_path: Path) -> None:
    """dbt owns the identities; the report shows its verdicts from run_results.json."""
    run_results = tmp_path / "run_results.json"
    run_results.write_text(
        json.dumps(
            {
                "metadata": {"generated_at": "2026-12-03T12:00:00Z"},
                "results": [
                    {
                        "unique_id": "test.p.fct_mrr_monthly_bridge_identity.abc",
                        "status": "fail",
                        "failures": 2,
                        "message": "Got 2 results, configured to fail if != 0",
                    },
                    {"unique_id": "test.p.assert_mrr_bridge_months_chain", "status": "pass"},
                    {"unique_id": "unit_test.p.fct_mrr_monthly.test_x", "status": "pass"},
                    {"unique_id": "model.p.fct_mrr_monthly", "status": "success"},
                ],
            }
        ),
        encoding="utf-8",
    )
    report = build_marts(tmp_path).check()
    path = write_html(report, tmp_path / "report.html", read_dbt_results(run_results))
    page = path.read_text(encoding="utf-8")
    assert "dbt tests: the row and identity rules" in page
    assert "2 passed, 0 warned, 1 failed" in page
    assert "fct_mrr_monthly_bridge_identity.abc" in page and "Got 2 results" in page
    assert "model.p.fct_mrr_monthly" not in page
    missing = render_html(report, read_dbt_results(tmp_path / "absent.json"))
    assert "No dbt test results" in missing


def test_the_grain_comes_from_constraints_or_unique_tests() -> None:
    node = {"constraints": [], "columns": {"a": {"constraints": []}}}
    combination = {
        "unique_id": "test.1",
        "test_metadata": {
            "name": "unique_combination_of_columns",
            "kwargs": {"combination_of_columns": ["a", "b"]},
        },
    }
    unique = {
        "unique_id": "test.2",
        "test_metadata": {"name": "unique", "kwargs": {"column_name": "a"}},
    }
    assert infer_key(node, [unique, combination]) == ("a", "b")
    assert infer_key(node, [unique]) == ("a",)
    node["constraints"] = [{"type": "primary_key", "columns": ["c"]}]
    assert infer_key(node, [unique]) == ("c",)


def model(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "resource_type": "model",
        "name": name,
        "package_name": "p",
        "original_file_path": f"models/{name}.sql",
        "description": "One row per thing.",
        "access": "protected",
        "config": {"enabled": True, "materialized": "table"},
        "columns": {},
        "constraints": [],
        **fields,
    }


def test_check_models_rules() -> None:
    nodes = {
        "model.p.good": model("good"),
        "model.p.bare": model("bare", description=""),
        "model.p.mart": model(
            "mart",
            access="public",
            columns={"a": {"description": "", "data_type": None, "constraints": []}},
        ),
        "model.p.increments": model(
            "increments",
            config={"enabled": True, "materialized": "incremental", "contract": {}},
        ),
        "test.p.t1": {
            "resource_type": "test",
            "attached_node": "model.p.good",
            "test_metadata": {"name": "not_null", "kwargs": {"column_name": "a"}},
        },
        "test.p.t2": {"resource_type": "test", "depends_on": {"nodes": ["model.p.mart"]}},
        "test.p.t3": {"resource_type": "test", "depends_on": {"nodes": ["model.p.increments"]}},
    }
    found, tests = problems({"metadata": {"project_name": "p"}, "nodes": nodes, "unit_tests": {}})
    text = "\n".join(found)
    assert "model good" not in text
    assert "model bare has no description" in text and "model bare has no data test" in text
    assert "column mart.a has no description" in text
    assert "column mart.a has no data_type" in text
    assert "public mart mart declares no grain" in text
    assert "public mart mart must enforce its model contract" in text
    assert "public mart mart needs the model-level test mart_value_ranges" in text
    assert "public mart mart needs the model-level test mart_month_dates" in text
    assert "incremental model increments has no unique_key" in text
    assert tests["model.p.good"]["data"] == 1


def test_check_models_wants_a_set_key_and_a_series_test_on_monthly_series() -> None:
    def mart(name: str, key_constraints: list[dict[str, str]]) -> dict:
        return model(
            name,
            access="public",
            config={"enabled": True, "materialized": "table", "contract": {"enforced": True}},
            columns={
                "date_month": {
                    "description": "d",
                    "data_type": "date",
                    "constraints": key_constraints,
                }
            },
        )

    nodes: dict[str, dict] = {}
    for name, series, constraints in (
        ("series_ok", True, [{"type": "not_null"}]),
        ("series_missing", False, [{"type": "not_null"}]),
        ("key_not_set", True, []),
    ):
        nodes[f"model.p.{name}"] = mart(name, constraints)
        nodes[f"test.p.unique_{name}"] = {
            "resource_type": "test",
            "attached_node": f"model.p.{name}",
            "test_metadata": {"name": "unique", "kwargs": {"column_name": "date_month"}},
        }
        nodes[f"test.p.ranges_{name}"] = {
            "resource_type": "test",
            "attached_node": f"model.p.{name}",
            "test_metadata": {"name": "mart_value_ranges", "kwargs": {}},
        }
        nodes[f"test.p.months_{name}"] = {
            "resource_type": "test",
            "attached_node": f"model.p.{name}",
            "test_metadata": {"name": "mart_month_dates", "kwargs": {"series": series}},
        }
    found, _ = problems({"metadata": {"project_name": "p"}, "nodes": nodes, "unit_tests": {}})
    text = "\n".join(found)
    assert "series_ok" not in text, text
    assert "public mart series_missing: mart_month_dates needs series: true" in text
    assert "grain column key_not_set.date_month needs a not_null constraint" in text


def test_contract_compare_flags_narrowed_access_and_moves() -> None:
    released = {"nodes": {"model.p.m": model("m", access="public", schema="marts", alias="m")}}
    moved = {"nodes": {"model.p.m": model("m", access="protected", schema="marts", alias="m2")}}
    breaking, _, _ = compare(released, moved)
    assert any("access changed from public to protected" in line for line in breaking)
    assert any("moved from marts.m to marts.m2" in line for line in breaking)
    assert compare(released, released)[0] == []
