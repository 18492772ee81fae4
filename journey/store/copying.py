"""Copying a store's whole log into an empty store (`journey store copy`): the way
to encrypt a plain store, change its key, take the key off, or move the events
from SQLite to PostgreSQL (or back).

Every event is copied in the order it was recorded, with its recording time (the
library's `timestamp`) and its contents as stored (class version included): only
the ids that depend on the key change. With a key, a child's id is an HMAC of its
council and case id and a household's of its reference, under a key derived from
the cipher key; without one, a name-based UUID (journey.store.identity). An
alert's id is a name-based UUID of its subject's id, its rule and its clock's
start (journey.alerts.alert). So each stream is given the id that the target's
key derives for it, and the stream ids that events carry (an alert's
`subject_id`, a household's copy of a child's milestone `details.child_id`) are
given the same new ids. A stream whose id is not the one its own events derive
under the source's key is refused: its copy could not be found by its reference.

All or nothing: the target must hold no events and no read models (refused
otherwise, before anything is written); its agency and timescales files are the
source's; the events go in in one transaction.
"""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic

from journey.alerts.alert import Alert, alert_id
from journey.domain.councils import AGENCY_FILE, council_key
from journey.domain.errors import JourneyError
from journey.domain.timescale_rules import RULES_FILE_NAME
from journey.settings import Settings, postgres_env
from journey.store import keys
from journey.store.account import Account
from journey.store.application import JourneyTracker, private_folder
from journey.store.child import Child
from journey.store.household import Household
from journey.store.identity import account_id, child_id, household_id, identity_secret
from journey.store.view_log import VIEWING_TOPIC

BATCH = 1000
CHILD_STARTS = get_topic(Child.Registered)
HOUSEHOLD_STARTS = get_topic(Household.Registered)
ALERT_STARTS = get_topic(Alert.Raised)
ACCOUNT_STARTS = get_topic(Account.Created)
DATA_FILES = (AGENCY_FILE, RULES_FILE_NAME)


class TargetNotEmpty(JourneyError):
    """A store is copied only into an empty one."""

    rule = "copy only into an empty store"


class CannotCopy(JourneyError):
    """The copy would not be faithful (or the target is the store itself)."""

    rule = "cannot copy"


def copy_store(source: JourneyTracker, target: Settings, *, progress: Callable[[int], None] | None = None) -> dict:
    """Copy `source`'s whole log into the empty store `target` (see the module's
    docstring). Refused, with nothing written, unless the target is empty.
    Returns the counts copied, the target's description, whether it is encrypted
    and the source's `position` the copy goes up to."""
    head = source.recorder.max_notification_id() or 0
    _refuse_unless_copyable(source.settings, target)
    identities = _identities(source, identity_secret(target.cipher_key), head)
    private_folder(target.data_dir)
    for name in DATA_FILES:
        if (source.settings.data_dir / name).exists() and not (target.data_dir / name).exists():
            shutil.copyfile(source.settings.data_dir / name, target.data_dir / name)
    app = JourneyTracker(target, agency=source.agency)
    try:
        events = _copy_events(source, app, identities, head, progress or (lambda n: None))
    finally:
        app.close()
    return {
        "events": events,
        "children": identities.counts["child"],
        "households": identities.counts["household"],
        "alerts": identities.counts["alert"],
        "accounts": identities.counts["account"],
        "viewings": identities.counts["viewing"],
        "position": head,
        "target": target.describe_store(),
        "data_dir": str(target.data_dir),
        "encrypted": bool(target.cipher_key),
    }


# -- before anything is written -------------------------------------------------------------


def _refuse_unless_copyable(source: Settings, target: Settings) -> None:
    if _same_events(source, target):
        raise CannotCopy(f"the target is this store itself ({source.describe_store()}): give another")
    if _same_folder(source.data_dir, target.data_dir):
        raise CannotCopy(
            f"the target's data folder is this store's ({source.data_dir}): its read models are this store's; "
            "give another", field="target_data_dir" if target.database_url else None,
        )
    found = keys.inspect(target, JourneyTracker.events_table(target))  # a malformed target key is refused here
    if found.holds_events:
        raise TargetNotEmpty(
            f"{target.describe_store()} already holds events: a store is copied only into an empty one; nothing was written"
        )
    if target.read_models_path.exists():
        raise TargetNotEmpty(
            f"{target.data_dir} holds read models ({target.read_models_path.name}) of another store: "
            "copy into an empty data folder; nothing was written"
        )
    keys.decide(target, found)  # an empty target started with another key (or none) is refused
    for name in DATA_FILES:
        theirs, ours = target.data_dir / name, source.data_dir / name
        if theirs.exists() and (not ours.exists() or theirs.read_bytes() != ours.read_bytes()):
            raise CannotCopy(
                f"{theirs} is not this store's {name}: the copy needs the same councils and timescales; "
                "copy into an empty data folder; nothing was written"
            )


def _same_events(a: Settings, b: Settings) -> bool:
    if bool(a.database_url) != bool(b.database_url):
        return False
    if a.database_url and b.database_url:
        where = ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME")
        ea, eb = postgres_env(a.database_url), postgres_env(b.database_url)
        return [ea[k] for k in where] == [eb[k] for k in where] and (
            (ea.get("POSTGRES_SCHEMA") or "public") == (eb.get("POSTGRES_SCHEMA") or "public")
        )
    return _same_folder(a.data_dir, b.data_dir)


def _same_folder(a: Path, b: Path) -> bool:
    return Path(a).resolve() == Path(b).resolve()


# -- the ids the target's key derives ---------------------------------------------------------


@dataclasses.dataclass
class Identities:
    """Each stream's id in the source and the id the target's key derives for it."""

    new: dict[uuid.UUID, uuid.UUID] = dataclasses.field(default_factory=dict)
    taken: set[uuid.UUID] = dataclasses.field(default_factory=set)
    counts: dict[str, int] = dataclasses.field(
        default_factory=lambda: {"child": 0, "household": 0, "alert": 0, "account": 0, "viewing": 0}
    )

    def add(self, old: uuid.UUID, derived_old: uuid.UUID, new: uuid.UUID, kind: str, what: str) -> None:
        if old != derived_old:
            raise CannotCopy(
                f"the stream {old} ({what}) does not have the id its events give it under this store's key: "
                "it cannot be copied faithfully; nothing was written"
            )
        if old in self.new or new in self.taken:
            raise CannotCopy(f"{what} is recorded twice in this store: it cannot be copied; nothing was written")
        self.new[old] = new
        self.taken.add(new)
        self.counts[kind] += 1

    def of(self, old: uuid.UUID | str) -> uuid.UUID:
        try:
            return self.new[uuid.UUID(str(old))]
        except (KeyError, ValueError):
            raise CannotCopy(f"an event names the stream {old}, which this store never started; nothing was written") from None


def _identities(source: JourneyTracker, target_secret: bytes | None, head: int) -> Identities:
    """Every stream's new id, from the event that starts it (a child's or a
    household's registration, an account's opening, an alert's raising), checked
    against its id now. A viewing's id (random) depends on no key: it is kept."""
    found = Identities()
    for batch in _batches(source, head, topics=(CHILD_STARTS, HOUSEHOLD_STARTS, ALERT_STARTS, ACCOUNT_STARTS, VIEWING_TOPIC)):
        for n in batch:
            state = _decode(source.mapper, n.state)
            old = uuid.UUID(str(n.originator_id))
            if n.topic == CHILD_STARTS:
                council, ref = council_key(state["local_authority"]), state["child_ref"]
                found.add(old, child_id(council, ref, source.secret), child_id(council, ref, target_secret),
                          "child", f"child {ref} of {state['local_authority']}")
            elif n.topic == HOUSEHOLD_STARTS:
                ref = state["household_ref"]
                found.add(old, household_id(ref, source.secret), household_id(ref, target_secret), "household", f"household {ref}")
            elif n.topic == ACCOUNT_STARTS:
                name = state["username"]
                found.add(old, account_id(name, source.secret), account_id(name, target_secret), "account", f"user {name}")
            elif n.topic == VIEWING_TOPIC:
                found.add(old, old, old, "viewing", f"viewing {old}")
            else:
                subject, rule, started = state["subject_id"], state["rule_id"], state["started_on"]
                found.add(old, alert_id(subject, rule, started), alert_id(found.of(subject), rule, started),
                          "alert", f"the {rule} alert of {subject} from {started}")
    return found


# -- the events -------------------------------------------------------------------------------


def _copy_events(source: JourneyTracker, target: JourneyTracker, identities: Identities, head: int,
                 progress: Callable[[int], None]) -> int:
    """Every event up to `head`, in order, in one transaction of the target."""
    copied = 0
    recorder = target.recorder
    with recorder.datastore.transaction(commit=True) as cursor:
        for batch in _batches(source, head):
            _insert(recorder, cursor, [_copied(n, source.mapper, target.mapper, identities) for n in batch])
            copied += len(batch)
            progress(len(batch))
    return copied


def _copied(n: Any, source: Mapper, target: Mapper, identities: Identities) -> StoredEvent:
    state = _decode(source, n.state)
    if n.topic == ALERT_STARTS:
        state["subject_id"] = str(identities.of(state["subject_id"]))
    details = state.get("details")
    if isinstance(details, dict) and details.get("child_id"):
        state["details"] = {**details, "child_id": str(identities.of(details["child_id"]))}
    return StoredEvent(
        originator_id=identities.of(n.originator_id),
        originator_version=n.originator_version,
        topic=n.topic,
        state=_encode(target, state),
    )


def _insert(recorder: Any, cursor: Any, events: Sequence[StoredEvent]) -> None:
    # The library's insert_events commits each call; its step that inserts with a
    # cursor lets the whole copy be one transaction (eventsourcing is pinned exactly).
    if isinstance(recorder, SQLiteApplicationRecorder):
        recorder._insert_events(cursor, events)
    else:
        recorder._insert_stored_events(cursor, events)


def _batches(app: JourneyTracker, head: int, topics: Sequence[str] = ()) -> Iterator[Sequence[Any]]:
    start = 1
    while start <= head:
        batch = app.recorder.select_notifications(start=start, limit=BATCH, stop=head, topics=topics)
        if not batch:
            return
        yield batch
        start = batch[-1].id + 1


def _decode(mapper: Mapper, state: bytes) -> dict:
    """A stored event's contents as the library stored them (no upcasting)."""
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    return mapper.transcoder.decode(state)


def _encode(mapper: Mapper, state: dict) -> bytes:
    data = mapper.transcoder.encode(state)
    if mapper.compressor:
        data = mapper.compressor.compress(data)
    if mapper.cipher:
        data = mapper.cipher.encrypt(data)
    return data
