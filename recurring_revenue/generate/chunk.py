"""One chunk of customers: simulate them, add bad rows, render the rows.

A chunk is a pure function of (settings, chunk index): it has its own random
streams, so chunks can run in any process in any order and still produce the
same bytes. Worker processes call `run_chunk`; the main process writes the
results in chunk order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recurring_revenue.generate.badrows import (
    Injector,
    KeyMaker,
    ManifestRow,
    Row,
    stochastic_count,
)
from recurring_revenue.generate.config import GeneratorConfig, stream
from recurring_revenue.generate.lifecycle import CustomerSimulation, World
from recurring_revenue.generate.raw_spec import (
    CUSTOMER_TABLES,
    KEY_COLUMNS,
    REJECT_REASONS,
    column_index,
)
from recurring_revenue.generate.writers import render


@dataclass(frozen=True, slots=True)
class ChunkTask:
    config: GeneratorConfig
    chunk: int


@dataclass(slots=True)
class ChunkResult:
    chunk: int
    customers: int
    counts: dict[str, int]
    payloads: dict[str, Any]
    manifest: list[ManifestRow] = field(default_factory=list)


def simulate_chunk(config: GeneratorConfig, chunk: int) -> dict[str, list[Row]]:
    """The good rows of every customer table for one chunk of customers."""
    world = World(
        stream(config.seed, "customers", chunk),
        config.customers,
        config.start_date,
        config.end_date,
    )
    tables: dict[str, list[Row]] = {table: [] for table in CUSTOMER_TABLES}
    customers = tables["customers"]
    subscriptions = tables["subscriptions"]
    events = tables["subscription_events"]
    invoices = tables["invoices"]
    lines = tables["invoice_line_items"]
    payments = tables["payments"]
    for index in config.chunk_range(chunk):
        simulation = CustomerSimulation(world, index)
        simulation.run()
        customers.append(simulation.customer_row())
        subscriptions.extend(simulation.subscription_rows)
        events.extend(simulation.event_rows())
        invoice_rows, line_rows, payment_rows = simulation.ledger.rows(
            simulation.customer_id, simulation.timestamp
        )
        invoices.extend(invoice_rows)
        lines.extend(line_rows)
        payments.extend(payment_rows)
    return tables


def _key_makers(chunk: int) -> dict[str, KeyMaker]:
    """Fresh keys for bad rows: a namespace (`X` + chunk) that good rows never use."""
    tag = f"X{chunk:05d}"
    prefixes = {
        "customers": "",
        "subscriptions": "SUB-",
        "subscription_events": "EV-",
        "invoices": "INV-",
        "invoice_line_items": "LI-",
        "payments": "PAY-",
    }
    makers: dict[str, KeyMaker] = {}
    for table, prefix in prefixes.items():
        position = column_index(table)[KEY_COLUMNS[table][0]]

        def maker(
            row: list[str], number: int, prefix: str = prefix, position: int = position
        ) -> None:
            row[position] = f"{prefix}{tag}-{number:05d}"

        makers[table] = maker
    return makers


def inject_bad_rows(
    config: GeneratorConfig, chunk: int, tables: dict[str, list[Row]]
) -> list[ManifestRow]:
    """Add this chunk's bad rows to `tables` (in place); the manifest rows."""
    rng = stream(config.seed, "bad-rows", chunk)
    injector = Injector(rng, tables, _key_makers(chunk), strict_only=config.one_bad_row_each)
    if chunk == 0:
        for table in CUSTOMER_TABLES:
            for reason in REJECT_REASONS[table]:
                injector.add(table, reason)
    if not config.one_bad_row_each:
        for table in CUSTOMER_TABLES:
            reasons = REJECT_REASONS[table]
            for _ in range(stochastic_count(rng, config.bad_row_share * len(tables[table]))):
                injector.add(table, rng.choice(reasons))
    injector.apply()
    return injector.manifest


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Simulate, spoil and render one chunk (runs in a worker process)."""
    config = task.config
    tables = simulate_chunk(config, task.chunk)
    manifest: list[ManifestRow] = []
    if config.injects_bad_rows:
        manifest = inject_bad_rows(config, task.chunk, tables)
    return ChunkResult(
        chunk=task.chunk,
        customers=len(config.chunk_range(task.chunk)),
        counts={table: len(rows) for table, rows in tables.items()},
        payloads={table: render(table, rows, config.file_format) for table, rows in tables.items()},
        manifest=manifest,
    )
