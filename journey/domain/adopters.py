"""The adopters' measures (domain.md section 4): each approval's wait, A11
(households approved and waiting on a date), A12 (households matched in a
period who waited 3 months or more from approval) and the timeliness of the
adopters' steps (registration to approval, stage 1, stage 2).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from decimal import Decimal

from journey.domain.calendar import add_months
from journey.domain.milestones import Milestone, in_journey_order
from journey.domain.scorecard import percent

Date = datetime.date

A12_MONTHS = 3
# The adopters' steps the board report times: (name, start, end, target in months).
ADOPTER_STEPS = (
    ("registration_to_approval", "registration_of_interest", "approved", 6),
    ("stage1_within_2_months", "stage1_started", "stage1_completed", 2),
    ("stage2_within_4_months", "stage2_started", "approved", 4),
)


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


def step_times(journey: list[Milestone], start: str, end: str) -> list[tuple[Date, Date]]:
    """(start, end) dates for each `end` milestone of a household's journey, measured
    from the `start` that led to it: the latest on or before it and after any
    earlier `end`. An `end` with no such start is left out: a household approved
    again with no new registration of interest has no registration-to-approval
    time for that approval (the one before belongs to the first approval)."""
    pairs: list[tuple[Date, Date]] = []
    started: Date | None = None
    for milestone in in_journey_order(journey):
        if milestone.name == start:
            started = milestone.occurred_on
        elif milestone.name == end:
            if started is not None:
                pairs.append((started, milestone.occurred_on))
            started = None
    return pairs
