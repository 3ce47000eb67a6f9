"""The project builds on a real Spark standalone cluster, and its marts equal DuckDB's.

A master and one worker are started from the pyspark package on 127.0.0.1 (so the
executors run in a process of their own, not in dbt's), the `spark` target is
pointed at the master with RRW_SPARK_MASTER, and the marts are compared with
DuckDB's as in test_spark_equality.py. Both processes are stopped afterwards, also
when the test fails; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_spark_equality import (
    BUILD,
    CUSTOMERS,
    EXPORT,
    SEED,
    _compared_relations,
    _differences,
    pytestmark,  # noqa: F401  (slow, spark, skipped without the extra)
)
from warehouse import Warehouse, dbt_output

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.generate import generate

pyspark = pytest.importorskip("pyspark")

START_TIMEOUT = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"Spark exited early:\n{log.read_text()[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(1)
    raise AssertionError(f"Spark did not listen on {port}:\n{log.read_text()[-3000:]}")


def _start(root: Path, name: str, *args: str) -> tuple[subprocess.Popen, Path]:
    spark_class = Path(pyspark.__file__).parent / "bin" / "spark-class"
    log = root / f"{name}.log"
    process = subprocess.Popen(
        [str(spark_class), *args],
        env={
            **os.environ,
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_HOME": str(spark_class.parent.parent),
        },
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    port, worker_port = _free_port(), _free_port()
    started: list[subprocess.Popen] = []
    try:
        master, log = _start(
            tmp_path,
            "master",
            *("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"),
            *("--port", str(port), "--webui-port", str(_free_port())),
        )
        started.append(master)
        _wait_for_port(port, master, log)
        url = f"spark://127.0.0.1:{port}"
        worker, log = _start(
            tmp_path,
            "worker",
            *("org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1"),
            *("--port", str(worker_port), "--webui-port", str(_free_port())),
            *("--cores", "2", "--memory", "1500m", "--work-dir", str(tmp_path / "work")),
        )
        started.append(worker)
        _wait_for_port(worker_port, worker, log)
        yield url
    finally:
        for process in reversed(started):
            _stop(process)


def test_a_standalone_cluster_builds_the_same_marts_as_duckdb(cluster: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    generate(data, CUSTOMERS, SEED, workers=1)
    duck = Warehouse(tmp_path / "duckdb")
    duck.root.mkdir()
    duck.load(data)
    result = duck.dbt(*BUILD)
    assert result.returncode == 0, dbt_output(result)[-5000:]

    spark_dir = tmp_path / "spark"
    env = {
        "RRW_SPARK_DIR": str(spark_dir),
        "RRW_SPARK_MASTER": cluster,
        "RRW_SPARK_EXECUTOR_MEMORY": "1g",
    }
    loaded = subprocess.run(
        [sys.executable, "-m", "recurring_revenue.cli", "load", "--target", "spark", str(data)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr[-5000:]
    result = run_dbt(
        [*BUILD, "--target", "spark"],
        env={
            **env,
            "DBT_TARGET_PATH": str(tmp_path / "spark-target"),
            "DBT_LOG_PATH": str(tmp_path / "spark-logs"),
        },
        capture=True,
    )
    assert result.returncode == 0, dbt_output(result)[-8000:]

    relations = _compared_relations(
        json.loads((duck.root / "target" / "manifest.json").read_text())
    )
    folder = tmp_path / "export"
    exported = subprocess.run(
        [sys.executable, str(EXPORT), str(spark_dir), str(folder), *relations],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=1200,
    )
    assert exported.returncode == 0, exported.stderr[-5000:]
    differences = [
        found
        for relation, key in sorted(relations.items())
        if (found := _differences(duck, relation, key, folder))
    ]
    assert not differences, "\n".join(differences)
    # The work ran on the cluster: the worker started executors for the applications.
    assert any((tmp_path / "work").iterdir())
