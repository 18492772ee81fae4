"""Timescales that raise alerts (domain.md section 5): the rules, and their clocks.

The rules are data (`timescales.toml` in this package, overridden per installation by
`<data dir>/timescales.toml`). Everything here is a pure function of its arguments:
no storage, and no reading of today's date (callers pass dates in).

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
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import importlib.resources
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from journey.domain.calendar import add_months, add_working_days
from journey.domain.milestones import (
    AUTHORITIES,
    CHILD_MILESTONE_DETAILS,
    CHILD_MILESTONES,
    DATE_DETAILS,
    HOUSEHOLD_MILESTONE_DETAILS,
    HOUSEHOLD_MILESTONES,
    Milestone,
    authority_of,
    in_journey_order,
)

SUBJECTS = ("child", "household")
MILESTONES_OF = {"child": CHILD_MILESTONES, "household": HOUSEHOLD_MILESTONES}
DETAILS_OF = {"child": CHILD_MILESTONE_DETAILS, "household": HOUSEHOLD_MILESTONE_DETAILS}

# What each `reopened_by` milestone undoes: the stops it lifts.
REOPENERS: dict[str, frozenset[str]] = {
    "disruption": frozenset({"matched", "placed"}),
    "adm_decision": frozenset({"decision_reversed"}),
}
# Milestones that begin or end a period of care: a clock is never reopened across one.
PERIOD_BOUNDARIES = frozenset({"entered_care", "left_care"})

DEFAULT_REVIEW_AFTER_DAYS = 28
RULES_FILE_NAME = "timescales.toml"

Level = Literal["warning", "breach"]


class RulesFileError(Exception):
    """A timescales file that cannot be used; the message names the file, rule and problem."""


# --------------------------------------------------------------------------- limits


UNITS = ("days", "weeks", "months", "working days")
_LIMIT = re.compile(r"^(\d+) (day|week|month|working day)s?$")
_BEFORE = " before"


@dataclasses.dataclass(frozen=True)
class Limit:
    """A span of time as the rules file writes it: `Limit(121, "days")` is "121 days"."""

    amount: int
    unit: str  # one of UNITS

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"


@dataclasses.dataclass(frozen=True)
class WarnAt:
    """When a clock warns: a span after its start, or (`before_due`) before its due date."""

    span: Limit
    before_due: bool = False

    def __str__(self) -> str:
        return f"{self.span}{_BEFORE if self.before_due else ''}"


def parse_limit(text: str) -> Limit:
    """The `Limit` written as "121 days", "26 weeks", "3 months" or "7 working days".

    Raises ValueError saying what is wrong.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected text like \"121 days\", got {text!r}")
    match = _LIMIT.match(" ".join(text.split()).lower())
    if not match:
        raise ValueError(
            f"{text!r} is not a limit: write a whole number and days, weeks, months "
            "or working days, such as \"121 days\" or \"7 working days\""
        )
    amount = int(match.group(1))
    if amount < 1:
        raise ValueError(f"{text!r} is not a limit: the number must be at least 1")
    return Limit(amount, match.group(2) + "s")


def parse_warn_at(text: str) -> WarnAt:
    """The `WarnAt` written as "90 days" (after the start) or "8 weeks before" (the due date)."""
    if not isinstance(text, str):
        raise ValueError(f"expected text like \"90 days\", got {text!r}")
    words = " ".join(text.split()).lower()
    before_due = words.endswith(_BEFORE)
    if before_due:
        words = words[: -len(_BEFORE)]
    return WarnAt(parse_limit(words), before_due)


# --------------------------------------------------------------------------- arithmetic


@functools.lru_cache(maxsize=1 << 16)  # pure; the projection asks for the same days again and again
def _moved(day: datetime.date, span: Limit, sign: int) -> datetime.date:
    if span.unit == "days":
        return day + datetime.timedelta(days=sign * span.amount)
    if span.unit == "weeks":
        return day + datetime.timedelta(weeks=sign * span.amount)
    if span.unit == "months":
        return add_months(day, sign * span.amount)
    if span.unit == "working days":
        return _working_days_moved(day, sign * span.amount)
    raise ValueError(f"unknown unit {span.unit!r}")


@functools.lru_cache(maxsize=4096)
def _working_days_moved(day: datetime.date, count: int) -> datetime.date:
    return add_working_days(day, count)


def due_date(start: datetime.date, limit: Limit | str) -> datetime.date:
    """The date a clock started on `start` is due: `start` plus `limit`.

    `limit` is a `Limit` or its text ("121 days", "26 weeks", "3 months",
    "7 working days"). Months are calendar months clamped to the month's last
    day; working days are counted from the day after `start`.
    """
    if isinstance(limit, str):
        limit = parse_limit(limit)
    return _moved(start, limit, +1)


def warning_date(
    start: datetime.date, due_on: datetime.date, warn_at: WarnAt | str | None
) -> datetime.date | None:
    """The date a clock started on `start` and due on `due_on` begins to warn.

    `warn_at` counts from `start`, or back from `due_on` when it says "before";
    None (no warning point) gives None.
    """
    if warn_at is None:
        return None
    if isinstance(warn_at, str):
        warn_at = parse_warn_at(warn_at)
    if warn_at.before_due:
        return _moved(due_on, warn_at.span, -1)
    return _moved(start, warn_at.span, +1)


# --------------------------------------------------------------------------- rules


@dataclasses.dataclass(frozen=True)
class Rule:
    """One timescale: what starts its clocks, what stops them, when they are due and warn.

    Exactly one of `limit` and `due_from` is set. `authority`, when set, limits
    the starting milestones to those whose `authority` detail is listed.
    """

    id: str
    title: str
    subject: str  # "child" or "household"
    starts_at: str
    stopped_by: tuple[str, ...]
    source: str
    limit: Limit | None = None
    due_from: str | None = None
    warn_at: WarnAt | None = None
    authority: tuple[str, ...] | None = None
    reopened_by: tuple[str, ...] = ()

    def starts_with(self, milestone: Milestone) -> bool:
        """Whether `milestone` starts a clock of this rule."""
        if milestone.name != self.starts_at:
            return False
        if self.authority is None:
            return True
        # (the rules file allows `authority` only for a start with that detail: placement_order)
        return authority_of(milestone.details) in self.authority

    def due_on(self, start: Milestone) -> datetime.date | None:
        """The due date of the clock `start` begins; None when `due_from` names a detail it lacks."""
        if self.limit is not None:
            return due_date(start.occurred_on, self.limit)
        value = start.details.get(self.due_from or "")
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            return None  # no usable date: `journey check` reports the gap

    def warn_on(self, start: datetime.date, due_on: datetime.date) -> datetime.date | None:
        """The warning date of a clock started on `start` and due on `due_on` (None: no warning)."""
        return warning_date(start, due_on, self.warn_at)

    @functools.cached_property
    def _plan(self) -> _ClockPlan:
        """This rule as the clock computation uses it, made once per rule (see `_ClockPlan`).

        Kept in the instance's `__dict__` (as cached_property does, which a frozen
        dataclass allows): it is not a field, so equality, hashing and repr ignore it.
        """
        return _ClockPlan(self)


@dataclasses.dataclass(frozen=True)
class Timescales:
    """The rules in force and the alert review interval."""

    rules: tuple[Rule, ...]
    review_after_days: int = DEFAULT_REVIEW_AFTER_DAYS

    def rule(self, rule_id: str) -> Rule:
        """The rule with id `rule_id` (KeyError when there is none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def load_timescales(path: Path | None = None) -> Timescales:
    """The rules shipped with the tracker, with the file at `path` laid over them.

    `path` is normally `<data dir>/timescales.toml`; when it is None or does not
    exist the defaults are used as they are. Its rules replace the defaults with
    the same id (whole rules) and rules with new ids are added after them; its
    `review_after_days`, when given, replaces the default. Raises RulesFileError.
    """
    defaults = _default_contents()
    rules = {rule.id: rule for rule in defaults.rules}
    review_after_days = defaults.review_after_days
    if path is not None and Path(path).is_file():
        override = _read_file(Path(path).read_text(encoding="utf-8"), str(path))
        rules.update((rule.id, rule) for rule in override.rules)
        review_after_days = override.review_after_days or review_after_days
    return Timescales(tuple(rules.values()), review_after_days or DEFAULT_REVIEW_AFTER_DAYS)


def load_rules(path: Path | None = None) -> list[Rule]:
    """The rules in force: the defaults with `path`'s rules laid over them (see load_timescales)."""
    return list(load_timescales(path).rules)


class _FileContents(NamedTuple):
    rules: tuple[Rule, ...]
    review_after_days: int | None


@functools.lru_cache(maxsize=1)
def _default_contents() -> _FileContents:
    resource = importlib.resources.files("journey.domain") / RULES_FILE_NAME
    return _read_file(resource.read_text(encoding="utf-8"), f"journey/domain/{RULES_FILE_NAME}")


_Problem = Callable[[str], RulesFileError]
_TOP_LEVEL_KEYS = {"review_after_days", "rule"}
_REQUIRED = ("id", "title", "subject", "starts_at", "stopped_by", "source")
_OPTIONAL = ("limit", "due_from", "warn_at", "authority", "reopened_by")


def _read_file(text: str, where: str) -> _FileContents:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesFileError(f"{where}: not valid TOML: {error}") from None
    unknown = sorted(set(document) - _TOP_LEVEL_KEYS)
    if unknown:
        raise RulesFileError(
            f"{where}: unknown setting {', '.join(unknown)} "
            "(expected review_after_days and [[rule]] tables)"
        )
    review_after_days = document.get("review_after_days")
    if review_after_days is not None and (
        type(review_after_days) is not int or review_after_days < 1
    ):
        raise RulesFileError(
            f"{where}: review_after_days must be a whole number of days of at least 1, "
            f"not {review_after_days!r}"
        )
    tables = document.get("rule", [])
    if not isinstance(tables, list):
        raise RulesFileError(f"{where}: rules must be written as [[rule]] tables")
    rules: list[Rule] = []
    for number, table in enumerate(tables, start=1):
        rule = _rule_from_table(table, where, number)
        if any(existing.id == rule.id for existing in rules):
            raise RulesFileError(f"{where}: rule {rule.id!r}: the id is used twice")
        rules.append(rule)
    return _FileContents(tuple(rules), review_after_days)


def _rule_from_table(table: Mapping[str, Any], where: str, number: int) -> Rule:
    rule_id = table.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise RulesFileError(f"{where}: rule number {number}: has no id")

    def problem(text: str) -> RulesFileError:
        return RulesFileError(f"{where}: rule {rule_id!r}: {text}")

    unknown = sorted(set(table) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise problem(f"unknown field {', '.join(unknown)}")
    missing = [field for field in _REQUIRED if field not in table]
    if missing:
        raise problem(f"missing {', '.join(missing)}")
    for field in ("title", "source"):
        if not isinstance(table[field], str) or not table[field].strip():
            raise problem(f"{field} must be some text")

    subject = table["subject"]
    if subject not in SUBJECTS:
        raise problem(f"unknown subject {subject!r} (expected child or household)")
    known = MILESTONES_OF[subject]

    def milestone(field: str, name: Any) -> str:
        if name not in known:
            raise problem(f"{field}: unknown {subject} milestone {name!r}")
        return name

    starts_at = milestone("starts_at", table["starts_at"])
    stopped_by = tuple(milestone("stopped_by", name) for name in _names(table, "stopped_by", problem))
    if not stopped_by:
        raise problem("stopped_by must name at least one milestone")

    limit, due_from = _due(table, subject, starts_at, problem)
    warn_at = None
    if "warn_at" in table:
        try:
            warn_at = parse_warn_at(table["warn_at"])
        except ValueError as error:
            raise problem(f"warn_at: {error}") from None

    authority = None
    if "authority" in table:
        if "authority" not in DETAILS_OF[subject].get(starts_at, ()):
            raise problem(f"authority: {starts_at} has no authority detail")
        authority = _names(table, "authority", problem)
        for kind in authority:
            if kind not in AUTHORITIES:
                raise problem(f"authority: unknown authority {kind!r} (expected one of {', '.join(AUTHORITIES)})")

    reopened_by = _names(table, "reopened_by", problem) if "reopened_by" in table else ()
    for name in reopened_by:
        if name not in REOPENERS or subject != "child":
            raise problem(
                f"reopened_by: {name!r} cannot reopen a {subject} clock "
                f"(a child clock may be reopened by {' or '.join(REOPENERS)})"
            )

    return Rule(
        id=rule_id,
        title=table["title"].strip(),
        subject=subject,
        starts_at=starts_at,
        stopped_by=stopped_by,
        source=table["source"].strip(),
        limit=limit,
        due_from=due_from,
        warn_at=warn_at,
        authority=authority,
        reopened_by=reopened_by,
    )


def _names(table: Mapping[str, Any], field: str, problem: _Problem) -> tuple[str, ...]:
    value = table[field]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise problem(f"{field} must be a list of names")
    return tuple(value)


def _due(
    table: Mapping[str, Any], subject: str, starts_at: str, problem: _Problem
) -> tuple[Limit | None, str | None]:
    if ("limit" in table) == ("due_from" in table):
        raise problem("give either limit or due_from (exactly one)")
    if "limit" in table:
        try:
            return parse_limit(table["limit"]), None
        except ValueError as error:
            raise problem(f"limit: {error}") from None
    due_from = table["due_from"]
    if due_from not in DETAILS_OF[subject].get(starts_at, ()) or due_from not in DATE_DETAILS:
        raise problem(f"due_from: {due_from!r} is not a date detail of {starts_at}")
    return None, due_from


# --------------------------------------------------------------------------- clocks


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
                _add_clocks_of_rule(found_clocks, rule._plan, journey, candidates)
    return found_clocks


class _ClockPlan:
    """What working out a rule's clocks needs of the rule, made once per rule
    (`Rule._plan`) rather than once per milestone: names as sets, the milestones
    that begin a plan, the reopeners, and the due and warning dates already
    worked out for each start date seen (a rebuild asks for the same few
    thousand days tens of thousands of times, and `Limit`s hash slowly)."""

    __slots__ = (
        "rule", "rule_id", "authority", "stopped_by", "plan_begins_at", "undoers", "watched", "_due", "_warn",
    )
    # Beyond this many remembered days a cache starts again (as `_moved`'s bound).
    CACHED_DAYS = 1 << 16

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.rule_id = rule.id
        self.authority = None if rule.authority is None else frozenset(rule.authority)
        self.stopped_by = frozenset(rule.stopped_by)
        self.plan_begins_at = _plan_begins_at(rule)
        self.undoers = {name: REOPENERS[name] for name in rule.reopened_by}
        # The only milestones that can change a clock once started (`_stops`).
        self.watched = self.stopped_by | frozenset(self.undoers) | PERIOD_BOUNDARIES
        self._due: dict[datetime.date, datetime.date] = {}
        self._warn: dict[datetime.date, datetime.date] = {}

    def starts_with(self, start: Milestone) -> bool:
        """`Rule.starts_with` for a milestone already known to be named `starts_at`."""
        if self.authority is None:
            return True
        return authority_of(start.details) in self.authority

    def due_on(self, start: Milestone) -> datetime.date | None:
        """`Rule.due_on`, remembered by start date for a rule with a `limit`."""
        if self.rule.limit is None:  # due from a detail of the start: nothing to remember
            return self.rule.due_on(start)
        day = start.occurred_on
        due = self._due.get(day)
        if due is None:
            if len(self._due) >= self.CACHED_DAYS:
                self._due.clear()
            due = self._due[day] = self.rule.due_on(start)
        return due

    def warn_on(self, start: datetime.date, due_on: datetime.date) -> datetime.date | None:
        """`Rule.warn_on`, remembered by the one date it counts from."""
        warn_at = self.rule.warn_at
        if warn_at is None:
            return None
        counted_from = due_on if warn_at.before_due else start
        warn = self._warn.get(counted_from)
        if warn is None:
            if len(self._warn) >= self.CACHED_DAYS:
                self._warn.clear()
            warn = self._warn[counted_from] = self.rule.warn_on(start, due_on)
        return warn


def _add_clocks_of_rule(
    found: list[tuple], plan: _ClockPlan, journey: Sequence[Milestone], candidates: Iterable[int]
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


def _plan_begins_at(rule: Rule) -> frozenset[str]:
    """Milestones that begin the current plan a clock of `rule` is judged against."""
    if rule.subject == "household":
        return frozenset({rule.starts_at})
    if CHILD_MILESTONES.index(rule.starts_at) < CHILD_MILESTONES.index("adm_decision"):
        return PERIOD_BOUNDARIES
    return PERIOD_BOUNDARIES | {"adm_decision"}


def _already_past(plan: _ClockPlan, journey: Sequence[Milestone], index: int) -> bool:
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


def _stops(plan: _ClockPlan, journey: Sequence[Milestone], index: int) -> tuple[Stop, ...]:
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
