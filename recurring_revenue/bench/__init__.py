"""Benchmark: build the warehouse from generated data and print time and peak
memory per phase, against a single hand-written DuckDB query (the floor).

Each phase runs in its own process so its wall time and peak resident memory
(`ru_maxrss` of that process and its children, from `os.wait4`: the largest
resident set any process of the phase reached) are its own. Generated data is
cached per (customers, seed) under the work folder.

The phases are the table `PHASES`, run in its order: adding a phase is one
`PhaseSpec` line. A phase without a command yet (`argv=None`) is printed as
pending with its note, so the table always has the same rows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from recurring_revenue.dbt_runner import dbt_executable
from recurring_revenue.settings import PROJECT_DIR

LOAD = "full load"
DELTA_LOAD = "delta load (one day)"
SEED = "dbt seed"
STARTUP = "dbt start-up (parse, no model)"
STAGING = "MRR path 1: staging (all raw rows)"
MRR_MODELS = "MRR path 2: intermediate..fct_mrr_monthly"
FLOOR = "floor query (1 SQL)"
FULL_BUILD = "full dbt build (every model and test)"
INCREMENTAL_MODELS = "incremental dbt build: models"
INCREMENTAL_BUILD = "incremental dbt build: models and tests"

#: How many of the slowest nodes of the full build the report lists.
TOP_NODES = 10


@dataclass
class Phase:
    name: str
    seconds: float | None
    peak_mb: float | None
    detail: str = ""

    @property
    def pending(self) -> bool:
        return self.seconds is None


@dataclass
class Run:
    """What a phase's command needs: the tools, the data and the warehouse of one size."""

    customers: int
    data: Path
    database: Path
    workdir: Path
    rrw: list[str]
    dbt: list[str]
    project: list[str]
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PhaseSpec:
    """One row of the benchmark: its name, its command (None: not built yet),
    whether `--mrr-only` skips it, and an untimed step to run before it."""

    name: str
    argv: Callable[[Run], list[str]] | None
    full_build_only: bool = False
    note: str = ""
    before: Callable[[Run], None] | None = None


#: The day the benchmark data is generated as of; the delta is the day after it
#: (`rrw generate --as-of`), the generator's default export day.
AS_OF = "2026-09-29"


def delta_folder(run: Run) -> Path:
    """The next day's delta of the benchmark data (new and changed rows)."""
    return run.data.with_name(run.data.name + "-delta")


def _after_delta_copy(run: Run) -> Path:
    return run.database.with_name(run.database.stem + "-after-delta.duckdb")


def _keep_warehouse_after_delta(run: Run) -> None:
    """Before the incremental models: keep the warehouse as the delta load left it."""
    shutil.copyfile(run.database, _after_delta_copy(run))


def _restore_warehouse_after_delta(run: Run) -> None:
    """Before the incremental build with tests: the same starting point as the models
    alone (the warehouse right after the delta load), so both see the same new rows."""
    shutil.copyfile(_after_delta_copy(run), run.database)


PHASES: list[PhaseSpec] = [
    PhaseSpec(LOAD, lambda run: [*run.rrw, "load", str(run.data), "--quiet"]),
    PhaseSpec(SEED, lambda run: [*run.dbt, "seed", *run.project]),
    PhaseSpec(STARTUP, lambda run: [*run.dbt, "parse", *run.project]),
    PhaseSpec(STAGING, lambda run: [*run.dbt, "run", "--select", "staging", *run.project]),
    PhaseSpec(
        MRR_MODELS,
        lambda run: [
            *run.dbt,
            "run",
            "--select",
            "+fct_mrr_monthly",
            "--exclude",
            "staging",
            *run.project,
        ],
    ),
    PhaseSpec(FLOOR, None, note="measured inside its own process (run_floor)"),
    PhaseSpec(FULL_BUILD, lambda run: [*run.dbt, "build", *run.project], full_build_only=True),
    PhaseSpec(
        DELTA_LOAD,
        lambda run: [*run.rrw, "load", "--append", str(delta_folder(run)), "--quiet"],
        full_build_only=True,
    ),
    PhaseSpec(
        INCREMENTAL_MODELS,
        lambda run: [*run.dbt, "run", *run.project],
        full_build_only=True,
        before=_keep_warehouse_after_delta,
    ),
    PhaseSpec(
        INCREMENTAL_BUILD,
        lambda run: [*run.dbt, "build", *run.project],
        full_build_only=True,
        before=_restore_warehouse_after_delta,
    ),
]


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


def slowest_nodes(run_results: Path, top: int = TOP_NODES) -> list[tuple[str, float]]:
    """The `top` slowest nodes (models, tests, seeds) of a dbt run, from its run_results.json."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text())["results"]
    timings = [(result["unique_id"], float(result["execution_time"])) for result in results]
    return sorted(timings, key=lambda timing: (-timing[1], timing[0]))[:top]


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


@dataclass
class SizeResult:
    customers: int
    phases: list[Phase]
    facts: dict[str, int]
    slowest: list[tuple[str, float]]

    def as_json(self) -> dict:
        return {
            "customers": self.customers,
            "phases": [phase.__dict__ for phase in self.phases],
            "mrr_path": mrr_path(self.phases),
            "facts": self.facts,
            "slowest_nodes": self.slowest,
        }


def benchmark(
    sizes: list[int],
    seed: int,
    workdir: Path,
    memory_limit: str,
    threads: int,
    full_build: bool = True,
    progress=print,
    phases: list[PhaseSpec] | None = None,
) -> list[SizeResult]:
    """Run every phase of `phases` (default `PHASES`) for each size; print and return the figures.

    The figures are also written to `workdir/bench-<customers>.json`."""
    results = []
    rrw = [sys.executable, "-m", "recurring_revenue.cli"]
    dbt = [dbt_executable(), "--no-use-colors"]
    project = ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
    for customers in sizes:
        data = workdir / f"data-{customers}-seed{seed}"
        database = workdir / f"warehouse-{customers}.duckdb"
        target = workdir / "target"
        env = {
            "RRW_DUCKDB_PATH": str(database),
            "RRW_MEMORY_LIMIT": memory_limit,
            "RRW_THREADS": str(threads),
            "DBT_TARGET_PATH": str(target),
            "DBT_LOG_PATH": str(workdir / "logs"),
        }
        run = Run(customers, data, database, workdir, rrw, dbt, project, env)
        done: list[Phase] = []

        def record(phase: Phase, size: int = customers, done: list[Phase] = done) -> None:
            done.append(phase)
            if phase.pending:
                progress(f"[{size:,}]   {phase.name}: {phase.detail}")
                return
            figures = f"{phase.seconds:.1f} s, peak {phase.peak_mb:,.0f} MB"
            progress(f"[{size:,}]   {phase.name}: {figures} {phase.detail}".rstrip())

        if not (data / "payments.csv").exists() or not delta_folder(run).exists():
            progress(f"[{customers:,}] generating (cached in {data})")
            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(delta_folder(run), ignore_errors=True)
            generate = [*rrw, "generate", "--customers", str(customers), "--seed", str(seed)]
            generate += ["--out", str(data), "--bad-row-share", "0", "--quiet"]
            generate += ["--as-of", AS_OF, "--delta-out", str(delta_folder(run))]
            run_phase("generate", generate, env)
        for suffix in ("", ".wal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        slowest: list[tuple[str, float]] = []
        for spec in phases if phases is not None else PHASES:
            if spec.full_build_only and not full_build:
                continue
            progress(f"[{customers:,}] {spec.name}")
            if spec.before is not None and spec.argv is not None:
                spec.before(run)
            if spec.name == FLOOR:
                record(run_floor(database, env))
            elif spec.argv is None:
                record(Phase(spec.name, None, None, spec.note or "pending"))
            else:
                record(run_phase(spec.name, spec.argv(run), env)[0])
                if spec.name == FULL_BUILD:
                    slowest = slowest_nodes(target / "run_results.json")
        result = SizeResult(customers, done, warehouse_facts(database), slowest)
        (workdir / f"bench-{customers}.json").write_text(json.dumps(result.as_json(), indent=2))
        results.append(result)
        print(report(result), flush=True)
    return results


def mrr_path(phases: list[Phase]) -> dict[str, float] | None:
    """The MRR path as one dbt run would take it, and its ratios to the floor query."""
    seconds = {phase.name: phase.seconds for phase in phases if phase.seconds is not None}
    if not {STARTUP, STAGING, MRR_MODELS, FLOOR} <= set(seconds):
        return None
    floor = seconds[FLOOR]
    startup = seconds[STARTUP]
    staging = seconds[STAGING] - startup
    models = seconds[MRR_MODELS] - startup
    path = startup + staging + models
    return {
        "seconds": path,
        "startup": startup,
        "staging": staging,
        "models": models,
        "floor": floor,
        "ratio": path / floor,
        "ratio_without_startup": (staging + models) / floor,
        "ratio_models": models / floor,
    }


def report(result: SizeResult) -> str:
    lines = [
        f"\n== {result.customers:,} customers ==",
        f"{'phase':<44}{'wall s':>10}{'peak MB':>10}",
    ]
    for phase in result.phases:
        if phase.pending:
            lines.append(f"{phase.name:<44}{'-':>10}{'-':>10}  {phase.detail}")
            continue
        figures = f"{phase.seconds:>10.1f}{phase.peak_mb:>10.0f}"
        lines.append(f"{phase.name:<44}{figures}  {phase.detail}".rstrip())
    path = mrr_path(result.phases)
    if path is not None:
        lines += [
            f"MRR path, one dbt run: {path['seconds']:.1f} s = start-up {path['startup']:.1f} "
            f"+ staging {path['staging']:.1f} + MRR models {path['models']:.1f}",
            f"MRR path / floor ({path['floor']:.1f} s): {path['ratio']:.1f}x (goal <= 4x); "
            f"without dbt start-up {path['ratio_without_startup']:.1f}x; "
            f"MRR models alone {path['ratio_models']:.1f}x",
        ]
    if result.slowest:
        lines.append(f"slowest {len(result.slowest)} nodes of the full build:")
        lines += [f"  {seconds:>8.1f} s  {node}" for node, seconds in result.slowest]
    lines += [f"{name}: {value:,}" for name, value in result.facts.items()]
    return "\n".join(lines)
