"""Rules shared by the suites: value ranges by column name, identifier and code formats,
and the raw export spec's amount and date-order rules.

The mart rules are generic on purpose: every public mart gets them from its column
names, so a mart added tomorrow is checked without a line here. The first rule whose
pattern matches a column's name decides; a column no rule matches gets none (an
integer column still gets "not negative": in this project every integer is a count
or a duration).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from recurring_revenue import raw_spec

#: An identifier as billing systems write them: no spaces, starts with a letter or digit.
IDENTIFIER_REGEX = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
#: A raw currency code: three letters (staging upper-cases and trims them).
RAW_CURRENCY_REGEX = r"^\s*[A-Za-z]{3}\s*$"
#: A raw country code: two letters.
RAW_COUNTRY_REGEX = r"^\s*[A-Za-z]{2}\s*$"
#: A typed currency code after staging.
CURRENCY_REGEX = r"^[A-Z]{3}$"
COUNTRY_REGEX = r"^[A-Z]{2}$"
#: Anything shaped like an e-mail address: never in a mart.
EMAIL_REGEX = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
#: A keyed SHA-256 in hex, as the marts store personal data.
SHA256_REGEX = r"^[0-9a-f]{64}$"

#: Reasons staging may give for rejecting a row (one list: the raw export spec's).
REJECT_REASONS = raw_spec.REJECT_REASONS

#: Customer movement types (docs/conventions.md, "Movements").
MOVEMENT_TYPES = ("new", "expansion", "contraction", "churn", "reactivation", "unchanged")

NUMERIC_TYPES = ("DECIMAL", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT")
INTEGER_TYPES = ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER")
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


@dataclass(frozen=True)
class ValueRange:
    """Bounds for a numeric column; None = unbounded on that side."""

    min_value: float | None
    max_value: float | None
    description: str
    strict_min: bool = False


_NO_RULE = ValueRange(None, None, "")

#: (pattern on the column name, range); the first match wins, _NO_RULE stops the search.
MART_VALUE_RULES: tuple[tuple[re.Pattern[str], ValueRange], ...] = tuple(
    (re.compile(pattern), rule)
    for pattern, rule in (
        (
            r"(^|_)rate_to_reporting$|(^|_)fx_rate$",
            ValueRange(0, None, "an FX rate is above 0", strict_min=True),
        ),
        (r"^net_.*churn.*_rate$", ValueRange(None, 1, "a net churn rate is at most 1")),
        (
            r"^net_.*_rate$",
            ValueRange(0, None, "a net rate is not negative (with expansion it may exceed 1)"),
        ),
        (r"(^|_)indexation_rate$", ValueRange(-1, None, "a price change is at least -100%")),
        (
            r"(^|_)(nrr|net_revenue_retention)(_|$)|(^|_)revenue_retention$",
            ValueRange(0, None, "a revenue retention is not negative (it may exceed 1)"),
        ),
        (
            r"_rate$|_rate_|(^|_)share$|_share_|(^|_)(grr|gross_revenue_retention)(_|$)"
            r"|(^|_)logo_retention$",
            ValueRange(0, 1, "a rate, share or logo retention lies between 0 and 1"),
        ),
        (
            r"(^|_)(quick_ratio|ltv|cac|ltv_to_cac)(_|$)|_ratio$",
            ValueRange(0, None, "a ratio, LTV or CAC is not negative"),
        ),
        (
            r"(^|_)(contraction|churned|churn)_(mrr|arr)$",
            ValueRange(None, 0, "a contraction or churn movement is not positive"),
        ),
        (
            r"(^|_)transfer_out_(mrr|arr)$",
            ValueRange(None, 0, "MRR moved out of a segment is not positive"),
        ),
        (r"(^|_)(fx_impact|movement|change|difference|delta|gap|until)(_|$)", _NO_RULE),
        (
            r"(^|_)(mrr|arr|arpa|spend|price|amount|billed|quantity)(_|$)",
            ValueRange(0, None, "MRR, ARR and money amounts are not negative"),
        ),
        (r"(^|_)percent$", ValueRange(0, 100, "a percentage lies between 0 and 100")),
        (
            r"(^|_)(days|months|count|size|customers|trials|converted|lines)(_|$)",
            ValueRange(0, None, "counts and durations are not negative"),
        ),
    )
)

_INTEGER_RULE = ValueRange(0, None, "counts and durations are not negative")


def base_type(data_type: str) -> str:
    return data_type.split("(", 1)[0].strip().upper()


def is_numeric(data_type: str) -> bool:
    return base_type(data_type) in NUMERIC_TYPES + FLOAT_TYPES


def value_range(column: str, data_type: str) -> ValueRange | None:
    """The range a mart column's values must lie in, or None."""
    if not is_numeric(data_type):
        return None
    for pattern, rule in MART_VALUE_RULES:
        if pattern.search(column.lower()):
            return None if rule is _NO_RULE else rule
    if base_type(data_type) in INTEGER_TYPES:
        return _INTEGER_RULE
    return None


def is_month_column(column: str, data_type: str) -> bool:
    """A DATE column holding months (first days): `date_month`, `cohort_month`, ..."""
    name = column.lower()
    return base_type(data_type) == "DATE" and (name == "date_month" or name.endswith("_month"))


@dataclass(frozen=True)
class AmountRule:
    """A raw export spec amount that must not be negative (or must be above 0)."""

    column: str
    min_value: float = 0
    max_value: float | None = None
    strict_min: bool = False
    #: SQL condition (on the raw row) limiting the rows the rule applies to.
    only_when: str | None = None
    description: str = "is not negative"


#: docs/raw-spec.md: amounts per table.
AMOUNT_RULES: dict[str, tuple[AmountRule, ...]] = {
    "plans": (AmountRule("unit_price"),),
    "subscription_events": (
        AmountRule("quantity"),
        AmountRule("unit_price"),
        AmountRule("discount_amount"),
        AmountRule("discount_percent", max_value=100, description="lies between 0 and 100"),
    ),
    "invoice_line_items": (
        AmountRule(
            "amount",
            only_when=" AND ".join(
                f"lower(trim(line_type)) IS DISTINCT FROM '{line_type}'"
                for line_type in raw_spec.NEGATIVE_LINE_TYPES
            ),
            description="is not negative (except on "
            + " and ".join(raw_spec.NEGATIVE_LINE_TYPES)
            + " lines)",
        ),
        AmountRule("discount_amount"),
        AmountRule("tax_amount"),
    ),
    "payments": (AmountRule("amount", strict_min=True, description="is above 0"),),
    "fx_rates": (AmountRule("rate_to_reporting", strict_min=True, description="is above 0"),),
    "marketing_spend": (AmountRule("amount"),),
}


@dataclass(frozen=True)
class DateOrder:
    """`later` must not be before `earlier` (or must be after it, when strict)."""

    later: str
    earlier: str
    kind: str
    strict: bool


#: docs/rejects.md: end-before-start checks.
DATE_ORDER_RULES: dict[str, tuple[DateOrder, ...]] = {
    "invoices": (DateOrder("due_at", "issued_at", "timestamp", strict=False),),
    "invoice_line_items": (
        DateOrder("service_period_end", "service_period_start", "date", strict=True),
    ),
}
