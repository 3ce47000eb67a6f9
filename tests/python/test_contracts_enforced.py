"""Mart contracts are enforced: a mart whose SQL changes a column's type or drops a
column, without its contract being updated, fails the build with dbt's contract
error; and every mart declares a full contract (types, not-null primary key).

The project is copied into a temporary folder and built once on the worked-case
fixture up to fct_mrr_monthly; the copy's fct_mrr_monthly.sql is then altered and
run again.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import worked_cases
from warehouse import Warehouse, dbt_output

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.settings import PROJECT_DIR

pytestmark = pytest.mark.slow

PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
PROJECT_FOLDERS = ("models", "macros", "seeds", "tests/dbt", "docs")
MART = Path("models/marts/mrr/fct_mrr_monthly.sql")

ENDING_MRR = "cast(coalesce(monthly_totals.ending_mrr, 0) as {{ type_money() }}) as ending_mrr,"
ARR = "cast(12 * coalesce(monthly_totals.ending_mrr, 0) as {{ type_money() }}) as arr,"
CONTRACT_FAILED = "This model has an enforced contract that failed."


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, Path]:
    root = tmp_path_factory.mktemp("contracts")
    copy = root / "project"
    for name in PROJECT_FILES:
        copy.mkdir(exist_ok=True)
        shutil.copyfile(PROJECT_DIR / name, copy / name)
    for name in PROJECT_FOLDERS:
        shutil.copytree(PROJECT_DIR / name, copy / name)
    warehouse = Warehouse(root)
    warehouse.load(worked_cases.write_dataset(root / "data"))
    result = dbt(
        warehouse,
        copy,
        "build",
        *("--select", "+fct_mrr_monthly"),
        *("--resource-type", "seed", "--resource-type", "model"),
    )
    assert result.returncode == 0, dbt_output(result)[-5000:]
    return warehouse, copy


def dbt(warehouse: Warehouse, copy: Path, *args: str):
    return run_dbt(list(args), env=warehouse.env(), project_dir=copy, capture=True)


def run_altered_mart(warehouse: Warehouse, copy: Path, original: str, altered: str) -> str:
    path = copy / MART
    sql = path.read_text(encoding="utf-8")
    assert original in sql, f"{MART} no longer contains {original!r}: update this test"
    path.write_text(sql.replace(original, altered), encoding="utf-8")
    try:
        result = dbt(warehouse, copy, "run", "--select", "fct_mrr_monthly")
    finally:
        path.write_text(sql, encoding="utf-8")
    output = dbt_output(result)
    assert result.returncode != 0, output[-3000:]
    return output


def test_changed_column_type_fails_the_contract(project: tuple[Warehouse, Path]) -> None:
    warehouse, copy = project
    output = run_altered_mart(
        warehouse, copy, ENDING_MRR, ENDING_MRR.replace("{{ type_money() }}", "double")
    )
    assert CONTRACT_FAILED in output
    assert "ending_mrr" in output and "data type mismatch" in output


def test_dropped_column_fails_the_contract(project: tuple[Warehouse, Path]) -> None:
    warehouse, copy = project
    output = run_altered_mart(warehouse, copy, ARR, "")
    assert CONTRACT_FAILED in output
    assert "arr" in output and "missing in definition" in output


def test_unaltered_mart_still_builds(project: tuple[Warehouse, Path]) -> None:
    warehouse, copy = project
    result = dbt(warehouse, copy, "run", "--select", "fct_mrr_monthly")
    assert result.returncode == 0, dbt_output(result)[-3000:]


def test_every_mart_declares_a_full_contract(project: tuple[Warehouse, Path]) -> None:
    """Every model under models/marts: public, in a group, contract enforced, a data
    type on every column, a primary key whose columns are not null (tables)."""
    warehouse, _ = project
    manifest = json.loads((warehouse.root / "target" / "manifest.json").read_text())
    marts = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith("models/marts/")
    ]
    assert marts
    gaps = []
    for node in marts:
        name, config = node["name"], node["config"]
        if not config["contract"]["enforced"]:
            gaps.append(f"{name}: contract not enforced")
        if node["access"] != "public" or not node["group"]:
            gaps.append(f"{name}: access {node['access']}, group {node['group']}")
        untyped = [column for column, spec in node["columns"].items() if not spec.get("data_type")]
        if untyped:
            gaps.append(f"{name}: no data_type for {untyped}")
        keys = [c for c in node["constraints"] if c["type"] == "primary_key"]
        key_columns = keys[0]["columns"] if keys else []
        key_columns += [
            column
            for column, spec in node["columns"].items()
            if any(c["type"] == "primary_key" for c in spec.get("constraints", []))
        ]
        if not key_columns:
            gaps.append(f"{name}: no primary key constraint")
        for column in key_columns:
            constraints = node["columns"].get(column, {}).get("constraints", [])
            if not any(c["type"] == "not_null" for c in constraints):
                gaps.append(f"{name}: primary key column {column} has no not_null constraint")
    assert gaps == []


def test_every_public_mart_has_the_bi_exposure(project: tuple[Warehouse, Path]) -> None:
    """The BI tool / analysts exposure lists every public mart, so lineage shows
    every consumer; the dashboards depend only on public marts."""
    warehouse, _ = project
    manifest = json.loads((warehouse.root / "target" / "manifest.json").read_text())
    public = {
        node["unique_id"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["access"] == "public"
    }
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert set(exposures) >= {"revenue_dashboard", "bi_tool_analysts", "cfo_cash_report"}
    assert set(exposures["bi_tool_analysts"]["depends_on"]["nodes"]) == public
    for exposure in exposures.values():
        assert set(exposure["depends_on"]["nodes"]) <= public, exposure["name"]
