"""The read-model database: one SQLite file beside the event store.

The read models always live in `settings.read_models_path`, also when the events
are on PostgreSQL: they are a cache of the log that any process can rebuild.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from journey import sqlite_files
from migrations import MIGRATIONS


def open_read_models(path: str | Path) -> Database:
    """The read-model database at `path` (created if missing), in WAL mode so
    readers never wait for the projection, with every pending migration applied."""
    conn = sqlite_files.connect(path, from_the_log=True)
    db = Database(conn)
    with db.ensure_autocommit_on():
        conn.execute("PRAGMA foreign_keys=OFF")
    migrate(db)
    return db


def migrate(db: Database) -> None:
    """Apply pending migrations. Under the write lock, so that two processes
    opening a new file at once do not both create the tables."""
    if not MIGRATIONS.pending(db):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        MIGRATIONS.apply(db)
    except BaseException:
        db.rollback()
        raise
    db.commit()
