"""The scorecard (domain.md section 4): A1, A2, A3 and A10 for a period, judged
against the thresholds in `thresholds.toml`.

Each cohort child's days per measure (`a1_days`, `a2_days`, `a10_days`,
`placed_within_14_months`) come from its `journey.domain.measure_dates` row;
`scorecard` averages them (`average_days`: whole days, half up) and gives the
percent (`percent`: one decimal place, half up) for the children adopted in the period.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import tomllib
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from journey.domain.calendar import add_months, financial_year_of, financial_year_start
from journey.domain.measure_dates import ChildMeasureDates

Date = datetime.date

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.toml")

A3_MONTHS = 14


# --------------------------------------------------------------------------
# One child's contribution to each measure
# --------------------------------------------------------------------------


def a1_days(child: ChildMeasureDates) -> int | None:
    """Days from entering care to being placed; None when out of A1."""
    if child.placed_on is None or child.entered_care_on is None:
        return None
    return (child.placed_on - child.entered_care_on).days


def a2_days(child: ChildMeasureDates) -> int | None:
    """Days from court authority to the match, 0 when matched before authority;
    None when out of A2 (no placement, no court authority, or no match)."""
    if child.placed_on is None or child.authority_on is None or child.matched_on is None:
        return None
    return max(0, (child.matched_on - child.authority_on).days)


def placed_within_14_months(child: ChildMeasureDates) -> bool | None:
    """A3: placed BEFORE entered care + 14 calendar months (on that date is not
    within); None when out of A1."""
    if a1_days(child) is None:
        return None
    return child.placed_on < add_months(child.entered_care_on, A3_MONTHS)


def a10_days(child: ChildMeasureDates) -> int | None:
    """Days from entering care to moving in with the adopters, never below 0;
    None when out of A10."""
    if child.placed_on is None or child.entered_care_on is None or child.moved_in_on is None:
        return None
    return max(0, (child.moved_in_on - child.entered_care_on).days)


# --------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """The thresholds (days) for periods ending in one financial year.

    `financial_year` is the entry in thresholds.toml they come from (None, and every
    threshold None, before the first entry); `status` is "verified" or "announced".
    """

    financial_year: str | None
    a1_days: int | None
    a2_days: int | None
    a10_days: int | None
    status: str | None = None


class ThresholdTable:
    """Thresholds by financial year; a year's values hold until a later entry."""

    def __init__(self, by_year: Mapping[str, Thresholds]):
        for year in by_year:
            financial_year_start(year)
        self._by_year = dict(sorted(by_year.items()))

    def for_financial_year(self, financial_year: str) -> Thresholds:
        """The thresholds in force for periods ending in `financial_year`."""
        financial_year_start(financial_year)
        in_force = [t for year, t in self._by_year.items() if year <= financial_year]
        return in_force[-1] if in_force else Thresholds(None, None, None, None)

    def for_period_ending(self, period_to: Date) -> Thresholds:
        """The thresholds for a period whose last day is `period_to`."""
        return self.for_financial_year(financial_year_of(period_to))


def thresholds_from_toml(text: str) -> ThresholdTable:
    """A `ThresholdTable` from the text of a thresholds file (see thresholds.toml)."""
    data = tomllib.loads(text)
    return ThresholdTable(
        {
            year: Thresholds(year, row.get("A1"), row.get("A2"), row.get("A10"), row.get("status"))
            for year, row in data.get("thresholds", {}).items()
        }
    )


@functools.cache
def load_thresholds(path: Path = THRESHOLDS_FILE) -> ThresholdTable:
    """The thresholds file (journey/domain/thresholds.toml unless told otherwise)."""
    return thresholds_from_toml(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------
# The scorecard
# --------------------------------------------------------------------------


def mean_days(total: int | None, count: int) -> int | None:
    """The mean of `count` whole days that add up to `total`, rounded to the
    nearest day, half up (801 days over 2 children -> 401); None for no children."""
    if not count:
        return None
    return int((Decimal(total) / Decimal(count)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def average_days(days: list[int]) -> int | None:
    """Mean of whole days rounded to the nearest day, half up (400.5 -> 401);
    None for no days (`mean_days` of their sum and number)."""
    return mean_days(sum(days), len(days))


def percent(part: int, whole: int) -> Decimal | None:
    """`part` as a percentage of `whole`, one decimal place, half up (6.25 -> 6.3);
    None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclasses.dataclass(frozen=True)
class AverageMeasure:
    """An average-days measure (A1, A2, A10): how many children it counts, their
    average (None with no children), the threshold and whether it is met (None
    when there is no average or no threshold)."""

    children: int
    average_days: int | None
    threshold_days: int | None
    met: bool | None

    def to_json_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class WithinMeasure:
    """A3: children counted, how many were placed within 14 months, and the percent."""

    children: int
    within_14_months: int
    percent: Decimal | None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "children": self.children,
            "within_14_months": self.within_14_months,
            "percent": None if self.percent is None else float(self.percent),
        }


@dataclasses.dataclass(frozen=True)
class DataQualityProblem:
    """A cohort child whose record changes the measures, and why."""

    child_ref: str
    local_authority: str
    problem: str


@dataclasses.dataclass(frozen=True)
class Scorecard:
    """A1, A2, A3 and A10 for the children adopted from `period_from` to `period_to`."""

    period_from: Date
    period_to: Date
    a1: AverageMeasure
    a2: AverageMeasure
    a3: WithinMeasure
    a10: AverageMeasure
    data_quality: tuple[DataQualityProblem, ...]
    thresholds: Thresholds

    def to_json_dict(self, local_authority: str | None = None) -> dict[str, Any]:
        """The scorecard as JSON-ready values; `local_authority` labels it (None for
        a whole RAA or country)."""
        return {
            "from": self.period_from.isoformat(),
            "to": self.period_to.isoformat(),
            "local_authority": local_authority,
            "A1": self.a1.to_json_dict(),
            "A2": self.a2.to_json_dict(),
            "A3": self.a3.to_json_dict(),
            "A10": self.a10.to_json_dict(),
            "data_quality": [dataclasses.asdict(p) for p in self.data_quality],
        }


def average_measure(total: int | None, count: int, threshold: int | None) -> AverageMeasure:
    """An average-days measure of `count` children whose days add up to `total`,
    judged against `threshold` (met when the average is at or below it). The one
    way A1, A2 and A10 are averaged, from the children's days (`scorecard`) or
    from sums the read models keep."""
    average = mean_days(total, count)
    met = None if average is None or threshold is None else average <= threshold
    return AverageMeasure(count, average, threshold, met)


def in_cohort(child: ChildMeasureDates, period_from: Date, period_to: Date) -> bool:
    """True when the child's adoption order falls in the period (both ends included)."""
    return period_from <= child.adoption_order_on <= period_to


def scorecard(
    children: Iterable[ChildMeasureDates],
    period_from: Date,
    period_to: Date,
    thresholds: ThresholdTable | None = None,
) -> Scorecard:
    """The scorecard for the children adopted in [period_from, period_to].

    Children adopted outside the period are ignored. A child with no placement is
    out of every measure; cohort children with any `data_quality` problem are listed
    (sorted by council and case id). Thresholds are those of the financial year in
    which `period_to` falls, from journey/domain/thresholds.toml unless `thresholds` is given.
    """
    if period_from > period_to:
        raise ValueError(f"the period starts ({period_from}) after it ends ({period_to})")
    cohort = [c for c in children if in_cohort(c, period_from, period_to)]
    in_force = (thresholds or load_thresholds()).for_period_ending(period_to)

    a1 = [d for d in map(a1_days, cohort) if d is not None]
    a2 = [d for d in map(a2_days, cohort) if d is not None]
    a10 = [d for d in map(a10_days, cohort) if d is not None]
    within = [w for w in map(placed_within_14_months, cohort) if w is not None]
    problems = sorted(
        (
            DataQualityProblem(c.child_ref, c.local_authority, c.data_quality)
            for c in cohort
            if c.data_quality
        ),
        key=lambda p: (p.local_authority, p.child_ref),
    )
    return Scorecard(
        period_from=period_from,
        period_to=period_to,
        a1=average_measure(sum(a1), len(a1), in_force.a1_days),
        a2=average_measure(sum(a2), len(a2), in_force.a2_days),
        a3=WithinMeasure(len(within), sum(within), percent(sum(within), len(within))),
        a10=average_measure(sum(a10), len(a10), in_force.a10_days),
        data_quality=tuple(problems),
        thresholds=in_force,
    )
