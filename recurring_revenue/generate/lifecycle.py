"""Customers and the lifecycle of their subscriptions.

One `CustomerSimulation` per customer: it draws the customer's sign-up, country,
currency, channel and business model, then plays each subscription forward
period by period until it ends or the export day is reached, writing
`subscription_events` (docs/subscription-events.md) and, through the `Ledger`,
the invoices and payments that go with them. At most one change happens per
billing period, which keeps the event history unambiguous.

Nothing is recorded after the export day (`end`): no event, invoice or payment,
except a `cancellation_scheduled` whose `effective_at` (the end of the paid
service) may lie after it.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from recurring_revenue.generate import people
from recurring_revenue.generate.billing import Invoice, Ledger, Line, Settlement
from recurring_revenue.generate.catalogue import (
    ACQUISITION_CHANNELS,
    COUNTRIES,
    EXTRA_DELIVERY_SURCHARGE_USD,
    SETUP_FEE_USD,
    Catalogue,
    Plan,
    catalogue,
    local_price,
)
from recurring_revenue.generate.growth import SignupCurve, signup_curve
from recurring_revenue.generate.values import (
    DAY,
    HOUR,
    STYLE_COUNT,
    STYLE_NAIVE,
    STYLE_Z,
    add_months,
    boundary,
    money,
    next_month_start,
    percent_of,
    timestamp_text,
)

MONTH_DAYS = 30.44

BUSINESS_MODELS: tuple[tuple[str, int], ...] = (
    ("subscription", 30),
    ("membership", 22),
    ("freemium", 12),
    ("contract", 8),
    ("consumption", 28),
)

# Monthly probability of each kind of change, per business model; scaled to the
# billing period's length. At most one change happens per period.
HAZARDS: dict[str, dict[str, float]] = {
    "subscription": {
        "cancel_scheduled": 0.014,
        "cancel_now": 0.002,
        "upgrade": 0.025,
        "downgrade": 0.008,
        "goodwill_refund": 0.002,
    },
    "membership": {
        "cancel_scheduled": 0.02,
        "cancel_now": 0.002,
        "pause": 0.02,
        "goodwill_refund": 0.002,
    },
    "consumption": {
        "cancel_scheduled": 0.015,
        "cancel_now": 0.003,
        "pause": 0.02,
        "usage": 0.12,
        "quantity": 0.02,
        "goodwill_refund": 0.002,
    },
    "freemium": {
        "cancel_scheduled": 0.012,
        "cancel_now": 0.002,
        "upgrade": 0.012,
        "to_free": 0.015,
        "goodwill_refund": 0.001,
    },
}

P_SECOND_SUBSCRIPTION = 0.07
P_REACTIVATION = 0.2
MAX_SUBSCRIPTIONS = 4
P_WITHDRAW = 0.15
P_LATE_RECORD = 0.2
P_SAME_MONTH_CANCEL = 0.02
P_OUT_OF_ORDER_FILE = 0.01
FREE_UPGRADE_PER_DAY = 0.05 / MONTH_DAYS
FREE_LEAVE_PER_DAY = 0.01 / MONTH_DAYS

VOLUNTARY_REASONS: tuple[str, ...] = (
    "voluntary",
    "voluntary",
    "voluntary",
    "too expensive",
    "switched to a competitor",
    "no longer needed",
    "closing the business, thanks for everything",
)

_action_tables: dict[tuple[str, float], list[tuple[float, str]]] = {}


def _actions(model: str, months: float) -> list[tuple[float, str]]:
    """Cumulative per-period probabilities of each change for a period of `months`."""
    key = (model, months)
    table = _action_tables.get(key)
    if table is None:
        probabilities = [
            (1.0 - (1.0 - monthly) ** months, action) for action, monthly in HAZARDS[model].items()
        ]
        total = sum(probability for probability, _ in probabilities)
        scale = min(1.0, 0.9 / total)
        table = []
        cumulative = 0.0
        for probability, action in probabilities:
            cumulative += probability * scale
            table.append((cumulative, action))
        _action_tables[key] = table
    return table


def _cumulative(weights: tuple[int | float, ...]) -> list[float]:
    result: list[float] = []
    total = 0.0
    for weight in weights:
        total += weight
        result.append(total)
    return result


_COUNTRY_WEIGHTS = _cumulative(tuple(country[1] for country in COUNTRIES))
_CHANNEL_WEIGHTS = _cumulative(tuple(channel[1] for channel in ACQUISITION_CHANNELS))
_MODEL_WEIGHTS = _cumulative(tuple(model[1] for model in BUSINESS_MODELS))


class World:
    """What every customer of a chunk shares: settings, catalogue, random stream."""

    def __init__(
        self, rng: random.Random, customers: int, start_date: date, end_date: date
    ) -> None:
        self.rng = rng
        self.customers = customers
        self.catalogue: Catalogue = catalogue()
        self.curve: SignupCurve = signup_curve(start_date, end_date)
        self.start = start_date.toordinal() * DAY
        # The export day is the last day with activity, up to its last second.
        self.end = (end_date.toordinal() + 1) * DAY - 1
        # Membership price rises take effect from each April 1 (notified 30 days before).
        self.price_rises = [
            date(year, 4, 1).toordinal() * DAY
            for year in range(start_date.year + 1, end_date.year + 1)
        ]


@dataclass(slots=True)
class Sub:
    """A subscription's state as its events state it."""

    sub_id: str
    plan: Plan
    qty: int
    started: int
    price: int | None = None
    pct: int | None = None
    off: int | None = None
    coupon_left: int = 0
    coupon_expiring: bool = False

    def unit_price(self) -> int:
        return self.plan.price if self.price is None else self.price


class Ending(NamedTuple):
    """How a subscription's simulation stopped: `cancelled`, `ongoing` or `free`, and when."""

    kind: str
    at: int


class Event(NamedTuple):
    """One subscription event as simulated, before it is written as a row.

    Instants are seconds; money is in minor units. Events are written in
    (`recorded`, `seq`) order: `seq` is the emit order, so ties keep it.
    """

    recorded: int
    seq: int
    effective: int
    kind: str
    sub_id: str
    plan_id: str
    qty: int
    #: unit price override, None for the plan's price
    price: int | None
    #: discount percent, None for none
    pct: int | None
    #: fixed discount amount, None for none
    off: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class _Period:
    """One billing period of a paying subscription, as an action handler sees it."""

    sub: Sub
    model: str
    start: int
    stop: int
    #: the period's end or the export day, whichever is first
    horizon: int
    invoice: Invoice
    settlement: Settlement


#: What an action handler returns: None to go on to the next period, an `Ending` when
#: the subscription's simulation stops, or an instant the billing restarts from (resume).
_Outcome = Ending | int | None


class CustomerSimulation:
    """One customer: attributes, subscriptions, events, invoices and payments."""

    def __init__(self, world: World, index: int) -> None:
        rng = world.rng
        self.world = world
        self.rng = rng
        self.end = world.end
        self.customer_id = f"{index + 1:07d}"
        quantile = (index + rng.random()) / world.customers
        day = world.curve.day_at(quantile)
        self.created = day * DAY + int(rng.triangular(6 * HOUR, 23.9 * HOUR, 14 * HOUR))
        country, _, currency, tax_basis_points = rng.choices(
            COUNTRIES, cum_weights=_COUNTRY_WEIGHTS
        )[0]
        self.country = country
        self.currency = currency
        self.channel = rng.choices(ACQUISITION_CHANNELS, cum_weights=_CHANNEL_WEIGHTS)[0][0]
        self.model = rng.choices(BUSINESS_MODELS, cum_weights=_MODEL_WEIGHTS)[0][0]
        style_roll = rng.random()
        if style_roll < 0.85:
            self.style = STYLE_Z
        elif style_roll < 0.93:
            self.style = STYLE_NAIVE
        else:
            self.style = rng.randrange(STYLE_NAIVE + 1, STYLE_COUNT)
        self.is_business = self.model in ("subscription", "contract")
        self.method = "transfer" if self.model == "contract" else "card"
        self.ledger = Ledger(rng, currency, tax_basis_points, self.end)
        if rng.random() < 0.01:
            self.ledger.payment_currency_text = currency.lower()
        self.events: list[Event] = []
        self.subscription_rows: list[tuple[str, ...]] = []
        self.seq = 0

    # ----------------------------------------------------------------- output

    def timestamp(self, instant: int) -> str:
        return timestamp_text(instant, self.style)

    def customer_row(self) -> tuple[str, ...]:
        rng = self.rng
        number = self.customer_id
        name, email = (people.company if self.is_business else people.person)(rng, number)
        country = self.country or ""
        if country and rng.random() < 0.01:
            country = country.lower()
        channel = self.channel or ""
        if channel and rng.random() < 0.01:
            channel = channel.title()
        return (number, name, email, country, channel, self.timestamp(self.created))

    def event_rows(self) -> list[tuple[str, ...]]:
        customer_id = self.customer_id
        timestamp = self.timestamp
        rows: list[tuple[str, ...]] = []
        in_order = sorted(self.events, key=lambda event: (event.recorded, event.seq))
        for number, event in enumerate(in_order, start=1):
            rows.append(
                (
                    f"EV-{customer_id}-{number:04d}",
                    event.sub_id,
                    event.kind,
                    timestamp(event.effective),
                    timestamp(event.recorded),
                    event.plan_id,
                    str(event.qty),
                    "" if event.price is None else money(event.price),
                    "" if event.pct is None else str(event.pct),
                    "" if event.off is None else money(event.off),
                    event.reason,
                )
            )
        if len(rows) > 2 and self.rng.random() < P_OUT_OF_ORDER_FILE:
            self.rng.shuffle(rows)
        return rows

    # ------------------------------------------------------------ simulation

    def run(self) -> None:
        """Simulate every subscription of the customer, in start order."""
        rng = self.rng
        end = self.end
        queue: list[tuple[int, int, str, bool]] = [(self.created, 0, self.model, False)]
        started = 0
        while queue and started < MAX_SUBSCRIPTIONS:
            start, _, model, reactivation = heapq.heappop(queue)
            started += 1
            sub_id = f"SUB-{self.customer_id}-{started}"
            ending = self.simulate(sub_id, model, start, reactivation)
            if started == 1 and rng.random() < P_SECOND_SUBSCRIPTION:
                second = start + rng.randint(20, 540) * DAY + rng.randrange(DAY)
                other = rng.choice((model, "consumption", "membership", "subscription"))
                if second <= end:
                    heapq.heappush(queue, (second, started, other, False))
            if ending.kind == "cancelled" and rng.random() < P_REACTIVATION:
                back = ending.at + rng.randint(45, 420) * DAY + rng.randrange(DAY)
                if back <= end:
                    heapq.heappush(queue, (back, started, model, True))

    def simulate(self, sub_id: str, model: str, start: int, reactivation: bool) -> Ending:
        if model == "subscription":
            return self._saas(sub_id, start, reactivation)
        if model == "membership":
            return self._membership(sub_id, start, reactivation)
        if model == "freemium":
            return self._freemium(sub_id, start, reactivation)
        if model == "contract":
            return self._contract(sub_id, start)
        return self._consumption(sub_id, start)

    def emit(self, sub: Sub, kind: str, effective: int, recorded: int, reason: str = "") -> None:
        self.events.append(
            Event(
                recorded=recorded,
                seq=self.seq,
                effective=effective,
                kind=kind,
                sub_id=sub.sub_id,
                plan_id=sub.plan.plan_id,
                qty=sub.qty,
                price=sub.price,
                pct=sub.pct,
                off=sub.off,
                reason=reason,
            )
        )
        self.seq += 1

    def _subscription_row(
        self,
        sub_id: str,
        created: int,
        commitment: int | None = None,
        notice: int | None = None,
        auto_renew: str = "",
    ) -> None:
        self.subscription_rows.append(
            (
                sub_id,
                self.customer_id,
                self.timestamp(created),
                "" if commitment is None else str(commitment),
                "" if notice is None else str(notice),
                auto_renew,
            )
        )

    def _plan(self, product: str, tier: str, interval: str) -> Plan:
        plan = self.world.catalogue.get(product, tier, interval, self.currency)
        if plan is None:
            raise ValueError(f"no plan {product}/{tier}/{interval}/{self.currency}")
        return plan

    def _pick_interval(self, product: str, tier: str, weights: dict[str, float]) -> str:
        offered = self.world.catalogue.intervals(product, tier)
        choices = [interval for interval in weights if interval in offered]
        return self.rng.choices(choices, weights=[weights[interval] for interval in choices])[0]

    # ------------------------------------------------------------- billing

    def _period_amounts(self, sub: Sub) -> tuple[int, int]:
        amount = sub.unit_price() * sub.qty
        discount = 0
        if sub.pct is not None:
            discount += percent_of(amount, sub.pct)
        if sub.off is not None:
            discount += sub.off
        return amount, min(discount, amount)

    def _recurring_line(self, sub: Sub, start: int, end: int) -> Line:
        amount, discount = self._period_amounts(sub)
        plan = sub.plan
        return (
            sub.sub_id,
            plan.plan_id,
            "recurring",
            f"{plan.plan_name} x {sub.qty}",
            start // DAY,
            end // DAY,
            sub.qty,
            amount,
            discount,
            self.ledger.tax(amount - discount),
        )

    def _due(self, issued: int) -> int:
        return issued + (30 if self.method == "transfer" else 7) * DAY

    def _bill(
        self,
        sub: Sub,
        start: int,
        end: int,
        issued: int | None = None,
        extra: tuple[Line, ...] = (),
    ) -> Invoice:
        issued = start if issued is None else issued
        invoice = self.ledger.add(
            issued, self._due(issued), [self._recurring_line(sub, start, end), *extra]
        )
        if sub.coupon_left > 0:
            sub.coupon_left -= 1
            sub.coupon_expiring = sub.coupon_left == 0
        return invoice

    def _settle(self, invoice: Invoice, recurring: bool, period_days: int = 30) -> Settlement:
        if self.method == "transfer":
            return self.ledger.collect_transfer(invoice)
        return self.ledger.collect_card(invoice, recurring, period_days)

    def _draft_upcoming(self, sub: Sub, start: int, end: int) -> None:
        """The next period's invoice, already drafted on the export day."""
        if (
            self.method == "card"
            and start - self.end <= 3 * DAY
            and sub.unit_price() > 0
            and not sub.coupon_expiring
            and self.rng.random() < 0.6
        ):
            issued = self.end - self.rng.randrange(6 * HOUR)
            self.ledger.add(issued, None, [self._recurring_line(sub, start, end)], status="draft")

    # ------------------------------------------------------ shared lifecycle

    def _apply_discounts(
        self, sub: Sub, coupons: tuple[tuple[int, int], ...], p_coupon: float, p_fixed: float
    ) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < p_coupon:
            sub.pct, sub.coupon_left = rng.choice(coupons)
        elif roll < p_coupon + p_fixed:
            amount = sub.unit_price() * sub.qty
            fixed = local_price(
                rng.choice((5, 10, 20)) * max(1, round(sub.plan.months)), self.currency
            )
            if fixed < amount:
                sub.off = fixed

    def _activate(
        self,
        sub: Sub,
        start: int,
        trial: bool,
        conversion: float,
        discounts: tuple[tuple[tuple[int, int], ...], float, float],
    ) -> int | Ending:
        """Trial then conversion (or not), or a direct activation; the paid anchor."""
        rng = self.rng
        if trial and sub.plan.trial_days:
            self.emit(sub, "trial_started", start, start)
            trial_end = start + sub.plan.trial_days * DAY
            if trial_end > self.end:
                return Ending("ongoing", self.end)
            if rng.random() >= conversion:
                self.emit(sub, "cancelled", trial_end, trial_end, "trial ended without conversion")
                return Ending("cancelled", trial_end)
            self._apply_discounts(sub, *discounts)
            self.emit(sub, "activated", trial_end, trial_end)
            return trial_end
        self._apply_discounts(sub, *discounts)
        self.emit(sub, "activated", start, start)
        return start

    def _paid_loop(self, sub: Sub, model: str, anchor: int, same_month_possible: bool) -> Ending:
        """Bill a paying subscription period by period, with at most one change per period."""
        rng = self.rng
        end = self.end
        ledger = self.ledger
        k = 0
        previous_start = anchor
        while True:
            plan = sub.plan
            start = boundary(anchor, plan.unit, plan.count, k)
            stop = boundary(anchor, plan.unit, plan.count, k + 1)
            if start > end:
                self._draft_upcoming(sub, start, stop)
                return Ending("ongoing", end)
            if k > 0 and model == "membership":
                self._price_rise(sub, previous_start, start)
            if sub.coupon_expiring:
                sub.pct = None
                sub.coupon_expiring = False
                self.emit(sub, "discount_changed", start, start)
            invoice = self._bill(sub, start, stop)
            settlement = self._settle(invoice, True, stop // DAY - start // DAY)
            if settlement.outcome == "non_payment":
                self.emit(sub, "cancelled", settlement.at, settlement.at, "non_payment")
                return Ending("cancelled", settlement.at)
            if settlement.outcome == "void":
                # The customer cancels instead of paying: back-dated to the period start.
                self.emit(sub, "cancelled", start, settlement.at, "voluntary")
                return Ending("cancelled", start)
            if k == 0 and same_month_possible and rng.random() < P_SAME_MONTH_CANCEL:
                limit = min(next_month_start(start // DAY) * DAY - 1, stop - 1, end)
                if limit - start > 2 * DAY:
                    at = start + rng.randint(DAY, limit - start)
                    self.emit(
                        sub, "cancelled", at, at, rng.choice(("voluntary", "changed my mind"))
                    )
                    ledger.refund(invoice, invoice.total, at + rng.randint(600, DAY))
                    return Ending("cancelled", at)
            previous_start = start
            roll = rng.random()
            action = ""
            for threshold, name in _actions(model, plan.months):
                if roll < threshold:
                    action = name
                    break
            handler = _ACTION_HANDLERS.get(action)
            period = _Period(sub, model, start, stop, min(stop, end), invoice, settlement)
            outcome = None if handler is None else handler(self, period)
            if isinstance(outcome, Ending):
                return outcome
            if outcome is not None:
                anchor = outcome
                k = 0
                continue
            k += 1

    # -------------------------------------------------- actions, one per period
    # Each handler does nothing (returns None) when its action does not fit the period.

    def _act_cancel_scheduled(self, period: _Period) -> _Outcome:
        rng = self.rng
        sub, start, stop, horizon = period.sub, period.start, period.stop, period.horizon
        if horizon - start <= 2 * HOUR:
            return None
        requested = start + rng.randrange(HOUR, horizon - start)
        reason = rng.choice(VOLUNTARY_REASONS)
        self.emit(sub, "cancellation_scheduled", stop, requested, reason)
        if rng.random() < P_WITHDRAW and horizon - requested > 3 * HOUR:
            withdrawn = requested + rng.randrange(HOUR, horizon - requested - HOUR)
            self.emit(sub, "cancellation_withdrawn", withdrawn, withdrawn)
            return None
        if stop <= self.end:
            self.emit(sub, "cancelled", stop, stop, reason)
            return Ending("cancelled", stop)
        return Ending("ongoing", self.end)

    def _act_cancel_now(self, period: _Period) -> _Outcome:
        rng = self.rng
        sub, start, stop, horizon = period.sub, period.start, period.stop, period.horizon
        if horizon - start <= 3 * DAY:
            return None
        invoice = period.invoice
        at = start + rng.randrange(DAY, horizon - start - DAY)
        recorded = at
        if rng.random() < P_LATE_RECORD:
            recorded = min(at + rng.randint(1, 6) * DAY, horizon - HOUR)
        self.emit(sub, "cancelled", at, recorded, rng.choice(VOLUNTARY_REASONS))
        if rng.random() < 0.5:
            period_days = stop // DAY - start // DAY
            unused = stop // DAY - at // DAY
            self.ledger.refund(
                invoice,
                invoice.total * unused // period_days,
                recorded + rng.randint(600, DAY),
            )
        return Ending("cancelled", at)

    def _act_upgrade(self, period: _Period) -> _Outcome:
        if period.horizon - period.start > 3 * DAY:
            self._upgrade(period.sub, period.model, period.start, period.stop, period.horizon)
        return None

    def _act_downgrade(self, period: _Period) -> _Outcome:
        if period.stop <= self.end:
            self._downgrade(period.sub, period.start, period.stop)
        return None

    def _act_to_free(self, period: _Period) -> _Outcome:
        sub, start, stop = period.sub, period.start, period.stop
        if stop > self.end:
            return None
        sub.plan = self._plan("notely", "free", "monthly")
        sub.qty = 1
        sub.price = sub.pct = sub.off = None
        sub.coupon_left = 0
        sub.coupon_expiring = False
        self.emit(sub, "plan_changed", stop, start + self.rng.randrange(HOUR, stop - start))
        return Ending("free", stop)

    def _act_pause(self, period: _Period) -> _Outcome:
        if period.stop > self.end:
            return None
        return self._pause(period.sub, period.model, period.start, period.stop)

    def _act_usage(self, period: _Period) -> _Outcome:
        start, horizon = period.start, period.horizon
        if horizon - start > 2 * DAY:
            self._extra_delivery(period.sub, start + self.rng.randrange(DAY, horizon - start))
        return None

    def _act_quantity(self, period: _Period) -> _Outcome:
        rng = self.rng
        sub, start, stop = period.sub, period.start, period.stop
        if stop > self.end:
            return None
        sub.qty += 1 if sub.qty == 1 or (sub.qty < 4 and rng.random() < 0.5) else -1
        self.emit(sub, "quantity_changed", stop, start + rng.randrange(HOUR, stop - start))
        return None

    def _act_goodwill_refund(self, period: _Period) -> _Outcome:
        invoice = period.invoice
        if invoice.status != "paid":
            return None
        share = self.rng.randint(10, 50)
        self.ledger.refund(
            invoice,
            invoice.total * share // 100,
            period.settlement.at + self.rng.randint(1, 20) * DAY,
        )
        return None

    def _upgrade(self, sub: Sub, model: str, start: int, stop: int, horizon: int) -> None:
        """A mid-period upgrade: the new state from `at`, a proration and a credit line."""
        rng = self.rng
        plan = sub.plan
        tiers = self.world.catalogue.tiers(plan.product)
        position = tiers.index(plan.tier)
        higher = None
        if position + 1 < len(tiers):
            higher = self.world.catalogue.get(
                plan.product, tiers[position + 1], plan.interval, plan.currency
            )
        if model == "freemium" and higher is None:
            return
        at = start + rng.randrange(DAY, horizon - start - DAY)
        if at // DAY >= stop // DAY:
            return
        old_plan, old_qty = plan, sub.qty
        old_amount, old_discount = self._period_amounts(sub)
        if higher is not None and (model == "freemium" or rng.random() < 0.5):
            sub.plan = higher
            kind = "plan_changed"
        else:
            sub.qty += rng.randint(1, max(1, sub.qty // 2))
            kind = "quantity_changed"
        recorded = at
        if rng.random() < P_LATE_RECORD and horizon - at > 2 * DAY:
            recorded = at + rng.randrange(DAY, horizon - at - HOUR)
        self.emit(sub, kind, at, recorded)
        period_days = stop // DAY - start // DAY
        remaining = stop // DAY - at // DAY
        new_amount, new_discount = self._period_amounts(sub)
        prorated = new_amount * remaining // period_days
        prorated_discount = new_discount * remaining // period_days
        credit = -((old_amount - old_discount) * remaining // period_days)
        tax = self.ledger.tax(prorated - prorated_discount + credit)
        lines: list[Line] = [
            (
                sub.sub_id,
                sub.plan.plan_id,
                "proration",
                f"Remaining time on {sub.plan.plan_name} x {sub.qty}",
                at // DAY,
                stop // DAY,
                sub.qty,
                prorated,
                prorated_discount,
                tax,
            ),
            (
                sub.sub_id,
                old_plan.plan_id,
                "credit",
                f"Unused time on {old_plan.plan_name} x {old_qty}",
                at // DAY,
                stop // DAY,
                old_qty,
                credit,
                0,
                0,
            ),
        ]
        invoice = self.ledger.add(recorded, self._due(recorded), lines)
        self._settle(invoice, recurring=False)

    def _downgrade(self, sub: Sub, start: int, stop: int) -> None:
        """A downgrade (lower tier or fewer seats) requested now, effective at the period end."""
        rng = self.rng
        plan = sub.plan
        tiers = self.world.catalogue.tiers(plan.product)
        position = tiers.index(plan.tier)
        lower = None
        if position > 0:
            lower = self.world.catalogue.get(
                plan.product, tiers[position - 1], plan.interval, plan.currency
            )
        if lower is not None and (sub.qty == 1 or rng.random() < 0.5):
            sub.plan = lower
            kind = "plan_changed"
        elif sub.qty > 1:
            sub.qty -= rng.randint(1, max(1, sub.qty // 3))
            kind = "quantity_changed"
        else:
            return
        self.emit(sub, kind, stop, start + rng.randrange(HOUR, stop - start))

    def _pause(self, sub: Sub, model: str, start: int, stop: int) -> int | Ending:
        """A pause (freeze, skipped deliveries) from the period end; the resume instant."""
        rng = self.rng
        requested = start + rng.randrange(HOUR, stop - start)
        if rng.random() < P_LATE_RECORD and stop + 6 * DAY <= self.end:
            requested = stop + rng.randint(1, 5) * DAY
        self.emit(sub, "paused", stop, requested)
        if model == "membership":
            resume = add_months(stop // DAY, rng.randint(1, 3)) * DAY + stop % DAY
        else:
            resume = stop + rng.randint(2, 8) * 7 * DAY
        if resume > self.end:
            return Ending("ongoing", self.end)
        if rng.random() < 0.12:
            self.emit(sub, "cancelled", resume, resume, "did not return after a pause")
            return Ending("cancelled", resume)
        self.emit(sub, "resumed", resume, resume)
        return resume

    def _extra_delivery(self, sub: Sub, at: int) -> None:
        """An extra delivery between replenishments, billed as a usage line."""
        rng = self.rng
        bags = rng.randint(1, 3)
        unit = sub.unit_price() + local_price(EXTRA_DELIVERY_SURCHARGE_USD, self.currency)
        amount = unit * bags
        day = at // DAY
        line: Line = (
            sub.sub_id,
            sub.plan.plan_id,
            "usage",
            f"Extra delivery, {bags} bag{'s' if bags > 1 else ''}",
            day,
            day + 1,
            bags,
            amount,
            0,
            self.ledger.tax(amount),
        )
        if self.end - at < 2 * DAY:
            self.ledger.add(at, None, [line], status="draft")
            return
        invoice = self.ledger.add(at, self._due(at), [line])
        self._settle(invoice, recurring=False)

    def _price_rise(self, sub: Sub, previous_start: int, start: int) -> None:
        """A membership fee rise, notified 30 days ahead, from the first period after April 1."""
        for rise in self.world.price_rises:
            notice = rise - 30 * DAY
            if previous_start < rise <= start and sub.started < notice:
                sub.price = (sub.unit_price() * 1060 + 500) // 1000
                self.emit(sub, "price_changed", start, notice)

    # ------------------------------------------------------- business models

    def _saas(self, sub_id: str, start: int, reactivation: bool) -> Ending:
        rng = self.rng
        tier = rng.choices(("starter", "team", "business"), weights=(45, 40, 15))[0]
        interval = self._pick_interval(
            "flowdesk", tier, {"monthly": 65, "annual": 22, "quarterly": 8, "biennial": 5}
        )
        seats = 1 if rng.random() < 0.35 else min(200, 2 + int(rng.expovariate(1 / 8)))
        sub = Sub(sub_id, self._plan("flowdesk", tier, interval), seats, start)
        self._subscription_row(sub_id, start)
        trial = not reactivation and rng.random() < 0.6
        coupons = ((20, 3), (25, 6), (50, 3), (10, 12))
        anchor = self._activate(sub, start, trial, 0.55, (coupons, 0.15, 0.05))
        if isinstance(anchor, Ending):
            return anchor
        return self._paid_loop(sub, "subscription", anchor, same_month_possible=not trial)

    def _membership(self, sub_id: str, start: int, reactivation: bool) -> Ending:
        rng = self.rng
        tier = "basic" if rng.random() < 0.75 else "premium"
        interval = self._pick_interval(
            "harbour", tier, {"monthly": 70, "annual": 20, "quarterly": 10}
        )
        sub = Sub(
            sub_id, self._plan("harbour", tier, interval), 1 if rng.random() < 0.9 else 2, start
        )
        self._subscription_row(sub_id, start)
        trial = not reactivation and rng.random() < 0.3
        anchor = self._activate(sub, start, trial, 0.5, (((50, 2), (25, 3)), 0.1, 0.0))
        if isinstance(anchor, Ending):
            return anchor
        return self._paid_loop(sub, "membership", anchor, same_month_possible=not trial)

    def _consumption(self, sub_id: str, start: int) -> Ending:
        rng = self.rng
        interval = rng.choices(
            ("biweekly", "four-weekly", "weekly", "thirty-day"), weights=(40, 20, 25, 15)
        )[0]
        bags = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
        sub = Sub(sub_id, self._plan("roastery", "beans", interval), bags, start)
        self._subscription_row(sub_id, start)
        anchor = self._activate(sub, start, False, 1.0, (((50, 1), (20, 4)), 0.1, 0.0))
        if isinstance(anchor, Ending):
            return anchor
        return self._paid_loop(sub, "consumption", anchor, same_month_possible=False)

    def _paid_notely(self, sub: Sub) -> None:
        rng = self.rng
        tier = "plus" if rng.random() < 0.75 else "pro"
        interval = "monthly" if rng.random() < 0.8 else "annual"
        sub.plan = self._plan("notely", tier, interval)
        sub.qty = 1
        if rng.random() < 0.1:
            sub.pct, sub.coupon_left = 30, 3

    def _freemium(self, sub_id: str, start: int, reactivation: bool) -> Ending:
        rng = self.rng
        end = self.end
        sub = Sub(sub_id, self._plan("notely", "free", "monthly"), 1, start)
        self._subscription_row(sub_id, start)
        if reactivation or rng.random() < 0.1:
            self._paid_notely(sub)
            self.emit(sub, "activated", start, start)
            ending = self._paid_loop(sub, "freemium", start, same_month_possible=False)
            if ending.kind != "free":
                return ending
            now = ending.at
        else:
            self.emit(sub, "activated", start, start)
            now = start
        while True:
            upgrade = now + int(rng.expovariate(FREE_UPGRADE_PER_DAY) * DAY)
            leave = now + int(rng.expovariate(FREE_LEAVE_PER_DAY) * DAY)
            if min(upgrade, leave) > end:
                return Ending("ongoing", end)
            if leave < upgrade:
                self.emit(sub, "cancelled", leave, leave, "account closed")
                return Ending("cancelled", leave)
            self._paid_notely(sub)
            self.emit(sub, "plan_changed", upgrade, upgrade)
            ending = self._paid_loop(sub, "freemium", upgrade, same_month_possible=False)
            if ending.kind != "free":
                return ending
            now = ending.at

    def _contract(self, sub_id: str, signed: int) -> Ending:
        """A maintenance and update agreement: committed terms, notice, renewals with indexation."""
        rng = self.rng
        end = self.end
        start = next_month_start(signed // DAY) * DAY
        if start > end:
            start = signed
        commitment = 24 if rng.random() < 0.3 else 12
        interval = "biennial" if commitment == 24 and rng.random() < 0.5 else "annual"
        plan = self._plan("atlas", "maintenance", interval)
        notice = rng.choice((30, 60, 90))
        auto_renew = rng.random() < 0.7
        licences = min(250, 1 + int(rng.expovariate(1 / 6)))
        price = plan.price * (100 - rng.choice((0, 0, 5, 10, 15))) // 100
        sub = Sub(sub_id, plan, licences, signed, price=price)
        auto_text = rng.choice(
            ("true", "true", "true", "TRUE", "1")
            if auto_renew
            else ("false", "false", "False", "0")
        )
        self._subscription_row(sub_id, signed, commitment, notice, auto_text)
        self.emit(sub, "activated", start, signed)
        fee = local_price(SETUP_FEE_USD, self.currency)
        setup: tuple[Line, ...] = (
            (
                sub_id,
                "",
                "one_time",
                "Onboarding, installation and training",
                0,
                0,
                1,
                fee,
                0,
                self.ledger.tax(fee),
            ),
        )
        term_start = start
        issue_first_at: int | None = None
        while True:
            term_end = add_months(term_start // DAY, commitment) * DAY + term_start % DAY
            k = 0
            while True:
                period_start = boundary(term_start, plan.unit, plan.count, k)
                if period_start >= term_end:
                    break
                if period_start > end:
                    return Ending("ongoing", end)
                period_end = min(boundary(term_start, plan.unit, plan.count, k + 1), term_end)
                issued = issue_first_at if k == 0 and issue_first_at is not None else period_start
                invoice = self._bill(sub, period_start, period_end, issued, setup)
                setup = ()
                self._settle(invoice, recurring=False)
                k += 1
            issue_first_at = None
            if auto_renew and rng.random() < 0.12:
                requested = term_end - notice * DAY - rng.randint(1, 60) * DAY - rng.randrange(DAY)
                requested = max(requested, term_start + DAY)
                if requested > end:
                    return Ending("ongoing", end)
                reason = rng.choice(
                    ("voluntary", "replaced by a subscription licence", "budget cuts")
                )
                self.emit(sub, "cancellation_scheduled", term_end, requested, reason)
                if term_end > end:
                    return Ending("ongoing", end)
                self.emit(sub, "cancelled", term_end, term_end, reason)
                return Ending("cancelled", term_end)
            if term_end > end:
                return Ending("ongoing", end)
            if auto_renew:
                self._index_for_renewal(sub)
                self.emit(sub, "renewed", term_end, term_end)
                term_start = term_end
                continue
            roll = rng.random()
            if roll < 0.6:
                recorded = max(term_end - rng.randint(5, 45) * DAY, term_start + DAY)
                self._index_for_renewal(sub)
                self.emit(sub, "renewed", term_end, recorded)
                term_start = term_end
                continue
            self.emit(sub, "cancelled", term_end, term_end, "contract expired")
            if roll >= 0.85:
                return Ending("cancelled", term_end)
            # Late renewal: the agreement expires, then is renewed a few days later,
            # effective at the expiry or a little later in the same month.
            last_day = next_month_start(term_end // DAY) - 1
            shift = 0
            if rng.random() < 0.5:
                shift = rng.randint(0, min(10, last_day - term_end // DAY))
            effective = term_end + shift * DAY
            recorded = effective + rng.randint(1, 12) * DAY + rng.randrange(HOUR, DAY)
            if recorded > end:
                return Ending("cancelled", term_end)
            self._index_for_renewal(sub)
            self.emit(sub, "renewed", effective, recorded)
            term_start = effective
            issue_first_at = recorded

    def _index_for_renewal(self, sub: Sub) -> None:
        """Renewal terms: price indexed by 2-5 %, sometimes a changed number of licences."""
        rng = self.rng
        sub.price = (
            sub.unit_price() * (1000 + rng.choice((20, 25, 30, 35, 40, 45, 50))) + 500
        ) // 1000
        if rng.random() < 0.3:
            sub.qty = max(1, sub.qty + rng.choice((-3, -2, -1, 1, 2, 3, 5)))


#: The billing-period actions (drawn by `_actions`) and who plays each; an action not
#: listed, or drawn as "", changes nothing that period.
_ACTION_HANDLERS: dict[str, Callable[[CustomerSimulation, _Period], _Outcome]] = {
    "cancel_scheduled": CustomerSimulation._act_cancel_scheduled,
    "cancel_now": CustomerSimulation._act_cancel_now,
    "upgrade": CustomerSimulation._act_upgrade,
    "downgrade": CustomerSimulation._act_downgrade,
    "to_free": CustomerSimulation._act_to_free,
    "pause": CustomerSimulation._act_pause,
    "usage": CustomerSimulation._act_usage,
    "quantity": CustomerSimulation._act_quantity,
    "goodwill_refund": CustomerSimulation._act_goodwill_refund,
}
