"""`rrw load --target spark`: the same raw layer, written as Spark tables (docs/spark.md).

The folder goes through the DuckDB loader first (recurring_revenue.load), into a
scratch warehouse file: the same structural checks, the same messages, the same raw
layout (every spec column as the file's text, extra columns kept, the lineage
columns, raw._load_log) and the same batch id. Each raw table is then exported to
Parquet and written into Spark's `raw` database as a Parquet-backed table, the load
log last. A refused load never starts Spark, so the raw data in Spark is unchanged.

Spark runs in this process (local mode by default) with the settings the `spark`
target of profiles.yml reads from the same RRW_SPARK_* variables, so the loader and
dbt share one metastore and warehouse folder ($RRW_SPARK_DIR).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from recurring_revenue.load import LoadError, LoadInterrupted, LoadResult, TableLoad, load_folder
from recurring_revenue.raw_spec import LOAD_LOG_TABLE, RAW_SCHEMA, TABLES
from recurring_revenue.settings import spark_dir

Progress = Callable[[str], None]

_INSTALL = "pip install -e '.[spark]'"
_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


class SparkUnavailable(Exception):
    """Spark cannot start here: Java or the `spark` extra is missing. The message says how."""


def spark_config(folder: Path | None = None) -> dict[str, str]:
    """The Spark settings of the `spark` target in profiles.yml, from the same variables."""
    base = str(folder or spark_dir())
    local_ip = os.environ.get("SPARK_LOCAL_IP", "127.0.0.1")
    return {
        "spark.master": os.environ.get("RRW_SPARK_MASTER", "local[2]"),
        "spark.driver.memory": os.environ.get("RRW_SPARK_DRIVER_MEMORY", "2g"),
        "spark.executor.memory": os.environ.get("RRW_SPARK_EXECUTOR_MEMORY", "1g"),
        "spark.sql.shuffle.partitions": os.environ.get("RRW_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.sql.warehouse.dir": f"{base}/warehouse",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={base}",
        "spark.driver.host": local_ip,
        "spark.driver.bindAddress": local_ip,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.decimalOperations.allowPrecisionLoss": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def java_major_version(output: str) -> int | None:
    """The major version in `java -version` output (`1.8.0` is 8), None when unreadable."""
    found = _JAVA_VERSION.search(output)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def require_spark() -> None:
    """Raise SparkUnavailable, saying what to install, unless pyspark and Java 17+ are here."""
    missing_extra = importlib.util.find_spec("pyspark") is None or (
        importlib.util.find_spec("dbt.adapters.spark") is None
    )
    if missing_extra:
        raise SparkUnavailable(
            "the Spark target needs the `spark` extra (dbt-spark and pyspark), which is not "
            f"installed: run `{_INSTALL}` (or `.venv/bin/{_INSTALL}`); docs/spark.md."
        )
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not Path(java).exists():
        raise SparkUnavailable(
            "the Spark target needs Java 17 or newer, and no `java` was found"
            + (f" in JAVA_HOME={java_home}" if java_home else " on PATH")
            + ": install a JDK 17 (Debian: `apt-get install openjdk-17-jre-headless`) "
            "or set JAVA_HOME; docs/spark.md."
        )
    try:
        probe = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
        version = java_major_version(probe.stderr + probe.stdout)
    except (OSError, subprocess.SubprocessError):
        version = None
    if version is not None and version < 17:
        raise SparkUnavailable(
            f"the Spark target needs Java 17 or newer; {java} is Java {version}: install a "
            "JDK 17 and put it first on PATH or in JAVA_HOME; docs/spark.md."
        )


def targets_spark(dbt_args: list[str]) -> bool:
    """`--target spark` (or `-t spark`) among dbt's arguments, or RRW_TARGET=spark."""
    for flag, value in itertools.pairwise(dbt_args):
        if flag in ("--target", "-t"):
            return value == "spark"
    chosen = [arg.split("=", 1)[1] for arg in dbt_args if arg.startswith("--target=")]
    if chosen:
        return chosen[-1] == "spark"
    return os.environ.get("RRW_TARGET") == "spark"


@contextmanager
def spark_session(folder: Path | None = None) -> Iterator[Any]:
    """A Spark session with the profile's settings (Hive metastore in $RRW_SPARK_DIR)."""
    require_spark()
    from pyspark.sql import SparkSession

    base = folder or spark_dir()
    base.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName("rrw-load").enableHiveSupport()
    for key, value in spark_config(base).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


@dataclass(frozen=True)
class SparkLoadResult:
    """What `load_folder_to_spark` did, in the DuckDB loader's words."""

    load: LoadResult
    target: Path
    skipped: bool
    seconds: float

    def summary(self) -> str:
        load = self.load
        where = f"Spark's raw database ({self.target})"
        if self.skipped:
            return (
                f"Nothing to do: {where} already holds batch {load.batch_id}, loaded from the "
                f"same files ({len(load.tables)} tables, {load.total_rows:,} rows)."
            )
        lines = [
            f"Loaded batch {load.batch_id} from {load.folder} into {where} in "
            f"{self.seconds:.1f} s: {load.total_rows:,} rows."
        ]
        for loaded in load.tables:
            source = loaded.source_file or "(absent: created empty)"
            lines.append(f"  {loaded.table:<20} {loaded.rows:>12,}  {source}")
        extras = [
            f"{loaded.table} ({', '.join(loaded.extra_columns)})"
            for loaded in load.tables
            if loaded.extra_columns
        ]
        if extras:
            lines.append("Extra columns kept: " + "; ".join(extras) + ".")
        lines.extend(f"Notice: {notice}" for notice in load.notices)
        return "\n".join(lines)


def load_folder_to_spark(
    folder: Path, progress: Progress | None = None, *, target: Path | None = None
) -> SparkLoadResult:
    """Load the billing files in `folder` into Spark's `raw` database.

    Raises LoadError (the DuckDB loader's messages) for every structural problem and
    SparkUnavailable when Spark cannot start; in both cases Spark is unchanged.
    """
    started = time.monotonic()
    say: Progress = progress or (lambda _message: None)
    require_spark()
    base = target or spark_dir()
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rrw-spark-load-", dir=base) as scratch_name:
        scratch = Path(scratch_name)
        database = scratch / "scratch.duckdb"
        load = load_folder(Path(folder), database, progress=say)
        exported = _export_parquet(database, scratch / "parquet")
        say(f"starting Spark ({spark_config(base)['spark.master']})")
        with spark_session(base) as spark:
            if _spark_batch(spark) == load.batch_id:
                say(f"Spark's raw database already holds batch {load.batch_id}: nothing to do")
                return SparkLoadResult(load, base, True, time.monotonic() - started)
            spark.sql(f"CREATE DATABASE IF NOT EXISTS {RAW_SCHEMA}")
            # The load log last: a load cut short leaves raw without a current batch.
            spark.sql(f"DROP TABLE IF EXISTS {RAW_SCHEMA}.{LOAD_LOG_TABLE}")
            for name in [table.name for table in TABLES] + [LOAD_LOG_TABLE]:
                table_started = time.monotonic()
                _write_table(spark, name, exported[name])
                say(f"{RAW_SCHEMA}.{name}: written in {time.monotonic() - table_started:.1f} s")
    return SparkLoadResult(load, base, False, time.monotonic() - started)


def _export_parquet(database: Path, folder: Path) -> dict[str, Path]:
    """Every raw table of the scratch warehouse as a Parquet file, by table name."""
    folder.mkdir(parents=True)
    files = {}
    connection = duckdb.connect(str(database), read_only=True)
    try:
        for name in [table.name for table in TABLES] + [LOAD_LOG_TABLE]:
            # Spark skips files whose name starts with `_` (such as `_load_log`).
            path = folder / f"table-{name}.parquet"
            connection.execute(
                f'COPY "{RAW_SCHEMA}"."{name}" TO \'{path.as_posix()}\' (FORMAT parquet)'
            )
            files[name] = path
    finally:
        connection.close()
    return files


def _write_table(spark: Any, name: str, path: Path) -> None:
    """`raw.<name>` replaced by the Parquet file's rows, stored as a Parquet table.

    DuckDB's TIMESTAMP arrives as Spark's TIMESTAMP_NTZ; it is cast to Spark's
    TIMESTAMP (the session time zone is UTC, so the wall-clock time is unchanged).
    """
    from pyspark.sql import functions
    from pyspark.sql.types import TimestampNTZType

    frame = spark.read.parquet(str(path))
    frame = frame.select(
        [
            functions.col(f"`{column.name}`").cast("timestamp").alias(column.name)
            if isinstance(column.dataType, TimestampNTZType)
            else functions.col(f"`{column.name}`")
            for column in frame.schema.fields
        ]
    )
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"{RAW_SCHEMA}.{name}")


def _spark_batch(spark: Any) -> str | None:
    """The batch Spark's raw database holds, or None when it holds no complete one."""
    names = [table.name for table in TABLES] + [LOAD_LOG_TABLE]
    if not all(spark.catalog.tableExists(f"{RAW_SCHEMA}.{name}") for name in names):
        return None
    rows = spark.sql(
        f"SELECT load_batch_id FROM {RAW_SCHEMA}.{LOAD_LOG_TABLE} ORDER BY loaded_at DESC LIMIT 1"
    ).collect()
    return str(rows[0][0]) if rows else None


__all__ = [
    "LoadError",
    "SparkLoadResult",
    "SparkUnavailable",
    "TableLoad",
    "load_folder_to_spark",
    "load_into_spark",
    "require_spark",
    "spark_config",
    "spark_dir",
    "spark_session",
    "targets_spark",
]


def load_into_spark(folder: Path, progress: Progress | None) -> int:
    """`rrw load --target spark FOLDER`: the load, its summary or refusal, the exit code."""
    import sys

    try:
        result = load_folder_to_spark(folder, progress)
    except (LoadError, SparkUnavailable) as error:
        print(f"rrw load: {error}", file=sys.stderr)
        return 2
    except LoadInterrupted:
        print(
            "\nrrw load: interrupted (Ctrl-C) while the files were read: nothing changed in "
            "Spark. Run the same `rrw load --target spark` again.",
            file=sys.stderr,
        )
        return 130
    except KeyboardInterrupt:
        print(
            "\nrrw load: interrupted (Ctrl-C); Spark's raw database may be partly replaced "
            "and holds no current batch: run the same `rrw load --target spark` again.",
            file=sys.stderr,
        )
        return 130
    print(result.summary())
    return 0
