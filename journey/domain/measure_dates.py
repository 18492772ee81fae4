"""The dates of an adopted child that the national measures use (domain.md section 4).

`measure_dates` (and `measure_dates_of_journey`, for milestones already in journey
order) picks them from a child's current milestones; `child_measure_dates` adds who
the child is, as the row a projection stores and `journey.domain.scorecard` reads.
Gaps that change the measures are named in `data_quality`.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from journey.domain.milestones import Milestone, in_journey_order, is_court_authority

Date = datetime.date

# Data-quality problems, in the words shown to trackers and auditors.
NO_PLACEMENT = "adopted with no placement"
NO_ENTRY_TO_CARE = "placed with no entry to care recorded"
NO_MATCH = "placed with no match recorded"
NO_PLACEMENT_ORDER = "no placement order or consent recorded in the period of care"
LAST_PLACEMENT_DISRUPTED = "the last placement before the adoption order ended in a disruption"


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
