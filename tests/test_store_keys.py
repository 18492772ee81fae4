"""A store knows whether it is encrypted and keeps a check value of its key (never
the key): a missing, wrong or malformed key, or a key given to a plain store, is
refused before anything is read or written (exit status 4), and plain and
encrypted events never mix. A store written before the check existed is verified
from its events, then given its check value."""

from __future__ import annotations

import base64
import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from eventsourcing.cipher import AESCipher
from factories import BY, LA, TODAY, VIEWER, cli

from journey.domain import clock
from journey.service import StoreKeyRefused, Tracker
from journey.settings import Settings
from journey.store import keys
from journey.store.application import JourneyTracker
from journey.store.identity import identity_secret

KEY = AESCipher.create_key(32)
OTHER_KEY = AESCipher.create_key(32)
FIXTURE = Path(__file__).parent / "fixtures" / "store_v1"
FIXTURE_KEY = "XIRKxvi008vYmfkirnJC1fixXN3+pg5K47zn3pz4Qlw="  # tests/test_stored_events_load.py's test key

MISSING = "is encrypted: set JOURNEY_CIPHER_KEY to its key"
WRONG = "JOURNEY_CIPHER_KEY is not this store's key"
MALFORMED = "JOURNEY_CIPHER_KEY is not a key: make one with `journey keygen`"
ON_PLAIN = "is not encrypted: unset JOURNEY_CIPHER_KEY, or copy it to an encrypted store with `journey store copy`"
MIXED = "mixes events written with different keys, or with and without one"

RECORD = ("record", "--la", LA, "CV-2", "entered_care", "2024-01-10")
READ = ("history", "--la", LA, "CV-1", "--json")


@pytest.fixture(autouse=True)
def today():
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


def env(key: str | None) -> dict:
    return {"JOURNEY_CIPHER_KEY": key, "JOURNEY_DATABASE_URL": None}


def make_store(data_dir: Path, key: str | None) -> Path:
    """A store holding one child (registered, with a milestone), written with `key`."""
    app = JourneyTracker(Settings(data_dir, cipher_key=key))
    app.record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    app.close()
    return data_dir


def files(data_dir: Path) -> dict[str, str]:
    """Every file of the folder (the events database's -wal and -shm too), by name, as a digest."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(data_dir.iterdir())}


def event_count(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / "events.sqlite3")
    try:
        return conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]
    finally:
        conn.close()


def key_row(data_dir: Path) -> tuple | None:
    conn = sqlite3.connect(data_dir / "events.sqlite3")
    try:
        return conn.execute(f"SELECT encrypted, check_value, how FROM {keys.KEY_TABLE}").fetchone()
    except sqlite3.OperationalError:  # no such table
        return None
    finally:
        conn.close()


def written_before_the_check(data_dir: Path) -> Path:
    """The store as the tracker wrote it before it kept a check value: no key table,
    and (VACUUMed into the rollback journal) as the fixture's stores are."""
    conn = sqlite3.connect(data_dir / "events.sqlite3", isolation_level=None)
    conn.execute(f"DROP TABLE {keys.KEY_TABLE}")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("VACUUM")
    conn.close()
    assert key_row(data_dir) is None
    return data_dir


def assert_refused_and_untouched(data_dir: Path, args: tuple, key: str | None, message: str) -> None:
    count = event_count(data_dir)
    before = files(data_dir)  # (counting leaves no file behind)
    result = cli(data_dir, *args, env=env(key))
    assert result.exit_code == 4, result.output
    assert message in result.stderr and result.stderr.startswith("Refused: ")
    assert "Traceback" not in result.output
    assert files(data_dir) == before, "a file of the store was changed, created or deleted"
    assert event_count(data_dir) == count


# -- the refusals, through the command line ----------------------------------------------------


@pytest.mark.parametrize("args", [RECORD, READ], ids=["record", "history"])
def test_an_encrypted_store_without_its_key_is_refused_and_nothing_is_written(tmp_path, args):
    store = make_store(tmp_path / "var", KEY)
    assert_refused_and_untouched(store, args, None, MISSING)
    assert f"this store (SQLite {store}/events.sqlite3) {MISSING}" in cli(store, *args, env=env(None)).stderr


@pytest.mark.parametrize("args", [RECORD, READ], ids=["record", "history"])
def test_an_encrypted_store_with_another_key_is_refused_and_nothing_is_written(tmp_path, args):
    store = make_store(tmp_path / "var", KEY)
    assert_refused_and_untouched(store, args, OTHER_KEY, WRONG)


@pytest.mark.parametrize("malformed", [
    "not-a-key", "abc", base64.b64encode(b"ten bytes!").decode(), KEY[:-4], "é" * 44, KEY[:20] + "!" * 24,
])
@pytest.mark.parametrize("stored_with", [KEY, None], ids=["encrypted", "plain"])
def test_a_malformed_key_is_refused_and_nothing_is_written(tmp_path, malformed, stored_with):
    store = make_store(tmp_path / "var", stored_with)
    assert_refused_and_untouched(store, RECORD, malformed, MALFORMED)
    assert_refused_and_untouched(store, READ, malformed, MALFORMED)


def test_a_malformed_key_on_a_new_folder_creates_nothing(tmp_path):
    result = cli(tmp_path / "new", *RECORD, env=env("not-a-key"))
    assert result.exit_code == 4 and MALFORMED in result.stderr
    assert not (tmp_path / "new").exists()


def test_the_same_key_spelt_otherwise_is_not_the_stores_key(tmp_path):
    """A line end after the key still decrypts (the cipher skips it), but the ids
    derived from the key as written differ: every child would start again."""
    store = make_store(tmp_path / "var", KEY)
    assert_refused_and_untouched(store, RECORD, KEY + "\n", WRONG)


def test_a_store_written_before_the_check_with_the_key_spelt_otherwise_is_refused(tmp_path):
    store = written_before_the_check(make_store(tmp_path / "var", KEY + "\n"))
    assert_refused_and_untouched(store, RECORD, KEY, "decrypts this store (SQLite")
    assert "not written as the key its ids were made with" in cli(store, *READ, env=env(KEY)).stderr
    assert key_row(store) is None
    assert cli(store, *READ, env=env(KEY + "\n")).exit_code == 0
    assert key_row(store) == (1, keys.check_value(KEY + "\n"), keys.VERIFIED)


@pytest.mark.parametrize("args", [RECORD, READ], ids=["record", "history"])
def test_a_key_given_to_a_plain_store_is_refused_and_nothing_is_written(tmp_path, args):
    store = make_store(tmp_path / "var", None)
    assert_refused_and_untouched(store, args, KEY, ON_PLAIN)


def test_with_the_right_key_or_none_on_a_plain_store_the_commands_work(tmp_path):
    encrypted, plain = make_store(tmp_path / "e", KEY), make_store(tmp_path / "p", None)
    for store, key in ((encrypted, KEY), (plain, None)):
        before = event_count(store)
        assert cli(store, *RECORD, env=env(key)).exit_code == 0
        assert event_count(store) > before
        result = cli(store, "history", "--la", LA, "CV-2", "--json", env=env(key))
        assert result.exit_code == 0 and '"entered_care"' in result.stdout


def test_the_service_raises_a_named_error(tmp_path):
    store = make_store(tmp_path / "var", KEY)
    with pytest.raises(keys.KeyMissing) as refused:
        Tracker(Settings(store)).stages()
    assert isinstance(refused.value, StoreKeyRefused) and refused.value.rule == "encrypted store, no key"
    with pytest.raises(keys.WrongKey):
        Tracker(Settings(store, cipher_key=OTHER_KEY)).record(LA, "CV-3", "entered_care", "2024-01-10", recorded_by=BY)
    with pytest.raises(keys.NotAKey):
        JourneyTracker(Settings(store, cipher_key="abc"))


# -- the check value ----------------------------------------------------------------------------


def test_a_new_store_keeps_whether_it_is_encrypted_and_a_check_value_of_its_key(tmp_path):
    encrypted, plain = make_store(tmp_path / "e", KEY), make_store(tmp_path / "p", None)
    assert key_row(plain) == (0, None, keys.CREATED)
    assert key_row(encrypted) == (1, keys.check_value(KEY), keys.CREATED)


def test_the_check_value_reveals_nothing_of_the_key(tmp_path):
    store = make_store(tmp_path / "var", KEY)
    value = key_row(store)[1]
    raw = base64.b64decode(KEY)
    stored = b"".join(path.read_bytes() for path in store.iterdir())
    for secret in (KEY.encode(), raw, raw.hex().encode(), identity_secret(KEY), identity_secret(KEY).hex().encode()):
        assert secret not in stored
        assert secret.hex() not in value
    assert value not in (hashlib.sha256(KEY.encode()).hexdigest(), hashlib.sha256(raw).hexdigest())
    assert value != identity_secret(KEY).hex()
    assert len(value) == 64 and value == keys.check_value(KEY) != keys.check_value(OTHER_KEY)


def test_the_key_is_checked_once_per_process_at_the_stores_opening(tmp_path, monkeypatch):
    store = make_store(tmp_path / "var", KEY)
    opened = []
    real = keys.inspect
    monkeypatch.setattr(keys, "inspect", lambda *a, **k: opened.append(1) or real(*a, **k))
    tracker = Tracker(Settings(store, cipher_key=KEY))
    tracker.record(LA, "CV-2", "entered_care", "2024-01-10", recorded_by=BY)
    tracker.record(LA, "CV-2", "adm_decision", "2024-03-01", recorded_by=BY)
    tracker.stages()
    tracker.child_history(LA, "CV-2", viewer=VIEWER)
    assert len(opened) == 1


def test_two_openings_of_a_new_store_with_different_keys_cannot_both_write(tmp_path):
    """The second to record the store's row is checked against the first's."""
    plain, encrypted = Settings(tmp_path / "var"), Settings(tmp_path / "var", cipher_key=KEY)
    table = JourneyTracker.events_table(plain)
    pending = keys.check_before_opening(plain, table)  # a new store: nothing recorded yet
    assert pending == keys.ToRecord(keys.KeyRecord(False, None), keys.CREATED)
    JourneyTracker(encrypted).record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    with pytest.raises(keys.KeyMissing):
        keys.record_after_opening(plain, table, pending)
    assert key_row(tmp_path / "var")[0] == 1


# -- stores written before the check --------------------------------------------------------------


def test_an_encrypted_store_written_before_the_check_is_verified_then_given_its_check_value(tmp_path):
    store = written_before_the_check(make_store(tmp_path / "var", KEY))
    assert_refused_and_untouched(store, READ, None, MISSING)
    assert_refused_and_untouched(store, READ, OTHER_KEY, WRONG)
    assert_refused_and_untouched(store, RECORD, OTHER_KEY, WRONG)
    assert key_row(store) is None
    result = cli(store, *READ, env=env(KEY))
    assert result.exit_code == 0, result.output
    assert key_row(store) == (1, keys.check_value(KEY), keys.VERIFIED)
    assert_refused_and_untouched(store, READ, OTHER_KEY, WRONG)


def test_a_plain_store_written_before_the_check_is_verified_by_its_plain_events(tmp_path):
    store = written_before_the_check(make_store(tmp_path / "var", None))
    assert_refused_and_untouched(store, RECORD, KEY, ON_PLAIN)
    assert key_row(store) is None
    assert cli(store, *RECORD, env=env(None)).exit_code == 0
    assert key_row(store) == (0, None, keys.VERIFIED)


def test_a_store_that_mixed_plain_and_encrypted_events_before_the_check_is_refused(tmp_path):
    """What the tracker used to do: a `record` without the key wrote plain events
    into an encrypted store (under a new id: a duplicate child)."""
    store = written_before_the_check(make_store(tmp_path / "var", KEY))
    plain = make_store(tmp_path / "plain", None)
    conn = sqlite3.connect(store / "events.sqlite3", isolation_level=None)
    conn.execute("ATTACH ? AS plain", (str(plain / "events.sqlite3"),))
    conn.execute("INSERT INTO stored_events SELECT * FROM plain.stored_events")
    conn.execute("DETACH plain")
    conn.close()
    for key in (KEY, None, OTHER_KEY):
        assert_refused_and_untouched(store, READ, key, MIXED)
    assert key_row(store) is None


def test_the_committed_fixture_stores_are_verified_on_a_copy(tmp_path):
    for name, key, wrong, message in (("encrypted", FIXTURE_KEY, None, MISSING), ("plain", None, KEY, ON_PLAIN)):
        store = tmp_path / name
        shutil.copytree(FIXTURE / name, store)
        assert key_row(store) is None
        assert_refused_and_untouched(store, ("stages",), wrong, message)
        args = ("history", "--la", "Coventry", "CV-101", "--json")
        result = cli(store, *args, env={**env(key), "JOURNEY_TODAY": "2026-12-01"})
        assert result.exit_code == 0, result.output
        assert key_row(store) == (int(bool(key)), key and keys.check_value(key), keys.VERIFIED)


# -- PostgreSQL --------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_on_postgres_the_key_is_checked_too_and_nothing_is_written(tmp_path, postgres_env):
    url = postgres_env["JOURNEY_DATABASE_URL"]
    encrypted = Settings(tmp_path / "var", database_url=url, cipher_key=KEY)
    app = JourneyTracker(encrypted)
    app.record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    count = app.recorder.max_notification_id()
    app.close()
    for key, refusal in ((None, keys.KeyMissing), (OTHER_KEY, keys.WrongKey), ("abc", keys.NotAKey)):
        with pytest.raises(refusal):
            Tracker(Settings(tmp_path / "var", database_url=url, cipher_key=key)).record(
                LA, "CV-2", "entered_care", "2024-01-10", recorded_by=BY
            )
    result = cli(tmp_path / "var", *RECORD, env={"JOURNEY_DATABASE_URL": url, "JOURNEY_CIPHER_KEY": None})
    assert result.exit_code == 4 and MISSING in result.stderr
    app = JourneyTracker(encrypted)
    assert app.recorder.max_notification_id() == count
    assert app.summary(LA, "CV-1")["child_ref"] == "CV-1"
    app.close()
