"""The project's generic dbt tests pass on good data and fail on bad data.

A throwaway dbt project in tmp_path reads this repository's macros (macro-paths
points at them), builds tiny fixture models and runs every generic test on a good
and a bad one, all in a single `dbt build`. The verdicts come from run_results.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest

from recurring_revenue.dbt_runner import run_dbt

REPO_MACROS = Path(__file__).resolve().parents[2] / "macros"

MODELS = {
    # Three rows, unique on (id, part), amounts within 0..20 with a 0 on the edge.
    "good_rows": """
        select 1 as id, 'a' as part, 10 as amount
        union all select 2, 'a', 20
        union all select 2, 'b', 0
    """,
    # One of each problem: (2, 'a') twice, a negative amount, an amount over 20.
    "bad_rows": """
        select 1 as id, 'a' as part, 10 as amount
        union all select 2, 'a', -5
        union all select 2, 'a', 25
    """,
    # raw_rows_reconcile: 3 raw rows = 2 staged + 1 rejected for table `t`; the
    # rejects of another table must not count.
    "raw_t": "select 1 as n union all select 2 union all select 3",
    "staged_t_good": "select 1 as n union all select 2",
    "staged_t_bad": "select 1 as n union all select 2 union all select 3",
    "rejects": "select 't' as table_name, 3 as n union all select 'other', 9",
    # not_after_as_of_month reads the project's as-of date model.
    "util_as_of_date": "select cast('2024-03-15' as date) as as_of_date, "
    "cast('2024-03-01' as date) as as_of_month",
    "months_good": "select cast('2024-02-01' as date) as date_month "
    "union all select cast('2024-03-01' as date)",
    "months_bad": "select cast('2024-03-01' as date) as date_month "
    "union all select cast('2024-04-01' as date)",
    # intervals_are_contiguous: s1 is a clean timeline; the bad model has one
    # partition per problem: overlap, gap, open interval followed by another,
    # zero length, closed last interval, two starts at one instant (2 rows).
    "intervals_good": """
        select 's1' as key, cast('2024-01-01' as timestamp) as valid_from,
            cast('2024-02-01' as timestamp) as valid_to
        union all select 's1', cast('2024-02-01' as timestamp), null
        union all select 's2', cast('2024-01-01' as timestamp), null
    """,
    "intervals_bad": """
        select 'overlap' as key, cast('2024-01-01' as timestamp) as valid_from,
            cast('2024-03-01' as timestamp) as valid_to
        union all select 'overlap', cast('2024-02-01' as timestamp), null
        union all select 'gap', cast('2024-01-01' as timestamp), cast('2024-02-01' as timestamp)
        union all select 'gap', cast('2024-03-01' as timestamp), null
        union all select 'open', cast('2024-01-01' as timestamp), null
        union all select 'open', cast('2024-02-01' as timestamp), null
        union all select 'empty', cast('2024-01-01' as timestamp), cast('2024-01-01' as timestamp)
        union all select 'closed', cast('2024-01-01' as timestamp), cast('2024-02-01' as timestamp)
        union all select 'twin', cast('2024-01-01' as timestamp), cast('2024-02-01' as timestamp)
        union all select 'twin', cast('2024-01-01' as timestamp), null
    """,
    # mart_value_ranges: columns the rules name by suffix (macros/quality/mart_value_rules.sql).
    # The bad mart breaks four rules: a rate over 1, negative MRR, a positive churn
    # movement, a negative count; a text column and a NULL are not checked.
    "mart_good": """
        select cast('2024-01-01' as date) as date_month, cast(0.25 as decimal(9, 4)) as churn_rate,
            cast(100.00 as decimal(18, 2)) as mrr, cast(-10.00 as decimal(18, 2)) as churned_mrr,
            3 as customer_count, cast(-4.00 as decimal(18, 2)) as net_mrr_change, 'x' as note
        union all select cast('2024-02-01' as date), cast(null as decimal(9, 4)), 0.00, 0.00, 0,
            2.00, 'y'
    """,
    "mart_bad": """
        select cast('2024-01-01' as date) as date_month, cast(1.25 as decimal(9, 4)) as churn_rate,
            cast(-1.00 as decimal(18, 2)) as mrr, cast(5.00 as decimal(18, 2)) as churned_mrr,
            -1 as customer_count, cast(-4.00 as decimal(18, 2)) as net_mrr_change, 'x' as note
    """,
    # mart_month_dates: every *_month column is a first day; with series, contiguous.
    # The bad one: a mid-month start_month, and a series with a gap (Jan, Mar).
    "month_series_good": """
        select cast('2024-01-01' as date) as date_month, cast('2023-12-01' as date) as cohort_month
        union all select cast('2024-02-01' as date), cast('2024-01-01' as date)
    """,
    "month_series_bad": """
        select cast('2024-01-01' as date) as date_month, cast('2023-12-15' as date) as cohort_month
        union all select cast('2024-03-01' as date), cast('2024-01-01' as date)
    """,
}

SCHEMA_YML = """
version: 2

models:
  - name: good_rows
    data_tests:
      - unique_combination_of_columns:
          name: good_unique_combination_of_columns
          arguments:
            combination_of_columns: [id, part]
      - expression_is_true:
          name: good_expression_is_true
          arguments:
            expression: "amount >= 0"
      - accepted_range:
          name: bad_accepted_range_exclusive
          arguments:
            column_name: amount
            min_value: 0
            inclusive: false
    columns:
      - name: amount
        data_tests:
          - accepted_range:
              name: good_accepted_range
              arguments:
                min_value: 0
                max_value: 20
          - expression_is_true:
              name: good_expression_is_true_on_column
              arguments:
                expression: "<= 20"

  - name: bad_rows
    data_tests:
      - unique_combination_of_columns:
          name: bad_unique_combination_of_columns
          arguments:
            combination_of_columns: [id, part]
      - expression_is_true:
          name: bad_expression_is_true
          arguments:
            expression: "amount >= 0"
    columns:
      - name: amount
        data_tests:
          - accepted_range:
              name: bad_accepted_range
              arguments:
                min_value: 0
                max_value: 20
          - expression_is_true:
              name: bad_expression_is_true_on_column
              arguments:
                expression: "<= 20"

  - name: staged_t_good
    data_tests:
      - raw_rows_reconcile:
          name: good_raw_rows_reconcile
          arguments:
            raw: "ref('raw_t')"
            rejects: "ref('rejects')"
            table_name: t

  - name: months_good
    columns:
      - name: date_month
        data_tests:
          - not_after_as_of_month:
              name: good_not_after_as_of_month

  - name: months_bad
    columns:
      - name: date_month
        data_tests:
          - not_after_as_of_month:
              name: bad_not_after_as_of_month

  - name: intervals_good
    data_tests:
      - intervals_are_contiguous:
          name: good_intervals_are_contiguous
          arguments:
            partition_by: key

  - name: intervals_bad
    data_tests:
      - intervals_are_contiguous:
          name: bad_intervals_are_contiguous
          arguments:
            partition_by: key

  - name: mart_good
    data_tests:
      - mart_value_ranges:
          name: good_mart_value_ranges

  - name: mart_bad
    data_tests:
      - mart_value_ranges:
          name: bad_mart_value_ranges

  - name: month_series_good
    data_tests:
      - mart_month_dates:
          name: good_mart_month_dates
          arguments:
            series: true

  - name: month_series_bad
    data_tests:
      - mart_month_dates:
          name: bad_mart_month_dates
          arguments:
            series: true

  - name: staged_t_bad
    data_tests:
      - raw_rows_reconcile:
          name: bad_raw_rows_reconcile
          arguments:
            raw: "ref('raw_t')"
            rejects: "ref('rejects')"
            table_name: t
"""

EXPECTED = {
    "good_unique_combination_of_columns": "pass",
    "bad_unique_combination_of_columns": "fail",
    "good_expression_is_true": "pass",
    "bad_expression_is_true": "fail",
    "good_expression_is_true_on_column": "pass",
    "bad_expression_is_true_on_column": "fail",
    "good_accepted_range": "pass",
    "bad_accepted_range": "fail",
    "bad_accepted_range_exclusive": "fail",
    "good_raw_rows_reconcile": "pass",
    "bad_raw_rows_reconcile": "fail",
    "good_not_after_as_of_month": "pass",
    "bad_not_after_as_of_month": "fail",
    "good_intervals_are_contiguous": "pass",
    "bad_intervals_are_contiguous": "fail",
    "good_mart_value_ranges": "pass",
    "bad_mart_value_ranges": "fail",
    "good_mart_month_dates": "pass",
    "bad_mart_month_dates": "fail",
}

# Failing rows expected from a bad fixture, where the count says more than "fail".
EXPECTED_FAILURES = {
    "bad_not_after_as_of_month": 1,
    "bad_intervals_are_contiguous": 7,
    "bad_mart_value_ranges": 4,
    "bad_mart_month_dates": 2,
}


@pytest.fixture(scope="module")
def test_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Build the throwaway project once; return {test name: its run result}."""
    root = tmp_path_factory.mktemp("generic_tests")
    (root / "models").mkdir()
    (root / "dbt_project.yml").write_text(
        dedent(
            f"""
            name: generic_tests_fixture
            version: "1.0.0"
            config-version: 2
            profile: generic_tests_fixture
            model-paths: ["models"]
            macro-paths: ["{REPO_MACROS}"]
            # raw_rows_reconcile reads the project's billing_source setting.
            vars:
              billing_source: files
            models:
              generic_tests_fixture:
                +materialized: table
            """
        )
    )
    (root / "profiles.yml").write_text(
        dedent(
            f"""
            generic_tests_fixture:
              target: test
              outputs:
                test:
                  type: duckdb
                  path: "{root / "fixture.duckdb"}"
                  threads: 4
            """
        )
    )
    for name, sql in MODELS.items():
        (root / "models" / f"{name}.sql").write_text(dedent(sql).strip() + "\n")
    (root / "models" / "schema.yml").write_text(SCHEMA_YML)

    env = {
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = run_dbt(["build"], env=env, project_dir=root, capture=True)
    run_results = root / "target" / "run_results.json"
    assert run_results.exists(), result.stdout + result.stderr
    results = json.loads(run_results.read_text())["results"]
    return {
        row["unique_id"].split(".")[2]: row
        for row in results
        if row["unique_id"].startswith("test.")
    }


@pytest.fixture(scope="module")
def test_verdicts(test_results: dict[str, dict]) -> dict[str, str]:
    return {name: row["status"] for name, row in test_results.items()}


@pytest.mark.parametrize(("test_name", "status"), sorted(EXPECTED.items()))
def test_generic_test_verdict(test_verdicts: dict[str, str], test_name: str, status: str) -> None:
    assert test_verdicts.get(test_name) == status, test_verdicts


@pytest.mark.parametrize(("test_name", "failures"), sorted(EXPECTED_FAILURES.items()))
def test_generic_test_failure_count(
    test_results: dict[str, dict], test_name: str, failures: int
) -> None:
    assert test_results[test_name]["failures"] == failures


def test_every_generic_test_is_exercised(test_verdicts: dict[str, str]) -> None:
    generic_tests = {path.stem for path in (REPO_MACROS / "generic_tests").glob("*.sql")}
    assert generic_tests, "no generic tests found"
    for name in generic_tests:
        assert test_verdicts.get(f"good_{name}") == "pass", name
        assert test_verdicts.get(f"bad_{name}") == "fail", name
