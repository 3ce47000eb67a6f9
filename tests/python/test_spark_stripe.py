"""The Stripe build passes on Spark and builds the same marts as on DuckDB
(docs/spark.md, docs/stripe.md).

The worked Stripe cases of test_stripe_source.py are written, with Fivetran's column
types (BIGINT amounts, TIMESTAMP, BOOLEAN, string), into Spark tables of the schema
`stripe` (via Parquet, in a process of its own: spark_import.py), the reference
files (FX rates, marketing spend, header-only billing files) are loaded with
`rrw load --target spark`, and `rrw build --target spark` with billing_source:
stripe runs every model, seed, data and unit test. The same cases are built on
DuckDB, and every public mart, the rejects ledger and the Stripe exclusions report
are compared row by row (as test_spark_equality.py does), beside the worked-case
numbers read from Spark's own tables.

Marked `spark` (and `slow`): skipped when the spark extra or Java is missing; run
with `pytest -m spark`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from stripe_tables import StripeTables, write_reference_folder
from test_spark_equality import (
    REJECTS,
    _compared_relations,
    _differences,
    _export_spark,
    _spark_available,
)
from test_stripe_source import VARS, build, fx_rates, worked_cases
from warehouse import Warehouse, dbt_output

pytestmark = [
    pytest.mark.slow,
    pytest.mark.spark,
    pytest.mark.skipif(not _spark_available(), reason="the spark extra or Java 17 is missing"),
]

SCHEMA = "stripe"
IMPORT = Path(__file__).with_name("spark_import.py")
#: The Stripe layer's report of the landed rows left out on purpose, compared too.
EXCLUSIONS = "staging.rpt_stripe__exclusions"
_DONE = re.compile(
    r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)(?: NO-OP=\d+)? TOTAL=(\d+)"
)


def _rrw(*args: str, spark_dir: Path, root: Path) -> subprocess.CompletedProcess[str]:
    """`rrw ARGS` in a process of its own (the Derby metastore lock), on `spark_dir`."""
    return subprocess.run(
        [sys.executable, "-m", "recurring_revenue.cli", *args],
        env={
            **os.environ,
            "RRW_SPARK_DIR": str(spark_dir),
            "DBT_TARGET_PATH": str(root / "spark-target"),
            "DBT_LOG_PATH": str(root / "spark-logs"),
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )


def cases() -> StripeTables:
    """The worked cases plus a charge with no invoice at all, so that the rejects
    ledger compared is not empty (rejected as `missing_value` on `invoice_id`)."""
    data = worked_cases()
    data.add(
        "charge",
        id="ch_orphan",
        amount=500,
        currency="usd",
        status="succeeded",
        created=datetime(2024, 2, 3, 12, 0),
        livemode=True,
    )
    return data


def write_stripe_tables_to_spark(root: Path, spark_dir: Path) -> None:
    """The cases as Spark tables `stripe.<table>`: written to DuckDB with Fivetran's
    types, copied to one Parquet file per table, then created in Spark."""
    landed = root / "landed.duckdb"
    cases().write(landed, SCHEMA)
    parquet = root / "landed-parquet"
    parquet.mkdir()
    with duckdb.connect(str(landed), read_only=True) as connection:
        tables = connection.sql(
            "select table_name from information_schema.tables where table_schema = ?",
            params=[SCHEMA],
        ).fetchall()
        for (table,) in tables:
            target = (parquet / f"{table}.parquet").as_posix()
            connection.execute(f"copy {SCHEMA}.{table} to '{target}' (format parquet)")
    created = subprocess.run(
        [sys.executable, str(IMPORT), str(spark_dir), SCHEMA, str(parquet)],
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    assert created.returncode == 0, created.stderr[-5000:]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("spark-stripe")
    spark_dir = root / "spark"
    write_stripe_tables_to_spark(root, spark_dir)
    reference = write_reference_folder(root / "reference", fx_rates())
    loaded = _rrw(
        "load", "--target", "spark", "--quiet", str(reference), spark_dir=spark_dir, root=root
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr[-5000:]
    started = time.monotonic()
    spark = _rrw(
        "build", "--target", "spark", "--vars", json.dumps(VARS), spark_dir=spark_dir, root=root
    )
    seconds = time.monotonic() - started
    print(f"rrw build --target spark (Stripe worked cases): {seconds:.0f} s")
    duck = build(root / "duckdb", cases())
    return {"root": root, "spark_dir": spark_dir, "spark": spark, "duck": duck, "seconds": seconds}


def _counts(output: str) -> tuple[int, ...]:
    found = _DONE.findall(output)
    assert found, output[-3000:]
    return tuple(int(value) for value in found[-1])


def test_the_stripe_build_passes_on_spark_with_every_model_and_test(builds: dict) -> None:
    """`rrw build --target spark` with billing_source: stripe exits 0, says it reads
    the history table `stripe.subscription_history`, and runs as many models and
    tests, with the same results, as the DuckDB build of the same cases."""
    spark = builds["spark"]
    output = dbt_output(spark)
    assert spark.returncode == 0, output[-8000:]
    # Spark has no database above the schema: the message names `stripe`, not `.stripe`.
    assert "stripe: subscription events from stripe.subscription_history" in output
    _, _, errors, skipped, _ = _counts(output)
    assert errors == 0 and skipped == 0, output[-3000:]
    duck_output = builds["duck"].output
    assert _counts(output) == _counts(duck_output), (output[-2000:], duck_output[-2000:])


@pytest.fixture(scope="module")
def exported(builds: dict) -> dict:
    assert builds["spark"].returncode == 0, dbt_output(builds["spark"])[-8000:]
    duck: Warehouse = builds["duck"]
    manifest = json.loads((duck.root / "target" / "manifest.json").read_text())
    relations = _compared_relations(manifest)
    relations[EXCLUSIONS] = ["table_name", "reason"]
    folder = builds["root"] / "spark-export"
    _export_spark(builds, list(relations), folder)
    return {"relations": relations, "folder": folder}


def test_every_public_mart_the_rejects_ledger_and_the_exclusions_are_equal(
    builds: dict, exported: dict
) -> None:
    """Row for row, exactly (EXCEPT ALL both ways): fct_mrr_monthly,
    fct_customer_mrr_monthly and every other public mart, stg_billing__rejects and
    rpt_stripe__exclusions of the Spark Stripe build equal DuckDB's."""
    relations: dict[str, list[str]] = exported["relations"]
    for needed in ("marts.fct_mrr_monthly", "marts.fct_customer_mrr_monthly", f"staging.{REJECTS}"):
        assert needed in relations, sorted(relations)
    differences = [
        found
        for relation, key in sorted(relations.items())
        if (found := _differences(builds["duck"], relation, key, exported["folder"]))
    ]
    assert not differences, "\n".join(differences)


def _spark_rows(exported: dict, relation: str, sql: str) -> list[tuple]:
    """`sql` on Spark's exported `relation`, read as the table `spark`."""
    files = (exported["folder"] / relation).as_posix()
    with duckdb.connect() as connection:
        connection.execute(f"create view spark as select * from read_parquet('{files}/*.parquet')")
        return connection.sql(sql).fetchall()


def _spark_mrr(exported: dict, customer: str) -> dict[str, Decimal]:
    """Month -> MRR of `cus_<customer>` in Spark's fct_customer_mrr_monthly."""
    return dict(
        _spark_rows(
            exported,
            "marts.fct_customer_mrr_monthly",
            "select strftime(date_month, '%Y-%m'), mrr from spark "
            f"where customer_id = 'cus_{customer}'",
        )
    )


def test_worked_case_numbers_on_spark(exported: dict) -> None:
    """Spark's own marts carry the worked numbers: an annual price of 120000 cents is
    MRR 100.00 every month; JPY 1200 a month is 7.80 USD in January (0.0065) and
    8.40 from February (0.0070); the charge without an invoice is the ledger's one
    reject; the Stripe rows left out are counted."""
    annual = _spark_mrr(exported, "01")
    assert len(annual) == 6 and set(annual.values()) == {Decimal("100.00")}, annual
    yen = _spark_mrr(exported, "02")
    assert yen["2024-01"] == Decimal("7.80") and yen["2024-02"] == Decimal("8.40"), yen
    rejects = _spark_rows(
        exported,
        f"staging.{REJECTS}",
        "select table_name, column_name, reject_reason from spark",
    )
    assert rejects == [("payments", "invoice_id", "missing_value")], rejects
    excluded = _spark_rows(
        exported, EXCLUSIONS, "select table_name, reason, excluded_rows from spark order by 1, 2"
    )
    assert excluded == [
        ("customer", "test_mode", 1),
        ("invoice", "deleted_draft", 1),
        ("invoice_line_item", "temporary_line_id", 1),
    ]
