"""Deliberately bad rows, one kind per (table, reason) of docs/rejects.md.

Bad rows are always ADDITIONAL rows: the good rows stay as they are, so the
demo's numbers stay sane. A bad row is a copy of a real row of the same table
(its template) with a fresh key and exactly one value broken, so the first
failing check in docs/rejects.md's order is the intended one. A duplicate is a
copy of a good row that keeps its key and is placed after it. No bad row is
ever referenced by another row, so rejections never cascade: the manifest
lists every rejected row.

Each injected row is recorded in the manifest as (table_name, record_key,
column_name, reject_reason). For a duplicate key the column is the key column
(composite keys: the key columns joined with `|`, like the record key).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from recurring_revenue.generate.raw_spec import column_index, key_column_name, record_key

Row = tuple[str, ...]
ManifestRow = tuple[str, str, str, str]

# References that exist nowhere in the generated data.
ORPHANS: dict[str, str] = {
    "customer_id": "0000000",
    "subscription_id": "SUB-0000000-1",
    "invoice_id": "INV-0000000-0001",
    "plan_id": "flowdesk-legacy-monthly-usd",
}
NEGATE = "<negate>"
BEFORE = "<before>"
SAME = "<same>"


@dataclass(frozen=True, slots=True)
class Variant:
    """One way of breaking a row: set `column` to `value` (or a computed value)."""

    column: str
    value: str
    strict: bool = True


def _variants(*pairs: tuple[str, str]) -> tuple[Variant, ...]:
    return tuple(Variant(column, value) for column, value in pairs)


VARIANTS: dict[str, dict[str, tuple[Variant, ...]]] = {
    "customers": {
        "missing_value": _variants(("created_at", "")),
        "unparseable_value": _variants(
            ("created_at", "2023-02-30T09:15:00Z"),
            ("created_at", "yesterday"),
            ("created_at", "31/12/2023 14:00"),
        ),
        "implausible_date": _variants(
            ("created_at", "2204-04-10T09:15:00Z"), ("created_at", "1899-12-31T00:00:00Z")
        ),
    },
    "plans": {
        "missing_value": _variants(
            ("business_model", ""),
            ("billing_interval_unit", ""),
            ("billing_interval_count", ""),
            ("currency", ""),
            ("unit_price", ""),
        ),
        "unknown_enum_value": _variants(
            ("business_model", "usage_based"),
            ("billing_interval_unit", "fortnight"),
            ("billing_interval_unit", "quarter"),
        ),
        "unparseable_value": _variants(
            ("billing_interval_count", "twelve"),
            ("unit_price", "9,99"),
            ("trial_days", "14 days"),
        ),
        "out_of_range": _variants(
            ("billing_interval_count", "0"),
            ("trial_days", "-7"),
            ("unit_price", "99999999999999.99"),
        ),
        "negative_amount": _variants(("unit_price", NEGATE)),
        "unknown_currency": _variants(("currency", "EURO"), ("currency", "US$")),
        "missing_fx_rate": _variants(("currency", "CHF")),
    },
    "subscriptions": {
        "missing_value": _variants(("customer_id", ""), ("created_at", "")),
        "unparseable_value": _variants(
            ("created_at", "n/a"),
            ("commitment_months", "twelve"),
            ("notice_period_days", "30 days"),
            ("auto_renew", "maybe"),
        ),
        "implausible_date": _variants(("created_at", "2204-04-10T09:15:00Z")),
        "out_of_range": _variants(
            ("commitment_months", "0"),
            ("notice_period_days", "-30"),
            ("commitment_months", "99999999999"),
        ),
        "orphan_reference": _variants(("customer_id", ORPHANS["customer_id"])),
    },
    "subscription_events": {
        "missing_value": _variants(
            ("subscription_id", ""), ("event_type", ""), ("effective_at", ""), ("recorded_at", "")
        ),
        "unknown_enum_value": _variants(
            ("event_type", "upgraded"), ("event_type", "churned"), ("event_type", "reactivated")
        ),
        "unparseable_value": _variants(
            ("effective_at", "2024-02-30T00:00:00Z"),
            ("recorded_at", "N/A"),
            ("quantity", "two"),
            ("unit_price", "12,50"),
            ("discount_percent", "20%"),
            ("discount_amount", "n/a"),
        ),
        "implausible_date": _variants(
            ("effective_at", "2204-04-10T00:00:00Z"), ("recorded_at", "1024-04-10T00:00:00Z")
        ),
        "negative_amount": _variants(
            ("quantity", "-1"), ("unit_price", "-25.00"), ("discount_amount", "-5.00")
        ),
        "out_of_range": _variants(
            ("discount_percent", "120"), ("discount_percent", "150"), ("quantity", "20000000000")
        ),
        "event_before_activation": (Variant("effective_at", BEFORE),),
        "orphan_reference": _variants(
            ("subscription_id", ORPHANS["subscription_id"]), ("plan_id", ORPHANS["plan_id"])
        ),
    },
    "invoices": {
        "missing_value": _variants(
            ("customer_id", ""), ("currency", ""), ("status", ""), ("issued_at", "")
        ),
        "unknown_enum_value": _variants(
            ("status", "cancelled"), ("status", "refunded"), ("status", "overdue")
        ),
        "unparseable_value": _variants(("issued_at", "2024-13-01T00:00:00Z"), ("due_at", "net 30")),
        "implausible_date": _variants(
            ("issued_at", "1999-03-01T00:00:00Z"), ("due_at", "2204-04-10T00:00:00Z")
        ),
        "end_before_start": _variants(("due_at", BEFORE)),
        "orphan_reference": _variants(("customer_id", ORPHANS["customer_id"])),
        "unknown_currency": _variants(
            ("currency", "EURO"), ("currency", "US$"), ("currency", "DKR")
        ),
        "missing_fx_rate": _variants(("currency", "CHF")),
    },
    "invoice_line_items": {
        "missing_value": _variants(
            ("invoice_id", ""),
            ("line_type", ""),
            ("service_period_start", ""),
            ("service_period_end", ""),
            ("amount", ""),
        ),
        "unknown_enum_value": _variants(
            ("line_type", "subscription"), ("line_type", "discount"), ("line_type", "fee")
        ),
        "unparseable_value": _variants(
            ("service_period_start", "2024-02-30"),
            ("service_period_end", "14.04.2024"),
            ("quantity", "three"),
            ("amount", "12,50"),
            ("discount_amount", "n/a"),
            ("tax_amount", "1.2.3"),
        ),
        "implausible_date": _variants(("service_period_end", "2204-04-10")),
        "end_before_start": (
            Variant("service_period_end", BEFORE),
            Variant("service_period_end", SAME, strict=False),
        ),
        "negative_amount": _variants(
            ("amount", NEGATE), ("discount_amount", "-1.00"), ("tax_amount", "-2.50")
        ),
        "out_of_range": _variants(
            ("amount", "1000000000.00"), ("tax_amount", "99999999999999999999")
        ),
        "orphan_reference": _variants(
            ("invoice_id", ORPHANS["invoice_id"]),
            ("subscription_id", ORPHANS["subscription_id"]),
            ("plan_id", ORPHANS["plan_id"]),
        ),
    },
    "payments": {
        "missing_value": _variants(
            ("invoice_id", ""),
            ("payment_type", ""),
            ("status", ""),
            ("amount", ""),
            ("currency", ""),
            ("occurred_at", ""),
        ),
        "unknown_enum_value": _variants(
            ("payment_type", "chargeback"), ("status", "refunded"), ("status", "canceled")
        ),
        "unparseable_value": _variants(("amount", "12,50"), ("occurred_at", "yesterday")),
        "implausible_date": _variants(("occurred_at", "2204-04-10T12:00:00Z")),
        "negative_amount": _variants(("amount", NEGATE)),
        "out_of_range": _variants(("amount", "0.00"), ("amount", "0")),
        "orphan_reference": _variants(("invoice_id", ORPHANS["invoice_id"])),
        "unknown_currency": _variants(("currency", "EURO"), ("currency", "US$")),
        "missing_fx_rate": _variants(("currency", "CHF")),
    },
    "fx_rates": {
        "missing_value": _variants(("rate_to_reporting", "")),
        "unparseable_value": _variants(
            ("rate_to_reporting", "1,0845"), ("rate_to_reporting", "n/a")
        ),
        "implausible_date": _variants(("rate_date", "2204-04-10")),
        "out_of_range": _variants(("rate_to_reporting", "0"), ("rate_to_reporting", "-1.08")),
        "unknown_currency": _variants(("currency", "EURO"), ("currency", "DKR")),
    },
    "marketing_spend": {
        "missing_value": _variants(("amount", "")),
        "unparseable_value": _variants(
            ("amount", "1.234,50"), ("amount", "n/a"), ("spend_date", "2024-02-30")
        ),
        "implausible_date": _variants(("spend_date", "2204-04-10")),
        "negative_amount": _variants(("amount", NEGATE)),
        "out_of_range": _variants(("amount", "1000000000")),
        "unknown_currency": _variants(("currency", "EURO")),
        "missing_fx_rate": _variants(("currency", "CHF")),
    },
}

# Rows a template must satisfy for the variants of a (table, reason) to apply.
_TEMPLATE_FILTERS: dict[tuple[str, str], Callable[[Row, dict[str, int]], bool]] = {
    ("plans", "negative_amount"): lambda row, index: row[index["unit_price"]] not in ("0.00", ""),
    ("invoices", "end_before_start"): lambda row, index: row[index["due_at"]] != "",
}


def _line_template(row: Row, index: dict[str, int]) -> bool:
    return row[index["line_type"]] == "recurring"


START_EVENTS = ("trial_started", "activated")


def _subscription_starts(rows: list[Row], index: dict[str, int]) -> dict[str, datetime]:
    """Each subscription's first trial_started or activated event (docs/rejects.md)."""
    starts: dict[str, datetime] = {}
    for row in rows:
        if row[index["event_type"]] in START_EVENTS:
            subscription = row[index["subscription_id"]]
            at = datetime.fromisoformat(row[index["effective_at"]])
            starts[subscription] = min(at, starts.get(subscription, at))
    return starts


# A fresh key for a table: sets the key column(s) of a copied row (row as a list).
KeyMaker = Callable[[list[str], int], None]


class Injector:
    """Adds bad rows to one batch of tables and keeps the manifest of what it added."""

    def __init__(
        self,
        rng: random.Random,
        tables: dict[str, list[Row]],
        fresh_key: dict[str, KeyMaker],
        strict_only: bool,
    ) -> None:
        self.rng = rng
        self.tables = tables
        self.fresh_key = fresh_key
        self.strict_only = strict_only
        self.manifest: list[ManifestRow] = []
        self._inserts: dict[str, list[tuple[int, int, Row]]] = {table: [] for table in tables}
        self._counter = 0

    def add(self, table: str, reason: str) -> bool:
        """Add one bad row of this kind; False when the batch has no row to copy."""
        rows = self.tables[table]
        if not rows:
            return False
        index = column_index(table)
        rng = self.rng
        self._counter += 1
        if reason == "duplicate_key":
            position = rng.randrange(len(rows))
            original = rows[position]
            self._insert(table, rng.randint(position + 1, len(rows)), original)
            self.manifest.append(
                (table, record_key(table, original), key_column_name(table), reason)
            )
            return True
        template = self._template(table, reason, index)
        if template is None:
            return False
        variants = [
            variant for variant in VARIANTS[table][reason] if variant.strict or not self.strict_only
        ]
        variant = rng.choice(variants)
        row = list(template)
        self.fresh_key[table](row, self._counter)
        row[index[variant.column]] = self._value(table, row, index, variant)
        bad = tuple(row)
        self._insert(table, rng.randint(0, len(rows)), bad)
        self.manifest.append((table, record_key(table, bad), variant.column, reason))
        return True

    def _template(self, table: str, reason: str, index: dict[str, int]) -> Row | None:
        rows = self.tables[table]
        accept = _TEMPLATE_FILTERS.get((table, reason))
        if table == "invoice_line_items":
            accept = _line_template
        if (table, reason) == ("subscription_events", "event_before_activation"):
            starts = _subscription_starts(rows, index)

            def accept(row: Row, index: dict[str, int]) -> bool:
                return (
                    row[index["event_type"]] == "cancelled"
                    and row[index["subscription_id"]] in starts
                )

        if accept is None:
            return rows[self.rng.randrange(len(rows))]
        for _ in range(200):
            row = rows[self.rng.randrange(len(rows))]
            if accept(row, index):
                return row
        candidates = [row for row in rows if accept(row, index)]
        return self.rng.choice(candidates) if candidates else None

    def _value(self, table: str, row: list[str], index: dict[str, int], variant: Variant) -> str:
        current = row[index[variant.column]]
        if variant.value == NEGATE:
            return "-" + current
        if variant.value == BEFORE and table == "subscription_events":
            starts = _subscription_starts(self.tables[table], index)
            start = starts[row[index["subscription_id"]]]
            return (start - timedelta(days=self.rng.randint(1, 20))).isoformat()
        if variant.value == BEFORE and table == "invoices":
            issued = datetime.fromisoformat(row[index["issued_at"]])
            return (issued - timedelta(days=5)).isoformat()
        if variant.value in (BEFORE, SAME):
            start = datetime.fromisoformat(row[index["service_period_start"]])
            days = 0 if variant.value == SAME else self.rng.randint(1, 20)
            return (start - timedelta(days=days)).date().isoformat()
        return variant.value

    def _insert(self, table: str, position: int, row: Row) -> None:
        self._inserts[table].append((position, len(self._inserts[table]), row))

    def apply(self) -> None:
        """Merge the added rows into the tables at their positions."""
        for table, inserts in self._inserts.items():
            if not inserts:
                continue
            rows = self.tables[table]
            merged: list[Row] = []
            pending = sorted(inserts)
            cursor = 0
            for position, row in enumerate(rows):
                while cursor < len(pending) and pending[cursor][0] <= position:
                    merged.append(pending[cursor][2])
                    cursor += 1
                merged.append(row)
            merged.extend(insert[2] for insert in pending[cursor:])
            self.tables[table] = merged


def stochastic_count(rng: random.Random, expected: float) -> int:
    """`expected` rounded down or up at random, so the average is `expected`."""
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)
