"""The projection machinery on real SQLite files (and PostgreSQL as the event source):
each event applied exactly once, incremental updates equal to a rebuild, a
projection killed mid-batch finished by the next, clocks moved by corrections."""

from __future__ import annotations

import datetime
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from journey.domain import clock
from journey.store.application import JourneyTracker
from journey.settings import Settings
from journey.service import Tracker
from migrations import MIGRATIONS
from migrations.read_models import PROJECTED_TABLES
from projections import (
    catch_up,
    due_clocks,
    open_read_models,
    position_of,
    projector,
    rebuild,
    status,
    wait_for,
)
from projections.queries import child as child_row, scorecard_from_read_models, waiting_children

from factories import projections_cli

ROOT = Path(__file__).resolve().parent.parent
d = datetime.date.fromisoformat
SAMPLE_AS_OF = d("2026-11-01")
TODAY = d("2026-11-01")


@pytest.fixture(autouse=True)
def fixed_today():
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """The sample agency's event store (about 600 children), made once per session."""
    clock.set_today(TODAY)
    data_dir = tmp_path_factory.mktemp("sample") / "var"
    settings = Settings(data_dir=data_dir)
    tracker = Tracker(settings)
    tracker.load_sample(SAMPLE_AS_OF)
    tracker.close()
    tracker.store.close()
    clock.set_today(None)
    return data_dir


@pytest.fixture
def settings(tmp_path, sample_store) -> Settings:
    """A data directory holding a copy of the sample store."""
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    for name in ("events.sqlite3", "agency.toml"):
        shutil.copy(sample_store / name, data_dir / name)
    return Settings(data_dir=data_dir)


@pytest.fixture
def app(settings_tracker):
    """A tracker on `settings` (tests/conftest.py)."""
    return settings_tracker


@pytest.fixture
def db(read_models):
    """The read models beside `settings` (tests/conftest.py)."""
    return read_models


def contents(db) -> dict[str, list[tuple]]:
    """Every projected table, every row, in a stable order."""
    found = {}
    for table in PROJECTED_TABLES:
        columns = len(db.execute(f"SELECT * FROM {table} LIMIT 0").description)
        order = ", ".join(str(i) for i in range(1, columns + 1))
        found[table] = db.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    return found


def rebuilt(app, tmp_path, name: str = "rebuilt.sqlite3") -> dict[str, list[tuple]]:
    """The read models a rebuild from the whole log gives, in another file."""
    other = open_read_models(tmp_path / name)
    rebuild(app, other)
    found = contents(other)
    other.close()
    return found


def assert_same(a: dict, b: dict) -> None:
    for table in PROJECTED_TABLES:
        assert a[table] == b[table], f"{table} differs"


# ---------------------------------------------------------------------------- schema


def test_opening_applies_the_migrations_once(settings):
    db = open_read_models(settings.read_models_path)
    assert MIGRATIONS.pending(db) == []
    assert set(PROJECTED_TABLES) <= set(db.table_names())
    db.close()
    again = open_read_models(settings.read_models_path)
    assert [m.name for m in MIGRATIONS.applied(again)] == ["m001_read_models", "m002_scorecard_by_day", "m003_record_checks"]
    assert position_of(again) == 0
    assert {"clocks_by_due", "clocks_by_warn"} <= {i.name for i in again["clocks"].indexes}


def test_a_later_migration_fills_its_table_from_the_rows_held(app, settings, tmp_path):
    """Read models made and filled under m001 get m002's `scorecard_days` from their
    rows, equal to what a rebuild under both gives."""
    from sqlite_utils import Database

    db = Database(settings.read_models_path)
    MIGRATIONS.apply(db, stop_before="m002_scorecard_by_day")
    catch_up(app, db)
    assert "scorecard_days" not in db.table_names()
    MIGRATIONS.apply(db)
    assert_same(contents(db), rebuilt(app, tmp_path))


# ---------------------------------------------------------------------------- exactly once


def test_catch_up_projects_every_stream_once(app, db):
    head = app.recorder.max_notification_id()
    assert catch_up(app, db) == head
    children = db.execute("SELECT count(*) FROM children").fetchone()[0]
    streams = db.execute("SELECT count(*) FROM streams WHERE kind = 'child'").fetchone()[0]
    assert children == streams == 600
    # Every MilestoneRecorded became one row (children's and households' copies).
    recorded = sum(
        1 for n in app.recorder.select_notifications(start=1, limit=head) if n.topic.endswith("MilestoneRecorded")
    )
    assert db.execute("SELECT count(*) FROM milestones").fetchone()[0] == recorded
    assert catch_up(app, db) == head  # nothing new: nothing applied twice
    assert db.execute("SELECT count(*) FROM milestones").fetchone()[0] == recorded
    assert status(app, db).lag == 0


def test_rebuild_equals_incremental_in_small_batches(app, db, tmp_path, monkeypatch):
    """Catching up in odd-sized batches (children split across them, households
    flushed mid-way), with corrections, withdrawals and amendments between catch-ups,
    gives the same rows as one rebuild."""
    monkeypatch.setattr(projector, "BATCH_NOTIFICATIONS", 97)
    monkeypatch.setattr(projector, "HOUSEHOLD_FLUSH_NOTIFICATIONS", 1000)
    catch_up(app, db)
    placed = next(db.query("SELECT local_authority, child_ref, placed_on FROM children WHERE stage = 'placed' ORDER BY child_ref"))
    app.correct(placed["local_authority"], placed["child_ref"], "placed", placed["placed_on"],
                (d(placed["placed_on"]) - datetime.timedelta(days=3)).isoformat(), reason="keyed wrongly", recorded_by="test")
    catch_up(app, db)
    adopted = next(
        r for r in db.query(
            "SELECT local_authority, child_ref, matched_on, placed_on FROM children WHERE stage = 'adopted'"
            " AND placed_on IS NOT NULL ORDER BY child_ref"
        )
        if d(r["placed_on"]) - d(r["matched_on"]) > datetime.timedelta(days=5)
    )
    cohort = scorecard_from_read_models(db, d("2020-04-01"), d("2026-03-31"))
    app.correct(adopted["local_authority"], adopted["child_ref"], "placed", adopted["placed_on"],
                (d(adopted["placed_on"]) - datetime.timedelta(days=2)).isoformat(), reason="keyed wrongly", recorded_by="test")
    catch_up(app, db)
    after = scorecard_from_read_models(db, d("2020-04-01"), d("2026-03-31"))
    assert after.a1.children == cohort.a1.children  # the same children, two days fewer for one
    waiting = next(db.query("SELECT local_authority, child_ref, order_on FROM children WHERE stage = 'authority' AND order_on IS NOT NULL ORDER BY child_ref"))
    app.withdraw(waiting["local_authority"], waiting["child_ref"], "placement_order", waiting["order_on"],
                 reason="recorded in error", recorded_by="test")
    app.child(waiting["local_authority"], waiting["child_ref"], {"ethnicity": "BAFR", "disability": "yes"}, recorded_by="test")
    app.record("Coventry", "NEW-1", "entered_care", "2026-01-05", recorded_by="test")
    catch_up(app, db)
    assert_same(contents(db), rebuilt(app, tmp_path))


def test_concurrent_catch_ups_apply_each_event_once(settings, app, tmp_path):
    """Two processes catching up the same read models at once (small batches, so
    they race for every one) leave what one rebuild leaves."""
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_catch_up_in_process, args=(str(settings.data_dir),)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    db = open_read_models(settings.read_models_path)
    assert position_of(db) == app.recorder.max_notification_id()
    assert_same(contents(db), rebuilt(app, tmp_path))


def _catch_up_in_process(data_dir: str) -> None:
    clock.set_today(TODAY)
    projector.BATCH_NOTIFICATIONS = 250
    settings = Settings(data_dir=Path(data_dir))
    app = JourneyTracker(settings)
    catch_up(app, open_read_models(settings.read_models_path))


# ---------------------------------------------------------------------------- failures


def test_an_exception_between_rows_leaves_the_last_batch_and_the_next_catch_up_finishes(app, db, tmp_path, monkeypatch):
    monkeypatch.setattr(projector, "BATCH_NOTIFICATIONS", 2000)
    real_write_rows = projector.write_rows
    calls = {"clocks": 0}

    def failing_write_rows(conn, table, columns, rows, replace=False):
        real_write_rows(conn, table, columns, rows, replace)
        if table == "clocks":
            calls["clocks"] += 1
            if calls["clocks"] == 3:  # the third batch: its children written, its clocks too, then...
                raise RuntimeError("power cut")

    monkeypatch.setattr(projector, "write_rows", failing_write_rows)
    with pytest.raises(RuntimeError, match="power cut"):
        catch_up(app, db)
    position = position_of(db)
    ids = [n.id for n in app.recorder.select_notifications(start=1, limit=4000)]
    assert position == ids[3999]  # two batches of 2000 committed, the third rolled back
    applied = db.execute("SELECT count(*) FROM milestones").fetchone()[0]
    recorded = sum(1 for n in app.recorder.select_notifications(start=1, limit=position) if n.topic.endswith("MilestoneRecorded"))
    assert applied == recorded

    monkeypatch.setattr(projector, "write_rows", real_write_rows)
    assert catch_up(app, db) == app.recorder.max_notification_id()
    assert_same(contents(db), rebuilt(app, tmp_path))


KILLED_SCRIPT = textwrap.dedent(
    """
    import sys, datetime
    from pathlib import Path
    from journey.domain import clock
    from journey.store.application import JourneyTracker
    from journey.settings import Settings
    from projections import projector, open_read_models

    clock.set_today(datetime.date(2026, 11, 1))
    projector.BATCH_NOTIFICATIONS = 1500
    settings = Settings(data_dir=Path(sys.argv[1]))
    app = JourneyTracker(settings)
    db = open_read_models(settings.read_models_path)
    real = projector.write_rows
    calls = []

    def write_rows(conn, table, columns, rows, replace=False):
        real(conn, table, columns, rows, replace)
        calls.append(table)
        if table == "measure_dates" and calls.count("measure_dates") == 3:
            # Inside the third batch's transaction, rows half written: tell the
            # test, then wait to be killed.
            print("inside", flush=True)
            sys.stdin.readline()

    projector.write_rows = write_rows
    projector.catch_up(app, db)
    print("finished", flush=True)
    """
)


def test_a_projection_killed_mid_batch_is_finished_by_the_next(settings, app, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_SCRIPT, str(settings.data_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
    )
    try:
        assert process.stdout.readline().strip() == "inside"
        db = open_read_models(settings.read_models_path)  # a reader, while the writer is mid-transaction
        ids = [n.id for n in app.recorder.select_notifications(start=1, limit=3000)]
        assert position_of(db) == ids[2999]  # two batches committed
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert position_of(db) == ids[2999]
    assert catch_up(app, db) == app.recorder.max_notification_id()
    assert_same(contents(db), rebuilt(app, tmp_path))


# ---------------------------------------------------------------------------- corrections and clocks


@pytest.fixture
def small(tmp_path):
    """An empty data directory (no sample) with today in 2018."""
    clock.set_today(d("2018-12-31"))
    settings = Settings(data_dir=tmp_path / "small")
    app = JourneyTracker(settings)
    db = open_read_models(settings.read_models_path)
    yield app, db
    db.close()
    app.close()


def clock_rows(db, ref: str, rule: str) -> list[dict]:
    return list(db.query(
        "SELECT * FROM clocks WHERE child_ref = ? AND rule_id = ? ORDER BY started_on", [ref, rule]
    ))


def test_a_correction_after_a_rebuild_moves_the_clock_and_a_withdrawal_deletes_it(small, tmp_path):
    app, db = small
    for milestone, day in (("entered_care", "2018-01-02"), ("adm_decision", "2018-03-01"), ("placement_order", "2018-04-03")):
        app.record("Coventry", "CLK", milestone, day, recorded_by="test")
    rebuild(app, db)
    # 2018-04-03 + 121 days = 2018-08-02 (27 + 31 + 30 + 31 = 119 to 31 July); + 90 = 2018-07-02.
    [order] = clock_rows(db, "CLK", "order-to-match")
    assert (order["started_on"], order["due_on"], order["warn_on"], order["running"]) == ("2018-04-03", "2018-08-02", "2018-07-02", 1)
    assert [c["level"] for c in due_clocks(db, d("2018-07-05")) if c["rule_id"] == "order-to-match"] == ["warning"]
    assert [c["level"] for c in due_clocks(db, d("2018-08-03")) if c["rule_id"] == "order-to-match"] == ["breach"]

    app.correct("Coventry", "CLK", "placement_order", "2018-04-03", "2018-04-10", reason="sealed order date", recorded_by="test")
    catch_up(app, db)
    [order] = clock_rows(db, "CLK", "order-to-match")
    assert (order["started_on"], order["due_on"], order["warn_on"]) == ("2018-04-10", "2018-08-09", "2018-07-09")
    assert [c for c in due_clocks(db, d("2018-07-05")) if c["rule_id"] == "order-to-match"] == []
    assert child_row(db, "Coventry", "CLK")["order_on"] == "2018-04-10"

    app.record("Coventry", "CLK", "matched", "2018-07-20", {"household": "HH-1"}, recorded_by="test")
    catch_up(app, db)
    [order] = clock_rows(db, "CLK", "order-to-match")
    assert (order["running"], order["stopped_on"], order["stopped_by"]) == (0, "2018-07-20", "matched")
    assert [c for c in due_clocks(db, d("2018-07-25")) if c["rule_id"] == "order-to-match"] == []
    # A sweep for a past date sees the clock as it ran then.
    [then] = [c for c in due_clocks(db, d("2018-07-10")) if c["rule_id"] == "order-to-match"]
    assert (then["level"], then["child_ref"], then["subject"], then["stops"]) == ("warning", "CLK", "child", [["2018-07-20", "matched", None]])

    app.withdraw("Coventry", "CLK", "placement_order", "2018-04-10", reason="recorded in error", recorded_by="test")
    catch_up(app, db)
    assert clock_rows(db, "CLK", "order-to-match") == []
    assert child_row(db, "Coventry", "CLK")["stage"] == "matched"
    assert_same(contents(db), rebuilt(app, tmp_path))


def test_stage_days_and_waiting_count_to_today(small):
    app, db = small
    for milestone, day in (("entered_care", "2017-01-02"), ("adm_decision", "2017-03-01"), ("placement_order", "2017-06-01")):
        app.record("Coventry", "W1", milestone, day, recorded_by="test")
    app.record("Coventry", "W2", "entered_care", "2018-05-01", recorded_by="test")
    app.record("Coventry", "W2", "adm_decision", "2018-06-01", recorded_by="test")
    app.child("Coventry", "W2", {"sibling_group": "S-1", "ethnicity": "MWBC"}, recorded_by="test")
    catch_up(app, db)
    w1 = child_row(db, "Coventry", "W1", today=d("2018-12-31"))
    # 2017-06-01 -> 2018-12-31 = 365 + 213 = 578 days at `authority`; 2017-03-01 -> 2018-12-31 = 670 waiting.
    assert (w1["stage"], w1["days_in_stage"], w1["days_waiting"]) == ("authority", 578, 670)
    assert w1["harder_to_place"] == ["waiting_18_months_plus"]  # in care since 2017-01-02
    assert child_row(db, "Coventry", "W1", today=d("2019-01-01"))["days_in_stage"] == 579
    listed = waiting_children(db, today=d("2018-12-31"))
    assert [(e["child_ref"], e["days"]) for e in listed] == [("W1", 670), ("W2", 213)]
    assert listed[1]["harder_to_place"] == ["sibling_group", "bame"]
    assert [e["child_ref"] for e in waiting_children(db, stage="decision", today=d("2018-12-31"))] == ["W2"]


def test_a_change_of_timescale_rules_recomputes_the_clocks(small, tmp_path):
    app, db = small
    for milestone, day in (("entered_care", "2018-01-02"), ("adm_decision", "2018-03-01"), ("placement_order", "2018-04-03")):
        app.record("Coventry", "R1", milestone, day, recorded_by="test")
    catch_up(app, db)
    assert clock_rows(db, "R1", "order-to-match")[0]["due_on"] == "2018-08-02"
    (app.settings.data_dir / "timescales.toml").write_text(textwrap.dedent(
        """
        [[rule]]
        id = "order-to-match"
        title = "Matched within 100 days of the placement order"
        subject = "child"
        starts_at = "placement_order"
        authority = ["placement_order", "freeing_order"]
        stopped_by = ["matched", "decision_reversed"]
        limit = "100 days"
        reopened_by = ["disruption"]
        source = "local practice"
        """
    ))
    catch_up(app, db)
    # 2018-04-03 + 100 days = 2018-07-12; no warning point any more.
    [order] = clock_rows(db, "R1", "order-to-match")
    assert (order["due_on"], order["warn_on"], order["alert_from"]) == ("2018-07-12", None, "2018-07-13")


# ---------------------------------------------------------------------------- reading your writes


def test_wait_for_reads_your_writes(small):
    app, db = small
    catch_up(app, db)
    app.record("Coventry", "RW", "entered_care", "2018-03-01", recorded_by="test")
    written = app.recorder.max_notification_id()
    assert wait_for(db, written, timeout=0) is False  # no projection ran
    assert wait_for(db, written, timeout=5, app=app) is True
    assert child_row(db, "Coventry", "RW")["stage"] == "in_care"


# ---------------------------------------------------------------------------- the CLI


cli = projections_cli  # the projection commands on their own group (tests/factories.py)


def test_cli_rebuild_and_status(settings, app):
    runner = CliRunner()
    args = ["--data-dir", str(settings.data_dir)]
    head = app.recorder.max_notification_id()
    before = runner.invoke(cli(), [*args, "projections", "status"])
    assert before.exit_code == 0, before.output
    assert f"Position:    0 of {head} (lag {head})" in before.output
    done = runner.invoke(cli(), [*args, "projections", "rebuild"])
    assert done.exit_code == 0, done.output
    assert f"Read models rebuilt at position {head}" in done.output
    after = runner.invoke(cli(), [*args, "projections", "status", "--json"])
    assert '"lag": 0' in after.output


def test_every_command_is_documented():
    for name, command in cli().commands.items():
        assert command.help, name
        for sub in getattr(command, "commands", {}).values():
            assert sub.help, f"{name} {sub.name}"


# ---------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_postgresql_as_the_event_source(tmp_path, postgres_env, monkeypatch):
    clock.set_today(d("2018-12-31"))
    settings = Settings(data_dir=tmp_path / "pg", database_url=postgres_env["JOURNEY_DATABASE_URL"])
    app = JourneyTracker(settings)
    try:
        for ref in ("P1", "P2"):
            for milestone, day in (("entered_care", "2016-01-04"), ("adm_decision", "2016-02-01"),
                                   ("placement_order", "2016-03-01"), ("matched", "2016-05-02"),
                                   ("placed", "2016-06-01"), ("adoption_order", "2017-02-01")):
                app.record("Coventry", ref, milestone, day, recorded_by="test")
        app.correct("Coventry", "P2", "placed", "2016-06-01", "2016-07-01", reason="keyed wrongly", recorded_by="test")
        db = open_read_models(settings.read_models_path)
        assert settings.read_models_path.parent == tmp_path / "pg"
        assert catch_up(app, db) == app.recorder.max_notification_id()
        card = scorecard_from_read_models(db, d("2016-04-01"), d("2019-03-31"))
        # P1 2016-01-04 -> 2016-06-01 = 149; P2 -> 2016-07-01 = 179; (149 + 179) / 2 = 164.
        assert (card.a1.children, card.a1.average_days) == (2, 164)
        # A2: 2016-03-01 -> 2016-05-02 = 62 for both.
        assert (card.a2.children, card.a2.average_days) == (2, 62)
        assert_same(contents(db), rebuilt(app, tmp_path))
        # A long catch-up's reader process connects to PostgreSQL itself.
        monkeypatch.setattr(projector, "READ_AHEAD_AFTER", 0)
        assert_same(contents(db), rebuilt(app, tmp_path, "read-ahead.sqlite3"))
        db.close()
    finally:
        app.close()
