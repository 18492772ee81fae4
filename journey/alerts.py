"""Delay alerts (domain.md section 5): one aggregate per clock, and the sweep that keeps them.

An alert belongs to one clock: a child or household stream, a rule and the date
the clock started. Its identity is a name-based UUID of those three, so raising
is idempotent: two sweeps that find the same clock find the same alert.

Lifecycle. Raised at `warning` on the warning date (or at `breach` when the rule
has no warning point); escalated to `breach` the day after the due date (an
acknowledged warning that escalates is open again); acknowledged by a person with
a note; back for review `review_after_days` after acknowledgement while its clock
still runs; closed by itself when the clock stops, naming the milestone; reopened
when a disruption or a correction makes the clock run again. Every event carries
`effective_on`, the date the change takes effect, besides the library's
`timestamp` (when it was recorded), so alerts can be listed as they stood on any
past date. Each sweep-made event also carries `swept_on`, the date of the sweep
that found it: a sweep for an earlier date never changes an alert that a sweep
for a later date (or a person acknowledging it) has changed.

Layers. `alert_changes()` and `plan_sweep()` are pure: clock rows (plain dicts
shaped like the clocks read model's rows) and alert states in, changes out.
`sweep()`, `sweep_child()`, `sweep_household()`, `sweep_changes()` and
`acknowledge()` are the application-layer policy: they record the changes as
events in the tracker's event store (retrying on the library's IntegrityError)
and then bring the alerts read table (`AlertTable`, tables `alerts`,
`alert_changes`, `alert_positions` and `alert_sweeps` in the read-models file)
up to date from those events. The table is a projection of the alert events: it
can be deleted and is rebuilt from the log on the next catch-up.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import sqlite3
import threading
import time
import types
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from journey import clock as journey_clock
from journey.errors import InvalidValue, JourneyError
from journey.timescales import (
    RULES_FILE_NAME,
    Clock,
    Stop,
    Timescales,
    child_clocks,
    household_clocks,
    load_timescales,
)

ONE_DAY = datetime.timedelta(days=1)

WARNING, BREACH = "warning", "breach"
LEVELS = (WARNING, BREACH)
OPEN, ACKNOWLEDGED, CLOSED = "open", "acknowledged", "closed"
STATUSES = (OPEN, ACKNOWLEDGED, CLOSED)

SWEEP_BY = "alert sweep"
NAMESPACE = uuid.UUID("3c1f0f57-8a0e-5d4b-b2f1-6a4b1f0de9a2")

# Why an alert closes without a stopping milestone.
CLOCK_GONE = "the clock no longer exists (the milestone that started it was corrected or withdrawn)"
NOT_DUE_NOW = "the clock is no longer due (its dates were corrected)"
DATES_CORRECTED = "the clock's due date was corrected"
CLOCK_RUNS_AGAIN = "the clock runs again"


# --------------------------------------------------------------------------- errors


class AlertNotFound(JourneyError):
    rule = "unknown alert"


class AlertClosed(JourneyError):
    """Only an open alert can be acknowledged."""

    rule = "alert closed"


class AlertAlreadyAcknowledged(JourneyError):
    rule = "alert already acknowledged"


# --------------------------------------------------------------------------- identity


def alert_id(subject_id: uuid.UUID | str, rule_id: str, started_on: datetime.date | str) -> uuid.UUID:
    """The alert of one clock: the same (stream, rule, clock start) always gives the same id."""
    started = started_on if isinstance(started_on, str) else started_on.isoformat()
    return uuid.uuid5(NAMESPACE, f"alert:{uuid.UUID(str(subject_id))}:{rule_id}:{started}")


def parse_alert_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except (ValueError, AttributeError):
        raise InvalidValue(f"{text!r} is not an alert id (they look like 3f2b...-...; see `journey alerts list`)") from None


# --------------------------------------------------------------------------- state


def _date(value: Any) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _later(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


@dataclasses.dataclass
class AlertState:
    """An alert as it stands: what the sweep needs to decide what changes next.

    `last_effective_on` is the latest date any of its changes took effect;
    `swept_until` the latest sweep date (or acknowledgement date) that changed it.
    """

    id: uuid.UUID
    subject: str
    subject_id: str
    rule_id: str
    started_on: datetime.date
    due_on: datetime.date
    warn_on: datetime.date | None
    level: str
    status: str
    raised_on: datetime.date
    child_ref: str | None = None
    local_authority: str | None = None
    household_ref: str | None = None
    breach_on: datetime.date | None = None
    acknowledged_on: datetime.date | None = None
    acknowledged_by: str | None = None
    review_on: datetime.date | None = None
    closed_on: datetime.date | None = None
    stopped_by: str | None = None
    last_effective_on: datetime.date | None = None
    swept_until: datetime.date | None = None
    version: int = 0

    # Each event's effect, shared by the aggregate and the read table.

    @classmethod
    def raised(cls, alert_uuid: uuid.UUID, e: Any) -> AlertState:
        return cls(
            id=alert_uuid,
            subject=e.subject,
            subject_id=e.subject_id,
            rule_id=e.rule_id,
            started_on=e.started_on,
            due_on=e.due_on,
            warn_on=e.warn_on,
            level=e.level,
            status=OPEN,
            raised_on=e.effective_on,
            child_ref=e.child_ref,
            local_authority=e.local_authority,
            household_ref=e.household_ref,
            breach_on=e.effective_on if e.level == BREACH else None,
            last_effective_on=e.effective_on,
            swept_until=e.swept_on,
        )

    def _took_effect(self, e: Any) -> None:
        self.last_effective_on = _later(self.last_effective_on, e.effective_on)
        self.swept_until = _later(self.swept_until, getattr(e, "swept_on", None))

    def escalated(self, e: Any) -> None:
        self.level = BREACH
        self.breach_on = self.breach_on or e.effective_on
        if self.status == ACKNOWLEDGED:
            self.status = OPEN
            self.review_on = None
        self._took_effect(e)

    def acknowledged(self, e: Any) -> None:
        self.status = ACKNOWLEDGED
        self.acknowledged_on = e.effective_on
        self.acknowledged_by = e.acknowledged_by
        self.review_on = e.review_on
        self.last_effective_on = _later(self.last_effective_on, e.effective_on)
        # A person has looked at it on that day: an earlier sweep leaves it alone.
        self.swept_until = _later(self.swept_until, e.effective_on)

    def returned_for_review(self, e: Any) -> None:
        self.status = OPEN
        self.review_on = None
        self._took_effect(e)

    def closed(self, e: Any) -> None:
        self.status = CLOSED
        self.closed_on = e.effective_on
        self.stopped_by = e.stopped_by
        self.review_on = None
        self._took_effect(e)

    def reopened(self, e: Any) -> None:
        self.status = OPEN
        if e.level == BREACH and self.level != BREACH:
            self.breach_on = self.breach_on or e.effective_on
        self.level = e.level
        self.closed_on = None
        self.stopped_by = None
        self.acknowledged_on = self.acknowledged_by = self.review_on = None
        self._took_effect(e)

    def rescheduled(self, e: Any) -> None:
        self.due_on = e.due_on
        self.warn_on = e.warn_on
        if e.level == BREACH and self.level != BREACH:
            self.breach_on = self.breach_on or e.effective_on
        self.level = e.level
        self._took_effect(e)

    def key(self) -> tuple[str, str, datetime.date]:
        return (self.subject_id, self.rule_id, self.started_on)


# --------------------------------------------------------------------------- aggregate


class Alert(Aggregate):
    """One clock's delay alert, as a stream of events."""

    class Raised(Aggregate.Created):
        class_version = 1
        subject: str
        subject_id: str
        child_ref: str | None
        local_authority: str | None
        household_ref: str | None
        rule_id: str
        started_on: datetime.date
        due_on: datetime.date
        warn_on: datetime.date | None
        level: str
        effective_on: datetime.date
        swept_on: datetime.date

    class Escalated(Aggregate.Event):
        """Breach: the day after the due date (`effective_on`)."""

        class_version = 1
        effective_on: datetime.date
        swept_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.escalated(self)

    class Acknowledged(Aggregate.Event):
        class_version = 1
        acknowledged_by: str
        note: str
        effective_on: datetime.date
        review_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.acknowledged(self)

    class ReturnedForReview(Aggregate.Event):
        """An acknowledged alert whose clock still runs, back for review on `effective_on`."""

        class_version = 1
        effective_on: datetime.date
        swept_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.returned_for_review(self)

    class Closed(Aggregate.Event):
        """The clock stopped on `effective_on` by `stopped_by` (None: no milestone stopped it; see `reason`)."""

        class_version = 1
        effective_on: datetime.date
        stopped_by: str | None
        reason: str
        swept_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.closed(self)

    class Reopened(Aggregate.Event):
        class_version = 1
        effective_on: datetime.date
        level: str
        reason: str
        swept_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.reopened(self)

    class Rescheduled(Aggregate.Event):
        """A correction moved the clock's due (and warning) date."""

        class_version = 1
        effective_on: datetime.date
        due_on: datetime.date
        warn_on: datetime.date | None
        level: str
        reason: str
        swept_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.rescheduled(self)

    def __init__(
        self,
        id: uuid.UUID,
        subject: str,
        subject_id: str,
        child_ref: str | None,
        local_authority: str | None,
        household_ref: str | None,
        rule_id: str,
        started_on: datetime.date,
        due_on: datetime.date,
        warn_on: datetime.date | None,
        level: str,
        effective_on: datetime.date,
        swept_on: datetime.date,
    ) -> None:
        raised = {k: v for k, v in locals().items() if k not in ("self", "id", "__class__")}
        self.state = AlertState.raised(id, types.SimpleNamespace(**raised))

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def level(self) -> str:
        return self.state.level

    def current_state(self) -> AlertState:
        """A copy of the state, with the aggregate's version."""
        return dataclasses.replace(self.state, version=self.version)

    def acknowledge(self, *, by: str, note: str, on: datetime.date, review_after_days: int) -> None:
        if self.state.status == CLOSED:
            raise AlertClosed(f"alert {self.id} is closed (its clock stopped on {self.state.closed_on}); nothing to acknowledge")
        if self.state.status == ACKNOWLEDGED:
            raise AlertAlreadyAcknowledged(
                f"alert {self.id} was acknowledged by {self.state.acknowledged_by} on {self.state.acknowledged_on}; "
                f"it comes back for review on {self.state.review_on}"
            )
        self.trigger_event(
            self.Acknowledged,
            acknowledged_by=by,
            note=note,
            effective_on=on,
            review_on=on + datetime.timedelta(days=review_after_days),
        )

    def record(self, change: Change) -> None:
        """Record a change the sweep worked out (not a raise: see `raise_alert`)."""
        event_class = _EVENT_OF[change.kind]
        self.trigger_event(event_class, **change.fields, effective_on=change.effective_on, swept_on=change.swept_on)


ALERT_TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Alert.Raised,
        Alert.Escalated,
        Alert.Acknowledged,
        Alert.ReturnedForReview,
        Alert.Closed,
        Alert.Reopened,
        Alert.Rescheduled,
    )
)


# --------------------------------------------------------------------------- clock rows


CLOCK_ROW_FIELDS = (
    "subject_id",
    "subject",
    "child_ref",
    "local_authority",
    "household_ref",
    "rule_id",
    "started_on",
    "due_on",
    "warn_on",
    "stopped_on",
    "stopped_by",
    "running",
    "stops",
)


def clock_rows_for(
    subject_id: uuid.UUID | str,
    clocks: Iterable[Clock],
    *,
    subject: str = "child",
    child_ref: str | None = None,
    local_authority: str | None = None,
    household_ref: str | None = None,
    as_of: datetime.date | None = None,
) -> list[dict[str, Any]]:
    """The clocks read model's rows (plain dicts, ISO dates) for one stream's clocks.

    `running` is whether the clock runs on `as_of` (default: after every milestone
    known, i.e. no stop holds); `stops` is a JSON list of
    [stopped_on, stopped_by, resumed_on].
    """
    rows = []
    for c in clocks:
        running = c.stopped_on is None if as_of is None else c.is_running_on(as_of)
        rows.append(
            {
                "subject_id": str(subject_id),
                "subject": subject,
                "child_ref": child_ref,
                "local_authority": local_authority,
                "household_ref": household_ref,
                "rule_id": c.rule_id,
                "started_on": c.started_on.isoformat(),
                "due_on": c.due_on.isoformat(),
                "warn_on": _iso(c.warn_on),
                "stopped_on": _iso(c.stopped_on),
                "stopped_by": c.stopped_by,
                "running": int(running),
                "stops": json.dumps([[s.stopped_on.isoformat(), s.stopped_by, _iso(s.resumed_on)] for s in c.stops]),
            }
        )
    return rows


def clock_of_row(row: Mapping[str, Any]) -> Clock:
    """The `Clock` a clocks read-model row describes (dates as ISO text or dates; stops as JSON or a list)."""
    stops = row.get("stops") or []
    if isinstance(stops, str):
        stops = json.loads(stops)
    return Clock(
        rule_id=row["rule_id"],
        started_on=_date(row["started_on"]),
        due_on=_date(row["due_on"]),
        warn_on=_date(row.get("warn_on")),
        stops=tuple(Stop(_date(s[0]), s[1], _date(s[2]) if len(s) > 2 else None) for s in stops),
    )


def subject_id_of_row(row: Mapping[str, Any]) -> str:
    """The row's stream id (`subject_id`, or the projection's `stream_id`)."""
    return str(row.get("subject_id") or row["stream_id"])


def alert_id_of_row(row: Mapping[str, Any]) -> uuid.UUID:
    return alert_id(subject_id_of_row(row), row["rule_id"], _date(row["started_on"]))


def row_is_due(row: Mapping[str, Any], *, on: datetime.date, since: datetime.date | None) -> bool:
    """Whether a sweep for (`since`, `on`] must read this clock row for what came due.

    With `since`, a row whose warning date or the day after its due date falls in
    the window; without, a row alerting on `on` itself. (Open alerts are read as
    well, by key: that is the caller's part.)
    """
    warn_on, due_on = _date(row.get("warn_on")), _date(row["due_on"])
    if since is not None and since < on:
        return (warn_on is not None and since < warn_on <= on) or since <= due_on < on
    return clock_of_row(row).level_on(on) is not None


# --------------------------------------------------------------------------- the policy (pure)


@dataclasses.dataclass(frozen=True)
class Change:
    """One alert event to record: its kind, the date it takes effect, its other fields."""

    kind: str  # raised, escalated, returned_for_review, closed, reopened, rescheduled
    effective_on: datetime.date
    swept_on: datetime.date
    fields: Mapping[str, Any] = dataclasses.field(default_factory=dict)


_EVENT_OF = {
    "escalated": Alert.Escalated,
    "returned_for_review": Alert.ReturnedForReview,
    "closed": Alert.Closed,
    "reopened": Alert.Reopened,
    "rescheduled": Alert.Rescheduled,
}


@dataclasses.dataclass(frozen=True)
class AlertPlan:
    """What a sweep will record for one alert: its id, its clock row (None: the clock is gone), the changes."""

    alert_id: uuid.UUID
    row: Mapping[str, Any] | None
    changes: tuple[Change, ...]


def _holding_stop(clock: Clock, day: datetime.date) -> Stop | None:
    """The stop that holds the clock on `day` (None when it runs or has not started)."""
    for stop in clock.stops:
        if stop.stopped_on <= day and (stop.resumed_on is None or day < stop.resumed_on):
            return stop
    return None


def _first_alerting_day(clock: Clock) -> datetime.date:
    first = clock.warn_on if clock.warn_on is not None and clock.warn_on <= clock.due_on else clock.due_on + ONE_DAY
    return max(first, clock.started_on)


def alerting_since(clock: Clock, day: datetime.date) -> datetime.date:
    """The first day of the stretch in which `clock` has been alerting without a break up to `day`.

    It began at the warning date (or the day after the due date), or later when a
    stop held the clock until it ran again.
    """
    since = _first_alerting_day(clock)
    for stop in clock.stops:
        if stop.resumed_on is not None and stop.resumed_on <= day:
            since = max(since, stop.resumed_on)
    return since


def _change_points(clock: Clock, after: datetime.date, until: datetime.date, extra: Iterable[datetime.date | None] = ()) -> list[datetime.date]:
    """The days in (`after`, `until`] on which the clock's level or running can change, and `until`."""
    days = {clock.warn_on, clock.due_on + ONE_DAY, until, *extra}
    for stop in clock.stops:
        days.update((stop.stopped_on, stop.resumed_on))
    return sorted(d for d in days if d is not None and after < d <= until)


def _stop_reason(stop: Stop) -> str:
    return f"{stop.stopped_by} on {stop.stopped_on.isoformat()}"


def alert_changes(
    row: Mapping[str, Any] | None,
    state: AlertState | None,
    *,
    on: datetime.date,
    since: datetime.date | None = None,
) -> list[Change]:
    """The changes a sweep for `on` records for one alert (the first is `raised` for a new one).

    `row` is the alert's clock row (None: its clock no longer exists); `state` the
    alert as it stands (None: not raised). A new alert is raised when its clock
    alerts on some day in (`since`, `on`] (just `on` without `since`), dated from
    when that stretch of alerting began; the days in between are walked so that
    each change carries the date it took effect. A sweep for a date before the
    last sweep that changed the alert changes nothing.
    """
    if state is not None and state.swept_until is not None and state.swept_until > on:
        return []
    if row is None:
        if state is None or state.status == CLOSED:
            return []
        return [Change("closed", on, on, {"stopped_by": None, "reason": CLOCK_GONE})]

    clock = clock_of_row(row)
    window_start = since if since is not None and since < on else on - ONE_DAY
    changes: list[Change] = []

    if state is None:
        points = _change_points(clock, window_start, on, extra=[window_start + ONE_DAY])
        first = next((p for p in points if clock.level_on(p) is not None), None)
        if first is None:
            return []
        began = alerting_since(clock, first)
        level = clock.level_on(began)
        changes.append(
            Change(
                "raised",
                began,
                on,
                {
                    "subject": row.get("subject") or "child",
                    "subject_id": subject_id_of_row(row),
                    "child_ref": row.get("child_ref"),
                    "local_authority": row.get("local_authority"),
                    "household_ref": row.get("household_ref"),
                    "rule_id": row["rule_id"],
                    "started_on": clock.started_on,
                    "due_on": clock.due_on,
                    "warn_on": clock.warn_on,
                    "level": level,
                },
            )
        )
        sim = _Sim(status=OPEN, level=level, closed_on=None, review_on=None)
        after = began
    else:
        if (state.due_on, state.warn_on) != (clock.due_on, clock.warn_on):
            return _rescheduled(clock, state, on)
        sim = _Sim(status=state.status, level=state.level, closed_on=state.closed_on, review_on=state.review_on)
        after = state.last_effective_on or state.raised_on

    for day in _change_points(clock, after, on, extra=[sim.review_on]):
        change = _step(clock, sim, day, on)
        if change is None:
            continue
        changes.append(change)
        if change.kind == "reopened" and change.effective_on == on:
            break  # reopened by a correction: dated the day the sweep found it
    return changes


@dataclasses.dataclass
class _Sim:
    status: str
    level: str
    closed_on: datetime.date | None
    review_on: datetime.date | None


def _step(clock: Clock, sim: _Sim, day: datetime.date, on: datetime.date) -> Change | None:
    """What changes on `day` for an alert in state `sim` (updated in place)."""
    level = clock.level_on(day)
    if sim.status != CLOSED:
        if not clock.is_running_on(day):
            stop = _holding_stop(clock, day)
            sim.status, sim.closed_on, sim.review_on = CLOSED, stop.stopped_on if stop else day, None
            if stop is None:
                return Change("closed", day, on, {"stopped_by": None, "reason": CLOCK_GONE})
            return Change("closed", stop.stopped_on, on, {"stopped_by": stop.stopped_by, "reason": _stop_reason(stop)})
        if level is None:
            sim.status, sim.closed_on, sim.review_on = CLOSED, day, None
            return Change("closed", day, on, {"stopped_by": None, "reason": NOT_DUE_NOW})
        if level == BREACH and sim.level != BREACH:
            sim.level, sim.status, sim.review_on = BREACH, OPEN, None
            return Change("escalated", max(clock.due_on + ONE_DAY, alerting_since(clock, day)), on)
        if sim.status == ACKNOWLEDGED and sim.review_on is not None and day >= sim.review_on:
            review_on, sim.status, sim.review_on = sim.review_on, OPEN, None
            return Change("returned_for_review", review_on, on)
        return None
    if level is None:
        return None
    began = alerting_since(clock, day)
    # Ran again after the stop that closed it (a disruption): from that day.
    # Otherwise the stop itself went (a correction or withdrawal): from the sweep's day.
    effective = began if sim.closed_on is not None and began > sim.closed_on else on
    sim.status, sim.level, sim.closed_on = OPEN, level, None
    return Change("reopened", effective, on, {"level": level, "reason": CLOCK_RUNS_AGAIN})


def _rescheduled(clock: Clock, state: AlertState, on: datetime.date) -> list[Change]:
    level = clock.level_on(on)
    changes = [
        Change(
            "rescheduled",
            on,
            on,
            {"due_on": clock.due_on, "warn_on": clock.warn_on, "level": level or state.level, "reason": DATES_CORRECTED},
        )
    ]
    if state.status != CLOSED and level is None:
        stop = _holding_stop(clock, on)
        if stop is not None:
            changes.append(Change("closed", stop.stopped_on, on, {"stopped_by": stop.stopped_by, "reason": _stop_reason(stop)}))
        else:
            changes.append(Change("closed", on, on, {"stopped_by": None, "reason": NOT_DUE_NOW}))
    elif state.status == CLOSED and level is not None:
        changes.append(Change("reopened", on, on, {"level": level, "reason": CLOCK_RUNS_AGAIN}))
    return changes


def plan_sweep(
    rows: Iterable[Mapping[str, Any]],
    alerts: Iterable[AlertState],
    *,
    on: datetime.date,
    since: datetime.date | None = None,
) -> list[AlertPlan]:
    """What a sweep for `on` records: one plan per alert that changes.

    `rows` are the clock rows read (those that came due in the window and those of
    the alerts given); `alerts` the states of the alerts that are not closed (and
    of any other alert of the rows). An alert that is not closed and whose clock
    is not among `rows` has lost its clock and is closed: so `rows` must hold the
    clock of every not-closed alert given that still exists.
    """
    states = {a.id: a for a in alerts}
    plans: list[AlertPlan] = []
    seen: set[uuid.UUID] = set()
    for row in rows:
        aid = alert_id_of_row(row)
        if aid in seen:
            continue
        seen.add(aid)
        changes = alert_changes(row, states.get(aid), on=on, since=since)
        if changes:
            plans.append(AlertPlan(aid, row, tuple(changes)))
    for aid, state in states.items():
        if aid not in seen and state.status != CLOSED:
            changes = alert_changes(None, state, on=on, since=since)
            if changes:
                plans.append(AlertPlan(aid, None, tuple(changes)))
    return plans


# --------------------------------------------------------------------------- the alerts read table


SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    child_ref TEXT,
    local_authority TEXT,
    household_ref TEXT,
    rule_id TEXT NOT NULL,
    started_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    warn_on TEXT,
    level TEXT NOT NULL,
    status TEXT NOT NULL,
    raised_on TEXT NOT NULL,
    breach_on TEXT,
    acknowledged_on TEXT,
    acknowledged_by TEXT,
    review_on TEXT,
    closed_on TEXT,
    stopped_by TEXT,
    last_effective_on TEXT,
    swept_until TEXT,
    version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_status ON alerts (status, local_authority);
CREATE INDEX IF NOT EXISTS alerts_by_subject ON alerts (subject_id);
CREATE INDEX IF NOT EXISTS alerts_by_breach_on ON alerts (breach_on);
CREATE TABLE IF NOT EXISTS alert_changes (
    alert_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    change TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    level TEXT NOT NULL,
    status TEXT NOT NULL,
    due_on TEXT NOT NULL,
    stopped_by TEXT,
    by TEXT,
    PRIMARY KEY (alert_id, version)
);
CREATE INDEX IF NOT EXISTS alert_changes_by_effective_on ON alert_changes (effective_on);
CREATE TABLE IF NOT EXISTS alert_positions (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_sweeps (
    swept_on TEXT NOT NULL,
    since TEXT,
    finished_at TEXT NOT NULL,
    changes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_sweeps_by_day ON alert_sweeps (swept_on);
"""

_STATE_COLUMNS = [f.name for f in dataclasses.fields(AlertState)]
_DATE_COLUMNS = {
    "started_on", "due_on", "warn_on", "raised_on", "breach_on", "acknowledged_on",
    "review_on", "closed_on", "last_effective_on", "swept_until",
}
# Bump when the tables built from the alert events change shape: they are then
# emptied and rebuilt from the log (`alert_sweeps` and the change follower's
# position are kept: the log cannot rebuild them).
TABLE_VERSION = 1
REBUILT_TABLES = ("alerts", "alert_changes")
EVENTS_POSITION = "alert events"
VERSION_POSITION = "table version"
CHANGES_POSITION = "journeys followed"


class AlertTable:
    """The alerts read table in the read-models SQLite file, built from the alert events.

    `alerts` holds each alert as it stands; `alert_changes` each change with the
    date it took effect and the state it left (for listing as of a past date);
    `alert_positions` how far in the event log the table (and the change
    follower) has read; `alert_sweeps` the dates swept.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()

    @classmethod
    def of(cls, app: Any) -> AlertTable:
        """The application's alerts table (one per application, so connections are reused)."""
        table = getattr(app, "_alert_table", None)
        if table is None:
            table = cls(app.settings.read_models_path)
            app._alert_table = table
        return table

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=30000")
            _use_wal(conn)
            with _write(conn):
                self._create_tables(conn)
            self._local.conn = conn
        return conn

    def _create_tables(self, conn: sqlite3.Connection) -> None:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        if self._position(conn, VERSION_POSITION) == TABLE_VERSION:
            return
        for table in REBUILT_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute("DELETE FROM alert_positions WHERE name = ?", (EVENTS_POSITION,))
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            "INSERT OR REPLACE INTO alert_positions (name, position) VALUES (?, ?)", (VERSION_POSITION, TABLE_VERSION)
        )

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- building from the log ----------------------------------------------------

    def catch_up(self, app: Any, batch: int = 500) -> int:
        """Apply the alert events recorded since the table last read the log; returns how many."""
        conn = self.connection()
        applied = 0
        while True:
            with _write(conn):
                position = self._position(conn, EVENTS_POSITION)
                notifications = app.recorder.select_notifications(
                    start=position + 1, limit=batch, topics=ALERT_TOPICS
                )
                if not notifications:
                    return applied
                for notification in notifications:
                    self._apply(conn, app.mapper.to_domain_event(notification))
                self._set_position(conn, EVENTS_POSITION, notifications[-1].id)
                applied += len(notifications)

    def _apply(self, conn: sqlite3.Connection, event: Any) -> None:
        aid = event.originator_id
        if isinstance(event, Alert.Raised):
            state = AlertState.raised(aid, event)
            by = SWEEP_BY
        else:
            found = conn.execute("SELECT * FROM alerts WHERE id = ?", (str(aid),)).fetchone()
            if found is None:
                return  # its Raised was never seen: cannot happen with a whole log
            state = _state_of_row(found)
            if state.version >= event.originator_version:
                return
            event.apply(types.SimpleNamespace(state=state))
            by = getattr(event, "acknowledged_by", SWEEP_BY)
        state.version = event.originator_version
        values = _row_of_state(state)
        conn.execute(
            f"INSERT OR REPLACE INTO alerts ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            list(values.values()),
        )
        conn.execute(
            "INSERT OR REPLACE INTO alert_changes"
            " (alert_id, version, change, effective_on, recorded_at, level, status, due_on, stopped_by, by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                str(aid),
                event.originator_version,
                _CHANGE_NAME[type(event).__name__],
                event.effective_on.isoformat(),
                event.timestamp.astimezone(datetime.timezone.utc).isoformat(),
                state.level,
                state.status,
                state.due_on.isoformat(),
                state.stopped_by if state.status == CLOSED else None,
                by,
            ),
        )

    def _position(self, conn: sqlite3.Connection, name: str) -> int:
        found = conn.execute("SELECT position FROM alert_positions WHERE name = ?", (name,)).fetchone()
        return found[0] if found else 0

    def _set_position(self, conn: sqlite3.Connection, name: str, position: int) -> None:
        conn.execute(
            "INSERT INTO alert_positions (name, position) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET position = max(position, excluded.position)",
            (name, position),
        )

    def position(self, name: str) -> int | None:
        found = self.connection().execute("SELECT position FROM alert_positions WHERE name = ?", (name,)).fetchone()
        return found[0] if found else None

    def set_position(self, name: str, position: int) -> None:
        conn = self.connection()
        with _write(conn):
            self._set_position(conn, name, position)

    # -- reading ---------------------------------------------------------------------

    def not_closed(self) -> list[AlertState]:
        """Every alert that is open or acknowledged."""
        rows = self.connection().execute("SELECT * FROM alerts WHERE status IN (?, ?)", (OPEN, ACKNOWLEDGED))
        return [_state_of_row(r) for r in rows]

    def states(self, ids: Iterable[uuid.UUID]) -> list[AlertState]:
        conn = self.connection()
        found = []
        ids = [str(i) for i in ids]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found += conn.execute(f"SELECT * FROM alerts WHERE id IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
        return [_state_of_row(r) for r in found]

    def of_subjects(self, subject_ids: Iterable[str]) -> list[AlertState]:
        conn = self.connection()
        found = []
        for sid in subject_ids:
            found += conn.execute("SELECT * FROM alerts WHERE subject_id = ?", (str(sid),)).fetchall()
        return [_state_of_row(r) for r in found]

    def as_of(self, day: datetime.date, *, local_authority: str | None = None) -> list[dict[str, Any]]:
        """Every alert as it stood on `day`: its last change (in the order recorded)
        among those that had taken effect by then."""
        params: list[Any] = [day.isoformat(), day.isoformat()]
        where = ""
        if local_authority is not None:
            where = " AND a.local_authority = ?"
            params.append(local_authority)
        rows = self.connection().execute(
            "SELECT a.*, c.level AS level_then, c.status AS status_then, c.due_on AS due_on_then,"
            " c.effective_on AS since_then, c.change AS change_then, c.stopped_by AS stopped_by_then"
            " FROM alerts a JOIN alert_changes c ON c.alert_id = a.id"
            " WHERE a.raised_on <= ? AND c.version = ("
            "   SELECT max(version) FROM alert_changes c2 WHERE c2.alert_id = a.id AND c2.effective_on <= ?)"
            + where,
            params,
        )
        return [dict(r) for r in rows]

    def current(self, *, local_authority: str | None = None, statuses: Sequence[str] = STATUSES) -> list[dict[str, Any]]:
        params: list[Any] = list(statuses)
        sql = f"SELECT * FROM alerts WHERE status IN ({', '.join('?' * len(statuses))})"
        if local_authority is not None:
            sql += " AND local_authority = ?"
            params.append(local_authority)
        return [dict(r) for r in self.connection().execute(sql, params)]

    # -- sweeps ---------------------------------------------------------------------

    def last_swept(self) -> datetime.date | None:
        found = self.connection().execute("SELECT max(swept_on) FROM alert_sweeps").fetchone()
        return _date(found[0]) if found and found[0] else None

    def record_sweep(self, on: datetime.date, since: datetime.date | None, changes: int) -> None:
        conn = self.connection()
        with _write(conn):
            conn.execute(
                "INSERT INTO alert_sweeps (swept_on, since, finished_at, changes) VALUES (?, ?, ?, ?)",
                (on.isoformat(), _iso(since), journey_clock.now().isoformat(), changes),
            )


_CHANGE_NAME = {
    "Raised": "raised",
    "Escalated": "escalated",
    "Acknowledged": "acknowledged",
    "ReturnedForReview": "returned_for_review",
    "Closed": "closed",
    "Reopened": "reopened",
    "Rescheduled": "rescheduled",
}


def _use_wal(conn: sqlite3.Connection, attempts: int = 100) -> None:
    """WAL mode, so readers never wait for a sweep. Switching a new file to WAL
    needs a moment alone with it, and SQLite does not wait for that: retry."""
    for attempt in range(attempts):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))


class _write:
    """BEGIN IMMEDIATE ... COMMIT: take SQLite's write lock first, so two writers
    queue instead of one failing when it tries to upgrade a read."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind, value, traceback) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


def _state_of_row(row: sqlite3.Row | Mapping[str, Any]) -> AlertState:
    values = {name: row[name] for name in _STATE_COLUMNS}
    for name in _DATE_COLUMNS:
        values[name] = _date(values[name])
    values["id"] = uuid.UUID(values["id"])
    return AlertState(**values)


def _row_of_state(state: AlertState) -> dict[str, Any]:
    values = dataclasses.asdict(state)
    values["id"] = str(state.id)
    for name in _DATE_COLUMNS:
        values[name] = _iso(values[name])
    return values


# --------------------------------------------------------------------------- the policy (recording)


@dataclasses.dataclass
class SweepReport:
    """What one sweep did."""

    on: datetime.date
    since: datetime.date | None = None
    rows_read: int = 0
    counts: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def changes(self) -> int:
        return sum(self.counts.values())

    def add(self, change: Change) -> None:
        self.counts[change.kind] = self.counts.get(change.kind, 0) + 1

    def merge(self, other: SweepReport) -> None:
        self.rows_read += other.rows_read
        for kind, n in other.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n

    def describe(self) -> str:
        window = f"{self.since + ONE_DAY} to {self.on}" if self.since is not None and self.since < self.on - ONE_DAY else f"{self.on}"
        if not self.changes:
            return f"Swept {window}: no alert changed ({self.rows_read} clock(s) read)."
        done = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(self.counts.items()))
        return f"Swept {window}: {done} ({self.rows_read} clock(s) read)."


SAVE_BATCH = 200


def timescales_of(app: Any) -> Timescales:
    """The timescales in force for this tracker (`<data dir>/timescales.toml` over the defaults)."""
    return load_timescales(Path(app.settings.data_dir) / RULES_FILE_NAME)


def record_plans(app: Any, plans: Sequence[AlertPlan], *, on: datetime.date, since: datetime.date | None, report: SweepReport) -> None:
    """Record the planned changes as alert events, a batch per transaction.

    Each alert is re-read from the event store and its changes worked out again
    from what is stored, so a sweep racing another (or an acknowledgement) never
    records a change twice: the library's IntegrityError makes the batch retry.
    """
    for start in range(0, len(plans), SAVE_BATCH):
        batch = plans[start : start + SAVE_BATCH]

        def attempt(batch=batch) -> list[Change]:
            alerts, recorded = [], []
            for plan in batch:
                alert = _load_alert(app, plan.alert_id)
                state = alert.current_state() if alert is not None else None
                changes = alert_changes(plan.row, state, on=on, since=since)
                for change in changes:
                    if change.kind == "raised":
                        alert = raise_alert(plan.alert_id, change)
                    else:
                        alert.record(change)
                    recorded.append(change)
                if alert is not None and changes:
                    alerts.append(alert)
            if alerts:
                app.save(*alerts)
            return recorded

        for change in app.retrying("alerts", attempt):
            report.add(change)


def raise_alert(aid: uuid.UUID, change: Change) -> Alert:
    return Alert._create(Alert.Raised, id=aid, effective_on=change.effective_on, swept_on=change.swept_on, **change.fields)


def _load_alert(app: Any, aid: uuid.UUID) -> Alert | None:
    try:
        return app.repository.get(aid)
    except AggregateNotFoundError:
        return None


ClockRowSource = Callable[..., Iterable[Mapping[str, Any]]]
LAST_SWEPT: Any = object()  # `sweep(since=...)` default: the last date swept


def sweep(
    app: Any,
    clock_rows: ClockRowSource,
    *,
    on: datetime.date | None = None,
    since: datetime.date | None = LAST_SWEPT,
) -> SweepReport:
    """Sweep for `on` (default today): raise, escalate, close, reopen and return alerts.

    `clock_rows(on=, since=, keys=)` gives the clock rows that came due in
    (`since`, `on`] and the rows of the given alert keys (subject id, rule id,
    start). `since` defaults to the last date swept (a catch-up after days
    down raises each alert once, dated when it fell due); with none, or when it
    is not before `on`, the sweep looks at `on` alone. Idempotent.
    """
    on = on or journey_clock.today()
    table = AlertTable.of(app)
    if since is LAST_SWEPT:
        since = table.last_swept()
    if since is not None and since >= on:
        since = None
    table.catch_up(app)
    open_alerts = table.not_closed()
    keys = [a.key() for a in open_alerts]
    rows = list(clock_rows(on=on, since=since, keys=keys))
    # An open alert whose clock the read model lacks is closed only if its own
    # stream says the clock is gone (never because a read model was being rebuilt).
    read = {alert_id_of_row(r) for r in rows}
    lacking = {a.subject_id for a in open_alerts if a.id not in read}
    if lacking:
        rows += rows_of_streams(app, lacking, timescales_of(app))[0]
    wanted = {a.id for a in open_alerts}
    others = [aid for aid in {alert_id_of_row(r) for r in rows} if aid not in wanted]
    states = open_alerts + table.states(others)
    report = SweepReport(on, since, rows_read=len(rows))
    plans = plan_sweep(rows, states, on=on, since=since)
    record_plans(app, plans, on=on, since=since, report=report)
    table.catch_up(app)
    table.record_sweep(on, since, report.changes)
    return report


def clock_rows_of_stream(app: Any, stream: Any, timescales: Timescales) -> list[dict[str, Any]]:
    """The clock rows of one child's or household's stream, worked out from its milestones."""
    from journey.child import ChildJourney

    if isinstance(stream, ChildJourney):
        clocks = child_clocks(stream.milestones(), timescales.rules)
        return clock_rows_for(stream.id, clocks, subject="child", child_ref=stream.child_ref, local_authority=stream.local_authority)
    clocks = household_clocks(stream.milestones(), timescales.rules)
    return clock_rows_for(stream.id, clocks, subject="household", household_ref=stream.household_ref)


def sweep_streams(app: Any, stream_ids: Iterable[uuid.UUID], *, on: datetime.date | None = None, timescales: Timescales | None = None) -> SweepReport:
    """Sweep every clock and alert of these child or household streams, for `on` (default today).

    For after a milestone is recorded, corrected or withdrawn: closes what it
    stopped (naming the milestone), reopens what it made run again, raises what it
    made due. Needs no read model: the clocks come from the streams themselves.
    """
    on = on or journey_clock.today()
    timescales = timescales or timescales_of(app)
    table = AlertTable.of(app)
    last = table.last_swept()
    since = last if last is not None and last < on else None
    table.catch_up(app)
    rows, ids = rows_of_streams(app, stream_ids, timescales)
    report = SweepReport(on, since, rows_read=len(rows))
    if not ids:
        return report
    states = table.of_subjects(ids)
    plans = plan_sweep(rows, states, on=on, since=since)
    record_plans(app, plans, on=on, since=since, report=report)
    table.catch_up(app)
    return report


def rows_of_streams(app: Any, stream_ids: Iterable[uuid.UUID | str], timescales: Timescales) -> tuple[list[dict[str, Any]], list[str]]:
    """The clock rows of these child or household streams (from the event store), and the ids found."""
    rows: list[dict[str, Any]] = []
    found = []
    for sid in dict.fromkeys(uuid.UUID(str(s)) for s in stream_ids):
        try:
            stream = app.repository.get(sid)
        except AggregateNotFoundError:
            continue
        if isinstance(stream, Alert):
            continue
        found.append(str(sid))
        rows += clock_rows_of_stream(app, stream, timescales)
    return rows, found


def sweep_child(app: Any, la: str, child_ref: str, *, on: datetime.date | None = None) -> SweepReport:
    """Sweep one child, and the households its milestones name (call after record, correct or withdraw)."""
    journey = app.load_child(la, child_ref)
    households = {e.details.get("household") for e in journey.entries.values()} - {None, ""}
    ids = [journey.id] + [app.household_id(h) for h in sorted(households)]
    return sweep_streams(app, ids, on=on)


def sweep_household(app: Any, household_ref: str, *, on: datetime.date | None = None) -> SweepReport:
    """Sweep one adoptive household (call after recording a household milestone)."""
    return sweep_streams(app, [app.household_id(household_ref)], on=on)


_JOURNEY_TOPIC_PREFIXES = ("journey.child:", "journey.household:")


def sweep_changes(app: Any, *, on: datetime.date | None = None, batch: int = 1000) -> SweepReport:
    """Sweep the children and households recorded since the last call (the scheduler's catch-up).

    The first call only notes where the log ends: the daily sweep covers what came before.
    """
    on = on or journey_clock.today()
    table = AlertTable.of(app)
    position = table.position(CHANGES_POSITION)
    report = SweepReport(on)
    if position is None:
        table.set_position(CHANGES_POSITION, app.recorder.max_notification_id() or 0)
        return report
    while True:
        notifications = app.recorder.select_notifications(start=position + 1, limit=batch)
        if not notifications:
            return report
        changed = [n.originator_id for n in notifications if n.topic.startswith(_JOURNEY_TOPIC_PREFIXES)]
        if changed:
            report.merge(sweep_streams(app, changed, on=on))
        position = notifications[-1].id
        table.set_position(CHANGES_POSITION, position)


def start_following_changes(app: Any) -> None:
    """Note where the log ends, once, so that `sweep_changes` follows only what comes after."""
    table = AlertTable.of(app)
    if table.position(CHANGES_POSITION) is None:
        table.set_position(CHANGES_POSITION, app.recorder.max_notification_id() or 0)


def clock_rows_by_replay(
    app: Any,
    *,
    on: datetime.date,
    since: datetime.date | None,
    keys: Iterable[tuple[str, str, datetime.date]] = (),
    timescales: Timescales | None = None,
) -> list[dict[str, Any]]:
    """The clock rows a sweep needs, worked out by replaying every stream.

    A stand-in for the clocks read model (it reads every child, so it is for
    small stores and tests); same answer as `clock_rows_from_read_model`.
    """
    from journey.child import ChildJourney
    from journey.household import Household

    timescales = timescales or timescales_of(app)
    wanted = {(str(s), r, _date(d)) for s, r, d in keys}
    rows = []
    for stream in app.all_journeys():
        if not isinstance(stream, (ChildJourney, Household)):
            continue
        for row in clock_rows_of_stream(app, stream, timescales):
            key = (row["subject_id"], row["rule_id"], _date(row["started_on"]))
            if key in wanted or row_is_due(row, on=on, since=since):
                rows.append(row)
    return rows


def clock_rows_from_read_model(
    conn: sqlite3.Connection,
    *,
    on: datetime.date,
    since: datetime.date | None,
    keys: Iterable[tuple[str, str, datetime.date]] = (),
    table: str = "clocks",
) -> list[dict[str, Any]]:
    """The clock rows a sweep for (`since`, `on`] needs, read from the clocks read model.

    Reads by the indexes on warn_on and due_on only the rows that came due in the
    window, then the rows of the given alert keys one by one (primary key): so the
    time taken follows the number due, not the number of children. Without
    `since` (a first sweep, or a sweep for a date already passed) it reads the rows
    alerting on `on`: those running now or stopped after `on` whose first alerting
    day (`alert_from`) has come.

    The table's stream column may be called `stream_id` (the projection's) or
    `subject_id`; rows come back with both.
    """
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row  # the caller's connection is left as it was
    columns = {r[1] for r in cursor.execute(f"PRAGMA table_info({table})")}
    stream = "stream_id" if "stream_id" in columns else "subject_id"
    found: dict[tuple, dict[str, Any]] = {}

    def add(rows: Iterable[sqlite3.Row]) -> None:
        for r in rows:
            row = dict(r)
            row.setdefault("subject_id", row.get("stream_id"))
            found.setdefault((row["subject_id"], row["rule_id"], row["started_on"]), row)

    d_on = on.isoformat()
    if since is not None and since < on:
        d_since = since.isoformat()
        add(cursor.execute(f"SELECT * FROM {table} WHERE warn_on > ? AND warn_on <= ?", (d_since, d_on)))
        add(cursor.execute(f"SELECT * FROM {table} WHERE due_on >= ? AND due_on < ?", (d_since, d_on)))
    else:
        # A clock alerting on `on` runs on it: it runs now, or the stop that holds
        # now came after `on` (a stop that began by then still held on it).
        if "alert_from" in columns:
            first_day = "alert_from <= ?"
            params: tuple = (d_on,)
        else:
            first_day = "(warn_on <= ? OR due_on < ?)"
            params = (d_on, d_on)
        candidates = list(cursor.execute(f"SELECT * FROM {table} WHERE running = 1 AND {first_day}", params))
        candidates += cursor.execute(f"SELECT * FROM {table} WHERE stopped_on > ? AND {first_day}", (d_on, *params))
        add(r for r in candidates if clock_of_row(dict(r)).level_on(on) is not None)
    for subject_id, rule_id, started_on in keys:
        started = started_on.isoformat() if isinstance(started_on, datetime.date) else started_on
        if (str(subject_id), rule_id, started) in found:
            continue
        add(
            cursor.execute(
                f"SELECT * FROM {table} WHERE {stream} = ? AND rule_id = ? AND started_on = ?",
                (str(subject_id), rule_id, started),
            )
        )
    return list(found.values())


# --------------------------------------------------------------------------- commands and queries


def acknowledge(app: Any, aid: uuid.UUID | str, *, by: str, note: str, on: datetime.date | None = None) -> dict[str, Any]:
    """A person acknowledges an open alert with a note; it comes back for review later.

    Returns the alert as listed. Raises AlertNotFound, AlertClosed, AlertAlreadyAcknowledged.
    """
    aid = aid if isinstance(aid, uuid.UUID) else parse_alert_id(aid)
    if not by or not by.strip():
        raise InvalidValue("say who acknowledges the alert (--by)")
    if not note or not note.strip():
        raise InvalidValue("an acknowledgement needs a note (--note): what is being done about the delay")
    on = on or journey_clock.today()
    review_after_days = timescales_of(app).review_after_days

    def attempt() -> Alert:
        alert = _load_alert(app, aid)
        if alert is None:
            raise AlertNotFound(f"no alert {aid}")
        alert.acknowledge(by=by.strip(), note=note.strip(), on=on, review_after_days=review_after_days)
        app.save(alert)
        return alert

    alert = app.retrying(f"alert {aid}", attempt)
    table = AlertTable.of(app)
    table.catch_up(app)
    return listed(_row_of_state(alert.current_state()))


def alert_events(app: Any, aid: uuid.UUID | str) -> list:
    aid = aid if isinstance(aid, uuid.UUID) else parse_alert_id(aid)
    events = list(app.events.get(aid))
    if not events or not isinstance(events[0], Alert.Raised):
        raise AlertNotFound(f"no alert {aid}")
    return events


def alert_history(app: Any, aid: uuid.UUID | str) -> list[dict[str, Any]]:
    """Every event of the alert in the order recorded, as plain values (replayed from the log)."""
    listed_events = []
    for event in alert_events(app, aid):
        kind = _CHANGE_NAME[type(event).__name__]
        entry: dict[str, Any] = {
            "version": event.originator_version,
            "change": kind,
            "effective_on": event.effective_on.isoformat(),
            "recorded_at": event.timestamp.astimezone(datetime.timezone.utc).isoformat(),
            "by": getattr(event, "acknowledged_by", SWEEP_BY),
        }
        for name in ("level", "stopped_by", "reason", "note", "review_on", "due_on", "warn_on", "rule_id", "started_on", "child_ref", "local_authority", "household_ref", "swept_on"):
            if hasattr(event, name):
                value = getattr(event, name)
                entry[name] = value.isoformat() if isinstance(value, datetime.date) else value
        listed_events.append(entry)
    return listed_events


def history_sentence(entry: Mapping[str, Any]) -> str:
    """One line of an alert's history in plain English."""
    recorded = datetime.datetime.fromisoformat(entry["recorded_at"]).astimezone(journey_clock.LONDON)
    when = f"{entry['effective_on']} (recorded {recorded:%d %b %Y %H:%M} by {entry['by']})"
    kind = entry["change"]
    if kind == "raised":
        what = (
            f"raised at {entry['level']}: {entry['rule_id']} clock started {entry['started_on']}, "
            f"due {entry['due_on']}" + (f", warning from {entry['warn_on']}" if entry.get("warn_on") else "")
        )
    elif kind == "escalated":
        what = "escalated to breach (the day after the due date)"
    elif kind == "acknowledged":
        what = f"acknowledged: \"{entry['note']}\"; back for review on {entry['review_on']}"
    elif kind == "returned_for_review":
        what = "back for review (acknowledged, and the clock still runs)"
    elif kind == "closed":
        what = f"closed: the clock stopped ({entry['reason']})" if entry.get("stopped_by") else f"closed: {entry['reason']}"
    elif kind == "reopened":
        what = f"reopened at {entry['level']}: {entry['reason']}"
    elif kind == "rescheduled":
        what = f"due date corrected to {entry['due_on']}" + (f" (warning from {entry['warn_on']})" if entry.get("warn_on") else "")
    else:  # pragma: no cover - every kind is listed above
        what = kind
    return f"{when}: {what}"


def listed(row: Mapping[str, Any], *, on: datetime.date | None = None) -> dict[str, Any]:
    """An alert as `journey alerts list` shows it: a row of the alerts table, or (with
    `on`) a row of `AlertTable.as_of(on)`, as it stood that day."""
    then = on is not None
    day = on.isoformat() if then else None
    breach_on = row["breach_on"]
    return {
        "id": row["id"],
        "subject": row["subject"],
        "child_ref": row["child_ref"],
        "household": row["household_ref"],
        "local_authority": row["local_authority"],
        "rule": row["rule_id"],
        "level": row["level_then"] if then else row["level"],
        "status": row["status_then"] if then else row["status"],
        "started_on": row["started_on"],
        "due_on": row["due_on_then"] if then else row["due_on"],
        "raised_on": row["raised_on"],
        "breach_on": breach_on if not then or (breach_on and breach_on <= day) else None,
        "acknowledged_by": row["acknowledged_by"] if not then else None,
        "review_on": row["review_on"] if not then else None,
        "closed_on": row["closed_on"] if not then else (row["since_then"] if row["status_then"] == CLOSED else None),
        "stopped_by": row["stopped_by"] if not then else row["stopped_by_then"],
        "since": row["since_then"] if then else row["last_effective_on"],
    }


def list_alerts(
    app: Any,
    *,
    on: datetime.date | None = None,
    la: str | None = None,
    status: str | None = None,
    level: str | None = None,
) -> list[dict[str, Any]]:
    """The alerts as they stood on `on` (default today), breaches first, then by due date.

    `la` (a council as users name it) leaves out other councils' children and
    every household; `status` and `level` filter.
    """
    today = journey_clock.today()
    on = on or today
    if status is not None and status not in STATUSES:
        raise InvalidValue(f"unknown status {status!r} (expected {', '.join(STATUSES)})")
    if level is not None and level not in LEVELS:
        raise InvalidValue(f"unknown level {level!r} (expected {', '.join(LEVELS)})")
    council = app.council(la).name if la else None
    table = AlertTable.of(app)
    table.catch_up(app)
    if on >= today:
        alerts = [listed(r) for r in table.current(local_authority=council)]
    else:
        alerts = [listed(r, on=on) for r in table.as_of(on, local_authority=council)]
    alerts = [a for a in alerts if (status is None or a["status"] == status) and (level is None or a["level"] == level)]
    return sorted(alerts, key=lambda a: (a["level"] != BREACH, a["status"] == CLOSED, a["due_on"], a["local_authority"] or "", a["child_ref"] or a["household"] or "", a["rule"]))


def iter_alerts(app: Any) -> Iterator[Alert]:
    """Every alert, replayed from the log (for checks and small tools)."""
    for stream in app.all_journeys():
        if isinstance(stream, Alert):
            yield stream
