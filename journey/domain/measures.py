"""The national adoption measures (domain.md section 4) as pure functions.

Nothing here reads storage or the clock. Callers pass a child's milestones (as
`journey.milestones.Milestone`, corrections applied) or the dates a projection stored,
and get back dates and figures:

- `measure_dates` / `child_measure_dates`: the dates the scorecard uses for an adopted
  child; `current_dates` / `days_waiting`: where a child not yet adopted stands.
- `scorecard`: A1, A2, A3 and A10 for a period, judged against `thresholds.toml`.
(Financial periods and calendar months are in `journey.domain.calendar`.)
- `approval_waits`, `households_waiting` (A11), `a12`, `waited_months`: adopters.
- `board_counts`: the context counts of a quarterly board report.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

# (parse_* are imported from here by journey.cli.figures.)
from journey.domain.calendar import (  # noqa: F401
    add_months,
    financial_year_of,
    financial_year_start,
    parse_financial_year,
    parse_period,
    parse_quarter,
)
from journey.domain.milestones import Milestone, in_journey_order, is_court_authority

Date = datetime.date

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.toml")

# Data-quality problems, in the words shown to trackers and auditors.
NO_PLACEMENT = "adopted with no placement"
NO_ENTRY_TO_CARE = "placed with no entry to care recorded"
NO_MATCH = "placed with no match recorded"
NO_PLACEMENT_ORDER = "no placement order or consent recorded in the period of care"
LAST_PLACEMENT_DISRUPTED = "the last placement before the adoption order ended in a disruption"

A3_MONTHS = 14
A12_MONTHS = 3


def _days(start: Date, end: Date) -> int:
    return (end - start).days


# --------------------------------------------------------------------------
# The dates the measures use, from a child's milestones
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MeasureDates:
    """The dates of an adopted child that the national measures use.

    Every date but `adoption_order_on` may be None when it was not recorded.
    `data_quality` names gaps that change the measures ("adopted with no
    placement"; several are joined with "; "), or is None.
    """

    adoption_order_on: Date
    placed_on: Date | None
    entered_care_on: Date | None
    moved_in_on: Date | None
    authority_on: Date | None
    matched_on: Date | None
    data_quality: str | None = None


@dataclasses.dataclass(frozen=True)
class ChildMeasureDates:
    """`MeasureDates` of one child, with who the child is: the row a projection
    stores and passes back to `scorecard`."""

    child_ref: str
    local_authority: str
    adoption_order_on: Date
    placed_on: Date | None
    entered_care_on: Date | None
    moved_in_on: Date | None
    authority_on: Date | None
    matched_on: Date | None
    data_quality: str | None = None

    @classmethod
    def of(cls, child_ref: str, local_authority: str, dates: MeasureDates) -> ChildMeasureDates:
        """The child's `MeasureDates` with their case id and council."""
        return cls(child_ref, local_authority, **dataclasses.asdict(dates))


def _as_date(value: Any) -> Date | None:
    if value is None or value == "":
        return None
    if isinstance(value, Date):
        return value
    return Date.fromisoformat(str(value))


def _moved_in_on(placed: Milestone, in_period: list[Milestone]) -> Date:
    """When the child began to live with the household they were placed with.

    The `moved_in_on` detail wins when given. Otherwise, unless the placement says
    it is not a foster-carer adoption, the first early permanence placement (FfA or
    concurrent) with the same household in the same period of care: those carers
    adopting is what a foster-carer adoption is. Never later than `placed_on`.
    """
    placed_on = placed.occurred_on
    detail = _as_date(placed.details.get("moved_in_on"))
    if detail is not None:
        return min(detail, placed_on)
    if placed.details.get("foster_carer_adoption") is False or placed.household is None:
        return placed_on
    for milestone in in_period:
        if (
            milestone.name == "early_permanence_placement"
            and milestone.household == placed.household
            and milestone.occurred_on <= placed_on
        ):
            return milestone.occurred_on
    return placed_on


def measure_dates(milestones: list[Milestone]) -> MeasureDates | None:
    """The scorecard dates of a child with an adoption order; None without one.

    Uses the last `adoption_order`. `placed_on` is the last `placed` on or before it;
    `entered_care_on` the last `entered_care` on or before `placed_on` (so a child
    who re-entered care counts from the re-entry); `authority_on` the first
    placement or freeing order (not consent) from `entered_care_on` to the adoption
    order; `matched_on` the last `matched` on or before `placed_on` (after a
    disruption, the second match); `moved_in_on` see `_moved_in_on`.

    A child adopted with no placement gets `placed_on` and `moved_in_on` None and the
    problem in `data_quality`; the other dates are then looked for up to the
    adoption order, for the tracker putting the record right.
    """
    return measure_dates_of_journey(in_journey_order(milestones))


def measure_dates_of_journey(journey: list[Milestone]) -> MeasureDates | None:
    """`measure_dates` of milestones already in journey order (`in_journey_order`):
    the projection sorts each journey once."""
    # Each rule looks at one or two names: find each name's milestones (in journey
    # order) in one pass, rather than pass over the whole journey once per rule.
    by_name = _by_name(journey)
    orders = by_name.get("adoption_order")
    if not orders:
        return None
    adoption_order_on = orders[-1].occurred_on
    placed = _last_by(by_name.get("placed", ()), adoption_order_on)
    placed_on = placed.occurred_on if placed else None
    cut_off = placed_on or adoption_order_on

    entered = _last_by(by_name.get("entered_care", ()), cut_off)
    entered_care_on = entered.occurred_on if entered else None

    # The period of care in which the child was adopted; unknown start = whole record.
    def in_period(name: str) -> list[Milestone]:
        return [
            m
            for m in by_name.get(name, ())
            if (entered_care_on is None or m.occurred_on >= entered_care_on)
            and m.occurred_on <= adoption_order_on
        ]

    orders_in_period = in_period("placement_order")
    authority = next((m for m in orders_in_period if is_court_authority(m)), None)
    matched = _last_by(by_name.get("matched", ()), cut_off)

    return MeasureDates(
        adoption_order_on=adoption_order_on,
        placed_on=placed_on,
        entered_care_on=entered_care_on,
        # (of the period's milestones `_moved_in_on` looks only at early permanence placements)
        moved_in_on=_moved_in_on(placed, in_period("early_permanence_placement")) if placed else None,
        authority_on=authority.occurred_on if authority else None,
        matched_on=matched.occurred_on if matched else None,
        data_quality=_data_quality(by_name.get("disruption", ()), placed, entered, matched, orders_in_period),
    )


def _by_name(journey: list[Milestone]) -> dict[str, list[Milestone]]:
    """The milestones of each name, in the order of `journey`."""
    found: dict[str, list[Milestone]] = {}
    for m in journey:
        same = found.get(m.name)
        if same is None:
            found[m.name] = [m]
        else:
            same.append(m)
    return found


def _last_by(milestones: Iterable[Milestone], on_or_before: Date) -> Milestone | None:
    """The last of `milestones` (all of one name) that occurred on or before `on_or_before`."""
    found = None
    for milestone in milestones:
        if milestone.occurred_on <= on_or_before:
            found = milestone
    return found


def _data_quality(
    milestones: Iterable[Milestone],
    placed: Milestone | None,
    entered: Milestone | None,
    matched: Milestone | None,
    orders_in_period: list[Milestone],
) -> str | None:
    """The gaps that change an adopted child's measures, or None (`milestones`:
    the child's, or any of them that include all its disruptions)."""
    if placed is None:
        # Out of every measure: the other gaps no longer matter to the figures.
        return NO_PLACEMENT
    problems = []
    if entered is None:
        problems.append(NO_ENTRY_TO_CARE)
    if matched is None:
        problems.append(NO_MATCH)
    if not orders_in_period:
        problems.append(NO_PLACEMENT_ORDER)
    if any(m.name == "disruption" and m.sort_key > placed.sort_key for m in milestones):
        problems.append(LAST_PLACEMENT_DISRUPTED)
    return "; ".join(problems) or None


def child_measure_dates(
    child_ref: str, local_authority: str, milestones: list[Milestone]
) -> ChildMeasureDates | None:
    """`measure_dates` of one child as a row for `scorecard`; None if not adopted."""
    dates = measure_dates(milestones)
    return None if dates is None else ChildMeasureDates.of(child_ref, local_authority, dates)


@dataclasses.dataclass(frozen=True)
class CurrentDates:
    """Where a child's current period of care stands, as dates (None = not yet).

    `decision_on` is the `adm_decision` in force (None after a `decision_reversed`
    with no new decision). A `disruption` clears `matched_on` and `placed_on`: the
    child is waiting again. `left_care_on` is set when the child left care after
    entering it. `authority_on` is the first placement or freeing order of the period.
    """

    entered_care_on: Date | None
    decision_on: Date | None
    authority_on: Date | None
    matched_on: Date | None
    placed_on: Date | None
    left_care_on: Date | None
    adoption_order_on: Date | None

    @property
    def waiting(self) -> bool:
        """True for a child with a decision to place for adoption, not yet placed,
        still in care and not adopted."""
        return (
            self.decision_on is not None
            and self.placed_on is None
            and self.left_care_on is None
            and self.adoption_order_on is None
        )


def current_dates(milestones: list[Milestone], on: Date | None = None) -> CurrentDates:
    """The child's dates in the current period of care, as known on `on`.

    With `on`, milestones that happened after it are ignored (for a list as it stood
    on a past date); without it, every milestone counts. `entered_care` starts a
    new period and forgets the last one.
    """
    return current_dates_of_journey(in_journey_order(milestones), on)


def current_dates_of_journey(journey: list[Milestone], on: Date | None = None) -> CurrentDates:
    """`current_dates` of milestones already in journey order (`in_journey_order`):
    the projection sorts each journey once."""
    # The dates as local names, rather than a dict of the fields: 10,000 children a rebuild.
    entered = decision = authority = matched = placed = left = adopted = None
    for milestone in journey:
        day = milestone.occurred_on
        if on is not None and day > on:
            break
        name = milestone.name
        if name == "entered_care":
            entered, decision, authority, matched, placed, left, adopted = day, None, None, None, None, None, None
        elif name == "adm_decision":
            decision = day
        elif name == "decision_reversed":
            decision = matched = placed = None
        elif name == "placement_order":
            if authority is None and is_court_authority(milestone):
                authority = day
        elif name == "matched":
            matched = day
        elif name == "placed":
            placed = day
        elif name == "disruption":
            matched = placed = None
        elif name == "left_care":
            left = day
        elif name == "adoption_order":
            adopted = day
    return CurrentDates(
        entered_care_on=entered, decision_on=decision, authority_on=authority, matched_on=matched,
        placed_on=placed, left_care_on=left, adoption_order_on=adopted,
    )


def days_waiting(milestones: list[Milestone], on: Date) -> int | None:
    """Days on `on` since the decision to place for adoption, for a child who is
    waiting (see `CurrentDates.waiting`); None for a child who is not."""
    current = current_dates(milestones, on)
    return _days(current.decision_on, on) if current.waiting else None


# --------------------------------------------------------------------------
# One child's contribution to each measure
# --------------------------------------------------------------------------


def a1_days(child: ChildMeasureDates) -> int | None:
    """Days from entering care to being placed; None when out of A1."""
    if child.placed_on is None or child.entered_care_on is None:
        return None
    return _days(child.entered_care_on, child.placed_on)


def a2_days(child: ChildMeasureDates) -> int | None:
    """Days from court authority to the match, 0 when matched before authority;
    None when out of A2 (no placement, no court authority, or no match)."""
    if child.placed_on is None or child.authority_on is None or child.matched_on is None:
        return None
    return max(0, _days(child.authority_on, child.matched_on))


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
    return max(0, _days(child.entered_care_on, child.moved_in_on))


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
    """The thresholds file (journey/thresholds.toml unless told otherwise)."""
    return thresholds_from_toml(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------
# The scorecard
# --------------------------------------------------------------------------


def average_days(days: list[int]) -> int | None:
    """Mean of whole days rounded to the nearest day, half up (400.5 -> 401);
    None for no days."""
    if not days:
        return None
    mean = Decimal(sum(days)) / Decimal(len(days))
    return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


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


def _average_measure(days: list[int], threshold: int | None) -> AverageMeasure:
    average = average_days(days)
    met = None if average is None or threshold is None else average <= threshold
    return AverageMeasure(len(days), average, threshold, met)


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
    which `period_to` falls, from journey/thresholds.toml unless `thresholds` is given.
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
        a1=_average_measure(a1, in_force.a1_days),
        a2=_average_measure(a2, in_force.a2_days),
        a3=WithinMeasure(len(within), sum(within), percent(sum(within), len(within))),
        a10=_average_measure(a10, in_force.a10_days),
        data_quality=tuple(problems),
        thresholds=in_force,
    )


# --------------------------------------------------------------------------
# Adopters (A11, A12)
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class AdopterWait:
    """One approval of a household and how it ended: matched, withdrawn, or neither
    yet (still waiting)."""

    household: str
    approved_on: Date
    matched_on: Date | None = None
    withdrawn_on: Date | None = None


def approval_waits(household: str, milestones: list[Milestone]) -> list[AdopterWait]:
    """Each approval of a household with its first match or withdrawal after it.

    An `approved` while the household is still waiting from an earlier approval
    does not restart the wait: they have been waiting since the first.
    """
    waits: list[AdopterWait] = []
    for milestone in in_journey_order(milestones):
        current = waits[-1] if waits else None
        still_waiting = current is not None and not (current.matched_on or current.withdrawn_on)
        day = milestone.occurred_on
        if milestone.name == "approved" and not still_waiting:
            waits.append(AdopterWait(household, day))
        elif milestone.name == "matched" and still_waiting:
            waits[-1] = dataclasses.replace(current, matched_on=day)
        elif milestone.name == "withdrawn" and still_waiting:
            waits[-1] = dataclasses.replace(current, withdrawn_on=day)
    return waits


def waited_months(approved_on: Date, matched_on: Date) -> int:
    """Whole calendar months from approval to match (a month is complete on the same
    day of the month, clamped to month end: 31 January to 28 February is 1); 0 for a
    match on or before approval."""
    months = (matched_on.year - approved_on.year) * 12 + matched_on.month - approved_on.month
    if months > 0 and add_months(approved_on, months) > matched_on:
        months -= 1
    return max(0, months)


def households_waiting(waits: Iterable[AdopterWait], on: Date) -> list[AdopterWait]:
    """A11: the approvals still waiting on `on` (approved by then, neither matched
    nor withdrawn by then)."""
    return [
        w
        for w in waits
        if w.approved_on <= on
        and (w.matched_on is None or w.matched_on > on)
        and (w.withdrawn_on is None or w.withdrawn_on > on)
    ]


@dataclasses.dataclass(frozen=True)
class A12Measure:
    """A12: households matched in the period, how many waited 3 months or more from
    approval, and that as a percent (None with no households)."""

    households: int
    waited_3_months_or_more: int
    percent: Decimal | None


def a12(waits: Iterable[AdopterWait], period_from: Date, period_to: Date) -> A12Measure:
    """A12 over the approvals whose match falls in [period_from, period_to]."""
    matched = [w for w in waits if w.matched_on and period_from <= w.matched_on <= period_to]
    long_waits = sum(waited_months(w.approved_on, w.matched_on) >= A12_MONTHS for w in matched)
    return A12Measure(len(matched), long_waits, percent(long_waits, len(matched)))


# --------------------------------------------------------------------------
# Context counts for a board report
# --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BoardCounts:
    """Milestones that happened in a period, counted across children.

    `placement_orders` counts placement and freeing orders, not consent.
    `interagency_placements` counts placements whose match (the last `matched` with
    the same household on or before it) was interagency.
    """

    adm_decisions: int
    placement_orders: int
    matches: int
    placements: int
    adoption_orders: int
    decisions_reversed: int
    decisions_reversed_by_reason: Mapping[str, int]
    early_permanence_placements: int
    interagency_placements: int
    disruptions: int


def _is_interagency(placed: Milestone, journey: list[Milestone]) -> bool:
    match = None
    for milestone in journey:
        if milestone.sort_key > placed.sort_key:
            break
        if milestone.name == "matched" and milestone.household == placed.household:
            match = milestone
    return bool(match and match.details.get("interagency") is True)


def board_counts(
    journeys: Iterable[list[Milestone]], period_from: Date, period_to: Date
) -> BoardCounts:
    """Counts of each child's milestones in [period_from, period_to]; `journeys`
    holds one list of milestones per child."""
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for milestones in journeys:
        journey = in_journey_order(milestones)
        for m in journey:
            if not period_from <= m.occurred_on <= period_to:
                continue
            if m.name == "placement_order" and not is_court_authority(m):
                continue
            counts[m.name] += 1
            if m.name == "decision_reversed":
                reasons[m.details.get("reason") or "not recorded"] += 1
            if m.name == "placed" and _is_interagency(m, journey):
                counts["interagency"] += 1
    return BoardCounts(
        adm_decisions=counts["adm_decision"],
        placement_orders=counts["placement_order"],
        matches=counts["matched"],
        placements=counts["placed"],
        adoption_orders=counts["adoption_order"],
        decisions_reversed=counts["decision_reversed"],
        decisions_reversed_by_reason=dict(sorted(reasons.items())),
        early_permanence_placements=counts["early_permanence_placement"],
        interagency_placements=counts["interagency"],
        disruptions=counts["disruption"],
    )
