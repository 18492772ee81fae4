"""The event store application: commands and queries over plain values.

Only the service (`journey.service.Tracker`) calls it: the service adds what a
whole unit of work needs around each write (read models caught up, alerts
swept). Every command returns plain values, with the `event_ids` it wrote on
the child's or household's stream, the `streams` it changed and the log
`position` of its last event. Infrastructure errors are translated here: a missing aggregate
becomes `ChildNotFound`, and the library's optimistic-concurrency error is
retried after re-reading (two trackers recording at once never lose an event)
and, if it persists, reported as `ConcurrentChange`.
"""

from __future__ import annotations

import datetime
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from eventsourcing.sqlite import SQLiteApplicationRecorder

from journey.domain import clock, rules_of_order, values
from journey.domain.councils import Agency, Council
from journey.domain.errors import ChildNotFound, ConcurrentChange, HouseholdNotFound, InvalidValue, JourneyRulesBroken
from journey.domain.milestones import SHARED_WITH_HOUSEHOLD
from journey.settings import Settings
from journey.store import keys
# Imported for their events' stable topics, registered wherever the log is read
# (the projections' reader process too): accounts and the view log.
from journey.store import account as _account_events, view_log as _view_log_events  # noqa: F401
from journey.store.child import Child
from journey.store.household import Household
from journey.store.identity import child_id, household_id, identity_secret

T = TypeVar("T")
ATTEMPTS = 8


class DateAsISO(Transcoding):
    """`datetime.date` is not built into the library's JSON transcoder."""

    type = datetime.date
    name = "date_iso"

    def encode(self, obj: datetime.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> datetime.date:
        return datetime.date.fromisoformat(data)


class JourneyTracker(Application):
    """Records children's and households' milestones; answers with plain values."""

    name = "JourneyTracker"

    def __init__(self, settings: Settings, agency: Agency | None = None) -> None:
        self.settings = settings
        # The key is checked before the library reads or writes anything (a missing,
        # wrong or malformed key, or a key on a plain store, is a StoreKeyRefused).
        to_record = keys.check_before_opening(settings, self.events_table(settings))
        self.agency = agency if agency is not None else Agency.load(settings.data_dir)
        self.secret = identity_secret(settings.cipher_key)
        if not settings.database_url:
            private_folder(settings.data_dir)
        super().__init__(env=settings.library_env())
        if to_record is not None:
            try:
                keys.record_after_opening(settings, self.events_table(settings), to_record)
            except BaseException:  # another process started the store with another key first
                self.close()
                raise
        if not settings.database_url:
            private_files(settings.data_dir)

    @classmethod
    def events_table(cls, settings: Settings) -> str:
        """The library's table of stored events for these settings (on PostgreSQL it
        is named after the application)."""
        return f"{cls.name.lower()}_events" if settings.database_url else "stored_events"

    def reload_agency(self) -> None:
        """Read the agency file again (after the sample loader wrote one)."""
        self.agency = Agency.load(self.settings.data_dir)

    def construct_recorder(self):
        """The library creates its tables when a recorder is made; two processes
        starting at once on PostgreSQL (web and scheduler, or several workers) can
        race on that DDL ('tuple concurrently updated'), so try again."""
        for attempt in range(5):
            try:
                return super().construct_recorder()
            except Exception as error:
                if attempt == 4 or not _concurrent_ddl(error):
                    raise
                time.sleep(0.05 * (attempt + 1) + random.uniform(0, 0.05))
        raise AssertionError("unreachable")

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # -- identities ----------------------------------------------------------------

    def council(self, name: str) -> Council:
        return self.agency.council(name)

    def child_id(self, la: str, child_ref: str) -> uuid.UUID:
        if not child_ref or not child_ref.strip():
            raise InvalidValue("no child reference given")
        return child_id(self.council(la).key, child_ref, self.secret)

    def household_id(self, household_ref: str) -> uuid.UUID:
        if not household_ref or not household_ref.strip():
            raise InvalidValue("no household reference given")
        return household_id(household_ref, self.secret)

    # -- loading -------------------------------------------------------------------

    def load_child(self, la: str, child_ref: str) -> Child:
        try:
            return self.repository.get(self.child_id(la, child_ref))
        except AggregateNotFoundError:
            raise ChildNotFound(f"no child {child_ref} of {self.council(la).name} is recorded") from None

    def load_or_start_child(self, la: str, child_ref: str, *, attributes: dict, recorded_by: str, note=None) -> Child:
        """The child's journey, started (with these attributes) when first seen."""
        try:
            return self.load_child(la, child_ref)
        except ChildNotFound:
            return self.start_child(la, child_ref, attributes=attributes, recorded_by=recorded_by, note=note)

    def start_child(self, la: str, child_ref: str, *, attributes: dict, recorded_by: str, note=None) -> Child:
        """A new child's journey (saving it fails if the child already exists)."""
        council = self.council(la)
        found = rules_of_order.breaches([], attributes.get("date_of_birth"), clock.today())
        if found:
            raise JourneyRulesBroken(f"child {child_ref} of {council.name}", found, child_ref=child_ref, local_authority=council.name)
        return Child._create(
                Child.Registered,
                id=self.child_id(la, child_ref),
                local_authority=council.name,
                child_ref=child_ref.strip(),
                attributes=attributes,
                occurred_on=clock.today(),
                recorded_by=recorded_by,
                note=note,
            )

    def load_household(self, household_ref: str) -> Household:
        try:
            return self.repository.get(self.household_id(household_ref))
        except AggregateNotFoundError:
            raise HouseholdNotFound(f"no household {household_ref} is recorded") from None

    def load_or_start_household(self, household_ref: str, *, recorded_by: str, interagency: bool = False, note=None) -> Household:
        try:
            return self.load_household(household_ref)
        except HouseholdNotFound:
            return self.start_household(household_ref, recorded_by=recorded_by, interagency=interagency, note=note)

    def start_household(self, household_ref: str, *, recorded_by: str, interagency: bool = False, note=None) -> Household:
        """A new household's stream (saving it fails if the household already exists)."""
        return Household._create(
                Household.Registered,
                id=self.household_id(household_ref),
                household_ref=household_ref.strip(),
                interagency=interagency,
                occurred_on=clock.today(),
                recorded_by=recorded_by,
                note=note,
            )

    def retrying(self, what: str, attempt: Callable[[], T]) -> T:
        """Run `attempt` (which re-reads what it changes) until no one else wrote
        the same stream in between."""
        for n in range(ATTEMPTS):
            try:
                return attempt()
            except IntegrityError:
                time.sleep(random.uniform(0, 0.02 * (n + 1)))
        raise ConcurrentChange(
            f"{what}: others kept changing the same record; nothing was written, please try again"
        )

    # -- commands: children -----------------------------------------------------------

    def child(self, la: str, child_ref: str, attributes: dict, *, recorded_by: str, note=None) -> dict:
        """Create the child, or amend the attributes that differ. Returns its summary."""
        attributes = values.child_attributes(attributes)

        def attempt():
            child = self.load_or_start_child(la, child_ref, attributes=attributes, recorded_by=recorded_by, note=note)
            child.amend_attributes(attributes, today=clock.today(), recorded_by=recorded_by, note=note)
            return {**saved(self.save(child), child), **summary_of(child)}

        return self.retrying(f"child {child_ref}", attempt)

    def record(
        self,
        la: str,
        child_ref: str,
        milestone: str,
        occurred_on,
        details: dict | None = None,
        *,
        recorded_by: str,
        note=None,
        attributes: dict | None = None,
    ) -> dict:
        """Record a milestone (starting the child's journey on its first). Returns
        `{"event_id", "child_ref", "local_authority", "milestone", "occurred_on",
        "already_recorded"}`. A milestone the child already has (the same name, date
        and household) is not recorded again: `already_recorded` is True, `event_id`
        is the one that recorded it, and nothing is written (but attributes that differ)."""
        milestone = values.child_milestone(milestone)
        occurred_on = values.parse_date(occurred_on, milestone)
        details = values.milestone_details(milestone, details or {})
        attributes = values.child_attributes(attributes or {})

        def attempt():
            child = self.load_or_start_child(la, child_ref, attributes=attributes, recorded_by=recorded_by, note=note)
            amended = child.amend_attributes(attributes, today=clock.today(), recorded_by=recorded_by)
            answer = {
                "child_ref": child.child_ref,
                "local_authority": child.local_authority,
                "milestone": milestone,
                "occurred_on": occurred_on.isoformat(),
            }
            existing = child.recorded_entry(milestone, occurred_on, details)
            if existing is not None:
                done = saved(self.save(child), child) if amended else nothing_saved()
                return {**done, **answer, "event_id": existing.event_id, "already_recorded": True}
            event_id = child.record(milestone, occurred_on, details, today=clock.today(), recorded_by=recorded_by, note=note)
            households = self._copy_to_household(child, event_id, recorded_by, note)
            return {**saved(self.save(child, *households), child), **answer, "event_id": event_id, "already_recorded": False}

        return self.retrying(f"child {child_ref}", attempt)

    def correct(
        self,
        la: str,
        child_ref: str,
        milestone: str,
        old_date,
        new_date,
        *,
        reason: str,
        recorded_by: str,
        details: dict | None = None,
        household: str | None = None,
        event_id: int | None = None,
        note=None,
    ) -> dict:
        """Correct a milestone's date and/or details by a new event. `details`
        holds only what changes (the rest is kept)."""
        milestone = values.child_milestone(milestone)
        old_date = values.parse_date(old_date, "old date")
        new_date = values.parse_date(new_date, "new date")
        changes = values.milestone_details(milestone, details or {})
        if milestone == "placement_order" and not (details or {}).get("authority"):
            changes.pop("authority")
        if not reason or not reason.strip():
            raise InvalidValue("a correction needs a reason", field="reason", child_ref=child_ref)

        def attempt():
            child = self.load_child(la, child_ref)
            entry = child.find(milestone, old_date, household=household, event_id=event_id)
            new_details = {**entry.details, **changes}
            if new_date == entry.occurred_on and new_details == entry.details:
                raise InvalidValue(f"{child.describe()}: the correction changes nothing")
            old_household = entry.details.get("household")
            event = child.correct(entry, new_date, new_details, reason=reason, today=clock.today(), recorded_by=recorded_by, note=note)
            households = self._follow_on_household(child, entry.event_id, old_household, reason, recorded_by, note)
            done = saved(self.save(child, *households), child)
            return {**done, "event_id": event, "corrects": entry.event_id, "child_ref": child.child_ref, "local_authority": child.local_authority}

        return self.retrying(f"child {child_ref}", attempt)

    def withdraw(
        self,
        la: str,
        child_ref: str,
        milestone: str,
        occurred_on,
        *,
        reason: str,
        recorded_by: str,
        household: str | None = None,
        event_id: int | None = None,
        note=None,
    ) -> dict:
        """Withdraw a milestone recorded in error (the original stays in the log)."""
        milestone = values.child_milestone(milestone)
        occurred_on = values.parse_date(occurred_on, milestone)
        if not reason or not reason.strip():
            raise InvalidValue("a withdrawal needs a reason", field="reason", child_ref=child_ref)

        def attempt():
            child = self.load_child(la, child_ref)
            entry = child.find(milestone, occurred_on, household=household, event_id=event_id)
            old_household = entry.details.get("household")
            event = child.withdraw(entry, reason=reason, today=clock.today(), recorded_by=recorded_by, note=note)
            households = self._follow_on_household(child, entry.event_id, old_household, reason, recorded_by, note)
            done = saved(self.save(child, *households), child)
            return {**done, "event_id": event, "corrects": entry.event_id, "child_ref": child.child_ref, "local_authority": child.local_authority}

        return self.retrying(f"child {child_ref}", attempt)

    def household_copy_details(self, child: Child, event_id: int) -> dict:
        """What a household's copy of a child's milestone holds: who the child is and which event."""
        return {
            "child_ref": child.child_ref,
            "local_authority": child.local_authority,
            "child_id": str(child.id),
            "child_event_id": event_id,
        }

    def copy_to_household(self, child: Child, event_id: int, household: Household, *, recorded_by: str, note=None) -> None:
        """Record on the household's stream its copy of the child's milestone `event_id`
        (the one place a copy is made: recording, correcting and importing use it)."""
        entry = child.entries[event_id]
        household.record(entry.name, entry.occurred_on, self.household_copy_details(child, event_id), recorded_by=recorded_by, note=note)

    def _copy_to_household(self, child: Child, event_id: int, recorded_by: str, note) -> list[Household]:
        """A child's matched, placed or adoption_order naming a household, copied to it."""
        entry = child.entries[event_id]
        household_ref = copied_to_household(entry)
        if household_ref is None:
            return []
        household = self.load_or_start_household(
            household_ref, recorded_by=recorded_by, interagency=bool(entry.details.get("interagency"))
        )
        self.copy_to_household(child, event_id, household, recorded_by=recorded_by, note=note)
        return [household]

    def _follow_on_household(self, child: Child, event_id: int, old_household, reason, recorded_by, note) -> list[Household]:
        """After a child's milestone is corrected or withdrawn, bring the household
        streams' copies into line (withdraw from the old household, record on a new one)."""
        entry = child.entries[event_id]
        if entry.name not in SHARED_WITH_HOUSEHOLD:
            return []
        new_household = None if entry.withdrawn else entry.details.get("household")
        changed: list[Household] = []
        if old_household:
            household = self.load_or_start_household(old_household, recorded_by=recorded_by)
            copy = household.entry_for_child_event(str(child.id), event_id)
            if copy is not None and new_household == old_household:
                household.correct(copy, entry.occurred_on, copy.details, reason=reason, recorded_by=recorded_by, note=note)
                changed.append(household)
            elif copy is not None:
                household.withdraw(copy, reason=reason, recorded_by=recorded_by, note=note)
                changed.append(household)
        if new_household and new_household != old_household:
            changed += self._copy_to_household(child, event_id, recorded_by, note)
        return changed

    # -- commands: households ------------------------------------------------------------

    def household(self, household_ref: str, *, interagency: bool = False, adopters: dict | None = None, recorded_by: str,
                  note=None) -> dict:
        """Create the household, or give it the adopters' details that differ (`number`,
        `sex`, `legal_status`: DfE 903 codes)."""
        adopters = values.adopters_details(adopters or {})

        def attempt():
            household = self.load_or_start_household(household_ref, recorded_by=recorded_by, interagency=interagency, note=note)
            household.describe_adopters(adopters, today=clock.today(), recorded_by=recorded_by, note=note)
            return {**saved(self.save(household), household), "household": household.household_ref,
                    "interagency": household.interagency, "adopters": dict(household.adopters)}

        return self.retrying(f"household {household_ref}", attempt)

    def describe_adopters(self, adopters: dict[str, dict], *, recorded_by: str) -> dict[str, None]:
        """Give many households (by reference) their adopters' details at once (the
        sample's); returns the streams written. Households not recorded are skipped."""
        changed = []
        for ref, details in adopters.items():
            try:
                household = self.load_household(ref)
            except HouseholdNotFound:
                continue
            if household.describe_adopters(values.adopters_details(details), today=clock.today(), recorded_by=recorded_by):
                changed.append(household)
        recordings = self.save(*changed) if changed else []
        return dict.fromkeys(str(r.domain_event.originator_id) for r in recordings)

    def record_household(self, household_ref: str, milestone: str, occurred_on, details: dict | None = None, *, recorded_by: str, note=None) -> dict:
        """Record one of the household's own milestones. One it already has (the same
        name and date) is not recorded again: `already_recorded` is True, `event_id`
        the one that recorded it, and nothing is written."""
        milestone = values.household_milestone(milestone)
        occurred_on = values.parse_date(occurred_on, milestone)
        if occurred_on > clock.today():
            raise InvalidValue(f"household {household_ref}: {milestone} on {occurred_on} is in the future", dates=(occurred_on,))
        details = values.milestone_details(milestone, details or {}, household_stream=True)

        def attempt():
            household = self.load_or_start_household(household_ref, recorded_by=recorded_by)
            answer = {"household": household.household_ref, "milestone": milestone, "occurred_on": occurred_on.isoformat()}
            existing = household.recorded_entry(milestone, occurred_on, details) if household.entries else None
            if existing is not None:
                return {**nothing_saved(), **answer, "event_id": existing.event_id, "already_recorded": True}
            event_id = household.record(milestone, occurred_on, details, recorded_by=recorded_by, note=note)
            return {**saved(self.save(household), household), **answer, "event_id": event_id, "already_recorded": False}

        return self.retrying(f"household {household_ref}", attempt)

    def correct_household(
        self,
        household_ref: str,
        milestone: str,
        old_date,
        new_date,
        *,
        reason: str,
        recorded_by: str,
        details: dict | None = None,
        event_id: int | None = None,
        note=None,
    ) -> dict:
        """Correct one of the household's own milestones (its date and/or details) by
        a new event. A `matched`, `placed` or `adoption_order` copied from a child is
        refused (`CopiedFromChild`): it is corrected on the child."""
        milestone = values.household_milestone(milestone)
        old_date = values.parse_date(old_date, "old date")
        new_date = values.parse_date(new_date, "new date")
        if new_date > clock.today():
            raise InvalidValue(f"household {household_ref}: {milestone} on {new_date} is in the future", dates=(new_date,))
        changes = values.milestone_details(milestone, details or {}, household_stream=True)
        if not reason or not reason.strip():
            raise InvalidValue("a correction needs a reason", field="reason")

        def attempt():
            household = self.load_household(household_ref)
            entry = household.own_entry(milestone, old_date, event_id=event_id)
            new_details = {**entry.details, **changes}
            if new_date == entry.occurred_on and new_details == entry.details:
                raise InvalidValue(f"{household.describe()}: the correction changes nothing")
            event = household.correct(entry, new_date, new_details, reason=reason, recorded_by=recorded_by, note=note)
            return {
                **saved(self.save(household), household),
                "event_id": event,
                "corrects": entry.event_id,
                "household": household.household_ref,
                "milestone": milestone,
                "occurred_on": new_date.isoformat(),
            }

        return self.retrying(f"household {household_ref}", attempt)

    def withdraw_household(
        self,
        household_ref: str,
        milestone: str,
        occurred_on,
        *,
        reason: str,
        recorded_by: str,
        event_id: int | None = None,
        note=None,
    ) -> dict:
        """Withdraw one of the household's own milestones recorded in error (the
        original stays in the log). A child's milestone copied here is refused
        (`CopiedFromChild`): it is withdrawn on the child."""
        milestone = values.household_milestone(milestone)
        occurred_on = values.parse_date(occurred_on, milestone)
        if not reason or not reason.strip():
            raise InvalidValue("a withdrawal needs a reason", field="reason")

        def attempt():
            household = self.load_household(household_ref)
            entry = household.own_entry(milestone, occurred_on, event_id=event_id)
            event = household.withdraw(entry, reason=reason, recorded_by=recorded_by, note=note)
            return {
                **saved(self.save(household), household),
                "event_id": event,
                "corrects": entry.event_id,
                "household": household.household_ref,
                "milestone": milestone,
                "occurred_on": occurred_on.isoformat(),
            }

        return self.retrying(f"household {household_ref}", attempt)

    # -- queries -----------------------------------------------------------------------

    def summary(self, la: str, child_ref: str) -> dict:
        """The child's current journey: attributes, stage and current milestones."""
        return summary_of(self.load_child(la, child_ref), with_milestones=True)

    def summary_and_events(self, la: str, child_ref: str) -> tuple[dict, list]:
        """The child's `summary` and every event of its stream, from one read of the
        stream (a child's page shows both)."""
        events = self.child_events(la, child_ref)
        child = None
        for event in events:
            child = event.mutate(child)
        return summary_of(child, with_milestones=True), events

    def child_events(self, la: str, child_ref: str) -> list:
        """Every event of the child's stream, in the order recorded."""
        events = list(self.events.get(self.child_id(la, child_ref)))
        if not events:
            raise ChildNotFound(f"no child {child_ref} of {self.council(la).name} is recorded")
        return events

    def household_events(self, household_ref: str) -> list:
        events = list(self.events.get(self.household_id(household_ref)))
        if not events:
            raise HouseholdNotFound(f"no household {household_ref} is recorded")
        return events

    def streams_with(self, start: int, stop: int, topics: Sequence[str]) -> set[str]:
        """The streams (their ids as `str(UUID)` writes them) with an event of one of
        `topics` at a log position from `start` to `stop`, both included: one query
        of the ids and topics alone (neither the events' contents nor a notification
        object each), for a projection that only needs to know which streams changed."""
        recorder = self.recorder
        if isinstance(recorder, SQLiteApplicationRecorder):
            statement = (f"SELECT DISTINCT originator_id FROM {recorder.events_table_name} "
                         f"WHERE rowid >= ? AND rowid <= ? AND topic IN ({','.join('?' * len(topics))})")
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(statement, [start, stop, *topics])
                found = [row[0] for row in cursor.fetchall()]
            if recorder.datastore.originator_id_type == "uuid":
                return {str(uuid.UUID(hex=text)) for text in found}
            return set(found)
        if type(recorder).__module__ == "eventsourcing.postgres":
            from psycopg.sql import SQL, Identifier  # (installed with PostgreSQL's recorder)

            statement = SQL("SELECT DISTINCT originator_id FROM {schema}.{table} "
                            "WHERE notification_id >= %s AND notification_id <= %s AND topic = ANY(%s)").format(
                schema=Identifier(recorder.datastore.schema), table=Identifier(recorder.events_table_name))
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(statement, [start, stop, list(topics)])
                return {str(row["originator_id"]) for row in cursor.fetchall()}
        found: set[str] = set()  # another recorder: by its notifications
        position = start
        while position <= stop:
            notifications = recorder.select_notifications(start=position, limit=5_000, stop=stop, topics=list(topics))
            if not notifications:
                break
            found.update(str(n.originator_id) for n in notifications)
            position = notifications[-1].id + 1
        return found

    def all_streams(self) -> Iterator[Any]:
        """Every stream's current state (children, households and alerts), replayed
        from the log (for export and for small tools; the projections answer
        everything else)."""
        streams: dict[uuid.UUID, Any] = {}
        start = 1
        while True:
            notifications = self.recorder.select_notifications(start=start, limit=1000)
            if not notifications:
                break
            for n in notifications:
                event = self.mapper.to_domain_event(n)
                streams[event.originator_id] = event.mutate(streams.get(event.originator_id))
            start = notifications[-1].id + 1
        yield from streams.values()


def private_folder(folder: Path) -> None:
    """`folder` (and any missing parent) created readable by its owner only."""
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is masked by the umask


def private_files(folder: Path) -> None:
    """The tracker's own files in `folder` readable by their owner only (SQLite gives
    each database's journal files the database's mode)."""
    for path in folder.glob("*.sqlite3*"):
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def saved(recordings: list, subject: Child | Household) -> dict:
    """What a save wrote: the subject's new `event_ids` (versions of its stream),
    the `streams` changed (the subject first) and the log `position` of the last event."""
    streams = list(dict.fromkeys(str(r.domain_event.originator_id) for r in recordings))
    own = [r.domain_event.originator_version for r in recordings if r.domain_event.originator_id == subject.id]
    return {
        "event_ids": own,
        "streams": streams,
        "position": max((r.notification.id for r in recordings), default=None),
    }


def nothing_saved() -> dict:
    """What a command that wrote nothing answers for `saved`'s keys."""
    return {"event_ids": [], "streams": [], "position": None}


def copied_to_household(entry: Any) -> str | None:
    """The household a child's milestone entry is copied to, or None: a matched,
    placed or adoption_order that names a household."""
    household = entry.details.get("household")
    return household if entry.name in SHARED_WITH_HOUSEHOLD and household else None


def _concurrent_ddl(error: BaseException) -> bool:
    text = " ".join(str(e) for e in (error, error.__cause__, error.__context__) if e is not None)
    return "concurrently updated" in text or "already exists" in text


def summary_of(child: Child, with_milestones: bool = False) -> dict:
    stage = child.stage(clock.today())
    summary = {
        "child_ref": child.child_ref,
        "local_authority": child.local_authority,
        "attributes": {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in child.attributes.items()},
        "stage": stage.name,
        "stage_since": stage.since.isoformat() if stage.since else None,
        "days_in_stage": stage.days,
    }
    if with_milestones:
        summary["milestones"] = [
            {"event_id": m.event_id, "milestone": m.name, "occurred_on": m.occurred_on.isoformat(), "details": jsonable(m.details)}
            for m in sorted(child.milestones(), key=lambda m: m.sort_key)
        ]
    return summary


def jsonable(details: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in details.items()}
