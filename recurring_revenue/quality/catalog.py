"""What the checks read: the warehouse through short-lived read-only connections, and
the public marts from dbt's manifest.

Every read opens its own read-only connection (`recurring_revenue.readers`: a fresh
instance, so a connection held elsewhere in the process cannot pin an old publish)
and closes it at once, so a check never holds the file longer than one query and
never blocks a writer between queries. (great-expectations 1.x's SQL datasource does not work
on DuckDB; its pandas datasource validates what these reads return.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.raw_spec import LOAD_LOG_TABLE, RAW_SCHEMA
from recurring_revenue.readers import read_only

#: Schemas the checks look at.
SCHEMAS = ("raw", "staging", "marts")


def read_frame(database: Path, sql: str) -> pd.DataFrame:
    """The result of one query as a pandas DataFrame, on its own read-only connection."""
    with read_only(database) as connection:
        return connection.sql(sql).df()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relation(schema: str, name: str) -> str:
    return f"{quote(schema)}.{quote(name)}"


@dataclass(frozen=True)
class LoadedBatch:
    """What raw holds, from raw._load_log: the latest batch and the rows logged per table.

    After delta loads (`rrw load --append`) raw holds the last snapshot and every delta
    since: `batch_ids` lists them all and `rows` adds their logged rows up per table.
    """

    batch_id: str
    rows: dict[str, int]
    batch_ids: tuple[str, ...] = ()


@dataclass
class WarehouseCatalog:
    """Tables, columns and the load log of one warehouse file, read once per check run."""

    database: Path
    #: (schema, relation) -> [(column, DuckDB type)] in column order.
    columns: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    batch: LoadedBatch | None = None

    def has(self, schema: str, name: str) -> bool:
        return (schema, name) in self.columns

    def column_names(self, schema: str, name: str) -> list[str]:
        return [column for column, _ in self.columns.get((schema, name), [])]

    def column_types(self, schema: str, name: str) -> dict[str, str]:
        return dict(self.columns.get((schema, name), []))

    def relations(self, schema: str) -> list[str]:
        return sorted(name for table_schema, name in self.columns if table_schema == schema)


def read_catalog(database: Path) -> WarehouseCatalog:
    """Read the catalog of `database` (one short read-only connection)."""
    catalog = WarehouseCatalog(database=database)
    schemas = ", ".join(f"'{schema}'" for schema in SCHEMAS)
    with read_only(database) as connection:
        rows = connection.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
            f"WHERE database_name = current_database() AND schema_name IN ({schemas}) "
            "ORDER BY schema_name, table_name, column_index"
        ).fetchall()
        for schema, table, column, data_type in rows:
            catalog.columns.setdefault((schema, table), []).append((column, data_type))
        if catalog.has(RAW_SCHEMA, LOAD_LOG_TABLE):
            catalog.batch = _loaded_batch(connection)
    return catalog


def _loaded_batch(connection: duckdb.DuckDBPyConnection) -> LoadedBatch | None:
    log = relation(RAW_SCHEMA, LOAD_LOG_TABLE)
    kind_columns = connection.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? AND column_name = 'load_kind'",
        [RAW_SCHEMA, LOAD_LOG_TABLE],
    ).fetchone()
    has_kind = kind_columns is not None and kind_columns[0] > 0
    kind = "coalesce(load_kind, 'snapshot')" if has_kind else "'snapshot'"
    latest = connection.execute(
        f"SELECT load_batch_id FROM {log} ORDER BY loaded_at DESC LIMIT 1"
    ).fetchone()
    if latest is None:
        return None
    snapshot_row = connection.execute(
        f"SELECT max(loaded_at) FROM {log} WHERE {kind} = 'snapshot'"
    ).fetchone()
    snapshot_at = None if snapshot_row is None else snapshot_row[0]
    rows = connection.execute(
        f"SELECT load_batch_id, table_name, row_count FROM {log} WHERE loaded_at >= ? "
        "ORDER BY loaded_at",
        [snapshot_at],
    ).fetchall()
    counts: dict[str, int] = {}
    batches: list[str] = []
    for batch_id, table, count in rows:
        counts[str(table)] = counts.get(str(table), 0) + int(count)
        if str(batch_id) not in batches:
            batches.append(str(batch_id))
    return LoadedBatch(str(latest[0]), counts, tuple(batches))


def personal_values_sql(catalog: WarehouseCatalog) -> str | None:
    """A query for the raw customer names shaped like a full name and the raw e-mail
    addresses (None without raw.customers): no mart may hold one of them."""
    if not {"customer_name", "email"} <= set(catalog.column_names(RAW_SCHEMA, "customers")):
        return None
    customers = relation(RAW_SCHEMA, "customers")
    return f"""
        SELECT DISTINCT trim(value) AS value FROM (
            SELECT customer_name AS value FROM {customers}
            UNION ALL
            SELECT email FROM {customers}
        )
        WHERE length(trim(value)) >= 5 AND (contains(trim(value), ' ') OR contains(value, '@'))
    """


# The dbt manifest.


@dataclass(frozen=True)
class MartSpec:
    """One public mart as the manifest declares it."""

    unique_id: str
    name: str
    version: str | None
    schema: str
    alias: str
    materialized: str
    #: (column, declared data type) in declaration order.
    columns: tuple[tuple[str, str | None], ...]
    #: The grain: primary-key constraint, else the unique / unique-combination test.
    key: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.alias}"


class ManifestError(Exception):
    """The dbt manifest is missing or unreadable."""


def load_manifest(path: Path | None = None, parse_if_missing: bool = True) -> dict[str, Any]:
    """dbt's manifest.json (default: the target folder's), running `dbt parse` if absent."""
    from recurring_revenue.quality.model import dbt_target_path

    manifest = path or dbt_target_path() / "manifest.json"
    if not manifest.exists() and parse_if_missing and path is None:
        result = run_dbt(["parse", "--quiet"], capture=True)
        if result.returncode != 0:
            output = (result.stdout or "") + (result.stderr or "")
            raise ManifestError(f"dbt parse failed, so the marts are unknown:\n{output[-2000:]}")
    if not manifest.exists():
        raise ManifestError(
            f"no dbt manifest at {manifest}: run `dbt parse` (or `dbt build`) first, "
            "or pass --manifest"
        )
    try:
        data: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ManifestError(f"cannot read the dbt manifest {manifest}: {error}") from error
    return data


def public_marts(manifest: dict[str, Any]) -> list[MartSpec]:
    """Every enabled, public, materialised model of the project, sorted by relation."""
    tests_by_model: dict[str, list[dict[str, Any]]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") == "test" and node.get("attached_node"):
            tests_by_model.setdefault(node["attached_node"], []).append(node)
    marts = []
    for unique_id, node in manifest.get("nodes", {}).items():
        config = node.get("config", {})
        if (
            node.get("resource_type") != "model"
            or node.get("access") != "public"
            or not config.get("enabled", True)
            or config.get("materialized") == "ephemeral"
        ):
            continue
        columns = tuple(
            (name, column.get("data_type")) for name, column in node.get("columns", {}).items()
        )
        marts.append(
            MartSpec(
                unique_id=unique_id,
                name=node["name"],
                version=None if node.get("version") is None else str(node["version"]),
                schema=node["schema"],
                alias=node.get("alias") or node["name"],
                materialized=config.get("materialized", "table"),
                columns=columns,
                key=infer_key(node, tests_by_model.get(unique_id, [])),
            )
        )
    return sorted(marts, key=lambda mart: mart.label)


def infer_key(node: dict[str, Any], tests: list[dict[str, Any]]) -> tuple[str, ...]:
    """The model's grain: a primary-key constraint, else a unique(-combination) test."""
    for constraint in node.get("constraints", []):
        if constraint.get("type") == "primary_key" and constraint.get("columns"):
            return tuple(constraint["columns"])
    for name, column in node.get("columns", {}).items():
        if any(c.get("type") == "primary_key" for c in column.get("constraints", [])):
            return (name,)
    for test in sorted(tests, key=lambda test: test.get("unique_id", "")):
        metadata = test.get("test_metadata") or {}
        kwargs = metadata.get("kwargs") or {}
        if metadata.get("name") == "unique_combination_of_columns":
            columns = kwargs.get("combination_of_columns")
            if isinstance(columns, list) and all(isinstance(column, str) for column in columns):
                return tuple(columns)
    for test in sorted(tests, key=lambda test: test.get("unique_id", "")):
        metadata = test.get("test_metadata") or {}
        column = (metadata.get("kwargs") or {}).get("column_name")
        if metadata.get("name") == "unique" and isinstance(column, str):
            return (column,)
    return ()
