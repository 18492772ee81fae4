"""Failed sign-ins, counted outside the event store (signing in writes no event):
`sign-ins.sqlite3` in the data folder, readable by its owner only.

One row per failure (the user name tried, normalised, and the address it came
from), kept for the window the limits look at and then dropped.
"""

from __future__ import annotations

import datetime
import os
import sqlite3
import threading
from pathlib import Path

from journey import sqlite_files

SIGN_INS_FILE = "sign-ins.sqlite3"
WINDOW = datetime.timedelta(minutes=15)
PER_ACCOUNT = 5
PER_ADDRESS = 20

SCHEMA = """
CREATE TABLE IF NOT EXISTS failed_sign_ins (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failed_sign_ins_by_username ON failed_sign_ins (username, at);
CREATE INDEX IF NOT EXISTS failed_sign_ins_by_address ON failed_sign_ins (address, at);
"""


class FailedSignIns:
    """The failures of the last WINDOW, by user name and by address."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / SIGN_INS_FILE
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Created owner-only before SQLite opens it (SQLite gives its journal files the same mode).
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            conn = sqlite_files.connect(self.path, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            for path in self.path.parent.glob(SIGN_INS_FILE + "*"):
                if path.stat().st_mode & 0o077:
                    path.chmod(0o600)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def limited_until(self, username: str, address: str, now: datetime.datetime) -> datetime.datetime | None:
        """When sign-ins for `username` or from `address` may be tried again, if
        either has reached its limit within the window before `now`; else None."""
        since = _iso(now - WINDOW)
        conn = self.connection()
        until = []
        for column, value, limit in (("username", username, PER_ACCOUNT), ("address", address, PER_ADDRESS)):
            times = [r[0] for r in conn.execute(
                f"SELECT at FROM failed_sign_ins WHERE {column} = ? AND at > ? ORDER BY at", (value, since)
            )]
            if len(times) >= limit:
                # Below the limit again once enough of the oldest have left the window.
                until.append(datetime.datetime.fromisoformat(times[len(times) - limit]) + WINDOW)
        return max(until) if until else None

    def add(self, username: str, address: str, now: datetime.datetime) -> None:
        """One more failure; those older than the window are dropped."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT INTO failed_sign_ins (username, address, at) VALUES (?, ?, ?)",
                         (username, address, _iso(now)))
            conn.execute("DELETE FROM failed_sign_ins WHERE at <= ?", (_iso(now - WINDOW),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _iso(moment: datetime.datetime) -> str:
    """UTC, always to the microsecond, so that the text sorts as the times do."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")
