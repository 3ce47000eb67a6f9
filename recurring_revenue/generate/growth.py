"""The sign-up curve: how many customers sign up on each day.

Sign-ups grow about fourfold from `start_date` to `end_date`, with a seasonal
pattern (January peak, summer and December dips) and quieter weekends. Customer
`i` of `n` signs up on the day at quantile `(i + u) / n` of the curve (`u`
uniform in [0, 1)), so customer ids are in sign-up order and the curve is met
exactly however the customers are split into chunks.
"""

from __future__ import annotations

import bisect
import functools
import math
from datetime import date

from recurring_revenue.generate.values import ymd

GROWTH_FACTOR = 4.0
_SEASON = (1.25, 1.1, 1.05, 1.0, 0.95, 0.9, 0.8, 0.85, 1.05, 1.05, 1.1, 0.85)
_WEEKDAY = (1.1, 1.1, 1.1, 1.05, 1.0, 0.75, 0.7)


class SignupCurve:
    """Relative sign-up weight of every day from `start` to `end` (inclusive)."""

    def __init__(self, start: date, end: date) -> None:
        self.first_day = start.toordinal()
        self.last_day = end.toordinal()
        span = max(1, self.last_day - self.first_day)
        self.weights: list[float] = []
        cumulative: list[float] = []
        total = 0.0
        for day in range(self.first_day, self.last_day + 1):
            _, month, _ = ymd(day)
            growth = math.exp(math.log(GROWTH_FACTOR) * (day - self.first_day) / span)
            weight = growth * _SEASON[month - 1] * _WEEKDAY[(day + 6) % 7]
            self.weights.append(weight)
            total += weight
            cumulative.append(total)
        self.total = total
        self._cumulative = cumulative

    def day_at(self, quantile: float) -> int:
        """The ordinal day at `quantile` (0 <= quantile < 1) of all sign-ups."""
        position = bisect.bisect_right(self._cumulative, quantile * self.total)
        return self.first_day + min(position, len(self._cumulative) - 1)

    def share(self, day: int) -> float:
        """The share of all sign-ups that happen on `day` (0 outside the range)."""
        if day < self.first_day or day > self.last_day:
            return 0.0
        return self.weights[day - self.first_day] / self.total


@functools.lru_cache(maxsize=4)
def signup_curve(start: date, end: date) -> SignupCurve:
    return SignupCurve(start, end)
