"""The price catalogue (plans), currencies, countries and acquisition channels.

Five products, one per business model, each sold in USD, EUR, GBP and DKK:

- Flowdesk (subscription): per-seat SaaS, monthly / quarterly / annual / biennial,
  14-day trials.
- Harbour Fitness (membership): monthly / quarterly / annual fees, freezes.
- Notely (freemium): a free plan (unit_price 0) and paid Plus / Pro tiers.
- Atlas CAD Maintenance (contract): per-licence maintenance and update
  agreements, annual or biennial, with a one-time setup fee.
- Roastery Club (consumption): coffee replenishment every week, 2 or 4 weeks,
  or every 30 days, with extra deliveries billed as usage.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from recurring_revenue.generate.values import money

CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "DKK")

# Price of one USD unit in each currency, per mille, for list prices (whole units).
_PRICE_FACTOR_PER_MILLE = {"USD": 1000, "EUR": 920, "GBP": 800, "DKK": 6900}

# (slug, unit, count, months per interval, label)
INTERVALS: dict[str, tuple[str, int, float, str]] = {
    "monthly": ("month", 1, 1.0, "monthly"),
    "quarterly": ("month", 3, 3.0, "quarterly"),
    "annual": ("year", 1, 12.0, "annual"),
    "biennial": ("year", 2, 24.0, "2-year"),
    "weekly": ("week", 1, 12 / 52, "weekly"),
    "biweekly": ("week", 2, 24 / 52, "every 2 weeks"),
    "four-weekly": ("week", 4, 48 / 52, "every 4 weeks"),
    "thirty-day": ("day", 30, 360 / 365, "every 30 days"),
}

# product key -> (product name, business model, {tier: {interval: USD list price}})
_PRODUCTS: dict[str, tuple[str, str, dict[str, dict[str, int]]]] = {
    "flowdesk": (
        "Flowdesk",
        "subscription",
        {
            "starter": {"monthly": 12, "annual": 120},
            "team": {"monthly": 25, "quarterly": 72, "annual": 250},
            "business": {"monthly": 45, "annual": 450, "biennial": 840},
        },
    ),
    "harbour": (
        "Harbour Fitness",
        "membership",
        {
            "basic": {"monthly": 39, "quarterly": 105, "annual": 399},
            "premium": {"monthly": 69, "annual": 699},
        },
    ),
    "notely": (
        "Notely",
        "freemium",
        {
            "free": {"monthly": 0},
            "plus": {"monthly": 8, "annual": 80},
            "pro": {"monthly": 15, "annual": 150},
        },
    ),
    "atlas": (
        "Atlas CAD Maintenance",
        "contract",
        {"maintenance": {"annual": 1200, "biennial": 2280}},
    ),
    "roastery": (
        "Roastery Club",
        "consumption",
        {
            "beans": {"weekly": 14, "biweekly": 15, "four-weekly": 16, "thirty-day": 16},
        },
    ),
}

_TRIAL_DAYS: dict[tuple[str, str, str], int] = {
    ("flowdesk", tier, interval): 14
    for tier, intervals in _PRODUCTS["flowdesk"][2].items()
    for interval in intervals
}
_TRIAL_DAYS[("harbour", "basic", "monthly")] = 7

SETUP_FEE_USD = 500
EXTRA_DELIVERY_SURCHARGE_USD = 2

# country code (None = unknown), weight, billing currency, tax rate in basis points
COUNTRIES: tuple[tuple[str | None, int, str, int], ...] = (
    ("US", 34, "USD", 0),
    ("CA", 4, "USD", 500),
    ("AU", 3, "USD", 1000),
    ("GB", 12, "GBP", 2000),
    ("DE", 9, "EUR", 1900),
    ("FR", 6, "EUR", 2000),
    ("NL", 5, "EUR", 2100),
    ("IE", 2, "EUR", 2300),
    ("ES", 3, "EUR", 2100),
    ("SE", 3, "EUR", 2500),
    ("DK", 12, "DKK", 2500),
    (None, 7, "USD", 0),
)

MARKETING_CHANNELS: tuple[str, ...] = ("paid_search", "paid_social", "partners", "events")
# acquisition channel (None = unknown) and weight
ACQUISITION_CHANNELS: tuple[tuple[str | None, int], ...] = (
    ("paid_search", 24),
    ("paid_social", 18),
    ("partners", 9),
    ("events", 5),
    ("organic", 26),
    ("referral", 12),
    (None, 6),
)


def local_price(usd_units: int, currency: str) -> int:
    """A USD list price in whole units converted to `currency`, in cents."""
    return (usd_units * _PRICE_FACTOR_PER_MILLE[currency] + 500) // 1000 * 100


@dataclass(frozen=True, slots=True)
class Plan:
    plan_id: str
    plan_name: str
    product: str
    product_name: str
    business_model: str
    tier: str
    interval: str
    unit: str
    count: int
    months: float
    currency: str
    price: int
    trial_days: int | None

    def row(self) -> tuple[str, ...]:
        return (
            self.plan_id,
            self.plan_name,
            self.product_name,
            self.business_model,
            self.unit,
            str(self.count),
            self.currency,
            money(self.price),
            "" if self.trial_days is None else str(self.trial_days),
        )


class Catalogue:
    """Every plan, with look-ups by product, tier, interval and currency."""

    def __init__(self) -> None:
        self.plans: list[Plan] = []
        self._by_key: dict[tuple[str, str, str, str], Plan] = {}
        for product, (product_name, model, tiers) in _PRODUCTS.items():
            for tier, prices in tiers.items():
                for interval, usd_units in prices.items():
                    unit, count, months, label = INTERVALS[interval]
                    for currency in CURRENCIES:
                        if product == "roastery":
                            name = f"{product_name} ({label})"
                        else:
                            name = f"{product_name} {tier.title()} ({label})"
                        plan = Plan(
                            plan_id=f"{product}-{tier}-{interval}-{currency.lower()}",
                            plan_name=name,
                            product=product,
                            product_name=product_name,
                            business_model=model,
                            tier=tier,
                            interval=interval,
                            unit=unit,
                            count=count,
                            months=months,
                            currency=currency,
                            price=local_price(usd_units, currency),
                            trial_days=_TRIAL_DAYS.get((product, tier, interval)),
                        )
                        self.plans.append(plan)
                        self._by_key[(product, tier, interval, currency)] = plan

    def get(self, product: str, tier: str, interval: str, currency: str) -> Plan | None:
        return self._by_key.get((product, tier, interval, currency))

    def tiers(self, product: str) -> list[str]:
        return list(_PRODUCTS[product][2])

    def intervals(self, product: str, tier: str) -> list[str]:
        return list(_PRODUCTS[product][2][tier])

    def rows(self) -> list[tuple[str, ...]]:
        return [plan.row() for plan in self.plans]


@functools.cache
def catalogue() -> Catalogue:
    """The catalogue, built once per process (it is the same for every run)."""
    return Catalogue()
