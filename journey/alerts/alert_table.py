"""The alerts read table: every alert as it stands, and as it stood on any past date.

Tables `alerts`, `alert_changes`, `alert_positions` and `alert_sweeps` in the
read-models SQLite file. `alerts` and `alert_changes` are a projection of the
alert events: they can be deleted and are rebuilt from the log on the next
catch-up.
"""

from __future__ import annotations

import dataclasses
import datetime
import sqlite3
import threading
import types
import uuid
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from journey import sqlite_files
from journey.alerts.alert import (
    ACKNOWLEDGED,
    ALERT_TOPICS,
    CHANGE_NAME,
    CLOSED,
    OPEN,
    STATUSES,
    SWEEP_BY,
    Alert,
    AlertState,
    as_date,
    as_iso,
    person_of,
)
from journey.domain import clock as journey_clock

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
    owner TEXT,
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
TABLE_VERSION = 2  # 2: alerts.owner
REBUILT_TABLES = ("alerts", "alert_changes")
EVENTS_POSITION = "alert events"
VERSION_POSITION = "table version"
CHANGES_POSITION = "journeys followed"
# How far past its stored position a catch-up may note, in its process only, that
# no alert event follows (the stretch another process reads again: a few ms).
UNSTORED_READ = 1000


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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
        # (stored position, head): no alert event after the first, up to the second.
        self._clear: tuple[int, int] = (-1, -1)

    @classmethod
    def of(cls, app: Any) -> AlertTable:
        """The application's alerts table (one per application, so connections are
        reused; kept beside the application, not set on it)."""
        table = _TABLES.get(app)
        if table is None:
            table = _TABLES.setdefault(app, cls(app.settings.read_models_path))
        return table

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite_files.connect(self.path, from_the_log=True, isolation_level=None)
            conn.row_factory = sqlite3.Row
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
        """Apply the alert events recorded since the table last read the log; returns how many.

        The position kept is how far the log has been read (every notification up
        to the log's head when it was read, alert or not), so a catch-up reads
        only what was recorded since, however long the log and however few of its
        events are alerts. When nothing was recorded since, or nothing of the
        alerts' (a command's own milestone), it takes no write lock: every page's
        query and every command starts with a catch-up."""
        conn = self.connection()
        applied = 0
        while True:
            head = app.recorder.max_notification_id() or 0
            stored = self._position(conn, EVENTS_POSITION)
            if head <= self._read_to(stored):
                return applied
            if head - stored <= UNSTORED_READ and not app.recorder.select_notifications(
                start=self._read_to(stored) + 1, limit=1, stop=head, topics=ALERT_TOPICS
            ):
                # Nothing of the alerts' since (a child's milestone, say): noted in
                # this process, without taking the write lock to store the position.
                # Further behind, the position is stored, so that no process reads
                # a long stretch of the log again.
                self._clear = (stored, head)
                return applied
            with _write(conn):
                position = self._position(conn, EVENTS_POSITION)
                if head <= position:
                    return applied  # another thread read it first
                notifications = app.recorder.select_notifications(
                    start=position + 1, limit=batch, stop=head, topics=ALERT_TOPICS
                )
                for notification in notifications:
                    self._apply(conn, app.mapper.to_domain_event(notification))
                # A full batch may be followed by more alert events before `head`.
                self._set_position(conn, EVENTS_POSITION, notifications[-1].id if len(notifications) == batch else head)
                applied += len(notifications)

    def _read_to(self, stored: int) -> int:
        """How far the log has been read: the stored position, or further where this
        process saw that no alert event follows it (noted against that stored
        position, so a rebuilt or moved table is read again from its own)."""
        from_, to = self._clear
        return to if from_ == stored and to > stored else stored

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
            by = person_of(event)
        state.version = event.originator_version
        values = row_of_state(state)
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
                CHANGE_NAME[type(event).__name__],
                event.effective_on.isoformat(),
                event.timestamp.astimezone(datetime.UTC).isoformat(),
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

    def events_read_to(self) -> int:
        """How far in the log this process knows the table to have read (see `_read_to`)."""
        return self._read_to(self._position(self.connection(), EVENTS_POSITION))

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

    def rows_of_subject(self, subject_id: str) -> list[dict[str, Any]]:
        """The rows of one child's or household's alerts, whatever their status (by index)."""
        return [dict(r) for r in self.connection().execute("SELECT * FROM alerts WHERE subject_id = ?", (str(subject_id),))]

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
            " c.effective_on AS since_then, c.stopped_by AS stopped_by_then"
            " FROM alerts a JOIN alert_changes c ON c.alert_id = a.id"
            " WHERE a.raised_on <= ? AND c.version = ("
            "   SELECT max(version) FROM alert_changes c2 WHERE c2.alert_id = a.id AND c2.effective_on <= ?)"
            + where,
            params,
        )
        return [dict(r) for r in rows]

    def starting_with(self, prefix: str, *, limit: int = 11) -> list[dict[str, Any]]:
        """The alerts whose id starts with `prefix` (at most `limit`)."""
        rows = self.connection().execute(
            "SELECT id, rule_id, child_ref, household_ref FROM alerts WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (prefix, prefix + "\uffff", limit),
        )
        return [dict(r) for r in rows]

    def row(self, alert_id: str) -> dict[str, Any] | None:
        """The alert's row (its state today), or None."""
        found = self.connection().execute("SELECT * FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return dict(found) if found else None

    def current(self, *, local_authority: str | None = None, statuses: Sequence[str] = STATUSES) -> list[dict[str, Any]]:
        params: list[Any] = list(statuses)
        sql = f"SELECT * FROM alerts WHERE status IN ({', '.join('?' * len(statuses))})"
        if local_authority is not None:
            sql += " AND local_authority = ?"
            params.append(local_authority)
        return [dict(r) for r in self.connection().execute(sql, params)]

    def open_of_owner(self, owner: str) -> list[dict[str, Any]]:
        """The open and acknowledged alerts assigned to `owner`."""
        rows = self.connection().execute(
            "SELECT * FROM alerts WHERE status IN (?, ?) AND owner = ?", (OPEN, ACKNOWLEDGED, owner)
        )
        return [dict(r) for r in rows]

    def open_breach_counts(self) -> list[dict[str, Any]]:
        """How many open and acknowledged alerts are at breach, by council (None:
        a household's) and rule: counted in SQL, however many alerts are held."""
        rows = self.connection().execute(
            "SELECT local_authority, rule_id, count(*) AS alerts FROM alerts"
            " WHERE status IN (?, ?) AND level = 'breach' GROUP BY local_authority, rule_id",
            (OPEN, ACKNOWLEDGED),
        )
        return [dict(r) for r in rows]

    # -- sweeps ---------------------------------------------------------------------

    def last_swept(self) -> datetime.date | None:
        found = self.connection().execute("SELECT max(swept_on) FROM alert_sweeps").fetchone()
        return as_date(found[0]) if found and found[0] else None

    def record_sweep(self, on: datetime.date, since: datetime.date | None, changes: int) -> None:
        conn = self.connection()
        with _write(conn):
            conn.execute(
                "INSERT INTO alert_sweeps (swept_on, since, finished_at, changes) VALUES (?, ?, ?, ?)",
                (on.isoformat(), as_iso(since), journey_clock.now().isoformat(), changes),
            )


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
        values[name] = as_date(values[name])
    values["id"] = uuid.UUID(values["id"])
    return AlertState(**values)


def row_of_state(state: AlertState) -> dict[str, Any]:
    values = dataclasses.asdict(state)
    values["id"] = str(state.id)
    for name in _DATE_COLUMNS:
        values[name] = as_iso(values[name])
    return values
