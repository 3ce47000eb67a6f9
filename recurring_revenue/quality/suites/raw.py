"""Raw layer suites: one per spec table, as `rrw load` left it.

Structural expectations are strict (the table and every contract and lineage column
exist, the row count equals raw._load_log, every row carries the logged batch, a
required table is not empty). Value expectations (identifier and currency formats,
non-negative amounts, date order) allow the share of rows staging may reject
(`rejects_error_share`): raw holds the export as it came, and staging routes bad
rows to the rejects ledger; past that share the batch is more likely broken than
dirty.
"""

from __future__ import annotations

import great_expectations.expectations as gxe

from recurring_revenue.quality.catalog import WarehouseCatalog, quote, relation
from recurring_revenue.quality.model import CheckSettings, TableSuite
from recurring_revenue.quality.rules import (
    AMOUNT_RULES,
    DATE_ORDER_RULES,
    IDENTIFIER_REGEX,
    RAW_COUNTRY_REGEX,
    RAW_CURRENCY_REGEX,
)
from recurring_revenue.raw_spec import (
    LINEAGE_COLUMNS,
    LOAD_LOG_TABLE,
    RAW_SCHEMA,
    TABLES,
    Table,
)

_LOAD = "load the billing files with `rrw load FOLDER` (or the main job)"


def raw_suites(catalog: WarehouseCatalog, settings: CheckSettings) -> list[TableSuite]:
    return [_table_suite(table, catalog, settings) for table in TABLES]


def _table_suite(table: Table, catalog: WarehouseCatalog, settings: CheckSettings) -> TableSuite:
    name = f"{RAW_SCHEMA}.{table.name}"
    description = f"{table.description} Raw text as loaded."
    source = relation(RAW_SCHEMA, table.name)
    if not catalog.has(RAW_SCHEMA, table.name):
        return TableSuite("raw", name, description, "", problem=f"{name} does not exist: {_LOAD}")
    present = set(catalog.column_names(RAW_SCHEMA, table.name))
    derived: list[str] = []
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnToExist(column=column, description=f"column {column} exists")
        for column in (*table.column_names, *LINEAGE_COLUMNS)
    ]
    suite = TableSuite("raw", name, description, "", expectations, ("_source_row_number",))

    batch = catalog.batch
    if batch is None:
        suite.problem = f"{RAW_SCHEMA}.{LOAD_LOG_TABLE} is missing or empty: {_LOAD}"
    elif table.name not in batch.rows:
        suite.problem = (
            f"{RAW_SCHEMA}.{LOAD_LOG_TABLE} has no row for {table.name} in batch "
            f"{batch.batch_id}: {_LOAD}"
        )
    else:
        expectations.append(
            gxe.ExpectTableRowCountToEqual(
                value=batch.rows[table.name],
                description=f"row count equals raw._load_log ({batch.rows[table.name]:,} rows "
                f"in batch {batch.batch_id}"
                + (
                    f" and the {len(batch.batch_ids) - 1} batches before it since the snapshot)"
                    if len(batch.batch_ids) > 1
                    else ")"
                ),
            )
        )
        if "_load_batch_id" in present:
            expectations.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column="_load_batch_id",
                    value_set=list(batch.batch_ids or (batch.batch_id,)),
                    description="every row comes from a logged batch",
                )
            )
    if table.required:
        expectations.append(
            gxe.ExpectTableRowCountToBeBetween(
                min_value=1, description="a required table is not empty"
            )
        )
    if {"_source_row_number", "_load_batch_id"} <= present:
        expectations.append(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=["_load_batch_id", "_source_row_number"],
                description="one row per file row of each batch",
            )
        )

    # Value checks: one derived column per check holding the offending text on a row
    # that fails it (NULL otherwise), expected NULL on all but the rejects share of the
    # table's rows (not of the column's non-empty values: sparse columns stay fair).
    mostly = settings.mostly
    share = f"at least {mostly:.0%} of rows"

    def value_check(check: str, violated: str, shown: str, description: str) -> None:
        flag = f"{check}__violation"
        derived.append(f"CASE WHEN {violated} THEN CAST({shown} AS VARCHAR) END AS {quote(flag)}")
        expectations.append(
            gxe.ExpectColumnValuesToBeNull(
                column=flag, mostly=mostly, description=f"{description} ({share})"
            )
        )

    for column in table.columns:
        if column.name not in present:
            continue
        name = quote(column.name)
        if column.kind == "string" and (
            column.name in table.primary_key or column.references or column.name.endswith("_id")
        ):
            if not column.nullable:
                expectations.append(
                    gxe.ExpectColumnValuesToNotBeNull(
                        column=column.name,
                        mostly=mostly,
                        description=f"{column.name} is present ({share})",
                    )
                )
            value_check(
                column.name,
                f"NOT regexp_matches({name}, '{IDENTIFIER_REGEX}')",
                name,
                f"{column.name} is an identifier: letters, digits and _ . : - without spaces",
            )
        elif column.name == "currency":
            value_check(
                column.name,
                f"NOT regexp_matches({name}, '{RAW_CURRENCY_REGEX}')",
                name,
                "currency is a three-letter ISO-4217 code",
            )
        elif column.name == "country_code":
            value_check(
                column.name,
                f"NOT regexp_matches({name}, '{RAW_COUNTRY_REGEX}')",
                name,
                "country_code is a two-letter ISO-3166 code",
            )

    for rule in AMOUNT_RULES.get(table.name, ()):
        if rule.column not in present:
            continue
        number = f"try_cast(trim({quote(rule.column)}) AS DECIMAL(38, 10))"
        low = f"{number} {'<=' if rule.strict_min else '<'} {rule.min_value}"
        out_of_range = low if rule.max_value is None else f"({low} OR {number} > {rule.max_value})"
        condition = f"{rule.only_when} AND {out_of_range}" if rule.only_when else out_of_range
        value_check(
            rule.column,
            condition,
            quote(rule.column),
            f"{rule.column} {rule.description} (where it is a number)",
        )

    for order in DATE_ORDER_RULES.get(table.name, ()):
        if not {order.later, order.earlier} <= present:
            continue
        cast = "TIMESTAMPTZ" if order.kind == "timestamp" else "DATE"
        later = f"try_cast(trim({quote(order.later)}) AS {cast})"
        earlier = f"try_cast(trim({quote(order.earlier)}) AS {cast})"
        comparison = "<=" if order.strict else "<"
        relation_text = "after" if order.strict else "on or after"
        value_check(
            f"{order.later}_after_{order.earlier}",
            f"{later} {comparison} {earlier}",
            f"{quote(order.earlier)} || ' -> ' || {quote(order.later)}",
            f"{order.later} is {relation_text} {order.earlier} (where both are dates)",
        )

    columns = ", ".join(["*", *derived])
    suite.query = f"SELECT {columns} FROM {source}"
    return suite
