"""The view log: who viewed which child's or household's history, and when.

Each viewing is a stream of its own (a random id, one event), never an event on
the child's stream, so a child's history shows only what happened to the child.
The log is read from a small table in the read-models file (`view_log`), caught
up from the event log by position as the alerts table is: deleted, it is built
again from the events.
"""

from __future__ import annotations

import datetime
import sqlite3
import threading
import uuid
import weakref
from pathlib import Path
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from journey import sqlite_files
from journey.domain import clock
from journey.domain.councils import council_key

VIA = ("web", "command line")


class Viewing(Aggregate):
    """One viewing of a history."""

    TOPIC = "journey.view_log:Viewing"

    class Created(Aggregate.Created):
        """Not recorded (a viewing is `Recorded`): declared only for its topic."""

        TOPIC = "journey.view_log:Viewing.Created"

    class Recorded(Aggregate.Created):
        TOPIC = "journey.view_log:Viewing.Recorded"
        class_version = 1
        by: str
        role: str | None
        via: str
        what: str
        as_at: str | None
        as_known_on: str | None
        local_authority: str | None
        child_ref: str | None
        household_ref: str | None
        at: datetime.datetime

    def __init__(self, by, role, via, what, as_at, as_known_on, local_authority, child_ref, household_ref, at) -> None:
        self.by = by
        self.role = role
        self.via = via
        self.what = what
        self.as_at = as_at
        self.as_known_on = as_known_on
        self.local_authority = local_authority
        self.child_ref = child_ref
        self.household_ref = household_ref
        self.at = at

    @classmethod
    def record(cls, *, by: str, role: str | None, via: str, what: str, as_at: str | None = None,
               as_known_on: str | None = None, local_authority: str | None = None, child_ref: str | None = None,
               household_ref: str | None = None) -> Viewing:
        return cls._create(
            cls.Recorded, id=uuid.uuid4(), by=by, role=role, via=via, what=what, as_at=as_at, as_known_on=as_known_on,
            local_authority=local_authority, child_ref=child_ref, household_ref=household_ref, at=clock.now(),
        )


VIEWING_TOPIC = get_topic(Viewing.Recorded)

SCHEMA = """
CREATE TABLE IF NOT EXISTS view_log (
    position INTEGER PRIMARY KEY,
    viewing_id TEXT NOT NULL,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    role TEXT,
    via TEXT NOT NULL,
    what TEXT NOT NULL,
    as_at TEXT,
    as_known_on TEXT,
    local_authority TEXT,
    council_key TEXT,
    child_ref TEXT,
    household_ref TEXT
);
CREATE INDEX IF NOT EXISTS view_log_by_child ON view_log (council_key, child_ref);
CREATE INDEX IF NOT EXISTS view_log_by_user ON view_log (by_user);
CREATE TABLE IF NOT EXISTS view_log_positions (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
"""
POSITION = "viewings"

_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class ViewLogTable:
    """The view log's read table (in the read-models file), one connection per thread."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()

    @classmethod
    def of(cls, app: Any) -> ViewLogTable:
        table = _TABLES.get(app)
        if table is None:
            table = _TABLES.setdefault(app, cls(app.settings.read_models_path))
        return table

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite_files.connect(self.path, from_the_log=True, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("BEGIN IMMEDIATE")  # two processes creating the tables at once queue
            try:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def catch_up(self, app: Any, batch: int = 500) -> int:
        """Apply the viewings recorded since the table last read the log; returns how many."""
        conn = self.connection()
        applied = 0
        while True:
            conn.execute("BEGIN IMMEDIATE")
            try:
                found = conn.execute("SELECT position FROM view_log_positions WHERE name = ?", (POSITION,)).fetchone()
                position = found[0] if found else 0
                notifications = app.recorder.select_notifications(start=position + 1, limit=batch, topics=[VIEWING_TOPIC])
                for n in notifications:
                    event = app.mapper.to_domain_event(n)
                    conn.execute(
                        "INSERT OR REPLACE INTO view_log (position, viewing_id, at, by_user, role, via, what, as_at,"
                        " as_known_on, local_authority, council_key, child_ref, household_ref)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (n.id, str(event.originator_id), event.at.astimezone(datetime.UTC).isoformat(), event.by, event.role,
                         event.via, event.what, event.as_at, event.as_known_on, event.local_authority,
                         council_key(event.local_authority) if event.local_authority else None, event.child_ref,
                         event.household_ref),
                    )
                if notifications:
                    conn.execute(
                        "INSERT INTO view_log_positions (name, position) VALUES (?, ?)"
                        " ON CONFLICT (name) DO UPDATE SET position = max(position, excluded.position)",
                        (POSITION, notifications[-1].id),
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if not notifications:
                return applied
            applied += len(notifications)

    def entries(self, *, local_authority: str | None = None, child_ref: str | None = None, by: str | None = None,
                council_keys: list[str] | None = None, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
        """The viewings that match, newest first (`limit` of them from `offset`), and how many match.
        `council_keys` (None: any) keeps the viewings of those councils' children
        and scorecards only (a household's, or every council's scorecard, has none)."""
        where, params = [], []
        key = council_key(local_authority) if local_authority is not None else None
        for column, value in (("council_key", key), ("child_ref", child_ref), ("by_user", by)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if council_keys is not None:
            where.append(f"council_key IN ({', '.join('?' * len(council_keys))})" if council_keys else "0")
            params.extend(council_keys)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        conn = self.connection()
        (total,) = conn.execute(f"SELECT count(*) FROM view_log{clause}", params).fetchone()
        rows = conn.execute(
            f"SELECT * FROM view_log{clause} ORDER BY at DESC, position DESC LIMIT ? OFFSET ?", [*params, limit, offset]
        ).fetchall()
        return [dict(r) for r in rows], total
