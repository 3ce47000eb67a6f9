"""Run dbt as a subprocess of the project's own environment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from recurring_revenue.settings import PROJECT_DIR, absolute_database, database_path, spark_dir


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
    on_line: Callable[[str], None] | None = None,
    workdir: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `dbt <args>` in the project directory; the profile comes from there too.

    By default dbt writes to the terminal; `capture` returns its output instead, and
    `on_line` receives each line as it comes (and returns the output too).

    `workdir` runs dbt in that folder instead, with a relative `$RRW_DUCKDB_PATH`
    handed over unchanged (taken from `workdir`). dbt's partial-parse state includes
    the warehouse path, so warehouses built this way in folders of the same layout
    can share one parse (the tests do).
    """
    full_env = {**os.environ, **(env or {})}
    # dbt runs in the project folder: give it the warehouse path the caller means,
    # a relative one taken from the caller's working folder (settings.database_path).
    path = full_env.get("RRW_DUCKDB_PATH") or str(database_path())
    if workdir is None or Path(path).is_absolute():
        full_env["RRW_DUCKDB_PATH"] = absolute_database(path)
    # The spark target (docs/spark.md): the loader's metastore folder, Spark on loopback.
    configured = full_env.get("RRW_SPARK_DIR")
    full_env["RRW_SPARK_DIR"] = str(
        Path(configured).expanduser().absolute() if configured else spark_dir()
    )
    full_env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    command = [dbt_executable(), *args, "--project-dir", str(project_dir)]
    if "--profiles-dir" not in args:
        command += ["--profiles-dir", str(project_dir)]
    if on_line is None:
        return subprocess.run(
            command,
            cwd=workdir or project_dir,
            env=full_env,
            text=True,
            capture_output=capture,
            check=False,
        )
    # Streamed: each output line (stdout and stderr interleaved, no colour codes) goes
    # to `on_line` as it comes, and the whole output is returned as stdout.
    full_env.setdefault("DBT_USE_COLORS", "false")
    lines: list[str] = []
    with subprocess.Popen(
        command,
        cwd=workdir or project_dir,
        env=full_env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        for raw in process.stdout:
            line = strip_ansi(raw.rstrip("\n"))
            lines.append(line)
            on_line(line)
        returncode = process.wait()
    return subprocess.CompletedProcess(command, returncode, "\n".join(lines) + "\n", "")


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    """`text` without terminal colour and cursor codes."""
    return _ANSI.sub("", text)
