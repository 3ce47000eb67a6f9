"""One rule, one place: a business rule's formula is written in exactly one file.

- The billing-interval normalisation factors (a week = 12/52, a day = 12/365
  months) are written only in macros/mrr/months_per_interval.sql; every model
  normalises through it (monthly_normalised, or divide_round on its ratio).
- CAC, CAC payback and "spend unknown" are computed only in
  int_acquisition_costs_monthly; fct_acquisition_monthly and
  fct_saas_kpis_monthly read them.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQL_DIRS = ("models", "macros", "analyses", "tests/dbt")


def _sql_files() -> dict[str, str]:
    return {
        path.relative_to(ROOT).as_posix(): path.read_text()
        for folder in SQL_DIRS
        for path in sorted((ROOT / folder).rglob("*.sql"))
    }


def _files_matching(pattern: str) -> list[str]:
    regex = re.compile(pattern, re.IGNORECASE)
    return [name for name, text in _sql_files().items() if regex.search(text)]


def test_interval_normalisation_factors_are_written_once():
    assert _files_matching(r"when\s+'(day|week)'\s+then\s+(365|52|12)\b") == [
        "macros/mrr/months_per_interval.sql"
    ]


def test_models_with_a_billing_interval_value_use_the_macro():
    for name in (
        "models/intermediate/commitments/int_commitment_terms_valued.sql",
        "models/marts/mrr/fct_mrr_invoice_reconciliation_monthly.sql",
        "models/marts/core/dim_plans.sql",
        "models/intermediate/subscriptions/int_subscription_states_valued.sql",
    ):
        text = (ROOT / name).read_text()
        assert "monthly_normalised(" in text or "months_per_interval(" in text, name


def test_cac_payback_and_unknown_spend_are_computed_once():
    owner = ["models/intermediate/kpis/int_acquisition_costs_monthly.sql"]
    # CAC and payback: a division of the marketing spend.
    assert _files_matching(r"divide_round\(\s*'marketing_spend'") == owner
    # Spend unknown: no spend rows at all makes spend NULL rather than 0.
    assert _files_matching(r"has_marketing_spend") == owner
    for name in ("fct_acquisition_monthly", "fct_saas_kpis_monthly"):
        text = (ROOT / "models" / "marts" / "kpis" / f"{name}.sql").read_text()
        assert "ref('int_acquisition_costs_monthly')" in text, name


def test_the_as_of_dates_activity_sources_are_listed_once():
    """Which dated rows set the as-of date is one list (macros/utilities/as_of_activity.sql):
    util_as_of_date and util_rows_after_as_of_date read it instead of naming the staged
    models, so a source added to one cannot be missing from the other."""
    listed = (ROOT / "macros/utilities/as_of_activity.sql").read_text()
    for model in ("util_as_of_date", "util_rows_after_as_of_date"):
        sql = (ROOT / f"models/utilities/{model}.sql").read_text()
        assert "as_of_activity_sources()" in sql, model
        assert "ref(" not in sql.replace("ref('util_as_of_date')", ""), model
    for staged in re.findall(r"'model': '(\w+)'", listed):
        assert (ROOT / f"models/staging/billing/{staged}.sql").exists(), staged
