"""Benchmark: build the warehouse from generated data and print time and peak
memory per phase, against a single hand-written DuckDB query (the floor).

Each phase runs in its own process so its wall time and peak resident memory
(`ru_maxrss` of that process and its children, from `os.wait4`) are its own.
Generated data is cached per (customers, seed) under the work folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from recurring_revenue.dbt_runner import dbt_executable
from recurring_revenue.settings import PROJECT_DIR

STARTUP = "dbt start-up (parse, no model)"
STAGING = "MRR path 1: staging (all raw rows)"
MRR_MODELS = "MRR path 2: intermediate..fct_mrr_monthly"
FLOOR = "floor query (1 SQL)"


@dataclass
class Phase:
    name: str
    seconds: float
    peak_mb: float
    detail: str = ""


def run_phase(
    name: str, argv: list[str], env: dict[str, str], stdin: str | None = None
) -> tuple[Phase, str]:
    """Run one phase as a child process and measure it; raise with its output on failure."""
    with tempfile.TemporaryFile(mode="w+") as log, tempfile.TemporaryFile(mode="w+") as feed:
        if stdin is not None:
            feed.write(stdin)
            feed.seek(0)
        started = time.monotonic()
        process = subprocess.Popen(
            argv,
            cwd=PROJECT_DIR,
            env={**os.environ, **env},
            stdin=feed,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read()
    if process.returncode != 0:
        failure = f"benchmark phase {name!r} failed (exit {process.returncode})"
        raise RuntimeError(f"{failure}:\n{output[-4000:]}")
    return Phase(name, seconds, usage.ru_maxrss / 1024), output


def floor_query() -> str:
    return resources.files("recurring_revenue.bench").joinpath("floor_mrr.sql").read_text()


FLOOR_SCRIPT = """
import sys, time, duckdb
database, sql = sys.argv[1], sys.stdin.read()
connection = duckdb.connect(database)
connection.execute("set TimeZone = 'UTC'")
connection.execute("set enable_progress_bar = false")
connection.execute(f"set memory_limit = '{sys.argv[2]}'")
connection.execute(f"set threads = {sys.argv[3]}")
started = time.monotonic()
connection.execute(sql)
seconds = time.monotonic() - started
rows = connection.sql("select count(*) from floor_customer_mrr where mrr > 0").fetchall()[0][0]
differences = connection.sql('''
    select count(*) from (
        select customer_id, date_month, mrr from floor_customer_mrr where mrr > 0
        except
        select customer_id, date_month, mrr from marts.fct_customer_mrr_monthly where mrr > 0
        union all
        (select customer_id, date_month, mrr from marts.fct_customer_mrr_monthly where mrr > 0
        except
        select customer_id, date_month, mrr from floor_customer_mrr where mrr > 0)
    )
''').fetchall()[0][0]
print(f"query {seconds:.2f} s, {rows} paying customer-months, {differences} differ from the marts")
"""


def run_floor(database: Path, env: dict[str, str]) -> Phase:
    """The floor query's own time (measured inside its process) and peak memory."""
    argv = [sys.executable, "-c", FLOOR_SCRIPT, str(database)]
    argv += [env["RRW_MEMORY_LIMIT"], env["RRW_THREADS"]]
    phase, output = run_phase(FLOOR, argv, env, stdin=floor_query())
    summary = output.strip().splitlines()[-1]
    return Phase(phase.name, float(summary.split()[1]), phase.peak_mb, summary)


def warehouse_facts(database: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:

        def one(sql: str) -> int:
            return int(connection.sql(sql).fetchall()[0][0])

        return {
            "raw rows": sum(
                one(f"select count(*) from raw.{table}")
                for (table,) in connection.sql(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'raw' and table_name not like '\\_%' escape '\\'"
                ).fetchall()
            ),
            "customers with MRR": one(
                "select count(distinct customer_id) from marts.fct_customer_mrr_monthly"
            ),
            "months": one("select count(*) from marts.fct_mrr_monthly"),
            "subscription-months": one(
                "select count(*) from intermediate.int_subscription_mrr_monthly"
            ),
            "customer-months": one("select count(*) from marts.fct_customer_mrr_monthly"),
            "bridge identity failures": one(
                "select count(*) from marts.fct_mrr_monthly where ending_mrr <> starting_mrr "
                "+ new_mrr + expansion_mrr + reactivation_mrr + contraction_mrr + churned_mrr "
                "+ fx_impact_mrr"
            ),
            "chain failures": one(
                "select count(*) from (select starting_mrr, lag(ending_mrr, 1, 0) over (order by "
                "date_month) as previous_ending from marts.fct_mrr_monthly) where starting_mrr <> "
                "previous_ending"
            ),
        }


def benchmark(
    sizes: list[int],
    seed: int,
    workdir: Path,
    memory_limit: str,
    threads: int,
    full_build: bool = True,
    progress=print,
) -> list[tuple[int, list[Phase], dict[str, int]]]:
    results = []
    rrw = [sys.executable, "-m", "recurring_revenue.cli"]
    for customers in sizes:
        data = workdir / f"data-{customers}-seed{seed}"
        database = workdir / f"warehouse-{customers}.duckdb"
        env = {
            "RRW_DUCKDB_PATH": str(database),
            "RRW_MEMORY_LIMIT": memory_limit,
            "RRW_THREADS": str(threads),
            "DBT_TARGET_PATH": str(workdir / "target"),
            "DBT_LOG_PATH": str(workdir / "logs"),
        }
        phases: list[Phase] = []

        def record(phase: Phase, size: int = customers, done: list[Phase] = phases) -> None:
            done.append(phase)
            figures = f"{phase.seconds:.1f} s, peak {phase.peak_mb:,.0f} MB"
            progress(f"[{size:,}]   {phase.name}: {figures} {phase.detail}".rstrip())

        if not (data / "payments.csv").exists():
            progress(f"[{customers:,}] generating (cached in {data})")
            shutil.rmtree(data, ignore_errors=True)
            generate = [*rrw, "generate", "--customers", str(customers), "--seed", str(seed)]
            generate += ["--out", str(data), "--bad-row-share", "0", "--quiet"]
            record(run_phase("generate", generate, env)[0])
        for suffix in ("", ".wal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        dbt = [dbt_executable(), "--no-use-colors"]
        project = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
        progress(f"[{customers:,}] load")
        record(run_phase("load", [*rrw, "load", str(data), "--quiet"], env)[0])
        progress(f"[{customers:,}] dbt seed")
        record(run_phase("dbt seed", [*dbt, "seed", *project], env)[0])
        progress(f"[{customers:,}] dbt start-up: dbt parse")
        record(run_phase(STARTUP, [*dbt, "parse", *project], env)[0])
        progress(f"[{customers:,}] MRR path, part 1: dbt run --select staging")
        record(run_phase(STAGING, [*dbt, "run", "--select", "staging", *project], env)[0])
        progress(f"[{customers:,}] MRR path, part 2: the MRR models after staging")
        mrr_models = [*dbt, "run", "--select", "+fct_mrr_monthly", "--exclude", "staging", *project]
        record(run_phase(MRR_MODELS, mrr_models, env)[0])
        progress(f"[{customers:,}] floor: one hand-written DuckDB query")
        record(run_floor(database, env))
        if full_build:
            progress(f"[{customers:,}] dbt build (every model and test)")
            build = [*dbt, "build", *project]
            record(run_phase("dbt build (all models + tests)", build, env)[0])
        facts = warehouse_facts(database)
        results.append((customers, phases, facts))
        print(report(customers, phases, facts), flush=True)
    return results


def report(customers: int, phases: list[Phase], facts: dict[str, int]) -> str:
    lines = [f"\n== {customers:,} customers ==", f"{'phase':<44}{'wall s':>10}{'peak MB':>10}"]
    for phase in phases:
        figures = f"{phase.seconds:>10.1f}{phase.peak_mb:>10.0f}"
        lines.append(f"{phase.name:<44}{figures}  {phase.detail}")
    by_name = {phase.name: phase for phase in phases}
    if {STARTUP, STAGING, MRR_MODELS, FLOOR} <= set(by_name):
        floor = by_name[FLOOR].seconds
        startup = by_name[STARTUP].seconds
        staging = by_name[STAGING].seconds - startup
        models = by_name[MRR_MODELS].seconds - startup
        path = startup + staging + models
        lines += [
            f"MRR path, one dbt run: {path:.1f} s = start-up {startup:.1f} + staging "
            f"{staging:.1f} + MRR models {models:.1f}",
            f"MRR path / floor: {path / floor:.1f}x (goal <= 3x); without dbt start-up "
            f"{(staging + models) / floor:.1f}x; MRR models alone {models / floor:.1f}x",
        ]
    lines += [f"{name}: {value:,}" for name, value in facts.items()]
    return "\n".join(lines)
