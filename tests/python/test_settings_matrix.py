"""Every documented setting builds: one at a time and all together, at a non-default value.

The settings are the vars of dbt_project.yml, each documented in
models/docs/settings.md. On the worked cases (worked_cases.py, 25 customers, plus
USD rates quoted in EUR so that EUR can be the reporting currency), loaded once:

- all settings at their non-default value together: `rrw publish --data ... --
  --vars '{...}'`, a full `dbt build` (every model, data test and unit test), the
  quality checks and the publish;
- each setting alone: `dbt build` of the models that read it and everything
  downstream (their unit tests and data tests included), on a copy of a warehouse
  built with the defaults. A unit test whose expected rows assume a value must pin
  it with `overrides: vars:`; a unit test of a model that does not read a setting
  cannot depend on it, so it is not run again.

The readers are found by scanning the SQL for `setting('<name>')` and
`var('<name>'`, so a new setting or a new reader is covered without editing this
file; a new setting must only be given a non-default value below.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import worked_cases
import yaml
from warehouse import Warehouse, dbt_output

from recurring_revenue import cli
from recurring_revenue.settings import PROJECT_DIR

pytestmark = pytest.mark.slow

# A value other than the default for every setting of dbt_project.yml.
NON_DEFAULT = {
    "reporting_currency": "EUR",
    "as_of_date": "2024-06-15",
    "churn_recognition": "request",
    "free_plan_downgrade": "contraction",
    "pause_treatment": "churn",
    "reactivation_window_months": 3,
    "mrr_reconciliation_tolerance": 0.6,
    "rejects_error_share": 0.5,
    "gross_margin": 0.8,
    "trial_conversion_window_days": 14,
    "month_spine_start": "2020-01-01",
    "month_spine_end": "2090-01-01",
    "max_future_days": 1830,
}

# Settings that choose where the billing data comes from, not how a metric is
# computed: they cannot build on the worked cases' files, so the Stripe build
# (test_stripe_source.py) switches each of them instead, with these values.
SOURCE_SETTINGS = {
    "billing_source": "stripe",
    "stripe_database": "warehouse",
    "stripe_schema": "stripe_landed",
}

# USD in EUR (1 / the EUR rates of worked_cases.FX_RATES), for reporting_currency EUR.
# Rates of the reporting currency itself are ignored, so both sets can coexist.
USD_IN_EUR = [
    ("2023-12-15", "USD", "0.90909091"),
    ("2024-02-10", "USD", "0.95238095"),
    ("2024-03-10", "USD", "0.92592593"),
]

READER = r"(?:setting|var)\(\s*['\"]{name}['\"]"


def project_settings() -> dict[str, object]:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"]


def macros_reading(name: str) -> list[str]:
    """The macros (by name) whose SQL reads the setting, but the validator itself."""
    pattern = re.compile(READER.format(name=re.escape(name)))
    found = []
    for path in sorted((PROJECT_DIR / "macros").rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        if path.name != "setting.sql" and pattern.search(text):
            found += re.findall(r"\{%-?\s*macro\s+(\w+)", text)
    return found


def readers(name: str) -> list[str]:
    """`--select` arguments: every model or singular test whose SQL reads the setting,
    directly or through a macro."""
    patterns = [re.compile(READER.format(name=re.escape(name)))]
    patterns += [re.compile(rf"\b{macro}\(") for macro in macros_reading(name)]
    found = []
    for folder, suffix in (("models", "+"), ("tests/dbt", "")):
        for path in sorted((PROJECT_DIR / folder).rglob("*.sql")):
            text = path.read_text(encoding="utf-8")
            if any(pattern.search(text) for pattern in patterns):
                found.append(path.stem + suffix)
    return found


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = worked_cases.write_dataset(tmp_path_factory.mktemp("settings_matrix") / "data")
    with (folder / "fx_rates.csv").open("a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(USD_IN_EUR)
    return folder


@pytest.fixture(scope="module")
def defaults(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The worked cases built with every setting at its default (models only)."""
    warehouse = Warehouse(tmp_path_factory.mktemp("defaults"))
    warehouse.load(data)
    result = warehouse.dbt("build", "--resource-type", "seed", "--resource-type", "model")
    assert result.returncode == 0, dbt_output(result)[-5000:]
    return warehouse


def test_every_setting_has_a_non_default_value_and_is_documented() -> None:
    settings = project_settings()
    assert set(NON_DEFAULT) | set(SOURCE_SETTINGS) == set(settings)
    assert not set(NON_DEFAULT) & set(SOURCE_SETTINGS)
    docs = (PROJECT_DIR / "models" / "docs" / "settings.md").read_text(encoding="utf-8")
    for name, value in {**NON_DEFAULT, **SOURCE_SETTINGS}.items():
        assert value != settings[name], name
        assert f"{{% docs setting_{name} %}}" in docs, name


@pytest.mark.parametrize("name", sorted(NON_DEFAULT))
def test_each_setting_alone_builds(defaults: Warehouse, tmp_path: Path, name: str) -> None:
    selection = readers(name)
    assert selection, f"no model or test reads the setting {name}"
    variant = defaults.copy(tmp_path)
    result = variant.dbt("build", "--select", *selection, vars_={name: NON_DEFAULT[name]})
    assert result.returncode == 0, dbt_output(result)[-5000:]


def test_publish_passes_dbt_options_after_the_double_dash(
    data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`rrw publish --data X -- --vars '{...}'` hands the options to dbt build unchanged."""
    seen: dict[str, object] = {}

    def fake_main_job(published: Path, data: Path | None, **kwargs: Any) -> None:
        seen["dbt_args"] = list(kwargs["dbt_args"])
        raise SystemExit(0)

    monkeypatch.setattr("recurring_revenue.publish.main_job", fake_main_job)
    options = '{"gross_margin": 0.8, "pause_treatment": "churn"}'
    argv = ["publish", "--data", str(data), "--database", str(tmp_path / "w.duckdb")]
    with pytest.raises(SystemExit):
        cli.main([*argv, "--", "--vars", options])
    assert seen["dbt_args"] == ["--vars", options]


def test_all_settings_together_build_and_publish(data: Path, tmp_path: Path) -> None:
    """`rrw publish --data X -- --vars '{every setting}'`: built (every model, data
    test and unit test), checked and published."""
    rrw = Path(sys.executable).parent / "rrw"
    published = tmp_path / "published.duckdb"
    command = [str(rrw), "publish", "--data", str(data), "--database", str(published)]
    result = subprocess.run(
        [*command, "--", "--vars", json.dumps(NON_DEFAULT)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    with duckdb.connect(str(published), read_only=True) as connection:
        # as_of_date 2024-06-15 cuts the months; EUR is the reporting currency.
        assert connection.sql("select max(date_month) from marts.fct_mrr_monthly").fetchall() == [
            (date(2024, 6, 1),)
        ]
        assert connection.sql(
            "select mrr from marts.fct_customer_mrr_monthly "
            "where customer_id = 'c10' and date_month = '2024-01-01'"
        ).fetchall() == [(Decimal("100.00"),)]
