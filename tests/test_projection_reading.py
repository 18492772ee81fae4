"""How the projection reads the log: its short-cut decoding gives exactly what the
library's decoding gives, and the reader process of a long catch-up leaves the
read models a catch-up in one process leaves, and stops with the projection."""

from __future__ import annotations

import dataclasses
import datetime
import shutil

import pytest
from eventsourcing.cipher import AESCipher

from journey.domain import clock
from journey.store.application import JourneyTracker
from journey.settings import Settings
from journey.service import Tracker
from projections import catch_up, facts, open_read_models, position_of, projector, reading
from projections.known import streams_as_known_on

from test_projections import assert_same, contents, rebuilt

d = datetime.date.fromisoformat
TODAY = d("2026-11-01")


@pytest.fixture(autouse=True)
def fixed_today():
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


def every_notification(app) -> list:
    return app.recorder.select_notifications(start=1, limit=app.recorder.max_notification_id())


def library_facts(app, notifications) -> list[tuple]:
    found = (facts.fact_of_event(app.mapper.to_domain_event(n)) for n in notifications)
    return [fact for fact in found if fact is not None]


def with_corner_cases(app) -> None:
    """Events the sample may lack: a date in details, amendments, corrections of
    `born`, withdrawals, text needing escapes."""
    app.record("Coventry", "EDGE-1", "unborn_identified", "2026-01-05", recorded_by="test",
               details={"expected_due_date": "2026-06-01"})
    app.record("Coventry", "EDGE-1", "born", "2026-05-28", recorded_by="test")
    app.correct("Coventry", "EDGE-1", "born", "2026-05-28", "2026-05-27", reason="keyed wrongly", recorded_by="test")
    app.child("Coventry", "EDGE-1", {"ethnicity": "BAFR", "disability": "yes"}, recorded_by="test")
    app.record("Coventry", "EDGE-1", "entered_care", "2026-06-02", recorded_by="test",
               details={"legal_status": "C2 \u00e9\"quoted\""})
    app.withdraw("Coventry", "EDGE-1", "entered_care", "2026-06-02", reason="recorded in error", recorded_by="test")


@pytest.fixture(scope="module", params=["plain", "encrypted"])
def store(request, tmp_path_factory) -> Settings:
    """The sample agency (and the corner cases), without and with a cipher key:
    made once, read only (`copied` is a copy to change)."""
    clock.set_today(TODAY)
    key = AESCipher.create_key(32) if request.param == "encrypted" else None
    settings = Settings(data_dir=tmp_path_factory.mktemp(request.param) / "var", cipher_key=key)
    tracker = Tracker(settings)
    tracker.load_sample(TODAY)
    tracker.close()
    app = JourneyTracker(settings)
    with_corner_cases(app)
    app.close()
    clock.set_today(None)
    return settings


def test_the_short_cut_gives_what_the_library_gives_for_every_event(store):
    app = JourneyTracker(store)
    notifications = every_notification(app)
    ours = facts.decode(app.mapper, notifications)
    assert ours == library_facts(app, notifications)
    kinds = {fact[2] for fact in ours}
    assert kinds == {facts.CHILD_REGISTERED, facts.HOUSEHOLD_REGISTERED, facts.RECORDED, facts.CORRECTED,
                     facts.WITHDRAWN, facts.AMENDED}
    assert (facts.RECORDED, "unborn_identified", "2026-01-05", '{"expected_due_date":"2026-06-01"}') in [
        (fact[2], *fact[3:6]) for fact in ours
    ]
    app.close()


@pytest.mark.parametrize("store", ["plain"], indirect=True)
def test_what_the_short_cut_does_not_read_the_library_decodes(store, monkeypatch):
    """A class whose version moved on (so the library would upcast), and a typed
    value the short cut does not know, go through the library's mapper."""
    app = JourneyTracker(store)
    notifications = every_notification(app)
    expected = library_facts(app, notifications)
    recorded = next(topic for topic in facts._FAST if topic.endswith("ChildJourney.MilestoneRecorded"))
    monkeypatch.setitem(facts._FAST, recorded, (facts.RECORDED, 2))
    used = []
    real = app.mapper.to_domain_event

    def to_domain_event(notification):
        used.append(notification.topic)
        return real(notification)

    monkeypatch.setattr(app.mapper, "to_domain_event", to_domain_event)
    assert facts.decode(app.mapper, notifications) == expected
    # Alert events (the sample's import sweeps its children) are not the short cut's either.
    assert {topic for topic in used if not topic.startswith("journey.alerts:")} == {recorded}

    used.clear()
    monkeypatch.setitem(facts._FAST, recorded, (facts.RECORDED, 1))
    monkeypatch.setattr(facts, "_DATE", "not-a-type-we-know")
    assert facts.decode(app.mapper, notifications) == expected
    assert used and all(topic in facts._FAST for topic in used if not topic.startswith("journey.alerts:"))  # every event with a date went the long way
    app.close()


def test_as_known_on_reads_through_the_same_facts(store):
    app = JourneyTracker(store)
    states = streams_as_known_on(app, datetime.datetime.now(datetime.timezone.utc))
    notifications = every_notification(app)
    streams = {fact[0] for fact in facts.decode(app.mapper, notifications) if fact[1] == 1}
    assert {key.int for key in states} == streams
    born = next(s for s in states.values() if s.child_ref == "EDGE-1")
    assert born.attributes["date_of_birth"] == d("2026-05-27")  # the correction of `born`
    assert born.attributes["ethnicity"] == "BAFR"  # the amendment
    assert [m.name for m in born.milestones()] == ["unborn_identified", "born"]  # entered_care withdrawn
    app.close()


# ---------------------------------------------------------------------------- the reader process


@pytest.fixture
def copied(tmp_path, store) -> Settings:
    """A copy of the store the test may change."""
    data_dir = tmp_path / "copy"
    shutil.copytree(store.data_dir, data_dir)
    for name in ("read-models.sqlite3", "read-models.sqlite3-wal", "read-models.sqlite3-shm"):
        (data_dir / name).unlink(missing_ok=True)
    return dataclasses.replace(store, data_dir=data_dir)


def test_a_catch_up_with_the_reader_process_equals_one_without(copied, tmp_path, monkeypatch):
    monkeypatch.setattr(projector, "READ_AHEAD_AFTER", 0)
    monkeypatch.setattr(projector, "BATCH_NOTIFICATIONS", 1000)
    started = []
    real = reading.read_ahead
    monkeypatch.setattr(reading, "read_ahead", lambda *args: started.append(args) or real(*args))
    app = JourneyTracker(copied)
    db = open_read_models(copied.read_models_path)
    assert catch_up(app, db) == app.recorder.max_notification_id()
    assert started, "the reader process was used"
    monkeypatch.setattr(projector, "READ_AHEAD_AFTER", 10**9)
    started.clear()
    assert_same(contents(db), rebuilt(app, tmp_path))
    assert not started
    db.close()
    app.close()


@pytest.mark.parametrize("store", ["plain"], indirect=True)
def test_a_catch_up_that_stops_early_stops_its_reader_and_the_next_finishes(copied, tmp_path, monkeypatch):
    monkeypatch.setattr(projector, "READ_AHEAD_AFTER", 0)
    monkeypatch.setattr(projector, "BATCH_NOTIFICATIONS", 500)
    readers = []
    real_popen = reading.subprocess.Popen
    monkeypatch.setattr(reading.subprocess, "Popen", lambda *a, **k: readers.append(real_popen(*a, **k)) or readers[-1])
    app = JourneyTracker(copied)
    db = open_read_models(copied.read_models_path)
    stopped = projector.Projector(app, db).catch_up(timeout=0)  # one batch, then the deadline has passed
    assert 0 < stopped < app.recorder.max_notification_id()
    assert len(readers) == 1 and readers[0].poll() is not None, "the reader was stopped"
    assert catch_up(app, db) == app.recorder.max_notification_id()
    assert_same(contents(db), rebuilt(app, tmp_path))
    db.close()
    app.close()


@pytest.mark.parametrize("store", ["encrypted"], indirect=True)
def test_a_reader_that_fails_is_reported_and_nothing_is_written(copied, monkeypatch):
    """(Made to fail by giving the reader the wrong cipher key.)"""
    monkeypatch.setattr(projector, "READ_AHEAD_AFTER", 0)
    app = JourneyTracker(copied)
    app.settings = dataclasses.replace(copied, cipher_key=AESCipher.create_key(32))  # what the reader gets
    db = open_read_models(copied.read_models_path)
    with pytest.raises(reading.ReaderFailed, match="log reader process failed"):
        catch_up(app, db)
    assert position_of(db) == 0
    assert db.execute("SELECT count(*) FROM milestones").fetchone()[0] == 0
    db.close()
    app.close()


# ---------------------------------------------------------------------------- a long catch-up


def index_names(db) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}


@pytest.mark.parametrize("store", ["plain"], indirect=True)
def test_a_long_catch_up_that_fails_is_finished_by_the_next_with_every_index_and_durable_writes(
    copied, tmp_path, monkeypatch
):
    """A long catch-up drops the secondary indexes, reads ahead in a second
    process and does not wait for the disk at each batch; stopped by an error
    half-way, it leaves the file as usual (synchronous back to NORMAL), and the
    next catch-up recreates the indexes and ends where a rebuild ends."""
    app = JourneyTracker(copied)
    db = open_read_models(copied.read_models_path)
    indexes = index_names(db)
    monkeypatch.setattr(projector, "DEFER_INDEXES_AFTER", 0)
    monkeypatch.setattr(projector, "READ_AHEAD_AFTER", 0)
    monkeypatch.setattr(projector, "BATCH_NOTIFICATIONS", 1000)
    real = projector.write_rows
    calls = []

    def failing(conn, table, columns, rows, replace=False):
        real(conn, table, columns, rows, replace)
        calls.append(table)
        if calls.count("clocks") == 3:
            raise RuntimeError("disk full")

    monkeypatch.setattr(projector, "write_rows", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        catch_up(app, db)
    assert position_of(db) > 0
    assert index_names(db) < indexes  # dropped, and remembered in deferred_indexes
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL again

    monkeypatch.setattr(projector, "write_rows", real)
    assert catch_up(app, db) == app.recorder.max_notification_id()
    assert index_names(db) == indexes
    assert db.execute("SELECT count(*) FROM deferred_indexes").fetchone()[0] == 0
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1
    monkeypatch.setattr(projector, "DEFER_INDEXES_AFTER", 10**9)
    monkeypatch.setattr(projector, "READ_AHEAD_AFTER", 10**9)
    assert_same(contents(db), rebuilt(app, tmp_path))
    db.close()
    app.close()
