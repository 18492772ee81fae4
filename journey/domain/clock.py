"""The one seam through which the tracker reads the date and time.

Everything that needs "today" or "now" calls these functions. Tests and
operators can fix the date with `JOURNEY_TODAY=YYYY-MM-DD` (for example to
rehearse a sweep on a past date); tests may also call `set_today`.
"""

from __future__ import annotations

import datetime
import os
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_fixed_today: datetime.date | None = None
_fixed_now: datetime.datetime | None = None


def set_today(day: datetime.date | None) -> None:
    """Fix the date the tracker sees (None returns to the real clock)."""
    global _fixed_today
    _fixed_today = day


def today() -> datetime.date:
    """Today's date in England."""
    if _fixed_today is not None:
        return _fixed_today
    fixed = os.environ.get("JOURNEY_TODAY")
    if fixed:
        return datetime.date.fromisoformat(fixed)
    return datetime.datetime.now(LONDON).date()


def now() -> datetime.datetime:
    """The current time, aware, in UTC (fixed by `set_now`, for tests)."""
    if _fixed_now is not None:
        return _fixed_now.astimezone(datetime.timezone.utc)
    return datetime.datetime.now(datetime.timezone.utc)


def set_now(moment: datetime.datetime | None) -> None:
    """Fix the time `now()` gives (aware; None returns to the real clock): for tests
    of what expires (failed sign-ins, sessions)."""
    global _fixed_now
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _fixed_now = moment
