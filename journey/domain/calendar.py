"""Calendar arithmetic the measures and the timescales share (domain.md sections 4 and 5).

- `add_months`: whole calendar months, clamped to the month's last day.
- `bank_holidays_in`, `is_working_day`, `add_working_days`: England's working days.
- `financial_year_of`, `financial_year_start`, `parse_financial_year`,
  `parse_quarter`, `parse_period`: financial years (April to March), their
  quarters and the multi-year periods of the scorecard, as users write them.

Pure functions of their arguments: nothing here reads today's date.
"""

from __future__ import annotations

import datetime
import functools
import re

import holidays

Date = datetime.date

# Days in each month of a year that is not a leap year (index 1 is January).
DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


# --------------------------------------------------------------------------- months


def is_leap_year(year: int) -> bool:
    """Whether `year` has a 29 February (as `calendar.isleap`)."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def add_months(day: Date, months: int) -> Date:
    """`day` moved by whole calendar months (back when `months` is negative),
    clamped to the last day of the month.

    31 December + 2 months is 28 February (29 in a leap year).
    """
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    day_of_month = day.day
    if day_of_month > 28:  # only then can the month be too short
        last_day = 29 if month == 2 and is_leap_year(year) else DAYS_IN_MONTH[month]
        day_of_month = min(day_of_month, last_day)
    return Date(year, month, day_of_month)


# --------------------------------------------------------------------------- working days


@functools.lru_cache(maxsize=None)
def bank_holidays_in(year: int) -> frozenset[Date]:
    """England's bank holidays in `year` (Easter Monday and August included)."""
    # Without subdiv="ENG" the library leaves out Easter Monday and the August
    # bank holiday. Building the calendar is slow (tens of ms), hence the cache.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: Date) -> bool:
    """Whether `day` is Monday to Friday and not a bank holiday in England."""
    return day.weekday() < 5 and day not in bank_holidays_in(day.year)


def add_working_days(start: Date, count: int) -> Date:
    """The `count`th working day after `start` (before it when `count` is negative).

    Counting begins the day after (or before) `start`, whatever kind of day
    `start` itself is.
    """
    step = datetime.timedelta(days=1 if count >= 0 else -1)
    day = start
    for _ in range(abs(count)):
        day += step
        while not is_working_day(day):
            day += step
    return day


# --------------------------------------------------------------------------- financial periods


def financial_year_of(day: Date) -> str:
    """The financial year (April to March) holding `day`, e.g. "2018-19"."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def financial_year_start(text: str, what: str = "a financial year", example: str = "2018-19") -> int:
    """The calendar year in which financial year "YYYY-YY" starts (2018 for "2018-19").

    Raises ValueError for anything else; `what` and `example` word the message for
    the caller's input (a quarter, say).
    """
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if not match:
        raise ValueError(f"{text!r} is not {what}: write it as {example}")
    start = int(match.group(1))
    if (start + 1) % 100 != int(match.group(2)):
        raise ValueError(
            f"{text!r} is not {what}: the two years must follow each other, "
            f"as in {start}-{(start + 1) % 100:02d}"
        )
    return start


def parse_financial_year(text: str) -> tuple[Date, Date]:
    """First and last day of financial year "2018-19": (2018-04-01, 2019-03-31)."""
    start = financial_year_start(text.strip())
    return Date(start, 4, 1), Date(start + 1, 3, 31)


def parse_quarter(text: str) -> tuple[Date, Date]:
    """First and last day of a financial quarter such as "2018-19-Q4".

    Q1 is April to June of the first year; Q4 is January to March of the second:
    "2018-19-Q4" gives (2019-01-01, 2019-03-31).
    """
    cleaned = text.strip()
    what = "a financial quarter"
    match = re.fullmatch(r"(.+)-[Qq](.*)", cleaned)
    if not match:
        raise ValueError(f"{text!r} is not {what}: write it as 2018-19-Q4")
    if match.group(2) not in ("1", "2", "3", "4"):
        raise ValueError(f"{text!r} is not {what}: the quarter is Q1, Q2, Q3 or Q4")
    start_year = financial_year_start(match.group(1), what, "2018-19-Q4")
    quarter = int(match.group(2))
    first_month = 4 + 3 * (quarter - 1)  # 4, 7, 10, 13 (January of the next year)
    first = add_months(Date(start_year, 1, 1), first_month - 1)
    last = add_months(first, 3) - datetime.timedelta(days=1)
    return first, last


# A span longer than this is almost surely a typo ("2019-16" would be 97 years).
LONGEST_PERIOD_YEARS = 10


def parse_period(text: str) -> tuple[Date, Date]:
    """First and last day of a measured period named as users write it.

    "2018-19-Q4" is a quarter; "2018-19" a financial year; "2016-19" the three
    years from 1 April 2016 to 31 March 2019 (the usual scorecard period).
    """
    cleaned = text.strip()
    if re.search(r"-[Qq]", cleaned):
        return parse_quarter(cleaned)
    match = re.fullmatch(r"(\d{4})-(\d{2})", cleaned)
    if not match:
        raise ValueError(
            f"{text!r} is not a period: write 2016-19 (years), 2018-19 (one year) "
            "or 2018-19-Q4 (a quarter)"
        )
    start = int(match.group(1))
    years = (int(match.group(2)) - start) % 100
    if not 1 <= years <= LONGEST_PERIOD_YEARS:
        raise ValueError(
            f"{text!r} is not a period: it must end 1 to {LONGEST_PERIOD_YEARS} "
            f"years after it starts, as in {start}-{(start + 3) % 100:02d}"
        )
    return Date(start, 4, 1), Date(start + years, 3, 31)
