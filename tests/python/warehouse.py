"""Build throwaway warehouses for integration tests: load a folder, run dbt."""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
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
        return run_dbt_shared_parse(command, self.root, self.database)

    def copy(self, root: Path) -> Warehouse:
        root.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.database, root / "warehouse.duckdb")
        return Warehouse(root)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.sql(sql).fetchall()


def dbt_output(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stdout or "") + (result.stderr or "")


# dbt parses the whole project before every command (8 s or more here), unless the
# target folder holds a partial-parse file whose state matches: same files, same
# --vars and the same profile, which includes the warehouse path. Run from the
# warehouse's folder with a relative path, every test warehouse has the same
# profile, so one parse per --vars (and --target) serves them all. dbt checks the
# state itself and parses again whenever anything differs.
_PARSES = Path(tempfile.mkdtemp(prefix="rrw-dbt-parses-"))
atexit.register(shutil.rmtree, _PARSES, ignore_errors=True)


def run_dbt_shared_parse(
    args: list[str], root: Path, database: Path
) -> subprocess.CompletedProcess[str]:
    """`dbt <args>` on `database` with target and logs under `root`, sharing parses."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / "target"
    mine = target / "partial_parse.msgpack"
    key = hashlib.sha256(
        json.dumps(
            [_option(args, "--vars"), _option(args, "--target"), os.environ.get("RRW_TARGET")]
        ).encode()
    ).hexdigest()[:16]
    shared = _PARSES / f"{key}.msgpack"
    if shared.exists() and not mine.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared, mine)
    env = {
        "RRW_DUCKDB_PATH": os.path.relpath(database, root),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(root / "logs"),
    }
    result = run_dbt(args, env=env, capture=True, workdir=root)
    if mine.exists():
        shutil.copyfile(mine, shared)
    return result


def _option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args[:-1] else None
