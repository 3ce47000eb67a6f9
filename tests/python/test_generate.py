"""Tests of the demo-data generator (`recurring_revenue.generate`, `rrw generate`).

Determinism (same arguments, same bytes, whatever the number of workers), the
contract's exact columns, every scenario docs/demo-data.md promises, the
consistency of invoices with subscription events, and the bad-row manifest,
checked against an independent reading of docs/rejects.md.
"""

from __future__ import annotations

import csv
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from recurring_revenue.cli import main as cli_main
from recurring_revenue.generate import generate
from recurring_revenue.generate.raw_spec import (
    COLUMNS,
    KEY_COLUMNS,
    MANIFEST_COLUMNS,
    MANIFEST_FILE,
    REJECT_REASONS,
    TABLES,
)
from recurring_revenue.settings import PROJECT_DIR

CUSTOMERS = 1_200  # two chunks, so the worker processes really share the work
SEED = 42
START = date(2022, 1, 1)
END = date(2026, 9, 30)
END_INSTANT = datetime(END.year, END.month, END.day, 23, 59, 59)

Row = dict[str, str | None]
Rows = dict[str, list[Row]]
Check = Callable[[Row, str], str | None]
Verdict = tuple[str, str] | None


# --------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scenario dataset: no bad rows, two worker processes."""
    folder = tmp_path_factory.mktemp("clean")
    generate(folder, CUSTOMERS, SEED, bad_row_share=0.0, workers=2)
    return folder


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Share mode with a high share, so every table gets a good number of bad rows."""
    folder = tmp_path_factory.mktemp("spoiled")
    generate(folder, 600, 11, bad_row_share=0.02, workers=2)
    return folder


@pytest.fixture(scope="module")
def one_each(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("one_each")
    generate(folder, 400, 5, one_bad_row_each=True, workers=1)
    return folder


@pytest.fixture(scope="module")
def db(clean: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    for table in TABLES:
        connection.execute(
            f"create view {table} as select * from "
            f"read_csv('{clean / table}.csv', all_varchar = true, header = true)"
        )
    # Timestamps as UTC instants, amounts as decimals: typed views used by the scenarios.
    connection.execute(
        """
        create view events as
        select
            *,
            cast(effective_at as timestamptz) as effective,
            cast(recorded_at as timestamptz) as recorded,
            cast(quantity as decimal(18, 4)) as qty,
            cast(unit_price as decimal(18, 4)) as price
        from subscription_events
        """
    )
    connection.execute(
        """
        create view lines as
        select
            *,
            cast(amount as decimal(18, 4)) as value,
            cast(discount_amount as decimal(18, 4)) as discount,
            cast(tax_amount as decimal(18, 4)) as tax,
            cast(service_period_start as date) as period_start,
            cast(service_period_end as date) as period_end
        from invoice_line_items
        """
    )
    yield connection
    connection.close()


def _count(connection: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = connection.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _read_csv(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {name: (value.strip() or None) for name, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _read_all(folder: Path) -> Rows:
    return {table: _read_csv(folder / f"{table}.csv") for table in TABLES}


def _manifest(folder: Path) -> Counter[tuple[str, ...]]:
    with (folder / MANIFEST_FILE).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == MANIFEST_COLUMNS
    return Counter(tuple(row) for row in rows[1:])


# ---------------------------------------------------------------- determinism


def test_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    generate(tmp_path / "a", 300, 7, workers=1)
    generate(tmp_path / "b", 300, 7, workers=1)
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(first) == sorted([f"{table}.csv" for table in TABLES] + [MANIFEST_FILE])
    for name, content in first.items():
        assert content == second[name], name


def test_workers_do_not_change_the_bytes(clean: Path, tmp_path: Path) -> None:
    generate(tmp_path, CUSTOMERS, SEED, bad_row_share=0.0, workers=1)
    assert _files(tmp_path) == _files(clean)


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generate(tmp_path / "a", 300, 7, workers=1)
    generate(tmp_path / "b", 300, 8, workers=1)
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    for table in TABLES:
        if table == "plans":
            continue
        assert first[f"{table}.csv"] != second[f"{table}.csv"], table


def test_parquet_is_deterministic_and_holds_the_csv_text(tmp_path: Path) -> None:
    generate(tmp_path / "csv", 300, 7, workers=1)
    generate(tmp_path / "parquet", 300, 7, file_format="parquet", workers=2)
    generate(tmp_path / "again", 300, 7, file_format="parquet", workers=1)
    assert _files(tmp_path / "parquet") == _files(tmp_path / "again")
    connection = duckdb.connect()
    for table in TABLES:
        parquet = tmp_path / "parquet" / f"{table}.parquet"
        schema = connection.execute(f"describe select * from '{parquet}'").fetchall()
        assert [(name, kind) for name, kind, *_ in schema] == [
            (column, "VARCHAR") for column in COLUMNS[table]
        ]
        from_parquet = connection.execute(f"select * from '{parquet}'").fetchall()
        from_csv = connection.execute(
            f"select * from read_csv('{tmp_path / 'csv' / table}.csv', all_varchar = true)"
        ).fetchall()
        assert from_parquet == from_csv, table


def test_rewriting_in_another_format_removes_the_old_files(tmp_path: Path) -> None:
    generate(tmp_path, 50, 1, workers=1)
    generate(tmp_path, 50, 1, file_format="parquet", workers=1)
    names = {path.name for path in tmp_path.iterdir()}
    assert names == {f"{table}.parquet" for table in TABLES} | {MANIFEST_FILE}


# -------------------------------------------------------------------- contract


def test_every_file_has_exactly_the_contract_columns(clean: Path) -> None:
    for table in TABLES:
        with (clean / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            assert tuple(next(reader)) == COLUMNS[table], table
            assert all(len(row) == len(COLUMNS[table]) for row in reader), table


def test_returned_counts_are_the_rows_written(tmp_path: Path) -> None:
    counts = generate(tmp_path, 300, 3, workers=1)
    assert list(counts) == list(TABLES)
    for table in TABLES:
        assert counts[table] == len(_read_csv(tmp_path / f"{table}.csv")), table


def test_csv_quoting_and_utf8_round_trip(db: duckdb.DuckDBPyConnection) -> None:
    assert _count(db, "select count(*) from customers where customer_name like '%,%'") > 0
    assert _count(db, "select count(*) from customers where customer_name like '%\"%'") > 0
    assert (
        _count(db, "select count(*) from customers where customer_name similar to '.*[øüéë].*'") > 0
    )
    assert _count(db, "select count(*) from invoice_line_items where description like '%,%'") > 0


def test_progress_is_reported(tmp_path: Path) -> None:
    messages: list[str] = []
    generate(tmp_path, 300, 3, workers=1, progress=messages.append)
    assert any(message.startswith("customers 300/300 (100%)") for message in messages)


def test_cli_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(
        ["generate", "--customers", "40", "--seed", "3", "--out", str(tmp_path), "--quiet"]
    )
    assert code == 0
    assert "wrote" in capsys.readouterr().out
    assert {path.name for path in tmp_path.iterdir()} == {f"{t}.csv" for t in TABLES} | {
        MANIFEST_FILE
    }


# ------------------------------------------------------------------- scenarios

SCENARIOS: dict[str, str] = {
    # business models and intervals
    **{
        f"business model {model}": f"""
            select count(*) from lines join plans using (plan_id)
            where business_model = '{model}' and line_type = 'recurring'"""
        for model in ("subscription", "membership", "freemium", "contract", "consumption")
    },
    **{
        f"interval {unit} x {count}": f"""
            select count(*) from lines join plans using (plan_id)
            where billing_interval_unit = '{unit}' and billing_interval_count = '{count}'"""
        for unit, count in (
            ("month", 1),
            ("month", 3),
            ("year", 1),
            ("year", 2),
            ("week", 1),
            ("week", 2),
            ("week", 4),
            ("day", 30),
        )
    },
    "annual plan invoiced once a year for a year": """
        select count(*) from lines join plans using (plan_id)
        where billing_interval_unit = 'year' and billing_interval_count = '1'
          and line_type = 'recurring' and period_end = period_start + interval 1 year""",
    "seats (quantity > 1)": """
        select count(*) from events join plans using (plan_id)
        where business_model = 'subscription' and qty > 1""",
    # trials
    "trial converted": """
        select count(*) from events as trial join events as activation using (subscription_id)
        where trial.event_type = 'trial_started' and activation.event_type = 'activated'
          and activation.effective > trial.effective""",
    "trial not converted": """
        select count(*) from events as trial join events as ending using (subscription_id)
        where trial.event_type = 'trial_started' and ending.event_type = 'cancelled'
          and not exists (
            select 1 from events as a
            where a.subscription_id = trial.subscription_id and a.event_type = 'activated')""",
    # discounts and prices
    "coupon that expires": """
        select count(*) from events as expiry join events as coupon using (subscription_id)
        where expiry.event_type = 'discount_changed' and expiry.discount_percent is null
          and expiry.discount_amount is null and coupon.discount_percent is not null
          and coupon.effective < expiry.effective""",
    "fixed discount amount": """
        select count(*) from lines join events using (subscription_id)
        where events.discount_amount is not null and lines.discount > 0""",
    "price_changed (membership fee rise)": """
        select count(*) from events where event_type = 'price_changed' and price is not null""",
    # changes of plan and quantity
    "mid-period upgrade with proration and credit": """
        select count(*) from lines as proration join lines as credit using (invoice_id)
        where proration.line_type = 'proration' and credit.line_type = 'credit'
          and credit.value < 0 and proration.value > 0""",
    "upgrade to a dearer plan": """
        select count(*) from (
            select event_type, plan_id,
                lag(plan_id) over (
                    partition by subscription_id order by effective, recorded
                ) as before
            from events) as changes
        join plans as new on new.plan_id = changes.plan_id
        join plans as old on old.plan_id = changes.before
        where event_type = 'plan_changed'
          and cast(new.unit_price as decimal) > cast(old.unit_price as decimal)
          and cast(old.unit_price as decimal) > 0""",
    "downgrade at the period end": """
        select count(*) from (
            select event_type, plan_id, effective, recorded,
                lag(plan_id) over (
                    partition by subscription_id order by effective, recorded
                ) as before
            from events) as changes
        join plans as new on new.plan_id = changes.plan_id
        join plans as old on old.plan_id = changes.before
        where event_type = 'plan_changed' and recorded < effective
          and cast(new.unit_price as decimal) < cast(old.unit_price as decimal)""",
    "seats added mid-period": """
        select count(*) from events join lines using (subscription_id)
        where events.event_type = 'quantity_changed' and lines.line_type = 'proration'""",
    "free plan then paid upgrade (freemium)": """
        select count(*) from events as free_plan join events as paid using (subscription_id)
        join plans as free_plans on free_plans.plan_id = free_plan.plan_id
        join plans as paid_plans on paid_plans.plan_id = paid.plan_id
        where free_plans.unit_price = '0.00' and free_plans.business_model = 'freemium'
          and paid_plans.unit_price <> '0.00' and paid.event_type = 'plan_changed'
          and paid.effective > free_plan.effective""",
    "downgrade back to free": """
        select count(*) from events join plans using (plan_id)
        where event_type = 'plan_changed' and plans.unit_price = '0.00'""",
    # pauses and cancellations
    "pause then resume, nothing invoiced while paused": """
        select count(*) from events as pause join events as resume using (subscription_id)
        where pause.event_type = 'paused' and resume.event_type = 'resumed'
          and resume.effective > pause.effective
          and not exists (
            select 1 from lines
            where lines.subscription_id = pause.subscription_id
              and lines.period_start >= cast(pause.effective as date)
              and lines.period_start < cast(resume.effective as date) - 1)""",
    "cancellation at period end (scheduled, then cancelled)": """
        select count(*) from events as request join events as ending using (subscription_id)
        where request.event_type = 'cancellation_scheduled' and ending.event_type = 'cancelled'
          and ending.effective = request.effective and request.recorded < request.effective""",
    "cancellation withdrawn, service continues": """
        select count(*) from events as request join events as withdrawal using (subscription_id)
        where request.event_type = 'cancellation_scheduled'
          and withdrawal.event_type = 'cancellation_withdrawn'
          and withdrawal.recorded > request.recorded
          and exists (
            select 1 from lines
            where lines.subscription_id = request.subscription_id
              and lines.period_start >= cast(request.effective as date))""",
    "immediate cancellation mid-period": """
        select count(*) from events join lines using (subscription_id)
        where events.event_type = 'cancelled'
          and events.cancellation_reason not in ('non_payment', 'trial ended without conversion')
          and lines.line_type = 'recurring'
          and cast(events.effective as date) > lines.period_start
          and cast(events.effective as date) < lines.period_end - 1""",
    "sign-up and cancellation in one month": """
        select count(*) from events as activation join events as ending using (subscription_id)
        where activation.event_type = 'activated' and ending.event_type = 'cancelled'
          and date_trunc('month', activation.effective) = date_trunc('month', ending.effective)
          and not exists (
            select 1 from events as trial
            where trial.subscription_id = activation.subscription_id
              and trial.event_type = 'trial_started')""",
    "churn then reactivation": """
        select count(*) from events as ending
        join subscriptions as churned on churned.subscription_id = ending.subscription_id
        join subscriptions as comeback
            on comeback.customer_id = churned.customer_id
            and cast(comeback.created_at as timestamptz) > ending.effective + interval 30 day
        where ending.event_type = 'cancelled'
          and not exists (
            select 1 from subscriptions as other
            where other.customer_id = churned.customer_id
              and other.subscription_id
                not in (churned.subscription_id, comeback.subscription_id))""",
    "several subscriptions at once": """
        select count(*) from subscriptions as first
        join subscriptions as second
            on second.customer_id = first.customer_id
            and cast(second.created_at as timestamptz) > cast(first.created_at as timestamptz)
        where not exists (
            select 1 from events
            where events.subscription_id = first.subscription_id
              and events.event_type = 'cancelled'
              and events.effective <= cast(second.created_at as timestamptz))""",
    # payments
    "failed payment that recovers": """
        select count(*) from invoices
        where status = 'paid'
          and exists (select 1 from payments as failed where failed.invoice_id = invoices.invoice_id
                      and failed.status = 'failed')
          and exists (select 1 from payments as later where later.invoice_id = invoices.invoice_id
                      and later.status = 'succeeded' and later.payment_type = 'charge')""",
    "non-payment cancellation": """
        select count(*) from events
        join subscriptions using (subscription_id)
        join invoices using (customer_id)
        where events.event_type = 'cancelled' and events.cancellation_reason = 'non_payment'
          and invoices.status = 'uncollectible'""",
    "full refund": """
        select count(*) from payments as refund join payments as charge using (invoice_id)
        where refund.payment_type = 'refund' and charge.payment_type = 'charge'
          and charge.status = 'succeeded' and refund.amount = charge.amount""",
    "partial refund": """
        select count(*) from payments as refund join payments as charge using (invoice_id)
        where refund.payment_type = 'refund' and charge.payment_type = 'charge'
          and charge.status = 'succeeded'
          and cast(refund.amount as decimal(18, 2)) < cast(charge.amount as decimal(18, 2))""",
    "pending payment": "select count(*) from payments where status = 'pending'",
    **{
        f"invoice status {status}": f"select count(*) from invoices where status = '{status}'"
        for status in ("draft", "open", "paid", "void", "uncollectible")
    },
    # lines
    "tax on lines": "select count(*) from lines where tax > 0",
    "one-time setup fee": """
        select count(*) from lines
        where line_type = 'one_time' and service_period_start is null and value > 0""",
    "usage lines (extra deliveries)": """
        select count(*) from lines join plans using (plan_id)
        where line_type = 'usage' and business_model = 'consumption'""",
    # contracts
    "contract terms (12 and 24 months, notice, auto-renew or not)": """
        select count(distinct commitment_months || '/' || auto_renew) from subscriptions
        where commitment_months in ('12', '24') and notice_period_days is not null
        having count(distinct commitment_months) = 2""",
    "contract renewal indexed by 2-5 %": """
        select count(*) from (
            select event_type, price,
                lag(price) over (
                    partition by subscription_id order by effective, recorded
                ) as before
            from events) as changes
        where event_type = 'renewed'
          and price / before - 1 between 0.019 and 0.051""",
    "contract renewal with a changed number of licences": """
        select count(*) from (
            select event_type, qty,
                lag(qty) over (partition by subscription_id order by effective, recorded) as before
            from events) as changes
        where event_type = 'renewed' and qty <> before""",
    "contract non-renewal noticed before the deadline": """
        select count(*) from events join subscriptions using (subscription_id)
        where event_type = 'cancellation_scheduled' and commitment_months is not null
          and recorded <= effective - to_days(cast(notice_period_days as integer))""",
    "late renewal (expiry, then renewed recorded later in the same month)": """
        select count(*) from events as expiry join events as renewal using (subscription_id)
        where expiry.event_type = 'cancelled' and renewal.event_type = 'renewed'
          and renewal.recorded > expiry.recorded and renewal.effective >= expiry.effective
          and date_trunc('month', renewal.effective) = date_trunc('month', expiry.effective)""",
    # events recorded late
    "events recorded after they took effect": """
        select count(*) from events
        where event_type in ('cancelled', 'plan_changed', 'quantity_changed', 'paused')
          and recorded > effective + interval 1 day""",
    # identifiers, timestamps, currencies, marketing
    "customer ids with leading zeros": """
        select count(*) from customers where customer_id like '000%' and length(customer_id) = 7""",
    "timestamps with Z": "select count(*) from invoices where issued_at like '%Z'",
    "timestamps with a non-UTC offset": """
        select count(*) from invoices where regexp_matches(issued_at, '[+-]\\d\\d:\\d\\d$')""",
    "timestamps without an offset": """
        select count(*) from invoices where regexp_matches(issued_at, '\\d\\d:\\d\\d:\\d\\d$')""",
    "marketing spend in EUR": "select count(*) from marketing_spend where currency = 'EUR'",
    "growth in sign-ups": """
        select (select count(*) from customers
                where cast(created_at as timestamptz) >= timestamptz '2025-10-01 00:00:00+00')
             > 2 * (select count(*) from customers
                    where cast(created_at as timestamptz)
                        < timestamptz '2023-01-01 00:00:00+00')""",
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_scenario_occurs(db: duckdb.DuckDBPyConnection, scenario: str) -> None:
    assert _count(db, SCENARIOS[scenario]) > 0, scenario


def test_every_event_type_occurs(db: duckdb.DuckDBPyConnection) -> None:
    found = {row[0] for row in db.execute("select distinct event_type from events").fetchall()}
    assert found == {
        "trial_started",
        "activated",
        "plan_changed",
        "quantity_changed",
        "price_changed",
        "discount_changed",
        "paused",
        "resumed",
        "cancellation_scheduled",
        "cancellation_withdrawn",
        "cancelled",
        "renewed",
    }


def test_pauses_in_membership_and_consumption(db: duckdb.DuckDBPyConnection) -> None:
    models = {
        row[0]
        for row in db.execute(
            "select distinct business_model from events join plans using (plan_id) "
            "where event_type = 'paused'"
        ).fetchall()
    }
    assert {"membership", "consumption"} <= models


def test_currencies_and_daily_fx_without_gaps(db: duckdb.DuckDBPyConnection) -> None:
    currencies = {row[0] for row in db.execute("select distinct currency from invoices").fetchall()}
    assert currencies == {"USD", "EUR", "GBP", "DKK"}
    rows = db.execute(
        """
        select currency, min(cast(rate_date as date)), max(cast(rate_date as date)),
            count(distinct rate_date), count(*),
            min(length(split_part(rate_to_reporting, '.', 2)))
        from fx_rates group by currency order by currency
        """
    ).fetchall()
    assert [row[0] for row in rows] == ["DKK", "EUR", "GBP"]
    for _, first, last, days, count, decimals in rows:
        assert first < START and last == END
        assert days == count == (last - first).days + 1
        assert decimals >= 6


def test_channels(db: duckdb.DuckDBPyConnection) -> None:
    spend = {
        row[0] for row in db.execute("select distinct channel from marketing_spend").fetchall()
    }
    assert spend == {"paid_search", "paid_social", "partners", "events"}
    acquired = {
        None if row[0] is None else row[0].lower()
        for row in db.execute("select distinct acquisition_channel from customers").fetchall()
    }
    assert acquired == spend | {"organic", "referral", None}


def test_events_are_delivered_out_of_order(clean: Path) -> None:
    """Some subscriptions' events are in the file in another order than they take effect."""
    seen: dict[str, list[datetime]] = defaultdict(list)
    for row in _read_csv(clean / "subscription_events.csv"):
        seen[str(row["subscription_id"])].append(_timestamp(str(row["effective_at"])))
    out_of_order = [sub for sub, times in seen.items() if times != sorted(times)]
    assert len(out_of_order) >= 5


def test_nothing_recorded_after_the_export_day(db: duckdb.DuckDBPyConnection) -> None:
    end = f"timestamptz '{END.isoformat()} 23:59:59+00'"
    assert _count(db, f"select count(*) from events where recorded > {end}") == 0
    assert (
        _count(
            db,
            f"select count(*) from events where effective > {end} "
            "and event_type <> 'cancellation_scheduled'",
        )
        == 0
    )
    assert _count(db, f"select count(*) from events where effective > {end}") > 0
    for table, column in (
        ("invoices", "issued_at"),
        ("payments", "occurred_at"),
        ("customers", "created_at"),
    ):
        late = f"select count(*) from {table} where cast({column} as timestamptz) > {end}"
        assert _count(db, late) == 0, table


def test_invoice_totals_match_payments(db: duckdb.DuckDBPyConnection) -> None:
    mismatched = db.execute(
        """
        with totals as (
            select invoice_id, sum(value - discount + tax) as total from lines group by 1
        ),
        charged as (
            select invoice_id,
                sum(case when payment_type = 'charge' and status = 'succeeded'
                    then cast(amount as decimal(18, 2)) else 0 end) as charged,
                sum(case when payment_type = 'refund'
                    then cast(amount as decimal(18, 2)) else 0 end) as refunded
            from payments group by 1
        )
        select invoices.invoice_id, invoices.status, total, charged, refunded
        from invoices join totals using (invoice_id) left join charged using (invoice_id)
        where (invoices.status = 'paid' and total > 0 and charged <> total)
           or (invoices.status <> 'paid' and coalesce(charged, 0) <> 0)
           or coalesce(refunded, 0) > coalesce(charged, 0)
        """
    ).fetchall()
    assert mismatched == []


def test_recurring_lines_follow_the_events(clean: Path) -> None:
    """Each recurring line is what the events say at its issue: plan, quantity, price, discounts.

    And every month end at which a subscription is active with a price has a
    recurring line covering it, so MRR reconciles with billing.
    """
    rows = _read_all(clean)
    timelines = _timelines(rows)
    plans = {row["plan_id"]: row for row in rows["plans"]}
    invoices = {row["invoice_id"]: row for row in rows["invoices"]}
    covered: dict[str, list[tuple[date, date]]] = defaultdict(list)
    checked = 0
    for line in rows["invoice_line_items"]:
        if line["line_type"] != "recurring":
            continue
        invoice = invoices[line["invoice_id"]]
        if invoice["status"] == "void":
            continue
        sub = str(line["subscription_id"])
        covered[sub].append(
            (_date(line["service_period_start"]), _date(line["service_period_end"]))
        )
        if invoice["status"] == "draft":
            state = timelines[sub][-1]
        else:
            state = _state_at(timelines[sub], _timestamp(str(invoice["issued_at"])))
        assert state is not None, line
        assert state.status == "active", (line, state)
        assert state.plan_id == line["plan_id"], line
        assert state.quantity == Decimal(str(line["quantity"])), line
        price = (
            state.unit_price
            if state.unit_price is not None
            else Decimal(str(plans[state.plan_id]["unit_price"]))
        )
        amount = price * state.quantity
        assert amount == Decimal(str(line["amount"])), line
        discount = Decimal(0)
        if state.discount_percent is not None:
            discount += (amount * state.discount_percent / 100).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
        if state.discount_amount is not None:
            discount += state.discount_amount
        assert min(discount, amount) == Decimal(str(line["discount_amount"])), line
        checked += 1
    assert checked > 10_000
    for sub, timeline in timelines.items():
        for month_end in _month_ends(START, END):
            state = _state_at(timeline, datetime.combine(month_end, datetime.max.time()))
            if state is None or state.status != "active":
                continue
            price = (
                state.unit_price
                if state.unit_price is not None
                else Decimal(str(plans[state.plan_id]["unit_price"]))
            )
            if price * state.quantity == 0:
                continue
            assert any(start <= month_end < stop for start, stop in covered[sub]), (sub, month_end)


# ----------------------------------------------------------------- bad rows


def test_no_bad_rows_with_a_zero_share(clean: Path) -> None:
    assert _manifest(clean) == Counter()
    assert _reference_rejects(_read_all(clean)) == Counter()


def test_one_bad_row_of_every_kind(one_each: Path) -> None:
    manifest = _manifest(one_each)
    kinds = Counter((table, reason) for table, _, _, reason in manifest.elements())
    expected = {(table, reason) for table, reasons in REJECT_REASONS.items() for reason in reasons}
    assert set(kinds) == expected
    assert all(count == 1 for count in kinds.values())
    assert _reference_rejects(_read_all(one_each)) == manifest


def test_share_mode_manifest_is_exactly_what_staging_rejects(spoiled: Path) -> None:
    rows = _read_all(spoiled)
    manifest = _manifest(spoiled)
    assert _reference_rejects(rows) == manifest
    reasons = {reason for _, _, _, reason in manifest.elements()}
    assert reasons == {reason for reasons in REJECT_REASONS.values() for reason in reasons}
    for table in TABLES:
        bad = sum(count for row, count in manifest.items() if row[0] == table)
        assert bad <= 0.05 * len(rows[table]) + len(REJECT_REASONS[table]), table


def test_default_share_is_about_two_per_mille(tmp_path: Path) -> None:
    """One bad row of each reason, plus about 0.2 % of the table's rows."""
    counts = generate(tmp_path, 1_000, 9, workers=1)
    manifest = _manifest(tmp_path)
    for table in ("subscription_events", "invoices", "invoice_line_items", "payments"):
        bad = sum(count for row, count in manifest.items() if row[0] == table)
        extra = bad - len(REJECT_REASONS[table])
        expected = 0.002 * (counts[table] - bad)
        assert abs(extra - expected) <= 3 * expected**0.5 + 1, (table, extra, expected)


# ------------------------------------------------ helpers: the events, read as documented

_STATUS = {
    "trial_started": "trial",
    "activated": "active",
    "resumed": "active",
    "renewed": "active",
    "paused": "paused",
    "cancellation_scheduled": "cancelled",
    "cancelled": "cancelled",
}


class _State:
    __slots__ = (
        "discount_amount",
        "discount_percent",
        "effective",
        "plan_id",
        "quantity",
        "status",
        "unit_price",
    )

    def __init__(self, event: Row, status: str) -> None:
        self.effective = _timestamp(str(event["effective_at"]))
        self.status = status
        self.plan_id = str(event["plan_id"])
        self.quantity = Decimal(str(event["quantity"]))
        self.unit_price = _decimal(event["unit_price"])
        self.discount_percent = _decimal(event["discount_percent"])
        self.discount_amount = _decimal(event["discount_amount"])

    def __repr__(self) -> str:
        return f"_State({self.effective}, {self.status}, {self.plan_id}, {self.quantity})"


def _timelines(rows: Rows) -> dict[str, list[_State]]:
    """Each subscription's states in order, per docs/subscription-events.md."""
    by_subscription: dict[str, list[Row]] = defaultdict(list)
    for event in rows["subscription_events"]:
        by_subscription[str(event["subscription_id"])].append(event)
    timelines = {}
    for sub, events in by_subscription.items():
        withdrawals = [
            (_timestamp(str(e["effective_at"])), _timestamp(str(e["recorded_at"])))
            for e in events
            if e["event_type"] == "cancellation_withdrawn"
        ]
        kept = [
            e
            for e in events
            if e["event_type"] != "cancellation_withdrawn"
            and not (
                e["event_type"] in ("cancellation_scheduled", "cancelled")
                and any(
                    _timestamp(str(e["recorded_at"])) < recorded
                    and _timestamp(str(e["effective_at"])) >= effective
                    for effective, recorded in withdrawals
                )
            )
        ]
        kept.sort(
            key=lambda e: (
                _timestamp(str(e["effective_at"])),
                _timestamp(str(e["recorded_at"])),
                str(e["event_id"]),
            )
        )
        status = ""
        states = []
        for event in kept:
            status = _STATUS.get(str(event["event_type"]), status)
            states.append(_State(event, status))
        timelines[sub] = states
    return timelines


def _state_at(timeline: list[_State], instant: datetime) -> _State | None:
    current = None
    for state in timeline:
        if state.effective > instant:
            break
        current = state
    return current


def _month_ends(first: date, last: date) -> Iterator[date]:
    month = date(first.year, first.month, 1)
    while True:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if following - timedelta(days=1) > last:
            return
        yield following - timedelta(days=1)
        month = following


# ------------------------------------- helpers: docs/rejects.md, read independently

_ISO_CURRENCIES = {
    row["currency_code"]
    for row in csv.DictReader((PROJECT_DIR / "seeds" / "iso_currencies.csv").open())
}
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
    r"|\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)"
)
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_ENUMS = {
    "business_model": {"subscription", "membership", "freemium", "contract", "consumption"},
    "billing_interval_unit": {"day", "week", "month", "year"},
    "event_type": set(_STATUS)
    | {
        "plan_changed",
        "quantity_changed",
        "price_changed",
        "discount_changed",
        "cancellation_withdrawn",
    },
    "status_invoices": {"draft", "open", "paid", "void", "uncollectible"},
    "line_type": {"recurring", "proration", "one_time", "usage", "credit"},
    "payment_type": {"charge", "refund"},
    "status_payments": {"succeeded", "failed", "pending"},
}


def _timestamp(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _parse_timestamp(text: str | None) -> datetime | None:
    if text is None or not _TIMESTAMP.fullmatch(text):
        return None
    try:
        return _timestamp(text)
    except ValueError:
        return None


def _date(text: str | None) -> date:
    return date.fromisoformat(str(text))


def _parse_date(text: str | None) -> date | None:
    if text is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _decimal(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None and _DECIMAL.fullmatch(text) else None


def _row_check(table: str, row: Row) -> tuple[str, str] | None:
    """The first failing row-local check of docs/rejects.md, as (column, reason)."""
    checks = _ROW_CHECKS[table]
    for column, check in checks:
        reason = check(row, column)
        if reason is not None:
            return column, reason
    return None


def _required(row: Row, column: str) -> str | None:
    return "missing_value" if row[column] is None else None


# docs/rejects.md, "Plausible dates": month_spine_start to max_future_days after the
# load (the files are loaded after they are written, so today is a safe stand-in).
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime.combine(date.today(), datetime.min.time()) + timedelta(days=3660)


def _implausible(value: date | datetime) -> bool:
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    return value < EARLIEST or value > LATEST


def _required_timestamp(row: Row, column: str) -> str | None:
    if row[column] is None:
        return "missing_value"
    value = _parse_timestamp(row[column])
    if value is None:
        return "unparseable_value"
    return "implausible_date" if _implausible(value) else None


def _enum(table: str = "") -> Check:
    def check(row: Row, column: str) -> str | None:
        if row[column] is None:
            return "missing_value"
        accepted = _ENUMS.get(f"{column}_{table}") or _ENUMS[column]
        return None if str(row[column]).lower() in accepted else "unknown_enum_value"

    return check


def _number(
    required: bool = False,
    integer: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
    below: str = "negative_amount",
    zero: str | None = None,
    unless_credit: bool = False,
    limit: int | None = None,
) -> Check:
    def check(row: Row, column: str) -> str | None:
        text = row[column]
        if text is None:
            return "missing_value" if required else None
        if integer and not _INTEGER.fullmatch(text):
            return "unparseable_value"
        value = _decimal(text)
        if value is None:
            return "unparseable_value"
        # macros/staging/value_limit.sql: at or above the limit (either sign).
        if limit is not None and abs(value) >= limit:
            return "out_of_range"
        if unless_credit and str(row["line_type"]).lower() == "credit":
            return None
        if minimum is not None and value < minimum:
            return below
        if maximum is not None and value > maximum:
            return below
        if zero is not None and value == 0:
            return zero
        return None

    return check


def _optional_boolean(row: Row, column: str) -> str | None:
    text = row[column]
    if text is None or text.lower() in ("true", "false", "1", "0"):
        return None
    return "unparseable_value"


def _due(row: Row, column: str) -> str | None:
    if row[column] is None:
        return None
    due = _parse_timestamp(row[column])
    if due is None:
        return "unparseable_value"
    if _implausible(due):
        return "implausible_date"
    issued = _parse_timestamp(row["issued_at"])
    return "end_before_start" if issued is not None and due < issued else None


def _period(end: bool) -> Check:
    def check(row: Row, column: str) -> str | None:
        if row[column] is None:
            return None if str(row["line_type"]).lower() == "one_time" else "missing_value"
        value = _parse_date(row[column])
        if value is None:
            return "unparseable_value"
        if _implausible(value):
            return "implausible_date"
        start = _parse_date(row["service_period_start"])
        if end and start is not None and value <= start:
            return "end_before_start"
        return None

    return check


def _required_date(row: Row, column: str) -> str | None:
    if row[column] is None:
        return "missing_value"
    value = _parse_date(row[column])
    if value is None:
        return "unparseable_value"
    return "implausible_date" if _implausible(value) else None


# macros/staging/value_limit.sql: the largest values staging accepts (exclusive).
AMOUNT, UNIT_PRICE, QUANTITY, LINE_QUANTITY, COUNT = 10**9, 10**6, 30_000, 10**9, 10_000

_ROW_CHECKS: dict[str, list[tuple[str, Check]]] = {
    "customers": [("customer_id", _required), ("created_at", _required_timestamp)],
    "plans": [
        ("plan_id", _required),
        ("business_model", _enum()),
        ("billing_interval_unit", _enum()),
        ("billing_interval_count", _number(True, True, 1, below="out_of_range", limit=COUNT)),
        ("currency", _required),
        ("unit_price", _number(True, minimum=0, limit=UNIT_PRICE)),
        ("trial_days", _number(integer=True, minimum=0, below="out_of_range", limit=COUNT)),
    ],
    "subscriptions": [
        ("subscription_id", _required),
        ("customer_id", _required),
        ("created_at", _required_timestamp),
        ("commitment_months", _number(integer=True, minimum=1, below="out_of_range", limit=COUNT)),
        ("notice_period_days", _number(integer=True, minimum=0, below="out_of_range", limit=COUNT)),
        ("auto_renew", _optional_boolean),
    ],
    "subscription_events": [
        ("event_id", _required),
        ("subscription_id", _required),
        ("event_type", _enum()),
        ("effective_at", _required_timestamp),
        ("recorded_at", _required_timestamp),
        ("quantity", _number(minimum=0, limit=QUANTITY)),
        ("unit_price", _number(minimum=0, limit=UNIT_PRICE)),
        ("discount_percent", _number(minimum=0, maximum=100, below="out_of_range")),
        ("discount_amount", _number(minimum=0, limit=AMOUNT)),
    ],
    "invoices": [
        ("invoice_id", _required),
        ("customer_id", _required),
        ("currency", _required),
        ("status", _enum("invoices")),
        ("issued_at", _required_timestamp),
        ("due_at", _due),
    ],
    "invoice_line_items": [
        ("line_item_id", _required),
        ("invoice_id", _required),
        ("line_type", _enum()),
        ("service_period_start", _period(end=False)),
        ("service_period_end", _period(end=True)),
        ("quantity", _number(limit=LINE_QUANTITY)),
        ("amount", _number(True, minimum=0, unless_credit=True, limit=AMOUNT)),
        ("discount_amount", _number(minimum=0, limit=AMOUNT)),
        ("tax_amount", _number(minimum=0, limit=AMOUNT)),
    ],
    "payments": [
        ("payment_id", _required),
        ("invoice_id", _required),
        ("payment_type", _enum()),
        ("status", _enum("payments")),
        ("amount", _number(True, minimum=0, zero="out_of_range", limit=AMOUNT)),
        ("currency", _required),
        ("occurred_at", _required_timestamp),
    ],
    "fx_rates": [
        ("currency", _required),
        ("rate_date", _required_date),
        ("rate_to_reporting", _number(True, minimum=0, zero="out_of_range", below="out_of_range")),
    ],
    "marketing_spend": [
        ("spend_date", _required_date),
        ("channel", _required),
        ("amount", _number(True, minimum=0, limit=AMOUNT)),
        ("currency", _required),
    ],
}


def _normalised_key(table: str, row: Row) -> tuple[str, ...]:
    parts = []
    for column in KEY_COLUMNS[table]:
        text = str(row[column])
        parts.append(
            text.upper() if column == "currency" else text.lower() if column == "channel" else text
        )
    return tuple(parts)


def _reference_rejects(rows: Rows) -> Counter[tuple[str, ...]]:
    """Every row docs/rejects.md rejects, as manifest rows (table, key, column, reason)."""
    verdicts: dict[str, list[tuple[str, str] | None]] = {}
    for table in TABLES:
        verdict = [_row_check(table, row) for row in rows[table]]
        seen: set[tuple[str, ...]] = set()
        for position, row in enumerate(rows[table]):
            if verdict[position] is None:
                key = _normalised_key(table, row)
                if key in seen:
                    verdict[position] = ("|".join(KEY_COLUMNS[table]), "duplicate_key")
                seen.add(key)
        verdicts[table] = verdict

    def staged(table: str) -> list[Row]:
        return [
            row
            for row, verdict in zip(rows[table], verdicts[table], strict=True)
            if verdict is None
        ]

    def cross(table: str, check: Callable[[Row], Verdict]) -> None:
        for position, row in enumerate(rows[table]):
            if verdicts[table][position] is None:
                verdicts[table][position] = check(row)

    cross(
        "fx_rates",
        lambda row: (
            None
            if str(row["currency"]).upper() in _ISO_CURRENCIES
            else ("currency", "unknown_currency")
        ),
    )
    first_rate: dict[str, date] = {}
    for row in staged("fx_rates"):
        currency, day = str(row["currency"]).upper(), _date(row["rate_date"])
        first_rate[currency] = min(day, first_rate.get(currency, day))

    def money_check(currency: str | None, day: date | None) -> tuple[str, str] | None:
        code = str(currency).upper()
        if code not in _ISO_CURRENCIES:
            return ("currency", "unknown_currency")
        if code != "USD" and (
            code not in first_rate or (day is not None and first_rate[code] > day)
        ):
            return ("currency", "missing_fx_rate")
        return None

    cross("plans", lambda row: money_check(row["currency"], None))
    cross("marketing_spend", lambda row: money_check(row["currency"], _date(row["spend_date"])))
    customers = {row["customer_id"] for row in staged("customers")}
    cross(
        "subscriptions",
        lambda row: (
            None if row["customer_id"] in customers else ("customer_id", "orphan_reference")
        ),
    )
    subscriptions = {row["subscription_id"] for row in staged("subscriptions")}
    plans = {row["plan_id"] for row in staged("plans")}

    # docs/rejects.md, "Events before the start": the first start event without a
    # row-local problem.
    starts: dict[str, datetime] = {}
    for row in staged("subscription_events"):
        if str(row["event_type"]).lower() in ("trial_started", "activated"):
            at = _timestamp(str(row["effective_at"]))
            starts[row["subscription_id"]] = min(at, starts.get(row["subscription_id"], at))

    def event_check(row: Row) -> tuple[str, str] | None:
        if row["subscription_id"] not in subscriptions:
            return ("subscription_id", "orphan_reference")
        if row["plan_id"] is not None and row["plan_id"] not in plans:
            return ("plan_id", "orphan_reference")
        start = starts.get(row["subscription_id"])
        if (
            str(row["event_type"]).lower() == "cancelled"
            and start is not None
            and _timestamp(str(row["effective_at"])) < start
        ):
            return ("effective_at", "event_before_activation")
        return None

    cross("subscription_events", event_check)
    cross(
        "invoices",
        lambda row: (
            ("customer_id", "orphan_reference")
            if row["customer_id"] not in customers
            else money_check(row["currency"], _timestamp(str(row["issued_at"])).date())
        ),
    )
    invoices = {row["invoice_id"] for row in staged("invoices")}

    def line_check(row: Row) -> tuple[str, str] | None:
        if row["invoice_id"] not in invoices:
            return ("invoice_id", "orphan_reference")
        for column, known in (("subscription_id", subscriptions), ("plan_id", plans)):
            if row[column] is not None and row[column] not in known:
                return (column, "orphan_reference")
        return None

    cross("invoice_line_items", line_check)
    cross(
        "payments",
        lambda row: (
            ("invoice_id", "orphan_reference")
            if row["invoice_id"] not in invoices
            else money_check(row["currency"], _timestamp(str(row["occurred_at"])).date())
        ),
    )
    result: Counter[tuple[str, ...]] = Counter()
    for table in TABLES:
        for row, verdict in zip(rows[table], verdicts[table], strict=True):
            if verdict is not None:
                key = "|".join(str(row[column] or "") for column in KEY_COLUMNS[table])
                result[(table, key, verdict[0], verdict[1])] += 1
    return result


def test_every_action_the_lifecycle_draws_has_one_handler() -> None:
    """The per-period actions (HAZARDS) and the handler table name the same actions."""
    from recurring_revenue.generate.lifecycle import _ACTION_HANDLERS, HAZARDS

    drawn = {action for hazards in HAZARDS.values() for action in hazards}
    assert drawn == set(_ACTION_HANDLERS), (
        f"actions without a handler: {sorted(drawn - set(_ACTION_HANDLERS))}; "
        f"handlers no business model draws: {sorted(set(_ACTION_HANDLERS) - drawn)}"
    )


def test_events_are_written_in_recorded_then_emit_order() -> None:
    """Two events recorded at the same instant keep the order they were emitted in."""
    from recurring_revenue.generate.lifecycle import CustomerSimulation, Event
    from recurring_revenue.generate.values import DAY

    day = date(2024, 1, 1).toordinal() * DAY
    simulation = CustomerSimulation.__new__(CustomerSimulation)
    simulation.customer_id = "0000001"
    simulation.style = 0
    simulation.rng = random.Random(0)  # draws no shuffle of the file's rows
    simulation.events = [
        Event(day + 200, 0, day + 200, "cancelled", "SUB-1", "P", 1, None, None, None, "voluntary"),
        Event(day + 100, 2, day + 100, "plan_changed", "SUB-1", "P", 1, 1250, 10, None, ""),
        Event(day + 100, 1, day + 100, "activated", "SUB-1", "P", 2, None, None, 300, ""),
    ]
    rows = simulation.event_rows()
    assert [row[2] for row in rows] == ["activated", "plan_changed", "cancelled"]
    assert [row[0] for row in rows] == ["EV-0000001-0001", "EV-0000001-0002", "EV-0000001-0003"]
    assert rows[1][7:10] == ("12.50", "10", "")
    assert rows[0][6] == "2" and rows[0][9] == "3.00"
