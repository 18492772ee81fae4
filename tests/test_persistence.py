"""The event store on real SQLite files and on a real PostgreSQL server:
concurrent writers lose nothing, encryption at rest hides children's data,
and corrections and history behave the same on both."""

from __future__ import annotations

import datetime
import multiprocessing
from pathlib import Path

import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import IntegrityError

from journey.domain import clock
from journey.store.application import JourneyTracker
from journey.settings import Settings
from journey.domain.errors import ConcurrentChange
from journey.store.history import entries

WRITERS = 4
EACH = 10


@pytest.fixture(autouse=True)
def fixed_today():
    clock.set_today(datetime.date(2024, 6, 30))
    yield
    clock.set_today(None)


def sqlite_settings(tmp_path: Path, **kwargs) -> Settings:
    return Settings(data_dir=tmp_path / "var", **kwargs)


def postgres_settings(tmp_path: Path, postgres_env: dict) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=postgres_env["JOURNEY_DATABASE_URL"])


def record_links(settings: Settings, writer: int) -> None:
    """One tracker recording EACH milestones for the same child as fast as it can."""
    clock.set_today(datetime.date(2024, 6, 30))
    app = JourneyTracker(settings)
    for i in range(EACH):
        app.record(
            "Coventry", "CV-1", "link_identified", datetime.date(2024, 1, 1) + datetime.timedelta(days=i),
            {"household": f"HH-{writer}-{i}"}, recorded_by=f"tracker-{writer}",
        )
    app.close()


def four_writers(settings: Settings) -> JourneyTracker:
    app = JourneyTracker(settings)
    app.record("Coventry", "CV-1", "entered_care", "2023-01-01", recorded_by="setup")
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=record_links, args=(settings, w)) for w in range(WRITERS)]
    for p in writers:
        p.start()
    for p in writers:
        p.join(timeout=120)
        assert p.exitcode == 0, "a writer failed"
    return app


def links_of(app: JourneyTracker) -> set[str]:
    journey = app.summary("Coventry", "CV-1")
    return {m["details"]["household"] for m in journey["milestones"] if m["milestone"] == "link_identified"}


def test_four_processes_recording_one_child_at_once_lose_nothing_on_sqlite(tmp_path):
    app = four_writers(sqlite_settings(tmp_path))
    assert links_of(app) == {f"HH-{w}-{i}" for w in range(WRITERS) for i in range(EACH)}
    assert len(app.child_events("Coventry", "CV-1")) == 2 + WRITERS * EACH


@pytest.mark.postgres
def test_four_processes_recording_one_child_at_once_lose_nothing_on_postgres(tmp_path, postgres_env):
    app = four_writers(postgres_settings(tmp_path, postgres_env))
    assert links_of(app) == {f"HH-{w}-{i}" for w in range(WRITERS) for i in range(EACH)}
    assert len(app.child_events("Coventry", "CV-1")) == 2 + WRITERS * EACH


def test_a_conflict_that_never_clears_is_reported_not_lost(tmp_path):
    app = JourneyTracker(sqlite_settings(tmp_path))
    attempts = []

    def always_conflicts():
        attempts.append(1)
        raise IntegrityError("someone else wrote first")

    with pytest.raises(ConcurrentChange, match="nothing was written, please try again"):
        app.retrying("child CV-9", always_conflicts)
    assert len(attempts) > 1


def store_bytes(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.glob("events.sqlite3*"))


def record_sensitive_child(settings: Settings) -> JourneyTracker:
    app = JourneyTracker(settings)
    app.record(
        "Coventry", "SECRET-REF-4471", "entered_care", "2019-04-02",
        recorded_by="tracker", attributes={"date_of_birth": "2018-11-17", "ethnicity": "BAFR"},
    )
    app.record("Coventry", "SECRET-REF-4471", "matched", "2020-02-13", {"household": "HH-PRIVATE-9"}, recorded_by="tracker")
    app.close()
    return app


@pytest.mark.parametrize("secret", [b"SECRET-REF-4471", b"2019-04-02", b"2018-11-17", b"HH-PRIVATE-9", b"2020-02-13"])
def test_with_a_cipher_key_no_child_reference_or_date_is_readable_in_the_store(tmp_path, secret):
    plain = tmp_path / "plain"
    record_sensitive_child(sqlite_settings(plain))
    assert secret in store_bytes(plain / "var"), "control: without a key the value is stored readably"

    encrypted = tmp_path / "encrypted"
    settings = sqlite_settings(encrypted, cipher_key=AESCipher.create_key(32))
    record_sensitive_child(settings)
    assert secret not in store_bytes(encrypted / "var")
    # and the tracker with the key still reads it all back
    app = JourneyTracker(settings)
    assert app.summary("Coventry", "SECRET-REF-4471")["attributes"]["date_of_birth"] == "2018-11-17"


def test_with_a_cipher_key_identities_do_not_reveal_the_reference(tmp_path):
    key = AESCipher.create_key(32)
    keyed = JourneyTracker(sqlite_settings(tmp_path / "a", cipher_key=key))
    other_key = JourneyTracker(sqlite_settings(tmp_path / "b", cipher_key=AESCipher.create_key(32)))
    unkeyed = JourneyTracker(sqlite_settings(tmp_path / "c"))
    ids = {app.child_id("Coventry", "CV-1") for app in (keyed, other_key, unkeyed)}
    assert len(ids) == 3
    assert keyed.child_id("coventry", "CV-1") == keyed.child_id("Coventry", "CV-1")


def correct_and_replay(settings: Settings) -> list[dict]:
    app = JourneyTracker(settings)
    app.record("Solihull", "SH-7", "entered_care", "2022-01-10", recorded_by="tracker")
    app.record("Solihull", "SH-7", "adm_decision", "2022-05-01", recorded_by="tracker")
    app.record("Solihull", "SH-7", "placement_order", "2022-07-01", recorded_by="tracker")
    app.correct("Solihull", "SH-7", "placement_order", "2022-07-01", "2022-07-04", reason="court date", recorded_by="auditor")
    app.withdraw("Solihull", "SH-7", "adm_decision", "2022-05-01", reason="recorded in error", recorded_by="auditor")
    journey = app.summary("solihull", "SH-7")
    assert [(m["milestone"], m["occurred_on"]) for m in journey["milestones"]] == [
        ("entered_care", "2022-01-10"),
        ("placement_order", "2022-07-04"),
    ]
    return entries(app.child_events("Solihull", "SH-7"))


def test_corrections_and_history_on_sqlite(tmp_path):
    history = correct_and_replay(sqlite_settings(tmp_path))
    assert [e["type"] for e in history] == ["child", "milestone", "milestone", "milestone", "correction", "withdrawal"]


@pytest.mark.postgres
def test_corrections_and_history_on_postgres(tmp_path, postgres_env):
    history = correct_and_replay(postgres_settings(tmp_path, postgres_env))
    assert [e["type"] for e in history] == ["child", "milestone", "milestone", "milestone", "correction", "withdrawal"]
    assert history[4]["corrects"] == {"event_id": 4, "milestone": "placement_order", "occurred_on": "2022-07-01"}


@pytest.mark.postgres
def test_as_known_on_on_postgres(tmp_path, postgres_env):
    settings = postgres_settings(tmp_path, postgres_env)
    app = JourneyTracker(settings)
    app.record("Solihull", "SH-8", "entered_care", "2022-01-10", recorded_by="tracker")
    between = datetime.datetime.now(datetime.timezone.utc)
    app.correct("Solihull", "SH-8", "entered_care", "2022-01-10", "2022-01-11", reason="typo", recorded_by="auditor")
    known_then = entries(app.child_events("Solihull", "SH-8"), between)
    assert [e["type"] for e in known_then] == ["child", "milestone"]
    assert len(entries(app.child_events("Solihull", "SH-8"))) == 3
