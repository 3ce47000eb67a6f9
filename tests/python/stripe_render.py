"""Render a folder written by the demo generator as Fivetran-shaped Stripe tables.

The inverse of the Stripe source layer (docs/stripe.md, "What is mapped"):
`render(folder)` reads the generator's raw export spec files and returns a
`StripeTables` with what a Fivetran connection would have landed for the same
business:

- amounts as integers in the currency's minor unit (by the currency's exponent),
  currencies lower case, timestamps naive UTC;
- plans as recurring `price` rows of their `product`; usage lines on a metered
  price of their plan (`<plan>-metered`), as Stripe bills extra usage;
- each subscription as one Stripe subscription of one item (the item id is the
  generator's subscription id, so the marts' subscription ids match), or several
  items when `grouped` puts them together; its event history as
  `subscription_history` versions with `_fivetran_start` / `_fivetran_end`;
- invoices with subtotal, tax and total (Stripe lands no line tax or discount),
  recurring lines as `subscription` lines, upgrades as proration lines (the
  positive rest of the period at the new price, the negative unused time of the
  old), one-time lines as invoice items;
- discounts as `coupon` + `discount` rows with the discount's start and end;
- charges as `charge` rows, refunds as `refund` rows of the invoice's charge.

Kept as in the files: every identifier (customer, invoice, line, payment ids), so
the two builds can be compared row for row. `add_left_out_rows` then adds the
rows the layer must leave out and count (test mode, a test clock, a deleted draft,
a temporary `sub_` line id, a one-time price).

The generated side needs a few changes of its own where the Stripe shape cannot
carry something; they are functions here (`drop_customers`, `clear_column`, ...)
and the round-trip test lists each with its reason.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from stripe_tables import StripeTables

from recurring_revenue import raw_spec

ZERO_DECIMAL = {
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA",
    "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
}  # fmt: skip
THREE_DECIMAL = {"BHD", "JOD", "KWD", "OMR", "TND"}


def exponent(currency: str) -> int:
    code = currency.upper()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def minor(amount: str | None, currency: str) -> int | None:
    """A decimal text in major units as an integer of minor units (exact, never a float)."""
    if amount in (None, ""):
        return None
    value = Decimal(amount) * (Decimal(10) ** exponent(currency))
    assert value == value.to_integral_value(), f"{amount} {currency} is not whole minor units"
    return int(value)


def utc(text: str | None) -> datetime | None:
    """An ISO-8601 text (with an offset, `Z`, or none = UTC, or a date) as a naive UTC datetime."""
    if text in (None, ""):
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


# --- the generator's files --------------------------------------------------------


def read_folder(folder: Path) -> dict[str, list[dict[str, str]]]:
    tables = {}
    for table in raw_spec.TABLES:
        with (folder / f"{table.name}.csv").open(newline="", encoding="utf-8") as handle:
            tables[table.name] = [
                {key: (value if value != "" else None) for key, value in row.items()}
                for row in csv.DictReader(handle)
            ]
    return tables


def write_folder(folder: Path, tables: dict[str, list[dict]]) -> None:
    for table in raw_spec.TABLES:
        with (folder / f"{table.name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=table.column_names, lineterminator="\n")
            writer.writeheader()
            for row in tables[table.name]:
                writer.writerow({k: "" if v is None else v for k, v in row.items()})


# --- changes to the generated side (each listed with its reason in the test) -------


def drop_customers(tables: dict[str, list[dict]], customers: set[str]) -> int:
    """Remove customers and everything that is theirs; the number of rows removed."""
    before = sum(len(rows) for rows in tables.values())
    subscriptions = {
        row["subscription_id"] for row in tables["subscriptions"] if row["customer_id"] in customers
    }
    invoices = {row["invoice_id"] for row in tables["invoices"] if row["customer_id"] in customers}
    tables["customers"] = [r for r in tables["customers"] if r["customer_id"] not in customers]
    tables["subscriptions"] = [
        r for r in tables["subscriptions"] if r["subscription_id"] not in subscriptions
    ]
    tables["subscription_events"] = [
        r for r in tables["subscription_events"] if r["subscription_id"] not in subscriptions
    ]
    tables["invoices"] = [r for r in tables["invoices"] if r["invoice_id"] not in invoices]
    for table in ("invoice_line_items", "payments"):
        tables[table] = [r for r in tables[table] if r["invoice_id"] not in invoices]
    return before - sum(len(rows) for rows in tables.values())


def customers_with_plans(tables: dict[str, list[dict]], business_model: str) -> set[str]:
    plans = {r["plan_id"] for r in tables["plans"] if r["business_model"] == business_model}
    subscriptions = {
        r["subscription_id"] for r in tables["subscription_events"] if r["plan_id"] in plans
    }
    return {
        r["customer_id"] for r in tables["subscriptions"] if r["subscription_id"] in subscriptions
    }


def clear_column(tables: dict[str, list[dict]], table: str, column: str) -> int:
    """Empty a column; the number of values cleared."""
    cleared = 0
    for row in tables[table]:
        if row[column] is not None:
            row[column] = None
            cleared += 1
    return cleared


def set_column(tables: dict[str, list[dict]], table: str, column: str, value: str) -> int:
    changed = 0
    for row in tables[table]:
        if row[column] != value:
            row[column] = value
            changed += 1
    return changed


def reason_codes(tables: dict[str, list[dict]]) -> int:
    """Cancellation reasons as the codes Stripe lands: `non_payment` stays, any other
    reason (free text such as "too expensive") is `voluntary`. Returns the values changed."""
    changed = 0
    for event in tables["subscription_events"]:
        reason = event["cancellation_reason"]
        if reason is not None and reason not in ("non_payment", "voluntary"):
            event["cancellation_reason"] = "voluntary"
            changed += 1
    return changed


def price_changes_as_plans(tables: dict[str, list[dict]]) -> int:
    """A Stripe price cannot change: a fee rise is a new price the subscription moves to.
    Each price the events set (`unit_price`) becomes a plan of its own,
    `<plan>-at-<price>`, a `price_changed` a `plan_changed` to it, and the recurring,
    proration and credit lines billed at it carry it. Returns the events changed."""
    plans = {r["plan_id"]: r for r in tables["plans"]}
    rises = defaultdict(list)
    changed = 0
    for event in tables["subscription_events"]:
        if event["unit_price"] is None:
            continue
        base, price = event["plan_id"], event["unit_price"]
        plan = f"{base}-at-{price}"
        if plan not in plans:
            plans[plan] = {**plans[base], "plan_id": plan, "unit_price": price}
            tables["plans"].append(plans[plan])
        if event["event_type"] == "price_changed":
            event["event_type"] = "plan_changed"
            rises[event["subscription_id"]].append((utc(event["effective_at"]).date(), base, plan))
        event["plan_id"], event["unit_price"] = plan, None
        changed += 1
    for line in tables["invoice_line_items"]:
        if line["line_type"] not in ("recurring", "proration", "credit"):
            continue
        start, current = line["service_period_start"], line["plan_id"] or ""
        for day, base, plan in sorted(rises.get(line["subscription_id"], [])):
            same_plan = current == base or current.startswith(base + "-at-")
            if start and same_plan and date.fromisoformat(start) >= day:
                line["plan_id"] = current = plan
    return changed


def free_plan_invoices(tables: dict[str, list[dict]]) -> int:
    """A zero-amount paid invoice, with one recurring line, where a spell on a free plan
    starts (the subscription's activation on it, or a change to it), as Stripe issues
    for a price of 0; the generator invoices nothing for free plans. Returns the
    invoices added."""
    prices = {r["plan_id"]: r for r in tables["plans"]}
    subscriptions = {r["subscription_id"]: r for r in tables["subscriptions"]}
    added = 0
    for events in _events_by_subscription(tables).values():
        current = None
        for event in events:
            plan = event["plan_id"]
            starts_spell = event["event_type"] == "activated" or (
                event["event_type"] == "plan_changed" and plan != current
            )
            current = plan or current
            if not starts_spell or Decimal(prices[plan]["unit_price"]) != 0:
                continue
            subscription = subscriptions[event["subscription_id"]]
            number = f"{event['event_id']}-FREE"
            start = utc(event["effective_at"])
            plan_row = prices[plan]
            end = _period_end(start, plan_row)
            tables["invoices"].append(
                {
                    "invoice_id": f"INV-{number}",
                    "customer_id": subscription["customer_id"],
                    "currency": plan_row["currency"],
                    "status": "paid",
                    "issued_at": event["effective_at"],
                    "due_at": None,
                }
            )
            tables["invoice_line_items"].append(
                {
                    "line_item_id": f"LI-{number}",
                    "invoice_id": f"INV-{number}",
                    "subscription_id": event["subscription_id"],
                    "plan_id": plan,
                    "line_type": "recurring",
                    "description": f"{plan_row['plan_name']} x {event['quantity'] or 1}",
                    "service_period_start": start.date().isoformat(),
                    "service_period_end": end.date().isoformat(),
                    "quantity": event["quantity"] or "1",
                    "amount": "0.00",
                    "discount_amount": "0.00",
                    "tax_amount": "0.00",
                }
            )
            added += 1
    return added


def _period_end(start: datetime, plan: dict) -> datetime:
    count = int(plan["billing_interval_count"])
    unit = plan["billing_interval_unit"]
    if unit == "day":
        return start + timedelta(days=count)
    if unit == "week":
        return start + timedelta(weeks=count)
    months = count * (12 if unit == "year" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    day = min(start.day, 28)
    return start.replace(year=start.year + year, month=month + 1, day=day)


# --- hand-written customers (a JPY customer, a two-item subscription) ---------------

JPY_RATE = "0.00680000"


def add_hand_written_customers(tables: dict[str, list[dict]], first: date, months: int) -> dict:
    """Two customers the generator never makes, added to the generated side: `9000001`
    pays 3500 JPY a month (Flowdesk Team in yen) less a fixed discount of 500 JPY (an
    amount-off coupon in a zero-decimal currency), `9000002` has one Stripe subscription
    of two items (Business x 3 and Starter x 2, monthly USD), billed on one invoice.
    JPY rates (0.0068) are added for every day the FX file covers. Returns the
    `grouped` mapping (item -> Stripe subscription) for `render`."""
    tables["plans"].append(
        {
            "plan_id": "flowdesk-team-monthly-jpy",
            "plan_name": "Flowdesk Team (monthly)",
            "product_name": "Flowdesk",
            "business_model": "subscription",
            "billing_interval_unit": "month",
            "billing_interval_count": "1",
            "currency": "JPY",
            "unit_price": "3500",
            "trial_days": None,
        }
    )
    days = sorted({r["rate_date"] for r in tables["fx_rates"]})
    tables["fx_rates"] += [
        {"rate_date": day, "currency": "JPY", "rate_to_reporting": JPY_RATE} for day in days
    ]
    start = datetime(first.year, first.month, first.day, 9, 0, 0)
    cases = [
        (
            "9000001",
            "Yamada Shoten",
            "JP",
            "JPY",
            [("SUB-9000001-1", "flowdesk-team-monthly-jpy", 1, "3500", "500")],
        ),
        (
            "9000002",
            "Two Items Ltd",
            "US",
            "USD",
            [
                ("SUB-9000002-1", "flowdesk-business-monthly-usd", 3, "45.00", None),
                ("SUB-9000002-2", "flowdesk-starter-monthly-usd", 2, "12.00", None),
            ],
        ),
    ]
    grouped = {}
    for customer, name, country, currency, items in cases:
        created = start.isoformat() + "Z"
        tables["customers"].append(
            {
                "customer_id": customer,
                "customer_name": name,
                "email": f"billing.{customer}@example.com",
                "country_code": country,
                "acquisition_channel": None,
                "created_at": created,
            }
        )
        for number, (subscription, plan, quantity, _, discount) in enumerate(items, 1):
            grouped[subscription] = f"sub_{customer}"
            tables["subscriptions"].append(
                {
                    "subscription_id": subscription,
                    "customer_id": customer,
                    "created_at": created,
                    "commitment_months": None,
                    "notice_period_days": None,
                    "auto_renew": None,
                }
            )
            tables["subscription_events"].append(
                {
                    "event_id": f"EV-{customer}-{number:04d}",
                    "subscription_id": subscription,
                    "event_type": "activated",
                    "effective_at": created,
                    "recorded_at": created,
                    "plan_id": plan,
                    "quantity": str(quantity),
                    "unit_price": None,
                    "discount_percent": None,
                    "discount_amount": discount,
                    "cancellation_reason": None,
                }
            )
        for month in range(months):
            period = _add_months(start, month)
            period_end = _add_months(start, month + 1)
            invoice = f"INV-{customer}-{month + 1:04d}"
            issued = period.isoformat() + "Z"
            tables["invoices"].append(
                {
                    "invoice_id": invoice,
                    "customer_id": customer,
                    "currency": currency,
                    "status": "paid",
                    "issued_at": issued,
                    "due_at": None,
                }
            )
            total = Decimal(0)
            for number, (subscription, plan, quantity, price, discount) in enumerate(items, 1):
                amount = Decimal(price) * quantity
                total += amount - Decimal(discount or 0)
                tables["invoice_line_items"].append(
                    {
                        "line_item_id": f"LI-{customer}-{month + 1:04d}{number}",
                        "invoice_id": invoice,
                        "subscription_id": subscription,
                        "plan_id": plan,
                        "line_type": "recurring",
                        "description": f"{plan} x {quantity}",
                        "service_period_start": period.date().isoformat(),
                        "service_period_end": period_end.date().isoformat(),
                        "quantity": str(quantity),
                        "amount": str(amount),
                        "discount_amount": discount or ("0" if currency == "JPY" else "0.00"),
                        "tax_amount": "0" if currency == "JPY" else "0.00",
                    }
                )
            tables["payments"].append(
                {
                    "payment_id": f"PAY-{customer}-{month + 1:05d}",
                    "invoice_id": invoice,
                    "payment_type": "charge",
                    "status": "succeeded",
                    "amount": str(total),
                    "currency": currency,
                    "occurred_at": (period + timedelta(minutes=5)).isoformat() + "Z",
                    "failure_reason": None,
                }
            )
    return grouped


def _add_months(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 + months, 12)
    return moment.replace(year=moment.year + year, month=month + 1)


# --- the inverse mapping ------------------------------------------------------------


def _slug(text: str) -> str:
    return "prod_" + re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _events_by_subscription(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    events = defaultdict(list)
    for row in tables["subscription_events"]:
        events[row["subscription_id"]].append(row)
    for rows in events.values():
        rows.sort(key=lambda r: (utc(r["effective_at"]), utc(r["recorded_at"]), r["event_id"]))
    return events


def render(tables: dict[str, list[dict]], grouped: dict[str, str] | None = None) -> StripeTables:
    """The Stripe tables of a generated dataset (already read with `read_folder`)."""
    grouped = grouped or {}
    data = StripeTables()
    synced = max(utc(r["recorded_at"]) for r in tables["subscription_events"]).replace(
        hour=23, minute=59, second=59
    )
    plans = {r["plan_id"]: r for r in tables["plans"]}
    subscriptions = {r["subscription_id"]: r for r in tables["subscriptions"]}
    events = _events_by_subscription(tables)
    payments_of = defaultdict(list)
    for payment in tables["payments"]:
        payments_of[payment["invoice_id"]].append(payment)

    def stripe_subscription(item: str) -> str:
        return grouped.get(item, f"sub_{item}")

    for row in tables["customers"]:
        data.add(
            "customer",
            id=row["customer_id"],
            name=row["customer_name"],
            email=row["email"],
            address_country=(row["country_code"] or "").lower() or None,
            created=utc(row["created_at"]),
            is_deleted=False,
            livemode=True,
            _fivetran_synced=synced,
        )

    for name in sorted({r["product_name"] for r in tables["plans"]}):
        data.add("product", id=_slug(name), name=name, active=True, livemode=True)
    usage_plans = {r["plan_id"] for r in tables["invoice_line_items"] if r["line_type"] == "usage"}
    for plan in tables["plans"]:
        for metered in [False, True] if plan["plan_id"] in usage_plans else [False]:
            data.add(
                "price",
                id=plan["plan_id"] + ("-metered" if metered else ""),
                product_id=_slug(plan["product_name"]),
                currency=plan["currency"].lower(),
                unit_amount=None if metered else minor(plan["unit_price"], plan["currency"]),
                recurring_interval=plan["billing_interval_unit"],
                recurring_interval_count=int(plan["billing_interval_count"]),
                recurring_usage_type="metered" if metered else "licensed",
                billing_scheme="per_unit",
                nickname=plan["plan_name"] + (" (extra usage)" if metered else ""),
                active=True,
                is_deleted=False,
                livemode=True,
                _fivetran_synced=synced,
            )

    recurring_invoices = defaultdict(set)
    for line in tables["invoice_line_items"]:
        if line["line_type"] == "recurring" and line["subscription_id"]:
            recurring_invoices[line["subscription_id"]].add(line["invoice_id"])

    # Subscriptions: the items, then one history per Stripe subscription (its first item's events).
    rendered: set[str] = set()
    for item, subscription in subscriptions.items():
        history = events.get(item, [])
        stated = [e for e in history if e["plan_id"]]
        data.add(
            "subscription_item",
            id=item,
            subscription_id=stripe_subscription(item),
            plan_id=stated[-1]["plan_id"] if stated else None,
            quantity=int(stated[-1]["quantity"] or 1) if stated else 1,
            created=utc(subscription["created_at"]),
        )
        if stripe_subscription(item) in rendered or not history:
            continue
        rendered.add(stripe_subscription(item))
        dunning = _dunning(recurring_invoices[item], payments_of)
        _render_history(
            data, stripe_subscription(item), subscription, history, plans, synced, dunning
        )
        _render_discounts(data, stripe_subscription(item), subscription, history, plans)

    lines_by_invoice = defaultdict(list)
    for line in tables["invoice_line_items"]:
        lines_by_invoice[line["invoice_id"]].append(line)
    for invoice in tables["invoices"]:
        currency = invoice["currency"]
        lines = lines_by_invoice[invoice["invoice_id"]]
        subtotal = sum(minor(line["amount"], currency) for line in lines)
        tax = sum(minor(line["tax_amount"], currency) or 0 for line in lines)
        discount = sum(minor(line["discount_amount"], currency) or 0 for line in lines)
        items = [line["subscription_id"] for line in lines if line["subscription_id"]]
        paid = sum(
            minor(p["amount"], p["currency"])
            for p in payments_of[invoice["invoice_id"]]
            if p["payment_type"] == "charge" and p["status"] == "succeeded"
        )
        data.add(
            "invoice",
            id=invoice["invoice_id"],
            customer_id=invoice["customer_id"],
            subscription_id=stripe_subscription(items[0]) if items else None,
            currency=currency.lower(),
            status=invoice["status"].lower(),
            created=utc(invoice["issued_at"]),
            due_date=utc(invoice["due_at"]),
            subtotal=subtotal,
            tax=tax,
            total=subtotal - discount + tax,
            amount_due=subtotal - discount + tax,
            amount_paid=paid,
            is_deleted=False,
            livemode=True,
            _fivetran_synced=synced,
        )
        for line in lines:
            _render_line(data, line, currency, stripe_subscription)

    _render_payments(data, tables, synced)
    return data


def _render_line(data: StripeTables, line: dict, currency: str, stripe_subscription) -> None:
    kind = line["line_type"]
    item = line["subscription_id"]
    amount = minor(line["amount"], currency)
    on_subscription = kind in ("recurring", "proration", "usage") or (
        kind == "credit" and line["plan_id"] and line["service_period_start"]
    )
    price = line["plan_id"]
    if kind == "usage":
        price = f"{price}-metered"
    data.add(
        "invoice_line_item",
        id=line["line_item_id"],
        invoice_id=line["invoice_id"],
        type="subscription" if on_subscription else "invoiceitem",
        amount=amount,
        currency=currency.lower(),
        quantity=int(line["quantity"] or 1),
        period_start=utc(line["service_period_start"]),
        period_end=utc(line["service_period_end"]),
        # An upgrade's two lines are Stripe prorations: the rest of the period at the
        # new price, and the unused time at the old one (negative).
        proration=kind == "proration" or (kind == "credit" and bool(on_subscription)),
        discountable=(minor(line["discount_amount"], currency) or 0) > 0 or kind == "recurring",
        price_id=price if on_subscription else None,
        subscription_id=stripe_subscription(item) if item else None,
        subscription_item_id=item if on_subscription else None,
        description=line["description"],
        livemode=True,
    )


def _render_history(
    data: StripeTables,
    stripe_id: str,
    subscription: dict,
    history: list[dict],
    plans: dict[str, dict],
    synced: datetime,
    dunning: list[tuple[datetime, str, str]] | None = None,
) -> None:
    """subscription_history versions: each state change of the events at the time a sync
    would have seen it (cancellation requests and withdrawals when recorded, the rest
    when they take effect), and `past_due` from a failed charge of a recurring invoice
    until a charge succeeds (`dunning`: when, from which status, to which)."""
    created = utc(subscription["created_at"])
    first = history[0]
    trial_start = trial_end = None
    if first["event_type"] == "trial_started":
        trial_start = utc(first["effective_at"])
        ends = [
            utc(e["effective_at"])
            for e in history[1:]
            if e["event_type"] in ("activated", "cancelled")
        ]
        days = int(plans[first["plan_id"]]["trial_days"] or 14)
        trial_end = ends[0] if ends else trial_start + timedelta(days=days)
    state = {
        "status": "trialing" if trial_start else "active",
        "cancel_at_period_end": False,
        "canceled_at": None,
        "current_period_end": None,
        "ended_at": None,
        "pause_collection_behavior": None,
        "cancellation_details_reason": None,
    }
    changes: list[tuple[datetime, int, dict]] = []
    for seq, event in enumerate(history):
        kind = event["event_type"]
        effective, recorded = utc(event["effective_at"]), utc(event["recorded_at"])
        if kind == "activated" and trial_start:
            changes.append((effective, seq, {"status": "active"}))
        elif kind == "cancellation_scheduled":
            changes.append(
                (
                    recorded,
                    seq,
                    {
                        "cancel_at_period_end": True,
                        "canceled_at": recorded,
                        "current_period_end": effective,
                    },
                )
            )
        elif kind == "cancellation_withdrawn":
            changes.append((recorded, seq, {"cancel_at_period_end": False, "canceled_at": None}))
        elif kind == "paused":
            changes.append((effective, seq, {"pause_collection_behavior": "void"}))
        elif kind == "resumed":
            changes.append((effective, seq, {"pause_collection_behavior": None}))
        elif kind == "cancelled":
            reason = event["cancellation_reason"]
            changes.append(
                (
                    effective,
                    seq,
                    {
                        "status": "canceled",
                        "ended_at": effective,
                        "canceled_at": "keep-request",
                        "cancellation_details_reason": "payment_failed"
                        if reason == "non_payment"
                        else "cancellation_requested",
                    },
                )
            )
    for number, (at, before, after) in enumerate(dunning or []):
        changes.append((at, len(history) + number, {"status": after, "only_from": before}))
    start = utc(first["effective_at"])
    versions: list[tuple[datetime, dict]] = [(created, dict(state))]
    for at, _, change in sorted(changes, key=lambda c: (c[0], c[1])):
        if change.pop("only_from", state["status"]) != state["status"]:
            continue
        state = dict(state)
        for key, value in change.items():
            if value == "keep-request":
                value = (
                    state["canceled_at"] if state["cancel_at_period_end"] else change["ended_at"]
                )
            state[key] = value
        if at <= versions[-1][0]:
            versions[-1] = (versions[-1][0], state)
        else:
            versions.append((at, state))
    for number, (at, values) in enumerate(versions):
        end = versions[number + 1][0] if number + 1 < len(versions) else None
        data.add(
            "subscription_history",
            id=stripe_id,
            customer_id=subscription["customer_id"],
            created=created,
            start_date=start,
            trial_start=trial_start,
            trial_end=trial_end,
            livemode=True,
            _fivetran_start=at,
            _fivetran_end=end,
            _fivetran_active=end is None,
            _fivetran_synced=synced,
            **values,
        )


def _dunning(invoices: set[str], payments_of: dict[str, list[dict]]) -> list:
    """Status changes from charges: `past_due` at an invoice's first failed charge, back
    to `active` at the next successful one (Stripe's dunning)."""
    changes = []
    for invoice in invoices:
        charges = sorted(
            (utc(p["occurred_at"]), p["status"])
            for p in payments_of[invoice]
            if p["payment_type"] == "charge"
        )
        failed = [at for at, status in charges if status == "failed"]
        if failed:
            changes.append((failed[0], "active", "past_due"))
            paid = [at for at, status in charges if status == "succeeded" and at > failed[0]]
            if paid:
                changes.append((paid[0], "past_due", "active"))
    return sorted(changes)


def _render_discounts(
    data: StripeTables, stripe_id: str, subscription: dict, history: list[dict], plans: dict
) -> None:
    """A discount row per spell of one discount in the events, with its start and end
    (Stripe sets a discount's `end` for a repeating coupon; none for `forever`)."""
    spells: list[list] = []
    current = None
    for event in history:
        if event["event_type"] in ("cancellation_scheduled", "cancelled", "cancellation_withdrawn"):
            continue
        key = (event["discount_percent"], event["discount_amount"])
        key = None if key == (None, None) else key
        at = utc(event["effective_at"])
        if key != current:
            if spells and current is not None:
                spells[-1][2] = at
            if key is not None:
                spells.append([key, at, None, plans[event["plan_id"]]["currency"]])
            current = key
    existing = {row["id"] for row in data.rows["coupon"]}
    for number, ((percent, amount), start, end, currency) in enumerate(spells, 1):
        months = None
        if end is not None:
            months = max(1, (end.year - start.year) * 12 + end.month - start.month)
        coupon = (
            f"co_{Decimal(percent).normalize()}pct"
            if percent
            else f"co_{minor(amount, currency)}{currency.lower()}"
        ) + (f"_{months}m" if months else "_forever")
        if coupon not in existing:
            existing.add(coupon)
            data.add(
                "coupon",
                id=coupon,
                percent_off=float(percent) if percent else None,
                amount_off=minor(amount, currency) if amount else None,
                currency=currency.lower() if amount else None,
                duration="repeating" if months else "forever",
                duration_in_months=months,
                valid=True,
                livemode=True,
            )
        data.add(
            "discount",
            id=f"di_{stripe_id}_{number}",
            type="subscription",
            coupon_id=coupon,
            customer_id=subscription["customer_id"],
            subscription_id=stripe_id,
            start=start,
            end=end,
        )


def _render_payments(data: StripeTables, tables: dict[str, list[dict]], synced: datetime) -> None:
    """Charges and refunds. How a charge names its invoice varies by customer, as it does
    across Stripe API versions: `charge.invoice_id` (customer ids ending 0, 3, 6, 9),
    an `invoice_payment` row naming the charge's payment intent (ending 1, 4, 7: API
    2025-03-31 and later), or `invoice.charge_id` when the invoice has one charge
    (ending 2, 5, 8; else `charge.invoice_id`)."""
    charges_by_invoice = defaultdict(list)
    for payment in tables["payments"]:
        if payment["payment_type"] == "charge":
            charges_by_invoice[payment["invoice_id"]].append(payment)
    customer_of = {r["invoice_id"]: r["customer_id"] for r in tables["invoices"]}
    invoices = {row["id"]: row for row in data.rows["invoice"]}
    for payment in tables["payments"]:
        if payment["payment_type"] != "charge":
            continue
        invoice = payment["invoice_id"]
        mode = int(customer_of[invoice][-1]) % 3
        if mode == 2 and len(charges_by_invoice[invoice]) != 1:
            mode = 0
        succeeded = payment["status"] == "succeeded"
        intent = f"pi_{payment['payment_id']}"
        data.add(
            "charge",
            id=payment["payment_id"],
            amount=minor(payment["amount"], payment["currency"]),
            amount_refunded=0,
            currency=payment["currency"].lower(),
            status=payment["status"],
            paid=succeeded,
            captured=succeeded,
            created=utc(payment["occurred_at"]),
            customer_id=customer_of[invoice],
            invoice_id=invoice if mode == 0 else None,
            payment_intent_id=intent,
            failure_code=payment["failure_reason"],
            livemode=True,
            _fivetran_synced=synced,
        )
        if mode == 1:
            data.add(
                "invoice_payment",
                id=f"inpay_{payment['payment_id']}",
                invoice_id=invoice,
                payment_intent_id=intent,
            )
        elif mode == 2:
            invoices[invoice]["charge_id"] = payment["payment_id"]
    for payment in tables["payments"]:
        if payment["payment_type"] != "refund":
            continue
        charges = charges_by_invoice[payment["invoice_id"]]
        paid = [c for c in charges if c["status"] == "succeeded"] or charges
        assert paid, f"refund {payment['payment_id']} has no charge on its invoice"
        data.add(
            "refund",
            id=payment["payment_id"],
            charge_id=paid[-1]["payment_id"],
            amount=minor(payment["amount"], payment["currency"]),
            currency=payment["currency"].lower(),
            created=utc(payment["occurred_at"]),
            status=payment["status"],
            failure_reason=payment["failure_reason"],
        )


# --- rows the Stripe layer must leave out -------------------------------------------

#: (table, reason) -> rows added by add_left_out_rows, as rpt_stripe__exclusions counts them.
LEFT_OUT = {
    ("charge", "test_mode"): 1,
    ("customer", "test_clock"): 1,
    ("customer", "test_mode"): 1,
    ("invoice", "deleted_draft"): 1,
    ("invoice", "test_mode"): 1,
    ("invoice_line_item", "test_mode"): 1,
    ("invoice_line_item", "temporary_line_id"): 1,
    ("price", "one_time_price"): 1,
    ("refund", "parent_left_out"): 1,
    ("subscription", "test_mode"): 1,
    ("subscription_item", "parent_left_out"): 1,
}


def add_left_out_rows(data: StripeTables, customer: str, invoice: str, at: datetime) -> None:
    """Rows a real connection also lands and the layer must leave out (and count):
    a test-mode customer with a subscription, an invoice, a line, a charge and its
    refund; a customer on a test clock; a deleted draft invoice of `customer`; a
    temporary `sub_` line on `invoice` (an upcoming-invoice preview); a one-time price."""
    data.add(
        "customer", id="cus_test", name="Test", email="t@example.com", created=at, livemode=False
    )
    data.add(
        "customer", id="cus_clock", name="Clock", email="c@example.com", created=at, livemode=True,
        test_clock_id="clock_1",
    )  # fmt: skip
    data.add(
        "subscription_history", id="sub_test", customer_id="cus_test", status="active", created=at,
        start_date=at, cancel_at_period_end=False, livemode=False, _fivetran_start=at,
        _fivetran_active=True,
    )  # fmt: skip
    data.add(
        "subscription_item", id="si_test", subscription_id="sub_test",
        plan_id="flowdesk-team-monthly-usd", quantity=1, created=at,
    )  # fmt: skip
    data.add(
        "invoice", id="in_test", customer_id="cus_test", subscription_id="sub_test", currency="usd",
        status="paid", created=at, subtotal=2500, tax=0, total=2500, livemode=False,
    )  # fmt: skip
    data.add(
        "invoice_line_item", id="il_test", invoice_id="in_test", type="subscription", amount=2500,
        currency="usd", quantity=1, period_start=at, period_end=at + timedelta(days=30),
        proration=False, price_id="flowdesk-team-monthly-usd", subscription_id="sub_test",
        subscription_item_id="si_test", livemode=False,
    )  # fmt: skip
    data.add(
        "charge", id="ch_test", invoice_id="in_test", amount=2500, currency="usd",
        status="succeeded", created=at, livemode=False,
    )  # fmt: skip
    data.add("refund", id="re_test", charge_id="ch_test", amount=2500, currency="usd", created=at)
    data.add(
        "invoice", id="in_deleted_draft", customer_id=customer, currency="usd", status="draft",
        created=at, subtotal=500, tax=0, total=500, is_deleted=True, livemode=True,
    )  # fmt: skip
    real = next(row for row in data.rows["invoice_line_item"] if row["invoice_id"] == invoice)
    data.add("invoice_line_item", **{**real, "id": "sub_preview_01", "amount": 1})
    data.add(
        "price", id="price_one_time_setup", product_id=data.rows["product"][0]["id"],
        currency="usd", unit_amount=50000, livemode=True,
    )  # fmt: skip
