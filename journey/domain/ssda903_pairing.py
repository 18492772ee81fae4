"""Which milestone the tracker holds is the one a 903 return gives again.

A milestone is paired across returns (and with what the tracker holds however it
was recorded) by child, milestone, period of care and its order in that period:

- a period of care in the return is the tracker's period that overlaps it in time
  (the one that starts on the same day, else the one it overlaps most); a period
  the tracker does not hold is new, and so is everything in it;
- within a period, the return's milestones of one name and the tracker's are
  lined up in date order, from the offset that pairs the most of them on the same
  date (then the most of them, then the nearest): a one-year return holds only
  the later placements of a period that began years before, and they pair with
  the tracker's later ones.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from journey.domain.milestones import Milestone, in_journey_order
from journey.domain.ssda903_milestones import Derived, Period

_ENDS_PERIOD = frozenset({"left_care", "adoption_order"})
_NEVER = datetime.date.max


def pair(derived: Sequence[Derived], periods: Sequence[Period], held: Sequence[Milestone],
         covers_from: datetime.date | None = None) -> list[Milestone | None]:
    """For each of the return's milestones (`derived`), the tracker's milestone it is
    (from `held`, the child's current milestones), or None when it is new.

    `covers_from` is the first day of a one-year return: a milestone of the tracker
    whose effect ended before it (a placement disrupted, a decision reversed the
    year before) cannot be in that return, and is paired with nothing."""
    journey = in_journey_order(list(held))
    if covers_from is not None:
        journey = [m for i, m in enumerate(journey) if in_force_until(journey, i) >= covers_from]
    tracker_periods = _tracker_periods(journey)
    period_of_held = {m.event_id: _period_index(tracker_periods, m) for m in journey}
    mapped = _map_periods(periods, derived, tracker_periods)
    paired: list[Milestone | None] = [None] * len(derived)
    groups: dict[tuple[int, str], list[int]] = {}
    for i, m in enumerate(derived):
        tracker_period = mapped.get(m.period)
        if tracker_period is not None:
            groups.setdefault((tracker_period, m.name), []).append(i)
    for (tracker_period, name), indexes in groups.items():
        ours = [m for m in journey if m.name == name and period_of_held[m.event_id] == tracker_period]
        indexes.sort(key=lambda i: derived[i].occurred_on)
        for i, j in zip(indexes, align([derived[i].occurred_on for i in indexes], [m.occurred_on for m in ours])):
            if j is not None:
                paired[i] = ours[j]
    return paired


# What ends each milestone's effect, as a return sees it (the row it comes from
# stops being in force): a milestone that ends itself is in force on its day only.
_ENDED_BY = {
    "entered_care": frozenset({"left_care", "adoption_order", "entered_care"}),
    "adm_decision": frozenset({"decision_reversed", "left_care", "adoption_order", "entered_care"}),
    "placement_order": frozenset({"decision_reversed", "left_care", "adoption_order", "entered_care"}),
    "early_permanence_placement": frozenset({"placed", "early_permanence_placement", "disruption", "left_care",
                                             "adoption_order", "entered_care"}),
    "placed": frozenset({"placed", "early_permanence_placement", "disruption", "left_care", "adoption_order", "entered_care"}),
    "matched": frozenset({"matched", "disruption", "decision_reversed", "left_care", "adoption_order", "entered_care"}),
}


def in_force_until(journey: Sequence[Milestone], index: int) -> datetime.date:
    """The last day the milestone `journey[index]` (in journey order) is in force."""
    m = journey[index]
    ended_by = _ENDED_BY.get(m.name)
    if ended_by is None:
        return m.occurred_on
    return next((later.occurred_on for later in journey[index + 1:] if later.name in ended_by), _NEVER)


def align(ours: Sequence[datetime.date], theirs: Sequence[datetime.date]) -> list[int | None]:
    """For each date of `ours` (in order), the index in `theirs` (in order) it pairs
    with: every pair at one offset, the offset that pairs the most on the same
    date, then the most, then with the least days between them."""
    if not ours or not theirs:
        return [None] * len(ours)
    best: tuple | None = None
    for offset in range(-(len(ours) - 1), len(theirs)):
        pairs = [(i, i + offset) for i in range(len(ours)) if 0 <= i + offset < len(theirs)]
        same = sum(ours[i] == theirs[j] for i, j in pairs)
        days = sum(abs((ours[i] - theirs[j]).days) for i, j in pairs)
        score = (same, len(pairs), -days)
        if best is None or score > best[0]:
            best = (score, pairs)
    found: list[int | None] = [None] * len(ours)
    for i, j in best[1]:
        found[i] = j
    return found


def _tracker_periods(journey: list[Milestone]) -> list[tuple[int, datetime.date | None, datetime.date, datetime.date]]:
    """The tracker's periods of care: (index, start or None, first day, last day).
    Milestones before any `entered_care` are the period -1, with no start."""
    starts = [m for m in journey if m.name == "entered_care"]
    found = []
    if journey and (not starts or journey[0].occurred_on < starts[0].occurred_on):
        last = starts[0].occurred_on - datetime.timedelta(days=1) if starts else _NEVER
        found.append((-1, None, datetime.date.min, last))
    for index, start in enumerate(starts):
        following = starts[index + 1].occurred_on if index + 1 < len(starts) else None
        ended = next((m.occurred_on for m in journey if m.name in _ENDS_PERIOD and m.occurred_on >= start.occurred_on
                      and (following is None or m.occurred_on < following)), None)
        last = ended or (following - datetime.timedelta(days=1) if following else _NEVER)
        found.append((index, start.occurred_on, start.occurred_on, last))
    return found


def _period_index(periods, milestone: Milestone) -> int:
    index = periods[0][0] if periods else -1
    for number, start, _, _ in periods:
        if start is not None and start <= milestone.occurred_on:
            index = number
    return index


def _map_periods(periods: Sequence[Period], derived: Sequence[Derived], tracker_periods) -> dict[int, int]:
    """The return's period index -> the tracker's period it is (those the tracker
    does not hold are left out)."""
    spans: dict[int, tuple[datetime.date | None, datetime.date, datetime.date]] = {
        p.index: (p.start, p.start or p.first_episode_on, p.ends or _NEVER) for p in periods
    }
    before = [m.occurred_on for m in derived if m.period == -1]
    if before:  # milestones dated before the first episode the tables hold
        first = periods[0].first_episode_on - datetime.timedelta(days=1) if periods else _NEVER
        spans[-1] = (None, min(before), first)
    mapped: dict[int, int] = {}
    claimed: set[int] = set()
    # Periods that start in the tables first, each to a period of its own; then
    # those that began before the tables, to the period they overlap most.
    for index, (start, first, last) in sorted(spans.items(), key=lambda s: (s[1][0] is None, s[0])):
        candidates = []
        for number, their_start, their_first, their_last in tracker_periods:
            overlap = (min(last, their_last) - max(first, their_first)).days
            if (start is not None and number in claimed) or overlap < 0:
                continue
            candidates.append((start is not None and start == their_start, overlap, number))
        if candidates:
            number = max(candidates)[2]
            mapped[index] = number
            if start is not None:
                claimed.add(number)
    return mapped
