"""DuckDB and Spark build the same marts (docs/spark.md).

A generated dataset with bad rows is loaded into a DuckDB warehouse and, with
`rrw load --target spark`'s code, into a Spark metastore of its own; both are built
with dbt (seeds and models), and every public mart and the rejects ledger are
compared row by row, exactly: Spark's tables are exported to Parquet and compared
with DuckDB's in DuckDB (EXCEPT ALL both ways), so decimals, dates and NULLs are
compared as values. Once with the default settings and once with an alternative
combination. A difference names the mart, the key and both rows.

Marked `spark` (and `slow`): skipped when the spark extra or Java is missing; run
them alone with `pytest -m spark`. Spark builds run one at a time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from warehouse import Warehouse, dbt_output

from recurring_revenue import spark_load
from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.generate import generate


def _spark_available() -> bool:
    """Whether Spark can run here; under RRW_REQUIRE_SPARK=1 (make test) it must."""
    try:
        spark_load.require_spark()
    except spark_load.SparkUnavailable:
        if os.environ.get("RRW_REQUIRE_SPARK") == "1":
            raise
        return False
    return True


pytestmark = [
    pytest.mark.slow,
    pytest.mark.spark,
    pytest.mark.skipif(not _spark_available(), reason="the spark extra or Java 17 is missing"),
]

CUSTOMERS = 120
SEED = 12
BUILD = ("build", "--resource-type", "seed", "--resource-type", "model")
#: The ledger every staging model reads; compared beside the public marts.
REJECTS = "stg_billing__rejects"
ALTERNATIVE = {
    "churn_recognition": "request",
    "pause_treatment": "churn",
    "reporting_currency": "EUR",
}
SHOWN = 5
EXPORT = Path(__file__).with_name("spark_export.py")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("spark-equality")
    data = root / "data"
    generate(data, CUSTOMERS, SEED, workers=1)
    duck = Warehouse(root / "duckdb")
    duck.root.mkdir()
    duck.load(data)
    spark_dir = root / "spark"
    loaded = _load_into_spark(data, spark_dir)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr[-5000:]
    return {"root": root, "data": data, "duck": duck, "spark_dir": spark_dir}


def _load_into_spark(data: Path, spark_dir: Path) -> subprocess.CompletedProcess[str]:
    """`rrw load --target spark`, in a process of its own: the JVM that opens the
    Derby metastore keeps it locked until it exits."""
    return subprocess.run(
        [sys.executable, "-m", "recurring_revenue.cli", "load", "--target", "spark", str(data)],
        env={**os.environ, "RRW_SPARK_DIR": str(spark_dir)},
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )


def test_loading_the_same_files_into_spark_again_writes_nothing(builds: dict) -> None:
    again = _load_into_spark(builds["data"], builds["spark_dir"])
    assert again.returncode == 0, again.stdout + again.stderr[-5000:]
    assert again.stdout.startswith("Nothing to do: Spark's raw database"), again.stdout


def _spark_env(builds: dict) -> dict[str, str]:
    root: Path = builds["root"]
    return {
        "RRW_TARGET": "spark",
        "RRW_SPARK_DIR": str(builds["spark_dir"]),
        "DBT_TARGET_PATH": str(root / "spark-target"),
        "DBT_LOG_PATH": str(root / "spark-logs"),
    }


def _build_both(builds: dict, vars_: dict | None) -> dict[str, list[str]]:
    """Build DuckDB, then Spark, with `vars_`; the compared relations and their keys."""
    extra = ["--vars", json.dumps(vars_)] if vars_ else []
    duck: Warehouse = builds["duck"]
    result = duck.dbt(*BUILD, vars_=vars_)
    assert result.returncode == 0, dbt_output(result)[-5000:]
    result = run_dbt([*BUILD, *extra], env=_spark_env(builds), capture=True)
    assert result.returncode == 0, dbt_output(result)[-8000:]
    manifest = json.loads((duck.root / "target" / "manifest.json").read_text())
    return _compared_relations(manifest)


def _compared_relations(manifest: dict) -> dict[str, list[str]]:
    """`schema.table` -> primary key columns, for every public mart and the ledger."""
    relations = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        if node.get("access") != "public" and node["name"] != REJECTS:
            continue
        key = [
            column
            for constraint in node.get("constraints", [])
            if constraint["type"] == "primary_key"
            for column in constraint.get("columns", [])
        ]
        relations[f"{node['schema']}.{node['alias'] or node['name']}"] = key
    return relations


def _export_spark(builds: dict, relations: list[str], folder: Path) -> None:
    """Every relation of the Spark build as a Parquet folder (one per relation)."""
    if folder.exists():
        shutil.rmtree(folder)
    exported = subprocess.run(
        [sys.executable, str(EXPORT), str(builds["spark_dir"]), str(folder), *relations],
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    assert exported.returncode == 0, exported.stderr[-5000:]


def _differences(duck: Warehouse, relation: str, key: list[str], folder: Path) -> str:
    """'' when both engines hold the same rows; else the mart, keys and both rows."""
    spark_rows = f"read_parquet('{(folder / relation).as_posix()}/*.parquet')"
    with duckdb.connect(str(duck.database), read_only=True) as connection:
        columns = [row[0] for row in connection.sql(f"describe {relation}").fetchall()]
        select = ", ".join(f'"{column}"' for column in columns)
        only_duck = connection.sql(
            f"select {select} from {relation} except all select {select} from {spark_rows}"
        ).fetchall()
        only_spark = connection.sql(
            f"select {select} from {spark_rows} except all select {select} from {relation}"
        ).fetchall()
    if not only_duck and not only_spark:
        return ""
    positions = [columns.index(column) for column in key] or list(range(len(columns)))
    spark_by_key = {tuple(row[i] for i in positions): row for row in only_spark}
    lines = [f"{relation}: {len(only_duck)} rows only on DuckDB, {len(only_spark)} only on Spark"]
    for row in only_duck[:SHOWN]:
        row_key = tuple(row[i] for i in positions)
        other = spark_by_key.pop(row_key, None)
        if other is None:
            lines.append(f"  key {row_key}: DuckDB {row}, Spark: no such row")
            continue
        changed = [
            f"{name}: DuckDB {mine!r} / Spark {theirs!r}"
            for name, mine, theirs in zip(columns, row, other, strict=True)
            if mine != theirs
        ]
        lines.append(f"  key {row_key}: " + "; ".join(changed))
    lines.extend(
        f"  key {row_key}: DuckDB: no such row, Spark {row}"
        for row_key, row in list(spark_by_key.items())[:SHOWN]
    )
    return "\n".join(lines)


@pytest.mark.parametrize(
    "vars_", [None, ALTERNATIVE], ids=["default-settings", "churn-at-request-pause-churn-eur"]
)
def test_every_public_mart_and_the_rejects_ledger_are_equal_on_duckdb_and_spark(
    builds: dict, vars_: dict | None
) -> None:
    relations = _build_both(builds, vars_)
    assert len(relations) > 10, relations
    folder = builds["root"] / "spark-export"
    _export_spark(builds, list(relations), folder)
    differences = [
        found
        for relation, key in sorted(relations.items())
        if (found := _differences(builds["duck"], relation, key, folder))
    ]
    assert not differences, "\n".join(differences)
