"""The Stripe source layer end to end: Fivetran-shaped Stripe tables -> dbt build with
billing_source: stripe -> the marts, on worked cases with the numbers written out.

One customer per case (docs/stripe.md, "Worked cases"); the as-of date is
2024-06-30, so the marts hold January to June 2024. Amounts in the tables are
minor units (cents; yen for JPY), currencies lower case, as Fivetran lands them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from stripe_tables import COLUMNS, StripeTables, write_reference_folder
from warehouse import Warehouse, dbt_output

pytestmark = pytest.mark.slow

AS_OF = "2024-06-30"
VARS = {"billing_source": "stripe", "as_of_date": AS_OF}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text if " " in text or "T" in text else text + " 00:00:00")


def fx_rates() -> list[tuple[str, str, str]]:
    """JPY->USD 0.0065 in January 2024, 0.0070 from February 1 (and EUR for the spend)."""
    rows = []
    for month in range(1, 7):
        for day in (1, 15, 28):
            rate = "0.0065" if month == 1 else "0.0070"
            rows.append((f"2024-{month:02d}-{day:02d}", "JPY", rate))
    return rows


def monthly_invoice(
    data: StripeTables,
    case: str,
    month: int,
    price: str,
    item: str,
    amount: int,
    quantity: int = 1,
    currency: str = "usd",
    paid: bool = True,
    discount: int = 0,
) -> str:
    """One paid monthly invoice of a subscription item for month `month` of 2024."""
    start, end = at(f"2024-{month:02d}-01"), at(f"2024-{month + 1:02d}-01")
    invoice = f"in_{case}_{month:02d}"
    data.add(
        "invoice",
        id=invoice,
        customer_id=f"cus_{case}",
        subscription_id=f"sub_{case}",
        currency=currency,
        status="paid" if paid else "open",
        created=start,
        subtotal=amount,
        tax=0,
        total=amount - discount,
        livemode=True,
    )
    data.add(
        "invoice_line_item",
        id=f"il_{case}_{month:02d}",
        invoice_id=invoice,
        type="subscription",
        amount=amount,
        currency=currency,
        quantity=quantity,
        period_start=start,
        period_end=end,
        proration=False,
        price_id=price,
        subscription_id=f"sub_{case}",
        subscription_item_id=item,
        livemode=True,
    )
    data.add(
        "charge",
        id=f"ch_{case}_{month:02d}",
        invoice_id=invoice,
        amount=amount - discount,
        currency=currency,
        status="succeeded" if paid else "failed",
        created=at(f"2024-{month:02d}-01 00:05:00"),
        failure_code=None if paid else "card_declined",
        livemode=True,
    )
    return invoice


def version(data: StripeTables, case: str, start: str, end: str | None = None, **state) -> None:
    """One subscription_history version of sub_<case>, valid from `start` to `end`."""
    values = {
        "id": f"sub_{case}",
        "customer_id": f"cus_{case}",
        "status": "active",
        "created": at("2024-01-01"),
        "start_date": at("2024-01-01"),
        "cancel_at_period_end": False,
        "livemode": True,
        "_fivetran_start": at(start),
        "_fivetran_end": at(end) if end else None,
        "_fivetran_active": end is None,
    }
    values.update(state)
    data.add("subscription_history", **values)


def worked_cases() -> StripeTables:
    data = StripeTables()
    data.add("product", id="prod_core", name="Core")
    for price, amount, interval, currency in [
        ("price_year_1200", 120000, "year", "usd"),
        ("price_month_100", 10000, "month", "usd"),
        ("price_month_200", 20000, "month", "usd"),
        ("price_addon_30", 3000, "month", "usd"),
        ("price_jpy_1200", 1200, "month", "jpy"),
    ]:
        data.add(
            "price",
            id=price,
            product_id="prod_core",
            currency=currency,
            unit_amount=amount,
            recurring_interval=interval,
            recurring_interval_count=1,
            recurring_usage_type="licensed",
            billing_scheme="per_unit",
            livemode=True,
        )
    cases = ["01", "02", "03", "04", "05", "06", "07", "08", "09"]
    for case in cases:
        data.add(
            "customer",
            id=f"cus_{case}",
            name=f"Customer {case}",
            email=f"c{case}@example.com",
            address_country="us",
            created=at("2024-01-01"),
            livemode=True,
        )

    # 01 Annual plan of 120000 cents: MRR 100.00 a month.
    data.add(
        "subscription_item",
        id="si_01",
        subscription_id="sub_01",
        plan_id="price_year_1200",
        quantity=1,
    )
    version(data, "01", "2024-01-01")
    data.add(
        "invoice",
        id="in_01",
        customer_id="cus_01",
        subscription_id="sub_01",
        currency="usd",
        status="paid",
        created=at("2024-01-01"),
        subtotal=120000,
        tax=0,
        total=120000,
        livemode=True,
    )
    data.add(
        "invoice_line_item",
        id="il_01",
        invoice_id="in_01",
        type="subscription",
        amount=120000,
        currency="usd",
        quantity=1,
        period_start=at("2024-01-01"),
        period_end=at("2025-01-01"),
        proration=False,
        price_id="price_year_1200",
        subscription_id="sub_01",
        subscription_item_id="si_01",
        livemode=True,
    )

    # 02 JPY 1200 a month: 7.80 USD in January (0.0065), 8.40 from February (0.0070).
    data.add(
        "subscription_item",
        id="si_02",
        subscription_id="sub_02",
        plan_id="price_jpy_1200",
        quantity=1,
    )
    version(data, "02", "2024-01-01")
    monthly_invoice(data, "02", 1, "price_jpy_1200", "si_02", 1200, currency="jpy")

    # 03 A 20% coupon repeating for 3 months: 80.00 January to March, 100.00 from April.
    data.add(
        "subscription_item",
        id="si_03",
        subscription_id="sub_03",
        plan_id="price_month_100",
        quantity=1,
    )
    version(data, "03", "2024-01-01")
    data.add("coupon", id="co_20_3m", percent_off=20.0, duration="repeating", duration_in_months=3)
    data.add(
        "discount",
        id="di_03",
        coupon_id="co_20_3m",
        customer_id="cus_03",
        subscription_id="sub_03",
        start=at("2024-01-01"),
    )
    for month in range(1, 7):
        off = 2000 if month <= 3 else 0
        monthly_invoice(data, "03", month, "price_month_100", "si_03", 10000, discount=off)

    # 04 cancel_at_period_end asked on March 10, service ends April 1.
    data.add(
        "subscription_item",
        id="si_04",
        subscription_id="sub_04",
        plan_id="price_month_100",
        quantity=1,
    )
    version(data, "04", "2024-01-01", "2024-03-10")
    version(
        data,
        "04",
        "2024-03-10",
        "2024-04-01 00:00:01",
        cancel_at_period_end=True,
        canceled_at=at("2024-03-10 09:00:00"),
        current_period_end=at("2024-04-01"),
    )
    version(
        data,
        "04",
        "2024-04-01 00:00:01",
        None,
        status="canceled",
        cancel_at_period_end=True,
        canceled_at=at("2024-03-10 09:00:00"),
        ended_at=at("2024-04-01"),
        current_period_end=at("2024-04-01"),
        cancellation_details_reason="cancellation_requested",
    )
    for month in range(1, 4):
        monthly_invoice(data, "04", month, "price_month_100", "si_04", 10000)

    # 05 Mid-cycle upgrade 100 -> 200 on February 15: -48.28 and +96.55 proration lines.
    data.add(
        "subscription_item",
        id="si_05",
        subscription_id="sub_05",
        plan_id="price_month_200",
        quantity=1,
    )
    version(data, "05", "2024-01-01")
    monthly_invoice(data, "05", 1, "price_month_100", "si_05", 10000)
    monthly_invoice(data, "05", 2, "price_month_100", "si_05", 10000)
    data.add(
        "invoice",
        id="in_05_up",
        customer_id="cus_05",
        subscription_id="sub_05",
        currency="usd",
        status="paid",
        created=at("2024-02-15"),
        subtotal=4827,
        tax=0,
        total=4827,
        livemode=True,
    )
    for line, amount, price in [
        ("il_05_up_old", -4828, "price_month_100"),
        ("il_05_up_new", 9655, "price_month_200"),
    ]:
        data.add(
            "invoice_line_item",
            id=line,
            invoice_id="in_05_up",
            type="subscription",
            amount=amount,
            currency="usd",
            quantity=1,
            period_start=at("2024-02-15"),
            period_end=at("2024-03-01"),
            proration=True,
            price_id=price,
            subscription_id="sub_05",
            subscription_item_id="si_05",
            livemode=True,
        )
    data.add(
        "charge",
        id="ch_05_up",
        invoice_id="in_05_up",
        amount=4827,
        currency="usd",
        status="succeeded",
        created=at("2024-02-15 00:05:00"),
        livemode=True,
    )
    for month in range(3, 7):
        monthly_invoice(data, "05", month, "price_month_200", "si_05", 20000)

    # 06 Two items: 100 x 1 plus an add-on of 30 x 2 = 160.00, two contract subscriptions.
    data.add(
        "subscription_item",
        id="si_06a",
        subscription_id="sub_06",
        plan_id="price_month_100",
        quantity=1,
    )
    data.add(
        "subscription_item",
        id="si_06b",
        subscription_id="sub_06",
        plan_id="price_addon_30",
        quantity=2,
    )
    version(data, "06", "2024-01-01")

    # 07 A trial from January 1 to 15 that converts: 0 during the trial, 100.00 at January's end.
    data.add(
        "subscription_item",
        id="si_07",
        subscription_id="sub_07",
        plan_id="price_month_100",
        quantity=1,
    )
    version(
        data,
        "07",
        "2024-01-01",
        "2024-01-15",
        status="trialing",
        trial_start=at("2024-01-01"),
        trial_end=at("2024-01-15"),
    )
    version(
        data, "07", "2024-01-15", None, trial_start=at("2024-01-01"), trial_end=at("2024-01-15")
    )

    # 08 Past due from March 1, unpaid from March 20, cancelled April 1: involuntary churn.
    data.add(
        "subscription_item",
        id="si_08",
        subscription_id="sub_08",
        plan_id="price_month_100",
        quantity=1,
    )
    version(data, "08", "2024-01-01", "2024-03-01 06:00:00")
    version(data, "08", "2024-03-01 06:00:00", "2024-03-20", status="past_due")
    version(data, "08", "2024-03-20", "2024-04-01", status="unpaid")
    version(
        data,
        "08",
        "2024-04-01",
        None,
        status="canceled",
        canceled_at=at("2024-04-01"),
        ended_at=at("2024-04-01"),
        cancellation_details_reason="payment_failed",
    )
    monthly_invoice(data, "08", 1, "price_month_100", "si_08", 10000)
    monthly_invoice(data, "08", 2, "price_month_100", "si_08", 10000)
    monthly_invoice(data, "08", 3, "price_month_100", "si_08", 10000, paid=False)

    # 09 A cancellation asked on February 10 and withdrawn on February 20, seen only in history.
    data.add(
        "subscription_item",
        id="si_09",
        subscription_id="sub_09",
        plan_id="price_month_100",
        quantity=1,
    )
    version(data, "09", "2024-01-01", "2024-02-10")
    version(
        data,
        "09",
        "2024-02-10",
        "2024-02-20",
        cancel_at_period_end=True,
        canceled_at=at("2024-02-10"),
        current_period_end=at("2024-03-01"),
    )
    version(data, "09", "2024-02-20", None)

    # Left out, each counted in rpt_stripe__exclusions: a test-mode customer, a deleted
    # draft invoice, and a temporary `sub_` line id.
    data.add(
        "customer",
        id="cus_test",
        name="Test",
        email="t@example.com",
        created=at("2024-01-01"),
        livemode=False,
    )
    data.add(
        "invoice",
        id="in_deleted_draft",
        customer_id="cus_01",
        currency="usd",
        status="draft",
        created=at("2024-02-01"),
        subtotal=500,
        tax=0,
        total=500,
        is_deleted=True,
        livemode=True,
    )
    data.add(
        "invoice_line_item",
        id="sub_temp_01",
        invoice_id="in_01",
        type="subscription",
        amount=1,
        currency="usd",
        quantity=1,
        period_start=at("2024-01-01"),
        period_end=at("2025-01-01"),
        proration=False,
        price_id="price_year_1200",
        subscription_id="sub_01",
        livemode=True,
    )
    return data


def build(root: Path, data: StripeTables, vars_: dict | None = None) -> Warehouse:
    warehouse = Warehouse(root)
    warehouse.load(write_reference_folder(root / "reference", fx_rates()))
    data.write(warehouse.database)
    result = warehouse.dbt("build", vars_={**VARS, **(vars_ or {})})
    assert result.returncode == 0, dbt_output(result)[-6000:]
    warehouse.output = dbt_output(result)  # type: ignore[attr-defined]
    return warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return build(tmp_path_factory.mktemp("stripe_cases"), worked_cases())


def months(warehouse: Warehouse, customer: str) -> dict[str, tuple]:
    rows = warehouse.query(
        f"""
        select strftime(date_month, '%Y-%m'), mrr, movement_type, mrr_movement,
            fx_impact_mrr, churn_type
        from marts.fct_customer_mrr_monthly where customer_id = 'cus_{customer}'
        """
    )
    return {month: tuple(values) for month, *values in rows}


def mrr(warehouse: Warehouse, customer: str) -> dict[str, Decimal]:
    return {month: values[0] for month, values in months(warehouse, customer).items()}


def test_annual_plan_of_120000_cents_is_mrr_100(built: Warehouse) -> None:
    assert set(mrr(built, "01").values()) == {Decimal("100.00")}
    assert months(built, "01")["2024-01"][1:3] == ("new", Decimal("100.00"))


def test_jpy_plan_is_converted_at_the_snapshot_rate(built: Warehouse) -> None:
    got = months(built, "02")
    assert got["2024-01"][0] == Decimal("7.80")  # 1200 JPY x 0.0065
    assert got["2024-02"][0] == Decimal("8.40")  # 1200 JPY x 0.0070
    assert got["2024-02"][1] == "unchanged" and got["2024-02"][3] == Decimal("0.60")


def test_coupon_repeating_for_three_months(built: Warehouse) -> None:
    got = months(built, "03")
    assert [got[m][0] for m in ("2024-01", "2024-02", "2024-03")] == [Decimal("80.00")] * 3
    assert got["2024-04"][:3] == (Decimal("100.00"), "expansion", Decimal("20.00"))


def test_cancel_at_period_end_churns_at_the_end_of_service(built: Warehouse) -> None:
    got = months(built, "04")
    assert got["2024-03"][0] == Decimal("100.00")
    assert got["2024-04"][1:3] == ("churn", Decimal("-100.00"))
    assert got["2024-04"][4] == "voluntary"


def test_mid_cycle_upgrade_with_negative_and_positive_proration(built: Warehouse) -> None:
    got = months(built, "05")
    assert got["2024-01"][0] == Decimal("100.00")
    assert got["2024-02"][:3] == (Decimal("200.00"), "expansion", Decimal("100.00"))
    lines = built.query(
        "select line_type, amount from staging.stg_billing__invoice_line_items "
        "where invoice_id = 'in_05_up' order by amount"
    )
    assert lines == [("proration", Decimal("-48.28")), ("proration", Decimal("96.55"))]
    [(billings,)] = built.query(
        "select billings from marts.fct_cash_monthly where date_month = '2024-02-01'"
    )
    # February: the monthly invoices of cases 03 (80 after its coupon), 04, 05 and 08
    # (3 x 100) and the upgrade's net 48.27 (96.55 - 48.28).
    assert billings == Decimal("428.27")


def test_two_items_are_two_subscriptions_adding_up(built: Warehouse) -> None:
    assert set(mrr(built, "06").values()) == {Decimal("160.00")}
    rows = built.query(
        "select subscription_id, mrr from marts.fct_subscription_mrr_monthly "
        "where customer_id = 'cus_06' and date_month = '2024-01-01' order by subscription_id"
    )
    assert rows == [("si_06a", Decimal("100.00")), ("si_06b", Decimal("60.00"))]


def test_trial_that_converts(built: Warehouse) -> None:
    assert months(built, "07")["2024-01"][:2] == (Decimal("100.00"), "new")
    [(trials, converted)] = built.query(
        "select trials, converted from marts.fct_trial_conversions where trial_month = '2024-01-01'"
    )
    assert (trials, converted) == (1, 1)


def test_past_due_then_cancelled_unpaid_is_involuntary_churn(built: Warehouse) -> None:
    got = months(built, "08")
    assert got["2024-03"][0] == Decimal("100.00")  # past due keeps its MRR
    assert got["2024-04"][1:3] == ("churn", Decimal("-100.00"))
    assert got["2024-04"][4] == "involuntary"


def test_withdrawn_cancellation_seen_only_in_history(built: Warehouse) -> None:
    assert set(mrr(built, "09").values()) == {Decimal("100.00")}
    events = built.query(
        "select event_type from staging.stg_billing__subscription_events "
        "where subscription_id = 'si_09' order by effective_at, event_type"
    )
    assert ("cancellation_withdrawn",) in events and ("cancellation_scheduled",) in events


def test_left_out_rows_are_counted(built: Warehouse) -> None:
    rows = built.query(
        "select table_name, reason, excluded_rows from staging.rpt_stripe__exclusions order by 1, 2"
    )
    assert rows == [
        ("customer", "test_mode", 1),
        ("invoice", "deleted_draft", 1),
        ("invoice_line_item", "temporary_line_id", 1),
    ]


def test_every_contract_row_is_staged_or_rejected(built: Warehouse) -> None:
    [(rejected,)] = built.query("select count(*) from staging.stg_billing__rejects")
    assert rejected == 0
    assert "stripe: subscription events from" in built.output  # type: ignore[attr-defined]


def test_churn_at_the_request_under_the_other_setting(tmp_path: Path) -> None:
    warehouse = build(tmp_path, worked_cases(), {"churn_recognition": "request"})
    got = months(warehouse, "04")
    assert got["2024-03"][1:3] == ("churn", Decimal("-100.00"))
    assert months(warehouse, "09").get("2024-02", (None, None))[1] != "churn"


def test_stripe_tables_in_another_schema_and_database(tmp_path: Path) -> None:
    """stripe_schema and stripe_database point the source elsewhere (the warehouse
    file is the database `warehouse`); a missing required column stops the build
    with a message naming the table and the column."""
    data = worked_cases()
    warehouse = Warehouse(tmp_path)
    warehouse.load(write_reference_folder(tmp_path / "reference", fx_rates()))
    data.write(warehouse.database, schema="stripe_landed")
    settings = {**VARS, "stripe_schema": "stripe_landed", "stripe_database": "warehouse"}
    result = warehouse.dbt("build", vars_=settings)
    assert result.returncode == 0, dbt_output(result)[-6000:]
    data.dropped = {"charge": {"created"}}
    data.write(warehouse.database, schema="stripe_landed")
    result = warehouse.dbt("build", "--select", "raw_stripe__plans", vars_=settings)
    assert result.returncode != 0
    assert "warehouse.stripe_landed.charge has no column created" in dbt_output(result)


def test_without_history_the_build_says_what_it_cannot_see(tmp_path: Path) -> None:
    """No subscription_history: the current `subscription` row is read, and the
    build message lists what that mode loses; the current state still gives MRR."""
    data = worked_cases()
    data.absent = {"subscription_history"}
    warehouse = Warehouse(tmp_path)
    warehouse.load(write_reference_folder(tmp_path / "reference", fx_rates()))
    data.write(warehouse.database)
    rows = [row for row in data.rows["subscription_history"] if row["_fivetran_end"] is None]
    current = StripeTables(absent=set(COLUMNS) - {"subscription"})
    current.rows["subscription"] = [
        {k: v for k, v in row.items() if not k.startswith("_fivetran")} for row in rows
    ]
    current.write(warehouse.database)
    result = warehouse.dbt("build", vars_=VARS)
    assert result.returncode == 0, dbt_output(result)[-6000:]
    assert "cannot see withdrawn cancellations" in dbt_output(result)
    assert set(mrr(warehouse, "01").values()) == {Decimal("100.00")}
    assert months(warehouse, "08")["2024-04"][1] == "churn"


def test_optional_tables_a_connection_lacks_read_as_empty(tmp_path: Path) -> None:
    """A connection without the optional tables (product, refund, discount, coupon,
    invoice_payment) builds the Stripe layer, each read as an empty table with its
    columns. Found by the dbt_stripe seeds smoke test: an absent table's columns
    were read by name from an empty select, and DuckDB stopped raw_stripe__payments
    (no invoice_payment) with a Binder Error."""
    data = worked_cases()
    data.absent = {"subscription", "product", "refund", "discount", "coupon", "invoice_payment"}
    warehouse = Warehouse(tmp_path)
    warehouse.load(write_reference_folder(tmp_path / "reference", fx_rates()))
    data.write(warehouse.database)
    result = warehouse.dbt("run", "--select", "path:models/staging/stripe", vars_=VARS)
    assert result.returncode == 0, dbt_output(result)[-6000:]
    live_charges = sum(1 for row in data.rows["charge"] if row.get("livemode", True))
    assert warehouse.query(
        "select payment_type, count(*) from staging.raw_stripe__payments group by 1"
    ) == [("charge", live_charges)]
    assert warehouse.query(
        "select count(*) from staging.raw_stripe__subscription_events "
        "where event_type = 'discount_changed'"
    ) == [(0,)]
