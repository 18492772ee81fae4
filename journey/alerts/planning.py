"""The sweep's policy, pure: clock rows and alert states in, changes out.

A clock row is a plain dict shaped like a row of the clocks read model
(`clock_rows_for` makes them from `Clock`s). `alert_changes()` works out what
happens next to one alert; `plan_sweep()` does it for every alert a sweep reads.
Nothing here reads or writes a store: `sweeping` records what these decide.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from journey.alerts.alert import ACKNOWLEDGED, BREACH, CLOSED, OPEN, AlertState, Change, alert_id, as_date, as_iso
from journey.domain.clocks import ONE_DAY, Clock, Stop, first_alerting_day

# Why an alert closes without a stopping milestone.
CLOCK_GONE = "the clock no longer exists (the milestone that started it was corrected or withdrawn)"
NOT_DUE_NOW = "the clock is no longer due (its dates were corrected)"
DATES_CORRECTED = "the clock's due date was corrected"
CLOCK_RUNS_AGAIN = "the clock runs again"
# Why a closed alert closes again: its clock stopped on another date, or by another milestone.
STOP_CORRECTED = "the milestone that stopped the clock was corrected"


# --------------------------------------------------------------------------- clock rows


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
                "warn_on": as_iso(c.warn_on),
                "stopped_on": as_iso(c.stopped_on),
                "stopped_by": c.stopped_by,
                "running": int(running),
                "stops": json.dumps([[s.stopped_on.isoformat(), s.stopped_by, as_iso(s.resumed_on)] for s in c.stops]),
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
        started_on=as_date(row["started_on"]),
        due_on=as_date(row["due_on"]),
        warn_on=as_date(row.get("warn_on")),
        stops=tuple(Stop(as_date(s[0]), s[1], as_date(s[2]) if len(s) > 2 else None) for s in stops),
    )


def subject_id_of_row(row: Mapping[str, Any]) -> str:
    """The row's stream id (`subject_id`, or the projection's `stream_id`)."""
    return str(row.get("subject_id") or row["stream_id"])


def alert_id_of_row(row: Mapping[str, Any]) -> uuid.UUID:
    return alert_id(subject_id_of_row(row), row["rule_id"], as_date(row["started_on"]))


def row_is_due(row: Mapping[str, Any], *, on: datetime.date, since: datetime.date | None) -> bool:
    """Whether a sweep for (`since`, `on`] must read this clock row for what came due.

    With `since`, a row whose first alerting day (`first_alerting_day`) or the day
    after its due date falls in the window; without, a row alerting on `on` itself.
    (Open alerts are read as well, by key: that is the caller's part.)
    """
    if since is not None and since < on:
        started_on, due_on = as_date(row["started_on"]), as_date(row["due_on"])
        first = first_alerting_day(started_on, due_on, as_date(row.get("warn_on")))
        return since < first <= on or since <= due_on < on
    return clock_of_row(row).level_on(on) is not None


# --------------------------------------------------------------------------- the policy (pure)


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


def alerting_since(clock: Clock, day: datetime.date) -> datetime.date:
    """The first day of the stretch in which `clock` has been alerting without a break up to `day`.

    It began on the clock's first alerting day (`Clock.alerting_from`: the warning
    date, or the day after the due date), or later when a stop held the clock until
    it ran again.
    """
    since = clock.alerting_from
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
    each change carries the date it took effect. A closed alert whose clock now
    stops on another date or by another milestone (the stopping milestone was
    corrected, or an earlier one keyed late) is closed again by the stop that
    holds. A sweep for a date before the last sweep that changed the alert
    changes nothing.
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
        sim = _Sim(status=state.status, level=state.level, closed_on=state.closed_on, review_on=state.review_on,
                   stopped_by=state.stopped_by)
        # The day of the last change is looked at again: a stop recorded late (back-dated)
        # on the day the alert was acknowledged must still close it.
        after = (state.last_effective_on or state.raised_on) - ONE_DAY

    for day in _change_points(clock, after, on, extra=[sim.review_on]):
        change = _step(clock, sim, day, on)
        if change is None:
            continue
        changes.append(change)
        if change.kind == "reopened" and change.effective_on == on:
            break  # reopened by a correction: dated the day the sweep found it
    changes += _stop_moved(clock, sim, on)
    return changes


@dataclasses.dataclass
class _Sim:
    status: str
    level: str
    closed_on: datetime.date | None
    review_on: datetime.date | None
    stopped_by: str | None = None


def _stop_moved(clock: Clock, sim: _Sim, on: datetime.date) -> list[Change]:
    """A closed alert whose clock is stopped on `on` by another stop than the one it
    names (the stopping milestone's date corrected, or an earlier stop keyed late):
    closed again, dated by the stop that holds, so that its `closed_on`, `stopped_by`
    and whether it closed in time follow the journey. When the clock, as it now
    stands, ran past its due date before that stop, the alert is escalated first
    (dated when the breach began): a clock that stopped late was a breach."""
    if sim.status != CLOSED:
        return []
    stop = _holding_stop(clock, on)
    if stop is None or (stop.stopped_on, stop.stopped_by) == (sim.closed_on, sim.stopped_by):
        return []
    changes = []
    if sim.closed_on is not None and stop.stopped_on > sim.closed_on:
        # The stop moved later: by what is known now the alert was open from its old
        # stop (or from when its clock began alerting) to the new one, and a list
        # as of a day between shows it so.
        reopen_on = max(sim.closed_on, clock.alerting_from)
        level = clock.level_on(reopen_on)
        if reopen_on < stop.stopped_on and level is not None:
            sim.status, sim.level = OPEN, level
            changes.append(Change("reopened", reopen_on, on, {"level": level, "reason": f"open until {_stop_reason(stop)}: {STOP_CORRECTED}"}))
    if sim.level != BREACH:
        breached = next((d for d in _change_points(clock, clock.due_on, stop.stopped_on - ONE_DAY)
                         if clock.level_on(d) == BREACH), None)
        if breached is not None:
            sim.level = BREACH
            changes.append(Change("escalated", max(clock.due_on + ONE_DAY, alerting_since(clock, breached)), on))
    sim.closed_on, sim.stopped_by = stop.stopped_on, stop.stopped_by
    reason = f"{_stop_reason(stop)}: {STOP_CORRECTED}"
    changes.append(Change("closed", stop.stopped_on, on, {"stopped_by": stop.stopped_by, "reason": reason}))
    return changes


def _step(clock: Clock, sim: _Sim, day: datetime.date, on: datetime.date) -> Change | None:
    """What changes on `day` for an alert in state `sim` (updated in place)."""
    level = clock.level_on(day)
    if sim.status != CLOSED:
        if not clock.is_running_on(day):
            stop = _holding_stop(clock, day)
            sim.status, sim.closed_on, sim.review_on = CLOSED, stop.stopped_on if stop else day, None
            sim.stopped_by = stop.stopped_by if stop else None
            if stop is None:
                return Change("closed", day, on, {"stopped_by": None, "reason": CLOCK_GONE})
            return Change("closed", stop.stopped_on, on, {"stopped_by": stop.stopped_by, "reason": _stop_reason(stop)})
        if level is None:
            sim.status, sim.closed_on, sim.review_on, sim.stopped_by = CLOSED, day, None, None
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
    if sim.closed_on is not None and began > sim.closed_on:
        # Ran again after the stop that closed it (a disruption): from that day.
        effective = began
    else:
        # Otherwise the stop itself went or moved (a correction or withdrawal): known
        # from the sweep's day, at the level of that day. A clock that does not run
        # on it has stopped again (the stop moved later): closed by that stop instead.
        effective, level = on, clock.level_on(on)
        if level is None:
            return None
    sim.status, sim.level, sim.closed_on, sim.stopped_by = OPEN, level, None, None
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
    elif state.status == CLOSED:
        sim = _Sim(status=CLOSED, level=state.level, closed_on=state.closed_on, review_on=None, stopped_by=state.stopped_by)
        changes += _stop_moved(clock, sim, on)
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
