"""The worked billing cases as a raw dataset in the raw export spec, with the numbers
each case must produce in the marts written out beside it.

Every case of docs/conventions.md ("Worked cases") and every
extra case the MRR issue lists is one customer here (`c01`...). The dataset's
as-of date is 2025-03-31 (the last recorded activity), so the marts hold the
months 2024-01 to 2025-03. All amounts USD unless a case says otherwise.

`write_dataset(folder)` writes the CSV files; `EXPECTED` holds, per customer,
every row `fct_customer_mrr_monthly` must have (months not listed must be
absent), under the default settings. `EXPECTED_WITH_SETTINGS` holds the rows
that change when one setting is switched to its alternative.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

AS_OF_DATE = "2025-03-31"
FIRST_MONTH = "2024-01"
LAST_MONTH = "2025-03"

# ---------------------------------------------------------------------------
# Raw rows
# ---------------------------------------------------------------------------

PLANS = [
    # plan_id, plan_name, product_name, business_model, unit, count, currency, price, trial_days
    ("p_month_100", "Monthly 100", "Core", "subscription", "month", 1, "USD", "100.00", "14"),
    ("p_month_200", "Monthly 200", "Core", "subscription", "month", 1, "USD", "200.00", ""),
    ("p_month_30", "Monthly add-on 30", "Add-on", "subscription", "month", 1, "USD", "30.00", ""),
    ("p_year_1200", "Annual 1,200", "Core", "subscription", "year", 1, "USD", "1200.00", ""),
    ("p_week_10", "Weekly 10", "Box", "consumption", "week", 1, "USD", "10.00", ""),
    ("p_quarter_90", "Quarterly 90", "Club", "membership", "month", 3, "USD", "90.00", ""),
    (
        "p_biennial_2400",
        "Biennial 2,400",
        "Maintenance",
        "contract",
        "year",
        2,
        "USD",
        "2400.00",
        "",
    ),
    (
        "p_contract_1200",
        "Licence 1,200/yr",
        "Maintenance",
        "contract",
        "year",
        1,
        "USD",
        "1200.00",
        "",
    ),
    ("p_month_eur_100", "Monthly EUR 100", "Core", "subscription", "month", 1, "EUR", "100.00", ""),
    ("p_free", "Free", "Core", "freemium", "month", 1, "USD", "0.00", ""),
]

FX_RATES = [
    # rate_date, currency, rate_to_reporting: EUR->USD 1.10 in January 2024,
    # 1.05 in February, 1.08 from March on (latest rate on or before a snapshot).
    ("2023-12-15", "EUR", "1.10"),
    ("2024-02-10", "EUR", "1.05"),
    ("2024-03-10", "EUR", "1.08"),
]


@dataclass
class Dataset:
    customers: list[tuple] = field(default_factory=list)
    subscriptions: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    invoices: list[tuple] = field(default_factory=list)
    lines: list[tuple] = field(default_factory=list)
    payments: list[tuple] = field(default_factory=list)

    def customer(self, customer_id: str, created_at: str = "2024-01-01T00:00:00Z") -> None:
        self.customers.append(
            (
                customer_id,
                f"Customer {customer_id}",
                f"{customer_id}@example.com",
                "US",
                "paid_search",
                created_at,
            )
        )

    def subscription(
        self,
        subscription_id: str,
        customer_id: str,
        created_at: str = "2024-01-01T00:00:00Z",
        commitment_months: str = "",
        notice_period_days: str = "",
        auto_renew: str = "",
    ) -> None:
        self.subscriptions.append(
            (
                subscription_id,
                customer_id,
                created_at,
                commitment_months,
                notice_period_days,
                auto_renew,
            )
        )

    def event(
        self,
        event_id: str,
        subscription_id: str,
        event_type: str,
        effective_at: str,
        plan_id: str,
        recorded_at: str | None = None,
        quantity: str = "1",
        unit_price: str = "",
        discount_percent: str = "",
        discount_amount: str = "",
        cancellation_reason: str = "",
    ) -> None:
        self.events.append(
            (
                event_id,
                subscription_id,
                event_type,
                effective_at,
                recorded_at or effective_at,
                plan_id,
                quantity,
                unit_price,
                discount_percent,
                discount_amount,
                cancellation_reason,
            )
        )

    def invoice(
        self,
        invoice_id: str,
        customer_id: str,
        issued_at: str,
        status: str = "paid",
        currency: str = "USD",
    ) -> None:
        self.invoices.append((invoice_id, customer_id, currency, status, issued_at, issued_at))

    def line(
        self,
        line_item_id: str,
        invoice_id: str,
        line_type: str,
        amount: str,
        subscription_id: str = "",
        plan_id: str = "",
        period: tuple[str, str] | None = None,
        discount_amount: str = "0.00",
        tax_amount: str = "0.00",
        quantity: str = "1",
        description: str = "",
    ) -> None:
        start, end = period or ("", "")
        self.lines.append(
            (
                line_item_id,
                invoice_id,
                subscription_id,
                plan_id,
                line_type,
                description,
                start,
                end,
                quantity,
                amount,
                discount_amount,
                tax_amount,
            )
        )

    def payment(
        self,
        payment_id: str,
        invoice_id: str,
        amount: str,
        occurred_at: str,
        status: str = "succeeded",
        payment_type: str = "charge",
        failure_reason: str = "",
        currency: str = "USD",
    ) -> None:
        self.payments.append(
            (
                payment_id,
                invoice_id,
                payment_type,
                status,
                amount,
                currency,
                occurred_at,
                failure_reason,
            )
        )

    def monthly_invoices(
        self,
        prefix: str,
        customer_id: str,
        subscription_id: str,
        plan_id: str,
        months: list[str],
        amount: str = "100.00",
        discount_amount: str = "0.00",
    ) -> None:
        """One paid invoice per month, service period = the calendar month."""
        for month in months:
            start = f"{month}-01"
            end = _next_month(month) + "-01"
            net = Decimal(amount) - Decimal(discount_amount)
            invoice_id = f"{prefix}_{month}"
            self.invoice(invoice_id, customer_id, f"{start}T00:00:00Z")
            self.line(
                f"{invoice_id}_l1",
                invoice_id,
                "recurring",
                amount,
                subscription_id,
                plan_id,
                (start, end),
                discount_amount=discount_amount,
            )
            self.payment(f"{invoice_id}_p1", invoice_id, f"{net:.2f}", f"{start}T00:05:00Z")


def _next_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def month_range(first: str, last: str) -> list[str]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def build() -> Dataset:
    data = Dataset()
    t0 = "T00:00:00Z"

    # c01 Annual prepaid (worked case 1): 1,200/year from 2024-01-01, not renewed.
    data.customer("c01")
    data.subscription("s01", "c01")
    data.event("e01_1", "s01", "activated", "2024-01-01" + t0, "p_year_1200")
    data.event(
        "e01_2",
        "s01",
        "cancelled",
        "2025-01-01" + t0,
        "p_year_1200",
        cancellation_reason="voluntary",
    )
    data.invoice("i01", "c01", "2024-01-01" + t0)
    data.line(
        "i01_l1", "i01", "recurring", "1200.00", "s01", "p_year_1200", ("2024-01-01", "2025-01-01")
    )
    data.payment("i01_p1", "i01", "1200.00", "2024-01-01T00:05:00Z")

    # c02 Repeating coupon (worked case 2): 100/month, 20% off Jan 1 - Apr 1. Its
    # last payment (2025-03-31) is the dataset's last activity: the as-of date.
    data.customer("c02")
    data.subscription("s02", "c02")
    data.event("e02_1", "s02", "activated", "2024-01-01" + t0, "p_month_100", discount_percent="20")
    data.event("e02_2", "s02", "discount_changed", "2024-04-01" + t0, "p_month_100")
    data.monthly_invoices(
        "i02", "c02", "s02", "p_month_100", month_range("2024-01", "2024-03"), "100.00", "20.00"
    )
    data.monthly_invoices("i02", "c02", "s02", "p_month_100", month_range("2024-04", "2025-02"))
    data.invoice("i02_2025-03", "c02", "2025-03-01" + t0)
    data.line(
        "i02_2025-03_l1",
        "i02_2025-03",
        "recurring",
        "100.00",
        "s02",
        "p_month_100",
        ("2025-03-01", "2025-04-01"),
    )
    data.payment("i02_2025-03_p1", "i02_2025-03", "100.00", "2025-03-31T18:00:00Z")

    # c03 Cancel at period end (worked case 3): requested 2024-03-10, service ends 2024-04-01.
    data.customer("c03")
    data.subscription("s03", "c03")
    data.event("e03_1", "s03", "activated", "2024-01-01" + t0, "p_month_100")
    data.event(
        "e03_2",
        "s03",
        "cancellation_scheduled",
        "2024-04-01" + t0,
        "p_month_100",
        recorded_at="2024-03-10T09:30:00Z",
        cancellation_reason="voluntary",
    )
    data.event(
        "e03_3",
        "s03",
        "cancelled",
        "2024-04-01" + t0,
        "p_month_100",
        cancellation_reason="voluntary",
    )

    # c04 Failed payment, recovered (worked case 4): April invoice fails Apr 1, paid Apr 12.
    data.customer("c04")
    data.subscription("s04", "c04")
    data.event("e04_1", "s04", "activated", "2024-01-01" + t0, "p_month_100")
    data.monthly_invoices(
        "i04", "c04", "s04", "p_month_100", ["2024-01", "2024-02", "2024-03", "2024-05"]
    )
    data.invoice("i04_2024-04", "c04", "2024-04-01" + t0)
    data.line(
        "i04_2024-04_l1",
        "i04_2024-04",
        "recurring",
        "100.00",
        "s04",
        "p_month_100",
        ("2024-04-01", "2024-05-01"),
    )
    data.payment(
        "i04_2024-04_p1",
        "i04_2024-04",
        "100.00",
        "2024-04-01T06:00:00Z",
        status="failed",
        failure_reason="card_declined",
    )
    data.payment("i04_2024-04_p2", "i04_2024-04", "100.00", "2024-04-12T08:00:00Z")

    # c05 Pause (worked case 5): paused from 2024-06-01, resumed 2024-08-01.
    data.customer("c05")
    data.subscription("s05", "c05")
    data.event("e05_1", "s05", "activated", "2024-01-01" + t0, "p_month_100")
    data.event("e05_2", "s05", "paused", "2024-06-01" + t0, "p_month_100")
    data.event("e05_3", "s05", "resumed", "2024-08-01" + t0, "p_month_100")

    # c06 Several subscriptions (worked case 6).
    data.customer("c06")
    data.subscription("s06a", "c06")
    data.subscription("s06b", "c06", created_at="2024-02-01" + t0)
    data.event("e06a_1", "s06a", "activated", "2024-01-01" + t0, "p_year_1200")
    data.event(
        "e06a_2",
        "s06a",
        "cancelled",
        "2025-01-01" + t0,
        "p_year_1200",
        cancellation_reason="voluntary",
    )
    data.event("e06b_1", "s06b", "activated", "2024-02-01" + t0, "p_month_30")
    data.event(
        "e06b_2",
        "s06b",
        "cancellation_scheduled",
        "2024-04-01" + t0,
        "p_month_30",
        recorded_at="2024-03-05T12:00:00Z",
        cancellation_reason="voluntary",
    )

    # c07 What stays out of MRR (worked case 7): plan 100 + tax 20 + setup 500 + usage 37.
    data.customer("c07")
    data.subscription("s07", "c07")
    data.event("e07_1", "s07", "activated", "2024-01-01" + t0, "p_month_100")
    data.invoice("i07", "c07", "2024-01-01" + t0)
    data.line(
        "i07_l1",
        "i07",
        "recurring",
        "100.00",
        "s07",
        "p_month_100",
        ("2024-01-01", "2024-02-01"),
        tax_amount="20.00",
    )
    data.line("i07_l2", "i07", "one_time", "500.00", description="Setup fee")
    data.line("i07_l3", "i07", "usage", "37.00", "s07", "p_month_100", ("2024-01-01", "2024-02-01"))
    data.payment("i07_p1", "i07", "657.00", "2024-01-01T00:05:00Z")

    # c08 Indexed renewal (worked case 8): 10 licences at 1,200/year, renewed +3% on 2025-01-01.
    data.customer("c08")
    data.subscription(
        "s08", "c08", commitment_months="12", notice_period_days="90", auto_renew="true"
    )
    data.event("e08_1", "s08", "activated", "2024-01-01" + t0, "p_contract_1200", quantity="10")
    data.event(
        "e08_2",
        "s08",
        "renewed",
        "2025-01-01" + t0,
        "p_contract_1200",
        quantity="10",
        unit_price="1236.00",
    )

    # c10 Currency (worked case 10): EUR 100/month, EUR 150 from March 2024.
    data.customer("c10")
    data.subscription("s10", "c10")
    data.event("e10_1", "s10", "activated", "2024-01-01" + t0, "p_month_eur_100")
    data.event(
        "e10_2", "s10", "price_changed", "2024-03-01" + t0, "p_month_eur_100", unit_price="150.00"
    )

    # c11-c13 Weekly 10 -> 43.33; quarterly 90 -> 30.00; biennial 2,400 -> 100.00.
    for customer_id, plan_id in (
        ("c11", "p_week_10"),
        ("c12", "p_quarter_90"),
        ("c13", "p_biennial_2400"),
    ):
        subscription_id = "s" + customer_id[1:]
        data.customer(customer_id)
        data.subscription(subscription_id, customer_id)
        data.event(
            f"e{customer_id[1:]}_1", subscription_id, "activated", "2024-01-01" + t0, plan_id
        )

    # c14 A discount added mid-life: 10% from 2024-03-15 (contraction in March).
    data.customer("c14")
    data.subscription("s14", "c14")
    data.event("e14_1", "s14", "activated", "2024-01-01" + t0, "p_month_100")
    data.event(
        "e14_2", "s14", "discount_changed", "2024-03-15" + t0, "p_month_100", discount_percent="10"
    )

    # c15 A 100% discount for March and April 2024.
    data.customer("c15")
    data.subscription("s15", "c15")
    data.event("e15_1", "s15", "activated", "2024-01-01" + t0, "p_month_100")
    data.event(
        "e15_2", "s15", "discount_changed", "2024-03-01" + t0, "p_month_100", discount_percent="100"
    )
    data.event("e15_3", "s15", "discount_changed", "2024-05-01" + t0, "p_month_100")

    # c16 Mid-month upgrade 100 -> 200 on 2024-02-15, with proration and credit lines.
    data.customer("c16")
    data.subscription("s16", "c16")
    data.event("e16_1", "s16", "activated", "2024-01-01" + t0, "p_month_100")
    data.event("e16_2", "s16", "plan_changed", "2024-02-15" + t0, "p_month_200")
    data.monthly_invoices("i16", "c16", "s16", "p_month_100", ["2024-01", "2024-02"])
    data.invoice("i16_up", "c16", "2024-02-15" + t0)
    data.line(
        "i16_up_l1",
        "i16_up",
        "proration",
        "96.55",
        "s16",
        "p_month_200",
        ("2024-02-15", "2024-03-01"),
    )
    data.line(
        "i16_up_l2",
        "i16_up",
        "credit",
        "-48.28",
        "s16",
        "p_month_100",
        ("2024-02-15", "2024-03-01"),
    )
    data.payment("i16_up_p1", "i16_up", "48.27", "2024-02-15T00:05:00Z")
    data.monthly_invoices("i16", "c16", "s16", "p_month_200", ["2024-03"], "200.00")

    # c17 Sign-up and cancellation inside one month: never in a month-end snapshot.
    data.customer("c17", created_at="2024-02-03T10:00:00Z")
    data.subscription("s17", "c17", created_at="2024-02-03T10:00:00Z")
    data.event("e17_1", "s17", "activated", "2024-02-03T10:00:00Z", "p_month_100")
    data.event(
        "e17_2",
        "s17",
        "cancelled",
        "2024-02-20T10:00:00Z",
        "p_month_100",
        cancellation_reason="voluntary",
    )

    # c18 Churn (effective 2024-03-01) then reactivation two months later (2024-05-01).
    data.customer("c18")
    data.subscription("s18a", "c18")
    data.subscription("s18b", "c18", created_at="2024-05-01" + t0)
    data.event("e18a_1", "s18a", "activated", "2024-01-01" + t0, "p_month_100")
    data.event(
        "e18a_2",
        "s18a",
        "cancelled",
        "2024-03-01" + t0,
        "p_month_100",
        cancellation_reason="voluntary",
    )
    data.event("e18b_1", "s18b", "activated", "2024-05-01" + t0, "p_month_100")

    # c19 Past due, then cancelled for non-payment on 2024-06-20: involuntary churn in June.
    data.customer("c19")
    data.subscription("s19", "c19")
    data.event("e19_1", "s19", "activated", "2024-01-01" + t0, "p_month_100")
    data.event(
        "e19_2",
        "s19",
        "cancelled",
        "2024-06-20" + t0,
        "p_month_100",
        cancellation_reason="non_payment",
    )
    data.monthly_invoices("i19", "c19", "s19", "p_month_100", month_range("2024-01", "2024-05"))
    data.invoice("i19_2024-06", "c19", "2024-06-01" + t0, status="uncollectible")
    data.line(
        "i19_2024-06_l1",
        "i19_2024-06",
        "recurring",
        "100.00",
        "s19",
        "p_month_100",
        ("2024-06-01", "2024-07-01"),
    )
    for number, day in enumerate(("01", "05", "12"), start=1):
        data.payment(
            f"i19_2024-06_p{number}",
            "i19_2024-06",
            "100.00",
            f"2024-06-{day}T06:00:00Z",
            status="failed",
            failure_reason="insufficient_funds",
        )

    # c20 A late renewal inside the service period: the annual term expires on
    # 2025-01-01 and is renewed on 2025-01-10 (no churn).
    data.customer("c20")
    data.subscription("s20", "c20")
    data.event("e20_1", "s20", "activated", "2024-01-01" + t0, "p_year_1200")
    data.event(
        "e20_2",
        "s20",
        "cancelled",
        "2025-01-01" + t0,
        "p_year_1200",
        cancellation_reason="voluntary",
    )
    data.event("e20_3", "s20", "renewed", "2025-01-10" + t0, "p_year_1200")

    # c21 A renewal recorded after the expiry, effective at the same instant: it undoes it.
    data.customer("c21")
    data.subscription("s21", "c21")
    data.event("e21_1", "s21", "activated", "2024-01-01" + t0, "p_year_1200")
    data.event(
        "e21_3",
        "s21",
        "renewed",
        "2025-01-01" + t0,
        "p_year_1200",
        recorded_at="2025-01-03T09:00:00Z",
    )
    data.event(
        "e21_2",
        "s21",
        "cancelled",
        "2025-01-01" + t0,
        "p_year_1200",
        cancellation_reason="voluntary",
    )

    # c22 A scheduled cancellation, withdrawn before it took effect.
    data.customer("c22")
    data.subscription("s22", "c22")
    data.event("e22_1", "s22", "activated", "2024-01-01" + t0, "p_month_100")
    data.event(
        "e22_2",
        "s22",
        "cancellation_scheduled",
        "2024-04-01" + t0,
        "p_month_100",
        recorded_at="2024-03-10T09:00:00Z",
        cancellation_reason="voluntary",
    )
    data.event("e22_3", "s22", "cancellation_withdrawn", "2024-03-20T09:00:00Z", "p_month_100")

    # c23 Events delivered out of order: the seat change (recorded late) comes first in the file.
    data.customer("c23")
    data.subscription("s23", "c23")
    data.event(
        "e23_2",
        "s23",
        "quantity_changed",
        "2024-03-01" + t0,
        "p_month_100",
        recorded_at="2024-03-05T16:00:00Z",
        quantity="2",
    )
    data.event("e23_1", "s23", "activated", "2024-01-01" + t0, "p_month_100")

    # c24 A trial that converts: trial from 2024-01-20, paying from 2024-02-03 (new in February).
    data.customer("c24", created_at="2024-01-20" + t0)
    data.subscription("s24", "c24", created_at="2024-01-20" + t0)
    data.event("e24_1", "s24", "trial_started", "2024-01-20" + t0, "p_month_100")
    data.event("e24_2", "s24", "activated", "2024-02-03" + t0, "p_month_100")

    # c25 A trial that does not convert: never in MRR.
    data.customer("c25", created_at="2024-01-20" + t0)
    data.subscription("s25", "c25", created_at="2024-01-20" + t0)
    data.event("e25_1", "s25", "trial_started", "2024-01-20" + t0, "p_month_100")
    data.event(
        "e25_2",
        "s25",
        "cancelled",
        "2024-02-03" + t0,
        "p_month_100",
        cancellation_reason="trial ended",
    )

    # c26 Free to paid: a free plan from 2024-01-05, upgraded on 2024-03-10 (new in March).
    data.customer("c26", created_at="2024-01-05" + t0)
    data.subscription("s26", "c26", created_at="2024-01-05" + t0)
    data.event("e26_1", "s26", "activated", "2024-01-05" + t0, "p_free")
    data.event("e26_2", "s26", "plan_changed", "2024-03-10" + t0, "p_month_100")
    return data


# ---------------------------------------------------------------------------
# Expected fct_customer_mrr_monthly rows (default settings)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One expected customer-month: MRR, movement and its signed amount."""

    mrr: str
    movement_type: str = "unchanged"
    movement: str = "0"
    fx_impact: str = "0"
    customer_status: str = "paying"
    churn_type: str | None = None


def steady(first: str, last: str, mrr: str) -> dict[str, Row]:
    return {month: Row(mrr) for month in month_range(first, last)}


def _expected_defaults() -> dict[str, dict[str, Row]]:
    churned = {"customer_status": "churned", "churn_type": "voluntary"}
    return {
        "c01": {
            **steady("2024-01", "2024-12", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
            "2025-01": Row("0.00", "churn", "-100.00", **churned),
        },
        "c02": {
            **steady("2024-01", "2025-03", "100.00"),
            "2024-01": Row("80.00", "new", "80.00"),
            "2024-02": Row("80.00"),
            "2024-03": Row("80.00"),
            "2024-04": Row("100.00", "expansion", "20.00"),
        },
        "c03": {
            **steady("2024-01", "2024-03", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
            "2024-04": Row("0.00", "churn", "-100.00", **churned),
        },
        "c04": {
            **steady("2024-01", "2025-03", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
        },
        "c05": {
            **steady("2024-01", "2025-03", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
            "2024-06": Row("0.00", "contraction", "-100.00", customer_status="paused"),
            "2024-07": Row("0.00", customer_status="paused"),
            "2024-08": Row("100.00", "expansion", "100.00"),
        },
        "c06": {
            **steady("2024-01", "2024-12", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
            "2024-02": Row("130.00", "expansion", "30.00"),
            "2024-03": Row("130.00"),
            "2024-04": Row("100.00", "contraction", "-30.00"),
            "2025-01": Row("0.00", "churn", "-100.00", **churned),
        },
        "c07": {
            **steady("2024-01", "2025-03", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
        },
        "c08": {
            **steady("2024-01", "2024-12", "1000.00"),
            **steady("2025-01", "2025-03", "1030.00"),
            "2024-01": Row("1000.00", "new", "1000.00"),
            "2025-01": Row("1030.00", "expansion", "30.00"),
        },
        "c10": {
            **steady("2024-04", "2025-03", "162.00"),
            "2024-01": Row("110.00", "new", "110.00"),
            "2024-02": Row("105.00", "unchanged", "0", fx_impact="-5.00"),
            "2024-03": Row("162.00", "expansion", "54.00", fx_impact="3.00"),
        },
        "c11": {**steady("2024-01", "2025-03", "43.33"), "2024-01": Row("43.33", "new", "43.33")},
        "c12": {**steady("2024-01", "2025-03", "30.00"), "2024-01": Row("30.00", "new", "30.00")},
        "c13": {
            **steady("2024-01", "2025-03", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
        },
        "c14": {
            **steady("2024-01", "2025-03", "90.00"),
            "2024-01": Row("100.00", "new", "100.00"),
            "2024-02": Row("100.00"),
            "2024-03": Row("90.00", "contraction", "-10.00"),
        },
        "c15": {
            **steady("2024-05", "2025-03", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
            "2024-02": Row("100.00"),
            "2024-03": Row("0.00", "churn", "-100.00", **churned),
            "2024-05": Row("100.00", "reactivation", "100.00"),
        },
        "c16": {
            **steady("2024-02", "2025-03", "200.00"),
            "2024-01": Row("100.00", "new", "100.00"),
            "2024-02": Row("200.00", "expansion", "100.00"),
        },
        "c17": {},
        "c18": {
            **steady("2024-05", "2025-03", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
            "2024-02": Row("100.00"),
            "2024-03": Row("0.00", "churn", "-100.00", **churned),
            "2024-05": Row("100.00", "reactivation", "100.00"),
        },
        "c19": {
            **steady("2024-01", "2024-05", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
            "2024-06": Row(
                "0.00", "churn", "-100.00", customer_status="churned", churn_type="involuntary"
            ),
        },
        "c20": {
            **steady("2024-01", "2025-03", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
        },
        "c21": {
            **steady("2024-01", "2025-03", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
        },
        "c22": {
            **steady("2024-01", "2025-03", "100.00"),
            "2024-01": Row("100.00", "new", "100.00"),
        },
        "c23": {
            **steady("2024-03", "2025-03", "200.00"),
            "2024-01": Row("100.00", "new", "100.00"),
            "2024-02": Row("100.00"),
            "2024-03": Row("200.00", "expansion", "100.00"),
        },
        "c24": {
            **steady("2024-02", "2025-03", "100.00"),
            "2024-02": Row("100.00", "new", "100.00"),
        },
        "c25": {},
        "c26": {
            **steady("2024-03", "2025-03", "100.00"),
            "2024-03": Row("100.00", "new", "100.00"),
        },
    }


EXPECTED: dict[str, dict[str, Row]] = _expected_defaults()


def _with_settings() -> dict[str, dict[str, dict[str, dict[str, Row]]]]:
    """Per setting value, the customers whose rows differ from the defaults."""
    churned = {"customer_status": "churned", "churn_type": "voluntary"}
    return {
        # Worked case 3 with churn timing at the request: March churn -100.
        "churn_recognition=request": {
            "c03": {
                "2024-01": Row("100.00", "new", "100.00"),
                "2024-02": Row("100.00"),
                "2024-03": Row("0.00", "churn", "-100.00", **churned),
            },
            # Cancelled when the cancellation was requested (2024-03-05): March.
            "c06": {
                **EXPECTED["c06"],
                "2024-03": Row("100.00", "contraction", "-30.00"),
                "2024-04": Row("100.00"),
            },
        },
        # A pause is churn, the resume a reactivation.
        "pause_treatment=churn": {
            "c05": {
                **EXPECTED["c05"],
                "2024-06": Row(
                    "0.00", "churn", "-100.00", customer_status="churned", churn_type="voluntary"
                ),
                "2024-07": Row("0.00", customer_status="paused"),
                "2024-08": Row("100.00", "reactivation", "100.00"),
            },
        },
        # Moving to a free price (here a 100% discount) is a contraction, not churn.
        "free_plan_downgrade=contraction": {
            "c15": {
                **EXPECTED["c15"],
                "2024-03": Row("0.00", "contraction", "-100.00", customer_status="free"),
                "2024-04": Row("0.00", customer_status="free"),
                "2024-05": Row("100.00", "expansion", "100.00"),
            },
        },
        # A return more than one month after the churn month is new again.
        "reactivation_window_months=1": {
            "c15": {**EXPECTED["c15"], "2024-05": Row("100.00", "new", "100.00")},
            "c18": {**EXPECTED["c18"], "2024-05": Row("100.00", "new", "100.00")},
        },
    }


EXPECTED_WITH_SETTINGS = _with_settings()


# ---------------------------------------------------------------------------
# Writing the files
# ---------------------------------------------------------------------------

HEADERS = {
    "customers": [
        "customer_id",
        "customer_name",
        "email",
        "country_code",
        "acquisition_channel",
        "created_at",
    ],
    "plans": [
        "plan_id",
        "plan_name",
        "product_name",
        "business_model",
        "billing_interval_unit",
        "billing_interval_count",
        "currency",
        "unit_price",
        "trial_days",
    ],
    "subscriptions": [
        "subscription_id",
        "customer_id",
        "created_at",
        "commitment_months",
        "notice_period_days",
        "auto_renew",
    ],
    "subscription_events": [
        "event_id",
        "subscription_id",
        "event_type",
        "effective_at",
        "recorded_at",
        "plan_id",
        "quantity",
        "unit_price",
        "discount_percent",
        "discount_amount",
        "cancellation_reason",
    ],
    "invoices": ["invoice_id", "customer_id", "currency", "status", "issued_at", "due_at"],
    "invoice_line_items": [
        "line_item_id",
        "invoice_id",
        "subscription_id",
        "plan_id",
        "line_type",
        "description",
        "service_period_start",
        "service_period_end",
        "quantity",
        "amount",
        "discount_amount",
        "tax_amount",
    ],
    "payments": [
        "payment_id",
        "invoice_id",
        "payment_type",
        "status",
        "amount",
        "currency",
        "occurred_at",
        "failure_reason",
    ],
    "fx_rates": ["rate_date", "currency", "rate_to_reporting"],
}


def write_dataset(folder: Path) -> Path:
    """Write the worked cases as CSV files in the raw export spec into `folder`."""
    data = build()
    tables = {
        "customers": data.customers,
        "plans": PLANS,
        "subscriptions": data.subscriptions,
        "subscription_events": data.events,
        "invoices": data.invoices,
        "invoice_line_items": data.lines,
        "payments": data.payments,
        "fx_rates": FX_RATES,
    }
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADERS[table])
            writer.writerows(rows)
    return folder
