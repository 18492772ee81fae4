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

from journey.domain.milestones import Milestone, current_period_of_care, in_journey_order, is_court_authority

Date = datetime.date

# The stages at which a waiting child can be (`journey.domain.stages`); a child at
# one of them is waiting when there is a decision in the current plan (a tracker
# who starts mid-journey may have recorded a placement order and no decision: a gap).
WAITING_STAGES = ("decision", "authority", "matched")


@dataclasses.dataclass(frozen=True)
class CurrentDates:
    """Where a child's current period of care stands, as dates (None = not yet).

    `decision_on` is the `adm_decision` in force (None after a `decision_reversed`
    with no new decision; a match or placement recorded then belongs to no plan and
    is left out). A `disruption` clears `matched_on` and `placed_on`: the child is
    waiting again. `left_care_on` is set when the child left care after entering it.
    `authority_on` is the first placement or freeing order of the period; `order_on`
    the latest placement order of any authority, consent included (what a child at
    the `authority` stage has been waiting since).
    """

    entered_care_on: Date | None
    decision_on: Date | None
    authority_on: Date | None
    order_on: Date | None
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

    def days_waiting(self, on: Date) -> int | None:
        """Days on `on` since the decision, for a waiting child; None for one who is not."""
        return (on - self.decision_on).days if self.waiting else None


def current_dates(milestones: list[Milestone], on: Date | None = None) -> CurrentDates:
    """The child's dates in the current period of care, as known on `on`.

    With `on`, milestones that happened after it are ignored (for a list as it stood
    on a past date); without it, every milestone counts. Only the current period of
    care counts (`journey.domain.milestones.current_period_of_care`).
    """
    return current_dates_of_journey(in_journey_order(milestones), on)


def current_dates_of_journey(journey: list[Milestone], on: Date | None = None) -> CurrentDates:
    """`current_dates` of milestones already in journey order (`in_journey_order`):
    the projection sorts each journey once."""
    entered, period = current_period_of_care(journey, on)
    # The dates as local names, rather than a dict of the fields: 10,000 children a rebuild.
    decision = authority = order = matched = placed = left = adopted = None
    reversed_ = False  # a decision_reversed with no new adm_decision since
    for milestone in period:
        day = milestone.occurred_on
        name = milestone.name
        if name == "adm_decision":
            decision, reversed_ = day, False
        elif name == "decision_reversed":
            decision = matched = placed = None
            reversed_ = True
        elif name == "placement_order":
            order = day
            if authority is None and is_court_authority(milestone):
                authority = day
        elif name == "matched":
            if not reversed_:
                matched = day
        elif name == "placed":
            if not reversed_:
                placed = day
        elif name == "disruption":
            matched = placed = None
        elif name == "left_care":
            left = day
        elif name == "adoption_order":
            adopted = day
    return CurrentDates(
        entered_care_on=entered, decision_on=decision, authority_on=authority, order_on=order, matched_on=matched,
        placed_on=placed, left_care_on=left, adoption_order_on=adopted,
    )


def days_waiting(milestones: list[Milestone], on: Date) -> int | None:
    """Days on `on` since the decision to place for adoption, for a child who is
    waiting (see `CurrentDates.waiting`); None for a child who is not."""
    return current_dates(milestones, on).days_waiting(on)
