"""The contract check against the released marts, on temporary copies of the project.

One copy breaks released contracts on purpose (a column removed, a column retyped,
a mart moved to another table name): the check must fail and name each change.
Another makes only allowed changes (a new column, a new public mart, and a breaking
change shipped as a new model version that keeps the released one): it must pass.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from recurring_revenue.quality.contract_state import (
    RELEASED_DIR,
    check_contracts,
    trim_manifest,
)
from recurring_revenue.settings import PROJECT_DIR

pytestmark = pytest.mark.slow

PROJECT_FILES = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "macros",
    "seeds",
    "analyses",
    "docs",
    "tests/dbt",
    "contracts",
)
MRR_YML = Path("models/marts/mrr/fct_mrr_monthly.yml")
CUSTOMER_MRR_YML = Path("models/marts/mrr/fct_customer_mrr_monthly.yml")
PLANS_YML = Path("models/marts/core/dim_plans.yml")


def copy_project(root: Path) -> Path:
    for name in PROJECT_FILES:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            root.joinpath(name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, root / name)
    return root


def edit_model(root: Path, path: Path, name: str, change: Any) -> None:
    document = yaml.safe_load((root / path).read_text(encoding="utf-8"))
    model = next(model for model in document["models"] if model["name"] == name)
    change(model)
    (root / path).write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def column(model: dict[str, Any], name: str) -> dict[str, Any]:
    return next(column for column in model["columns"] if column["name"] == name)


def test_released_state_is_committed_and_trimmed() -> None:
    released = yaml.safe_load((PROJECT_DIR / RELEASED_DIR / "manifest.json").read_text())
    nodes = released["nodes"]
    assert "model.recurring_revenue.fct_mrr_monthly" in nodes
    assert all(node["access"] == "public" for node in nodes.values())
    assert all("raw_code" not in node and "description" not in node for node in nodes.values())
    assert trim_manifest(released)["nodes"].keys() == nodes.keys()


def test_a_broken_contract_fails_the_check(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")

    def drop_arpa(model: dict[str, Any]) -> None:
        model["columns"] = [c for c in model["columns"] if c["name"] != "arpa"]

    def retype_mrr(model: dict[str, Any]) -> None:
        column(model, "mrr")["data_type"] = "varchar"

    def move_plans(model: dict[str, Any]) -> None:
        model.setdefault("config", {})["alias"] = "dim_price_plans"

    edit_model(root, MRR_YML, "fct_mrr_monthly", drop_arpa)
    edit_model(root, CUSTOMER_MRR_YML, "fct_customer_mrr_monthly", retype_mrr)
    edit_model(root, PLANS_YML, "dim_plans", move_plans)

    outcome = check_contracts(project_dir=root)

    assert outcome.error is None, outcome.summary()
    assert not outcome.success
    text = "\n".join(outcome.breaking)
    assert "fct_mrr_monthly" in text and "arpa" in text
    assert "fct_customer_mrr_monthly" in text and "mrr (decimal(18, 2) -> varchar)" in text
    assert "dim_plans: moved from marts.dim_plans to marts.dim_price_plans" in text
    assert "FAILED" in outcome.summary()


def test_new_columns_marts_and_versions_pass_the_check(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")

    def add_column(model: dict[str, Any]) -> None:
        model["columns"].append(
            {"name": "annual_list_mrr", "description": "New.", "data_type": "decimal(18, 2)"}
        )

    def version_with_breaking_v2(model: dict[str, Any]) -> None:
        model["latest_version"] = 2
        model["versions"] = [
            {"v": 1, "defined_in": "fct_mrr_monthly", "config": {"alias": "fct_mrr_monthly"}},
            {"v": 2, "columns": [{"include": "all", "exclude": ["arpa"]}]},
        ]

    edit_model(root, CUSTOMER_MRR_YML, "fct_customer_mrr_monthly", add_column)
    edit_model(root, MRR_YML, "fct_mrr_monthly", version_with_breaking_v2)
    mrr_sql = root / MRR_YML.with_suffix(".sql")
    shutil.copyfile(mrr_sql, mrr_sql.with_name("fct_mrr_monthly_v2.sql"))
    new_mart = root / "models/marts/mrr/fct_new_public_mart.sql"
    new_mart.write_text("select 1 as id\n", encoding="utf-8")
    new_mart.with_suffix(".yml").write_text(
        yaml.safe_dump(
            {
                "models": [
                    {
                        "name": "fct_new_public_mart",
                        "description": "One row.",
                        "columns": [{"name": "id", "description": "Id.", "data_type": "integer"}],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )

    outcome = check_contracts(project_dir=root)

    assert outcome.success, outcome.summary()
    notes = "\n".join(outcome.notes)
    assert "fct_mrr_monthly lives on as fct_mrr_monthly v1" in notes
    assert "fct_new_public_mart: new public mart" in notes
    assert "fct_customer_mrr_monthly: new column(s) annual_list_mrr" in notes
