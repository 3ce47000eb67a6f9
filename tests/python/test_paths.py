"""A relative warehouse path means the same file to `rrw`, `--database` and dbt."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from recurring_revenue import dbt_runner, settings


def test_a_relative_rrw_duckdb_path_is_taken_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RRW_DUCKDB_PATH", "mine/warehouse.duckdb")
    assert settings.database_path() == tmp_path / "mine" / "warehouse.duckdb"
    # --database takes the same relative path from the same folder.
    assert Path("mine/warehouse.duckdb").resolve() == settings.database_path()


def test_without_the_variable_the_warehouse_is_in_the_project_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RRW_DUCKDB_PATH", raising=False)
    assert settings.database_path() == settings.PROJECT_DIR / settings.DEFAULT_DATABASE


@pytest.mark.parametrize("uri", [":memory:", "md:my_db"])
def test_in_memory_and_uri_databases_are_left_alone(uri: str) -> None:
    assert settings.absolute_database(uri) == uri


def test_dbt_gets_the_absolute_path_although_it_runs_in_the_project_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        seen.update(kwargs)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setenv("RRW_DUCKDB_PATH", "relative.duckdb")
    dbt_runner.run_dbt(["parse"])
    assert seen["cwd"] == settings.PROJECT_DIR
    assert seen["env"]["RRW_DUCKDB_PATH"] == str(tmp_path / "relative.duckdb")  # type: ignore[index]

    dbt_runner.run_dbt(["parse"], env={"RRW_DUCKDB_PATH": "other.duckdb"})
    assert seen["env"]["RRW_DUCKDB_PATH"] == str(tmp_path / "other.duckdb")  # type: ignore[index]


def test_dbt_in_a_workdir_keeps_a_relative_path_so_warehouses_share_a_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `workdir`, dbt runs there and a relative path stays relative: the profile
    (part of dbt's partial-parse state) is the same for every folder of that layout."""
    seen: dict[str, object] = {}

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        seen.update(kwargs)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    env = {"RRW_DUCKDB_PATH": "warehouse.duckdb"}
    dbt_runner.run_dbt(["parse"], env=env, workdir=tmp_path)
    assert seen["cwd"] == tmp_path
    assert seen["env"]["RRW_DUCKDB_PATH"] == "warehouse.duckdb"  # type: ignore[index]

    absolute = str(tmp_path / "elsewhere.duckdb")
    dbt_runner.run_dbt(["parse"], env={"RRW_DUCKDB_PATH": absolute}, workdir=tmp_path)
    assert seen["env"]["RRW_DUCKDB_PATH"] == absolute  # type: ignore[index]


def test_dbt_gets_the_spark_folder_the_caller_means(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        seen.update(kwargs)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.delenv("RRW_SPARK_DIR", raising=False)
    dbt_runner.run_dbt(["parse"])
    assert seen["env"]["RRW_SPARK_DIR"] == str(settings.PROJECT_DIR / "build" / "spark")  # type: ignore[index]
    assert seen["env"]["SPARK_LOCAL_IP"] == "127.0.0.1"  # type: ignore[index]

    monkeypatch.setenv("RRW_SPARK_DIR", "mine")
    dbt_runner.run_dbt(["parse"])
    assert seen["env"]["RRW_SPARK_DIR"] == str(tmp_path / "mine")  # type: ignore[index]

    # A folder passed in `env` wins over the caller's environment.
    dbt_runner.run_dbt(["parse"], env={"RRW_SPARK_DIR": "other"})
    assert seen["env"]["RRW_SPARK_DIR"] == str(tmp_path / "other")  # type: ignore[index]
