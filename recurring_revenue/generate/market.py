"""Exchange rates and marketing spend (the two small tables not tied to a customer).

fx_rates: one rate per day for EUR, GBP and DKK (USD is the reporting currency
and needs none), from 90 days before `start_date` to `end_date`, without gaps.
A seeded random walk with mean reversion; weekend days repeat Friday's rate, as
reference-rate feeds do. DKK follows EUR through its peg (about 7.46 DKK per EUR).

marketing_spend: spend per day and channel, sized to the sign-up curve and
each channel's share of acquisitions, so CAC is stable over time:
`paid_search` and `paid_social` daily in USD, `partners` weekly (Mondays) in
EUR, `events` on one or two event days a month in USD.
"""

from __future__ import annotations

import math
import random

from recurring_revenue.generate.catalogue import ACQUISITION_CHANNELS, MARKETING_CHANNELS
from recurring_revenue.generate.config import GeneratorConfig, stream
from recurring_revenue.generate.growth import signup_curve
from recurring_revenue.generate.values import date_text, next_month_start, ymd

FX_LEAD_DAYS = 90
FX_CURRENCIES: tuple[str, ...] = ("DKK", "EUR", "GBP")
_EUR_USD = 1.10
_GBP_USD = 1.27
_DKK_PER_EUR = 7.46

# channel -> (currency, target acquisition cost per customer in USD)
_CHANNEL_COST: dict[str, tuple[str, float]] = {
    "paid_search": ("USD", 160.0),
    "paid_social": ("USD", 130.0),
    "partners": ("EUR", 250.0),
    "events": ("USD", 400.0),
}
_USD_TO_EUR = 0.92

Row = tuple[str, ...]


def fx_first_day(config: GeneratorConfig) -> int:
    return config.start_date.toordinal() - FX_LEAD_DAYS


def fx_rows(config: GeneratorConfig) -> list[Row]:
    """Daily rates to USD for every non-USD currency, ordered by date then currency."""
    rng = stream(config.seed, "fx-rates")
    eur = math.log(_EUR_USD) + rng.gauss(0, 0.03)
    gbp = math.log(_GBP_USD) + rng.gauss(0, 0.03)
    peg = _DKK_PER_EUR
    rows: list[Row] = []
    for day in range(fx_first_day(config), config.end_date.toordinal() + 1):
        if (day + 6) % 7 < 5:
            eur += rng.gauss(0, 0.0035) + 0.01 * (math.log(_EUR_USD) - eur)
            gbp += rng.gauss(0, 0.0032) + 0.01 * (math.log(_GBP_USD) - gbp)
            peg = _DKK_PER_EUR + rng.gauss(0, 0.004)
        text = date_text(day)
        eur_rate = math.exp(eur)
        rates = {"DKK": eur_rate / peg, "EUR": eur_rate, "GBP": math.exp(gbp)}
        for currency in FX_CURRENCIES:
            rows.append((text, currency, f"{rates[currency]:.8f}"))
    return rows


def marketing_rows(config: GeneratorConfig) -> list[Row]:
    """Spend per day and channel, ordered by date then channel."""
    rng = stream(config.seed, "marketing-spend")
    curve = signup_curve(config.start_date, config.end_date)
    weights = dict(ACQUISITION_CHANNELS)
    total_weight = sum(weights.values())
    first, last = curve.first_day, curve.last_day
    event_days = _event_days(first, last, rng)
    rows: list[Row] = []
    for day in range(first, last + 1):
        text = date_text(day)
        for channel in sorted(MARKETING_CHANNELS):
            currency, cost = _CHANNEL_COST[channel]
            share = weights[channel] / total_weight
            if channel == "partners":
                if (day + 6) % 7 != 0:
                    continue
                customers = sum(curve.share(day + offset) for offset in range(7))
                cost *= _USD_TO_EUR
            elif channel == "events":
                days = event_days.get(day)
                if days is None:
                    continue
                month_end = next_month_start(day) - 1
                month_first = month_end - ymd(month_end)[2] + 1
                customers = sum(curve.share(other) for other in range(month_first, month_end + 1))
                customers /= days
            else:
                customers = curve.share(day)
            expected = config.customers * share * customers * cost
            cents = max(100, round(expected * math.exp(rng.gauss(0, 0.2)) * 100))
            rows.append((text, channel, f"{cents // 100}.{cents % 100:02d}", currency))
    return rows


def _event_days(first: int, last: int, rng: random.Random) -> dict[int, int]:
    """The event days of each month (one or two), mapped to that month's count of them."""
    result: dict[int, int] = {}
    month = first - ymd(first)[2] + 1
    while month <= last:
        following = next_month_start(month)
        count = rng.choice((1, 2))
        days = sorted(rng.sample(range(month, following), count))
        for day in days:
            if first <= day <= last:
                result[day] = count
        month = following
    return result
