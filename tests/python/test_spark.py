"""The Spark target (docs/spark.md): install checks, settings, and the raw load into Spark.

The tests that start Spark are marked `spark` and skipped when the `spark` extra or
Java is missing; the others run everywhere.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
import yaml

from recurring_revenue import cli, spark_load
from recurring_revenue.settings import PROJECT_DIR


def _spark_available() -> bool:
    """Whether Spark can run here; under RRW_REQUIRE_SPARK=1 (make test) it must."""
    try:
        spark_load.require_spark()
    except spark_load.SparkUnavailable:
        if os.environ.get("RRW_REQUIRE_SPARK") == "1":
            raise
        return False
    return True


needs_spark = pytest.mark.skipif(
    not _spark_available(), reason="the spark extra or Java 17 is not installed"
)


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_392"', 8),
        ('openjdk version "21" 2023-09-19', 21),
        ("no version here", None),
    ],
)
def test_java_major_version_reads_old_and_new_version_strings(output: str, major: int) -> None:
    assert spark_load.java_major_version(output) == major


def test_a_missing_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *rest: None if name == "pyspark" else real(name, *rest),
    )
    with pytest.raises(spark_load.SparkUnavailable, match=r"pip install -e '\.\[spark\]'"):
        spark_load.require_spark()


def test_a_missing_java_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: object())
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    with pytest.raises(spark_load.SparkUnavailable, match="needs Java 17 or newer, and no `java`"):
        spark_load.require_spark()


def test_rrw_load_without_spark_is_a_usage_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def unavailable() -> None:
        raise spark_load.SparkUnavailable("the Spark target needs the `spark` extra")

    monkeypatch.setattr(spark_load, "require_spark", unavailable)
    assert cli.main(["load", "--target", "spark", str(tmp_path)]) == cli.EXIT_USAGE
    assert "rrw load: the Spark target needs the `spark` extra" in capsys.readouterr().err


def test_the_loader_starts_spark_with_the_profiles_settings_and_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """profiles.yml and spark_load.spark_config read the same variables, same defaults."""
    for name in (
        "RRW_SPARK_MASTER",
        "RRW_SPARK_DRIVER_MEMORY",
        "RRW_SPARK_EXECUTOR_MEMORY",
        "RRW_SPARK_SHUFFLE_PARTITIONS",
        "SPARK_LOCAL_IP",
    ):
        monkeypatch.delenv(name, raising=False)
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    target = profile["recurring_revenue"]["outputs"]["spark"]
    assert target["method"] == "session"
    rendered = {
        key: _render_env_defaults(str(value)).replace("build/spark", str(tmp_path))
        for key, value in target["server_side_parameters"].items()
    }
    assert rendered == spark_load.spark_config(tmp_path)
    assert rendered["spark.master"] == "local[2]"
    assert rendered["spark.sql.shuffle.partitions"] == "4"
    assert rendered["spark.driver.host"] == "127.0.0.1"


def _render_env_defaults(text: str) -> str:
    """`{{ env_var('X', 'default') }}` -> default (the variables are unset)."""
    import re

    return re.sub(r"\{\{ env_var\('[A-Z_]+', '([^']*)'\) \}\}", r"\1", text)


def test_spark_files_are_ignored_by_git() -> None:
    ignored = (PROJECT_DIR / ".gitignore").read_text().splitlines()
    assert {"metastore_db/", "spark-warehouse/", "derby.log", "build/"} <= set(ignored)


def test_a_structural_problem_is_refused_with_the_loaders_message_before_spark_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from recurring_revenue.generate import generate

    generate(tmp_path / "data", 5, 1, workers=1)
    (tmp_path / "data" / "customers.csv").unlink()
    monkeypatch.setenv("RRW_SPARK_DIR", str(tmp_path / "spark"))
    monkeypatch.setattr(spark_load, "require_spark", lambda: None)
    started = []
    monkeypatch.setattr(spark_load, "spark_session", lambda *a: started.append(a))
    assert cli.main(["load", "--target", "spark", "--quiet", str(tmp_path / "data")]) == 2
    message = capsys.readouterr().err
    assert "customers" in message
    assert "Nothing was loaded" in message
    assert started == []


@pytest.mark.parametrize(
    ("dbt_args", "environment", "expected"),
    [
        (["--target", "spark"], None, True),
        (["-t", "spark", "--select", "x"], None, True),
        (["--target=spark"], None, True),
        (["--select", "x"], "spark", True),
        (["--target", "dev"], "spark", False),
        (["--select", "spark"], None, False),
        ([], None, False),
    ],
)
def test_rrw_build_knows_when_dbt_is_pointed_at_spark(
    monkeypatch: pytest.MonkeyPatch, dbt_args: list[str], environment: str | None, expected: bool
) -> None:
    if environment:
        monkeypatch.setenv("RRW_TARGET", environment)
    else:
        monkeypatch.delenv("RRW_TARGET", raising=False)
    assert spark_load.targets_spark(dbt_args) is expected


def test_rrw_build_on_spark_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unavailable() -> None:
        raise spark_load.SparkUnavailable("the Spark target needs the `spark` extra")

    monkeypatch.setattr(spark_load, "require_spark", unavailable)
    assert cli.main(["build", "--target", "spark"]) == cli.EXIT_USAGE
    assert "rrw build: the Spark target needs the `spark` extra" in capsys.readouterr().err


def test_the_equality_check_names_the_mart_the_key_and_both_values(tmp_path: Path) -> None:
    """The comparison the Spark equality test relies on, without Spark: a Parquet
    export that differs in one decimal and lacks one row is reported exactly."""
    import duckdb
    from test_spark_equality import _differences
    from warehouse import Warehouse

    duck = Warehouse(tmp_path)
    export = tmp_path / "export" / "marts.fct_x"
    export.mkdir(parents=True)
    with duckdb.connect(str(duck.database)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.fct_x as select * from (values "
            "('a', 1.00::decimal(18, 2), date '2024-01-01'), "
            "('b', 2.00::decimal(18, 2), null::date)) as t(k, mrr, d)"
        )
        connection.execute(
            "copy (select k, case when k = 'a' then 1.01 else mrr end::decimal(18, 2) as mrr, "
            f"d from marts.fct_x where k = 'a') to '{export / 'part.parquet'}' (format parquet)"
        )
        connection.execute("create table marts.fct_same as select * from marts.fct_x")
        same = tmp_path / "export" / "marts.fct_same"
        same.mkdir()
        connection.execute(f"copy marts.fct_x to '{same / 'part.parquet'}' (format parquet)")
    assert _differences(duck, "marts.fct_same", ["k"], tmp_path / "export") == ""
    message = _differences(duck, "marts.fct_x", ["k"], tmp_path / "export")
    assert message.startswith("marts.fct_x: 2 rows only on DuckDB, 1 only on Spark")
    assert "key ('a',): mrr: DuckDB Decimal('1.00') / Spark Decimal('1.01')" in message
    assert "key ('b',): DuckDB ('b', Decimal('2.00'), None), Spark: no such row" in message
