"""Calendar arithmetic for statutory intervals: "one year" is the same date next year.

A month or year added to a day that does not exist in the target month lands on that month's last
day (29 February + 1 year → 28 February), the usual calendar convention (as dateutil's relativedelta).
"""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def age_on(birth: date, day: date) -> int:
    """Completed years (周岁) on `day`; a 29 February birthday counts from 28 February in common years."""
    years = day.year - birth.year
    return years if add_years(birth, years) <= day else years - 1


def months_between(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (0 if `end` is before one month has passed)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return max(months, 0)
