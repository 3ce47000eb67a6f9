"""One owner per check (recurring_revenue.quality.ownership): dbt's tests own the row
and identity rules, great-expectations the rest; no rule is checked in both places.

The dbt tests name their check in `config: meta: {check: ...}` and the mart
suites' expectations in `meta`; a name not in the registry, a check made by the
tool that does not own it, or a dbt-owned check without a dbt test fails here. The
slow test breaks each identity in a hand-made warehouse and runs dbt's tests on it.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.quality.catalog import WarehouseCatalog, public_marts
from recurring_revenue.quality.model import CheckSettings
from recurring_revenue.quality.ownership import BY_NAME, CHECKS, DBT, GX, gx_meta, owned_by
from recurring_revenue.quality.suites.marts import mart_suites
from recurring_revenue.tools.check_models import parse_manifest


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return parse_manifest()


def _dbt_checks(manifest: dict[str, Any]) -> dict[str, list[str]]:
    """check name -> the dbt tests that name it."""
    checks: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "test":
            continue
        check = (node.get("config", {}).get("meta") or {}).get("check")
        if check is not None:
            checks.setdefault(check, []).append(node["name"])
    return checks


def _gx_checks(manifest: dict[str, Any]) -> Counter[str]:
    """check name -> how many mart-suite expectations make it, on a warehouse holding every
    public mart with its contract's columns."""
    marts = public_marts(manifest)
    catalog = WarehouseCatalog(database=Path("unused.duckdb"))
    for mart in marts:
        catalog.columns[(mart.schema, mart.alias)] = [
            (column, (data_type or "varchar").upper()) for column, data_type in mart.columns
        ]
    suites = mart_suites(catalog, CheckSettings(database=Path("unused.duckdb")), marts)
    found: Counter[str] = Counter()
    for suite in suites:
        assert suite.problem is None, suite.problem
        for expectation in suite.expectations:
            meta = expectation.meta or {}
            assert "check" in meta, f"{suite.name}: {expectation.description} names no check"
            found[meta["check"]] += 1
    return found


def test_the_registry_names_each_check_once() -> None:
    names = [check.name for check in CHECKS]
    assert len(names) == len(set(names))
    assert {check.owner for check in CHECKS} == {DBT, GX}
    with pytest.raises(ValueError, match="mrr_bridge"):
        gx_meta("mrr_bridge")
    with pytest.raises(ValueError, match="not_registered"):
        gx_meta("not_registered")


def test_every_dbt_owned_check_has_a_dbt_test_and_only_those(manifest: dict[str, Any]) -> None:
    dbt_checks = _dbt_checks(manifest)
    unknown = sorted(set(dbt_checks) - set(BY_NAME))
    assert not unknown, f"dbt tests name checks missing from quality/ownership.py: {unknown}"
    not_dbts = sorted(name for name in dbt_checks if BY_NAME[name].owner != DBT)
    assert not not_dbts, f"dbt tests make checks great-expectations owns: {not_dbts}"
    by_feature = {check.name for check in CHECKS if check.made_by}
    untested = sorted(owned_by(DBT) - set(dbt_checks) - by_feature)
    assert not untested, f"dbt-owned checks without a dbt test: {untested}"
    assert by_feature <= owned_by(DBT), "only dbt checks are made by a model feature"


def test_no_identity_is_checked_by_both_tools(manifest: dict[str, Any]) -> None:
    gx_checks = _gx_checks(manifest)
    both = sorted(set(gx_checks) & set(_dbt_checks(manifest)))
    assert not both, f"checked both by dbt and by great-expectations: {both}"
    assert not set(gx_checks) & owned_by(DBT)
    # The marts' row rules are dbt's now; great-expectations makes none of them.
    for name in ("mart_key", "mart_contract_columns", "mart_value_ranges", "mart_month_dates"):
        assert BY_NAME[name].owner == DBT and gx_checks[name] == 0, name
    # What great-expectations keeps on the marts (the raw audit lives in its raw suites).
    for name in ("mrr_month_over_month_drift", "personal_data_scan", "column_type_scan"):
        assert gx_checks[name] > 0, name


def _create(connection: duckdb.DuckDBPyConnection, mart: Any, rows: list[dict[str, Any]]) -> None:
    columns = ", ".join(f'"{column}" {data_type}' for column, data_type in mart.columns)
    connection.execute(f"CREATE TABLE {mart.schema}.{mart.alias} ({columns})")
    for row in rows:
        names = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" for _ in row)
        connection.execute(
            f"INSERT INTO {mart.schema}.{mart.alias} ({names}) VALUES ({marks})", list(row.values())
        )


@pytest.mark.slow
def test_each_dbt_identity_test_fails_on_bad_data(manifest: dict[str, Any], tmp_path: Path) -> None:
    """A hand-made warehouse that breaks every dbt-owned identity and row rule: each of
    their tests fails, on the same bad data great-expectations was shown failing on
    before these checks moved to dbt (a mid-month date, a gap in a monthly series,
    a value out of its range by column name, a duplicated key)."""
    database = tmp_path / "broken.duckdb"
    marts = {mart.name: mart for mart in public_marts(manifest)}
    zero = Decimal(0)
    movements = {
        name: zero
        for name in (
            "new_mrr",
            "expansion_mrr",
            "contraction_mrr",
            "churned_mrr",
            "reactivation_mrr",
            "fx_impact_mrr",
        )
    }
    with duckdb.connect(str(database)) as connection:
        for node in manifest["sources"].values():
            if node["source_name"] == "billing":
                connection.execute(f"CREATE SCHEMA IF NOT EXISTS {node['schema']}")
                connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {node['schema']}.{node['identifier']} (x int)"
                )
        connection.execute("CREATE SCHEMA marts")
        month = {"voluntary_churned_mrr": zero, "involuntary_churned_mrr": zero}
        _create(
            connection,
            marts["fct_mrr_monthly"],
            [
                {**movements, **month, "date_month": "2024-01-01", "starting_mrr": zero}
                | {"new_mrr": Decimal(100), "ending_mrr": Decimal(100), "arr": Decimal(1200)},
                # Starts at 90, not 100 (chain); 90 + 10 - 5 is not 110 (bridge); ARR is not
                # 12 x 110; churn -5 is not voluntary 0 + involuntary 0.
                # ... and March follows January (series), voluntary churn is positive
                # (value ranges).
                {**movements, **month, "date_month": "2024-03-01", "starting_mrr": Decimal(90)}
                | {"new_mrr": Decimal(10), "churned_mrr": Decimal(-5)}
                | {"ending_mrr": Decimal(110), "arr": Decimal(1000)}
                | {"voluntary_churned_mrr": Decimal(3)},
                # January twice (key).
                {**movements, **month, "date_month": "2024-01-01", "starting_mrr": zero}
                | {"new_mrr": Decimal(100), "ending_mrr": Decimal(100), "arr": Decimal(1200)},
            ],
        )
        _create(
            connection,
            marts["fct_customer_mrr_monthly"],
            [
                # MRR 0 -> 100 with new 50 (movements), movement 90 (change), not paying,
                # a movement type that does not exist, a mid-month date (month dates)
                # and a positive contraction (value ranges).
                {**movements, "customer_id": "c1", "date_month": "2024-01-15"}
                | {"mrr": Decimal(100), "previous_mrr": zero, "new_mrr": Decimal(50)}
                | {"contraction_mrr": Decimal(7)}
                | {"mrr_movement": Decimal(90), "is_paying": False, "movement_type": "grew"},
            ],
        )
    broken = {marts[name].unique_id for name in ("fct_mrr_monthly", "fct_customer_mrr_monthly")}
    checked = {name for names in _dbt_checks(manifest).values() for name in names}
    tests = sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node.get("resource_type") == "test"
        and set(node.get("depends_on", {}).get("nodes", [])) <= broken
        and (node["name"] in checked or node["name"] == "unique_fct_mrr_monthly_date_month")
    )
    # Every check dbt makes with a test is broken here, and the key (mart_key).
    made = {
        (node.get("config", {}).get("meta") or {}).get("check")
        for node in manifest["nodes"].values()
        if node.get("name") in tests
    }
    assert made >= owned_by(DBT) - {check.name for check in CHECKS if check.made_by}, made
    target = tmp_path / "target"
    completed = run_dbt(
        ["test", "--select", *tests],
        env={
            "RRW_DUCKDB_PATH": str(database),
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
        },
        capture=True,
    )
    output = (completed.stdout or "") + (completed.stderr or "")
    assert completed.returncode != 0, output[-3000:]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    status = {result["unique_id"].split(".")[2]: result["status"] for result in results["results"]}
    assert {name: status.get(name) for name in tests} == {name: "fail" for name in tests}, output[
        -3000:
    ]


#: (column, data type as an engine reports it, (min, max) or None): the bounds
#: `mart_value_ranges` applies (macros/quality/mart_value_rules.sql).
VALUE_RULE_CASES: list[tuple[str, str, tuple[float | None, float | None] | None]] = [
    ("logo_churn_rate", "DECIMAL(18,6)", (0, 1)),
    ("gross_mrr_churn_rate", "decimal(18,6)", (0, 1)),
    ("net_mrr_churn_rate", "DECIMAL(18,6)", (None, 1)),
    ("net_arr_renewal_rate", "DECIMAL(18,6)", (0, None)),
    ("nrr_month", "DECIMAL(18,6)", (0, None)),
    ("grr_month", "DECIMAL(18,6)", (0, 1)),
    ("revenue_retention", "DECIMAL(18,6)", (0, None)),
    ("logo_retention", "DECIMAL(18,6)", (0, 1)),
    ("indexation_rate", "DECIMAL(18,6)", (-1, None)),
    ("ltv_to_cac", "DECIMAL(18,2)", (0, None)),
    ("ending_mrr", "DECIMAL(18,2)", (0, None)),
    ("churned_mrr", "DECIMAL(18,2)", (None, 0)),
    ("voluntary_churned_mrr", "DECIMAL(18,2)", (None, 0)),
    ("fx_impact_mrr", "DECIMAL(18,2)", None),
    ("transfer_out_mrr", "DECIMAL(18,2)", (None, 0)),
    ("transfer_in_mrr", "DECIMAL(18,2)", (0, None)),
    ("price_change_arr", "DECIMAL(18,2)", None),
    ("days_until_notice_deadline", "INTEGER", None),
    ("new_customers", "INTEGER", (0, None)),
    ("new_customers", "int", (0, None)),
    ("months_since", "bigint", (0, None)),
    ("discount_percent", "DECIMAL(9,4)", (0, 100)),
    ("label", "VARCHAR", None),
    ("label", "string", None),
]


@pytest.mark.slow
def test_the_value_rules_by_column_name(tmp_path: Path) -> None:
    """The rule `mart_value_ranges` picks for a column, evaluated by dbt itself."""
    calls = ", ".join(
        f"mart_value_rule('{column}', '{data_type}')" for column, data_type, _ in VALUE_RULE_CASES
    )
    completed = run_dbt(
        [
            "show",
            "--inline",
            f"select '{{{{ tojson([{calls}]) }}}}' as rules",
            "--output",
            "json",
            "--log-format",
            "json",
        ],
        env={
            "RRW_TARGET": "lint",
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
        },
        capture=True,
    )
    assert completed.returncode == 0, (completed.stdout or "")[-3000:]
    preview = next(
        json.loads(line)["data"]["preview"]
        for line in (completed.stdout or "").splitlines()
        if line.startswith("{") and '"preview"' in line
    )
    rules = json.loads(json.loads(preview)[0]["rules"])
    got = [None if rule is None else (rule.get("min"), rule.get("max")) for rule in rules]
    assert got == [bounds for _, _, bounds in VALUE_RULE_CASES]
