"""Round trip: the demo generator's data, rendered as Fivetran-shaped Stripe tables and
built through the Stripe source, gives the same marts as the build from its files.

The generator writes a dataset (120 customers, two years); `stripe_render` renders it
as Stripe tables (cents, lower-case currencies, subscription_history versions,
proration lines, coupons, charges and refunds) and adds the rows the layer must leave
out. One build loads the files (default settings), the other reads the Stripe tables
(`billing_source: stripe`, the same FX rates and marketing spend). Every mart must be
equal row for row, exactly.

Where the Stripe shape cannot carry something the generator writes, the generated
side gives it up before both builds, as listed in GENERATED_SIDE_CHANGES with the
reason; the two marts where the Stripe side still holds more are compared without
it, as listed in MART_DIFFERENCES. Nothing else may differ. Two hand-written
customers the generator never makes are added to both sides: one paying in JPY
(a zero-decimal currency) and one with a Stripe subscription of two items.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pytest
import stripe_render as render
from stripe_tables import StripeTables, write_reference_folder
from warehouse import Warehouse, dbt_output

from recurring_revenue.generate import generate
from recurring_revenue.tools.compare_warehouses import compare

pytestmark = pytest.mark.slow

CUSTOMERS, SEED = 120, 5
START, END = date(2023, 1, 1), date(2024, 12, 31)

Tables = dict[str, list[dict]]

#: What the generated side gives up because the Stripe shape cannot carry it, and why.
#: Each function changes the generated tables in place and returns how many rows or
#: values it changed (which must not be 0: a change that changes nothing is stale).
GENERATED_SIDE_CHANGES: list[tuple[str, str, Callable[[Tables], int]]] = [
    (
        "commitment customers left out",
        "Customers of Atlas CAD Maintenance (business model `contract`): Stripe has no "
        "commitment term, notice period or renewal, and their negotiated unit prices are "
        "no price of the catalogue.",
        lambda t: render.drop_customers(t, render.customers_with_plans(t, "contract")),
    ),
    (
        "acquisition_channel empty",
        "Stripe has no acquisition channel; the layer leaves it empty.",
        lambda t: render.clear_column(t, "customers", "acquisition_channel"),
    ),
    (
        "business_model subscription",
        "Stripe has no business model; the layer says `subscription` for every plan.",
        lambda t: render.set_column(t, "plans", "business_model", "subscription"),
    ),
    (
        "trial_days empty",
        "A Stripe price has no trial length (only the legacy plan object had one).",
        lambda t: render.clear_column(t, "plans", "trial_days"),
    ),
    (
        "cancellation reasons as codes",
        "Stripe lands a reason code (payment_failed, cancellation_requested), not the "
        "customer's words: any reason but non_payment is voluntary.",
        render.reason_codes,
    ),
    (
        "price changes as plan changes",
        "A Stripe price never changes: a fee rise is a new price the subscription moves "
        "to. Each price the events set is a plan `<plan>-at-<price>`, its price_changed a "
        "plan_changed, and the lines billed at it carry it.",
        render.price_changes_as_plans,
    ),
    (
        "zero invoices for free plans",
        "Stripe invoices a subscription on a price of 0 (a paid invoice of 0), and the "
        "layer reads plans from invoice lines; the generator invoices nothing on a free "
        "plan. A zero invoice is added where each spell on a free plan starts.",
        render.free_plan_invoices,
    ),
]

#: Marts where the Stripe side still holds more than the files, compared without it:
#: table -> (rows left out of both sides (a SQL condition), columns left out, reason).
MART_DIFFERENCES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "dim_plans": (
        "plan_id like '%-metered'",
        (),
        "Stripe bills usage on a metered price: each plan with usage lines has a metered "
        "price beside it, a plan with unit price 0 (never in MRR) on the Stripe side only.",
    ),
    "fct_subscriptions": (
        "false",
        ("auto_renew",),
        "Empty in the generated files outside commitments; the layer derives it from "
        "cancel_at_period_end (false once a cancellation at period end is set).",
    ),
}

#: The MRR and KPI marts, which must be equal with no exception at all.
MRR_AND_KPI_MARTS = {
    "fct_customer_mrr_monthly",
    "fct_mrr_monthly",
    "fct_subscription_mrr_monthly",
    "fct_mrr_segments_monthly",
    "fct_mrr_invoice_reconciliation_monthly",
    "fct_saas_kpis_monthly",
    "fct_cohort_retention",
    "fct_acquisition_monthly",
    "fct_trial_conversions",
    "fct_free_to_paid_conversions",
}


@dataclass
class RoundTrip:
    tables: Tables
    changes: dict[str, int]
    data: StripeTables
    files: Warehouse
    stripe: Warehouse


def build(warehouse: Warehouse, vars_: dict | None = None) -> None:
    result = warehouse.dbt("build", vars_=vars_)
    assert result.returncode == 0, dbt_output(result)[-6000:]


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    root = tmp_path_factory.mktemp("stripe_round_trip")
    generate(
        out_dir=root / "generated",
        customers=CUSTOMERS,
        seed=SEED,
        start_date=START,
        end_date=END,
        bad_row_share=0,
    )
    tables = render.read_folder(root / "generated")
    changes = {name: change(tables) for name, _, change in GENERATED_SIDE_CHANGES}
    grouped = render.add_hand_written_customers(tables, date(2024, 1, 10), months=12)
    (root / "files").mkdir()
    render.write_folder(root / "files", tables)
    data = render.render(tables, grouped)
    render.add_left_out_rows(data, "9000002", "INV-9000002-0001", datetime(2024, 6, 1))

    files = Warehouse(root / "from_files")
    files.load(root / "files")
    build(files)

    stripe = Warehouse(root / "from_stripe")
    stripe.load(
        write_reference_folder(
            root / "reference",
            [(r["rate_date"], r["currency"], r["rate_to_reporting"]) for r in tables["fx_rates"]],
            [
                (r["spend_date"], r["channel"], r["amount"], r["currency"])
                for r in tables["marketing_spend"]
            ],
        )
    )
    data.write(stripe.database)
    build(stripe, {"billing_source": "stripe"})
    return RoundTrip(tables, changes, data, files, stripe)


def test_rendered_tables_hold_the_hard_cases(round_trip: RoundTrip) -> None:
    """The Stripe tables are Fivetran-shaped and hold the cases the layer must map:
    minor units (yen unscaled), lower-case currencies, closed history versions,
    positive and negative proration lines, percent and amount coupons, a two-item
    subscription, a discount with an end, past-due versions and charges linked to their
    invoices by charge.invoice_id, invoice_payment and invoice.charge_id; the generated data has
    every event type the layer derives and a cancellation for non-payment; every
    generated-side change changed something."""
    events = round_trip.tables["subscription_events"]
    assert {row["event_type"] for row in events} == {
        "trial_started", "activated", "plan_changed", "quantity_changed", "discount_changed",
        "paused", "resumed", "cancellation_scheduled", "cancellation_withdrawn", "cancelled",
    }  # fmt: skip
    assert any(row["cancellation_reason"] == "non_payment" for row in events)
    rows = round_trip.data.rows
    assert rows["refund"]
    # Charges name their invoice each of the three ways the layer reads.
    assert any(row["invoice_id"] for row in rows["charge"])
    assert rows["invoice_payment"]
    assert any(row.get("charge_id") for row in rows["invoice"])
    assert any(row["status"] == "past_due" for row in rows["subscription_history"])
    assert all(value > 0 for value in round_trip.changes.values()), round_trip.changes
    prices = {row["id"]: row for row in rows["price"]}
    assert prices["flowdesk-team-monthly-jpy"]["unit_amount"] == 3500
    assert prices["flowdesk-team-monthly-usd"]["unit_amount"] == 2500
    currencies = {
        row["currency"] for table in ("price", "invoice", "charge") for row in rows[table]
    }
    assert currencies == {"usd", "eur", "gbp", "dkk", "jpy"}
    assert any(row["_fivetran_end"] is not None for row in rows["subscription_history"])
    prorations = [row["amount"] for row in rows["invoice_line_item"] if row["proration"]]
    assert min(prorations) < 0 < max(prorations)
    assert any(row["percent_off"] for row in rows["coupon"])
    assert any(row["amount_off"] for row in rows["coupon"])
    assert any(row["end"] is not None for row in rows["discount"])
    items = [row["subscription_id"] for row in rows["subscription_item"]]
    assert items.count("sub_9000002") == 2


def test_every_mart_matches_the_build_from_files(round_trip: RoundTrip) -> None:
    """Every mart of the Stripe build equals the file build's row for row; the MRR and
    KPI marts with no exception, the two of MART_DIFFERENCES without what is listed."""
    problems = compare(round_trip.files.database, round_trip.stripe.database)
    assert sorted(problem.split(":")[0] for problem in problems) == sorted(MART_DIFFERENCES)
    with duckdb.connect() as connection:
        connection.execute(f"attach '{round_trip.files.database}' as files (read_only)")
        connection.execute(f"attach '{round_trip.stripe.database}' as stripe (read_only)")
        marts = {
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables"
                " where table_catalog = 'files' and table_schema = 'marts'"
            ).fetchall()
        }
        assert marts >= MRR_AND_KPI_MARTS | set(MART_DIFFERENCES)
        assert not MRR_AND_KPI_MARTS & set(MART_DIFFERENCES)
        for table, (left_out, columns, _) in MART_DIFFERENCES.items():
            kept = [
                column
                for (column,) in connection.execute(
                    "select column_name from information_schema.columns"
                    " where table_catalog = 'files' and table_schema = 'marts'"
                    " and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if column not in columns
            ]
            select = ", ".join(f'"{column}"' for column in kept)
            sides = [
                f"select {select} from {db}.marts.{table} where not ({left_out})"
                for db in ("files", "stripe")
            ]
            for first, second in (sides, sides[::-1]):
                [(count,)] = connection.execute(
                    f"select count(*) from ({first} except all {second})"
                ).fetchall()
                assert count == 0, f"{table}: {count} rows differ beyond the listed difference"
        [(customer_months,)] = connection.execute(
            "select count(*) from stripe.marts.fct_customer_mrr_monthly"
        ).fetchall()
        assert customer_months > 500


def test_left_out_rows_are_counted(round_trip: RoundTrip) -> None:
    """The test-mode, test-clock, deleted-draft, temporary-line and one-time-price rows
    the renderer added are each counted in rpt_stripe__exclusions, and nothing else is."""
    rows = round_trip.stripe.query(
        "select table_name, reason, excluded_rows from staging.rpt_stripe__exclusions"
    )
    assert {(table, reason): count for table, reason, count in rows} == render.LEFT_OUT


def test_nothing_is_rejected_on_either_side(round_trip: RoundTrip) -> None:
    """Every raw row of both builds is staged: the rendered Stripe rows map to valid
    spec rows, as the generated ones are."""
    for warehouse in (round_trip.files, round_trip.stripe):
        assert warehouse.query("select count(*) from staging.stg_billing__rejects") == [(0,)]


def test_hand_written_customers_have_their_mrr(round_trip: RoundTrip) -> None:
    """The JPY customer is (3500 - 500) yen x 0.0068 = 20.40 USD a month and the
    two-item subscription 3 x 45 + 2 x 12 = 159.00, as two subscriptions, in both builds."""
    for warehouse in (round_trip.files, round_trip.stripe):
        assert warehouse.query(
            "select customer_id, mrr from marts.fct_customer_mrr_monthly"
            " where customer_id like '900000%' and date_month = '2024-06-01' order by 1"
        ) == [("9000001", Decimal("20.40")), ("9000002", Decimal("159.00"))]
        assert warehouse.query(
            "select subscription_id, mrr from marts.fct_subscription_mrr_monthly"
            " where customer_id = '9000002' and date_month = '2024-06-01' order by 1"
        ) == [("SUB-9000002-1", Decimal("135.00")), ("SUB-9000002-2", Decimal("24.00"))]
