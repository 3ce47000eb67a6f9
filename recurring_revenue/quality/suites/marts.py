"""Mart suites: every public mart of the dbt manifest, plus what is known of some.

Generic, from the manifest and the warehouse catalog, for every public mart:
- the relation exists;
- no VARCHAR value is an e-mail address or a raw customer name or e-mail (the
  values themselves are never shown in a report);
- no DOUBLE / FLOAT column anywhere (money and rates are decimals).

Specific, where the columns are known: the month-over-month change bound on total
MRR (a wrong FX rate shows up there first), a non-empty MRR series, hashed personal
data.

The row and identity rules are dbt's: the MRR bridge, the month chain, ARR = 12 x
MRR, the churn split, a customer's movements adding up, and each public mart's
columns (its enforced model contract), grain (a primary key or unique test with
not-null key columns), value ranges by column name (`mart_value_ranges`) and month
dates (`mart_month_dates`), all run by every `dbt build`
(recurring_revenue.quality.ownership); the HTML report lists their
results from dbt's run_results.json. Every expectation here names its check in
`meta`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import great_expectations.expectations as gxe

from recurring_revenue.quality.catalog import (
    MartSpec,
    WarehouseCatalog,
    personal_values_sql,
    quote,
    relation,
)
from recurring_revenue.quality.model import CheckSettings, TableSuite
from recurring_revenue.quality.ownership import gx_meta
from recurring_revenue.quality.rules import (
    EMAIL_REGEX,
    FLOAT_TYPES,
    SHA256_REGEX,
    base_type,
)

_BUILD = "run `dbt build` on this warehouse first"


@dataclass
class _Additions:
    """Derived columns and expectations a specific check adds to a mart's suite."""

    #: (SQL expression, column name) pairs appended to the read query.
    derived: list[tuple[str, str]] = field(default_factory=list)
    expectations: list[gxe.Expectation] = field(default_factory=list)

    def derive(self, expression: str, name: str) -> None:
        self.derived.append((expression, name))


def mart_suites(
    catalog: WarehouseCatalog, settings: CheckSettings, marts: list[MartSpec]
) -> list[TableSuite]:
    suites = [_mart_suite(mart, catalog, settings) for mart in marts]
    suites.append(_column_types_suite(catalog, marts))
    return suites


def _mart_suite(mart: MartSpec, catalog: WarehouseCatalog, settings: CheckSettings) -> TableSuite:
    name = mart.label
    description = f"Public mart {mart.name}" + (f" v{mart.version}" if mart.version else "") + "."
    if not catalog.has(mart.schema, mart.alias):
        return TableSuite(
            "marts",
            name,
            description,
            "",
            problem=f"the public mart {name} is in the dbt project but not in the warehouse: "
            f"{_BUILD}",
        )
    types = catalog.column_types(mart.schema, mart.alias)
    present = set(types)
    personal = personal_values_sql(catalog)
    additions = _Additions()
    expectations = additions.expectations

    key = [column for column in mart.key if column in present]
    for column, data_type in types.items():
        if base_type(data_type) == "VARCHAR":
            flag = f"{column}__is_personal_data"
            test = f"regexp_matches({quote(column)}, '{EMAIL_REGEX}')"
            if personal is not None:
                test += f" OR trim({quote(column)}) IN (SELECT value FROM personal_values)"
            additions.derive(test, flag)
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=flag,
                    value_set=[False],
                    description=f"{column} holds no personal data (no e-mail address, no raw "
                    "customer name or e-mail)",
                    meta=gx_meta("personal_data_scan", sensitive=True),
                )
            )

    specific = SPECIFIC_CHECKS.get(mart.name)
    if specific is not None:
        specific(present, settings, additions)

    columns = ", ".join(["*", *(f"{sql} AS {quote(name)}" for sql, name in additions.derived)])
    order = f" ORDER BY {', '.join(quote(column) for column in key)}" if key else ""
    with_personal = f"WITH personal_values AS ({personal}) " if personal is not None else ""
    query = f"{with_personal}SELECT {columns} FROM {relation(mart.schema, mart.alias)}{order}"
    return TableSuite("marts", name, description, query, expectations, tuple(key))


def _column_types_suite(catalog: WarehouseCatalog, marts: list[MartSpec]) -> TableSuite:
    """One row per column of every public mart: no binary floats."""
    wanted = [mart for mart in marts if catalog.has(mart.schema, mart.alias)]
    description = "Every column of every public mart: money and rates are decimals."
    if not wanted:
        return TableSuite(
            "marts",
            "marts.column_types",
            description,
            "",
            problem=f"no public mart is in the warehouse: {_BUILD}",
        )
    pairs = ", ".join(f"('{mart.schema}', '{mart.alias}')" for mart in wanted)
    query = f"""
        SELECT schema_name || '.' || table_name AS mart, column_name, data_type
        FROM duckdb_columns()
        WHERE database_name = current_database() AND (schema_name, table_name) IN ({pairs})
        ORDER BY mart, column_index
    """
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToNotBeInSet(
            column="data_type",
            value_set=list(FLOAT_TYPES),
            description="no DOUBLE or FLOAT column in any mart",
            meta=gx_meta("column_type_scan"),
        )
    ]
    return TableSuite(
        "marts", "marts.column_types", description, query, expectations, ("mart", "column_name")
    )


# Specific checks for marts whose columns are known; each applies only the parts whose
# columns exist, so a changed mart loses a check rather than breaking the run.


def _fct_mrr_monthly(present: set[str], settings: CheckSettings, additions: _Additions) -> None:
    expectations = additions.expectations
    expectations.append(
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            description="the MRR series is not empty",
            meta=gx_meta("mrr_series_not_empty"),
        )
    )
    window = "OVER (ORDER BY date_month)"
    if {"ending_mrr", "date_month"} <= present:
        grace = settings.mrr_change_grace_months
        previous = f"lag(ending_mrr) {window}"
        additions.derive(
            f"CASE WHEN row_number() {window} > {grace} AND {previous} > 0 "
            f"THEN round(abs(ending_mrr - {previous}) / {previous}, 6) END",
            "mrr_change_from_previous_month",
        )
        bound = settings.max_mrr_change
        expectations.append(
            gxe.ExpectColumnValuesToBeBetween(
                column="mrr_change_from_previous_month",
                min_value=0,
                max_value=bound,
                description=f"total MRR changes by at most {bound:.0%} from one month to the "
                f"next after the first {grace} months (--max-mrr-change)",
                meta=gx_meta("mrr_month_over_month_drift"),
            )
        )


def _dim_customers(present: set[str], settings: CheckSettings, additions: _Additions) -> None:
    for column in ("email_hash", "customer_name_hash"):
        if column in present:
            additions.expectations.append(
                gxe.ExpectColumnValuesToMatchRegex(
                    column=column,
                    regex=SHA256_REGEX,
                    description=f"{column} is a SHA-256 in hex (personal data stays hashed)",
                    meta=gx_meta("personal_data_hashed"),
                )
            )


SPECIFIC_CHECKS: dict[str, Callable[[set[str], CheckSettings, _Additions], None]] = {
    "fct_mrr_monthly": _fct_mrr_monthly,
    "dim_customers": _dim_customers,
}
