"""Mart suites: every public mart of the dbt manifest, plus what is known of some.

Generic, from the manifest and the warehouse catalog, for every public mart:
- the relation exists and has exactly the contract's columns;
- its grain (primary-key constraint or unique test) is unique and never NULL;
- value ranges by column name (rates and shares in 0-1, MRR and money not
  negative, churn movements not positive; recurring_revenue.quality.rules);
- month columns hold first days, and a series keyed by `date_month` alone has no
  gaps;
- no VARCHAR value is an e-mail address or a raw customer name or e-mail (the
  values themselves are never shown in a report);
- no DOUBLE / FLOAT column anywhere (money and rates are decimals).

Specific, where the columns are known: the MRR bridge identity, each month starting
where the last ended, ARR = 12 x MRR, the churn split, the month-over-month change
bound on total MRR (a wrong FX rate shows up there first), the customer-level
movement identity, hashed personal data.

Identities are computed as derived columns in the read query (exact decimal
arithmetic in DuckDB) and judged by great-expectations, so no float rounding blurs
them.
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
from recurring_revenue.quality.rules import (
    EMAIL_REGEX,
    FLOAT_TYPES,
    MOVEMENT_TYPES,
    SHA256_REGEX,
    base_type,
    is_month_column,
    value_range,
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
    for column in key:
        expectations.append(
            gxe.ExpectColumnValuesToNotBeNull(column=column, description=f"key {column} is set")
        )
    if len(key) == 1:
        expectations.append(
            gxe.ExpectColumnValuesToBeUnique(column=key[0], description=f"key {key[0]} is unique")
        )
    elif key:
        expectations.append(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=key, description=f"key ({', '.join(key)}) is unique"
            )
        )

    for column, data_type in types.items():
        rule = value_range(column, data_type)
        if rule is not None:
            expectations.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column,
                    min_value=rule.min_value,
                    max_value=rule.max_value,
                    strict_min=rule.strict_min,
                    description=f"{column}: {rule.description}",
                )
            )
        if is_month_column(column, data_type):
            day = f"{column}__day"
            additions.derive(f"day({quote(column)})", day)
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=day, value_set=[1], description=f"{column} is a month's first day"
                )
            )
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
                    meta={"sensitive": True},
                )
            )

    if key == ["date_month"] and "date_month" in present:
        gap = "date_month__months_after_previous"
        additions.derive(
            "date_diff('month', lag(date_month) OVER (ORDER BY date_month), date_month)", gap
        )
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(
                column=gap,
                value_set=[1],
                description="months are contiguous: each row is the month after the one before",
            )
        )

    specific = SPECIFIC_CHECKS.get(mart.name)
    if specific is not None:
        specific(present, settings, additions)

    declared = [column for column, _ in mart.columns]
    if declared:
        derived_names = [name for _, name in additions.derived]
        expectations.insert(
            0,
            gxe.ExpectTableColumnsToMatchSet(
                column_set=[*declared, *derived_names],
                exact_match=True,
                description="the columns are exactly the contract's",
            ),
        )
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
        )
    ]
    return TableSuite(
        "marts", "marts.column_types", description, query, expectations, ("mart", "column_name")
    )


# Specific checks for marts whose columns are known; each applies only the parts whose
# columns exist, so a changed mart loses a check rather than breaking the run.

BRIDGE_MOVEMENTS = (
    "new_mrr",
    "expansion_mrr",
    "reactivation_mrr",
    "contraction_mrr",
    "churned_mrr",
    "fx_impact_mrr",
)


def _fct_mrr_monthly(present: set[str], settings: CheckSettings, additions: _Additions) -> None:
    expectations = additions.expectations
    expectations.append(
        gxe.ExpectTableRowCountToBeBetween(min_value=1, description="the MRR series is not empty")
    )
    window = "OVER (ORDER BY date_month)"
    if {"ending_mrr", "starting_mrr", *BRIDGE_MOVEMENTS} <= present:
        movements = " + ".join(BRIDGE_MOVEMENTS)
        additions.derive(f"ending_mrr - (starting_mrr + {movements})", "bridge_gap")
        expectations.append(_zero("bridge_gap", "bridge identity: ending = starting + movements"))
    if {"ending_mrr", "starting_mrr", "date_month"} <= present:
        additions.derive(
            f"starting_mrr - coalesce(lag(ending_mrr) {window}, 0)", "carried_over_gap"
        )
        expectations.append(
            _zero("carried_over_gap", "each month starts where the one before ended")
        )
    if {"arr", "ending_mrr"} <= present:
        additions.derive("arr - 12 * ending_mrr", "arr_gap")
        expectations.append(_zero("arr_gap", "ARR = 12 x ending MRR"))
    if {"churned_mrr", "voluntary_churned_mrr", "involuntary_churned_mrr"} <= present:
        additions.derive(
            "churned_mrr - (voluntary_churned_mrr + involuntary_churned_mrr)", "churn_split_gap"
        )
        expectations.append(_zero("churn_split_gap", "churn = voluntary + involuntary churn"))
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
            )
        )


def _fct_customer_mrr_monthly(
    present: set[str], settings: CheckSettings, additions: _Additions
) -> None:
    expectations = additions.expectations
    if "movement_type" in present:
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(
                column="movement_type",
                value_set=list(MOVEMENT_TYPES),
                description="movement_type is one of the six movement types (docs/conventions.md)",
            )
        )
    if {"mrr", "previous_mrr", *BRIDGE_MOVEMENTS} <= present:
        movements = " + ".join(BRIDGE_MOVEMENTS)
        additions.derive(f"mrr - previous_mrr - ({movements})", "movement_gap")
        expectations.append(
            _zero("movement_gap", "a customer's MRR change is the sum of its movements")
        )
    if {"mrr", "previous_mrr", "mrr_movement"} <= present:
        additions.derive("mrr_movement - (mrr - previous_mrr)", "mrr_movement_gap")
        expectations.append(_zero("mrr_movement_gap", "mrr_movement = mrr - previous_mrr"))
    if {"mrr", "is_paying"} <= present:
        additions.derive("is_paying = (mrr > 0)", "is_paying_matches_mrr")
        expectations.append(
            gxe.ExpectColumnValuesToBeInSet(
                column="is_paying_matches_mrr",
                value_set=[True],
                description="is_paying exactly when MRR > 0",
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
                )
            )


def _zero(column: str, description: str) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=0, max_value=0, description=description
    )


SPECIFIC_CHECKS: dict[str, Callable[[set[str], CheckSettings, _Additions], None]] = {
    "fct_mrr_monthly": _fct_mrr_monthly,
    "fct_customer_mrr_monthly": _fct_customer_mrr_monthly,
    "dim_customers": _dim_customers,
}
