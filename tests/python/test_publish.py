"""Write-audit-publish on generated data (250 customers, seed 5).

A first batch is published. Then, each against that published warehouse:

- deliberately broken batches, each stopped before publish, after which the
  published warehouse still answers queries with the previous data (same file
  bytes, same row counts: no row lost):
  (a) rejected rows above rejects_error_share (a tenth of the subscriptions point
      at customers that do not exist),
  (b) the FX rates of one currency off by a factor of 100 for one month (caught by
      the month-over-month MRR change bound of the mart suite),
  (c) a required raw table emptied to its header (refused by the load's shrink
      verdict, and with --allow-shrink by the raw audit),
  (d) a dbt build that fails (an invalid setting);
- a job killed mid-way through dbt (after the first models report OK): the
  published warehouse is readable and unchanged, and the next job publishes marts
  identical to the clean build;
- a reader process polling the published file (a connection held open through the
  publish, and a new short-lived connection per read) while another batch is built
  and published: every read sees the complete old or the complete new warehouse,
  and no read fails.

The jobs run `dbt build` without dbt's tests (the gates under test are the
great-expectations audits and dbt failing); the MRR change bound is 1.0 because
250 customers make a noisier series than the demo's 3,000 (the clean batch here
moves up to ~55% in a month).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from recurring_revenue.generate import generate
from recurring_revenue.publish import (
    PublishPaths,
    PublishResult,
    export_marts,
    main_job,
    read_publish_log,
)
from recurring_revenue.quality.catalog import load_manifest, public_marts, read_catalog
from recurring_revenue.quality.model import CheckSettings
from recurring_revenue.quality.runner import build_suites

pytestmark = pytest.mark.slow

CUSTOMERS = 250
BUILD_WITHOUT_TESTS = (
    "build",
    "--exclude-resource-type",
    "test",
    "--exclude-resource-type",
    "unit_test",
)
CHECK_OPTIONS = {"max_mrr_change": 1.0}

FINGERPRINT = """
    SELECT
        (SELECT max(published_at) FROM audit.publish_log)::VARCHAR,
        (SELECT load_batch_id FROM raw._load_log ORDER BY loaded_at DESC LIMIT 1),
        (SELECT count(*) FROM marts.fct_customer_mrr_monthly)::VARCHAR,
        (SELECT sum(ending_mrr) FROM marts.fct_mrr_monthly)::VARCHAR,
        (SELECT count(*) FROM marts.dim_customers)::VARCHAR
"""


@dataclass
class Workspace:
    root: Path
    data: Path
    other_data: Path

    @property
    def published(self) -> Path:
        return self.root / "warehouse" / "warehouse.duckdb"

    @property
    def env(self) -> dict[str, str]:
        return {
            "DBT_TARGET_PATH": str(self.root / "target"),
            "DBT_LOG_PATH": str(self.root / "logs"),
        }

    def job(
        self, data: Path, dbt_args: tuple[str, ...] = (), allow_shrink: bool = False
    ) -> PublishResult:
        return main_job(
            self.published,
            data,
            dbt_command=BUILD_WITHOUT_TESTS,
            dbt_args=dbt_args,
            env=self.env,
            check_options=CHECK_OPTIONS,
            allow_shrink=allow_shrink,
        )


@dataclass(frozen=True)
class Snapshot:
    """What a BI reader sees of the published warehouse, and its bytes."""

    sha256: str
    fingerprint: tuple[str, ...]
    mart_rows: dict[str, int]
    parquet: str

    @property
    def total_rows(self) -> int:
        return sum(self.mart_rows.values())


def snapshot(published: Path) -> Snapshot:
    with duckdb.connect(str(published), read_only=True) as connection:
        fingerprint = tuple(str(value) for value in connection.execute(FINGERPRINT).fetchone())
        tables = connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'marts' ORDER BY table_name"
        ).fetchall()
        rows = {
            name: int(connection.execute(f'SELECT count(*) FROM marts."{name}"').fetchone()[0])
            for (name,) in tables
        }
    link = PublishPaths(published.resolve()).parquet
    return Snapshot(
        sha256=hashlib.sha256(published.read_bytes()).hexdigest(),
        fingerprint=fingerprint,
        mart_rows=rows,
        parquet=os.readlink(link),
    )


def mart_exports(published: Path, root: Path, name: str) -> dict[str, str]:
    marts = public_marts(load_manifest(root / "target" / "manifest.json", parse_if_missing=False))
    files = export_marts(published, marts, root / f"export-{name}", file_format="csv")
    return {path.stem: hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("publish")
    data = root / "data"
    other = root / "other-data"
    generate(out_dir=data, customers=CUSTOMERS, seed=5)
    generate(out_dir=other, customers=CUSTOMERS, seed=6)
    return Workspace(root, data, other)


@pytest.fixture(scope="module")
def first(workspace: Workspace) -> Snapshot:
    result = workspace.job(workspace.data)
    assert result.published, result.message()
    # The gate ran every expectation of every layer's suites, and all passed.
    settings = CheckSettings.from_environment(
        workspace.published,
        manifest_path=workspace.root / "target" / "manifest.json",
        **CHECK_OPTIONS,
    )
    suites = build_suites(read_catalog(workspace.published), settings)
    per_layer = {layer: 0 for layer in settings.layers}
    for suite in suites:
        assert suite.problem is None, suite.problem
        per_layer[suite.layer] += len(suite.expectations)
    assert all(per_layer.values()), per_layer
    expected = sum(per_layer.values())
    assert result.entry["expectations_passed"] == result.entry["expectations_total"] == expected
    return snapshot(workspace.published)


def copy_data(workspace: Workspace, name: str) -> Path:
    target = workspace.root / f"broken-{name}"
    shutil.copytree(workspace.data, target)
    return target


def rewrite(path: Path, change: Any) -> int:
    """Apply `change(row) -> bool` to each row of a CSV file; return rows changed."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    changed = sum(1 for row in rows if change(row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return changed


def orphan_a_tenth_of_subscriptions(folder: Path) -> None:
    counter = {"row": 0}

    def change(row: dict[str, str]) -> bool:
        counter["row"] += 1
        if counter["row"] % 10:
            return False
        row["customer_id"] = f"NO-SUCH-CUSTOMER-{counter['row']}"
        return True

    assert rewrite(folder / "subscriptions.csv", change) >= 25


def fx_off_by_100_for_a_month(folder: Path) -> None:
    def change(row: dict[str, str]) -> bool:
        if row["currency"] != "DKK" or not row["rate_date"].startswith("2024-06"):
            return False
        row["rate_to_reporting"] = str(Decimal(row["rate_to_reporting"]) * 100)
        return True

    assert rewrite(folder / "fx_rates.csv", change) >= 28


def empty_customers(folder: Path) -> None:
    path = folder / "customers.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


@dataclass(frozen=True)
class BrokenBatch:
    name: str
    edit: Any
    stage: str
    #: Text the refusal must contain (the gate's own words).
    reason: str
    dbt_args: tuple[str, ...] = ()
    allow_shrink: bool = False
    #: `reason` is a regular expression rather than literal text.
    pattern: bool = False


BROKEN_BATCHES = [
    BrokenBatch(
        "rejects_over_share",
        orphan_a_tenth_of_subscriptions,
        "audit",
        "staging.rejects_by_table: at most 5.0% of each raw table's rows are rejected",
    ),
    BrokenBatch(
        "fx_off_by_100",
        fx_off_by_100_for_a_month,
        "audit",
        "marts.fct_mrr_monthly: total MRR changes by at most 100% from one month to the next",
    ),
    BrokenBatch(
        "required_table_emptied",
        empty_customers,
        "load",
        # the generator's row count is not this test's business: any count -> 0
        r"customers \d+ -> 0 rows \(empty\)\. A load replaces the whole history",
        pattern=True,
    ),
    BrokenBatch(
        # past the load's shrink verdict, the raw audit still refuses an empty table
        "required_table_emptied_allow_shrink",
        empty_customers,
        "audit raw",
        "raw.customers: a required table is not empty",
        allow_shrink=True,
    ),
    BrokenBatch(
        "dbt_build_fails",
        lambda folder: None,
        "dbt build",
        "Setting churn_recognition='sometimes' is not valid",
        ("--vars", "{churn_recognition: sometimes}"),
    ),
]

#: Figures for the report: what each case found.
FIGURES: dict[str, Any] = {"cases": [], "rows_lost": 0, "reader_errors": None}


@pytest.mark.parametrize("batch", BROKEN_BATCHES, ids=[batch.name for batch in BROKEN_BATCHES])
def test_a_broken_batch_is_stopped_before_publish(
    workspace: Workspace, first: Snapshot, batch: BrokenBatch
) -> None:
    before = snapshot(workspace.published)
    folder = copy_data(workspace, batch.name)
    batch.edit(folder)

    result = workspace.job(folder, batch.dbt_args, batch.allow_shrink)

    assert not result.published
    assert result.stage == batch.stage, result.message()
    if batch.pattern:
        assert re.search(batch.reason, result.reason), result.reason
    else:
        assert batch.reason in result.reason, result.reason
    message = result.message()
    assert message.startswith(f"NOT PUBLISHED - {batch.stage} failed")
    assert f"The published warehouse {workspace.published.resolve()} is unchanged" in message
    after = snapshot(workspace.published)
    assert after == before, "the published warehouse and its Parquet export are untouched"
    assert after.fingerprint == first.fingerprint, "it still answers with the previous data"
    logged = read_publish_log(workspace.published)[-1]
    assert logged["status"] == "refused" and logged["stage"] == batch.stage
    FIGURES["cases"].append((batch.name, result.stage, result.reason.splitlines()[0]))
    FIGURES["rows_lost"] += max(0, before.total_rows - after.total_rows)


def test_the_rejects_gate_names_the_table_the_rejects_relation_and_the_setting(
    workspace: Workspace, first: Snapshot
) -> None:
    folder = copy_data(workspace, "rejects_gate")
    orphan_a_tenth_of_subscriptions(folder)
    result = main_job(
        workspace.published,
        folder,
        dbt_command=("build", "--select", "+staging_rejected_share_within_limit"),
        env=workspace.env,
        check_options=CHECK_OPTIONS,
    )
    assert not result.published
    assert result.stage == "dbt build", result.message()
    reason = result.reason
    assert "staging_rejected_share_within_limit" in reason
    assert "table_name=subscriptions" in reason, reason
    assert "stg_billing__rejects" in reason, reason
    assert "rejects_error_share=0.05" in reason, reason
    assert "\x1b[" not in result.message(), "no terminal colour codes in the refusal"
    log = Path(result.entry["log"])
    assert log.exists() and "staging_rejected_share_within_limit" in log.read_text()
    assert str(log) in result.message(), "the refusal names the run log"


KILL_AFTER = re.compile(r"\b\d+ of \d+ OK created\b")


def test_a_killed_build_leaves_the_published_warehouse_and_the_next_build_recovers(
    workspace: Workspace, first: Snapshot
) -> None:
    before = snapshot(workspace.published)
    clean = mart_exports(workspace.published, workspace.root, "clean")
    command = [
        sys.executable,
        "-m",
        "recurring_revenue.cli",
        "publish",
        "--data",
        str(workspace.data),
        "--database",
        str(workspace.published),
        "--max-mrr-change",
        "1",
        "--verbose",  # dbt's progress lines, to kill it in the middle
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, **workspace.env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    watchdog = threading.Timer(300, lambda: os.killpg(process.pid, signal.SIGKILL))
    watchdog.start()
    seen = []
    killed = False
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if KILL_AFTER.search(line):
            os.killpg(process.pid, signal.SIGKILL)
            killed = True
            break
    process.wait()
    watchdog.cancel()
    assert killed, "".join(seen[-40:])

    paths = PublishPaths(workspace.published.resolve())
    assert snapshot(workspace.published) == before, "published file untouched and readable"
    assert not paths.published.with_name(paths.published.name + ".wal").exists()
    assert paths.building.exists(), "the interrupted build was in its own file"

    result = workspace.job(workspace.data)
    assert result.published, result.message()
    assert mart_exports(workspace.published, workspace.root, "after-kill") == clean
    after = snapshot(workspace.published)
    FIGURES["cases"].append(("killed_build", "killed mid dbt build", "published unchanged"))
    FIGURES["rows_lost"] += max(0, before.total_rows - after.total_rows)


#: A BI reader: `held` keeps one read-only connection open through the publish;
#: `fresh` opens a new short-lived one per read (and reads the Parquet export too).
#: Separate processes, because DuckDB shares one database instance per path within a
#: process.
READER = r"""
import json, os, sys, time
import duckdb

mode, path, parquet, out, stop = sys.argv[1:6]
query = sys.stdin.read()
parquet_query = (
    f"SELECT sum(ending_mrr)::VARCHAR FROM read_parquet('{parquet}/fct_mrr_monthly.parquet')"
)
reads = []
held = duckdb.connect(path, read_only=True) if mode == "held" else None
while not os.path.exists(stop):
    started = time.monotonic()
    try:
        if held is not None:
            reads.append({"fingerprint": [str(v) for v in held.execute(query).fetchone()]})
        else:
            connection = duckdb.connect(path, read_only=True)
            try:
                fingerprint = [str(v) for v in connection.execute(query).fetchone()]
            finally:
                connection.close()
            exported = duckdb.execute(parquet_query).fetchall()[0][0]
            reads.append({"fingerprint": fingerprint, "parquet": exported})
    except Exception as error:
        reads.append({"error": repr(error)})
    time.sleep(max(0.0, 0.05 - (time.monotonic() - started)))
if held is not None:
    held.close()
with open(out, "w") as handle:
    json.dump(reads, handle)
"""


def start_reader(mode: str, paths: PublishPaths, root: Path) -> subprocess.Popen[str]:
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            READER,
            mode,
            str(paths.published),
            str(paths.parquet),
            str(root / f"reads-{mode}.json"),
            str(root / "stop-reading"),
        ],
        stdin=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin is not None
    reader.stdin.write(FINGERPRINT)
    reader.stdin.close()
    return reader


def test_a_reader_sees_whole_old_or_whole_new_data_while_a_build_publishes(
    workspace: Workspace, first: Snapshot
) -> None:
    old = snapshot(workspace.published)
    paths = PublishPaths(workspace.published.resolve())
    readers = {mode: start_reader(mode, paths, workspace.root) for mode in ("held", "fresh")}
    time.sleep(1.5)

    result = workspace.job(workspace.other_data)

    time.sleep(1.5)
    (workspace.root / "stop-reading").touch()
    assert all(reader.wait(timeout=60) == 0 for reader in readers.values())
    assert result.published, result.message()
    new = snapshot(workspace.published)
    assert new.fingerprint != old.fingerprint

    reads = {
        mode: json.loads((workspace.root / f"reads-{mode}.json").read_text()) for mode in readers
    }
    errors = [read["error"] for mode in reads for read in reads[mode] if "error" in read]
    fresh = [tuple(read["fingerprint"]) for read in reads["fresh"] if "fingerprint" in read]
    held = {tuple(read["fingerprint"]) for read in reads["held"] if "fingerprint" in read}
    exported = [read["parquet"] for read in reads["fresh"] if "parquet" in read]
    FIGURES["reader_errors"] = len(errors)
    FIGURES["reads"] = {mode: len(found) for mode, found in reads.items()}
    print(f"\npublish figures: {json.dumps(FIGURES, indent=1)}")

    assert errors == []
    assert len(fresh) > 20 and len(held) >= 1
    assert set(fresh) <= {old.fingerprint, new.fingerprint}, "no torn or partial state"
    assert fresh[0] == old.fingerprint and fresh[-1] == new.fingerprint
    assert held == {old.fingerprint}, "a connection held open keeps its whole old snapshot"
    sums = {old.fingerprint[3], new.fingerprint[3]}
    assert set(exported) <= sums and exported[-1] == new.fingerprint[3], "Parquet too"
    assert FIGURES["rows_lost"] == 0
