"""Time arithmetic and value formatting for the generator.

Instants are whole seconds since 0001-01-01T00:00:00 UTC (`date.toordinal() *
DAY`), so a day is `instant // DAY` and all arithmetic is on integers. Money is
integer minor units (cents) and only becomes text when a row is written.
Inside the generator an empty string is NULL (the CSV convention).
"""

from __future__ import annotations

import functools
from datetime import date

DAY = 86_400
HOUR = 3_600

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# Timestamp styles a customer's rows are written in. The instant is the same in
# every style; only the text differs (the contract converts offsets to UTC).
STYLE_Z = 0
STYLE_NAIVE = 1
OFFSETS: tuple[tuple[int, str], ...] = (
    (1 * HOUR, "+01:00"),
    (2 * HOUR, "+02:00"),
    (-5 * HOUR, "-05:00"),
    (5 * HOUR + 30 * 60, "+05:30"),
    (-8 * HOUR, "-08:00"),
)
STYLE_COUNT = 2 + len(OFFSETS)

_date_text: dict[int, str] = {}
_time_text: dict[int, str] = {}
_ymd: dict[int, tuple[int, int, int]] = {}


def days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def ymd(day: int) -> tuple[int, int, int]:
    """(year, month, day) of an ordinal day, cached."""
    found = _ymd.get(day)
    if found is None:
        value = date.fromordinal(day)
        found = (value.year, value.month, value.day)
        _ymd[day] = found
    return found


def date_text(day: int) -> str:
    """`YYYY-MM-DD` of an ordinal day, cached."""
    found = _date_text.get(day)
    if found is None:
        found = date.fromordinal(day).isoformat()
        _date_text[day] = found
    return found


def ordinal(year: int, month: int, day: int) -> int:
    return date(year, month, day).toordinal()


def add_months(day: int, months: int, anchor_day: int | None = None) -> int:
    """The ordinal day `months` calendar months after `day`.

    The day of month is `anchor_day` (default: `day`'s own), clamped to the
    target month's length, so a subscription anchored on the 31st bills on
    Jan 31, Feb 28, Mar 31 without drifting.
    """
    year, month, dom = ymd(day)
    total = year * 12 + month - 1 + months
    target_year, target_month = divmod(total, 12)
    target_month += 1
    wanted = anchor_day if anchor_day is not None else dom
    return ordinal(target_year, target_month, min(wanted, days_in_month(target_year, target_month)))


def next_month_start(day: int) -> int:
    year, month, _ = ymd(day)
    return ordinal(year + month // 12, month % 12 + 1, 1)


def boundary(anchor: int, unit: str, count: int, periods: int) -> int:
    """The instant `periods` billing intervals after the instant `anchor`."""
    if unit == "month" or unit == "year":
        months = count * periods * (12 if unit == "year" else 1)
        anchor_day = anchor // DAY
        return add_months(anchor_day, months) * DAY + anchor % DAY
    if unit == "week":
        return anchor + 7 * count * periods * DAY
    return anchor + count * periods * DAY


def _time_of_day_text(seconds: int) -> str:
    found = _time_text.get(seconds)
    if found is None:
        hours, rest = divmod(seconds, HOUR)
        minutes, secs = divmod(rest, 60)
        found = f"{hours:02d}:{minutes:02d}:{secs:02d}"
        _time_text[seconds] = found
    return found


def timestamp_text(instant: int, style: int) -> str:
    """ISO-8601 text of an instant in one of the styles (`Z`, no offset, or an offset)."""
    if style == STYLE_Z:
        day, seconds = divmod(instant, DAY)
        return f"{_date_text.get(day) or date_text(day)}T{_time_of_day_text(seconds)}Z"
    if style == STYLE_NAIVE:
        local, suffix, separator = instant, "", " "
    else:
        offset, suffix = OFFSETS[style - 2]
        local, separator = instant + offset, "T"
    day, seconds = divmod(local, DAY)
    return f"{date_text(day)}{separator}{_time_of_day_text(seconds)}{suffix}"


@functools.lru_cache(maxsize=1 << 16)
def money(cents: int) -> str:
    """Minor units as a plain decimal with two places (`-12.50`)."""
    if cents < 0:
        return "-" + money(-cents)
    return f"{cents // 100}.{cents % 100:02d}"


def percent_of(amount: int, percent: int) -> int:
    """`amount x percent / 100`, rounded half up (amount >= 0)."""
    return (amount * percent + 50) // 100


def basis_points_of(amount: int, basis_points: int) -> int:
    """`amount x basis_points / 10,000`, rounded half up (amount >= 0)."""
    return (amount * basis_points + 5_000) // 10_000
