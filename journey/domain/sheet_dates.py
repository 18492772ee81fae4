"""Dates as adoption teams type them in their spreadsheet trackers.

English councils write the day first, always: `03/01/2018`, `3/1/18`, `3.1.18`,
`3-1-2018`, `3 Jan 2018`, `3rd January 18`, `03-Jan-18` are the 3rd of January
2018; `2018-01-03` is read as ISO (a time of 00:00 after any of them is dropped). A two-digit year is 20YY unless that is after
the current year (`journey.domain.clock.today()`), then 19YY. A spreadsheet's own
date cells are taken as they are, and an Excel serial number (a date cell shown
as a number, `43103`; five digits, 1927 to 2173) counts days from 30/12/1899.

A blank cell, `N/A`, `n/a`, `NA`, `-` and `TBC` are no date (`None`). Anything
else is not a date (`NotADate`): it is never guessed.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from journey.domain import clock
from journey.domain.errors import InvalidValue

NO_DATE = frozenset({"", "n/a", "na", "-", "tbc"})
EXCEL_DAY_ZERO = datetime.date(1899, 12, 30)
MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}

_NUMBERS = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDS = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[ \-/]+([a-z]+)\.?[ \-/,]+(\d{4}|\d{2})")
_MIDNIGHT = re.compile(r"[ t]00:00(?::00)?$")  # a date cell saved as text with its time
_SERIAL = re.compile(r"\d{5}(?:\.0+)?")


class NotADate(InvalidValue):
    rule = "not a date"


def is_no_date(value: Any) -> bool:
    """A blank cell, or one of the words teams put where a date is not yet known."""
    return value is None or (isinstance(value, str) and value.strip().lower() in NO_DATE)


def sheet_date(value: Any) -> datetime.date | None:
    """The date a spreadsheet cell holds; None for no date; `NotADate` otherwise."""
    if is_no_date(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise NotADate(f"{value!r} is not a date")
    if isinstance(value, (int, float)):
        if value != int(value) or not 10000 <= value <= 99999:
            raise NotADate(f"{value!r} is not a date (an Excel date number has five digits, e.g. 43103)")
        return EXCEL_DAY_ZERO + datetime.timedelta(days=int(value))
    text = str(value).strip()
    lowered = _MIDNIGHT.sub("", text.lower())
    try:
        if match := _NUMBERS.fullmatch(lowered):
            return _day(int(match[1]), int(match[3]), match[4])
        if match := _ISO.fullmatch(lowered):
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        if (match := _WORDS.fullmatch(lowered)) and match[2] in MONTHS:
            return _day(int(match[1]), MONTHS[match[2]], match[3])
        if _SERIAL.fullmatch(lowered):
            return EXCEL_DAY_ZERO + datetime.timedelta(days=int(float(lowered)))
    except ValueError:
        raise NotADate(f"{text!r} is not a date (no such day)") from None
    raise NotADate(f"{text!r} is not a date (day first: 03/01/2018, 3/1/18, 3 Jan 2018, 3.1.18 or 2018-01-03)")


def _day(day: int, month: int, year: str) -> datetime.date:
    return datetime.date(full_year(year), month, day)


def full_year(year: str) -> int:
    """A year as written: two digits are 20YY, or 19YY when 20YY is after this year."""
    if len(year) == 4:
        return int(year)
    this_year = clock.today().year
    return 2000 + int(year) if 2000 + int(year) <= this_year else 1900 + int(year)
