"""`generate()`: the whole run, chunk by chunk, in worker processes.

The main process writes the small tables (plans, fx_rates, marketing_spend),
then hands chunks of customers to `workers` processes, at most two chunks per
worker ahead of the writer, and appends each chunk's rows to the files in
chunk order. Memory stays bounded by a few chunks whatever the customer count,
and the bytes do not depend on `workers`.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from pathlib import Path

from recurring_revenue.generate.badrows import (
    Injector,
    KeyMaker,
    ManifestRow,
    Row,
    stochastic_count,
)
from recurring_revenue.generate.catalogue import catalogue
from recurring_revenue.generate.chunk import ChunkResult, ChunkTask, run_chunk
from recurring_revenue.generate.config import GeneratorConfig, stream
from recurring_revenue.generate.growth import signup_curve
from recurring_revenue.generate.market import fx_first_day, fx_rows, marketing_rows
from recurring_revenue.generate.raw_spec import (
    CUSTOMER_TABLES,
    GLOBAL_TABLES,
    MANIFEST_COLUMNS,
    MANIFEST_FILE,
    REJECT_REASONS,
    TABLES,
)
from recurring_revenue.generate.values import date_text
from recurring_revenue.generate.writers import OutputFiles, render, write_csv_file

Progress = Callable[[str], None]
PROGRESS_INTERVAL_SECONDS = 2.0


def generate(
    out_dir: Path,
    customers: int,
    seed: int,
    start_date: date = date(2022, 1, 1),
    end_date: date = date(2026, 9, 30),
    bad_row_share: float = 0.002,
    one_bad_row_each: bool = False,
    file_format: str = "csv",
    workers: int = 2,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write a deterministic demo billing dataset into `out_dir`; rows written per table.

    One file per spec table (`<table>.csv` or `<table>.parquet`) plus
    `_expected_rejects.csv`, the manifest of every deliberately bad row. The
    same arguments always give the same bytes, whatever `workers` is.
    """
    config = GeneratorConfig(
        customers=customers,
        seed=seed,
        start_date=start_date,
        end_date=end_date,
        bad_row_share=bad_row_share,
        one_bad_row_each=one_bad_row_each,
        file_format=file_format,
    )
    say: Progress = progress or (lambda message: None)
    started = time.monotonic()
    out_dir = Path(out_dir)
    output = OutputFiles(out_dir, config.file_format)
    counts = dict.fromkeys(TABLES, 0)
    manifest: list[ManifestRow] = []
    try:
        say(f"generating {customers:,} customers (seed {seed}) into {out_dir}")
        small_tables = _small_tables(config)
        if config.injects_bad_rows:
            manifest.extend(_inject_small_table_bad_rows(config, small_tables))
        for table, rows in small_tables.items():
            output.write(table, render(table, rows, config.file_format))
            counts[table] = len(rows)
        reporter = _Reporter(config, say, started)
        for result in _chunk_results(config, workers):
            for table in CUSTOMER_TABLES:
                output.write(table, result.payloads[table])
                counts[table] += result.counts[table]
            manifest.extend(result.manifest)
            reporter.chunk_done(result)
        output.close()
    except BaseException:
        output.abort()
        raise
    order = {table: position for position, table in enumerate(TABLES)}
    manifest.sort(key=lambda row: order[row[0]])
    write_csv_file(out_dir / MANIFEST_FILE, MANIFEST_COLUMNS, manifest)
    say(
        f"wrote {sum(counts.values()):,} rows ({len(manifest):,} deliberately bad) "
        f"in {time.monotonic() - started:.1f} s"
    )
    return counts


def _small_tables(config: GeneratorConfig) -> dict[str, list[Row]]:
    return {
        "plans": catalogue().rows(),
        "fx_rates": fx_rows(config),
        "marketing_spend": marketing_rows(config),
    }


def _inject_small_table_bad_rows(
    config: GeneratorConfig, tables: dict[str, list[Row]]
) -> list[ManifestRow]:
    """Bad rows of plans, fx_rates and marketing_spend.

    Share mode: about `bad_row_share` of each table's rows, and at least one of
    every reason for fx_rates and marketing_spend. Plans get only their share
    (usually none): the catalogue is small, and one row of each of its eight
    reasons would reject about a tenth of it.
    """
    rng = stream(config.seed, "bad-rows", "small-tables")
    fx_first = fx_first_day(config)
    used_spend = {(row[0], row[1], row[3]) for row in tables["marketing_spend"]}
    spend_days = [row[0] for row in tables["marketing_spend"]]

    def plan_key(row: list[str], number: int) -> None:
        row[0] = f"{row[0]}-x{number}"

    def fx_key(row: list[str], number: int) -> None:
        row[0] = date_text(fx_first - number)

    def spend_key(row: list[str], number: int) -> None:
        while True:
            key = (rng.choice(spend_days), "events", "USD")
            if key not in used_spend:
                used_spend.add(key)
                row[0], row[1], row[3] = key
                return

    makers: dict[str, KeyMaker] = {
        "plans": plan_key,
        "fx_rates": fx_key,
        "marketing_spend": spend_key,
    }
    injector = Injector(rng, tables, makers, strict_only=config.one_bad_row_each)
    for table in GLOBAL_TABLES:
        reasons = REJECT_REASONS[table]
        if config.one_bad_row_each or table != "plans":
            for reason in reasons:
                injector.add(table, reason)
        if not config.one_bad_row_each:
            for _ in range(stochastic_count(rng, config.bad_row_share * len(tables[table]))):
                injector.add(table, rng.choice(reasons))
    injector.apply()
    return injector.manifest


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the parent, which stops them and says so (no tracebacks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _chunk_results(config: GeneratorConfig, workers: int) -> Iterator[ChunkResult]:
    """Every chunk's result, in chunk order, computed by `workers` processes."""
    tasks = (ChunkTask(config, chunk) for chunk in range(config.chunk_count))
    workers = max(1, min(workers, config.chunk_count))
    if workers == 1:
        yield from map(run_chunk, tasks)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_ignore_interrupt
    ) as pool:
        pending: deque[Future[ChunkResult]] = deque()
        try:
            for task in tasks:
                pending.append(pool.submit(run_chunk, task))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BaseException:
            # Interrupted or failed: drop the queued chunks instead of computing them.
            pool.shutdown(wait=True, cancel_futures=True)
            raise


class _Reporter:
    """Progress messages with an estimate of the time left.

    Early customers have years of history and recent ones little, so the
    estimate weighs each chunk by its customers' remaining days to the export.
    """

    def __init__(self, config: GeneratorConfig, say: Progress, started: float) -> None:
        self.config = config
        self.say = say
        self.started = started
        self.last = started
        curve = signup_curve(config.start_date, config.end_date)
        self.weights = []
        for chunk in range(config.chunk_count):
            members = config.chunk_range(chunk)
            middle = (members.start + members.stop) / 2 / config.customers
            history = curve.last_day - curve.day_at(min(middle, 0.999999)) + 60
            self.weights.append(history * len(members))
        self.total_weight = sum(self.weights)
        self.done_weight = 0.0
        self.done_customers = 0

    def chunk_done(self, result: ChunkResult) -> None:
        self.done_weight += self.weights[result.chunk]
        self.done_customers += result.customers
        now = time.monotonic()
        finished = self.done_customers == self.config.customers
        if not finished and now - self.last < PROGRESS_INTERVAL_SECONDS:
            return
        self.last = now
        elapsed = now - self.started
        total = self.config.customers
        message = (
            f"customers {self.done_customers:,}/{total:,} "
            f"({100 * self.done_customers // total}%) {elapsed:.0f} s"
        )
        if not finished:
            left = elapsed * (self.total_weight - self.done_weight) / self.done_weight
            message += f", ~{_duration(left)} left"
        self.say(message)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"
