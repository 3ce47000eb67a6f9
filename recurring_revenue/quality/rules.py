"""Rules shared by the suites: identifier and code formats, the raw export spec's amount
and date-order rules, and the column types no mart may have.

The value ranges of public mart columns by column name are dbt's (the generic test
`mart_value_ranges`, its rules in macros/quality/mart_value_rules.sql).
"""

from __future__ import annotations

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

FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def base_type(data_type: str) -> str:
    return data_type.split("(", 1)[0].strip().upper()


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
