"""SQLite files several processes share (the read models, the alerts table, the
sign-in counts): one way to open them, so every one is in WAL mode and waits for
another writer instead of failing."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

BUSY_TIMEOUT_SECONDS = 60


def connect(path: str | Path, **options) -> sqlite3.Connection:
    """A connection to the file at `path` (created if missing, with its folder),
    in WAL mode, waiting up to BUSY_TIMEOUT_SECONDS for another writer."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, **options)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    use_wal(conn)
    return conn


def use_wal(conn: sqlite3.Connection, attempts: int = 200) -> None:
    """WAL mode, so readers never wait for a writer. Switching a new file to WAL
    needs a moment alone with it, and SQLite answers "database is locked" at once
    instead of waiting for that (its busy timeout does not cover it): retry."""
    for attempt in range(attempts):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(min(0.01 * (attempt + 1), 0.2))
