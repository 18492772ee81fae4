"""Sweeping: recording what the policy decides as alert events, then updating the table.

`sweep()` (the daily sweep), `sweep_streams()` (after a command changes some
streams) and `sweep_changes()` (the scheduler's catch-up), each over clock rows
the service reads from the clocks read model, work out the changes with
`planning`, record them as events in the tracker's event store (retrying on the
library's IntegrityError) and then bring the alerts table up to date.
"""

from __future__ import annotations

import dataclasses
import datetime
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from journey.alerts.alert import Alert
from journey.alerts.alert_table import CHANGES_POSITION, AlertTable
from journey.alerts.planning import (
    ONE_DAY,
    AlertPlan,
    Change,
    alert_changes,
    alert_id_of_row,
    clock_of_row,
    plan_sweep,
)
from journey.domain import clock as journey_clock
from journey.domain.timescale_rules import RULES_FILE_NAME, Timescales, load_timescales
from journey.domain.words import counted


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
            return f"Swept {window}: no alert changed ({counted(self.rows_read, 'clock')} read)."
        done = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(self.counts.items()))
        return f"Swept {window}: {done} ({counted(self.rows_read, 'clock')} read)."


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
                alert = load_alert(app, plan.alert_id)
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


def load_alert(app: Any, aid: uuid.UUID) -> Alert | None:
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
    stream_clock_rows: StreamClockRows,
) -> SweepReport:
    """Sweep for `on` (default today): raise, escalate, close, reopen and return alerts.

    `clock_rows(on=, since=, keys=)` gives the clock rows that came due in
    (`since`, `on`] and the rows of the given alert keys (subject id, rule id,
    start); `stream_clock_rows(ids)` every clock row of some streams (both from
    the clocks read model: the only clock path). `since` defaults to the last date
    swept (a catch-up after days down raises each alert once, dated when it fell
    due); with none, or when it is not before `on`, the sweep looks at `on` alone.
    Idempotent.
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
    # An open alert whose clock is not among the rows read: its stream's clocks
    # say whether the clock is gone (a correction moved its start, say). An alert
    # of a stream the read models do not know is left alone.
    read = {alert_id_of_row(r) for r in rows}
    lacking = sorted({a.subject_id for a in open_alerts if a.id not in read})
    if lacking:
        more, known = stream_clock_rows(lacking)
        rows += more
        unknown = set(lacking) - set(known)
        open_alerts = [a for a in open_alerts if a.subject_id not in unknown]
    wanted = {a.id for a in open_alerts}
    others = [aid for aid in {alert_id_of_row(r) for r in rows} if aid not in wanted]
    states = open_alerts + table.states(others)
    report = SweepReport(on, since, rows_read=len(rows))
    plans = plan_sweep(rows, states, on=on, since=since)
    record_plans(app, plans, on=on, since=since, report=report)
    table.catch_up(app)
    table.record_sweep(on, since, report.changes)
    return report


StreamClockRows = Callable[[list[str]], tuple[list[dict[str, Any]], list[str]]]


def sweep_streams(
    app: Any,
    stream_ids: Iterable[uuid.UUID | str],
    *,
    on: datetime.date | None = None,
    clock_rows: StreamClockRows,
) -> SweepReport:
    """Sweep every clock and alert of these child or household streams, for `on` (default today).

    For after a milestone is recorded, corrected or withdrawn, or a file imported:
    closes what it stopped (naming the milestone), reopens what it made run again,
    raises what it made due. `clock_rows(ids)` gives the streams' clock rows and
    the ids the read models know (the service reads them from the clocks read
    model, caught up first: the only clock path).
    """
    on = on or journey_clock.today()
    table = AlertTable.of(app)
    last = table.last_swept()
    since = last if last is not None and last < on else None
    table.catch_up(app)
    wanted = [str(s) for s in dict.fromkeys(stream_ids)]
    rows, ids = clock_rows(wanted)
    report = SweepReport(on, since, rows_read=len(rows))
    if not ids:
        return report
    states = table.of_subjects(ids)
    plans = plan_sweep(rows, states, on=on, since=since)
    record_plans(app, plans, on=on, since=since, report=report)
    table.catch_up(app)
    return report


# The stored topics of children's and households' events (kept stable by their classes).
_JOURNEY_TOPIC_PREFIXES = ("journey.child:", "journey.household:")


def is_journey_topic(topic: str) -> bool:
    """Whether a stored event's topic is a child's or a household's (not an alert's)."""
    return topic.startswith(_JOURNEY_TOPIC_PREFIXES)


def sweep_changes(app: Any, *, clock_rows: StreamClockRows, on: datetime.date | None = None, batch: int = 1000) -> SweepReport:
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
        changed = [n.originator_id for n in notifications if is_journey_topic(n.topic)]
        if changed:
            report.merge(sweep_streams(app, changed, on=on, clock_rows=clock_rows))
        position = notifications[-1].id
        table.set_position(CHANGES_POSITION, position)


def start_following_changes(app: Any) -> None:
    """Note where the log ends, once, so that `sweep_changes` follows only what comes after."""
    table = AlertTable.of(app)
    if table.position(CHANGES_POSITION) is None:
        table.set_position(CHANGES_POSITION, app.recorder.max_notification_id() or 0)


def clock_rows_of_streams_from_read_model(conn: sqlite3.Connection, stream_ids: Sequence[str], *, table: str = "clocks") -> tuple[list[dict[str, Any]], list[str]]:
    """Every clock row of these streams in the clocks read model, and the ids of
    the streams it knows (a stream with no clock is known by its `streams` row)."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row  # the caller's connection is left as it was
    rows: list[dict[str, Any]] = []
    found: list[str] = []
    for start in range(0, len(stream_ids), 500):
        chunk = list(stream_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for r in cursor.execute(f"SELECT * FROM {table} WHERE stream_id IN ({marks})", chunk):
            row = dict(r)
            row.setdefault("subject_id", row.get("stream_id"))
            rows.append(row)
        found += [r[0] for r in cursor.execute(f"SELECT stream_id FROM streams WHERE stream_id IN ({marks})", chunk)]
    return rows, found


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
