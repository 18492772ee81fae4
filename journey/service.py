"""The one way in: `Tracker`, which the CLI, the scheduler, the importers' commands,
the sample loader and the web view call, and nothing beneath it.

Every method takes and returns plain values (dicts, lists, ISO dates, ids as
text): never an aggregate, an event or a click or Flask object.

A **command** is a whole unit of work: the input is checked, the events are
written, the read models are brought up to the new log position, the alerts of
every stream it changed are swept, and what it did is returned, with the
`event_ids` it wrote, the log `position` of its last event (so a page served by
another process can wait for it: `wait_for(position)`) and the alert changes
(`alerts`: counts by kind). A refused command raises a `JourneyError` with
fields (`rule`, `child_ref`, `local_authority`, `field`, `dates`) and has written
nothing; each interface words it.

A **query** reads the read models, caught up first, so its answer includes
every command that returned before it; the replay queries (`as_known_on`) read
the log, which is the only place that knows when each event was recorded.

One `Tracker` per process; it is safe to share between threads: the event
store's connections are the library's, and each thread gets its own read-model
connection.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from eventsourcing.cipher import AESCipher
from eventsourcing.utils import get_topic
from sqlite_utils import Database

from journey import alerts
from journey.alerts import digest as digests
from journey.domain import clock, values
from journey.domain import milestones as milestone_words
from journey.domain.calendar import parse_quarter
from journey.domain.councils import Agency, Council
from journey.domain.errors import AmbiguousMilestone, CopiedFromChild, InvalidValue, JourneyError
from journey.domain.stages import ORDER as STAGES
from journey.domain.timescale_rules import RulesFileError, Timescales
from journey.domain.words import counted
from journey.domain import ssda903_codes
from journey.importers import milestones_file, ssda903_export, ssda903_return, ssda903_tables
from journey.sample import agency as sample_agency
from journey.settings import Settings
from journey.store import copying, history
from journey.store.application import JourneyTracker, private_files
from journey.store.child import Child
from journey.store.household import Household
from journey.store.keys import StoreKeyRefused
from projections import checks as record_checks
from projections import known, projector, queries, reports
from projections.store import open_read_models

try:
    import fcntl
except ImportError:  # not on Windows: there two loaders of the sample are not told apart
    fcntl = None

SAMPLE_BY = "sample data"

# What an interface needs besides the Tracker: the words of its options, and the
# errors it words. Interfaces import these from here, and nothing beneath.
ALERT_STATUSES = alerts.STATUSES
ALERT_LEVELS = alerts.LEVELS
ACKNOWLEDGED, CLOSED = alerts.ACKNOWLEDGED, alerts.CLOSED
WAITING_LISTS = queries.LIST_STAGES
REVERSAL_REASONS = milestone_words.REVERSAL_REASONS
CannotCopy, TargetNotEmpty = copying.CannotCopy, copying.TargetNotEmpty
TablesRefused = ssda903_tables.TablesRefused


class NoTrackerData(JourneyError):
    """A reading command on a data folder that holds no tracker data."""

    rule = "no tracker data"


class StoreNotEmpty(JourneyError):
    """The sample agency goes only into an empty store."""

    rule = "sample data only into an empty store"


class SampleBeingLoaded(JourneyError):
    """Another process is loading the sample into the same data folder."""

    rule = "sample being loaded"


SAMPLE_LOCK_FILE = ".loading-sample.lock"


@contextlib.contextmanager
def _sample_lock(data_dir: Path, *, wait: bool):
    """Held while the sample is loaded into `data_dir`: a second loader is told, or waits."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(os.open(data_dir / SAMPLE_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600), "a+") as handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise SampleBeingLoaded(
                    f"another process is loading the sample agency into {data_dir}; wait for it to finish",
                    field="data_dir",
                ) from None
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _cycle_collector_paused():
    """Python's cycle collector off for the while (on again after, if it was on).

    An import holds every checked journey, with its events, until the last batch is
    written: millions of live objects, which the collector would walk again and
    again for nothing (about half the time of a large import). Objects that are no
    longer used are still freed at once, by their reference counts; only cycles
    wait for the collector to be back."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class Tracker:
    """The tracker for one data directory (and its event store): commands and queries."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: JourneyTracker | None = None
        self._local = threading.local()

    @property
    def store(self) -> JourneyTracker:
        """The event store application. A data folder with no tracker data in it is
        refused (`NoTrackerData`, naming the folder) rather than silently created
        empty: only a command that writes starts a store."""
        return self._open_store(create=False)

    def _open_store(self, *, create: bool) -> JourneyTracker:
        if self._store is None:
            if not create and not self.settings.database_url and not self.settings.events_path.exists():
                raise NoTrackerData(
                    f"there is no tracker data in {self.settings.data_dir}: check the folder (--data-dir or "
                    "JOURNEY_DATA_DIR), or start one by recording, importing or loading the sample",
                    field="data_dir",
                )
            self._store = JourneyTracker(self.settings)  # a new store's folder and files are its owner's only
        return self._store

    # -- plumbing ---------------------------------------------------------------------

    def close(self) -> None:
        """Close this thread's read-model connections (the scheduler and the web call it at the end)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None
        if self._store is not None:
            alerts.AlertTable.of(self._store).close()

    def _read_models(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            self._open_store(create=False)
            db = open_read_models(self.settings.read_models_path)
            private_files(self.settings.data_dir)
            self._local.db = db
        return db

    def read_models(self) -> Database:
        """This thread's read models, caught up with the log (projections, then the alerts table)."""
        db = self._read_models()
        projector.catch_up(self.store, db)
        alerts.AlertTable.of(self.store).catch_up(self.store)
        return db

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Wait until the read models have applied the log up to `position` (a
        command's answer); True when they have."""
        return projector.wait_for(self._read_models(), position, timeout=timeout, app=self.store)

    def timescales(self) -> Timescales:
        """The timescales in force (a bad rules file is refused here, saying why)."""
        return alerts.timescales_of(self.store)

    def _clock_rows(self, **query: Any) -> list[dict]:
        return alerts.clock_rows_from_read_model(self.read_models().conn, **query)

    def _clock_rows_of_streams(self, stream_ids: list[str]) -> tuple[list[dict], list[str]]:
        return alerts.clock_rows_of_streams_from_read_model(self._read_models().conn, stream_ids)

    def _finish(self, done: dict) -> dict:
        """After a write: read models to the new position, the changed streams swept.

        The write is saved whatever happens here: if the read models or alerts
        cannot be brought up to date (a disk full, a locked file), the answer says
        so in `warning` and the scheduler's catch-up sweeps the streams within seconds.
        """
        streams = done.pop("streams", [])
        done["alerts"] = {}
        try:
            if done.get("position") is not None:
                self.read_models()
            if streams:
                report = alerts.sweep_streams(self.store, streams, clock_rows=self._clock_rows_of_streams)
                done["alerts"] = dict(report.counts)
                if report.changes:
                    # The alert events come after the command's own: the answer's
                    # position covers them, so a page that waits for it shows them.
                    self.read_models()
                    done["position"] = self.log_length()
        except (JourneyError, RulesFileError, OSError, sqlite3.Error) as error:
            done["warning"] = f"alerts not updated ({getattr(error, 'message', error)}); the scheduler will catch up"
        return done

    def _before_writing(self) -> None:
        """What every command does before it writes: the store opened (started if
        new) and the timescales file read (a bad one is refused here)."""
        self._open_store(create=True)
        self.timescales()

    def council_name(self, la: str | None) -> str | None:
        """The council as the tracker names it (matched ignoring case and aliases)."""
        return self.store.council(la).name if la else None

    def councils(self) -> list[dict]:
        return [{"name": c.name, "code": c.code} for c in self.store.agency.councils]

    def describe_store(self) -> str:
        return self.settings.describe_store()

    # -- commands: children ---------------------------------------------------------------

    def child(self, la: str, child_ref: str, attributes: dict, *, recorded_by: str, note: str | None = None) -> dict:
        """Create a child, or amend the attributes that differ; returns its summary."""
        self._before_writing()
        return self._finish(self.store.child(la, child_ref, attributes, recorded_by=recorded_by, note=note))

    def record(self, la: str, child_ref: str, milestone: str, occurred_on: str | datetime.date, details: dict | None = None,
               *, recorded_by: str, note: str | None = None, attributes: dict | None = None) -> dict:
        """Record a child's milestone (the child is created on its first)."""
        self._before_writing()
        done = self.store.record(la, child_ref, milestone, occurred_on, details, recorded_by=recorded_by, note=note, attributes=attributes)
        return self._finish(done)

    def correct(self, la: str, child_ref: str, milestone: str, old_date, new_date, *, reason: str, recorded_by: str,
                details: dict | None = None, household: str | None = None, event_id: int | None = None, note: str | None = None) -> dict:
        """Correct a milestone's date or details by a new event (the original stays)."""
        self._before_writing()
        done = self.store.correct(la, child_ref, milestone, old_date, new_date, reason=reason, recorded_by=recorded_by,
                                  details=details, household=household, event_id=event_id, note=note)
        return self._finish(done)

    def withdraw(self, la: str, child_ref: str, milestone: str, occurred_on, *, reason: str, recorded_by: str,
                 household: str | None = None, event_id: int | None = None, note: str | None = None) -> dict:
        """Withdraw a milestone recorded in error (the original stays)."""
        self._before_writing()
        done = self.store.withdraw(la, child_ref, milestone, occurred_on, reason=reason, recorded_by=recorded_by,
                                   household=household, event_id=event_id, note=note)
        return self._finish(done)

    # -- commands: households -------------------------------------------------------------

    def household(self, household_ref: str, *, interagency: bool = False, adopters: dict | None = None,
                  recorded_by: str, note: str | None = None) -> dict:
        """Create an adoptive household (known by the agency's reference), or give it
        the adopters' details that differ: `adopters` holds `number` (1 or 2), `sex`
        (M1, F1, MM, FF, MF) and `legal_status` (L0, L11, L12, L2, L3, L4), the DfE's
        903 codes; the answer's `adopters` are those it now holds."""
        self._before_writing()
        done = self.store.household(household_ref, interagency=interagency, adopters=adopters, recorded_by=recorded_by, note=note)
        return self._finish(done)

    def record_household(self, household_ref: str, milestone: str, occurred_on, details: dict | None = None,
                         *, recorded_by: str, note: str | None = None) -> dict:
        """Record one of the household's own milestones."""
        self._before_writing()
        done = self.store.record_household(household_ref, milestone, occurred_on, details, recorded_by=recorded_by, note=note)
        return self._finish(done)

    def correct_household(self, household_ref: str, milestone: str, old_date, new_date, *, reason: str, recorded_by: str,
                          details: dict | None = None, event_id: int | None = None, note: str | None = None) -> dict:
        """Correct one of the household's own milestones by a new event (the original
        stays). A `matched`, `placed` or `adoption_order` copied from a child is
        refused (`CopiedFromChild`, naming the child): it is corrected on the child."""
        self._before_writing()
        done = self.store.correct_household(household_ref, milestone, old_date, new_date, reason=reason, recorded_by=recorded_by,
                                            details=details, event_id=event_id, note=note)
        return self._finish(done)

    def withdraw_household(self, household_ref: str, milestone: str, occurred_on, *, reason: str, recorded_by: str,
                           event_id: int | None = None, note: str | None = None) -> dict:
        """Withdraw one of the household's own milestones recorded in error (the
        original stays). A child's milestone copied to the household is refused
        (`CopiedFromChild`, naming the child): it is withdrawn on the child."""
        self._before_writing()
        done = self.store.withdraw_household(household_ref, milestone, occurred_on, reason=reason, recorded_by=recorded_by,
                                             event_id=event_id, note=note)
        return self._finish(done)

    # -- commands: files and the sample ------------------------------------------------------

    def import_milestones(self, path: str | Path, *, skip_invalid: bool = False, recorded_by: str,
                          progress: Callable[[int], None] | None = None) -> dict:
        """Import a milestones CSV, checked whole first; its children's read models
        and alerts are current when it returns. `progress(n)` is called as children
        are checked and written (twice the number of children in all). A file refused
        as a whole (`FileRefused`: not UTF-8, a column named twice, a row longer or
        shorter than the header, ...) is refused before the store is opened."""
        with _cycle_collector_paused():
            rows = milestones_file.read_rows(Path(path))
            self._before_writing()
            return self._import_rows(rows, skip_invalid=skip_invalid, recorded_by=recorded_by, progress=progress)

    def import_ssda903(self, path: str | Path, *, la: str, year: str | None = None, skip_invalid: bool = False,
                       recorded_by: str, report_file: str | Path | None = None) -> dict:
        """Load a council's SSDA903 return: the folder `path` of its CSV tables (each
        recognised by its columns), one collection `year`'s (`2018-19`) or, with none,
        any number of years'. Every child is checked first (codes outside the DfE's
        lists for the year, malformed dates, the rules of order); nothing is written
        unless all pass, or only the children that pass with `skip_invalid`. A
        milestone the tracker holds is paired with the return's, so a date that
        changed is corrected (the reason naming the return), a person's correction
        is kept, and loading a return again adds nothing. The answer lists the
        `problems`, `warnings` (the DfE's rules), `differences` (the tracker keeps
        its own) and what is `not_held` any more (reported, not withdrawn), each with
        its file, row, child and rule; `report_file` gets them as CSV.

        A folder that is not a return (`TablesRefused`), a year not written as a
        collection year, or a council the agency file does not list is refused
        before the store is opened."""
        collection_year = None
        if year:
            try:
                collection_year = ssda903_codes.CollectionYear.parse(year)
            except ssda903_codes.NotACollectionYear as error:
                raise InvalidValue(str(error), field="year") from None
        with _cycle_collector_paused():
            tables = ssda903_tables.read_tables(Path(path))
            Agency.load(self.settings.data_dir).council(la)
            self._before_writing()
            before = self.log_length()
            report = ssda903_return.import_return(self.store, tables, la=la, year=collection_year,
                                                  skip_invalid=skip_invalid, recorded_by=recorded_by)
            if report_file:
                ssda903_return.write_report(report, Path(report_file))
            done = ssda903_return.plain(report)
            position = self.log_length()
            done["position"] = position if position > before else None
            done["streams"] = list(report.streams_written)
            return self._finish(done)

    def count_children_in(self, path: str | Path) -> int:
        """How many children a milestones file names (for a progress bar)."""
        return milestones_file.children_named(milestones_file.read_rows(Path(path)))

    def _import_rows(self, rows: list, *, skip_invalid: bool, recorded_by: str, progress=None) -> dict:
        before = self.store.recorder.max_notification_id() or 0
        report = milestones_file.import_milestones(self.store, rows, skip_invalid=skip_invalid, recorded_by=recorded_by, progress=progress)
        return self._after_import(report, before, list(report.streams_written))

    def _after_import(self, report: milestones_file.ImportReport, before: int, streams: list[str]) -> dict:
        """The import's answer, once its read models and alerts are current; `streams`
        are those it wrote, the log ending at `before` when it began."""
        done = import_report(report)
        position = self.log_length()
        done["position"] = position if position > before else None
        done["streams"] = streams
        return self._finish(done)

    def load_sample(self, as_of: str | datetime.date | None = None, *, wait: bool = False) -> dict:
        """Load the sample regional adoption agency (as of `as_of`, default today;
        the same date gives the same data) through the ordinary, rule-checked import,
        into an empty store only (`StoreNotEmpty` otherwise, with nothing written).

        Another process loading it into the same folder is `SampleBeingLoaded`; with
        `wait`, this one waits for it instead and then loads nothing (`loaded` False),
        as it does when it finds the store holding records: for `journey run` started
        twice at once on an empty folder."""
        day = values.parse_date(as_of, "as-of date") if as_of else clock.today()
        if day > clock.today():
            raise InvalidValue(f"the sample's date {day} is in the future", field="as_of", dates=(day,))
        self._before_writing()
        with _sample_lock(self.settings.data_dir, wait=wait):
            if self.holds_records():
                if wait:
                    return {"loaded": False, "position": None, "alerts": {}}
                raise StoreNotEmpty(
                    f"{self.settings.data_dir} already holds children or households: the sample agency is "
                    "loaded only into an empty data folder (give another with --data-dir)", field="data_dir"
                )
            return self._load_sample(day)

    def _load_sample(self, day: datetime.date) -> dict:
        sample = sample_agency.generate(day)
        # Checked before anything is written: an agency file that does not list the
        # sample's councils would refuse every row, after the households were written.
        listed = {c.name for c in Agency.load(self.settings.data_dir).councils}
        missing = sorted({c.name for c in sample.councils} - listed) if listed else []
        if missing:
            raise StoreNotEmpty(
                f"the agency file in {self.settings.data_dir} does not list the sample's councils "
                f"({', '.join(missing)}): load the sample into an empty data folder", field="data_dir"
            )
        if not (self.settings.data_dir / "agency.toml").exists():
            councils = tuple(Council(c.name, c.code, (f"adoption.tracking@{c.name.lower()}.example",)) for c in sample.councils)
            Agency(sample.name, councils).write(self.settings.data_dir).chmod(0o600)
        self.store.reload_agency()
        households = milestones_file.import_household_rows(self.store, milestones_file.rows_from_dicts(sample.household_rows), recorded_by=SAMPLE_BY)
        _refuse_problems(households)
        children = milestones_file.import_milestones(self.store, milestones_file.rows_from_dicts(sample.child_rows), recorded_by=SAMPLE_BY)
        _refuse_problems(children)
        described = self.store.describe_adopters(sample.adopters, recorded_by=SAMPLE_BY)
        done = {
            "loaded": True,
            "agency": sample.name,
            "as_of": day.isoformat(),
            "councils": len(sample.councils),
            "children": children.children,
            "milestones": children.milestones_added,
            "households": households.households,
        }
        done["streams"] = list({**households.streams_written, **children.streams_written, **described})
        done["position"] = self.log_length() if done["streams"] else None
        return self._finish(done)

    def holds_records(self) -> bool:
        """Whether the store holds any child or household (accounts and logs do not
        count); False for a folder with no tracker data yet."""
        if self._store is None and not self.settings.database_url and not self.settings.events_path.exists():
            return False
        registered = [get_topic(Child.Registered), get_topic(Household.Registered)]
        return bool(self.store.recorder.select_notifications(start=1, limit=1, topics=registered))

    def copy_store(self, target: Settings, *, progress: Callable[[int], None] | None = None) -> dict:
        """Copy this store's whole log into the empty store `target` (a data folder,
        or PostgreSQL with a data folder for its agency file and read models),
        encrypted under `target.cipher_key` (None: plain): every event in order with
        its recording time, the ids the key derives derived again under the target's.
        Refused with nothing written unless the target is empty (`TargetNotEmpty`).
        Returns the counts of `events`, `children`, `households` and `alerts` copied,
        the `target` described, whether it is `encrypted` and the `position` copied
        up to; `progress(n)` is called as events are copied (the log's length in all).
        The copy's read models are built by the first command that reads it."""
        return copying.copy_store(self.store, target, progress=progress)

    def export_ssda903(self, out_dir: str | Path, *, la: str, year: str) -> dict:
        """Write the council's Header, Episodes, AD1 and PlacedAdoption tables for the
        collection `year` (`2018-19`) into `out_dir` (made with its parents when
        missing; a folder holding other files is refused), the episodes rebuilt
        from the milestones, placeholders for what the tracker does not hold. Every
        child is checked against the DfE's adoption rules first: if any fails,
        nothing is written, `written` is False and `failures` lists each child
        with the rule and what to record. `notes` are left_care reasons that map
        to no REC code (written as E8)."""
        try:
            collection_year = ssda903_codes.CollectionYear.parse(year)
        except ssda903_codes.NotACollectionYear as error:
            raise InvalidValue(str(error), field="year") from None
        self.read_models()
        return ssda903_export.plain(ssda903_export.export_return(self.store, Path(out_dir), la=la, year=collection_year))

    def export_milestones(self, path: str | Path) -> dict:
        """Write every child's and every household's current milestones in the import
        format, to a file readable by its owner only; returns the count. A file that
        cannot be written (its folder missing, no permission) is refused, naming it."""
        count = milestones_file.write_csv(milestones_file.export_rows(self.store), Path(path))
        return {"milestones": count, "path": str(path)}

    def write_milestones(self, out: TextIO) -> dict:
        """As `export_milestones`, to the text stream `out` (standard output, say)."""
        return {"milestones": milestones_file.write_csv_to(milestones_file.export_rows(self.store), out), "path": None}

    # -- commands: alerts ------------------------------------------------------------------

    def acknowledge_alert(self, alert_id: str, *, by: str, note: str) -> dict:
        """A person acknowledges an open alert with a note; it comes back for review later."""
        return alerts.acknowledge(self.store, alert_id, by=by, note=note)

    def assign_alert(self, alert_id: str, *, to: str | None, by: str) -> dict:
        """Give an alert to a person (`to`, a user name), or to nobody (`to` None);
        `alert_id` may be a unique prefix of at least 8 characters."""
        return alerts.assign(self.store, alert_id, owner=to, by=by)

    def sweep_alerts(self, on: str | datetime.date | None = None) -> dict:
        """The daily sweep, from the last date swept to `on` (default today)."""
        day = _day(on, "as-of date")
        if day is not None and day > clock.today():
            raise InvalidValue(f"as-of date {day} is in the future", field="as_of", dates=(day,))
        self.timescales()  # a bad rules file is refused before anything is read
        report = alerts.sweep(self.store, self._clock_rows, on=day, stream_clock_rows=self._clock_rows_of_streams)
        return sweep_report(report)

    def start_following_changes(self) -> None:
        """Note where the log ends, so `follow_changes` sweeps only what comes after."""
        alerts.start_following_changes(self.store)

    def follow_changes(self) -> dict:
        """The scheduler's catch-up: read models to the end of the log, then the
        streams recorded since the last call (by any process) swept."""
        db = self.read_models()
        record_checks.catch_up(self.store, db)  # so that journey check reads rows already worked out
        return sweep_report(alerts.sweep_changes(self.store, clock_rows=self._clock_rows_of_streams))

    def rebuild_read_models(self, progress: Callable[[int], None] | None = None) -> dict:
        """Empty the read models and build them again from the whole log."""
        position = projector.rebuild(self.store, self._read_models(), progress=progress)
        return {"position": position, "path": str(self.settings.read_models_path)}

    def log_length(self) -> int:
        return self.store.recorder.max_notification_id() or 0

    def read_models_status(self) -> dict:
        """Where the read models stand: position in the log and how far behind."""
        state = projector.status(self.store, self._read_models())
        return {**state.__dict__, "path": str(self.settings.read_models_path), "events": self.describe_store()}

    # -- queries: a child's and a household's history -------------------------------------------

    def child_summary(self, la: str, child_ref: str) -> dict:
        """The child's attributes, stage and current milestones (from its stream)."""
        return self.store.summary(la, child_ref)

    def child_history(self, la: str, child_ref: str, *, as_known_on: str | None = None) -> dict:
        """Every event of the child in the order recorded, each with its English
        `sentence`; with `as_known_on`, only what had been recorded by then."""
        events = self.store.child_events(la, child_ref)
        known_on = history.parse_as_known_on(as_known_on) if as_known_on else None
        listed = [dict(e, sentence=history.sentence(e)) for e in history.entries(events, known_on)]
        return _history(events[0], listed, known_on)

    def journey_as_at(self, la: str, child_ref: str, as_at: str | datetime.date, *, as_known_on: str | None = None) -> dict:
        """The child's milestones as they stood on `as_at` (by what is known now,
        or by what had been recorded at `as_known_on`), in date order."""
        day = values.parse_date(as_at, "as-at date")
        events = self.store.child_events(la, child_ref)
        known_on = history.parse_as_known_on(as_known_on) if as_known_on else None
        listed = [dict(e, sentence=history.sentence(e)) for e in history.journey_as_at(events, day, known_on)]
        return {**_history(events[0], listed, known_on), "as_at": day.isoformat()}

    def household_history(self, household_ref: str, *, as_known_on: str | None = None) -> dict:
        """Every event of the household's stream in the order recorded, with sentences."""
        events = self.store.household_events(household_ref)
        known_on = history.parse_as_known_on(as_known_on) if as_known_on else None
        listed = [dict(e, sentence=history.sentence(e)) for e in history.entries(events, known_on)]
        return {
            "household": events[0].household_ref,
            "as_known_on": known_on.isoformat() if known_on else None,
            "entries": listed,
        }

    def household_journey_as_at(self, household_ref: str, as_at: str | datetime.date, *, as_known_on: str | None = None) -> dict:
        """The household's milestones as they stood on `as_at` (its own and the
        children's copied to it; by what is known now, or by what had been recorded
        at `as_known_on`), in date order."""
        day = values.parse_date(as_at, "as-at date")
        events = self.store.household_events(household_ref)
        known_on = history.parse_as_known_on(as_known_on) if as_known_on else None
        listed = [dict(e, sentence=history.sentence(e)) for e in history.journey_as_at(events, day, known_on)]
        return {
            "household": events[0].household_ref,
            "as_known_on": known_on.isoformat() if known_on else None,
            "entries": listed,
            "as_at": day.isoformat(),
        }

    def alert_history(self, alert_id: str) -> list[dict]:
        """Every change to an alert in the order recorded, each with its `sentence`."""
        return [dict(e, sentence=alerts.history_sentence(e)) for e in alerts.alert_history(self.store, alert_id)]

    # -- queries: figures ----------------------------------------------------------------------

    def scorecard(self, period_from: str | datetime.date, period_to: str | datetime.date, *, la: str | None = None,
                  as_known_on: str | None = None) -> dict:
        """A1, A2, A3 and A10 for the children adopted in the period (both days
        included), now or as known on a date and time."""
        first = values.parse_date(period_from, "period start")
        last = values.parse_date(period_to, "period end")
        if first > last:
            raise InvalidValue(f"the period starts ({first}) after it ends ({last})", field="period_from", dates=(first, last))
        council = self.council_name(la)
        known_on = None
        if as_known_on:
            known_on = history.parse_as_known_on(as_known_on)
            card = known.scorecard_as_known_on(self.store, known_on, first, last, council)
        else:
            card = queries.scorecard_from_read_models(self.read_models(), first, last, council)
        return {
            **card.to_json_dict(council),
            "thresholds": {"financial_year": card.thresholds.financial_year, "status": card.thresholds.status},
            "as_known_on": known_on.isoformat() if known_on else None,
        }

    def quarterly_report(self, quarter: str, *, la: str | None = None) -> dict:
        """The quarterly report to an RAA board (`quarter` as 2018-19-Q4)."""
        try:
            first, last = parse_quarter(quarter)
        except ValueError as error:
            raise InvalidValue(str(error), field="quarter") from None
        council = self.council_name(la)
        return reports.quarterly_report(self.read_models(), first, last, council, today=clock.today(), quarter=quarter.strip())

    def waiting(self, *, la: str | None = None, stage: str | None = None) -> list[dict]:
        """Children waiting, worst first (default: a decision, not yet placed)."""
        if stage is not None and stage not in queries.LIST_STAGES:
            raise InvalidValue(f"unknown list {stage!r} (expected {', '.join(queries.LIST_STAGES)})", field="stage")
        return queries.waiting_children(self.read_models(), self.council_name(la), stage, clock.today())

    def stages(self, *, la: str | None = None) -> dict:
        """How many children are at each stage today."""
        counts = queries.children_by_stage(self.read_models(), self.council_name(la))
        return {"on": clock.today().isoformat(), "local_authority": self.council_name(la),
                "stages": {stage: counts.get(stage, 0) for stage in STAGES}}

    # -- queries: alerts -----------------------------------------------------------------------

    def alerts(self, *, on: str | datetime.date | None = None, la: str | None = None, status: str | None = None,
               level: str | None = None, owner: str | None = None) -> list[dict]:
        """The alerts as they stood on `on` (default today): breaches first, then by
        due date; `owner` keeps those assigned to that person."""
        self.read_models()
        return alerts.list_alerts(self.store, on=_day(on, "as-of date"), la=la, status=status, level=level, owner=owner)

    def digests(self, *, on: str | datetime.date | None = None, la: str | None = None) -> list[digests.CouncilDigest]:
        """Each council's weekly digest (the week ending `on`)."""
        self.read_models()
        return digests.weekly_digests(self.store, on=_day(on, "as-of date"), la=la)

    def send_digests(self, *, on: str | datetime.date | None = None, la: str | None = None,
                     echo: Callable[[str], None] = print) -> list[str]:
        """Send each council's digest by SMTP (JOURNEY_SMTP_HOST), or print it with
        `echo` when none is set; returns one line per council, naming no child."""
        return list(digests.deliver(self.digests(on=on, la=la), digests.SmtpSettings.from_env(), echo=echo))

    # -- queries: the record's gaps -------------------------------------------------------------

    def check(self, *, la: str | None = None, child_ref: str | None = None, year: str | None = None) -> dict:
        """The record's problems to fix now, from the read models: the gaps
        (milestones a later one implies but that were never recorded), the adopters'
        details an export needs, and the DfE's adoption rules the child's rows of
        each 903 return break (`year`, as 2018-19: only that return's). Each of
        `problems` names the child, the `year` ('' for none), the `rule`, what is
        wrong (`message`) and what to record (`to_record`); `gaps` are the gaps alone."""
        if child_ref and not la:
            raise InvalidValue("name the council when naming a child", field="la")
        if year:
            try:
                year = str(ssda903_codes.CollectionYear.parse(year))
            except ssda903_codes.NotACollectionYear as error:
                raise InvalidValue(str(error), field="year") from None
        if child_ref:
            self.store.load_child(la, child_ref)  # an unknown child is refused, naming it
        db = self.read_models()
        record_checks.catch_up(self.store, db)
        council = self.council_name(la)
        found = record_checks.findings(db, la=council, child_ref=child_ref, year=year)
        return {
            "children": record_checks.children_checked(db, la=council, child_ref=child_ref),
            "year": year,
            "problems": found,
            "gaps": [{"child_ref": f["child_ref"], "local_authority": f["local_authority"], "gap": f["message"]}
                     for f in found if f["rule"] == "gap"],
        }


# -- plain values ---------------------------------------------------------------------------


def report_rows(report: dict) -> list[tuple[str, str, Any]]:
    """A quarterly report (as `Tracker.quarterly_report` gives it) as (section, figure, value) rows."""
    return reports.report_rows(report)


def new_cipher_key() -> str:
    """A new AES key for JOURNEY_CIPHER_KEY."""
    return AESCipher.create_key(32)


def _day(value: str | datetime.date | None, what: str) -> datetime.date | None:
    return values.parse_date(value, what) if value else None


def _history(first_event: Any, entries: list[dict], known_on: datetime.datetime | None) -> dict:
    return {
        "child_ref": first_event.child_ref,
        "local_authority": first_event.local_authority,
        "as_known_on": known_on.isoformat() if known_on else None,
        "entries": entries,
    }


def import_report(report: milestones_file.ImportReport) -> dict:
    """An import's report as plain values."""
    return {
        "rows": report.rows,
        "children": report.children,
        "households": report.households,
        "children_imported": report.children_imported,
        "households_imported": report.households_imported,
        "milestones_added": report.milestones_added,
        "rows_already_recorded": report.rows_already_recorded,
        "problems": [
            {"row": p.row, "child_ref": p.child_ref, "local_authority": p.local_authority, "household": p.household or None,
             "rule": p.rule, "message": p.message, "text": str(p)}
            for p in report.problems
        ],
        "skipped_children": [{"child_ref": c, "local_authority": la} for c, la in report.skipped_children],
        "skipped_households": list(report.skipped_households),
        "written": report.written,
    }


def sweep_report(report: alerts.SweepReport) -> dict:
    return {
        "on": report.on.isoformat(),
        "since": report.since.isoformat() if report.since else None,
        "clocks_read": report.rows_read,
        "counts": dict(report.counts),
        "changes": report.changes,
        "description": report.describe(),
    }


def _refuse_problems(report: milestones_file.ImportReport) -> None:
    if report.problems:
        listed = "\n".join(str(p) for p in report.problems[:20])
        raise JourneyError(f"the sample data broke {counted(len(report.problems), 'rule')}:\n{listed}")


__all__: Sequence[str] = (
    "ACKNOWLEDGED", "ALERT_LEVELS", "ALERT_STATUSES", "CLOSED", "REVERSAL_REASONS", "WAITING_LISTS",
    "AmbiguousMilestone", "CannotCopy", "CopiedFromChild", "InvalidValue", "JourneyError", "NoTrackerData",
    "RulesFileError", "SampleBeingLoaded", "StoreKeyRefused", "StoreNotEmpty", "TablesRefused", "TargetNotEmpty", "Tracker",
    "import_report", "new_cipher_key", "report_rows", "sweep_report",
)
