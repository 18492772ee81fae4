"""Shared SQLite files: processes opening a new file at the same moment all get it
in WAL mode; none fails with "database is locked" (a race CI once lost)."""

import multiprocessing
import sqlite3

from journey import sqlite_files


def _open(path, start):
    start.wait()
    conn = sqlite_files.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
    conn.commit()
    conn.close()


def test_processes_opening_a_new_file_at_once_all_succeed(tmp_path):
    context = multiprocessing.get_context("spawn")
    for round_ in range(3):
        path = tmp_path / f"round{round_}" / "shared.sqlite3"
        start = context.Event()
        workers = [context.Process(target=_open, args=(str(path), start)) for _ in range(4)]
        for w in workers:
            w.start()
        start.set()
        for w in workers:
            w.join(60)
        assert [w.exitcode for w in workers] == [0, 0, 0, 0]
        assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_error_other_than_locked_is_not_retried(tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    try:
        sqlite_files.connect(folder)
    except sqlite3.OperationalError as error:
        assert "locked" not in str(error)
    else:
        raise AssertionError("opening a folder as a database should fail")
