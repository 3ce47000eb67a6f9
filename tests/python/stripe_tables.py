"""Fivetran-shaped Stripe tables for tests: build rows in Python, write them to a schema.

`StripeTables` collects rows per landed Stripe table (Fivetran's column names and
types: amounts as integers in minor units, lower-case currencies, naive UTC
timestamps, booleans) and `write(database, schema)` creates the tables in a DuckDB
file. A column a row does not give is NULL; a table with no rows is still created
(with all its columns) unless it is listed in `absent`. `write_reference_folder`
writes the files `rrw load` needs beside a Stripe source: the FX rates and
marketing spend, and the seven billing tables as header-only files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from recurring_revenue import raw_spec

TS = "TIMESTAMP"
INT = "BIGINT"
BOOL = "BOOLEAN"
TEXT = "VARCHAR"

#: The landed tables and their columns with Fivetran's types.
COLUMNS: dict[str, dict[str, str]] = {
    "customer": {
        "id": TEXT,
        "name": TEXT,
        "email": TEXT,
        "address_country": TEXT,
        "shipping_address_country": TEXT,
        "created": TS,
        "currency": TEXT,
        "is_deleted": BOOL,
        "livemode": BOOL,
        "test_clock_id": TEXT,
        "_fivetran_synced": TS,
    },
    "product": {"id": TEXT, "name": TEXT, "active": BOOL, "livemode": BOOL},
    "price": {
        "id": TEXT,
        "product_id": TEXT,
        "currency": TEXT,
        "unit_amount": INT,
        "recurring_interval": TEXT,
        "recurring_interval_count": INT,
        "recurring_usage_type": TEXT,
        "billing_scheme": TEXT,
        "nickname": TEXT,
        "active": BOOL,
        "is_deleted": BOOL,
        "livemode": BOOL,
        "_fivetran_synced": TS,
    },
    "subscription_history": {
        "id": TEXT,
        "customer_id": TEXT,
        "status": TEXT,
        "created": TS,
        "start_date": TS,
        "cancel_at": TS,
        "cancel_at_period_end": BOOL,
        "canceled_at": TS,
        "ended_at": TS,
        "trial_start": TS,
        "trial_end": TS,
        "pause_collection_behavior": TEXT,
        "current_period_start": TS,
        "current_period_end": TS,
        "cancellation_details_reason": TEXT,
        "livemode": BOOL,
        "_fivetran_start": TS,
        "_fivetran_end": TS,
        "_fivetran_active": BOOL,
        "_fivetran_synced": TS,
    },
    "subscription": {},  # filled below: subscription_history without the _fivetran_ columns
    "subscription_item": {
        "id": TEXT,
        "subscription_id": TEXT,
        "plan_id": TEXT,
        "quantity": INT,
        "created": TS,
        "current_period_start": TS,
        "current_period_end": TS,
    },
    "invoice": {
        "id": TEXT,
        "customer_id": TEXT,
        "subscription_id": TEXT,
        "charge_id": TEXT,
        "currency": TEXT,
        "status": TEXT,
        "created": TS,
        "due_date": TS,
        "period_start": TS,
        "period_end": TS,
        "subtotal": INT,
        "tax": INT,
        "total": INT,
        "amount_due": INT,
        "amount_paid": INT,
        "billing_reason": TEXT,
        "is_deleted": BOOL,
        "livemode": BOOL,
        "_fivetran_synced": TS,
    },
    "invoice_line_item": {
        "id": TEXT,
        "invoice_id": TEXT,
        "unique_id": TEXT,
        "type": TEXT,
        "amount": INT,
        "currency": TEXT,
        "quantity": INT,
        "period_start": TS,
        "period_end": TS,
        "proration": BOOL,
        "discountable": BOOL,
        "plan_id": TEXT,
        "price_id": TEXT,
        "subscription_id": TEXT,
        "subscription_item_id": TEXT,
        "description": TEXT,
        "livemode": BOOL,
    },
    "charge": {
        "id": TEXT,
        "amount": INT,
        "amount_refunded": INT,
        "currency": TEXT,
        "status": TEXT,
        "paid": BOOL,
        "captured": BOOL,
        "created": TS,
        "customer_id": TEXT,
        "invoice_id": TEXT,
        "payment_intent_id": TEXT,
        "failure_code": TEXT,
        "failure_message": TEXT,
        "outcome_reason": TEXT,
        "livemode": BOOL,
        "_fivetran_synced": TS,
    },
    "refund": {
        "id": TEXT,
        "charge_id": TEXT,
        "payment_intent_id": TEXT,
        "amount": INT,
        "currency": TEXT,
        "created": TS,
        "status": TEXT,
        "reason": TEXT,
        "failure_reason": TEXT,
    },
    "coupon": {
        "id": TEXT,
        "amount_off": INT,
        "percent_off": "DOUBLE",
        "currency": TEXT,
        "duration": TEXT,
        "duration_in_months": INT,
        "valid": BOOL,
        "livemode": BOOL,
    },
    "discount": {
        "id": TEXT,
        "type": TEXT,
        "coupon_id": TEXT,
        "customer_id": TEXT,
        "subscription_id": TEXT,
        "invoice_id": TEXT,
        "start": TS,
        "end": TS,
    },
    "invoice_payment": {
        "id": TEXT,
        "invoice_id": TEXT,
        "charge_id": TEXT,
        "payment_intent_id": TEXT,
    },
}
COLUMNS["subscription"] = {
    name: kind
    for name, kind in COLUMNS["subscription_history"].items()
    if not name.startswith("_fivetran_") or name == "_fivetran_synced"
}
#: Tables a connection without history mode lacks, and the one it has instead.
NO_HISTORY = {"subscription_history"}


@dataclass
class StripeTables:
    rows: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in COLUMNS})
    #: Tables not to create at all (a connection without them).
    absent: set[str] = field(default_factory=lambda: {"subscription"})
    #: Columns not to create, per table (a connection that lacks them).
    dropped: dict[str, set[str]] = field(default_factory=dict)

    def add(self, table: str, **values: object) -> dict:
        unknown = set(values) - set(COLUMNS[table])
        assert not unknown, f"{table} has no columns {unknown}"
        self.rows[table].append(values)
        return values

    def write(self, database: Path, schema: str = "stripe") -> None:
        with duckdb.connect(str(database)) as connection:
            connection.execute("set timezone = 'UTC'")
            connection.execute(f"create schema if not exists {schema}")
            for table, columns in COLUMNS.items():
                if table in self.absent:
                    continue
                kept = [c for c in columns if c not in self.dropped.get(table, set())]
                spelled = ", ".join(f'"{column}" {columns[column]}' for column in kept)
                connection.execute(f"create or replace table {schema}.{table} ({spelled})")
                if self.rows[table]:
                    marks = ", ".join("?" for _ in kept)
                    names = ", ".join(f'"{column}"' for column in kept)
                    connection.executemany(
                        f"insert into {schema}.{table} ({names}) values ({marks})",
                        [[row.get(column) for column in kept] for row in self.rows[table]],
                    )


def write_reference_folder(
    folder: Path,
    fx_rates: list[tuple[str, str, str]] = (),
    marketing_spend: list[tuple[str, str, str, str]] = (),
) -> Path:
    """The folder `rrw load` takes beside a Stripe source: FX rates, marketing spend,
    and the seven billing tables as header-only files (they are not read)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = {"fx_rates": list(fx_rates), "marketing_spend": list(marketing_spend)}
    for table in raw_spec.TABLES:
        with (folder / f"{table.name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(table.column_names)
            writer.writerows(rows.get(table.name, []))
    return folder
