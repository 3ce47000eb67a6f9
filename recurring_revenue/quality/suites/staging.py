"""Staging layer suites: the rejects share and the row identity per raw table, the
rejects ledger, and the staged models' keys, codes, amounts and date order.

Staged rows passed every row check, so these expectations are strict (no `mostly`).
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from recurring_revenue.quality.catalog import WarehouseCatalog, quote, relation
from recurring_revenue.quality.model import CheckSettings, TableSuite
from recurring_revenue.quality.rules import (
    AMOUNT_RULES,
    COUNTRY_REGEX,
    CURRENCY_REGEX,
    DATE_ORDER_RULES,
    REJECT_REASONS,
)
from recurring_revenue.raw_spec import RAW_SCHEMA, REQUIRED_TABLES, TABLES, Table

STAGING_SCHEMA = "staging"
REJECTS = "stg_billing__rejects"
SUPERSEDED = "stg_billing__superseded"
_BUILD = "run `dbt build` on this warehouse first"


def staged_model(table: str) -> str:
    return f"stg_billing__{table}"


def staging_suites(catalog: WarehouseCatalog, settings: CheckSettings) -> list[TableSuite]:
    suites = [_rejects_by_table(catalog, settings), _rejects_ledger(catalog)]
    suites.extend(_staged_suite(table, catalog) for table in TABLES)
    return suites


def _rejects_by_table(catalog: WarehouseCatalog, settings: CheckSettings) -> TableSuite:
    name = f"{STAGING_SCHEMA}.rejects_by_table"
    description = (
        "One row per raw table: raw rows, staged rows, rejected rows and rows superseded by a "
        "later batch. Raw rows = staged + rejected + superseded, and the rejected share "
        "stays within rejects_error_share."
    )
    missing = [
        f"{schema}.{relation_name}"
        for table in TABLES
        for schema, relation_name in (
            (RAW_SCHEMA, table.name),
            (STAGING_SCHEMA, staged_model(table.name)),
        )
        if not catalog.has(schema, relation_name)
    ]
    if not catalog.has(STAGING_SCHEMA, REJECTS):
        missing.append(f"{STAGING_SCHEMA}.{REJECTS}")
    if missing:
        return TableSuite(
            "staging",
            name,
            description,
            "",
            problem=f"missing {', '.join(missing)}: {_BUILD}",
        )
    counts = "\n    UNION ALL\n    ".join(
        f"SELECT '{table.name}' AS table_name, "
        f"(SELECT count(*) FROM {relation(RAW_SCHEMA, table.name)}) AS raw_rows, "
        f"(SELECT count(*) FROM {relation(STAGING_SCHEMA, staged_model(table.name))}) "
        "AS staged_rows"
        for table in TABLES
    )
    required = ", ".join(f"'{table}'" for table in REQUIRED_TABLES)
    superseded = (
        f"SELECT table_name, count(*) AS superseded_rows "
        f"FROM {relation(STAGING_SCHEMA, SUPERSEDED)} GROUP BY table_name"
        if catalog.has(STAGING_SCHEMA, SUPERSEDED)
        else "SELECT NULL AS table_name, 0 AS superseded_rows"
    )
    query = f"""
        WITH counts AS (
            {counts}
        ),
        rejected AS (
            SELECT table_name, count(*) AS rejected_rows
            FROM {relation(STAGING_SCHEMA, REJECTS)}
            GROUP BY table_name
        ),
        superseded AS (
            {superseded}
        )
        SELECT
            counts.table_name,
            counts.raw_rows,
            counts.staged_rows,
            coalesce(rejected.rejected_rows, 0) AS rejected_rows,
            coalesce(superseded.superseded_rows, 0) AS superseded_rows,
            counts.raw_rows - counts.staged_rows - coalesce(rejected.rejected_rows, 0)
                - coalesce(superseded.superseded_rows, 0) AS unaccounted_rows,
            CASE WHEN counts.raw_rows > 0
                THEN coalesce(rejected.rejected_rows, 0) / counts.raw_rows END AS rejected_share,
            CASE WHEN counts.table_name IN ({required}) THEN counts.staged_rows END
                AS required_staged_rows
        FROM counts
        LEFT JOIN rejected ON counts.table_name = rejected.table_name
        LEFT JOIN superseded ON counts.table_name = superseded.table_name
        ORDER BY counts.table_name
    """
    share = settings.rejects_error_share
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToBeBetween(
            column="rejected_share",
            min_value=0,
            max_value=share,
            description=f"at most {share:.1%} of each raw table's rows are rejected "
            "(rejects_error_share)",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="unaccounted_rows",
            min_value=0,
            max_value=0,
            description="raw rows = staged rows + rejected rows + superseded rows, for every table",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="required_staged_rows",
            min_value=1,
            description="every required table keeps at least one staged row",
        ),
    ]
    return TableSuite("staging", name, description, query, expectations, ("table_name",))


def _rejects_ledger(catalog: WarehouseCatalog) -> TableSuite:
    name = f"{STAGING_SCHEMA}.{REJECTS}"
    description = "One row per unusable raw row, with its table, column and reason."
    if not catalog.has(STAGING_SCHEMA, REJECTS):
        return TableSuite("staging", name, description, "", problem=f"{name} is missing: {_BUILD}")
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToBeInSet(
            column="table_name",
            value_set=[table.name for table in TABLES],
            description="table_name is a spec table",
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="table_name", description="table_name is set"),
        gxe.ExpectColumnValuesToBeInSet(
            column="reject_reason",
            value_set=list(REJECT_REASONS),
            description="reject_reason is one of docs/rejects.md",
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="reject_reason", description="reject_reason is set"
        ),
    ]
    query = f"SELECT * FROM {relation(STAGING_SCHEMA, REJECTS)}"
    return TableSuite(
        "staging", name, description, query, expectations, ("table_name", "source_row_number")
    )


def _staged_suite(table: Table, catalog: WarehouseCatalog) -> TableSuite:
    model = staged_model(table.name)
    name = f"{STAGING_SCHEMA}.{model}"
    description = f"{table.description} Usable rows only, typed."
    if not catalog.has(STAGING_SCHEMA, model):
        return TableSuite("staging", name, description, "", problem=f"{name} is missing: {_BUILD}")
    present = set(catalog.column_names(STAGING_SCHEMA, model))
    key = [column for column in table.primary_key if column in present]
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToNotBeNull(column=column, description=f"key {column} is set")
        for column in key
    ]
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
    if "currency" in present:
        expectations.append(
            gxe.ExpectColumnValuesToMatchRegex(
                column="currency",
                regex=CURRENCY_REGEX,
                description="currency is an upper-case ISO-4217 code",
            )
        )
    if "country_code" in present:
        expectations.append(
            gxe.ExpectColumnValuesToMatchRegex(
                column="country_code",
                regex=COUNTRY_REGEX,
                description="country_code is an upper-case ISO-3166 code",
            )
        )
    derived: list[str] = []
    for rule in AMOUNT_RULES.get(table.name, ()):
        if rule.column not in present:
            continue
        column = rule.column
        if rule.only_when:
            column = f"{rule.column}__checked"
            derived.append(
                f"CASE WHEN {rule.only_when} THEN {quote(rule.column)} END AS {quote(column)}"
            )
        expectations.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=column,
                min_value=rule.min_value,
                max_value=rule.max_value,
                strict_min=rule.strict_min,
                description=f"{rule.column} {rule.description}",
            )
        )
    for order in DATE_ORDER_RULES.get(table.name, ()):
        if {order.later, order.earlier} <= present:
            relation_text = "after" if order.strict else "on or after"
            expectations.append(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=order.later,
                    column_B=order.earlier,
                    or_equal=not order.strict,
                    ignore_row_if="either_value_is_missing",
                    description=f"{order.later} is {relation_text} {order.earlier}",
                )
            )
    columns = ", ".join(["*", *derived])
    query = f"SELECT {columns} FROM {relation(STAGING_SCHEMA, model)}"
    return TableSuite("staging", name, description, query, expectations, tuple(key))
