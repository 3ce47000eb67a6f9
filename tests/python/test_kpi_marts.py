"""The KPI marts on the worked billing cases, end to end: raw files -> rrw load ->
dbt build -> marts.kpis.

The worked cases (worked_cases.py) plus a small marketing-spend file; every
expected figure below is derived by hand from the cases' MRR, not read back from
the warehouse.
"""

from __future__ import annotations

import csv
import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import worked_cases
from warehouse import Warehouse, dbt_output

pytestmark = pytest.mark.slow

# The KPI marts and everything upstream, with only the tests whose parents are all
# built (other marts' tests that merely touch a shared utility are left out).
KPI_MODELS = [
    "--select",
    "+path:models/marts/kpis",
    "util_rows_after_as_of_date",
    "--indirect-selection",
    "cautious",
]
# The worked cases end on 2025-03-31. Every dated row counts toward a derived as-of
# date (docs/conventions.md, "The as-of date"), so the stray April spend row would
# move it: the date is set, and that row is reported as left out instead.
AS_OF = ["--vars", '{"as_of_date": "2025-03-31"}']

# All case customers are acquired through paid_search. 1,050 USD in January 2024;
# EUR 100 on 2024-03-05 converts at the rate of that day (1.05, set 2024-02-10),
# not March's month-end rate (1.08); `events` spends without acquiring anyone;
# the April 2025 row is after the as-of date (set: 2025-03-31), so it is in no month
# and util_rows_after_as_of_date reports it.
MARKETING_SPEND = [
    ("2024-01-15", "paid_search", "1050.00", "USD"),
    ("2024-03-05", "paid_search", "100.00", "EUR"),
    ("2024-03-06", "events", "50.00", "USD"),
    ("2025-04-02", "paid_search", "999.00", "USD"),
]

# Customers paying at the end of January 2024 (the January cohort) and their MRR
# then and in January 2025, from worked_cases.EXPECTED.
JANUARY_2024 = {
    customer: Decimal(months["2024-01"].mrr)
    for customer, months in worked_cases.EXPECTED.items()
    if "2024-01" in months and Decimal(months["2024-01"].mrr) > 0
}
JANUARY_2025 = {
    customer: Decimal(worked_cases.EXPECTED[customer].get("2025-01", worked_cases.Row("0")).mrr)
    for customer in JANUARY_2024
}


def ratio(numerator: Decimal, denominator: Decimal, places: str = "0.000001") -> Decimal:
    return (numerator / denominator).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def write_marketing_spend(folder: Path) -> None:
    with (folder / "marketing_spend.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["spend_date", "channel", "amount", "currency"])
        writer.writerows(MARKETING_SPEND)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("kpi_marts")
    data = worked_cases.write_dataset(root / "data")
    write_marketing_spend(data)
    warehouse = Warehouse(root)
    warehouse.load(data)
    result = warehouse.dbt("build", *KPI_MODELS, *AS_OF)
    assert result.returncode == 0, dbt_output(result)[-5000:]
    return warehouse


def kpis(warehouse: Warehouse, month: str, columns: str) -> tuple:
    rows = warehouse.query(
        f"select {columns} from marts.fct_saas_kpis_monthly where date_month = '{month}'"
    )
    assert len(rows) == 1
    return rows[0]


def test_churn_figures_of_the_cases(built: Warehouse) -> None:
    # Worked case 3: c03 is April 2024's only churned customer, of the 21 paying
    # at the end of March (c15 and c18 churned in March).
    assert kpis(built, "2024-04-01", "churned_customers, logo_churn_rate") == (
        1,
        ratio(Decimal(1), Decimal(21)),
    )
    # c19, cancelled for non-payment, is June's involuntary churn; the pause (c05)
    # churns nobody.
    assert kpis(
        built, "2024-06-01", "churned_customers, involuntary_churned_mrr, voluntary_churned_mrr"
    ) == (1, Decimal("-100.00"), Decimal("0.00"))
    # c15 and c18 come back in May 2024.
    assert kpis(built, "2024-05-01", "reactivated_customers") == (2,)


def test_kpi_mrr_is_the_bridge(built: Warehouse) -> None:
    assert built.query(
        """
        select count(*)
        from marts.fct_saas_kpis_monthly as kpis
        inner join marts.fct_mrr_monthly as bridge
            on kpis.date_month = bridge.date_month and kpis.mrr = bridge.ending_mrr
        """
    ) == [(15,)]


def test_twelve_month_retention_of_the_january_cohort(built: Warehouse) -> None:
    base = sum(JANUARY_2024.values())
    retained = sum(JANUARY_2025.values())
    capped = sum(min(JANUARY_2025[c], JANUARY_2024[c]) for c in JANUARY_2024)
    assert (base, retained, capped) == (
        Decimal("2863.33"),
        Decimal("2755.33"),
        Decimal("2453.33"),
    )
    assert kpis(built, "2025-01-01", "nrr_12m, grr_12m") == (
        ratio(retained, base),
        ratio(capped, base),
    )
    # December 2024's M-12 is before the data.
    assert kpis(built, "2024-12-01", "nrr_12m, grr_12m") == (None, None)


def test_ltv_averages_the_months_that_have_a_rate(built: Warehouse) -> None:
    # April 2024: ARPA 3,025.33 / 20; churn of February (0 of 21) and March (2 of
    # 22), January having no month before: mean 1/22 -> LTV = ARPA x 22.
    expected = (Decimal("3025.33") / 20 * 22).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert kpis(built, "2024-04-01", "ltv, avg_logo_churn_rate_6m") == (
        expected,
        ratio(Decimal(1), Decimal(22)),
    )
    # January and February have no rate to average.
    assert kpis(built, "2024-02-01", "ltv") == (None,)


def test_cac_and_payback(built: Warehouse) -> None:
    # January 2024: 1,050 over the 21 new customers.
    assert kpis(built, "2024-01-01", "marketing_spend, new_customers, cac") == (
        Decimal("1050.00"),
        21,
        Decimal("50.00"),
    )
    # March 2024: EUR 100 at 1.05 + USD 50 = 155 for c26 (new MRR 100).
    assert kpis(built, "2024-03-01", "marketing_spend, cac, cac_payback_months") == (
        Decimal("155.00"),
        Decimal("155.00"),
        Decimal("1.550000"),
    )
    by_channel = {
        channel: values
        for channel, *values in built.query(
            """
            select acquisition_channel, marketing_spend, new_customers, cac, cac_payback_months
            from marts.fct_acquisition_monthly where date_month = '2024-03-01'
            """
        )
    }
    assert by_channel == {
        "paid_search": [Decimal("105.00"), 1, Decimal("105.00"), Decimal("1.050000")],
        "events": [Decimal("50.00"), 0, None, None],
        "all": [Decimal("155.00"), 1, Decimal("155.00"), Decimal("1.550000")],
    }
    # Spend after the as-of date is in no month, and is reported as left out.
    assert built.query("select sum(marketing_spend) from marts.fct_saas_kpis_monthly") == [
        (Decimal("1205.00"),)
    ]
    assert built.query(
        """
        select rows_after_as_of_date, first_date_after, last_date_after
        from utilities.util_rows_after_as_of_date where table_name = 'marketing_spend'
        """
    ) == [(1, datetime.date(2025, 4, 2), datetime.date(2025, 4, 2))]


def test_cohorts_are_the_new_customers(built: Warehouse) -> None:
    cohorts = dict(
        built.query(
            "select strftime(cohort_month, '%Y-%m'), cohort_size "
            "from marts.fct_cohort_retention where months_since = 0"
        )
    )
    # Every case customer paying in January 2024; c24 (trial, paying from
    # February); c26 (free, paying from March). c17 and c25 never pay.
    assert cohorts == {"2024-01": len(JANUARY_2024), "2024-02": 1, "2024-03": 1}
    assert len(JANUARY_2024) == 21
    # April 2024 (month 3): c03 has churned, c15 is at a 100% discount, c18 has
    # churned and not yet returned: 18 of 21 pay.
    assert built.query(
        "select customers_paying, logo_retention from marts.fct_cohort_retention "
        "where cohort_month = '2024-01-01' and months_since = 3"
    ) == [(18, ratio(Decimal(18), Decimal(21)))]


def test_trial_and_free_to_paid_conversions(built: Warehouse) -> None:
    # c24 converts 14 days after its trial (2024-01-20 -> 02-03); c25 does not.
    assert built.query(
        "select trials, converted, conversion_rate, median_days_to_convert "
        "from marts.fct_trial_conversions where trial_month = '2024-01-01'"
    ) == [(2, 1, Decimal("0.500000"), Decimal("14.0"))]
    # c26: free from 2024-01-05, paying from 2024-03-10: 65 days.
    assert built.query(
        "select free_customers, converted, conversion_rate, median_days_to_convert "
        "from marts.fct_free_to_paid_conversions where signup_month = '2024-01-01'"
    ) == [(1, 1, Decimal("1.000000"), Decimal("65.0"))]


def test_no_floating_point_columns(built: Warehouse) -> None:
    assert (
        built.query(
            """
            select table_name, column_name, data_type
            from information_schema.columns
            where table_schema = 'marts'
                and table_name in ('fct_saas_kpis_monthly', 'fct_cohort_retention',
                    'fct_acquisition_monthly', 'fct_trial_conversions',
                    'fct_free_to_paid_conversions')
                and data_type in ('DOUBLE', 'FLOAT', 'REAL')
            """
        )
        == []
    )


def test_kpi_settings_alternatives(built: Warehouse, tmp_path: Path) -> None:
    variant = built.copy(tmp_path / "settings")
    result = variant.dbt(
        "run",
        "--select",
        # CAC payback, and so the gross margin, is computed in the intermediate step.
        "path:models/marts/kpis int_acquisition_costs_monthly",
        vars_={"gross_margin": 0.5, "trial_conversion_window_days": 10},
    )
    assert result.returncode == 0, dbt_output(result)[-5000:]
    # Payback doubles at a 50% margin: 155 / (100 x 0.5).
    assert kpis(variant, "2024-03-01", "cac, cac_payback_months") == (
        Decimal("155.00"),
        Decimal("3.100000"),
    )
    # c24's 14 days are outside a 10-day window.
    assert variant.query(
        "select trials, converted, conversion_rate, median_days_to_convert "
        "from marts.fct_trial_conversions where trial_month = '2024-01-01'"
    ) == [(2, 0, Decimal("0.000000"), None)]


@pytest.mark.parametrize(
    ("name", "value"),
    [("gross_margin", 1.5), ("trial_conversion_window_days", -3)],
)
def test_invalid_kpi_settings_stop_the_build(
    built: Warehouse, name: str, value: float | int
) -> None:
    result = built.dbt(
        "compile", "--select", "fct_saas_kpis_monthly fct_trial_conversions", vars_={name: value}
    )
    assert result.returncode != 0
    assert f"Setting {name}='{value}' is not valid" in dbt_output(result)


def test_as_of_month_is_the_last_row(built: Warehouse) -> None:
    assert built.query("select max(date_month) from marts.fct_saas_kpis_monthly") == [
        (datetime.date(2025, 3, 1),)
    ]
