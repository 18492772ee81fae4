"""Where a child's current period of care stands, and whether the child is waiting
(domain.md section 2).

**Waiting** has one definition, `CurrentDates.waiting`, used by the `children` read
model (and so `journey waiting`), the board report and the stage: a child with an
`adm_decision` in the current plan of the current period of care, not yet placed,
not exited. A new `entered_care` starts a new period of care even when no
`left_care` was recorded (a gap): a decision from an earlier period does not count.
"""

from __future__ import annotations

import dataclasses
import datetime

from journey.domain.milestones import Milestone, in_journey_order, is_court_authority

Date = datetime.date


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
    return (on - current.decision_on).days if current.waiting else None
