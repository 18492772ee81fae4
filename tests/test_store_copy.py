"""`journey store copy TARGET`: the whole log copied into an empty store, in order,
with every event's recording time, the ids the key derives derived again from the
target's key; the copy's histories and figures are the original's. Plain to
encrypted, one key to another, encrypted to plain, and SQLite to PostgreSQL.

The sources are copies (in tmp_path) of the committed stores of
tests/fixtures/store_v1 (see tests/test_stored_events_load.py): six children,
four households, corrections, withdrawals, household copies and alerts.
"""

from __future__ import annotations

import datetime
import gc
import hashlib
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eventsourcing.cipher import AESCipher

from journey.alerts.alert import alert_id
from journey.cli import main
from journey.domain import clock
from journey.service import CannotCopy, TargetNotEmpty, Tracker
from journey.settings import Settings
from journey.store import copying, keys
from journey.store.application import JourneyTracker

FIXTURE = Path(__file__).parent / "fixtures" / "store_v1"
FIXTURE_KEY = "XIRKxvi008vYmfkirnJC1fixXN3+pg5K47zn3pz4Qlw="  # the fixture's test key
TODAY = datetime.date(2026, 12, 1)
KEY = AESCipher.create_key(32)
CHILDREN = [("Coventry", "CV-101", "2024-03-21"), ("Coventry", "CV-102", "2024-09-01"), ("Coventry", "CV-103", "2025-06-30"),
            ("Solihull", "SH-201", "2025-04-02"), ("Solihull", "SH-202", "2025-01-20"), ("Solihull", "SH-203", "2026-04-01")]
HOUSEHOLDS = ["HH-01", "HH-02", "HH-03", "HH-04"]

pytestmark = pytest.mark.usefixtures("alerts_command_registered")


@pytest.fixture(autouse=True)
def today():
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


def source(tmp_path: Path, name: str) -> Path:
    """A copy of the committed fixture store `name` ("plain" or "encrypted")."""
    data_dir = tmp_path / f"source-{name}"
    shutil.copytree(FIXTURE / name, data_dir)
    return data_dir


def journey(data_dir: Path, *args: str, key: str | None = None, target_key: str | None = None,
            database_url: str | None = None) -> Any:
    env = {
        "JOURNEY_TODAY": TODAY.isoformat(), "JOURNEY_USER": "copier", "JOURNEY_CIPHER_KEY": key,
        "JOURNEY_TARGET_CIPHER_KEY": target_key, "JOURNEY_DATABASE_URL": database_url,
    }
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], env=env)
    if database_url:
        gc.collect()  # the command's connection pool closed here, not by a collection in one of its threads
    return result


def read(data_dir: Path, *args: str, key: str | None = None, database_url: str | None = None) -> Any:
    import json

    result = journey(data_dir, *args, "--json", key=key, database_url=database_url)
    assert result.exit_code == 0, f"journey {' '.join(args)}: {result.output}"
    return json.loads(result.stdout)


def what_it_shows(data_dir: Path, key: str | None, database_url: str | None = None) -> dict:
    """Every history and figure of the store, through the command line. Alert ids
    depend on the key: each is checked to be its clock's id under this store's
    key, then the alerts are listed by clock."""
    settings = Settings(data_dir, database_url=database_url, cipher_key=key)
    app = JourneyTracker(settings)
    shown: dict[str, Any] = {}
    try:
        for la, ref, as_at in CHILDREN:
            shown[f"history {ref}"] = read(data_dir, "history", "--la", la, ref, key=key, database_url=database_url)
            shown[f"history {ref} as at"] = read(data_dir, "history", "--la", la, ref, "--as-at", as_at, key=key, database_url=database_url)
            shown[f"history {ref} as known"] = read(
                data_dir, "history", "--la", la, ref, "--as-known-on", "2026-12-01T11:20", key=key, database_url=database_url
            )
        for ref in HOUSEHOLDS:
            history = read(data_dir, "household-history", ref, key=key, database_url=database_url)
            for entry in history:
                details = entry.get("details") or {}
                if "child_id" in details:  # a copy of a child's milestone names the child's id in this store
                    assert details.pop("child_id") == str(app.child_id(details["local_authority"], details["child_ref"]))
            shown[f"household {ref}"] = history
        for name, args in (
            ("scorecard", ("scorecard", "--from", "2024-04-01", "--to", "2027-03-31")),
            ("scorecard as known", ("scorecard", "--from", "2024-04-01", "--to", "2027-03-31", "--as-known-on", "2026-12-01T11:20")),
            ("waiting", ("waiting",)),
            ("stages", ("stages",)),
            ("quarterly", ("report", "quarterly", "--quarter", "2024-25-Q3")),
        ):
            shown[name] = read(data_dir, *args, key=key, database_url=database_url)
        alerts = read(data_dir, "alerts", "list", key=key, database_url=database_url)
        assert alerts, "the fixture has alerts"
        by_clock = {}
        for alert in alerts:
            subject = app.child_id(alert["local_authority"], alert["child_ref"]) if alert["subject"] == "child" else app.household_id(alert["household"])
            assert alert["id"] == str(alert_id(subject, alert["rule"], alert["started_on"])), alert
            clock_key = f"{alert['subject']} {alert['child_ref'] or alert['household']} {alert['rule']} {alert['started_on']}"
            history = read(data_dir, "alerts", "history", alert["id"], key=key, database_url=database_url)
            assert {change.pop("alert_id", alert["id"]) for change in history} == {alert["id"]}
            by_clock[clock_key] = ({k: v for k, v in alert.items() if k != "id"}, history)
        shown["alerts"] = by_clock
    finally:
        app.close()
    return shown


def copy(source_dir: Path, target: str, *, key: str | None, target_key: str | None, extra: tuple = ()) -> Any:
    return journey(source_dir, "store", "copy", target, *extra, key=key, target_key=target_key)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())} if folder.exists() else {}


def key_row(data_dir: Path) -> tuple:
    conn = sqlite3.connect(data_dir / "events.sqlite3")
    try:
        return conn.execute(f"SELECT encrypted, check_value FROM {keys.KEY_TABLE}").fetchone()
    finally:
        conn.close()


# -- the copies show what the original shows -------------------------------------------------------


@pytest.mark.parametrize("name, key, target_key", [
    ("plain", None, KEY),
    ("encrypted", FIXTURE_KEY, KEY),
    ("encrypted", FIXTURE_KEY, None),
], ids=["plain to encrypted", "encrypted to another key", "encrypted to plain"])
def test_the_copy_shows_the_same_histories_and_figures(tmp_path, name, key, target_key):
    original = source(tmp_path, name)
    target = tmp_path / "copy"
    result = copy(original, str(target), key=key, target_key=target_key)
    assert result.exit_code == 0, result.output
    assert "(6 children, 4 households, 36 alerts)" in result.stdout
    assert ("encrypted with JOURNEY_TARGET_CIPHER_KEY" if target_key else "not encrypted") in result.stdout

    assert what_it_shows(target, target_key) == what_it_shows(original, key)
    assert key_row(target) == (int(bool(target_key)), target_key and keys.check_value(target_key))
    raw = (target / "events.sqlite3").read_bytes()
    assert (b"CV-101" in raw) is (target_key is None), "encrypted at rest exactly when the target has a key"
    assert (target / "agency.toml").read_bytes() == (original / "agency.toml").read_bytes()


def test_every_event_keeps_its_place_its_recording_time_and_its_contents(tmp_path):
    original = source(tmp_path, "encrypted")
    target = tmp_path / "copy"
    assert copy(original, str(target), key=FIXTURE_KEY, target_key=KEY).exit_code == 0
    old, new = JourneyTracker(Settings(original, cipher_key=FIXTURE_KEY)), JourneyTracker(Settings(target, cipher_key=KEY))
    try:
        before = old.recorder.select_notifications(start=1, limit=10_000)
        after = new.recorder.select_notifications(start=1, limit=10_000)
        assert len(before) == len(after) > 100
        ids: dict[uuid.UUID, uuid.UUID] = {}
        for a, b in zip(before, after):
            assert (a.id, a.topic, a.originator_version) == (b.id, b.topic, b.originator_version)
            assert ids.setdefault(a.originator_id, b.originator_id) == b.originator_id
            ea, eb = old.mapper.to_domain_event(a), new.mapper.to_domain_event(b)
            assert ea.timestamp == eb.timestamp
            fields = {k: v for k, v in vars(ea).items() if k != "originator_id"}
            assert {k: v for k, v in vars(eb).items() if k != "originator_id"}.keys() == fields.keys()
            for k, v in fields.items():
                if k == "subject_id":
                    assert vars(eb)[k] == str(ids[uuid.UUID(v)])
                elif k == "details" and "child_id" in v:
                    assert vars(eb)[k] == {**v, "child_id": str(ids[uuid.UUID(v["child_id"])])}
                else:
                    assert vars(eb)[k] == v, k
        assert len(set(ids.values())) == len(ids) and not set(ids) & set(ids.values())
    finally:
        old.close()
        new.close()


def test_the_copy_derives_every_keyed_identity_from_its_own_key(tmp_path):
    original = source(tmp_path, "plain")
    target = tmp_path / "copy"
    assert copy(original, str(target), key=None, target_key=KEY).exit_code == 0
    app = JourneyTracker(Settings(target, cipher_key=KEY))
    try:
        child = app.load_child("Coventry", "CV-101")  # found by the id the target's key derives
        household = app.load_household("HH-01")
        copies = [e for e in household.entries.values() if e.details.get("child_ref") == "CV-101"]
        assert copies and {e.details["child_id"] for e in copies} == {str(child.id)}
        alerts = [s for s in app.all_streams() if type(s).__name__ == "Alert"]
        subjects = {a.state.subject_id for a in alerts}
        assert str(app.child_id("Solihull", "SH-201")) in subjects
        for alert in alerts:
            assert alert.id == alert_id(alert.state.subject_id, alert.state.rule_id, alert.state.started_on)
    finally:
        app.close()


@pytest.mark.postgres
def test_a_sqlite_store_copied_to_postgres_shows_the_same(tmp_path, postgres_env):
    original = source(tmp_path, "encrypted")
    url = postgres_env["JOURNEY_DATABASE_URL"]
    target = tmp_path / "copy"
    result = copy(original, url, key=FIXTURE_KEY, target_key=KEY, extra=("--target-data-dir", str(target)))
    assert result.exit_code == 0, result.output
    assert "to PostgreSQL " in result.stdout
    assert not (target / "events.sqlite3").exists()
    assert what_it_shows(target, KEY, database_url=url) == what_it_shows(original, FIXTURE_KEY)
    again = copy(original, url, key=FIXTURE_KEY, target_key=KEY, extra=("--target-data-dir", str(tmp_path / "other")))
    assert again.exit_code == 1 and "already holds events" in again.stderr
    assert not (tmp_path / "other").exists()


# -- refused, with nothing written ------------------------------------------------------------------


def test_a_target_holding_events_is_refused_and_nothing_is_written(tmp_path):
    original = source(tmp_path, "plain")
    target = source(tmp_path, "encrypted")
    before = digests(target)
    result = copy(original, str(target), key=None, target_key=FIXTURE_KEY)
    assert result.exit_code == 1 and "already holds events: a store is copied only into an empty one" in result.stderr
    assert digests(target) == before


def test_a_target_folder_holding_read_models_is_refused(tmp_path):
    original = source(tmp_path, "plain")
    target = tmp_path / "copy"
    target.mkdir()
    (target / "read-models.sqlite3").write_bytes(b"")
    before = digests(target)
    result = copy(original, str(target), key=None, target_key=None)
    assert result.exit_code == 1 and "holds read models" in result.stderr
    assert digests(target) == before


def test_a_target_with_other_councils_is_refused(tmp_path):
    original = source(tmp_path, "plain")
    target = tmp_path / "copy"
    target.mkdir()
    (target / "agency.toml").write_text('name = "Another RAA"\n')
    before = digests(target)
    result = copy(original, str(target), key=None, target_key=None)
    assert result.exit_code == 1 and "is not this store's agency.toml" in result.stderr
    assert digests(target) == before


def test_the_store_itself_or_its_folder_is_refused(tmp_path):
    original = source(tmp_path, "plain")
    events = Tracker(Settings(original)).log_length()
    result = copy(original, str(original), key=None, target_key=None)
    assert result.exit_code == 1 and "the target is this store itself" in result.stderr
    # (refused before any connection is tried: nothing listens on port 1)
    result = copy(original, "postgresql://u@127.0.0.1:1/db", key=None, target_key=None, extra=("--target-data-dir", str(original)))
    assert result.exit_code == 1 and "the target's data folder is this store's" in result.stderr
    assert "(--target-data-dir)" in result.stderr
    assert Tracker(Settings(original)).log_length() == events
    assert sorted(p.name for p in original.iterdir() if not p.name.startswith("events.sqlite3")) == ["agency.toml"]


def test_a_postgres_target_needs_a_data_folder_and_a_folder_target_takes_none(tmp_path):
    original = source(tmp_path, "plain")
    result = copy(original, "postgresql://u@127.0.0.1:1/db", key=None, target_key=None)
    assert result.exit_code == 1 and "needs a data folder" in result.stderr and "--target-data-dir" in result.stderr
    result = copy(original, str(tmp_path / "copy"), key=None, target_key=None, extra=("--target-data-dir", str(tmp_path / "x")))
    assert result.exit_code == 1 and "give it as TARGET alone" in result.stderr
    assert not (tmp_path / "copy").exists() and not (tmp_path / "x").exists()


def test_an_unreachable_postgres_target_is_refused_naming_it_and_nothing_is_created(tmp_path):
    original = source(tmp_path, "plain")
    result = copy(original, "postgresql://u:pw@127.0.0.1:1/db", key=None, target_key=None,
                  extra=("--target-data-dir", str(tmp_path / "copy")))
    assert result.exit_code == 1 and "cannot reach PostgreSQL 127.0.0.1:1/db" in result.stderr
    assert "Traceback" not in result.output and ":pw@" not in result.output
    assert not (tmp_path / "copy").exists()


def test_a_malformed_target_key_is_refused_with_exit_status_4_and_nothing_is_created(tmp_path):
    original = source(tmp_path, "plain")
    result = copy(original, str(tmp_path / "copy"), key=None, target_key="not-a-key")
    assert result.exit_code == 4
    assert "JOURNEY_TARGET_CIPHER_KEY is not a key: make one with `journey keygen`" in result.stderr
    assert not (tmp_path / "copy").exists()


def test_the_source_key_is_checked_first(tmp_path):
    original = source(tmp_path, "encrypted")
    before = digests(original)
    result = copy(original, str(tmp_path / "copy"), key=None, target_key=KEY)
    assert result.exit_code == 4 and "is encrypted: set JOURNEY_CIPHER_KEY to its key" in result.stderr
    assert digests(original) == before and not (tmp_path / "copy").exists()


def test_an_empty_target_started_with_another_key_is_refused(tmp_path):
    original = source(tmp_path, "plain")
    target = tmp_path / "copy"
    JourneyTracker(Settings(target, cipher_key=KEY)).close()  # an empty store, created with KEY
    before = digests(target)
    result = copy(original, str(target), key=None, target_key=None)
    assert result.exit_code == 4 and "is encrypted: set JOURNEY_TARGET_CIPHER_KEY to its key" in result.stderr
    assert digests(target) == before


def test_a_copy_that_fails_half_way_writes_no_event_and_can_be_run_again(tmp_path, monkeypatch):
    original = source(tmp_path, "encrypted")
    target = Settings.copy_target(str(tmp_path / "copy"), environ={"JOURNEY_TARGET_CIPHER_KEY": KEY})
    tracker = Tracker(Settings(original, cipher_key=FIXTURE_KEY))
    real, seen = copying._copied, []

    def failing(n, *args):
        seen.append(n.id)
        if len(seen) == 25:
            raise OSError("disk full")
        return real(n, *args)

    monkeypatch.setattr(copying, "BATCH", 10)
    monkeypatch.setattr(copying, "_copied", failing)
    with pytest.raises(OSError, match="disk full"):
        tracker.copy_store(target)
    app = JourneyTracker(target)
    assert (app.recorder.max_notification_id() or 0) == 0, "the events already copied were rolled back"
    app.close()
    monkeypatch.setattr(copying, "_copied", real)
    done = tracker.copy_store(target)
    assert done["events"] == tracker.log_length() and done["children"] == 6 and done["encrypted"]


def test_a_stream_whose_id_its_key_does_not_derive_is_refused(tmp_path):
    """(Here: a plain store's events read as if its ids were keyed: no copy could be found by reference.)"""
    original = source(tmp_path, "plain")
    tracker = Tracker(Settings(original))
    tracker.store.secret = b"not the key these ids were made with"
    with pytest.raises(CannotCopy, match="does not have the id its events give it"):
        tracker.copy_store(Settings(tmp_path / "copy"))
    assert not (tmp_path / "copy").exists()


def test_the_service_names_the_refusals(tmp_path):
    original = source(tmp_path, "plain")
    other = source(tmp_path, "encrypted")
    with pytest.raises(TargetNotEmpty):
        Tracker(Settings(original)).copy_store(Settings(other, cipher_key=FIXTURE_KEY))
