"""The raw export spec (v1.1) as data: tables, columns in order, kinds and references.

One definition shared by the generator, the loader, the quality checks and the tests.
The prose version is docs/raw-spec.md; which empty or malformed values staging
rejects (and why) is docs/rejects.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SPEC_VERSION = "v1.1"

RAW_SCHEMA = "raw"
LOAD_LOG_TABLE = "_load_log"

#: File formats a table may come in, by file suffix.
FILE_FORMATS: tuple[str, ...] = ("csv", "parquet")

#: Columns the loader appends to every raw table, in this order.
LINEAGE_COLUMNS: tuple[str, ...] = (
    "_load_batch_id",
    "_source_file",
    "_source_row_number",
    "_loaded_at",
)

ColumnKind = Literal["string", "timestamp", "date", "decimal", "integer", "boolean"]


@dataclass(frozen=True)
class Column:
    """One spec column. Raw holds it as text whatever its kind; staging casts it."""

    name: str
    kind: ColumnKind
    #: The contract allows an empty value (for some columns only in some rows, see description).
    nullable: bool = False
    #: "<table>.<column>" this column refers to, if any.
    references: str | None = None
    #: The accepted values of an enumeration (compared lower-cased), if it is one.
    accepted_values: tuple[str, ...] | None = None
    description: str = ""


@dataclass(frozen=True)
class Table:
    """One spec table: one file per table, `<name>.csv` or `<name>.parquet`."""

    name: str
    required: bool
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


#: Reasons staging may give for rejecting a row, the `reject_reason` of
#: stg_billing__rejects (explained in docs/rejects.md; a test ties the SQL, the YAML,
#: the generator and the docs to this list: test_raw_spec_single_source.py).
REJECT_REASONS: tuple[str, ...] = (
    "missing_value",
    "unparseable_value",
    "implausible_date",
    "unknown_enum_value",
    "out_of_range",
    "negative_amount",
    "end_before_start",
    "duplicate_key",
    "orphan_reference",
    "event_before_activation",
    "unknown_currency",
    "missing_fx_rate",
)

BUSINESS_MODELS = ("subscription", "membership", "freemium", "contract", "consumption")
BILLING_INTERVAL_UNITS = ("day", "week", "month", "year")
EVENT_TYPES = (
    "trial_started",
    "activated",
    "plan_changed",
    "quantity_changed",
    "price_changed",
    "discount_changed",
    "paused",
    "resumed",
    "cancellation_scheduled",
    "cancellation_withdrawn",
    "cancelled",
    "renewed",
)
INVOICE_STATUSES = ("draft", "open", "paid", "void", "uncollectible")
LINE_TYPES = ("recurring", "proration", "one_time", "usage", "credit")
#: Line types whose amount may be negative (v1.1: a proration may be a credit for
#: unused time, as on a downgrade); any other negative line amount is `negative_amount`.
NEGATIVE_LINE_TYPES = ("credit", "proration")
PAYMENT_TYPES = ("charge", "refund")
PAYMENT_STATUSES = ("succeeded", "failed", "pending")


TABLES: tuple[Table, ...] = (
    Table(
        name="customers",
        required=True,
        primary_key=("customer_id",),
        description="One row per customer.",
        columns=(
            Column("customer_id", "string", description="primary key"),
            Column("customer_name", "string", description="personal data"),
            Column("email", "string", description="personal data; never exposed unmasked"),
            Column("country_code", "string", nullable=True, description="ISO-3166 alpha-2"),
            Column(
                "acquisition_channel",
                "string",
                nullable=True,
                description="joins marketing_spend.channel",
            ),
            Column("created_at", "timestamp", description="sign-up time"),
        ),
    ),
    Table(
        name="plans",
        required=True,
        primary_key=("plan_id",),
        description="One row per price plan.",
        columns=(
            Column("plan_id", "string", description="primary key"),
            Column("plan_name", "string"),
            Column("product_name", "string"),
            Column("business_model", "string", accepted_values=BUSINESS_MODELS),
            Column("billing_interval_unit", "string", accepted_values=BILLING_INTERVAL_UNITS),
            Column("billing_interval_count", "integer", description=">= 1"),
            Column("currency", "string", description="ISO-4217"),
            Column(
                "unit_price",
                "decimal",
                description="list price per unit per billing interval, >= 0",
            ),
            Column("trial_days", "integer", nullable=True),
        ),
    ),
    Table(
        name="subscriptions",
        required=True,
        primary_key=("subscription_id",),
        description="One row per subscription.",
        columns=(
            Column("subscription_id", "string", description="primary key"),
            Column("customer_id", "string", references="customers.customer_id"),
            Column("created_at", "timestamp"),
            Column("commitment_months", "integer", nullable=True, description="contract term"),
            Column(
                "notice_period_days",
                "integer",
                nullable=True,
                description="cancellation notice before term end",
            ),
            Column("auto_renew", "boolean", nullable=True),
        ),
    ),
    Table(
        name="subscription_events",
        required=True,
        primary_key=("event_id",),
        description="Append-only history of each subscription's state "
        "(docs/subscription-events.md).",
        columns=(
            Column("event_id", "string", description="primary key"),
            Column("subscription_id", "string", references="subscriptions.subscription_id"),
            Column("event_type", "string", accepted_values=EVENT_TYPES),
            Column("effective_at", "timestamp", description="when the new state takes effect"),
            Column("recorded_at", "timestamp", description="when the billing system recorded it"),
            Column("plan_id", "string", references="plans.plan_id", description="plan after"),
            Column("quantity", "decimal", description="units after the event, >= 0"),
            Column(
                "unit_price",
                "decimal",
                nullable=True,
                description="actual price per unit per interval; empty = the plan's list price",
            ),
            Column("discount_percent", "decimal", nullable=True, description="0-100"),
            Column("discount_amount", "decimal", nullable=True, description="per interval"),
            Column(
                "cancellation_reason",
                "string",
                nullable=True,
                description="voluntary, non_payment, or free text",
            ),
        ),
    ),
    Table(
        name="invoices",
        required=True,
        primary_key=("invoice_id",),
        description="One row per invoice.",
        columns=(
            Column("invoice_id", "string", description="primary key"),
            Column("customer_id", "string", references="customers.customer_id"),
            Column("currency", "string", description="ISO-4217"),
            Column("status", "string", accepted_values=INVOICE_STATUSES),
            Column("issued_at", "timestamp"),
            Column("due_at", "timestamp", nullable=True),
        ),
    ),
    Table(
        name="invoice_line_items",
        required=True,
        primary_key=("line_item_id",),
        description="One row per invoice line.",
        columns=(
            Column("line_item_id", "string", description="primary key"),
            Column("invoice_id", "string", references="invoices.invoice_id"),
            Column(
                "subscription_id",
                "string",
                nullable=True,
                references="subscriptions.subscription_id",
                description="empty for one-time charges",
            ),
            Column("plan_id", "string", nullable=True, references="plans.plan_id"),
            Column("line_type", "string", accepted_values=LINE_TYPES),
            Column("description", "string", nullable=True),
            Column(
                "service_period_start",
                "date",
                nullable=True,
                description="empty only for one_time lines",
            ),
            Column(
                "service_period_end",
                "date",
                nullable=True,
                description="exclusive; empty only for one_time lines",
            ),
            Column("quantity", "decimal"),
            Column(
                "amount",
                "decimal",
                description="before discount and tax; negative only for credit and proration",
            ),
            Column("discount_amount", "decimal", description=">= 0"),
            Column("tax_amount", "decimal", description=">= 0"),
        ),
    ),
    Table(
        name="payments",
        required=True,
        primary_key=("payment_id",),
        description="One row per payment attempt or refund.",
        columns=(
            Column("payment_id", "string", description="primary key"),
            Column("invoice_id", "string", references="invoices.invoice_id"),
            Column("payment_type", "string", accepted_values=PAYMENT_TYPES),
            Column("status", "string", accepted_values=PAYMENT_STATUSES),
            Column("amount", "decimal", description="> 0"),
            Column("currency", "string", description="ISO-4217"),
            Column("occurred_at", "timestamp"),
            Column("failure_reason", "string", nullable=True),
        ),
    ),
    Table(
        name="fx_rates",
        required=False,
        primary_key=("currency", "rate_date"),
        description="One row per currency per day; required when any amount is not in the "
        "reporting currency.",
        columns=(
            Column("rate_date", "date"),
            Column("currency", "string", description="ISO-4217"),
            Column(
                "rate_to_reporting",
                "decimal",
                description="units of the reporting currency for one unit of currency",
            ),
        ),
    ),
    Table(
        name="marketing_spend",
        required=False,
        primary_key=("spend_date", "channel", "currency"),
        description="Acquisition cost by channel and day.",
        columns=(
            Column("spend_date", "date"),
            Column("channel", "string"),
            Column("amount", "decimal"),
            Column("currency", "string", description="ISO-4217"),
        ),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}
REQUIRED_TABLES: tuple[str, ...] = tuple(table.name for table in TABLES if table.required)
OPTIONAL_TABLES: tuple[str, ...] = tuple(table.name for table in TABLES if not table.required)


def table(name: str) -> Table:
    """The spec table called `name` (KeyError if there is none)."""
    return TABLES_BY_NAME[name]
