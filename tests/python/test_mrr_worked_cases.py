"""The worked billing cases, end to end: raw files -> rrw load -> dbt build -> marts.

Every number written out in worked_cases.py must appear in the marts exactly,
under the default settings and with each setting switched to its alternative.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import worked_cases
from warehouse import Warehouse, dbt_output

pytestmark = pytest.mark.slow

MRR_MODELS = ["--select", "utilities", "intermediate", "marts"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("worked_cases")
    data = worked_cases.write_dataset(root / "data")
    warehouse = Warehouse(root)
    warehouse.load(data)
    result = warehouse.dbt("build")
    assert result.returncode == 0, dbt_output(result)[-5000:]
    return warehouse


def customer_months(warehouse: Warehouse) -> dict[str, dict[str, tuple]]:
    rows = warehouse.query(
        """
        select
            customer_id,
            strftime(date_month, '%Y-%m'),
            mrr,
            movement_type,
            new_mrr + expansion_mrr + contraction_mrr + churned_mrr + reactivation_mrr,
            fx_impact_mrr,
            customer_status,
            churn_type
        from marts.fct_customer_mrr_monthly
        """
    )
    actual: dict[str, dict[str, tuple]] = {}
    for customer_id, month, *values in rows:
        actual.setdefault(customer_id, {})[month] = tuple(values)
    return actual


def mismatches(expected: dict[str, dict], actual: dict[str, dict]) -> list[str]:
    problems = []
    for customer_id, months in expected.items():
        got = actual.get(customer_id, {})
        for month in sorted(set(months) | set(got)):
            want, have = months.get(month), got.get(month)
            if want is not None:
                want = (
                    Decimal(want.mrr),
                    want.movement_type,
                    Decimal(want.movement),
                    Decimal(want.fx_impact),
                    want.customer_status,
                    want.churn_type,
                )
            if want != have:
                problems.append(f"{customer_id} {month}: expected {want}, got {have}")
    return problems


def test_every_worked_case_appears_in_the_marts_exactly(built: Warehouse) -> None:
    assert mismatches(worked_cases.EXPECTED, customer_months(built)) == []


def test_no_months_after_the_as_of_date(built: Warehouse) -> None:
    months = built.query("select min(date_month), max(date_month) from marts.fct_mrr_monthly")
    assert [(str(first), str(last)) for first, last in months] == [("2024-01-01", "2025-03-01")]
    assert built.query("select as_of_date from utilities.util_as_of_date") == [(date(2025, 3, 31),)]


def test_monthly_bridge_holds_the_cases_totals(built: Warehouse) -> None:
    by_month = {
        str(month): (churned, churned_mrr, involuntary, paying, new)
        for month, churned, churned_mrr, involuntary, paying, new in built.query(
            """
            select date_month, churned_customers, churned_mrr, involuntary_churned_mrr,
                paying_customers, new_customers
            from marts.fct_mrr_monthly
            """
        )
    }
    # Worked case 3: one churned customer in April 2024 (the only churn that month).
    assert by_month["2024-04-01"][0] == 1
    # Past due then cancelled for non-payment: involuntary churn in June 2024.
    assert by_month["2024-06-01"][1:3] == (Decimal("-100.00"), Decimal("-100.00"))
    # Worked case 5: the pause (June) churns nobody but c19's non-payment.
    assert by_month["2024-06-01"][0] == 1
    # Sign-up and cancellation inside February (c17) is in neither new nor churn.
    assert by_month["2024-02-01"][0] == 0
    # New in January: every case customer paying at the end of January 2024.
    january_payers = {
        customer for customer, months in worked_cases.EXPECTED.items() if "2024-01" in months
    }
    assert by_month["2024-01-01"][4] == len(january_payers)


def test_worked_case_arr_and_dimensions(built: Warehouse) -> None:
    # Worked case 1: ARR 1,200 for the annual customer (1,200 x ... as 12 x MRR 100).
    assert built.query(
        "select 12 * mrr from marts.fct_customer_mrr_monthly "
        "where customer_id = 'c01' and date_month = '2024-06-01'"
    ) == [(Decimal("1200.00"),)]
    statuses = dict(built.query("select customer_id, current_status from marts.dim_customers"))
    assert statuses["c01"] == "churned"
    assert statuses["c05"] == "paying"
    assert statuses["c17"] == "lead"
    assert statuses["c25"] == "lead"
    assert built.query(
        "select first_paid_month from marts.dim_customers where customer_id = 'c24'"
    ) == [(date(2024, 2, 1),)]
    assert built.query(
        "select status, cancellation_reason from marts.fct_subscriptions "
        "where subscription_id = 's19'"
    ) == [("cancelled", "non_payment")]
    assert built.query(
        "select status, mrr from marts.fct_subscriptions where subscription_id = 's08'"
    ) == [("active", Decimal("1030.00"))]


def test_no_personal_data_in_dim_customers(built: Warehouse) -> None:
    rows = built.query("select * from marts.dim_customers")
    flat = " ".join(str(value) for row in rows for value in row)
    assert "@example.com" not in flat
    assert "Customer c0" not in flat


def test_timeline_marks_the_past_due_period(built: Warehouse) -> None:
    assert built.query(
        """
        select status, strftime(valid_from, '%Y-%m-%d %H:%M'), strftime(valid_to, '%Y-%m-%d %H:%M')
        from intermediate.int_subscription_states
        where subscription_id = 's04' order by valid_from
        """
    ) == [
        ("active", "2024-01-01 00:00", "2024-04-01 06:00"),
        ("past_due", "2024-04-01 06:00", "2024-04-12 08:00"),
        ("active", "2024-04-12 08:00", None),
    ]


def test_reconciliation_with_invoices_is_exact_on_the_cases(built: Warehouse) -> None:
    assert built.query(
        "select count(*), sum(abs(difference)), bool_and(is_within_tolerance) "
        "from marts.fct_mrr_invoice_reconciliation_monthly"
    ) == [(15, Decimal("0.00"), True)]


@pytest.mark.parametrize("setting", sorted(worked_cases.EXPECTED_WITH_SETTINGS))
def test_each_setting_alternative(built: Warehouse, tmp_path: Path, setting: str) -> None:
    name, value = setting.split("=")
    variant = built.copy(tmp_path / name)
    result = variant.dbt("run", *MRR_MODELS, vars_={name: int(value) if value.isdigit() else value})
    assert result.returncode == 0, dbt_output(result)[-5000:]
    expected = {**worked_cases.EXPECTED, **worked_cases.EXPECTED_WITH_SETTINGS[setting]}
    assert mismatches(expected, customer_months(variant)) == []


def test_as_of_date_setting_cuts_the_months(built: Warehouse, tmp_path: Path) -> None:
    variant = built.copy(tmp_path / "as_of")
    result = variant.dbt("run", *MRR_MODELS, vars_={"as_of_date": "2024-06-15"})
    assert result.returncode == 0, dbt_output(result)[-5000:]
    assert variant.query("select max(date_month) from marts.fct_customer_mrr_monthly") == [
        (date(2024, 6, 1),)
    ]
    # The June snapshot is taken at the as-of date: c19 (cancelled 2024-06-20) still pays.
    assert variant.query(
        "select mrr, movement_type from marts.fct_customer_mrr_monthly "
        "where customer_id = 'c19' and date_month = '2024-06-01'"
    ) == [(Decimal("100.00"), "unchanged")]


def _rewrite_fx_rates(folder: Path, rows: list[tuple[str, str, str]]) -> None:
    with (folder / "fx_rates.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["rate_date", "currency", "rate_to_reporting"])
        writer.writerows(rows)


def test_reporting_currency_setting(tmp_path: Path) -> None:
    data = worked_cases.write_dataset(tmp_path / "data")
    # Rates quoted in EUR: USD 1 = EUR 1/1.10 in January 2024, 1/1.05 later.
    _rewrite_fx_rates(
        data, [("2023-12-15", "USD", "0.90909091"), ("2024-02-10", "USD", "0.95238095")]
    )
    warehouse = Warehouse(tmp_path)
    warehouse.load(data)
    result = warehouse.dbt("build", vars_={"reporting_currency": "EUR"})
    assert result.returncode == 0, dbt_output(result)[-5000:]
    rows = dict(
        warehouse.query(
            "select customer_id || ' ' || strftime(date_month, '%Y-%m'), mrr "
            "from marts.fct_customer_mrr_monthly where customer_id in ('c10', 'c02')"
        )
    )
    # The EUR customer is now in the reporting currency: EUR 100, 100, 150, no FX impact.
    assert [rows["c10 2024-01"], rows["c10 2024-02"], rows["c10 2024-03"]] == [
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("150.00"),
    ]
    # USD 80 at 0.90909091 = EUR 72.73; USD 100 at 0.95238095 = EUR 95.24.
    assert [rows["c02 2024-01"], rows["c02 2024-04"]] == [Decimal("72.73"), Decimal("95.24")]


def test_missing_fx_rate_stops_the_build_and_names_currency_and_month(tmp_path: Path) -> None:
    data = worked_cases.write_dataset(tmp_path / "data")
    # EUR rates now start on 2024-02-10: January's EUR MRR has no rate.
    _rewrite_fx_rates(data, [row for row in worked_cases.FX_RATES if row[0] >= "2024-02-01"])
    warehouse = Warehouse(tmp_path)
    warehouse.load(data)
    assert warehouse.dbt("seed").returncode == 0
    result = warehouse.dbt("run", "--select", "+int_customer_mrr_monthly")
    assert result.returncode != 0
    assert "No FX rate for EUR on or before the snapshot of month 2024-01-01" in dbt_output(result)
