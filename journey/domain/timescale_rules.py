"""Timescales that raise alerts (domain.md section 5): the rules, as data.

The rules are in `timescales.toml` in this package, overridden per installation by
`<data dir>/timescales.toml`; `load_timescales` reads both and refuses, with
`RulesFileError` naming the file and the rule, anything it cannot use. A `Rule`
says what starts its clocks, what stops them, when they are due (a `Limit` after
the start, or a date detail of the start) and when they warn (`WarnAt`).
`journey.domain.clocks` works out the clocks of a journey under them.

Pure: no storage, and no reading of today's date (callers pass dates in).
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import importlib.resources
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

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


# A warning in a unit other than its limit's is checked against clocks started on
# every day of these four years: a leap day, every weekday, each length of month,
# and Easter and Christmas falling in different places.
_CHECKED_FROM, _CHECKED_DAYS = datetime.date(2024, 1, 1), 4 * 365 + 1


def _comparable(a: Limit, b: Limit) -> bool:
    """Whether two spans compare by their length whatever the start: the same unit,
    or days and weeks."""
    return a.unit == b.unit or {a.unit, b.unit} <= {"days", "weeks"}


def warning_not_before_due(limit: Limit, warn_at: WarnAt) -> tuple[datetime.date, datetime.date, datetime.date] | None:
    """A clock for which a warning `warn_at` would come on or after the due date that
    `limit` gives: (its start, its warning date, its due date); None when every
    clock warns before it is due.

    A warning counted back from the due date ("8 weeks before") is always before
    it. Spans in the same unit, or in days and weeks, compare by their length; in
    other units (months, working days) by clocks started on each day of four years.
    """
    if warn_at.before_due:
        return None
    span = warn_at.span
    starts = (
        [_CHECKED_FROM] if _comparable(span, limit)
        else (_CHECKED_FROM + datetime.timedelta(days=n) for n in range(_CHECKED_DAYS))
    )
    moved = _moved.__wrapped__  # (not the cache: these days are not the projection's)
    for start in starts:
        warn_on, due_on = moved(start, span, +1), moved(start, limit, +1)
        if warn_on >= due_on:
            return start, warn_on, due_on
    return None


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
    def clock_plan(self) -> ClockPlan:
        """This rule as the clock computation uses it, made once per rule (see `ClockPlan`).

        Kept in the instance's `__dict__` (as cached_property does, which a frozen
        dataclass allows): it is not a field, so equality, hashing and repr ignore it.
        """
        return ClockPlan(self)


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
        if limit is not None:
            late = warning_not_before_due(limit, warn_at)
            if late is not None:
                start, warn_on, due_on = late
                raise problem(
                    f"warn_at: {warn_at} is not before the limit {limit}"
                    + ("" if _comparable(warn_at.span, limit)
                       else f" (a clock started on {start} would warn on {warn_on} and be due on {due_on})")
                    + "; a warning must come before the clock is due"
                )

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


# --------------------------------------------------------------------------- a rule, for working out clocks


class ClockPlan:
    """What working out a rule's clocks needs of the rule, made once per rule
    (`Rule.clock_plan`) rather than once per milestone: names as sets, the milestones
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
        # The only milestones that can change a clock once started (its stops, reopenings, period's end).
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


def _plan_begins_at(rule: Rule) -> frozenset[str]:
    """Milestones that begin the current plan a clock of `rule` is judged against."""
    if rule.subject == "household":
        return frozenset({rule.starts_at})
    if CHILD_MILESTONES.index(rule.starts_at) < CHILD_MILESTONES.index("adm_decision"):
        return PERIOD_BOUNDARIES
    return PERIOD_BOUNDARIES | {"adm_decision"}
