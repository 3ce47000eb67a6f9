"""Write-audit-publish: the main job never builds into the file BI tools read.

    published  warehouse/recurring_revenue.duckdb            what BI reads (read-only)
    build      warehouse/.building/recurring_revenue.duckdb  where a new build is made

1. Write: a new build file (DuckDB storage readable by 1.x clients), or a copy of
   the published one; the billing files are loaded into it.
2. Audit: the raw suites, `dbt source freshness` (stale data warns), `dbt build`,
   then the staging and mart suites, all against the build file.
3. Publish, only if every gate passed: the publish log is written into the build
   file, it is checkpointed (no WAL is left), the marts are exported to Parquet in a
   fresh folder, and both replace the published ones by rename (`os.replace` of the
   file, a symlink swap for the folder), so a reader opening either sees the whole
   old or the whole new warehouse.

A refused build leaves the published warehouse and Parquet folder untouched, keeps
the build file for inspection, and says which gate failed and why. Every attempt
is appended to the JSON-lines publish log beside the warehouse.

The build file keeps the published file's name in its own folder because dbt-duckdb
names the database (catalog) after the file's stem and views refer to it: a file
renamed to another stem would carry views that point at a catalog that no longer
exists.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import duckdb

from recurring_revenue.dbt_runner import run_dbt, strip_ansi
from recurring_revenue.readers import read_only as _read_only
from recurring_revenue.settings import PROJECT_DIR, storage_version

if TYPE_CHECKING:
    from recurring_revenue.quality.model import CheckReport, CheckSettings

Progress = Callable[[str], None]


AUDIT_SCHEMA = "audit"
PUBLISH_LOG_TABLE = "publish_log"
#: Parquet exports kept: the current one and the one before (a reader may still be in it).
PARQUET_VERSIONS_KEPT = 2


@dataclass(frozen=True)
class PublishPaths:
    """Where one published warehouse, its build file and its side files live."""

    published: Path

    @property
    def folder(self) -> Path:
        return self.published.parent

    @property
    def stem(self) -> str:
        return self.published.stem

    @property
    def building(self) -> Path:
        return self.folder / ".building" / self.published.name

    @property
    def lock(self) -> Path:
        return self.folder / f".{self.published.name}.lock"

    @property
    def parquet(self) -> Path:
        """A symlink to the current Parquet export: `<folder>/<stem>_parquet/<mart>.parquet`."""
        return self.folder / f"{self.stem}_parquet"

    @property
    def parquet_versions(self) -> Path:
        return self.folder / f".{self.stem}_parquet_versions"

    @property
    def publish_log(self) -> Path:
        return self.folder / f"{self.stem}_publish_log.jsonl"

    @property
    def report(self) -> Path:
        return self.folder / f"{self.stem}_quality_report.html"

    @property
    def logs(self) -> Path:
        """One log file per run of the main job: every message and dbt's whole output."""
        return self.folder / f"{self.stem}_logs"


class Refused(Exception):
    """A gate failed: the build is not published."""

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


#: Run logs kept beside the warehouse (`<stem>_logs/`), the newest first.
RUN_LOGS_KEPT = 20

#: dbt commands with fewer nodes than this finish without progress lines.
MIN_NODES_FOR_PROGRESS = 40
_DBT_PROGRESS = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b")


class RunLog:
    """Where one run's messages go: a line per phase to the terminal, all to a file.

    Quiet by default: the terminal gets one line per phase, dbt's progress at each
    quarter of its nodes, and the summary; the log file gets every message and dbt's
    whole output. `verbose` sends everything to the terminal too.
    """

    def __init__(self, path: Path | None, progress: Progress | None, verbose: bool) -> None:
        self.path = path
        self.progress = progress or (lambda _message: None)
        self.verbose = verbose
        self._file: TextIO | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
            _prune_run_logs(path.parent)

    def _write(self, message: str, stamp: bool = True) -> None:
        if self._file is not None:
            prefix = datetime.now(UTC).strftime("%H:%M:%S  ") if stamp else ""
            for line in message.splitlines() or [""]:
                self._file.write(f"{prefix}{line}\n")
            self._file.flush()

    def phase(self, message: str) -> None:
        """A step the user follows: terminal and file."""
        self._write(message)
        self.progress(message)

    def detail(self, message: str) -> None:
        """A line of a step: the file, and the terminal with --verbose."""
        self._write(message)
        if self.verbose:
            self.progress(message)

    def dbt_lines(self, command: str) -> Callable[[str], None]:
        """A `run_dbt(on_line=...)` sink: every line to the file, progress to the terminal."""
        shown = [0]

        def on_line(line: str) -> None:
            self._write(line, stamp=False)  # dbt stamps its own lines
            if self.verbose:
                self.progress(line)
                return
            found = _DBT_PROGRESS.search(line)
            if not found or "hook:" in line:
                return
            done, total = int(found.group(1)), int(found.group(2))
            if total < MIN_NODES_FOR_PROGRESS:
                return
            quarter = 4 * done // total
            if quarter > shown[0]:
                shown[0] = quarter
                self.progress(f"  {command}: {done:,} of {total:,} nodes done")

        return on_line

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _prune_run_logs(folder: Path) -> None:
    logs = sorted(folder.glob("*.log"), reverse=True)
    for old in logs[RUN_LOGS_KEPT:]:
        old.unlink(missing_ok=True)


@dataclass
class PublishRecord:
    """One attempt of the main job, as the publish log records it (`as_log_entry`).

    The fields after `storage_version` are filled in by the gates as they run; one a
    gate never reached stays None and is left out of the log entry.
    """

    attempted_at: str
    #: This run's log file (every message, dbt's whole output).
    log: str
    database: str
    data: str | None
    git_revision: str | None
    storage_version: str
    previous_published_at: str | None = None
    #: "snapshot" (the folder replaces raw) or "delta" (`--append`: a new batch).
    load_kind: str | None = None
    load_batch_id: str | None = None
    #: Raw tables the load shrank: [{"table", "before", "after"}].
    shrinks: list[dict[str, Any]] | None = None
    #: The quality report written so far.
    report: str | None = None
    #: Sources by freshness status (dbt's sources.json).
    freshness: dict[str, list[str]] | None = None
    #: Counts per status and the failed nodes of `dbt build` (run_results.json).
    dbt_results: dict[str, Any] | None = None
    expectations_passed: int | None = None
    expectations_total: int | None = None
    published_at: str | None = None
    mart_rows: dict[str, int] | None = None
    #: True once the published file has been replaced by the build.
    database_replaced: bool | None = None
    parquet: str | None = None
    seconds_by_stage: dict[str, float] | None = None
    #: The outcome, set when the run ends.
    status: str | None = None
    stage: str | None = None
    reason: str | None = None
    seconds: float | None = None
    notices: list[str] | None = None

    def as_log_entry(self) -> dict[str, Any]:
        """The publish log's JSON object: every field set, `data` and `git_revision` always."""
        always = {"attempted_at", "log", "database", "data", "git_revision", "storage_version"}
        return {
            name: value
            for name, value in asdict(self).items()
            if value is not None or name in always
        }


@dataclass
class PublishResult:
    """What one run of the main job did."""

    paths: PublishPaths
    published: bool
    #: The gate that refused the build ("published" when none did).
    stage: str
    reason: str
    seconds: float
    record: PublishRecord
    notices: list[str] = field(default_factory=list)
    #: Stopped by Ctrl-C (the message still says whether it published).
    interrupted: bool = False

    @property
    def entry(self) -> dict[str, Any]:
        """The run's publish log entry."""
        return self.record.as_log_entry()

    def message(self) -> str:
        paths = self.paths
        record = self.record
        if self.published:
            rows = record.mart_rows or {}
            checks = record.expectations_passed or 0
            return (
                f"Published {paths.published} in {self.seconds:.0f} s: batch "
                f"{record.load_batch_id}, {len(rows)} marts, {checks:,} quality "
                f"expectations passed.\n"
                f"  Parquet:        {paths.parquet}/<mart>.parquet\n"
                f"  Quality report: {paths.report}\n"
                f"  Publish log:    {paths.publish_log} (and table "
                f"{AUDIT_SCHEMA}.{PUBLISH_LOG_TABLE})\n"
                f"  Run log:        {record.log}\n"
                "Query it read-only, with a short-lived connection (a build can publish "
                "beside you):\n"
                f"  {_python()} -c \"import duckdb; c = duckdb.connect('{paths.published}', "
                "read_only=True); print(c.sql('select * from marts.fct_mrr_monthly order by "
                "date_month desc limit 12')); c.close()\""
            )
        kept = (
            f"\nThe unpublished build is kept for inspection at {paths.building}."
            if paths.building.exists()
            else ""
        )
        report = f"\nQuality report: {paths.report}" if record.report else ""
        if record.log:
            report += f"\nRun log (every message, dbt's whole output): {record.log}"
        current = (
            f"The published warehouse {paths.published} is unchanged"
            + (
                f" (last published {record.previous_published_at})"
                if record.previous_published_at
                else ""
            )
            if paths.published.exists()
            else f"Nothing was published: {paths.published} does not exist yet"
        )
        what = (
            f"interrupted (Ctrl-C) during {self.stage}"
            if self.interrupted
            else f"{self.stage} failed: {self.reason}"
        )
        return f"NOT PUBLISHED - {what}\n{current}.{kept}{report}"


def main_job(
    published: Path,
    data: Path | None,
    *,
    from_published: bool = False,
    dbt_command: Sequence[str] = ("build",),
    dbt_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    check_options: Mapping[str, Any] | None = None,
    allow_shrink: bool = False,
    append: bool = False,
    progress: Progress | None = None,
    verbose: bool = False,
) -> PublishResult:
    """Load `data` (or reuse the published raw data), build, audit, publish atomically.

    `dbt_command` is `build` in the main job; tests exclude dbt's own tests where they
    do not matter. `env` adds variables for dbt (e.g. a private DBT_TARGET_PATH). A load
    that shrinks a raw table of the published warehouse by more than $RRW_MAX_SHRINK, or
    empties one, is refused unless `allow_shrink` (`rrw publish --allow-shrink`).
    With `append` (`rrw publish --append FOLDER`), `data` is a delta folder added as a new
    batch to a copy of the published warehouse's raw data.
    """
    started = time.monotonic()
    paths = PublishPaths(Path(published).resolve())
    paths.folder.mkdir(parents=True, exist_ok=True)
    attempted_at = _now()
    log_path = paths.logs / f"{attempted_at.replace(':', '').replace('.', '-')}-publish.log"
    log = RunLog(log_path, progress, verbose)
    record = PublishRecord(
        attempted_at=attempted_at,
        log=str(log_path),
        database=str(paths.published),
        data=None if data is None else str(Path(data).resolve()),
        git_revision=git_revision(),
        storage_version=storage_version(),
    )
    result = PublishResult(paths, False, "lock", "", 0.0, record)
    run = GateRun(
        paths=paths,
        data=data,
        from_published=from_published,
        dbt_command=tuple(dbt_command),
        dbt_args=tuple(dbt_args),
        env=dict(env or {}),
        check_options=dict(check_options or {}),
        allow_shrink=allow_shrink,
        append=append,
        log=log,
        result=result,
    )
    try:
        with _exclusive(paths):
            _run_gates(run, GATES)
        result.published = True
        result.stage = "published"
        result.reason = ""
    except Refused as refused:
        result.stage = refused.stage
        result.reason = refused.reason
    except KeyboardInterrupt:
        # Ctrl-C: the replacement is one rename, so the published file is either the
        # old or the new one; say which, log the attempt, exit as interrupted.
        result.interrupted = True
        if record.database_replaced:
            result.published = True
            result.notices.append("interrupted after the warehouse was replaced")
            result.stage, result.reason = "published", ""
        else:
            result.reason = "interrupted (Ctrl-C)"
    except Exception as error:
        # Not a gate's verdict but a fault (disk full, a DuckDB error): say so, log it,
        # and tell whether the warehouse had already been replaced when it happened.
        if record.database_replaced:
            result.published = True
            result.notices.append(f"the Parquet export was not swapped in: {error!r}")
            result.stage, result.reason = "published", ""
        else:
            result.reason = f"unexpected error: {error!r}"
    result.seconds = time.monotonic() - started
    record.status = "published" if result.published else "refused"
    record.stage = result.stage
    record.reason = result.reason
    record.seconds = round(result.seconds, 1)
    record.notices = result.notices
    _append_jsonl(paths.publish_log, record.as_log_entry())
    log.detail(result.message())
    log.close()
    return result


@dataclass
class GateRun:
    """What the gates of one run share: its inputs, its log and record, and what earlier
    gates found (the published log rows, the quality report so far)."""

    paths: PublishPaths
    data: Path | None
    from_published: bool
    dbt_command: tuple[str, ...]
    dbt_args: tuple[str, ...]
    #: Variables added for dbt (e.g. a private DBT_TARGET_PATH).
    env: dict[str, str]
    check_options: dict[str, Any]
    allow_shrink: bool
    #: `rrw publish --append`: `data` is a delta folder, added as a new batch to a
    #: copy of the published raw data.
    append: bool
    log: RunLog
    result: PublishResult
    #: audit.publish_log rows of the published file.
    previous: list[dict[str, Any]] = field(default_factory=list)
    #: The quality report of the suites run so far.
    report: CheckReport | None = None

    @property
    def record(self) -> PublishRecord:
        return self.result.record

    @property
    def target(self) -> Path:
        """dbt's target folder for this run."""
        from recurring_revenue.quality.model import dbt_target_path

        return dbt_target_path(self.env.get("DBT_TARGET_PATH"))

    @property
    def dbt_env(self) -> dict[str, str]:
        return {**self.env, "RRW_DUCKDB_PATH": str(self.paths.building)}

    def check_settings(self, layers: tuple[str, ...]) -> CheckSettings:
        from recurring_revenue.quality.model import CheckSettings

        return CheckSettings.from_environment(
            self.paths.building,
            layers=layers,
            manifest_path=self.target / "manifest.json",
            **self.check_options,
        )


@dataclass(frozen=True)
class Gate:
    """One step of the main job: a refusal inside `run` names `stage`, and the publish
    log times it under that name. A gate whose `applies` is false is skipped."""

    #: The stage name; "{dbt}" stands for the dbt command (`dbt build`).
    stage: str
    run: Callable[[GateRun], None]
    applies: Callable[[GateRun], bool] = lambda _run: True

    def name(self, run: GateRun) -> str:
        return self.stage.replace("{dbt}", run.dbt_command[0])


def _run_gates(run: GateRun, gates: Sequence[Gate]) -> None:
    """Run each gate in turn, timing each stage; a refusal stops at its gate."""
    result = run.result
    timings: dict[str, float] = {}
    run.record.seconds_by_stage = timings
    clock = [time.monotonic()]

    def begin(stage: str) -> None:
        """Enter a gate: the refusal names it, the log times it."""
        now = time.monotonic()
        timings[result.stage] = round(timings.get(result.stage, 0.0) + now - clock[0], 1)
        clock[0] = now
        result.stage = stage

    try:
        run.previous = _previous_publish(run.paths.published)
        if run.previous:
            run.record.previous_published_at = run.previous[-1]["published_at"]
        for gate in gates:
            if gate.applies(run):
                begin(gate.name(run))
                gate.run(run)
    finally:
        begin(result.stage)


def _gate_prepare(run: GateRun) -> None:
    """Write: a new build file, or a copy of the published one."""
    copy = run.data is None or run.from_published or run.append
    run.record.load_kind = "delta" if run.append else "snapshot"
    _prepare_build_file(run.paths, copy, run.log.phase)


def _gate_load(run: GateRun) -> None:
    """Load the billing files; a new build file is compared with what is published."""
    assert run.data is not None
    copy = run.from_published or run.append
    baseline = None if copy else run.paths.published
    _load(Path(run.data), run.paths.building, baseline, run)


def _gate_audit_raw(run: GateRun) -> None:
    """Audit the raw layer before spending a dbt build on it."""
    from recurring_revenue.quality.report import write_html
    from recurring_revenue.quality.runner import run_checks

    run.record.load_batch_id = _batch_id(run.paths.building)
    run.log.phase("audit: raw layer (great-expectations)")
    report = run_checks(run.check_settings(("raw",)), progress=run.log.detail)
    run.report = report
    run.record.report = str(write_html(report, run.paths.report))
    if not report.success:
        raise Refused("audit raw", _failures(report.failures()))


def _gate_source_freshness(run: GateRun) -> None:
    """`dbt source freshness`: stale sources warn, never refuse."""
    say = run.log.phase
    say("dbt source freshness")
    freshness = run_dbt(
        ["source", "freshness"],
        env=run.dbt_env,
        on_line=run.log.dbt_lines("dbt source freshness"),
    )
    run.record.freshness = _freshness(run.target / "sources.json")
    if freshness.returncode != 0:
        why = _dbt_failure(freshness, run.target, "dbt source freshness")
        raise Refused("source freshness", why)
    stale = run.record.freshness.get("warn", []) + run.record.freshness.get("error", [])
    if stale:
        run.result.notices.append(f"stale sources (freshness warns): {', '.join(stale)}")
        say(f"warning: stale sources: {', '.join(stale)}")


def _gate_dbt(run: GateRun) -> None:
    """`dbt build` (or the command asked for) into the build file."""
    stage = run.result.stage
    run.log.phase(f"dbt {' '.join(run.dbt_command)} into {run.paths.building}")
    built = run_dbt(
        [*run.dbt_command, *run.dbt_args],
        env=run.dbt_env,
        on_line=run.log.dbt_lines(f"dbt {run.dbt_command[0]}"),
    )
    run.record.dbt_results = _run_results(run.target / "run_results.json")
    if built.returncode != 0:
        raise Refused(stage, _dbt_failure(built, run.target, stage, run.paths.building))


def _gate_audit(run: GateRun) -> None:
    """Audit staging and marts; the report adds them to the raw audit's."""
    from recurring_revenue.quality.report import read_dbt_results, write_html
    from recurring_revenue.quality.runner import run_checks

    run.log.phase("audit: staging and marts (great-expectations)")
    marts_report = run_checks(run.check_settings(("staging", "marts")), progress=run.log.detail)
    report = marts_report if run.report is None else run.report.merged(marts_report)
    run.report = report
    # dbt's tests of this build (the row and identity rules) are listed beside GX's.
    write_html(report, run.paths.report, read_dbt_results(run.target / "run_results.json"))
    run.record.expectations_passed = report.expectations_passed
    run.record.expectations_total = report.expectations_total
    if not report.success:
        raise Refused("audit", _failures(report.failures()))


def _gate_publish(run: GateRun) -> None:
    run.log.phase(f"publishing {run.paths.published}")
    _publish(run.paths, run.record, run.previous, run.target / "manifest.json", run.result)


#: The main job's gates, in order: write, audit, publish.
GATES: tuple[Gate, ...] = (
    Gate("prepare", _gate_prepare),
    Gate("load", _gate_load, applies=lambda run: run.data is not None),
    Gate("audit raw", _gate_audit_raw),
    Gate("source freshness", _gate_source_freshness),
    Gate("dbt {dbt}", _gate_dbt),
    Gate("audit", _gate_audit),
    Gate("publish", _gate_publish),
)


# Write.


def _prepare_build_file(paths: PublishPaths, copy: bool, say: Progress) -> None:
    building = paths.building
    building.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (building, _wal(building)):
        leftover.unlink(missing_ok=True)
    if copy:
        if not paths.published.exists():
            raise Refused(
                "prepare",
                f"there is no published warehouse at {paths.published} to rebuild from: "
                "pass the folder of billing files to load",
            )
        if _wal(paths.published).exists():
            raise Refused(
                "prepare",
                f"{_wal(paths.published)} exists: something wrote to the published file. Close "
                "that connection (BI tools must open the file read-only), or load the data "
                "again from its files",
            )
        say(f"build file: a copy of {paths.published}")
        shutil.copyfile(paths.published, building)
        version = _storage_tag(building)
        if not version.startswith(storage_version()):
            building.unlink()
            raise Refused(
                "prepare",
                f"the published file uses DuckDB storage {version}, not {storage_version()}: "
                "load the billing files again (rrw publish --data FOLDER) to write it afresh",
            )
        return
    say(f"build file: new, DuckDB storage {storage_version()} ({building})")
    connection = duckdb.connect(
        str(building), config={"storage_compatibility_version": storage_version()}
    )
    connection.close()


def _load(data: Path, building: Path, baseline: Path | None, run: GateRun) -> None:
    from recurring_revenue.load import LoadError, load_folder

    log = run.log

    log.phase(f"load{' (delta)' if run.append else ''}: {data}")
    try:
        loaded = load_folder(
            data, building, progress=log.detail, baseline=baseline, append=run.append
        )
    except LoadError as error:
        raise Refused("load", str(error)) from error
    log.detail(loaded.summary())
    for notice in loaded.notices:
        log.phase(f"  notice: {notice}")
    log.phase(
        f"  {loaded.total_rows:,} rows in {len(loaded.tables)} tables, batch {loaded.batch_id}"
        f" ({loaded.seconds:.0f} s)"
    )
    if not loaded.shrinks:
        return
    run.record.shrinks = [
        {"table": shrink.table, "before": shrink.before, "after": shrink.after}
        for shrink in loaded.shrinks
    ]
    if run.allow_shrink:
        run.result.notices.append(f"accepted with --allow-shrink: {loaded.shrink_warning()}")
        return
    raise Refused(
        "load",
        f"{loaded.shrink_warning()}, or, if the smaller data is right, run again with "
        "--allow-shrink (or raise RRW_MAX_SHRINK)",
    )


def _batch_id(database: Path) -> str | None:
    with contextlib.suppress(duckdb.Error), _read_only(database) as connection:
        row = connection.execute(
            "SELECT load_batch_id FROM raw._load_log ORDER BY loaded_at DESC LIMIT 1"
        ).fetchone()
        return None if row is None else str(row[0])
    return None


# Audit helpers.


def _failures(lines: list[str], shown: int = 8) -> str:
    listed = "\n".join(f"  - {line}" for line in lines[:shown])
    more = f"\n  ... and {len(lines) - shown} more" if len(lines) > shown else ""
    return f"{len(lines)} quality expectation(s) not met:\n{listed}{more}"


def _run_results(path: Path) -> dict[str, Any]:
    """Counts per status and the failed nodes of dbt's last run_results.json."""
    try:
        results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    except (OSError, json.JSONDecodeError):
        return {}
    counts: dict[str, int] = {}
    failed = []
    for item in results:
        status = str(item.get("status"))
        counts[status] = counts.get(status, 0) + 1
        if status in ("error", "fail", "runtime error"):
            lines = [line.strip() for line in (item.get("message") or "").splitlines()]
            message = " - ".join(line for line in lines if line)[:400]
            failed.append(f"{item.get('unique_id')} ({status}): {message}")
    return {"counts": counts, "failed": failed}


def _freshness(path: Path) -> dict[str, list[str]]:
    """Sources by freshness status from dbt's sources.json."""
    try:
        results = json.loads(path.read_text(encoding="utf-8")).get("results", [])
    except (OSError, json.JSONDecodeError):
        return {}
    by_status: dict[str, list[str]] = {}
    for item in results:
        name = str(item.get("unique_id", "")).removeprefix("source.recurring_revenue.")
        by_status.setdefault(str(item.get("status")), []).append(name)
    return by_status


def _dbt_failure(
    completed: subprocess.CompletedProcess[str],
    target: Path,
    command: str,
    database: Path | None = None,
) -> str:
    failed = _run_results(target / "run_results.json").get("failed", [])
    if command.startswith("dbt source"):
        failed = []
    if failed:
        if database is not None:
            failed = [
                line + _failing_rows(database, results)
                for line, results in zip(failed, _failed_results(target), strict=False)
            ]
        listed = "\n".join(f"  - {line}" for line in failed[:8])
        more = f"\n  ... and {len(failed) - 8} more" if len(failed) > 8 else ""
        count = f"{len(failed)} node(s) failed"
        return f"{command} exited {completed.returncode}; {count}:\n{listed}{more}"
    output = strip_ansi(((completed.stdout or "") + (completed.stderr or "")).strip())
    tail = "\n".join(output.splitlines()[-15:]) if output else "see its output above"
    return f"{command} exited {completed.returncode}:\n{tail}"


def _failed_results(target: Path) -> list[dict[str, Any]]:
    """The failed results of run_results.json, in the order `_run_results` lists them."""
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
    return [
        item
        for item in results.get("results", [])
        if str(item.get("status")) in ("error", "fail", "runtime error")
    ]


def _failing_rows(database: Path, result: dict[str, Any], shown: int = 3) -> str:
    """The first rows a failed data test returned, so the refusal names table and row."""
    sql = result.get("compiled_code") or ""
    if not str(result.get("unique_id", "")).startswith("test.") or not sql.strip():
        return ""
    try:
        with _read_only(database) as connection:
            cursor = connection.execute(f"SELECT * FROM ({sql}\n) AS failing LIMIT {shown + 1}")
            names = [column[0] for column in cursor.description or []]
            rows = cursor.fetchall()
    except duckdb.Error:
        return ""
    lines = [
        "      " + ", ".join(f"{name}={value}" for name, value in zip(names, row, strict=True))
        for row in rows[:shown]
    ]
    more = "\n      ..." if len(rows) > shown else ""
    return ("\n    failing rows:\n" + "\n".join(lines) + more) if lines else ""


# Publish.


def _publish(
    paths: PublishPaths,
    record: PublishRecord,
    previous: list[dict[str, Any]],
    manifest: Path,
    result: PublishResult,
) -> None:
    from recurring_revenue.quality.catalog import load_manifest, public_marts

    marts = public_marts(load_manifest(manifest, parse_if_missing=False))
    building = paths.building
    record.published_at = _now()
    connection = duckdb.connect(str(building))
    try:
        counts = {
            mart.label: int(
                connection.execute(
                    f'SELECT count(*) FROM "{mart.schema}"."{mart.alias}"'
                ).fetchone()[0]  # type: ignore[index]
            )
            for mart in marts
        }
        record.mart_rows = counts
        _write_publish_log(connection, previous, record)
        connection.execute("CHECKPOINT")
    finally:
        connection.close()
    if _wal(building).exists():
        raise Refused("publish", f"{_wal(building)} was left after the checkpoint")
    version = _storage_tag(building)
    if not version.startswith(storage_version()):
        raise Refused(
            "publish",
            f"the build file has DuckDB storage {version}, not {storage_version()}: it "
            "would not be readable by the BI tools' DuckDB",
        )
    export = _export_parquet(paths, marts, record)
    _refuse_if_opened_for_writing(paths.published)
    _fsync(building)
    os.replace(building, paths.published)
    _fsync(paths.folder)
    record.database_replaced = True
    _swap_parquet(paths, export)
    with contextlib.suppress(OSError):
        paths.building.parent.rmdir()
    record.parquet = str(export)


def _write_publish_log(
    connection: duckdb.DuckDBPyConnection,
    previous: list[dict[str, Any]],
    record: PublishRecord,
) -> None:
    """audit.publish_log in the build file: every earlier publish and this one."""
    connection.execute(f"CREATE SCHEMA IF NOT EXISTS {AUDIT_SCHEMA}")
    connection.execute(
        f"""
        CREATE OR REPLACE TABLE {AUDIT_SCHEMA}.{PUBLISH_LOG_TABLE} (
            published_at TIMESTAMP NOT NULL,
            git_revision VARCHAR,
            load_batch_id VARCHAR,
            storage_version VARCHAR,
            expectations_passed INTEGER,
            expectations_total INTEGER,
            dbt_results VARCHAR,
            mart_rows VARCHAR
        )
        """
    )
    rows = [
        *previous,
        {
            "published_at": record.published_at,
            "git_revision": record.git_revision,
            "load_batch_id": record.load_batch_id,
            "storage_version": record.storage_version,
            "expectations_passed": record.expectations_passed,
            "expectations_total": record.expectations_total,
            "dbt_results": json.dumps((record.dbt_results or {}).get("counts", {})),
            "mart_rows": json.dumps(record.mart_rows or {}, sort_keys=True),
        },
    ]
    connection.executemany(
        f"INSERT INTO {AUDIT_SCHEMA}.{PUBLISH_LOG_TABLE} VALUES "
        "(CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                str(row["published_at"]).replace("Z", ""),
                row.get("git_revision"),
                row.get("load_batch_id"),
                row.get("storage_version"),
                row.get("expectations_passed"),
                row.get("expectations_total"),
                row.get("dbt_results"),
                row.get("mart_rows"),
            ]
            for row in rows
        ],
    )


def _previous_publish(published: Path) -> list[dict[str, Any]]:
    """The publish log rows of the published file (empty when there is none)."""
    if not published.exists():
        return []
    try:
        with _read_only(published) as connection:
            found = connection.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = ? AND table_name = ?",
                [AUDIT_SCHEMA, PUBLISH_LOG_TABLE],
            ).fetchone()
            if not found or not found[0]:
                return []
            cursor = connection.execute(
                f"SELECT * FROM {AUDIT_SCHEMA}.{PUBLISH_LOG_TABLE} ORDER BY published_at"
            )
            names = [column[0] for column in cursor.description or []]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.Error:
        return []
    for row in rows:
        row["published_at"] = row["published_at"].isoformat()
    return rows


def _export_parquet(paths: PublishPaths, marts: list[Any], record: PublishRecord) -> Path:
    """Every public mart as `<alias>.parquet` in a new folder of the versions folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = paths.parquet_versions / f"{stamp}-{record.load_batch_id or 'nobatch'}"
    for exported in export_marts(paths.building, marts, folder):
        _fsync(exported)
    _fsync(folder)
    return folder


def export_marts(
    database: Path, marts: Sequence[Any], folder: Path, file_format: str = "parquet"
) -> list[Path]:
    """Write each mart to `<folder>/<alias>.<format>` ordered by its key (else by all
    columns), on one read-only connection; returns the files."""
    folder.mkdir(parents=True, exist_ok=False)
    options = "FORMAT parquet, COMPRESSION zstd" if file_format == "parquet" else "FORMAT csv"
    files = []
    with _read_only(database) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        for mart in marts:
            order = ", ".join(f'"{column}"' for column in mart.key) or "ALL"
            target = folder / f"{mart.alias}.{file_format}"
            literal = str(target).replace("'", "''")
            connection.execute(
                f'COPY (SELECT * FROM "{mart.schema}"."{mart.alias}" ORDER BY {order}) '
                f"TO '{literal}' ({options})"
            )
            files.append(target)
    return files


def _swap_parquet(paths: PublishPaths, export: Path) -> None:
    """Point the `<stem>_parquet` symlink at the new export in one rename."""
    link = paths.parquet
    if link.exists() and not link.is_symlink():
        aside = paths.parquet_versions / f"00000000-previous-{int(time.time())}"
        os.replace(link, aside)
    temporary = link.with_name(f".{link.name}.new")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(os.path.relpath(export, link.parent), target_is_directory=True)
    os.replace(temporary, link)
    _fsync(paths.folder)
    versions = sorted(
        (entry for entry in paths.parquet_versions.iterdir() if entry.is_dir()),
        key=lambda entry: entry.name,
    )
    current = export.resolve()
    for old in versions[:-PARQUET_VERSIONS_KEPT]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def _refuse_if_opened_for_writing(published: Path) -> None:
    """A writer holding the published file would replay its WAL onto the new file."""
    if not published.exists():
        return
    try:
        with _read_only(published):
            pass
    except duckdb.Error as error:
        raise Refused(
            "publish",
            f"{published} is open for writing by another process ({str(error).splitlines()[0]}); "
            "BI tools must open it read-only. Close that connection and run the job again",
        ) from error
    if _wal(published).exists():
        raise Refused(
            "publish",
            f"{_wal(published)} exists: something wrote to the published file. Close that "
            "connection (BI tools must open the file read-only) and run the job again",
        )


# Small helpers.


@contextlib.contextmanager
def _exclusive(paths: PublishPaths) -> Iterator[TextIO]:
    """One main job per published file at a time (an advisory lock on a side file)."""
    handle = paths.lock.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise Refused(
                "lock",
                f"another build of {paths.published} is running ({holder}); wait for it to end",
            ) from error
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {_now()}")
        handle.flush()
        yield handle
    finally:
        handle.close()


def _storage_tag(database: Path) -> str:
    """The storage version DuckDB records for the file, such as `v1.0.0+`."""
    with _read_only(database) as connection:
        row = connection.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() "
            "WHERE database_name = current_database()"
        ).fetchone()
    return str(row[0]) if row and row[0] is not None else "unknown"


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _python() -> str:
    """This interpreter, as a user would type it: relative to the working folder if inside."""
    executable = Path(sys.executable)
    with contextlib.suppress(ValueError):
        return str(executable.relative_to(Path.cwd()))
    return str(executable)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _append_jsonl(path: Path, entry: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry, sort_keys=True, default=str) + "\n")


def git_revision(project_dir: Path = PROJECT_DIR) -> str:
    """The project's commit, with `+dirty` when tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(project_dir), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(project_dir), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def read_publish_log(published: Path) -> list[dict[str, Any]]:
    """Every attempt recorded in the JSON-lines publish log beside `published`."""
    path = PublishPaths(Path(published).resolve()).publish_log
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
