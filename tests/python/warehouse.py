"""Build throwaway warehouses for integration tests: load a folder, run dbt."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.load import load_folder


@dataclass
class Warehouse:
    """A DuckDB warehouse file with its own dbt target and log folders."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "warehouse.duckdb"

    def env(self) -> dict[str, str]:
        return {
            "RRW_DUCKDB_PATH": str(self.database),
            "DBT_TARGET_PATH": str(self.root / "target"),
            "DBT_LOG_PATH": str(self.root / "logs"),
        }

    def load(self, folder: Path) -> None:
        load_folder(folder, self.database)

    def dbt(self, *args: str, vars_: dict | None = None) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if vars_:
            command += ["--vars", json.dumps(vars_)]
        return run_dbt(command, env=self.env(), capture=True)

    def copy(self, root: Path) -> Warehouse:
        root.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.database, root / "warehouse.duckdb")
        return Warehouse(root)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.sql(sql).fetchall()


def dbt_output(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stdout or "") + (result.stderr or "")
