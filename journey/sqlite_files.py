"""SQLite files several processes share (the read models, the alerts table, the
sign-in counts): one way to open them, so every one is in WAL mode and waits for
another writer instead of failing."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

BUSY_TIMEOUT_SECONDS = 60


def connect(path: str | Path, *, from_the_log: bool = False, **options) -> sqlite3.Connection:
    """A connection to the file at `path` (created if missing, with its folder),
    in WAL mode, waiting up to BUSY_TIMEOUT_SECONDS for another writer.

    `from_the_log`: what it writes is built from the event log and read again
    from it after a loss (the read models, the alerts table, the view log), so a
    commit does not wait for the disk (`synchronous=NORMAL`): a crashed process
    loses nothing committed, a power cut at most the last commits, which the next
    catch-up (or sweep: sweeping a day again changes nothing) makes again. Otherwise (the sign-in counts) each commit waits for it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, **options)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
    use_wal(conn)
    if from_the_log:
        conn.execute("PRAGMA synchronous=NORMAL")
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
