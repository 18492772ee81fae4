"""Which key a store is written with, checked once when the store is opened,
before the library reads or writes anything in it.

A store is plain or encrypted for life: its events database keeps, in a table of
its own (`journey_store_key`: in events.sqlite3, or in the PostgreSQL schema
beside the events), whether it is encrypted and, if it is, a check value of its
key (never the key). The row is written when the store is created. A key that is
missing, wrong or malformed, or a key given to a plain store, is refused with a
`StoreKeyRefused` naming which: so plain and encrypted events never mix, and no
event is written under a key the store's readers do not hold.

A store written before the check existed (events, but no row) is verified from
its events and then given its row: with a key, its first and last events must
decrypt under it (without one, both must be plain JSON), and the first, a
registration, must have the id the key derives.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import hashlib
import hmac
import json
import random
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from eventsourcing.cipher import AESCipher
from eventsourcing.utils import get_topic

from journey.domain.councils import council_key
from journey.domain.errors import JourneyError
from journey.settings import Settings, postgres_env
from journey.store.child import Child
from journey.store.household import Household
from journey.store.identity import child_id, household_id, identity_secret

KEY_TABLE = "journey_store_key"
CREATED = "created with the store"
VERIFIED = "verified from its events"

# The check value is HMAC-SHA256 of a fixed label under a key derived from the
# cipher key (itself an HMAC under the cipher key, with a label of its own), so:
# - it reveals nothing of the key: HMAC-SHA256 is one-way, and the key is 128 to
#   256 random bits, so the only way from the value back to a key is to try keys;
# - it is none of the secrets in use: not the AES key, and not the identity key
#   (journey.store.identity, another derivation), so holding the database and
#   this value still gives no way to test guesses of a case id against the ids;
# - it is over the key as written (as the identity key is): a second spelling of
#   the same key bytes would derive other identities, and is refused.
_CHECK_KEY_LABEL = b"journey store key check"
_CHECK_LABEL = b"this is the store's key"

_CHILD_REGISTERED = get_topic(Child.Registered)
_HOUSEHOLD_REGISTERED = get_topic(Household.Registered)


class StoreKeyRefused(JourneyError):
    """The key given (or none) is not the store's: refused before anything was read or written."""

    rule = "store key"


class KeyMissing(StoreKeyRefused):
    rule = "encrypted store, no key"


class WrongKey(StoreKeyRefused):
    rule = "not the store's key"


class NotAKey(StoreKeyRefused):
    rule = "not a key"


class KeyOnPlainStore(StoreKeyRefused):
    rule = "store not encrypted"


class MixedStore(StoreKeyRefused):
    rule = "plain and encrypted events mixed"


class StoreUnreachable(JourneyError):
    """The store's database server does not answer (so its key cannot be checked)."""

    rule = "store unreachable"


# -- the key and its check value --------------------------------------------------------


def check_key_given(settings: Settings) -> None:
    """A key the library's cipher takes (16, 24 or 32 bytes in base64, as `journey
    keygen` makes them), or none. (Read as the cipher reads it, so a store made with
    a key the cipher took is never locked out; the check value tells spellings apart.)"""
    key = settings.cipher_key
    if key is None:
        return
    try:
        size = len(base64.b64decode(key.encode("utf8")))
    except (binascii.Error, ValueError):
        size = -1
    if size not in AESCipher.KEY_SIZES:
        raise NotAKey(f"{settings.key_variable} is not a key: make one with `journey keygen`")


def check_value(cipher_key: str) -> str:
    """What the store keeps to recognise its key (see the comment above `_CHECK_LABEL`)."""
    check_key = hmac.new(cipher_key.encode(), _CHECK_KEY_LABEL, hashlib.sha256).digest()
    return hmac.new(check_key, _CHECK_LABEL, hashlib.sha256).hexdigest()


@dataclasses.dataclass(frozen=True)
class KeyRecord:
    """The store's row: whether it is encrypted, and its key's check value."""

    encrypted: bool
    check_value: str | None

    @classmethod
    def of(cls, cipher_key: str | None) -> KeyRecord:
        return cls(True, check_value(cipher_key)) if cipher_key else cls(False, None)


@dataclasses.dataclass(frozen=True)
class ToRecord:
    """The row an opening is to record once the library has opened the store, and how it was found."""

    record: KeyRecord
    how: str


@dataclasses.dataclass(frozen=True)
class Found:
    """What an opening reads: the store's row, the stored state of its first and
    last events (None when it holds no events), and the first event's stream id and topic."""

    record: KeyRecord | None
    first: bytes | None = None
    last: bytes | None = None
    first_id: str | None = None
    first_topic: str | None = None

    @property
    def holds_events(self) -> bool:
        return self.first is not None


# -- deciding -------------------------------------------------------------------------------


def decide(settings: Settings, found: Found) -> ToRecord | None:
    """Whether the settings' key opens this store: raises a `StoreKeyRefused` if
    not; returns the row to record (a new store, or one verified from its
    events), or None when the store's row is already there and agrees."""
    check_key_given(settings)
    where = settings.describe_store()
    variable = settings.key_variable
    given = KeyRecord.of(settings.cipher_key)
    if found.record is not None:
        _compare(found.record, given, where, variable)
        return None
    if not found.holds_events:
        return ToRecord(given, CREATED)
    _verify_events(settings, found, where, variable)
    return ToRecord(given, VERIFIED)


def _compare(record: KeyRecord, given: KeyRecord, where: str, variable: str) -> None:
    if record.encrypted and not given.encrypted:
        raise KeyMissing(f"this store ({where}) is encrypted: set {variable} to its key")
    if not record.encrypted and given.encrypted:
        raise KeyOnPlainStore(
            f"this store ({where}) is not encrypted: unset {variable}, "
            "or copy it to an encrypted store with `journey store copy`"
        )
    if record.encrypted and not hmac.compare_digest(record.check_value or "", given.check_value or ""):
        raise WrongKey(f"{variable} is not this store's key ({where})")


def _verify_events(settings: Settings, found: Found, where: str, variable: str) -> None:
    """A store written before its row existed: its first and last events must be
    what the key says (both decrypt under it, or both plain)."""
    cipher = AESCipher({AESCipher.CIPHER_KEY: settings.cipher_key}) if settings.cipher_key else None
    kinds = {_kind(state, cipher) for state in (found.first, found.last)}
    mixed = MixedStore(
        f"this store ({where}) mixes events written with different keys, or with and without one "
        "(before keys were checked): it is not opened; restore it from a backup taken before they mixed"
    )
    if cipher is None:
        if kinds == {"plain"}:
            return _verify_identity(settings, found, json.loads(found.first or b""), where, variable)
        if "plain" in kinds:
            raise mixed
        raise KeyMissing(f"this store ({where}) is encrypted: set {variable} to its key")
    if kinds == {"ours"}:
        return _verify_identity(settings, found, json.loads(cipher.decrypt(found.first or b"")), where, variable)
    if kinds == {"plain"}:
        raise KeyOnPlainStore(
            f"this store ({where}) is not encrypted: unset {variable}, "
            "or copy it to an encrypted store with `journey store copy`"
        )
    if kinds == {"other"}:
        raise WrongKey(f"{variable} is not this store's key ({where})")
    raise mixed


def _verify_identity(settings: Settings, found: Found, first: dict, where: str, variable: str) -> None:
    """The first event, a registration, has the id the key as written derives: the
    same key bytes spelt otherwise (a space, a line end) decrypt the events but
    derive other ids, and would start every child again under a new one."""
    secret = identity_secret(settings.cipher_key)
    if found.first_topic == _CHILD_REGISTERED:
        derived = child_id(council_key(first["local_authority"]), first["child_ref"], secret)
    elif found.first_topic == _HOUSEHOLD_REGISTERED:
        derived = household_id(first["household_ref"], secret)
    else:
        return
    if str(derived) != str(found.first_id):
        raise WrongKey(
            f"{variable} decrypts this store ({where}) but is not written as the key its ids were made with "
            "(the same key spelt otherwise: look for a space or a line end)"
        )


def _kind(state: bytes | None, cipher: AESCipher | None) -> str:
    """'plain' (JSON), 'ours' (decrypts under the cipher) or 'other' (encrypted under another key)."""
    if _is_plain_json(state):
        return "plain"
    if cipher is not None:
        try:
            if _is_plain_json(cipher.decrypt(bytes(state or b""))):
                return "ours"
        except ValueError:  # the cipher's MAC check failed: not this key
            pass
    return "other"


def _is_plain_json(state: bytes | None) -> bool:
    try:
        return isinstance(json.loads(state or b""), dict)
    except (ValueError, UnicodeDecodeError):
        return False


# -- where the row is kept --------------------------------------------------------------------


class SQLiteKeyTable:
    """The row in events.sqlite3, beside the library's `stored_events`."""

    def __init__(self, path: Path, events_table: str):
        self.path = Path(path)
        self.events_table = events_table

    def read(self) -> Found:
        if not self.path.exists():
            return Found(None)
        # Read-write but reading only: a read-only connection to a WAL database would
        # leave its -wal and -shm files behind; this one removes them when it closes.
        conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=30)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            record = None
            if KEY_TABLE in tables:
                row = conn.execute(f"SELECT encrypted, check_value FROM {KEY_TABLE} WHERE id = 1").fetchone()
                record = KeyRecord(bool(row[0]), row[1]) if row else None
            if self.events_table not in tables:
                return Found(record)
            select = f"SELECT state, originator_id, topic FROM {self.events_table} ORDER BY rowid {{}} LIMIT 1"
            first = conn.execute(select.format("ASC")).fetchone()
            last = conn.execute(select.format("DESC")).fetchone()
            return _found(record, first, last)
        finally:
            conn.close()

    def record(self, record: KeyRecord, how: str) -> KeyRecord:
        conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {KEY_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), "
                "encrypted INTEGER NOT NULL, check_value TEXT, recorded_at TEXT NOT NULL, how TEXT NOT NULL)"
            )
            conn.execute(
                f"INSERT OR IGNORE INTO {KEY_TABLE} (id, encrypted, check_value, recorded_at, how) VALUES (1, ?, ?, ?, ?)",
                (int(record.encrypted), record.check_value, _now(), how),
            )
            row = conn.execute(f"SELECT encrypted, check_value FROM {KEY_TABLE} WHERE id = 1").fetchone()
            conn.execute("COMMIT")
        finally:
            conn.close()
        return KeyRecord(bool(row[0]), row[1])


class PostgresKeyTable:
    """The row in a table of the store's PostgreSQL schema, beside the library's events table."""

    def __init__(self, database_url: str, events_table: str):
        self.env = postgres_env(database_url)
        self.schema = self.env.get("POSTGRES_SCHEMA") or "public"
        self.events_table = events_table

    def _connect(self):
        import psycopg

        try:
            return psycopg.connect(
                host=self.env["POSTGRES_HOST"], port=self.env["POSTGRES_PORT"], dbname=self.env["POSTGRES_DBNAME"],
                user=self.env["POSTGRES_USER"] or None, password=self.env["POSTGRES_PASSWORD"] or None,
                connect_timeout=30,
            )
        except psycopg.OperationalError as error:
            where = f"PostgreSQL {self.env['POSTGRES_HOST']}:{self.env['POSTGRES_PORT']}/{self.env['POSTGRES_DBNAME']}"
            raise StoreUnreachable(f"cannot reach {where}: {' '.join(str(error).split())}") from None

    def _name(self, table: str):
        from psycopg import sql

        return sql.SQL("{}.{}").format(sql.Identifier(self.schema), sql.Identifier(table))

    def read(self) -> Found:
        from psycopg import sql

        with self._connect() as conn:
            tables = {
                row[0]
                for row in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_name IN (%s, %s)",
                    (self.schema, KEY_TABLE, self.events_table),
                )
            }
            record = None
            if KEY_TABLE in tables:
                row = conn.execute(
                    sql.SQL("SELECT encrypted, check_value FROM {} WHERE id = 1").format(self._name(KEY_TABLE))
                ).fetchone()
                record = KeyRecord(bool(row[0]), row[1]) if row else None
            if self.events_table not in tables:
                return Found(record)
            select = "SELECT state, originator_id, topic FROM {} ORDER BY notification_id {} LIMIT 1"
            first = conn.execute(sql.SQL(select).format(self._name(self.events_table), sql.SQL("ASC"))).fetchone()
            last = conn.execute(sql.SQL(select).format(self._name(self.events_table), sql.SQL("DESC"))).fetchone()
            return _found(record, first, last)

    def record(self, record: KeyRecord, how: str) -> KeyRecord:
        from psycopg import sql

        def attempt() -> KeyRecord:
            with self._connect() as conn:
                conn.execute(
                    sql.SQL(
                        "CREATE TABLE IF NOT EXISTS {} (id integer PRIMARY KEY CHECK (id = 1), encrypted boolean NOT NULL, "
                        "check_value text, recorded_at timestamptz NOT NULL DEFAULT now(), how text NOT NULL)"
                    ).format(self._name(KEY_TABLE))
                )
                conn.execute(
                    sql.SQL("INSERT INTO {} (id, encrypted, check_value, how) VALUES (1, %s, %s, %s) ON CONFLICT (id) DO NOTHING").format(
                        self._name(KEY_TABLE)
                    ),
                    (record.encrypted, record.check_value, how),
                )
                row = conn.execute(
                    sql.SQL("SELECT encrypted, check_value FROM {} WHERE id = 1").format(self._name(KEY_TABLE))
                ).fetchone()
            return KeyRecord(bool(row[0]), row[1])

        return _retrying_ddl(attempt)


def _found(record: KeyRecord | None, first: tuple | None, last: tuple | None) -> Found:
    """From the (state, originator_id, topic) rows of the first and last events, if any."""
    if first is None or last is None:
        return Found(record)
    return Found(record, bytes(first[0]), bytes(last[0]), str(uuid.UUID(str(first[1]))), first[2])


def _retrying_ddl(attempt: Callable[[], KeyRecord]) -> KeyRecord:
    """Two processes creating the table at once on PostgreSQL can race on the DDL: try again."""
    for n in range(5):
        try:
            return attempt()
        except Exception as error:
            text = str(error)
            if n == 4 or not ("already exists" in text or "concurrently updated" in text or "duplicate key" in text):
                raise
            time.sleep(0.05 * (n + 1) + random.uniform(0, 0.05))
    raise AssertionError("unreachable")


def key_table(settings: Settings, events_table: str) -> SQLiteKeyTable | PostgresKeyTable:
    if settings.database_url:
        return PostgresKeyTable(settings.database_url, events_table)
    return SQLiteKeyTable(settings.events_path, events_table)


# -- at the store's opening ----------------------------------------------------------------------


def inspect(settings: Settings, events_table: str) -> Found:
    """What the store holds (its row, its first and last events), read without the
    library (which would change the file: it turns a SQLite store to WAL mode)."""
    check_key_given(settings)  # a malformed key is refused before the store is touched at all
    return key_table(settings, events_table).read()


def check_before_opening(settings: Settings, events_table: str) -> ToRecord | None:
    """Refuse the settings' key if it is not the store's (`StoreKeyRefused`); returns
    the row to record once the library has opened the store, or None."""
    return decide(settings, inspect(settings, events_table))


def record_after_opening(settings: Settings, events_table: str, pending: ToRecord) -> None:
    """Record the store's row; when another process recorded a different one
    first, the settings' key is checked against that one instead."""
    stored = key_table(settings, events_table).record(pending.record, pending.how)
    if stored != pending.record:
        decide(settings, Found(stored))


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


__all__: Sequence[str] = (
    "KeyMissing", "KeyOnPlainStore", "KeyRecord", "MixedStore", "NotAKey", "StoreKeyRefused", "StoreUnreachable",
    "ToRecord", "WrongKey",
    "check_before_opening", "check_value", "decide", "inspect", "record_after_opening",
)
