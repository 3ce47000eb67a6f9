"""The raw export spec is defined once (`recurring_revenue.raw_spec`); every other place
that spells its tables, columns, enumerations or reject reasons must agree with it.

A column, enumeration value or reject reason added in one place and not the others
fails here, naming the place and the difference.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from recurring_revenue import raw_spec
from recurring_revenue.generate import raw_spec as generated
from recurring_revenue.quality import rules
from recurring_revenue.settings import PROJECT_DIR

STAGING = PROJECT_DIR / "models" / "staging" / "billing"
DOCS = PROJECT_DIR / "docs"
TABLES = {table.name: table for table in raw_spec.TABLES}
ENUMS = [
    (table.name, column.name, set(column.accepted_values))
    for table in raw_spec.TABLES
    for column in table.columns
    if column.accepted_values
]


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _accepted_values(path: Path) -> dict[str, set[str]]:
    """column -> the values of its accepted_values test, in one model's YAML."""
    found: dict[str, set[str]] = {}
    for model in _yaml(path).get("models", []):
        for column in model.get("columns", []):
            for test in column.get("data_tests", []) or []:
                if isinstance(test, dict) and "accepted_values" in test:
                    spec = test["accepted_values"]
                    values = (spec.get("arguments") or spec)["values"]
                    found[column["name"]] = {str(value) for value in values}
    return found


def test_the_source_declares_every_contract_table_and_column_in_order() -> None:
    [source] = _yaml(STAGING / "_billing__sources.yml")["sources"]
    declared = {
        table["name"]: [column["name"] for column in table.get("columns", [])]
        for table in source["tables"]
        if table["name"] != raw_spec.LOAD_LOG_TABLE
    }
    assert set(declared) == set(TABLES), "_billing__sources.yml tables vs raw_spec.TABLES"
    for name, table in TABLES.items():
        assert declared[name] == [*table.column_names, *raw_spec.LINEAGE_COLUMNS], (
            f"_billing__sources.yml columns of {name} vs raw_spec.TABLES"
        )


@pytest.mark.parametrize(
    ("table", "column", "values"), ENUMS, ids=[f"{t}.{c}" for t, c, _ in ENUMS]
)
def test_staging_rejects_exactly_the_values_outside_each_enumeration(
    table: str, column: str, values: set[str]
) -> None:
    sql = (STAGING / "base" / f"base_billing__{table}.sql").read_text(encoding="utf-8")
    lists = re.findall(rf"\b{column} not in \(([^)]*)\)", sql)
    assert lists, f"base_billing__{table}.sql has no `{column} not in (...)` check"
    for literal in lists:
        spelled = set(re.findall(r"'([^']*)'", literal))
        assert spelled == values, f"base_billing__{table}.sql {column}: {spelled ^ values}"


@pytest.mark.parametrize(
    ("table", "column", "values"), ENUMS, ids=[f"{t}.{c}" for t, c, _ in ENUMS]
)
def test_accepted_values_tests_spell_the_contract_enumerations(
    table: str, column: str, values: set[str]
) -> None:
    tested = [
        (path.name, found[column])
        for path in sorted(STAGING.rglob(f"*_billing__{table}.yml"))
        if column in (found := _accepted_values(path))
    ]
    for name, spelled in tested:
        assert spelled == values, f"{name} accepted_values of {column}: {spelled ^ values}"


def test_one_list_of_reject_reasons() -> None:
    reasons = set(raw_spec.REJECT_REASONS)
    assert set(rules.REJECT_REASONS) == reasons, "quality/rules.py"
    ledger = _accepted_values(STAGING / "stg_billing__rejects.yml")
    assert ledger["reject_reason"] == reasons, "stg_billing__rejects.yml reject_reason values"
    assert ledger["table_name"] == set(TABLES), "stg_billing__rejects.yml table_name"
    generator = {reason for table in generated.REJECT_REASONS.values() for reason in table}
    assert generator <= reasons, f"generator reasons not in the spec: {generator - reasons}"
    assert set(generated.REJECT_REASONS) <= set(TABLES), "generator tables"


def test_staging_gives_only_contract_reasons_and_every_one_is_given() -> None:
    sql = "\n".join(
        path.read_text(encoding="utf-8")
        for path in [*STAGING.rglob("*.sql"), *(PROJECT_DIR / "macros" / "staging").glob("*.sql")]
    )
    given = set(re.findall(r"'reason': *'([a-z_]+)'", sql))
    given |= set(re.findall(r"'(duplicate_key)'", sql))
    assert given <= set(raw_spec.REJECT_REASONS), given - set(raw_spec.REJECT_REASONS)
    assert set(raw_spec.REJECT_REASONS) <= given, set(raw_spec.REJECT_REASONS) - given


def test_the_docs_list_every_table_with_its_key_and_columns_in_order() -> None:
    raw_contract = (DOCS / "raw-spec.md").read_text(encoding="utf-8")
    rows = {
        match.group(1): match.groups()[1:]
        for match in re.finditer(
            r"^\| `(\w+)` \| (yes|no) \| ([^|]+) \| ([^|]+) \|$", raw_contract, re.M
        )
    }
    assert set(rows) == set(TABLES), "docs/raw-spec.md table list vs raw_spec.TABLES"
    for name, table in TABLES.items():
        required, key, columns = rows[name]
        assert (required == "yes") == table.required, f"docs/raw-spec.md: {name} required"
        assert re.findall(r"`(\w+)`", key) == list(table.primary_key), f"docs: {name} key"
        listed = [column.strip() for column in columns.split(",")]
        assert listed == list(table.column_names), f"docs/raw-spec.md: {name} columns"
    for table_name, column, values in ENUMS:
        for value in values:
            assert f"`{value}`" in raw_contract, f"docs/raw-spec.md: {table_name}.{column} {value}"


def test_the_docs_explain_every_reject_reason() -> None:
    rejects = (DOCS / "rejects.md").read_text(encoding="utf-8")
    for reason in raw_spec.REJECT_REASONS:
        assert f"`{reason}`" in rejects, f"docs/rejects.md does not explain {reason}"


def test_negative_line_types_agree_everywhere() -> None:
    """v1.1: the line types that may carry a negative amount are spelled once."""
    allowed = list(raw_spec.NEGATIVE_LINE_TYPES)
    assert set(allowed) <= set(raw_spec.LINE_TYPES)
    sql = (STAGING / "base" / "base_billing__invoice_line_items.sql").read_text(encoding="utf-8")
    check = re.search(r"'when': \"amount < 0 and (line_type <> '\w+'(?: and )?)+\"", sql)
    assert check, "base_billing__invoice_line_items.sql: no negative_amount check on amount"
    spelled_sql = re.findall(r"line_type <> '(\w+)'", check.group(0))
    assert spelled_sql == allowed, "base_billing__invoice_line_items.sql"
    rule = next(r for r in rules.AMOUNT_RULES["invoice_line_items"] if r.column == "amount")
    assert re.findall(r"'(\w+)'", rule.only_when or "") == allowed, "quality/rules.py"
    spelled = " or ".join(f"`{line_type}`" for line_type in allowed)
    rejects = (DOCS / "rejects.md").read_text(encoding="utf-8")
    assert f"< 0 when `line_type` is not {spelled} -> `negative_amount`" in rejects, "rejects.md"
    description = TABLES["invoice_line_items"].column("amount").description
    assert description.endswith("negative only for " + " and ".join(allowed)), "raw_spec.py"
    assert f"({raw_spec.SPEC_VERSION})" in (DOCS / "raw-spec.md").read_text()
