"""Model and data-test files stay engine-neutral (docs/spark.md).

Every engine difference belongs in a dispatched macro with a `default__` version
(and a `spark__` one where Spark differs). These are the DuckDB-only spellings that
have slipped into model files before and broke the Spark build only there: a
`varchar` cast (Spark wants `string`: `dbt.type_string()`), a `::` cast, and
DuckDB's function names. The scan skips comments.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SQL_FILES = sorted(
    path
    for folder in ("models", "tests/dbt", "analyses")
    for path in (ROOT / folder).rglob("*.sql")
)
#: Pattern -> what to write instead.
ENGINE_ONLY = {
    r"\bas\s+varchar\b": "cast to {{ dbt.type_string() }}",
    r"::": "cast(x as type), with the type from dbt.type_*()",
    r"\bregexp_full_match\s*\(": "a dispatched macro (see macros/staging/is_integer_text.sql)",
    r"\bstrftime\s*\(": "a dispatched macro",
    r"\btry_strptime\s*\(|\bstrptime\s*\(": "parse_date / parse_timestamp_utc",
    r"\blist_\w+\s*\(|\bstruct_pack\s*\(": "plain SQL",
    r"\bqualify\b": "a filter on a window column in an outer select",
}


def _without_comments(text: str) -> str:
    """The text with Jinja, block and line comments blanked, line numbers kept."""

    def blank(match: re.Match[str]) -> str:
        return "\n" * match.group(0).count("\n")

    text = re.sub(r"\{#.*?#\}", blank, text, flags=re.S)
    text = re.sub(r"/\*.*?\*/", blank, text, flags=re.S)
    return re.sub(r"--[^\n]*", "", text)


def test_there_are_sql_files_to_scan() -> None:
    assert len(SQL_FILES) > 50


@pytest.mark.parametrize("pattern", ENGINE_ONLY)
def test_no_model_or_data_test_uses_engine_only_syntax(pattern: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in SQL_FILES
        for number, line in enumerate(_without_comments(path.read_text()).splitlines(), 1)
        if re.search(pattern, line, flags=re.I)
    ]
    advice = f"engine-only syntax ({pattern}); write {ENGINE_ONLY[pattern]}:"
    assert not found, "\n".join([advice, *found])


def test_the_scan_catches_a_varchar_cast() -> None:
    line = "select cast(date_month as varchar) as month_text"
    assert re.search(next(iter(ENGINE_ONLY)), line, flags=re.I)
