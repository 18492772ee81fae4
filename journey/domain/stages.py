"""A child's stage: the furthest point of the current plan (domain.md section 2)."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence

from journey.domain.milestones import CHILD_MILESTONES, Milestone, current_period_of_care, in_journey_order

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
    date: that is when the child began waiting again). A new `entered_care` begins
    `in_care` again, from its own date, even with no `left_care` recorded before it.
    """
    name, since = stage_of_journey(in_journey_order([m for m in milestones if m.occurred_on <= today]))
    days = (today - since).days if since is not None else None
    return Stage(name, since, days)


def stage_of_journey(journey: Sequence[Milestone]) -> tuple[str, datetime.date | None]:
    """The stage name and the date it began (None before any milestone) that
    every milestone of `journey`, already in journey order (`in_journey_order`),
    gives: `stage_of` without a day (the projection sorts each journey once)."""
    entered_on, period = current_period_of_care(journey)
    name, since = ("pre_care", None) if entered_on is None else ("in_care", entered_on)
    decided = False
    for m in period:
        name, begins, decided = step(name, decided, m, entered_on is not None)
        if begins or since is None:
            since = m.occurred_on
    return SHOWN_AS.get(name, name), since


def step(current: str, decided: bool, m: Milestone, in_care: bool, *, use_table: bool = True) -> tuple[str, bool, bool]:
    """One milestone's step: the stage after `m`, whether `m` begins it, and whether
    the current plan now holds a decision (as `journey.domain.waiting` reads it).

    An order or a match with no decision in the plan (a gap `journey check` lists)
    leaves the child out of the waiting stages, as out of the waiting list: in care
    (or `pre_care`, before any entry to care) until the decision is recorded.
    """
    # The table holds every known milestone; `next_stage` decides any other.
    new, begins = (_NEXT_STAGE[current].get(m.name) if use_table else None) or next_stage(current, m)
    if m.name == "adm_decision":
        decided = True
    elif m.name == "decision_reversed":
        decided = False
    if new in WAITING_STAGES and not decided:
        new = "in_care" if in_care else "pre_care"
        begins = new != current
    return new, begins, decided


# The stages of a waiting child: a child is at one of them exactly when it is
# waiting (`journey.domain.waiting.CurrentDates.waiting`).
WAITING_STAGES = frozenset({"decision", "authority", "matched"})


# A child who left care is `exited` until a new period of care begins (a new
# decision alone does not bring them back: it is outside any period of care); one
# whose decision was reversed is `exited` until a new decision. The stage keeps the
# two apart under this name, and shows both as `exited`.
LEFT_CARE = "exited after leaving care"
SHOWN_AS = {LEFT_CARE: "exited"}


def next_stage(current: str, m: Milestone) -> tuple[str, bool]:
    """The stage after `m` for a child at `current` (`LEFT_CARE` included), and
    whether `m` begins it (days in stage count from `m`).

    Stages only move forward within a plan. A new period of care (`entered_care`)
    begins `in_care`, whatever came before; an adoption order completes the
    journey; leaving care and a reversal exit; a new decision after a reversal
    begins `decision`; a disruption returns a child who has not exited to
    `authority`. So the stage agrees with who is waiting (`journey.domain.waiting`):
    a waiting child is at `decision`, `authority` or `matched`.
    """
    new = _next_stage(current, m)
    return new, m.name == "entered_care" or SHOWN_AS.get(new, new) != SHOWN_AS.get(current, current)


def _next_stage(current: str, m: Milestone) -> str:
    name = m.name
    if name == "entered_care":
        return "in_care"
    if current in (LEFT_CARE, "adopted"):
        return current  # out of care, or the journey complete: only a new period of care changes that
    if name == "adoption_order":
        return "adopted"
    if name == "left_care":
        return LEFT_CARE
    if name == "decision_reversed":
        return "exited"
    if name == "disruption":
        return current if current == "exited" else "authority"
    if name == "unborn_identified":
        return "pre_birth" if current == "pre_care" else current
    if name == "born":
        return "pre_care" if current == "pre_birth" else current
    if name == "adm_decision" and current == "exited":
        return "decision"
    new = STAGE_STARTED_BY.get(name)
    if new is None or current == "exited" or ORDER.index(new) <= ORDER.index(current):
        return current
    return new


# `next_stage` for every stage and known milestone, worked out once by `next_stage`
# itself: it looks at nothing of the milestone but its name, and a rebuild asks
# 200,000 times. Stage -> milestone name -> (next stage, whether it begins there).
_NEXT_STAGE: dict[str, dict[str, tuple[str, bool]]] = {
    stage: {name: next_stage(stage, Milestone(0, name, datetime.date.min)) for name in CHILD_MILESTONES}
    for stage in (*ORDER, LEFT_CARE)
}


@dataclasses.dataclass(frozen=True)
class StagePeriod:
    """A stage the child was at: from `started_on` to `ended_on` (None: the
    stage the child is at now), begun by the milestone `started_by`."""

    name: str
    started_on: datetime.date
    ended_on: datetime.date | None
    started_by: str


def stage_periods(journey: Sequence[Milestone]) -> list[StagePeriod]:
    """Each stage of `journey` (milestones in journey order) in the order the child
    reached it: the stage `stage_of_journey` gives after each milestone, a new
    period each time the stage or the day it began changes. The last is the
    child's stage now (its `ended_on` None)."""
    found: list[tuple[str, datetime.date, str]] = []
    for end in range(1, len(journey) + 1):
        name, since = stage_of_journey(journey[:end])
        if since is None:
            continue
        if found and found[-1][:2] == (name, since):
            continue
        if found and since < found[-1][1]:
            since = found[-1][1]  # a new period of care dated the same day: never before the last stage began
        began_by = next((m.name for m in reversed(journey[:end]) if m.occurred_on == since), journey[end - 1].name)
        found.append((name, since, began_by))
    return [
        StagePeriod(name, since, found[i + 1][1] if i + 1 < len(found) else None, began_by)
        for i, (name, since, began_by) in enumerate(found)
    ]
