"""Run dbt as a subprocess of the project's own environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from recurring_revenue.settings import PROJECT_DIR, absolute_database, database_path


def dbt_executable() -> str:
    """The `dbt` next to this interpreter (the project's virtual environment)."""
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if found is None:
        raise FileNotFoundError("dbt is not installed: run `make setup` first")
    return found


def run_dbt(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    project_dir: Path = PROJECT_DIR,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `dbt <args>` in the project directory; the profile comes from there too."""
    full_env = {**os.environ, **(env or {})}
    # dbt runs in the project folder: give it the warehouse path the caller means,
    # a relative one taken from the caller's working folder (settings.database_path).
    path = full_env.get("RRW_DUCKDB_PATH") or str(database_path())
    full_env["RRW_DUCKDB_PATH"] = absolute_database(path)
    command = [dbt_executable(), *args, "--project-dir", str(project_dir)]
    if "--profiles-dir" not in args:
        command += ["--profiles-dir", str(project_dir)]
    return subprocess.run(
        command,
        cwd=project_dir,
        env=full_env,
        text=True,
        capture_output=capture,
        check=False,
    )
