"""The raw export spec as the generator writes it: tables, columns, keys, rejects.

Tables, columns (names and order) and keys come from the project's one contract
definition, `recurring_revenue.raw_spec`. `REJECT_REASONS` lists, per table,
every reason docs/rejects.md can give a row of that table; the bad-row injector
writes each of them.
"""

from __future__ import annotations

from recurring_revenue import raw_spec as shared

TABLES: tuple[str, ...] = tuple(table.name for table in shared.TABLES)
COLUMNS: dict[str, tuple[str, ...]] = {table.name: table.column_names for table in shared.TABLES}
KEY_COLUMNS: dict[str, tuple[str, ...]] = {table.name: table.primary_key for table in shared.TABLES}

# Tables whose rows come from the customer simulation (written chunk by chunk);
# the others are small and written whole by the main process.
CUSTOMER_TABLES: tuple[str, ...] = (
    "customers",
    "subscriptions",
    "subscription_events",
    "invoices",
    "invoice_line_items",
    "payments",
)
GLOBAL_TABLES: tuple[str, ...] = ("plans", "fx_rates", "marketing_spend")

REJECT_REASONS: dict[str, tuple[str, ...]] = {
    "customers": ("missing_value", "unparseable_value", "implausible_date", "duplicate_key"),
    "plans": (
        "missing_value",
        "unknown_enum_value",
        "unparseable_value",
        "out_of_range",
        "negative_amount",
        "duplicate_key",
        "unknown_currency",
        "missing_fx_rate",
    ),
    "subscriptions": (
        "missing_value",
        "unparseable_value",
        "implausible_date",
        "out_of_range",
        "duplicate_key",
        "orphan_reference",
    ),
    "subscription_events": (
        "missing_value",
        "unknown_enum_value",
        "unparseable_value",
        "implausible_date",
        "negative_amount",
        "out_of_range",
        "duplicate_key",
        "orphan_reference",
        "event_before_activation",
    ),
    "invoices": (
        "missing_value",
        "unknown_enum_value",
        "unparseable_value",
        "implausible_date",
        "end_before_start",
        "duplicate_key",
        "orphan_reference",
        "unknown_currency",
        "missing_fx_rate",
    ),
    "invoice_line_items": (
        "missing_value",
        "unknown_enum_value",
        "unparseable_value",
        "implausible_date",
        "end_before_start",
        "negative_amount",
        "out_of_range",
        "duplicate_key",
        "orphan_reference",
    ),
    "payments": (
        "missing_value",
        "unknown_enum_value",
        "unparseable_value",
        "implausible_date",
        "negative_amount",
        "out_of_range",
        "duplicate_key",
        "orphan_reference",
        "unknown_currency",
        "missing_fx_rate",
    ),
    "fx_rates": (
        "missing_value",
        "unparseable_value",
        "implausible_date",
        "out_of_range",
        "duplicate_key",
        "unknown_currency",
    ),
    "marketing_spend": (
        "missing_value",
        "unparseable_value",
        "implausible_date",
        "negative_amount",
        "out_of_range",
        "duplicate_key",
        "unknown_currency",
        "missing_fx_rate",
    ),
}

MANIFEST_FILE = "_expected_rejects.csv"
MANIFEST_COLUMNS: tuple[str, ...] = ("table_name", "record_key", "column_name", "reject_reason")


def column_index(table: str) -> dict[str, int]:
    """Position of each column of `table` in its rows."""
    return {name: position for position, name in enumerate(COLUMNS[table])}


def record_key(table: str, row: tuple[str, ...] | list[str]) -> str:
    """The row's key as the rejects ledger shows it: key parts joined with `|`."""
    index = column_index(table)
    return "|".join(row[index[name]] for name in KEY_COLUMNS[table])


def key_column_name(table: str) -> str:
    """The `column_name` of a duplicate-key reject: the key column(s), joined with `|`."""
    return "|".join(KEY_COLUMNS[table])
