"""Fail when a model of the project lacks what the house style requires of it.

Read from dbt's manifest (a fresh `dbt parse` into a scratch folder, or --manifest):

- every model has a description;
- every model has at least one data test (generic or singular; unit tests are
  counted and shown but do not replace a data test);
- every public mart enforces its model contract (dbt then checks its columns and
  their types on every build), declares its grain (a primary-key constraint, or a
  unique / unique_combination_of_columns test, with not_null constraints on the
  grain's columns), describes and types every column, and has the model-level
  tests `mart_value_ranges` and `mart_month_dates` (with `series: true` when its
  grain is `date_month` alone): these are the dbt tests of the mart checks that
  recurring_revenue.quality.ownership gives dbt;
- every incremental model has a unique_key whose columns carry an enforced
  not_null constraint, so a NULL key fails the build instead of duplicating rows.

Usage: python -m recurring_revenue.tools.check_models [--manifest PATH] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.settings import PROJECT_DIR


def parse_manifest(project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """`dbt parse` into a scratch folder (never touching a warehouse); its manifest."""
    with tempfile.TemporaryDirectory(prefix="rrw-check-models-") as scratch:
        root = Path(scratch)
        completed = run_dbt(
            ["parse", "--quiet"],
            env={
                "DBT_TARGET_PATH": str(root / "target"),
                "DBT_LOG_PATH": str(root / "logs"),
                "RRW_DUCKDB_PATH": str(root / "parse.duckdb"),
            },
            project_dir=project_dir,
            capture=True,
        )
        manifest = root / "target" / "manifest.json"
        if completed.returncode != 0 or not manifest.exists():
            output = (completed.stdout or "") + (completed.stderr or "")
            raise RuntimeError(f"dbt parse failed:\n{output[-3000:]}")
        data: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
        return data


def problems(manifest: dict[str, Any]) -> tuple[list[str], dict[str, Counter[str]]]:
    """Every rule broken, as `<model file>: <what is missing>`; and tests per model."""
    nodes = manifest.get("nodes", {})
    models = {
        unique_id: node
        for unique_id, node in nodes.items()
        if node.get("resource_type") == "model"
        and node.get("package_name") == manifest.get("metadata", {}).get("project_name")
        and node.get("config", {}).get("enabled", True)
    }
    tests: dict[str, Counter[str]] = {unique_id: Counter() for unique_id in models}
    grain_tests: dict[str, bool] = dict.fromkeys(models, False)
    grain_columns: dict[str, set[str]] = {unique_id: set() for unique_id in models}
    mart_tests: dict[str, dict[str, dict[str, Any]]] = {unique_id: {} for unique_id in models}
    for node in nodes.values():
        if node.get("resource_type") != "test":
            continue
        metadata = node.get("test_metadata") or {}
        targets = [node["attached_node"]] if node.get("attached_node") else []
        targets = targets or [d for d in node.get("depends_on", {}).get("nodes", []) if d in models]
        for target in targets:
            if target in tests:
                tests[target]["data"] += 1
                kwargs = metadata.get("kwargs") or {}
                if metadata.get("name") == "unique":
                    grain_tests[target] = True
                    grain_columns[target].add(str(kwargs.get("column_name")))
                if metadata.get("name") == "unique_combination_of_columns":
                    grain_tests[target] = True
                    grain_columns[target].update(kwargs.get("combination_of_columns") or [])
                if metadata.get("name") in MART_TESTS:
                    mart_tests[target][metadata["name"]] = kwargs
    for unit_test in manifest.get("unit_tests", {}).values():
        for target in unit_test.get("depends_on", {}).get("nodes", [])[:1]:
            if target in tests:
                tests[target]["unit"] += 1

    found: list[str] = []
    for unique_id, node in sorted(models.items(), key=lambda item: item[1]["original_file_path"]):
        where = node["original_file_path"]
        if not (node.get("description") or "").strip():
            found.append(f"{where}: model {node['name']} has no description")
        if not tests[unique_id]["data"]:
            found.append(f"{where}: model {node['name']} has no data test")
        if node.get("access") == "public":
            found.extend(_public_mart_problems(node, where, grain_tests[unique_id]))
            found.extend(
                _public_mart_test_problems(
                    node, where, grain_columns[unique_id], mart_tests[unique_id]
                )
            )
        if node.get("config", {}).get("materialized") == "incremental":
            found.extend(_incremental_problems(node, where))
    return found, tests


def _public_mart_problems(node: dict[str, Any], where: str, has_grain_test: bool) -> list[str]:
    found = []
    columns = node.get("columns", {})
    if not columns:
        found.append(f"{where}: public mart {node['name']} documents no columns")
    for name, column in columns.items():
        if not (column.get("description") or "").strip():
            found.append(f"{where}: column {node['name']}.{name} has no description")
        if not column.get("data_type"):
            found.append(f"{where}: column {node['name']}.{name} has no data_type (contract)")
    has_key = any(c.get("type") == "primary_key" for c in node.get("constraints", [])) or any(
        c.get("type") == "primary_key"
        for column in columns.values()
        for c in column.get("constraints", [])
    )
    if not (has_key or has_grain_test):
        found.append(
            f"{where}: public mart {node['name']} declares no grain (a primary_key constraint "
            "or a unique / unique_combination_of_columns test)"
        )
    return found


#: The model-level tests every public mart carries (macros/generic_tests/).
MART_TESTS = ("mart_value_ranges", "mart_month_dates")


def _public_mart_test_problems(
    node: dict[str, Any],
    where: str,
    unique_columns: set[str],
    mart_tests: dict[str, dict[str, Any]],
) -> list[str]:
    """The enforced contract, not-null grain columns and the mart tests of a public mart."""
    found = []
    name = node["name"]
    if not node.get("config", {}).get("contract", {}).get("enforced"):
        found.append(f"{where}: public mart {name} must enforce its model contract")
    columns = node.get("columns", {})
    keys = [
        set(constraint.get("columns") or [])
        for constraint in node.get("constraints", [])
        if constraint.get("type") == "primary_key"
    ]
    keys += [
        {column}
        for column, spec in columns.items()
        for constraint in spec.get("constraints", [])
        if constraint.get("type") == "primary_key"
    ]
    grain = set().union(*keys) if keys else unique_columns
    for column in sorted(grain):
        constraints = columns.get(column, {}).get("constraints", [])
        is_set = any(c.get("type") in ("not_null", "primary_key") for c in constraints)
        if not is_set and not keys:
            found.append(
                f"{where}: grain column {name}.{column} needs a not_null constraint "
                "(a key must be set)"
            )
    for test in MART_TESTS:
        if test not in mart_tests:
            found.append(f"{where}: public mart {name} needs the model-level test {test}")
    series = (mart_tests.get("mart_month_dates") or {}).get("series") in (True, "true", "True")
    if "mart_month_dates" in mart_tests and series != (grain == {"date_month"}):
        want = "true" if grain == {"date_month"} else "false (its grain is not date_month alone)"
        found.append(f"{where}: public mart {name}: mart_month_dates needs series: {want}")
    return found


def _incremental_problems(node: dict[str, Any], where: str) -> list[str]:
    config = node.get("config", {})
    unique_key = config.get("unique_key")
    if not unique_key:
        return [f"{where}: incremental model {node['name']} has no unique_key"]
    keys = [unique_key] if isinstance(unique_key, str) else list(unique_key)
    found = []
    if not config.get("contract", {}).get("enforced"):
        found.append(
            f"{where}: incremental model {node['name']} must enforce its contract so the "
            "not_null constraint on its unique_key is applied"
        )
    columns = node.get("columns", {})
    for key in keys:
        constraints = columns.get(key, {}).get("constraints", [])
        if not any(c.get("type") == "not_null" for c in constraints):
            found.append(
                f"{where}: unique_key column {node['name']}.{key} needs a not_null constraint "
                "(a NULL key would add rows instead of replacing them)"
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", help="dbt manifest.json (default: a fresh dbt parse)")
    parser.add_argument("--verbose", action="store_true", help="list every model's tests")
    args = parser.parse_args(argv)
    try:
        manifest = (
            json.loads(Path(args.manifest).read_text(encoding="utf-8"))
            if args.manifest
            else parse_manifest()
        )
    except (OSError, RuntimeError, json.JSONDecodeError) as error:
        print(f"check_models: {error}", file=sys.stderr)
        return 2
    found, tests = problems(manifest)
    if args.verbose:
        for unique_id, counts in sorted(tests.items()):
            print(f"  {unique_id}: {counts['data']} data tests, {counts['unit']} unit tests")
    for problem in found:
        print(f"model check: {problem}", file=sys.stderr)
    data_tests = sum(counts["data"] for counts in tests.values())
    unit_tests = sum(counts["unit"] for counts in tests.values())
    print(
        f"check_models: {len(tests)} models, {data_tests} data tests, {unit_tests} unit tests, "
        f"{len(found)} problem(s)"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
