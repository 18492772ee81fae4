"""A child's stage: the furthest point of the current plan (domain.md section 2)."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence

from journey.domain.milestones import CHILD_MILESTONES, Milestone, in_journey_order

# The stage each milestone moves a child into. Milestones not named here
# (proceedings, plans, panels, referrals) do not change the stage.
STAGE_STARTED_BY = {
    "unborn_identified": "pre_birth",
    "entered_care": "in_care",
    "adm_decision": "decision",
    "placement_order": "authority",
    "matched": "matched",
    "placed": "placed",
    "adoption_order": "adopted",
    "decision_reversed": "exited",
    "left_care": "exited",
}
ORDER = ("pre_birth", "pre_care", "in_care", "decision", "authority", "matched", "placed", "adopted", "exited")


@dataclasses.dataclass(frozen=True)
class Stage:
    """Where the child is now, since when, and for how many days."""

    name: str
    since: datetime.date | None
    days: int | None


def stage_of(milestones: list[Milestone], today: datetime.date) -> Stage:
    """The child's stage on `today`, from the milestones that had occurred by then.

    A child tracked only in pre-proceedings or proceedings, born and not yet in care,
    is `pre_care`. A disruption returns a child to `authority` (from the disruption's
    date: that is when the child began waiting again).
    """
    name, since = stage_of_journey(in_journey_order([m for m in milestones if m.occurred_on <= today]))
    days = (today - since).days if since is not None else None
    return Stage(name, since, days)


def stage_of_journey(journey: Sequence[Milestone]) -> tuple[str, datetime.date | None]:
    """The stage name and the date it began (None before any milestone) that
    every milestone of `journey`, already in journey order (`in_journey_order`),
    gives: `stage_of` without a day (the projection sorts each journey once)."""
    name, since = "pre_care", None
    for m in journey:
        # The table holds every known milestone; `_next_stage` decides any other.
        new = _NEXT_STAGE[name].get(m.name) or _next_stage(name, m)
        if new != name:
            name, since = new, m.occurred_on
        elif since is None:
            since = m.occurred_on
    return name, since


def _next_stage(current: str, m: Milestone) -> str:
    """Stages only move forward within a plan; leaving care, a reversal, a new
    period of care, a new decision after an exit and a disruption reset them."""
    if m.name == "disruption":
        return "authority"
    if m.name in ("decision_reversed", "left_care"):
        return "exited"
    if m.name == "unborn_identified":
        return "pre_birth" if current == "pre_care" else current
    if m.name == "born":
        return "pre_care" if current == "pre_birth" else current
    if m.name == "entered_care" and current in ("pre_birth", "pre_care", "exited"):
        return "in_care"
    if m.name == "adm_decision" and current == "exited":
        return "decision"
    new = STAGE_STARTED_BY.get(m.name)
    if new is None or current == "exited" or ORDER.index(new) <= ORDER.index(current):
        return current
    return new


# `_next_stage` for every stage and known milestone, worked out once by `_next_stage`
# itself: it looks at nothing of the milestone but its name, and a rebuild asks
# 200,000 times. Stage -> milestone name -> next stage.
_NEXT_STAGE: dict[str, dict[str, str]] = {
    stage: {name: _next_stage(stage, Milestone(0, name, datetime.date.min)) for name in CHILD_MILESTONES}
    for stage in ORDER
}
