"""The projection: reads the event log from its tracked position and writes the
read models, each batch and its new position in one SQLite transaction.

On SQLite the library cannot push events, so the projection polls
`recorder.select_notifications` (on PostgreSQL too: the same code serves both).
A batch is fetched and decoded into facts (`projections.facts`) outside any
lock, by this process or, in a long catch-up, by a reader process running
ahead (`projections.reading`); then, in a `BEGIN IMMEDIATE`
transaction, the tracking row is moved from the position the batch was read
after to the batch's last notification id. That is the FIRST write: if another
process got there first nothing matches, the transaction is rolled back and the
batch read again from the new position. So every event is applied exactly once,
by whichever process commits it, and a process killed mid-batch leaves the
last committed batch in place.

After applying a batch to the touched streams' milestones, the children's
derived rows are recomputed from their current milestones in the same
transaction. A household collects a copy of every match, placement and order of
its children, so it is touched by batch after batch during a rebuild; its
derived rows are recomputed once, when the catch-up ends (and every
`HOUSEHOLD_FLUSH_NOTIFICATIONS`): until then it is listed in `dirty_streams`,
written in the same transaction as its milestones, so a catch-up interrupted
anywhere is finished by the next.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sqlite_utils import Database

from journey.domain.timescale_rules import RULES_FILE_NAME, Rule, load_timescales
from migrations.read_models import PROJECTION, replay_from_start

from projections import derive, facts, reading
from projections.stream_state import CHILD, HOUSEHOLD, StreamState, apply, new_state

BATCH_NOTIFICATIONS = 5000
HOUSEHOLD_FLUSH_NOTIFICATIONS = 1_000_000
# A catch-up further behind than this drops the secondary indexes and builds them
# again at its end (a rebuild, or a first catch-up of a large store).
DEFER_INDEXES_AFTER = 100_000
# Household states kept between batches of one catch-up (a household is touched
# by many batches); beyond this the cache is emptied and states reloaded as needed.
CACHE_STREAMS = 20_000
# A catch-up further behind than this reads the log in a second process, ahead of
# the writing (`projections.reading`): a process costs a fraction of a second to
# start, and a rebuild about half its time to read and decode.
READ_AHEAD_AFTER = 100_000
IN_CHUNK = 500  # ids per `IN (...)` (SQLite allows 32766 parameters; keep plans simple)
POLL_SECONDS = 0.05


class PositionMoved(Exception):
    """Another process applied the batch first (or the read models were reset)."""


@dataclasses.dataclass(frozen=True)
class Status:
    """Where the projection stands: `position` (last notification applied),
    `head` (last notification in the log), `lag` (head - position: notifications
    not yet applied, counting any gaps in the ids) and `dirty_streams` (households
    whose derived rows a catch-up has yet to finish)."""

    position: int
    head: int
    lag: int
    dirty_streams: int
    updated_at: str
    generation: int


# ---------------------------------------------------------------------------- tracking


def read_tracking(db: Database) -> tuple[int, int]:
    """(position, generation) of the projection."""
    row = db.execute(
        "SELECT position, generation FROM tracking WHERE projection = ?", [PROJECTION]
    ).fetchone()
    return row[0], row[1]


def position_of(db: Database) -> int:
    """The last notification id the read models hold."""
    return read_tracking(db)[0]


def _move_tracking(db: Database, old: int, new: int, generation: int, rules: str | None = None) -> None:
    """The first write of each transaction: claims the move from `old` to `new`."""
    sets = "position = ?, updated_at = ?" + (", rules = ?" if rules is not None else "")
    params: list = [new, datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")]
    if rules is not None:
        params.append(rules)
    cursor = db.execute(
        f"UPDATE tracking SET {sets} WHERE projection = ? AND position = ? AND generation = ?",
        [*params, PROJECTION, old, generation],
    )
    if cursor.rowcount != 1:
        raise PositionMoved(f"the read models moved on from position {old}")


# ---------------------------------------------------------------------------- rules


def rules_of(settings) -> tuple[Rule, ...]:
    """The timescale rules in force for this data directory."""
    return load_timescales(Path(settings.data_dir) / RULES_FILE_NAME).rules


def fingerprint(rules: Iterable[Rule]) -> str:
    return hashlib.sha256(repr(tuple(rules)).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------- catching up


CHILDREN_COLUMNS = (
    "stream_no", "stream_id", "local_authority", "la_key", "child_ref", "date_of_birth", "sex", "ethnicity",
    "disability", "sibling_group", "stage", "stage_since", "entered_care_on", "decision_on",
    "order_on", "authority_on", "matched_on", "placed_on", "left_care_on", "adoption_order_on",
    "waiting", "in_sibling_group", "bame", "disabled", "aged_5_plus_at_decision",
)
MEASURE_COLUMNS = (
    "stream_no", "local_authority", "la_key", "child_ref", "adoption_order_on", "placed_on",
    "entered_care_on", "moved_in_on", "authority_on", "matched_on", "data_quality",
    "a1_days", "a2_days", "a10_days", "within_14_months",
)
HOUSEHOLD_COLUMNS = (
    "stream_no", "stream_id", "household_ref", "interagency", "stage", "stage_since",
    *(f"{name}_on" for name in derive.HOUSEHOLD_LATEST), "waiting_since",
)
APPROVAL_COLUMNS = ("stream_no", "household_ref", "approved_on", "matched_on", "withdrawn_on")
CLOCK_COLUMNS = (
    "stream_no", "stream_id", "subject", "child_ref", "local_authority", "la_key", "household_ref", "rule_id",
    "started_on", "due_on", "warn_on", "alert_from", "stopped_on", "stopped_by", "running", "stops",
)


class Projector:
    """Applies the log to one read-model database. A `Projector` lives for one
    catch-up; its cache of stream states is valid only while its own writes are
    the last ones (which the tracking row proves at each transaction)."""

    def __init__(self, app, db: Database, rules: tuple[Rule, ...] | None = None):
        self.app = app
        self.db = db
        self.rules = tuple(rules if rules is not None else rules_of(app.settings))
        self.rules_fingerprint = fingerprint(self.rules)
        # By the stream id's integer (hashes faster than a UUID or its text).
        self.cache: dict[int, StreamState] = {}
        self.by_no: dict[int, StreamState] = {}
        self.next_no = 0
        self.since_household_flush = 0
        self.batch_size = BATCH_NOTIFICATIONS
        self.read_ahead = False
        self.bulk = False
        # Called after each committed batch with the number of notifications it applied.
        self.on_batch: Callable[[int], None] | None = None

    # -- the loop -------------------------------------------------------------------

    def catch_up(self, timeout: float | None = None, until: int | None = None) -> int:
        """Apply notifications until the log's end (or `until`, or the batch that
        passes `timeout` seconds); then finish any pending household rows and
        deferred indexes. Returns the position."""
        deadline = None if timeout is None else time.monotonic() + timeout
        collecting = gc.isenabled()
        try:
            while True:
                try:
                    position, generation = self._start(until)
                    position = self._batches(position, generation, deadline, until)
                    self._finish(position, generation)
                    return position
                except PositionMoved:
                    # Another process applied what we read: carry on from where it is.
                    self._forget()
        finally:
            if collecting:
                gc.enable()
            if self.bulk:
                self._end_bulk()

    def _start(self, until: int | None) -> tuple[int, int]:
        position, generation = read_tracking(self.db)
        stored_rules = self.db.execute("SELECT rules FROM tracking WHERE projection = ?", [PROJECTION]).fetchone()[0]
        if stored_rules is not None and stored_rules != self.rules_fingerprint:
            self._recompute_everything(position, generation)
        head = until if until is not None else (self.app.recorder.max_notification_id() or 0)
        self.read_ahead = head - position > READ_AHEAD_AFTER
        if head - position > DEFER_INDEXES_AFTER:
            self._defer_indexes(position, generation)
            # Decoding a long log makes millions of short-lived, acyclic objects: the
            # cycle collector would keep walking the long-lived ones (about an eighth
            # of a rebuild's time). Enabled again when the catch-up ends.
            gc.disable()
            self._start_bulk()
        return position, generation

    def _start_bulk(self) -> None:
        """A long catch-up (a rebuild) does not wait for the disk at each batch
        (SQLite's `synchronous=OFF`): a crashed process loses nothing committed,
        and the last batches are made durable when it ends; only a power cut or
        a crash of the machine in the middle could damage the file, which then
        holds nothing the log cannot give again (delete it: the next command
        rebuilds). About a tenth of a rebuild's time."""
        self.db.execute("PRAGMA synchronous=OFF")
        self.bulk = True

    def _end_bulk(self) -> None:
        self.bulk = False
        self.db.execute("PRAGMA synchronous=NORMAL")
        if not self.db.conn.in_transaction:
            # Copies the log of writes into the file and waits for the disk.
            self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _batches(self, position: int, generation: int, deadline: float | None, until: int | None) -> int:
        for last, count, batch in self._read(position, until):
            at_end = count < self.batch_size
            self._apply_batch(batch, position, last, generation, flush=at_end)
            position = last
            if self.on_batch:
                self.on_batch(count)
            if deadline is not None and time.monotonic() > deadline:
                break
        return position

    def _read(self, position: int, until: int | None) -> Iterator[tuple[int, int, list[tuple]]]:
        """(last id, notifications read, facts) of each batch after `position`, up
        to the batch that reaches `until`: read here, or, for a long catch-up, by a
        reader process running ahead."""
        if self.read_ahead:
            yield from reading.read_ahead(self.app.settings, position + 1, self.batch_size, until)
            return
        while until is None or position < until:
            notifications = self.app.recorder.select_notifications(start=position + 1, limit=self.batch_size)
            if not notifications:
                return
            position = notifications[-1].id
            yield position, len(notifications), facts.decode(self.app.mapper, notifications)

    def _finish(self, position: int, generation: int) -> None:
        """Recompute households left pending and recreate deferred indexes (this
        catch-up's, or those of one that died)."""
        if self.db.execute("SELECT 1 FROM dirty_streams LIMIT 1").fetchone() is not None:
            self._transaction(position, position, generation, self._flush_households)
        if self.db.execute("SELECT 1 FROM deferred_indexes LIMIT 1").fetchone() is not None:
            self._transaction(position, position, generation, self._restore_indexes)

    def _transaction(self, old: int, new: int, generation: int, work: Callable[[], None]) -> None:
        # IMMEDIATE: take the write lock now (waiting for it, up to the busy timeout)
        # rather than fail when a read turns into a write under concurrency.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            _move_tracking(self.db, old, new, generation, self.rules_fingerprint)
            work()
        except BaseException:
            self.db.rollback()
            self._forget()
            raise
        self.db.commit()

    def _forget(self) -> None:
        self.cache.clear()
        self.by_no.clear()

    # -- one batch ------------------------------------------------------------------

    def _apply_batch(self, events: list, old: int, new: int, generation: int, flush: bool) -> None:
        def work():
            touched = self._apply_events(events)
            self._write_streams(touched)
            self._write_derived([s for s in touched if s.kind == CHILD])
            self._mark_dirty([s for s in touched if s.kind == HOUSEHOLD])
            self.since_household_flush += len(events)
            if flush or self.since_household_flush >= HOUSEHOLD_FLUSH_NOTIFICATIONS:
                self._flush_households()

        self._transaction(old, new, generation, work)
        # A child's events mostly come together (one child, one save); a household
        # gathers copies from batch after batch, so households stay cached.
        for key in [key for key, s in self.cache.items() if s.kind == CHILD]:
            del self.by_no[self.cache.pop(key).stream_no]
        if len(self.cache) > CACHE_STREAMS:
            self._forget()

    def _apply_events(self, events: list[tuple]) -> list[StreamState]:
        # A stream whose first event is in this batch is new (none of its events can
        # have been applied before); others may be stored.
        ids = set()
        new = set()
        for e in events:
            (new if e[1] == 1 else ids).add(e[0])
        ids -= new
        ids -= self.cache.keys()
        self._load("stream_id", sorted(str(uuid.UUID(int=i)) for i in ids))
        self.next_no = self.db.execute("SELECT coalesce(max(stream_no), 0) + 1 FROM streams").fetchone()[0]
        touched: dict = {}
        cache = self.cache
        for event in events:
            key = event[0]
            state = cache.get(key)
            if state is None:
                state = new_state(event)
                if state is None:
                    continue  # not the start of a stream the projection knows
                state.stream_no = self.next_no
                self.next_no += 1
                self._remember(state)
            else:
                apply(state, event)
            touched[key] = state
        return list(touched.values())

    def _remember(self, state: StreamState) -> None:
        self.cache[uuid.UUID(state.stream_id).int] = state
        self.by_no[state.stream_no] = state

    def _load(self, column: str, keys: list) -> None:
        """Put the stored states of these streams (by `stream_id` or `stream_no`) in the cache."""
        for chunk in _chunks(keys):
            marks = ",".join("?" * len(chunk))
            streams = {
                row["stream_no"]: row
                for row in self.db.query(f"SELECT * FROM streams WHERE {column} IN ({marks})", chunk)
            }
            if not streams:
                continue
            milestones: dict[int, list] = {stream_no: [] for stream_no in streams}
            nos = list(streams)
            for row in self.db.execute(
                "SELECT stream_no, event_id, name, occurred_on, details, withdrawn FROM milestones"
                f" WHERE stream_no IN ({','.join('?' * len(nos))}) ORDER BY stream_no, event_id",
                nos,
            ):
                milestones[row[0]].append(row[1:])
            for stream_no, row in streams.items():
                self._remember(StreamState.from_rows(row, milestones[stream_no]))

    def _write_streams(self, touched: list[StreamState]) -> None:
        conn = self.db.conn
        changed = [s for s in touched if s.identity_changed]
        if changed:
            conn.executemany(
                "INSERT OR REPLACE INTO streams (stream_no, stream_id, kind, local_authority, la_key,"
                " child_ref, household_ref, interagency, attributes) VALUES (?,?,?,?,?,?,?,?,?)",
                [s.stream_row() for s in changed],
            )
        rows = []
        for state in touched:
            if state.changed:
                rows += state.milestone_rows(sorted(state.changed))
                state.changed = set()
            state.identity_changed = False
        conn.executemany(
            "INSERT OR REPLACE INTO milestones (stream_no, event_id, name, occurred_on, details, withdrawn)"
            " VALUES (?,?,?,?,?,?)",
            rows,
        )

    def _mark_dirty(self, households: list[StreamState]) -> None:
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO dirty_streams (stream_no) VALUES (?)", [(s.stream_no,) for s in households]
        )

    def _flush_households(self) -> None:
        dirty = [row[0] for row in self.db.execute("SELECT stream_no FROM dirty_streams ORDER BY stream_no")]
        self._load("stream_no", [n for n in dirty if n not in self.by_no])
        self._write_derived([self.by_no[n] for n in dirty if n in self.by_no])
        self.db.execute("DELETE FROM dirty_streams")
        self.since_household_flush = 0

    def _write_derived(self, states: list[StreamState]) -> None:
        """Replace the derived rows of these streams by those their milestones give now."""
        conn = self.db.conn
        old = [(s.stream_no,) for s in states if s.has_rows]
        if old:
            for table in DERIVED_TABLES:
                conn.executemany(f"DELETE FROM {table} WHERE stream_no = ?", old)
        rows = derive.derived_rows(states, self.rules)
        for state in states:
            state.has_rows = True
        for table, columns in DERIVED_COLUMNS.items():
            write_rows(conn, table, columns, rows[table], replace=table == "approvals")

    # -- indexes during a long catch-up ----------------------------------------------------

    def _defer_indexes(self, position: int, generation: int) -> None:
        """Drop the secondary indexes of the projected tables (keeping their SQL):
        maintaining them row by row costs a rebuild more than building them once."""
        def work():
            marks = ",".join("?" * len(DEFERRABLE_TABLES))
            for name, sql in self.db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({marks})",
                DEFERRABLE_TABLES,
            ).fetchall():
                self.db.execute("INSERT OR REPLACE INTO deferred_indexes (name, sql) VALUES (?, ?)", [name, sql])
                self.db.execute(f'DROP INDEX "{name}"')

        self._transaction(position, position, generation, work)

    def _restore_indexes(self) -> None:
        for name, sql in self.db.execute("SELECT name, sql FROM deferred_indexes ORDER BY name").fetchall():
            self.db.execute(sql)
            self.db.execute("DELETE FROM deferred_indexes WHERE name = ?", [name])

    # -- a change of rules ---------------------------------------------------------------

    def _recompute_everything(self, position: int, generation: int) -> None:
        """The timescale rules changed: recompute every stream's derived rows from
        the milestones held (no need to read the log again)."""
        stream_nos = [row[0] for row in self.db.execute("SELECT stream_no FROM streams ORDER BY stream_no")]

        def work():
            for chunk in _chunks(stream_nos, 5000):
                self._forget()
                self._load("stream_no", chunk)
                self._write_derived([self.by_no[n] for n in chunk])
            self.db.execute("DELETE FROM dirty_streams")

        self._transaction(position, position, generation, work)
        self._forget()


DERIVED_TABLES = ("children", "measure_dates", "households", "approvals", "clocks")
DERIVED_COLUMNS = {
    "children": CHILDREN_COLUMNS,
    "measure_dates": MEASURE_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
    "approvals": APPROVAL_COLUMNS,
    "clocks": CLOCK_COLUMNS,
}
# Tables whose secondary indexes a long catch-up drops and recreates at its end
# (`streams` keeps its index on stream_id: each batch looks streams up by it).
DEFERRABLE_TABLES = ("milestones",) + DERIVED_TABLES


def write_rows(conn, table: str, columns: tuple[str, ...], rows: list[tuple], replace: bool = False) -> None:
    """Insert `rows` into `table` in one executemany."""
    if not rows:
        return
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    conn.executemany(
        f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows
    )


def _chunks(items: list, size: int = IN_CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---------------------------------------------------------------------------- public API


def catch_up(app, db: Database, timeout: float | None = None) -> int:
    """Bring the read models up to the end of the log; returns the position reached
    (the last notification id applied). Every reading command calls this first, so
    the read models are right with no scheduler running. With `timeout` (seconds)
    it stops after the batch that passes it, returning the position reached."""
    return Projector(app, db).catch_up(timeout=timeout)


def wait_for(db: Database, position: int, timeout: float = 5.0, *, app=None) -> bool:
    """Read-your-writes for the web: True once the read models hold `position`
    (e.g. `app.recorder.max_notification_id()` just after a command), False if
    `timeout` seconds pass first. With `app` it catches up itself (no projection
    process needed); without, it waits for another process to."""
    deadline = time.monotonic() + timeout
    while True:
        if position_of(db) >= position:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        if app is not None:
            Projector(app, db).catch_up(timeout=remaining, until=position)
        else:
            time.sleep(min(POLL_SECONDS, remaining))


def status(app, db: Database) -> Status:
    """The projection's position, the log's head and the lag between them."""
    row = db.execute(
        "SELECT position, generation, updated_at FROM tracking WHERE projection = ?", [PROJECTION]
    ).fetchone()
    head = app.recorder.max_notification_id() or 0
    dirty = db.execute("SELECT count(*) FROM dirty_streams").fetchone()[0]
    return Status(position=row[0], head=head, lag=max(0, head - row[0]), dirty_streams=dirty,
                  updated_at=row[2], generation=row[1])


def reset(db: Database) -> None:
    """Empty the read models and set the position back to 0 (one transaction)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        replay_from_start(db)
    except BaseException:
        db.rollback()
        raise
    db.commit()


def rebuild(app, db: Database, progress: Callable[[int], None] | None = None) -> int:
    """Empty the read models and project the whole log again; returns the position.
    `progress` is called with the number of notifications each batch applied.
    Interrupted, it is finished by the next catch-up (any reading command)."""
    reset(db)
    projector = Projector(app, db)
    projector.on_batch = progress
    return projector.catch_up()
