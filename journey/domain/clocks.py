"""The clocks of a journey under the timescale rules (domain.md section 5).

A clock belongs to one rule and one start date. It runs from its start until a
stopping milestone occurs on or after that date, with the two refinements of
section 5:

1. No clock starts when, on its start date, the child is already past the point it
   waits for in the current plan (matched before the placement order: no
   `order-to-match` clock). The current plan is what followed the latest
   `adm_decision` (or, for rules that start before a decision, the latest
   `entered_care`); a `disruption` undoes the match and placement before it and a
   new `adm_decision` undoes a `decision_reversed`.
2. A rule's `reopened_by` makes a stopped clock run again from its original start
   (same rule, same start date): `disruption` undoes the match and placement it
   ends; `adm_decision` after a `decision_reversed` in the same period of care.

So a clock can stop and run again: `Clock.stops` lists each stop and when it ended.
Every step depends only on milestones that occurred earlier, so `Clock.level_on(day)`
is exactly what a sweep on `day` would find from the milestones that had occurred
by then; `child_clocks(..., as_of=day)` also gives `stopped_on`/`stopped_by` as they
stood on that day.

Pure: no storage, and no reading of today's date (callers pass dates in).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

from journey.domain.milestones import Milestone, in_journey_order
from journey.domain.timescale_rules import PERIOD_BOUNDARIES, REOPENERS, ClockPlan, Rule

Level = Literal["warning", "breach"]

ONE_DAY = datetime.timedelta(days=1)


def first_alerting_day(
    started_on: datetime.date, due_on: datetime.date, warn_on: datetime.date | None
) -> datetime.date:
    """The first day on which a clock that has not stopped has a level (`Clock.level_on`).

    Its warning date, or the day after it is due when that comes first (a clock
    with no warning point, or one whose warning would come after its due date);
    never before the clock starts (a warning counted back from a due date can be).
    The one definition: the clocks read model's `alert_from` and the sweep's
    `alerting_since` both use it.
    """
    first = due_on + ONE_DAY
    if warn_on is not None and warn_on < first:
        first = warn_on
    return first if first >= started_on else started_on


class Stop(NamedTuple):
    """A clock stopped on `stopped_on` by the milestone `stopped_by`; `resumed_on` it ran again."""

    stopped_on: datetime.date
    stopped_by: str
    resumed_on: datetime.date | None = None


@dataclasses.dataclass(frozen=True)
class Clock:
    """One clock: a rule started on a date, with when it is due and how it stopped.

    `stops` lists every stop in order, with the date the clock ran again (None for
    a stop that still holds). `stopped_on`/`stopped_by` describe the stop that
    still holds, or are None while the clock runs. A clock may be built with
    `stopped_on`/`stopped_by` alone (one stop) or with `stops` alone.
    """

    rule_id: str
    started_on: datetime.date
    due_on: datetime.date
    warn_on: datetime.date | None = None
    stopped_on: datetime.date | None = None
    stopped_by: str | None = None
    stops: tuple[Stop, ...] = ()

    def __post_init__(self) -> None:
        stops = tuple(Stop(*stop) for stop in self.stops)
        if not stops and self.stopped_on is not None:
            stops = (Stop(self.stopped_on, self.stopped_by),)
        holding = stops[-1] if stops and stops[-1].resumed_on is None else None
        if holding and self.stopped_on is None and self.stopped_by is None:
            object.__setattr__(self, "stopped_on", holding.stopped_on)
            object.__setattr__(self, "stopped_by", holding.stopped_by)
        elif (self.stopped_on, self.stopped_by) != (
            (holding.stopped_on, holding.stopped_by) if holding else (None, None)
        ):
            raise ValueError("stopped_on and stopped_by disagree with the last of stops")
        object.__setattr__(self, "stops", stops)

    @property
    def alerting_from(self) -> datetime.date:
        """The first day this clock has a level while it runs (`first_alerting_day`)."""
        return first_alerting_day(self.started_on, self.due_on, self.warn_on)

    @property
    def key(self) -> tuple[str, datetime.date]:
        """What identifies the clock (and its alert) on one child or household: rule and start."""
        return (self.rule_id, self.started_on)

    def is_running_on(self, day: datetime.date) -> bool:
        """Whether the clock had started by `day` and was not stopped on it.

        A clock stopped on a day is not running on that day; one resumed on a
        day is.
        """
        if day < self.started_on:
            return False
        return not any(
            stop.stopped_on <= day and (stop.resumed_on is None or day < stop.resumed_on)
            for stop in self.stops
        )

    def level_on(self, day: datetime.date) -> Level | None:
        """This clock's level on `day`: "breach", "warning" or None.

        Breach when running on `day` and `day` is after the due date; warning when
        running and `day` is on or after the warning date. A stop on the due date
        is in time. Uses only what had happened by `day`.
        """
        if not self.is_running_on(day):
            return None
        if day > self.due_on:
            return "breach"
        if self.warn_on is not None and day >= self.warn_on:
            return "warning"
        return None

    @property
    def stopped_in_time(self) -> bool | None:
        """Whether the stop that holds came on or before the due date; None while running."""
        if self.stopped_on is None:
            return None
        return self.stopped_on <= self.due_on


def child_clocks(
    milestones: Iterable[Milestone],
    rules: Iterable[Rule],
    as_of: datetime.date | None = None,
) -> list[Clock]:
    """The clocks of one child's journey under the child rules in `rules`.

    `milestones` are the child's current milestones (corrections applied), in any
    order. With `as_of`, only milestones that occurred on or before it count, so
    the clocks (and their stops) are as they stood that day. Clocks come in rule
    order, then by start date.
    """
    return _clocks(milestones, rules, "child", as_of)


def household_clocks(
    milestones: Iterable[Milestone],
    rules: Iterable[Rule],
    as_of: datetime.date | None = None,
) -> list[Clock]:
    """The clocks of one adoptive household's journey under the household rules in `rules`.

    As `child_clocks`. Each start milestone begins afresh (a household approved a
    second time waits again), so refinement (1) never holds a household clock back.
    """
    return _clocks(milestones, rules, "household", as_of)


def _clocks(
    milestones: Iterable[Milestone], rules: Iterable[Rule], subject: str, as_of: datetime.date | None
) -> list[Clock]:
    journey = in_journey_order(
        [m for m in milestones if as_of is None or m.occurred_on <= as_of]
    )
    return clocks_of_journey(journey, rules, subject)


def clocks_of_journey(journey: Sequence[Milestone], rules: Iterable[Rule], subject: str) -> list[Clock]:
    """As `child_clocks`/`household_clocks` (no `as_of`) for milestones already in
    journey order (`in_journey_order`): the projection sorts each journey once."""
    return [
        Clock(rule_id, started_on, due_on, warn_on, stops=stops)
        for rule_id, started_on, due_on, warn_on, stops in clock_tuples_of_journey(journey, rules, subject)
    ]


def clock_tuples_of_journey(
    journey: Sequence[Milestone], rules: Iterable[Rule], subject: str
) -> list[tuple[str, datetime.date, datetime.date, datetime.date | None, tuple[Stop, ...]]]:
    """The clocks `clocks_of_journey` gives, each as the plain tuple
    `(rule_id, started_on, due_on, warn_on, stops)` it makes the `Clock` from.

    For the projection, which turns 60,000 clocks a rebuild into rows: making and
    checking a `Clock` for each would cost more than working the clock out.
    """
    # Where each milestone name occurs: a rule looks only at its starting milestones.
    positions: dict[str, list[int]] = {}
    for index, m in enumerate(journey):
        found = positions.get(m.name)
        if found is None:
            positions[m.name] = [index]
        else:
            found.append(index)
    found_clocks: list[tuple] = []
    for rule in rules:
        if rule.subject == subject:
            candidates = positions.get(rule.starts_at)
            if candidates is not None:
                _add_clocks_of_rule(found_clocks, rule.clock_plan, journey, candidates)
    return found_clocks


def _add_clocks_of_rule(
    found: list[tuple], plan: ClockPlan, journey: Sequence[Milestone], candidates: Iterable[int]
) -> None:
    """Add to `found` the clocks of `plan`'s rule, as `clock_tuples_of_journey`
    gives them; `candidates` are the indexes in `journey` of its `starts_at`
    milestones (no other milestone can start a clock)."""
    started_on: set[datetime.date] = set()
    for index in candidates:
        start = journey[index]
        day = start.occurred_on
        if day in started_on or not plan.starts_with(start):
            continue
        started_on.add(day)
        if _already_past(plan, journey, index):
            continue
        due_on = plan.due_on(start)
        if due_on is None:
            continue
        found.append((plan.rule_id, day, due_on, plan.warn_on(day, due_on), _stops(plan, journey, index)))


def _already_past(plan: ClockPlan, journey: Sequence[Milestone], index: int) -> bool:
    """Whether, on the start date, the current plan has already passed a stopping
    milestone: one that occurred before the start day, since the plan began, and
    that no `REOPENERS` milestone undid."""
    start_day = journey[index].occurred_on
    plan_begins_at = plan.plan_begins_at
    first = index
    while first > 0 and journey[first].name not in plan_begins_at:
        first -= 1
    if journey[first].name in plan_begins_at:
        first += 1
    # One loop, with the sets at hand, rather than a filtered copy and a helper per start.
    stopped_by = plan.stopped_by
    standing: set[str] = set()
    for m in journey[first:index]:
        if m.occurred_on < start_day:
            name = m.name
            if name in stopped_by:
                standing.add(name)
            elif name in REOPENERS:
                standing -= REOPENERS[name]
    return bool(standing)


def _stops(plan: ClockPlan, journey: Sequence[Milestone], index: int) -> tuple[Stop, ...]:
    """Every stop of the clock `journey[index]` starts, and when it ran again."""
    start = journey[index]
    undoers = plan.undoers
    stops: list[Stop] = []
    standing: set[str] = set()
    period_over = False
    # The journey is in order: nothing before the first milestone of the start's
    # day can count (skip them rather than compare each).
    first = index
    start_day = start.occurred_on
    while first > 0 and journey[first - 1].occurred_on >= start_day:
        first -= 1
    starts_at, stopped_by, watched = plan.rule.starts_at, plan.stopped_by, plan.watched
    for m in journey[first:]:
        name = m.name
        # Every milestone from `first` on is on or after the start's day; of those,
        # only the watched names can stop, reopen or end the period (one test for the rest).
        if name not in watched or m is start:
            continue
        if name in stopped_by:
            if not standing:
                stops.append(Stop(m.occurred_on, name))
            standing.add(name)
        elif standing and name in undoers and not period_over:
            standing -= undoers[name]
            if not standing:
                stopped = stops[-1]
                stops[-1] = Stop(stopped.stopped_on, stopped.stopped_by, m.occurred_on)
        if name in PERIOD_BOUNDARIES and not (name == starts_at and m.occurred_on == start_day):
            period_over = True
    return tuple(stops)
