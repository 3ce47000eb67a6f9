"""Every setting is declared once, read one way and validated by one rule.

- Its default is declared once, in dbt_project.yml (`vars:`); its rule (allowed
  values, or a pattern and bounds) once, in `setting_rules()`
  (macros/settings/setting.sql); its meaning in models/docs/settings.md. A setting
  in one of them and not the others fails here.
- SQL reads a setting only through `setting()`, which validates it; the only
  `var()` calls left are where `setting()` cannot run (listed below, each with why).
- dbt itself evaluates each rule on the defaults (all valid), on a bad value of
  every setting (each refused with a message naming the setting, the value and
  what to use), and on an unknown name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.settings import PROJECT_DIR

SETTING_SQL = PROJECT_DIR / "macros" / "settings" / "setting.sql"

# The var() calls that cannot go through setting(), and why.
DIRECT_VAR_READS = {
    # A sources file is rendered before macros exist: only var() and env_var() work
    # there. require_stripe_source (on-run-start) validates both through setting().
    "models/staging/stripe/_stripe__sources.yml": {"stripe_database", "stripe_schema"},
    # A parameter of an ad-hoc analysis (`dbt compile --vars`), not a setting.
    "analyses/customer_mrr_history.sql": {"analysis_customer_id"},
}

# One invalid value per setting.
BAD_VALUES = {
    "reporting_currency": "usd",
    "as_of_date": "15/06/2024",
    "churn_recognition": "immediately",
    "free_plan_downgrade": "ignore",
    "pause_treatment": "none",
    "reactivation_window_months": -1,
    "mrr_reconciliation_tolerance": "1%",
    "rejects_error_share": 1.5,
    "gross_margin": 0,
    "trial_conversion_window_days": 7.5,
    "month_spine_start": "2000-01",
    "month_spine_end": "next year",
    "max_future_days": -30,
    "billing_source": "csv",
    "stripe_database": "my-db",
    "stripe_schema": "stripe.landed",
}


def declared_settings() -> dict[str, object]:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"]


def ruled_settings() -> list[str]:
    body = SETTING_SQL.read_text(encoding="utf-8").split("macro setting_rules()")[1]
    body = body.split("endmacro")[0]
    return re.findall(r"^\s+'(\w+)': \{", body, re.MULTILINE)


def test_each_setting_is_declared_ruled_and_documented_once() -> None:
    declared = list(declared_settings())
    ruled = ruled_settings()
    assert sorted(ruled) == sorted(declared)
    assert len(set(ruled)) == len(ruled)
    docs = (PROJECT_DIR / "models" / "docs" / "settings.md").read_text(encoding="utf-8")
    documented = re.findall(r"\{% docs setting_(\w+) %\}", docs)
    assert sorted(documented) == sorted(declared)
    assert set(BAD_VALUES) == set(declared)


def test_sql_reads_settings_only_through_setting() -> None:
    found: dict[str, set[str]] = {}
    for folder in ("models", "macros", "analyses", "tests/dbt"):
        for path in sorted((PROJECT_DIR / folder).rglob("*")):
            if path.suffix not in {".sql", ".yml"} or path == SETTING_SQL:
                continue
            names = set(re.findall(r"\bvar\(\s*['\"](\w+)['\"]", path.read_text(encoding="utf-8")))
            if names:
                found[path.relative_to(PROJECT_DIR).as_posix()] = names
    assert found == DIRECT_VAR_READS


@pytest.mark.slow
def test_dbt_checks_every_setting_by_its_rule(tmp_path: Path) -> None:
    defaults = declared_settings()
    cases = [[name, value] for name, value in defaults.items()]
    cases += [[name, value] for name, value in BAD_VALUES.items()]
    cases += [["reporting_curency", "USD"]]
    completed = run_dbt(
        ["run-operation", "print_setting_verdicts", "--args", json.dumps({"cases": cases})],
        env={
            "RRW_TARGET": "lint",
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
        },
        capture=True,
    )
    output = (completed.stdout or "") + (completed.stderr or "")
    assert completed.returncode == 0, output[-3000:]
    verdicts = re.findall(r"setting_verdict\|(\w+)\|(.*)", output)
    assert len(verdicts) == len(cases), output[-3000:]
    for index, ((name, value), (got_name, verdict)) in enumerate(zip(cases, verdicts, strict=True)):
        assert got_name == name
        if index < len(defaults):
            assert verdict == "ok", (name, value, verdict)
        elif name in BAD_VALUES:
            assert verdict.startswith(f"Setting {name}='{value}' is not valid. Use "), verdict
        else:
            assert verdict.startswith("Unknown setting 'reporting_curency'. Known settings: ")
            assert all(known in verdict for known in defaults), verdict
