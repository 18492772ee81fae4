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
import json
import os
import secrets
import sqlite3
import threading
import types
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

from eventsourcing.cipher import AESCipher
from eventsourcing.utils import get_topic
from sqlite_utils import Database

from journey import alerts
from journey.alerts import digest as digests
from journey.alerts.review import closed_in_time, subject_alerts
from journey.domain import access, clock, values
from journey.domain import milestones as milestone_words
from journey.domain.milestones import Milestone, in_journey_order
from journey.domain.calendar import financial_year_of, financial_year_start, parse_quarter
from journey.domain.access import (
    PERMISSIONS,
    LastAdmin,
    ROLES,
    PasswordTooLong,
    PasswordTooShort,
    SignInLimited,
    SignInRefused,
    UnknownRole,
    UnknownUser,
    UsernameNotAllowed,
    UsernameTaken,
    can,
    sees_council,
)
from journey.domain.councils import Agency, Council, council_key
from journey.domain.errors import (
    AmbiguousMilestone,
    ChildNotFound,
    CopiedFromChild,
    HouseholdNotFound,
    InvalidValue,
    JourneyError,
    JourneyRulesBroken,
    MilestoneNotFound,
    RuleOfOrderBroken,
    UnknownCouncil,
)
from journey.domain.stages import ORDER as STAGES
from journey.domain.stages import stage_periods
from journey.domain.timescale_rules import RulesFileError, Timescales
from journey.domain.words import counted
from journey.domain import ssda903_codes
from journey.importers import milestones_file, paired_load, sheet_mapping, ssda903_export, ssda903_return, ssda903_tables, tracker_sheet
from journey.sample import agency as sample_agency
from journey.settings import Settings
from journey.store import accounts, copying, history
from journey.store.account import hash_password
from journey.store.application import JourneyTracker, private_files
from journey.store.child import Child
from journey.store.household import Household
from journey.store.keys import StoreKeyRefused
from journey.store.sign_ins import FailedSignIns
from journey.store.view_log import VIA, Viewing, ViewLogTable
from projections import checks as record_checks
from projections import known, projector, queries, reports
from projections.derive import household_stage
from projections.facts import projected as projected_topic
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
WAITING_GROUPS = tuple(queries.GROUP_CONDITIONS)
WAITING_SORTS = queries.WAITING_SORTS
AlertNotFound = alerts.AlertNotFound
REVERSAL_REASONS = milestone_words.REVERSAL_REASONS
# The vocabulary of a child's record, for a form: the milestones in journey order,
# the details each takes, the allowed values of the coded ones (in the order they
# are offered), which details are dates and which yes or no, and the attributes.
CHILD_MILESTONES = milestone_words.CHILD_MILESTONES
CHILD_MILESTONE_DETAILS = types.MappingProxyType(dict(milestone_words.CHILD_MILESTONE_DETAILS))
AUTHORITIES = milestone_words.AUTHORITIES
EARLY_PERMANENCE_KINDS = milestone_words.EARLY_PERMANENCE_KINDS
DATE_DETAILS = milestone_words.DATE_DETAILS
YES_NO_DETAILS = milestone_words.YES_NO_DETAILS
CHILD_ATTRIBUTES = milestone_words.CHILD_ATTRIBUTES
SEXES = types.MappingProxyType(dict(milestone_words.SEXES))
ETHNICITIES = tuple(sorted(milestone_words.ETHNICITIES))
RULES_OF_ORDER = tuple(sorted({cls.rule for cls in RuleOfOrderBroken.__subclasses__()}))
# A household's own milestones (a child's matched, placed and adoption order are
# recorded on the child and copied to the household it names).
HOUSEHOLD_OWN_MILESTONES = tuple(m for m in milestone_words.HOUSEHOLD_MILESTONES if m not in milestone_words.SHARED_WITH_HOUSEHOLD)
CannotCopy, TargetNotEmpty = copying.CannotCopy, copying.TargetNotEmpty
TablesRefused = ssda903_tables.TablesRefused
SheetRefused = sheet_mapping.SheetRefused


class Steps(Protocol):
    """Told of each step of a long command as it begins (an import: checking and
    writing, then the read models, the alerts and the checks' findings), for an
    interface to show: `total` is how many `progress(n)` will count in the step,
    None for a step not counted."""

    def step(self, words: str, total: int | None = None) -> None: ...


class AlertNotAssignable(JourneyError):
    """An alert given to someone who does not work on its council's alerts."""

    rule = "alert given to someone who works on it"


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
SAMPLE_ACCOUNTS_FILE = "sample-accounts.toml"


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
        # Children by stage, for the read models' (position, generation) they were
        # counted at: counting is a scan of every child, and the counts change
        # only when the read models do.
        self._stage_counts: tuple[tuple, dict] = ((), {})
        self._stage_lock = threading.Lock()

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
        failures = getattr(self._local, "failed_sign_ins", None)
        if failures is not None:
            failures.close()
        if self._store is not None:
            alerts.AlertTable.of(self._store).close()
            ViewLogTable.of(self._store).close()

    def _read_models(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            self._open_store(create=False)
            db = open_read_models(self.settings.read_models_path)
            private_files(self.settings.data_dir)
            self._local.db = db
        return db

    def read_models(self) -> Database:
        """This thread's read models, caught up with the log (projections, then the
        alerts table). Within `one_reading`, caught up once: by the first query, and
        again after any write."""
        db = self._read_models()
        if getattr(self._local, "reading", False) and getattr(self._local, "caught_up", False):
            return db
        projector.catch_up(self.store, db)
        alerts.AlertTable.of(self.store).catch_up(self.store)
        self._local.caught_up = getattr(self._local, "reading", False)
        return db

    @contextlib.contextmanager
    def one_reading(self):
        """One request's reading (a web page): the first of its queries catches the
        read models up, the others do not catch up again (a page's figures are as
        current as its first query, never older); a write in it, or a `wait_for`,
        makes the next query catch up afresh. For this thread only."""
        self._local.reading, self._local.caught_up = True, False
        try:
            yield self
        finally:
            self._local.reading, self._local.caught_up = False, False

    def _wrote(self) -> None:
        """After a write, the next query catches up again (within `one_reading` too)."""
        self._local.caught_up = False

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Wait until the read models have applied the log up to `position` (a
        command's answer); True when they have."""
        reached = projector.wait_for(self._read_models(), position, timeout=timeout, app=self.store)
        self._wrote()  # the next query catches up to where that reached (the alerts table too)
        return reached

    def timescales(self) -> Timescales:
        """The timescales in force (a bad rules file is refused here, saying why)."""
        return alerts.timescales_of(self.store)

    def _clock_rows(self, **query: Any) -> list[dict]:
        return alerts.clock_rows_from_read_model(self.read_models().conn, **query)

    def _clock_rows_of_streams(self, stream_ids: list[str]) -> tuple[list[dict], list[str]]:
        return alerts.clock_rows_of_streams_from_read_model(self._read_models().conn, stream_ids)

    def _finish(self, done: dict, *, checks: bool = False, steps: Steps | None = None) -> dict:
        """After a write: read models to the new position, the changed streams swept,
        then the checks' findings of the changed children worked out again, so that
        `journey check` after a command is a query. An import (`checks`) catches the
        findings up whatever they lacked; any other command only when they were
        current before it (after a rebuild of the read models, or on a store whose
        findings were never worked out, `journey check` or the scheduler works out
        every child, once, rather than the next command).

        The write is saved whatever happens here: if the read models or alerts
        cannot be brought up to date (a disk full, a locked file), the answer says
        so in `warning` and the scheduler's catch-up sweeps the streams within seconds.
        A long command's `steps` is told as each step begins.
        """
        self._wrote()
        streams = done.pop("streams", [])
        done["alerts"] = {}
        try:
            checks = checks or (done.get("position") is not None and record_checks.current(self._read_models()))
            if done.get("position") is not None:
                if steps:
                    steps.step("Bringing the figures and lists up to date")
                self.read_models()
            if streams:
                if steps:
                    steps.step(f"Raising and closing the alerts of the {counted(len(streams), 'child or household', 'children and households')} written")
                report = alerts.sweep_streams(self.store, streams, clock_rows=self._clock_rows_of_streams)
                done["alerts"] = dict(report.counts)
                if report.changes:
                    # The alert events come after the command's own: the answer's
                    # position covers them, so a page that waits for it shows them.
                    self._wrote()
                    self.read_models()
                    done["position"] = self.log_length()
        except (JourneyError, RulesFileError, OSError, sqlite3.Error) as error:
            done["warning"] = f"alerts not updated ({getattr(error, 'message', error)}); the scheduler will catch up"
            return done
        try:
            if checks and done.get("position") is not None:
                if steps:
                    steps.step("Checking the records against the DfE's rules (journey check)")
                record_checks.catch_up(self.store, self._read_models())
        except (JourneyError, OSError, sqlite3.Error) as error:
            done["warning"] = (f"the checks' findings not updated ({getattr(error, 'message', error)}); "
                               "journey check or the scheduler will catch up")
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
                          progress: Callable[[int], None] | None = None, steps: Steps | None = None) -> dict:
        """Import a milestones CSV, checked whole first; its children's read models
        and alerts are current when it returns. `progress(n)` is called as children
        are checked and written (twice the number of children in all); `steps` is
        told of each step after the writing (see `Steps`). A file refused as a whole
        (`FileRefused`: not UTF-8, a column named twice, a row longer or shorter
        than the header, ...) is refused before the store is opened."""
        with _cycle_collector_paused():
            rows = milestones_file.read_rows(Path(path))
            self._before_writing()
            return self._import_rows(rows, skip_invalid=skip_invalid, recorded_by=recorded_by, progress=progress,
                                     steps=steps)

    def import_ssda903(self, path: str | Path, *, la: str, year: str | None = None, skip_invalid: bool = False,
                       recorded_by: str, report_file: str | Path | None = None, progress: Callable[[int], None] | None = None,
                       steps: Steps | None = None) -> dict:
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
        before the store is opened. `steps` is told of each step (checking and
        writing the children, counted by `progress(n)`: twice the children in all;
        then each step after the writing)."""
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
            if steps:
                children = len(ssda903_return.children_in(tables))
                steps.step(f"Checking and writing the return's {counted(children, 'child', 'children')}", 2 * children)
            report = ssda903_return.import_return(self.store, tables, la=la, year=collection_year,
                                                  skip_invalid=skip_invalid, recorded_by=recorded_by, progress=progress)
            return self._after_load(report, before, report_file, steps)

    def import_tracker_sheet(self, path: str | Path, *, mapping: str | Path, la: str | None = None,
                             skip_invalid: bool = False, recorded_by: str, report_file: str | Path | None = None,
                             progress: Callable[[int], None] | None = None, steps: Steps | None = None) -> dict:
        """Load a council's spreadsheet tracker: `path` is a CSV or .xlsx file of one
        row a child, read by the TOML `mapping` (which sheet and header row, the
        council or the column naming it, the child's reference, which column holds
        which milestone's date, detail or child attribute, columns ignored, value
        maps). `la` overrides the mapping's council. Every child is checked first (a
        cell that is not a date or not a code, the rules of order); nothing is
        written unless all pass, or only the children that pass with
        `skip_invalid`. As with the 903 return, loading the sheet again adds
        nothing, a date changed in the sheet is corrected (the reason naming the
        file, sheet, row and column) and a person's correction in the tracker is
        kept and reported in `differences`. The answer lists the `problems`, each
        with its sheet, row, column, child and rule; `report_file` gets them as CSV.

        A sheet or mapping that cannot be read, a header that does not match the
        mapping (`SheetRefused`), or a council the agency file does not list, is
        refused before the store is opened. `steps` and `progress` as for the 903
        return (a row a child)."""
        with _cycle_collector_paused():
            plan = sheet_mapping.read_mapping(Path(mapping))
            sheet = tracker_sheet.read_sheet(Path(path), plan)
            if la or not plan.council_column:
                Agency.load(self.settings.data_dir).council(la or plan.council)
            self._before_writing()
            before = self.log_length()
            if steps:
                steps.step(f"Checking and writing the sheet's {counted(len(sheet.rows), 'row')}", 2 * len(sheet.rows))
            report = tracker_sheet.import_sheet(self.store, sheet, plan, la=la, skip_invalid=skip_invalid,
                                                recorded_by=recorded_by, progress=progress)
            return self._after_load(report, before, report_file, steps)

    def _after_load(self, report: paired_load.LoadReport, before: int, report_file: str | Path | None,
                    steps: Steps | None = None) -> dict:
        """A paired load's answer (903 return, spreadsheet tracker), its report
        written to `report_file` if given, once read models and alerts are current."""
        if report_file:
            paired_load.write_report(report, Path(report_file))
        done = paired_load.plain(report)
        position = self.log_length()
        done["position"] = position if position > before else None
        done["streams"] = list(report.streams_written)
        return self._finish(done, checks=True, steps=steps)

    def count_children_in(self, path: str | Path) -> int:
        """How many children a milestones file names (for a progress bar)."""
        return milestones_file.children_named(milestones_file.read_rows(Path(path)))

    def _import_rows(self, rows: list, *, skip_invalid: bool, recorded_by: str, progress=None, steps: Steps | None = None) -> dict:
        before = self.store.recorder.max_notification_id() or 0
        report = milestones_file.import_milestones(self.store, rows, skip_invalid=skip_invalid, recorded_by=recorded_by, progress=progress)
        return self._after_import(report, before, list(report.streams_written), steps)

    def _after_import(self, report: milestones_file.ImportReport, before: int, streams: list[str],
                      steps: Steps | None = None) -> dict:
        """The import's answer, once its read models and alerts are current; `streams`
        are those it wrote, the log ending at `before` when it began."""
        done = import_report(report)
        position = self.log_length()
        done["position"] = position if position > before else None
        done["streams"] = streams
        return self._finish(done, checks=True, steps=steps)

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
        done = self._finish(done, checks=True)
        done["sample_accounts"] = [a["username"] for a in self.create_sample_accounts()]
        done["sample_accounts_file"] = str(self.settings.data_dir / SAMPLE_ACCOUNTS_FILE)
        return done

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

    def acknowledge_alert(self, alert_id: str, *, by: str, note: str, within: Sequence[str] | None = None) -> dict:
        """A person acknowledges an open alert with a note; it comes back for review
        later. Returns the alert as listed, with the log `position` it wrote to. An
        alert outside `within` is `AlertNotFound`, as one that does not exist."""
        self.alert(alert_id, within=within)
        done = alerts.acknowledge(self.store, alert_id, by=by, note=note)
        self._wrote()
        return {**done, "position": self.log_length()}

    def people_for_alert(self, local_authority: str | None, *, accounts: list[dict] | None = None) -> list[str]:
        """Who an alert of `local_authority` (None: a household's) can be given to:
        the accounts, not disabled, whose role works alerts and who see its council
        (a household's: those who see every council); of `accounts` when the caller
        has them already (one listing for a page of alerts)."""
        people = []
        for account in self.users() if accounts is None else accounts:
            if account["disabled"] or not can(account["role"], "work_alerts"):
                continue
            if account["councils"] and not (local_authority and sees_council(account["councils"], local_authority)):
                continue
            people.append(account["username"])
        return people

    def assign_alert(self, alert_id: str, *, to: str | None, by: str, within: Sequence[str] | None = None) -> dict:
        """Give an alert to a person (`to`, a user name), or to nobody (`to` None);
        `alert_id` may be a unique prefix of at least 8 characters. As
        `acknowledge_alert` for `within` and the answer. Once the tracker has
        accounts, `to` must be one of `people_for_alert` (`AlertNotAssignable`
        otherwise, nothing written); before any (the command line only), any name."""
        found = self.alert(alert_id, within=within)
        if to is not None:
            known = self.users()
            if known and to not in self.people_for_alert(found["local_authority"], accounts=known):
                where = f"{found['local_authority']}'s" if found["local_authority"] else "the adoptive households'"
                raise AlertNotAssignable(f"{to} cannot be given this alert: choose someone who works on {where} alerts "
                                         "(an account, not disabled, of a role that works alerts)", field="to")
        done = alerts.assign(self.store, alert_id, owner=to, by=by)
        self._wrote()
        return {**done, "position": self.log_length()}

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
        """Empty the read models and build them again from the whole log; then every
        child's findings for `journey check` are worked out again (so that the next
        check is a query)."""
        db = self._read_models()
        position = projector.rebuild(self.store, db, progress=progress)
        record_checks.catch_up(self.store, db)
        return {"position": position, "path": str(self.settings.read_models_path)}

    def log_length(self) -> int:
        return self.store.recorder.max_notification_id() or 0

    def read_models_status(self) -> dict:
        """Where the read models stand: position in the log and how far behind."""
        state = projector.status(self.store, self._read_models())
        return {**state.__dict__, "path": str(self.settings.read_models_path), "events": self.describe_store()}

    # -- queries: a child's and a household's history -------------------------------------------

    def child_summary(self, la: str, child_ref: str, *, within: Sequence[str] | None = None) -> dict:
        """The child's attributes, stage and current milestones (from its stream).
        With `within` (a user's councils), a child of another council is
        `ChildNotFound`, exactly as a child never recorded."""
        self._refuse_outside(la, child_ref, within)
        return self.store.summary(la, child_ref)

    def find_child(self, la: str, child_ref: str, *, within: Sequence[str] | None = None, viewer: dict | None = None) -> dict:
        """The child's summary and open alerts, found by council and reference; a
        child outside `within`, or an unknown council, is `ChildNotFound`. With
        `viewer` (a child's page), the viewing of its record is put in the view log."""
        try:
            council = self.store.council(la).name
        except UnknownCouncil:
            raise ChildNotFound(f"no child {child_ref.strip()} of {la.strip()} is recorded", field="child_ref") from None
        summary = self.child_summary(council, child_ref.strip(), within=within)
        if viewer is not None:
            self._record_viewing(_viewer(viewer), "record", child=types.SimpleNamespace(**summary))
        summary["alerts"] = [a for a in self._alerts_of_child(council, summary["child_ref"]) if a["status"] != CLOSED]
        return summary

    def _alerts_of_child(self, la: str, child_ref: str) -> list[dict]:
        """The child's alerts as `alerts` lists them (worst first), read by the child's stream."""
        stream_id = queries.child_stream_id(self.read_models(), la, child_ref)
        return subject_alerts(self.store, stream_id) if stream_id else []

    def _found_child(self, la: str, child_ref: str, within: Sequence[str] | None) -> dict:
        """The child's read-model row (`ChildNotFound` outside `within`, for an unknown
        council, or for a child not recorded)."""
        try:
            council = self.store.council(la).name
        except UnknownCouncil:
            raise ChildNotFound(f"no child {child_ref.strip()} of {la.strip()} is recorded", field="child_ref") from None
        self._refuse_outside(council, child_ref.strip(), within)
        found = queries.child(self.read_models(), council, child_ref.strip(), clock.today())
        if found is None:
            raise ChildNotFound(f"no child {child_ref.strip()} of {council} is recorded", field="child_ref")
        return found

    def child_record(self, la: str, child_ref: str, *, within: Sequence[str] | None = None) -> dict:
        """The child as the read models hold it: `stage`, `stage_since`,
        `days_in_stage`, the current dates (`entered_care_on`, `decision_on`,
        `order_on`, `authority_on`, `matched_on`, `placed_on`, `left_care_on`,
        `adoption_order_on`), `waiting`, `days_waiting` and `harder_to_place` (the
        groups: sibling_group, bame, disabled, aged_5_plus, waiting_18_months_plus).
        A child outside `within` is `ChildNotFound`."""
        return self._found_child(la, child_ref, within)

    def siblings(self, la: str, child_ref: str, *, within: Sequence[str] | None = None) -> list[dict]:
        """The child's siblings: the other children of its council with its
        sibling group (none without one), by reference, each as `child_record`
        gives it. A child outside `within` is `ChildNotFound`."""
        found = self._found_child(la, child_ref, within)
        return queries.siblings(self.read_models(), found["local_authority"], found["child_ref"], clock.today())

    def journey_chart(self, la: str, child_ref: str, *, within: Sequence[str] | None = None) -> dict:
        """What a chart of the child's journey shows, from the read models: `on`
        (today); `stages`, each stage the child has been at in order (`stage`,
        `started_on`, `ended_on` (None: the stage now), `started_by` (the milestone),
        `days` (to its end, or to today), `timescales` (the clocks that started in
        it)); and `timescales`, every clock of the child: `rule`, `title`,
        `started_on`, `due_on`, `warn_on`, `stopped_on`, `stopped_by`, `running`,
        `days_allowed` (start to due), `days_taken` (start to its stop, or to
        today), `level` today (None, "warning" or "breach"; None once stopped) and
        `in_time` (whether it stopped on or before its due date; None while it
        runs). A child outside `within` is `ChildNotFound`."""
        found = self._found_child(la, child_ref, within)
        return self._chart_of(found, {r["id"]: r["title"] for r in self.alert_rules()})

    def _chart_of(self, found: dict, titles: dict[str, str]) -> dict:
        """`journey_chart` of the child whose read-model row is `found`."""
        db = self.read_models()
        today = clock.today()
        clocks = []
        for row in queries.clocks_of_child(db, found["local_authority"], found["child_ref"]):
            started = datetime.date.fromisoformat(row["started_on"])
            due = datetime.date.fromisoformat(row["due_on"])
            stopped = datetime.date.fromisoformat(row["stopped_on"]) if row["stopped_on"] else None
            clocks.append({
                "rule": row["rule_id"], "title": titles.get(row["rule_id"], row["rule_id"]),
                "started_on": row["started_on"], "due_on": row["due_on"], "warn_on": row["warn_on"],
                "stopped_on": row["stopped_on"], "stopped_by": row["stopped_by"], "running": row["running"],
                "days_allowed": (due - started).days, "days_taken": ((stopped or today) - started).days,
                "level": queries.clock_of(row).level_on(today) if row["running"] else None,
                "in_time": None if row["running"] else closed_in_time(CLOSED, row["stopped_on"], row["due_on"]),
            })
        periods = stage_periods(queries.child_milestones(db, found["local_authority"], found["child_ref"]))
        stages = []
        for period in periods:
            end = period.ended_on or today
            started_in = [
                c for c in clocks
                if period.started_on.isoformat() <= c["started_on"] and (period.ended_on is None or c["started_on"] < period.ended_on.isoformat())
            ]
            stages.append({
                "stage": period.name, "started_on": period.started_on.isoformat(),
                "ended_on": period.ended_on.isoformat() if period.ended_on else None,
                "started_by": period.started_by, "days": (end - period.started_on).days, "timescales": started_in,
            })
        return {"child_ref": found["child_ref"], "local_authority": found["local_authority"], "on": today.isoformat(),
                "stages": stages, "timescales": clocks}

    def child_page(self, la: str, child_ref: str, *, viewer: dict, within: Sequence[str] | None = None) -> dict:
        """Everything a child's page shows, each read once: `summary` (as
        `find_child` gives it, its open `alerts` included), `record` (as
        `child_record`), `siblings`, `chart` (as `journey_chart`), `history` (as
        `child_history`), `alerts` (as `child_alerts`: every alert, with its
        history) and `rules` (each timescale's title by its id). Its two viewings,
        the record and the history, are put in the view log together (one write)
        before it returns. A child outside `within`, or of an unknown council, is
        `ChildNotFound`."""
        viewer = _viewer(viewer)
        try:
            council = self.store.council(la).name
        except UnknownCouncil:
            raise ChildNotFound(f"no child {child_ref.strip()} of {la.strip()} is recorded", field="child_ref") from None
        ref = child_ref.strip()
        self._refuse_outside(council, ref, within)
        summary, events = self.store.summary_and_events(council, ref)
        db = self.read_models()
        today = clock.today()
        found = queries.child(db, council, ref, today)
        if found is None:
            raise ChildNotFound(f"no child {ref} of {council} is recorded", field="child_ref")
        rules = {r["id"]: r["title"] for r in self.alert_rules()}
        listed = self._alerts_of_child(council, ref)
        summary["alerts"] = [a for a in listed if a["status"] != CLOSED]
        entries = [dict(e, sentence=history.sentence(e)) for e in history.entries(events, None)]
        page = {
            "summary": summary, "record": found, "rules": rules,
            "siblings": queries.siblings(db, council, ref, today),
            "chart": self._chart_of(found, rules),
            "history": _history(events[0], entries, None),
            "alerts": [{**a, "history": self.alert_history(a["id"])}
                       for a in sorted(listed, key=lambda a: (a["started_on"], a["rule"]))],
        }
        self.store.save(self._viewing(viewer, "record", child=types.SimpleNamespace(**summary)),
                        self._viewing(viewer, "history", child=events[0]))
        return page

    def open_alerts_of_child(self, la: str, child_ref: str, *, within: Sequence[str] | None = None) -> list[dict]:
        """The child's open and acknowledged alerts, worst first (as `find_child`'s
        `alerts`), read by the child, not from its council's list. A child outside
        `within` is `ChildNotFound`."""
        found = self._found_child(la, child_ref, within)
        return [a for a in self._alerts_of_child(found["local_authority"], found["child_ref"]) if a["status"] != CLOSED]

    def child_alerts(self, la: str, child_ref: str, *, within: Sequence[str] | None = None) -> list[dict]:
        """Every alert of the child, open or closed, as `alert` gives it (with its
        `history`), by the date its clock started. A child outside `within` is `ChildNotFound`."""
        found = self._found_child(la, child_ref, within)
        listed = self._alerts_of_child(found["local_authority"], found["child_ref"])
        return [{**a, "history": self.alert_history(a["id"])} for a in sorted(listed, key=lambda a: (a["started_on"], a["rule"]))]

    def _refuse_outside(self, la: str, child_ref: str, within: Sequence[str] | None) -> None:
        """A child of a council outside `within` is not found (never "forbidden":
        a user is told nothing about another council's children)."""
        if within is None:
            return
        council = self.store.council(la).name
        if not self._sees(within, council):
            raise ChildNotFound(f"no child {child_ref} of {council} is recorded", field="child_ref")

    def _sees(self, within: Sequence[str] | None, local_authority: str | None) -> bool:
        """Whether a user tied to `within` (None: every council) sees a child of
        `local_authority` (None: a household, seen through its children only)."""
        if within is None:
            return True
        return bool(local_authority) and bool(within) and sees_council(self._named(within), local_authority)

    def _named(self, within: Sequence[str]) -> list[str]:
        """The councils as the agency names them (matched ignoring case and aliases)."""
        return [self.store.council(name).name for name in within]

    def _scope(self, within: Sequence[str] | None, la: str | None) -> list[str] | None:
        """The council keys a list keeps: `la` if given (and inside `within`),
        else every council in `within`; None for every council."""
        if la:
            council = self.store.council(la).name
            return [council_key(council)] if self._sees(within, council) else []
        return None if within is None else sorted({council_key(name) for name in self._named(within)})

    def child_history(self, la: str, child_ref: str, *, as_known_on: str | None = None, viewer: dict,
                      within: Sequence[str] | None = None) -> dict:
        """Every event of the child in the order recorded, each with its English
        `sentence`; with `as_known_on`, only what had been recorded by then.

        The viewing is recorded in the view log before the history is returned:
        `viewer` is {"username": ..., "role": one of ROLES (None from the command
        line), "via": "web" or "command line"}; a missing or malformed one is
        refused (`InvalidValue`, field "viewer"), and a child not recorded is no viewing."""
        viewer = _viewer(viewer)
        self._refuse_outside(la, child_ref, within)
        events = self.store.child_events(la, child_ref)
        known_on = history.parse_as_known_on(as_known_on) if as_known_on else None
        listed = [dict(e, sentence=history.sentence(e)) for e in history.entries(events, known_on)]
        self._record_viewing(viewer, "history", known_on=known_on, child=events[0])
        return _history(events[0], listed, known_on)

    def journey_as_at(self, la: str, child_ref: str, as_at: str | datetime.date, *, as_known_on: str | None = None,
                      viewer: dict, within: Sequence[str] | None = None) -> dict:
        """The child's milestones as they stood on `as_at` (by what is known now,
        or by what had been recorded at `as_known_on`), in date order. The viewing
        is recorded in the view log."""
        viewer = _viewer(viewer)
        day = values.parse_date(as_at, "as-at date")
        self._refuse_outside(la, child_ref, within)
        events = self.store.child_events(la, child_ref)
        known_on = history.parse_as_known_on(as_known_on) if as_known_on else None
        listed = [dict(e, sentence=history.sentence(e)) for e in history.journey_as_at(events, day, known_on)]
        self._record_viewing(viewer, "journey", as_at=day, known_on=known_on, child=events[0])
        return {**_history(events[0], listed, known_on), "as_at": day.isoformat()}

    def household_history(self, household_ref: str, *, as_known_on: str | None = None, viewer: dict,
                          within: Sequence[str] | None = None, offset: int = 0, limit: int | None = None) -> dict:
        """Every event of the household's stream in the order recorded, with
        sentences (`limit` of them from the `offset`-th, when given: a page of
        them, the last page for an offset past the end; `total` says how many
        there are). The viewing is recorded in the view log. A user tied to
        councils (`within`) is not shown the copies of other councils' children's
        milestones (nor their corrections and withdrawals)."""
        viewer = _viewer(viewer)
        events = self.store.household_events(household_ref)
        known_on = history.parse_as_known_on(as_known_on) if as_known_on else None
        seen = self._household_entries_seen(history.entries(events, known_on), within)
        offset = max(0, offset)
        if limit is not None and limit > 0 and offset >= len(seen) > 0:  # past the end: the last page
            offset = (len(seen) - 1) // limit * limit
        shown = seen[offset:] if limit is None else seen[offset:offset + max(0, limit)]
        listed = [dict(e, sentence=history.sentence(e)) for e in shown]
        self._record_viewing(viewer, "household history", known_on=known_on, household=events[0])
        return {
            "household": events[0].household_ref,
            "as_known_on": known_on.isoformat() if known_on else None,
            "entries": listed,
            "total": len(seen),
            "offset": offset,
        }

    def household_journey_as_at(self, household_ref: str, as_at: str | datetime.date, *, as_known_on: str | None = None,
                                viewer: dict, within: Sequence[str] | None = None) -> dict:
        """The household's milestones as they stood on `as_at` (its own and the
        children's copied to it; by what is known now, or by what had been recorded
        at `as_known_on`), in date order. The viewing is recorded in the view log.
        A user tied to councils (`within`) is not shown other councils' children's."""
        viewer = _viewer(viewer)
        day = values.parse_date(as_at, "as-at date")
        events = self.store.household_events(household_ref)
        known_on = history.parse_as_known_on(as_known_on) if as_known_on else None
        listed = [dict(e, sentence=history.sentence(e))
                  for e in self._household_entries_seen(history.journey_as_at(events, day, known_on), within)]
        self._record_viewing(viewer, "household journey", as_at=day, known_on=known_on, household=events[0])
        return {
            "household": events[0].household_ref,
            "as_known_on": known_on.isoformat() if known_on else None,
            "entries": listed,
            "as_at": day.isoformat(),
        }

    def _household_entries_seen(self, entries: list[dict], within: Sequence[str] | None) -> list[dict]:
        """A household's entries as a user tied to `within` may see them: its own,
        and the copies of their own councils' children's milestones (a copy names
        its child's council), with the corrections and withdrawals of those."""
        if within is None:
            return entries
        hidden: set[int] = set()
        seen = []
        for entry in entries:
            council = (entry.get("details") or {}).get("local_authority")
            if entry["type"] == "milestone" and council and not self._sees(within, council):
                hidden.add(entry["event_id"])
                continue
            if entry["type"] in ("correction", "withdrawal") and entry["corrects"]["event_id"] in hidden:
                continue
            seen.append(entry)
        return seen

    def alert_history(self, alert_id: str) -> list[dict]:
        """Every change to an alert in the order recorded, each with its `sentence`."""
        return [dict(e, sentence=alerts.history_sentence(e)) for e in alerts.alert_history(self.store, alert_id)]

    # -- queries: figures ----------------------------------------------------------------------

    def scorecard(self, period_from: str | datetime.date, period_to: str | datetime.date, *, la: str | None = None,
                  as_known_on: str | None = None, viewer: dict | None = None,
                  within: Sequence[str] | None = None) -> dict:
        """A1, A2, A3 and A10 for the children adopted in the period (both days
        included), now or as known on a date and time. With `viewer` (as
        `child_history` takes it), a replay (`as_known_on`) is recorded in the view
        log: "scorecard from FIRST to LAST as known on ...", of the council (None:
        every council). For a user who sees `within` (None: every council), a
        council outside it is `UnknownCouncil`, as one the agency does not have,
        and a user tied to councils names one (`InvalidValue`, field "la"): nothing
        is read or logged."""
        self._refuse_council(la, within)
        first = values.parse_date(period_from, "period start")
        last = values.parse_date(period_to, "period end")
        if first > last:
            raise InvalidValue(f"the period starts ({first}) after it ends ({last})", field="period_from", dates=(first, last))
        council = self.council_name(la)
        known_on = None
        if as_known_on:
            known_on = history.parse_as_known_on(as_known_on)
            checked = _viewer(viewer) if viewer is not None else None
            card = known.scorecard_as_known_on(self.store, known_on, first, last, council)
            if checked is not None:
                self._record_viewing(checked, f"scorecard from {first.isoformat()} to {last.isoformat()}", known_on=known_on,
                                     child=types.SimpleNamespace(local_authority=council, child_ref=None))
        else:
            card = queries.scorecard_from_read_models(self.read_models(), first, last, council)
        return _scorecard_dict(card, council, known_on)

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

    def waiting_page(self, *, within: Sequence[str] | None = None, la: str | None = None, stage: str | None = None,
                     group: str | None = None, sort: str = "days", page: int = 1, per_page: int = 50) -> dict:
        """One page of the waiting list (as `waiting`, siblings together when sorted
        by days), for a user who sees `within` (None: every council), filtered by
        council, stage and harder-to-place group; with the count of all and of pages."""
        if stage is not None and stage not in queries.LIST_STAGES:
            raise InvalidValue(f"unknown list {stage!r} (expected {', '.join(queries.LIST_STAGES)})", field="stage")
        if group is not None and group not in WAITING_GROUPS:
            raise InvalidValue(f"unknown group {group!r} (expected {', '.join(WAITING_GROUPS)})", field="group")
        if sort not in WAITING_SORTS:
            raise InvalidValue(f"unknown order {sort!r} (expected {', '.join(WAITING_SORTS)})", field="sort")
        if page < 1 or not 1 <= per_page <= 10_000:
            raise InvalidValue("a page is numbered from 1, of 1 to 10,000 children", field="page")
        keys = self._scope(within, la)
        found = queries.waiting_page(self.read_models(), la_keys=keys, stage=stage, group=group, sort=sort,
                                     limit=per_page, offset=(page - 1) * per_page, today=clock.today())
        pages = max(1, -(-found["total"] // per_page))
        return {**found, "page": page, "pages": pages, "per_page": per_page, "on": clock.today().isoformat()}

    def waiting_counts(self, *, within: Sequence[str] | None = None, la: str | None = None,
                       group: str | None = None) -> dict[str | None, int]:
        """How many children are on each waiting list (None: every child waiting,
        and each of WAITING_LISTS), filtered as `waiting_page` filters: the `total`
        it gives each list, all counted at once."""
        if group is not None and group not in WAITING_GROUPS:
            raise InvalidValue(f"unknown group {group!r} (expected {', '.join(WAITING_GROUPS)})", field="group")
        return queries.waiting_counts(self.read_models(), la_keys=self._scope(within, la), group=group, today=clock.today())

    def household_choices(self) -> list[dict]:
        """The agency's households by reference, to choose one from: each with its
        `household_ref`, `interagency`, `stage`, `approved_on` and `withdrawn_on`."""
        return queries.household_choices(self.read_models())

    def household_choices_for(self, la: str, child_ref: str, *, within: Sequence[str] | None = None) -> dict:
        """The households to offer first for one of a child's milestones that names
        a household (a link, a match panel, a match, a placement), rather than every
        household the agency has ever recorded: `named`, those the child's current
        milestones name (its link, its match: the one a placement is usually with),
        then `waiting`, those approved and waiting to be matched today (A11),
        longest waiting first, each with `approved_on` and `days_waiting`; and
        `known`, how many households the agency has in all (any of them can be
        given by reference). A child outside `within` is `ChildNotFound`."""
        child = self.child_summary(self.store.council(la).name, child_ref.strip(), within=within)
        named = list(dict.fromkeys(m["details"]["household"] for m in child["milestones"]
                                   if (m.get("details") or {}).get("household")))
        db = self.read_models()
        offered, waiting = set(named), []
        for w in queries.households_waiting(db, clock.today()):
            if w["household_ref"] not in offered:
                offered.add(w["household_ref"])
                waiting.append(w)
        known = next(iter(db.query("SELECT count(*) AS n FROM households")))["n"]
        return {"named": named, "waiting": waiting, "known": known}

    def household_refs(self) -> set[str]:
        """The reference of every household the agency has recorded."""
        return {r["household_ref"] for r in self.read_models().query("SELECT household_ref FROM households")}

    def stages(self, *, la: str | None = None) -> dict:
        """How many children are at each stage today."""
        counts = queries.children_by_stage(self.read_models(), self.council_name(la))
        return {"on": clock.today().isoformat(), "local_authority": self.council_name(la),
                "stages": {stage: counts.get(stage, 0) for stage in STAGES}}

    def stages_within(self, *, within: Sequence[str] | None = None, la: str | None = None) -> dict:
        """As `stages`, for a user who sees `within` (None: every council): the
        children of `la` (inside `within`), else of every council they see."""
        counts = self._children_by_stage(self.read_models(), self._scope(within, la))
        return {"on": clock.today().isoformat(), "local_authority": self.council_name(la) if la else None,
                "stages": {stage: counts.get(stage, 0) for stage in STAGES}}

    def _children_by_stage(self, db: Database, keys: list[str] | None) -> dict[str, int]:
        """`queries.children_by_stage_of`, counted once per state of the read
        models' children: the events since the last count are looked at first,
        and when the projection has nothing from any of them (each page of a
        child's history puts its viewings in the view log; accounts), the count
        stands for the new position too. A count reads every child (tens of
        milliseconds at 100,000); a look at a few events costs little."""
        state = projector.read_tracking(db)
        wanted = None if keys is None else tuple(keys)
        with self._stage_lock:
            at, counted = self._stage_counts
        if at and at != state and self._nothing_projected(at, state):
            with self._stage_lock:
                if self._stage_counts[0] == at:
                    self._stage_counts = (state, counted)
        with self._stage_lock:
            at, counted = self._stage_counts
            if at == state and wanted in counted:
                return dict(counted[wanted])
        counts = queries.children_by_stage_of(db, keys)
        with self._stage_lock:
            at, counted = self._stage_counts
            if at != state:
                counted = {}
                self._stage_counts = (state, counted)
            counted[wanted] = counts
        return dict(counts)

    def _nothing_projected(self, since: tuple[int, int], now: tuple[int, int], most: int = 100) -> bool:
        """Whether the log from position `since` to `now` (both (position,
        generation) of the read models, the same generation) holds only events the
        projection has nothing from; False when it holds more than `most`."""
        (start, generation), (end, generation_now) = since, now
        if generation != generation_now or not 0 < end - start <= most:
            return False
        notifications = self.store.recorder.select_notifications(start=start + 1, limit=end - start, stop=end)
        return all(not projected_topic(n.topic) for n in notifications)

    def financial_years(self, *, years: int = 6) -> list[dict]:
        """The last `years` financial years, the current one first, each with its
        first and last day (the current one's last day is today)."""
        today = clock.today()
        start = financial_year_start(financial_year_of(today))
        listed = []
        for year in range(start, start - years, -1):
            first, last = datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)
            listed.append({"financial_year": f"{year}-{(year + 1) % 100:02d}", "from": first.isoformat(),
                           "to": min(last, today).isoformat(), "to_date": last > today})
        return listed

    def scorecard_within(self, period_from: str | datetime.date, period_to: str | datetime.date, *,
                         la: str | None = None, within: Sequence[str] | None = None) -> dict:
        """As `scorecard`, for a user who sees `within` (None: every council): a
        council outside it is `UnknownCouncil`, as one the agency does not have,
        and a user tied to councils names one (`InvalidValue`, field "la")."""
        return self.scorecard(period_from, period_to, la=la, within=within)

    def _refuse_council(self, la: str | None, within: Sequence[str] | None) -> None:
        if within is None:
            return
        if not la:
            raise InvalidValue("choose one of your councils", field="la")
        council = self.store.council(la).name
        if not self._sees(within, council):
            raise UnknownCouncil(f"no council {la} in the agency", field="la")

    def scorecard_trend(self, *, years: int = 6, la: str | None = None, within: Sequence[str] | None = None) -> list[dict]:
        """A2 and A10 (average days, children, threshold, met) for each single
        financial year of the last `years`, oldest first, from the read models
        (each year a sum of its days' rows)."""
        self._refuse_council(la, within)
        return self._trend(self.read_models(), self.council_name(la), years)

    def _trend(self, db: Database, council: str | None, years: int) -> list[dict]:
        trend = []
        for year in reversed(self.financial_years(years=years)):
            card = queries.scorecard_from_read_models(
                db, datetime.date.fromisoformat(year["from"]), datetime.date.fromisoformat(year["to"]), council
            ).to_json_dict(council)
            trend.append({**year, "A2": card["A2"], "A10": card["A10"]})
        return trend

    def dashboard(self, period_from: str | datetime.date, period_to: str | datetime.date, *, la: str | None = None,
                  within: Sequence[str] | None = None, owner: str | None = None, years: int = 6) -> dict:
        """What a dashboard shows, after one catch-up of the read models: the
        scorecard of the period (as `scorecard_within`), the trend (as
        `scorecard_trend`), the children by stage (as `stages_within`), the open
        breaches (as `open_breaches`, of `la` alone when given) and `owner`'s open
        alerts (as `open_alerts_of`)."""
        first = values.parse_date(period_from, "period start")
        last = values.parse_date(period_to, "period end")
        if first > last:
            raise InvalidValue(f"the period starts ({first}) after it ends ({last})", field="period_from", dates=(first, last))
        self._refuse_council(la, within)
        council = self.council_name(la)
        db = self.read_models()
        card = _scorecard_dict(queries.scorecard_from_read_models(db, first, last, council), council, None)
        counts = self._children_by_stage(db, self._scope(within, la))
        breaches = self._open_breaches(within)
        if council:
            breaches = [b for b in breaches if b["local_authority"] == council]
        return {
            "scorecard": card,
            "trend": self._trend(db, council, years),
            "stages": {"on": clock.today().isoformat(), "local_authority": council,
                       "stages": {stage: counts.get(stage, 0) for stage in STAGES}},
            "breaches": breaches,
            "my_alerts": self._open_alerts_of(owner, within) if owner else [],
        }

    def open_breaches(self, *, within: Sequence[str] | None = None) -> list[dict]:
        """The open (and acknowledged) alerts at breach, counted by council and rule:
        [{"local_authority" (None: households), "rule", "alerts"}], by council then
        rule. A user tied to councils counts only their councils' children's."""
        self.read_models()
        return self._open_breaches(within)

    def _open_breaches(self, within: Sequence[str] | None) -> list[dict]:
        counts = alerts.AlertTable.of(self.store).open_breach_counts()
        kept = [{"local_authority": c["local_authority"], "rule": c["rule_id"], "alerts": c["alerts"]}
                for c in counts if within is None or self._sees(within, c["local_authority"])]
        return sorted(kept, key=lambda c: (c["local_authority"] is None, c["local_authority"] or "", c["rule"]))

    def open_alerts_of(self, owner: str, *, within: Sequence[str] | None = None) -> list[dict]:
        """The open and acknowledged alerts assigned to `owner`, listed as `alerts`
        lists them (breaches first, then by due date), only those `within` sees."""
        self.read_models()
        return self._open_alerts_of(owner, within)

    def _open_alerts_of(self, owner: str, within: Sequence[str] | None) -> list[dict]:
        rows = alerts.AlertTable.of(self.store).open_of_owner(owner.strip())
        listed = [alerts.listed(r) for r in rows]
        listed = [a for a in listed if self._sees(within, a["local_authority"])]
        return sorted(listed, key=lambda a: (a["level"] != alerts.BREACH, a["due_on"], a["local_authority"] or "",
                                             a["child_ref"] or a["household"] or "", a["rule"]))

    def household_summary(self, household_ref: str, *, within: Sequence[str] | None = None) -> dict:
        """A household from the read models: its stage, its milestones (its own,
        and the children's copied to it), its approvals and how long the current
        one has waited to be matched (A11: approved, not yet matched, not
        withdrawn), and the children matched or placed with it.

        A user tied to councils (`within`) sees a household only through their own
        children: the children and copies of other councils are left out, its
        `stage` and `stage_since` are those its own milestones and their children's
        give it, an approval's `matched_on` is kept only when it is one of their
        children's matches, and a household with none of theirs is
        `HouseholdNotFound`, as one never recorded. (Whether it is `waiting` to be
        matched is the household's own: it names no child and no date of one.)"""
        db = self.read_models()
        stream_id = str(self.store.household_id(household_ref.strip()))
        found = queries.household(db, stream_id, clock.today())
        if found is None:
            raise HouseholdNotFound(f"no household {household_ref.strip()} is recorded", field="household_ref")
        if within is not None:
            found["children"] = [c for c in found["children"] if self._sees(within, c["local_authority"])]
            if not found["children"]:
                raise HouseholdNotFound(f"no household {household_ref.strip()} is recorded", field="household_ref")
            seen = [m for m in found["milestones"] if m["own"] or self._sees(within, m["local_authority"])]
            if len(seen) < len(found["milestones"]):
                stage, since = household_stage(in_journey_order([
                    Milestone(m["event_id"], m["milestone"], datetime.date.fromisoformat(m["occurred_on"]), m["details"])
                    for m in seen
                ]))
                found["stage"], found["stage_since"] = stage, since.isoformat() if since else None
                matches = {m["occurred_on"] for m in seen if m["milestone"] == "matched"}
                found["approvals"] = [{**a, "matched_on": a["matched_on"] if a["matched_on"] in matches else None}
                                      for a in found["approvals"]]
            found["milestones"] = seen
        return found

    # -- queries: alerts -----------------------------------------------------------------------

    def alerts(self, *, on: str | datetime.date | None = None, la: str | None = None, status: str | None = None,
               level: str | None = None, owner: str | None = None, rule: str | None = None,
               within: Sequence[str] | None = None, statuses: Sequence[str] | None = None) -> list[dict]:
        """The alerts as they stood on `on` (default today): breaches first, then by
        due date; `owner` keeps those assigned to that person, `rule` one rule's,
        `statuses` those of any of these statuses (e.g. open and acknowledged).
        With `within` (a user's councils) only those councils' children's alerts
        (a household's alerts are for users who see every council)."""
        self.read_models()
        listed = alerts.list_alerts(self.store, on=_day(on, "as-of date"), la=la, status=status, level=level, owner=owner,
                                    statuses=statuses)
        if rule:
            listed = [a for a in listed if a["rule"] == rule]
        if within is not None:
            listed = [a for a in listed if self._sees(within, a["local_authority"])]
        return listed

    def alert(self, alert_id: str, *, within: Sequence[str] | None = None) -> dict:
        """One alert as listed today, with its history in plain English; an alert
        of a child outside `within` (or of a household, for a council's user) is
        `AlertNotFound`, as one that does not exist."""
        self.read_models()
        found = alerts.find_alert(self.store, alert_id)
        if not self._sees(within, found["local_authority"]):
            raise AlertNotFound(f"no alert {alert_id} is recorded", field="alert_id")
        return {**found, "history": self.alert_history(found["id"])}

    def alert_rules(self) -> list[dict]:
        """The timescales in force: each rule's `id`, `title` and `subject` (child or household)."""
        return [{"id": r.id, "title": r.title, "subject": r.subject} for r in self.timescales().rules]

    def digests(self, *, on: str | datetime.date | None = None, la: str | None = None,
                within: Sequence[str] | None = None) -> list[digests.CouncilDigest]:
        """Each council's weekly digest (the week ending `on`): of `la` alone when
        given, and only the councils a user who sees `within` sees (None: every
        council; none at all for `la` outside it)."""
        self.read_models()
        if la and not self._sees(within, self.council_name(la)):
            return []
        found = digests.weekly_digests(self.store, on=_day(on, "as-of date"), la=la)
        return [d for d in found if self._sees(within, d.council)]

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

    # -- commands and queries: accounts ------------------------------------------------------------

    def add_user(self, username: str, *, role: str, councils: Sequence[str] = (), password: str, by: str) -> dict:
        """A new account (the user dict). Refused, with nothing written, for a user
        name the rule does not allow or one already taken (`UsernameNotAllowed`,
        `UsernameTaken`), an unknown role (`UnknownRole`) or council
        (`UnknownCouncil`), or a password under 12 or over 1024 characters
        (`PasswordTooShort`, `PasswordTooLong`). No councils: all the agency's."""
        # What needs no store is checked before one is started.
        access.normal_username(username)
        access.checked_role(role)
        access.check_password(password)
        accounts.checked_by(by)
        self._open_store(create=True)
        return accounts.add_account(self.store, username, role=role, councils=councils, password=password, by=by)

    def users(self) -> list[dict]:
        """Every account, by user name: `username`, `role`, `councils` (none: all
        the agency's), `disabled`, `created_at`, `changed_at` (ISO, UTC) and
        `credentials_version` (see `sign_in`); never a password or its hash.
        A folder with no tracker data is refused (`NoTrackerData`), as every query's is."""
        return accounts.all_accounts(self.store)

    def user(self, username: str) -> dict | None:
        """The account of `username` (normalised: spaces off, lower case) as `users`
        gives it, or None (also on a folder with no tracker data yet)."""
        if not self._has_store():
            return None
        account = accounts.load_account(self.store, username)
        return account.as_dict() if account is not None else None

    def disable_user(self, username: str, *, by: str) -> dict:
        """The account can no longer sign in (its sessions end: its `credentials_version`
        moves). The only enabled admin is not disabled (`LastAdmin`): nobody could then
        manage the users."""
        self._keep_an_admin(username, disabled=True)
        return self._change_user(username, by, lambda a, by: a.disable(by=by))

    def _keep_an_admin(self, username: str, **change) -> None:
        listed = self.users() if self._has_store() else []
        name = (username or "").strip().lower()
        theirs = next((a for a in listed if a["username"] == name), None)
        if theirs and theirs["role"] == "admin" and not theirs["disabled"] and not access.leaves_an_admin(listed, name, **change):
            raise LastAdmin(f"{name} is the only enabled admin: add or enable another admin first", field="username")

    def enable_user(self, username: str, *, by: str) -> dict:
        """A disabled account can sign in again."""
        return self._change_user(username, by, lambda a, by: a.enable(by=by))

    def reset_password(self, username: str, *, password: str, by: str) -> dict:
        """A new password (the same rule as `add_user`): its sessions end."""
        access.check_password(password)
        new_hash = hash_password(password)
        return self._change_user(username, by, lambda a, by: a.set_password_hash(new_hash, by=by))

    def set_role(self, username: str, role: str, *, by: str) -> dict:
        """The account's role (one of ROLES)."""
        access.checked_role(role)
        self._keep_an_admin(username, role=role)
        return self._change_user(username, by, lambda a, by: a.set_role(role, by=by))

    def set_councils(self, username: str, councils: Sequence[str], *, by: str) -> dict:
        """The councils whose children the user sees (by name, alias or code; none:
        all the agency's)."""
        if not self._has_store():
            raise accounts.unknown_user(username)
        names = accounts.council_names(self.store, councils)
        return self._change_user(username, by, lambda a, by: a.set_councils(names, by=by))

    def _change_user(self, username: str, by: str, change: Callable[[Any, str], Any]) -> dict:
        """The account changed by `change(account, by)`, saved; `UnknownUser` if
        there is none. A change that changes nothing writes nothing (but a new
        password). Returns the user dict."""
        by = accounts.checked_by(by)
        if not self._has_store():
            raise accounts.unknown_user(username)
        return accounts.change_account(self.store, username, lambda account: change(account, by))

    def sign_in(self, username: str, password: str, *, address: str) -> dict:
        """The user dict, when the password is the account's and it is not
        disabled. Writes no event. A wrong name, a wrong password and a disabled
        account are one `SignInRefused`, with one message; each is counted
        (outside the event store: `sign-ins.sqlite3` in the data folder), and after
        5 failures for one user name or 20 from one address within 15 minutes the
        next attempts are `SignInLimited` (its `retry_at` says when), the password
        not checked. A session should end when the account's
        `credentials_version` is no longer the one it signed in with."""
        store = self.store if self._has_store() else None
        return accounts.sign_in(store, self._failed_sign_ins(), username, password, address=address)

    def _failed_sign_ins(self) -> FailedSignIns:
        counter = getattr(self._local, "failed_sign_ins", None)
        if counter is None:
            counter = self._local.failed_sign_ins = FailedSignIns(self.settings.data_dir)
        return counter

    def _has_store(self) -> bool:
        return self._store is not None or bool(self.settings.database_url) or self.settings.events_path.exists()

    # -- commands and queries: the sample's accounts -------------------------------------------

    def create_sample_accounts(self) -> list[dict]:
        """One account per role for the sample agency, with random passwords:
        sample.tracker (tied to the sample's first council), sample.manager,
        sample.auditor and sample.admin (all councils). Those that exist already
        are left as they are. They are written, with their passwords, to
        `sample-accounts.toml` in the data folder (its owner's only); returns them
        as that file holds them (`username`, `role`, `councils`, `password`)."""
        self._open_store(create=True)
        known = {a["username"]: a for a in self.sample_accounts()}
        first_council = self.store.council(sample_agency.COUNCILS[0].name).name
        for role in access.ROLES:
            username = f"sample.{role}"
            if self.user(username) is not None:
                continue
            councils = [first_council] if role == "tracker" else []
            password = secrets.token_urlsafe(18)
            self.add_user(username, role=role, councils=councils, password=password, by=SAMPLE_BY)
            known[username] = {"username": username, "role": role, "councils": councils, "password": password}
        listed = [known[f"sample.{role}"] for role in access.ROLES if f"sample.{role}" in known]
        _write_sample_accounts(self.settings.data_dir / SAMPLE_ACCOUNTS_FILE, listed)
        return listed

    def sample_accounts(self) -> list[dict]:
        """The sample accounts as `create_sample_accounts` wrote them ([] when it has not)."""
        path = self.settings.data_dir / SAMPLE_ACCOUNTS_FILE
        if not path.exists():
            return []
        return [
            {"username": a["username"], "role": a["role"], "councils": list(a.get("councils", [])), "password": a["password"]}
            for a in tomllib.loads(path.read_text(encoding="utf-8")).get("accounts", [])
        ]

    # -- the view log ------------------------------------------------------------------------------

    def _record_viewing(self, viewer: dict, what: str, *, as_at: datetime.date | None = None,
                        known_on: datetime.datetime | None = None, child: Any = None, household: Any = None) -> None:
        """Record in the view log that `viewer` viewed a child's or a household's
        history: a stream of its own, never an event on the child's or household's.
        `what` is "history", "journey", "household history" or "household
        journey", followed by its dates ("journey as at 2024-06-30 as known on ...")."""
        self.store.save(self._viewing(viewer, what, as_at=as_at, known_on=known_on, child=child, household=household))

    def _viewing(self, viewer: dict, what: str, *, as_at: datetime.date | None = None,
                 known_on: datetime.datetime | None = None, child: Any = None, household: Any = None) -> Viewing:
        """The view log's record of a viewing (as `_record_viewing` saves it), not yet saved."""
        if as_at is not None:
            what += f" as at {as_at.isoformat()}"
        if known_on is not None:
            what += f" as known on {known_on.isoformat()}"
        viewing = Viewing.record(
            by=viewer["username"], role=viewer["role"], via=viewer["via"], what=what,
            as_at=as_at.isoformat() if as_at else None, as_known_on=known_on.isoformat() if known_on else None,
            local_authority=getattr(child, "local_authority", None), child_ref=getattr(child, "child_ref", None),
            household_ref=getattr(household, "household_ref", None),
        )
        return viewing

    def view_log(self, *, la: str | None = None, child_ref: str | None = None, by: str | None = None,
                 limit: int = 50, offset: int = 0, within: Sequence[str] | None = None) -> dict:
        """Who viewed which child's or household's history, and when: `entries`
        newest first (`limit` of them from `offset`), each with `at` (ISO, UTC),
        `by`, `role` (None from the command line), `via` ("web" or "command
        line"), `what`, `as_at`, `as_known_on`, `local_authority`, `child_ref`,
        `household_ref` and a plain-English `sentence`; and `total`, how many match.
        Read from the view log's table, caught up with the log first. A user tied
        to councils (`within`) reads the viewings of their councils' children and
        scorecards only: not another council's, nor a household's, nor those of
        every council's scorecard (as a household's alerts, those are for users
        who see every council)."""
        if limit < 0 or offset < 0:
            raise InvalidValue("limit and offset cannot be negative", field="limit" if limit < 0 else "offset")
        table = ViewLogTable.of(self.store)
        table.catch_up(self.store)
        private_files(self.settings.data_dir)
        rows, total = table.entries(
            local_authority=self.council_name(la), child_ref=child_ref.strip() if child_ref else None,
            by=by.strip() if by else None, council_keys=self._scope(within, None), limit=limit, offset=offset,
        )
        return {"entries": [view_log_entry(r) for r in rows], "total": total}


# -- plain values ---------------------------------------------------------------------------


def report_rows(report: dict) -> list[tuple[str, str, Any]]:
    """A quarterly report (as `Tracker.quarterly_report` gives it) as (section, figure, value) rows."""
    return reports.report_rows(report)


def new_cipher_key() -> str:
    """A new AES key for JOURNEY_CIPHER_KEY."""
    return AESCipher.create_key(32)


def _scorecard_dict(card: Any, council: str | None, known_on: datetime.datetime | None) -> dict:
    return {
        **card.to_json_dict(council),
        "thresholds": {"financial_year": card.thresholds.financial_year, "status": card.thresholds.status},
        "as_known_on": known_on.isoformat() if known_on else None,
    }


def _day(value: str | datetime.date | None, what: str) -> datetime.date | None:
    return values.parse_date(value, what) if value else None


def _history(first_event: Any, entries: list[dict], known_on: datetime.datetime | None) -> dict:
    return {
        "child_ref": first_event.child_ref,
        "local_authority": first_event.local_authority,
        "as_known_on": known_on.isoformat() if known_on else None,
        "entries": entries,
    }


def journey_differences(then: dict, now: dict) -> dict:
    """What differs between a replayed journey (`then`, as `journey_as_at` gives it,
    as at a date and perhaps as known on a date and time) and today's (`now`, as
    known now): for each milestone of either, by event id, what changed since,
    `then` and `now` each {event_id: {"change", "words"}}. `change` is "withdrawn"
    (shown then, since withdrawn), "corrected" (its date or details since
    corrected; `was` and `now` give both dates), "added" (recorded since, or
    happening after the replay's date); unchanged milestones are not listed."""
    then_by = {e["event_id"]: e for e in then["entries"]}
    now_by = {e["event_id"]: e for e in now["entries"]}
    marks_then: dict[int, dict] = {}
    marks_now: dict[int, dict] = {}
    for event_id, old in then_by.items():
        new = now_by.get(event_id)
        if new is None:
            marks_then[event_id] = {"change": "withdrawn", "words": "Withdrawn since"}
        elif (old["occurred_on"], old["details"]) != (new["occurred_on"], new["details"]):
            mark = {"change": "corrected", "was": old["occurred_on"], "now": new["occurred_on"]}
            when = "" if old["occurred_on"] == new["occurred_on"] else f": was {_long(old['occurred_on'])}, now {_long(new['occurred_on'])}"
            marks_then[event_id] = {**mark, "words": f"Corrected since{when}"}
            marks_now[event_id] = {**mark, "words": f"Corrected since the replay{when}"}
    for event_id, new in now_by.items():
        if event_id not in then_by:
            after_date = new["occurred_on"] > then["as_at"]
            marks_now[event_id] = {
                "change": "added",
                "words": "Added since: it happened after the replay's date" if after_date else "Added since: recorded after the replay's time",
            }
    return {"then": marks_then, "now": marks_now, "count": len(marks_then) + len([m for m in marks_now.values() if m["change"] == "added"])}


def _long(iso: str) -> str:
    return f"{datetime.date.fromisoformat(iso):%-d %b %Y}"


def _viewer(viewer: dict) -> dict:
    """Who views a history, checked: `username` (required), `role` (one of ROLES,
    or None from the command line) and `via` ("web" or "command line")."""
    if not isinstance(viewer, dict):
        raise InvalidValue("say who is viewing: username, role and via", field="viewer")
    username = viewer.get("username")
    if not isinstance(username, str) or not username.strip():
        raise InvalidValue("say who is viewing (no user name given)", field="viewer")
    role = viewer.get("role")
    if role is not None:
        access.checked_role(role)
    if viewer.get("via") not in VIA:
        raise InvalidValue(f"a history is viewed via one of: {', '.join(VIA)}", field="viewer")
    return {"username": username.strip(), "role": role, "via": viewer["via"]}


def view_log_entry(row: dict) -> dict:
    """A row of the view log's table as plain values, with its sentence."""
    entry = {
        "at": row["at"], "by": row["by_user"], "role": row["role"], "via": row["via"], "what": row["what"],
        "as_at": row["as_at"], "as_known_on": row["as_known_on"], "local_authority": row["local_authority"],
        "child_ref": row["child_ref"], "household_ref": row["household_ref"],
    }
    return {**entry, "sentence": view_log_sentence(entry)}


def view_log_sentence(entry: dict) -> str:
    """"1 Dec 2026 14:05: amy (tracker) viewed the history of child CV-1 of Coventry, on the web"."""
    at = datetime.datetime.fromisoformat(entry["at"]).astimezone(clock.LONDON)
    who = f"{entry['by']} ({entry['role']})" if entry["role"] else entry["by"]
    if entry["child_ref"] is not None:
        whose = f"child {entry['child_ref']} of {entry['local_authority']}"
    else:
        whose = f"household {entry['household_ref']}"
    if entry["what"].startswith("scorecard") and entry["child_ref"] is None and entry["household_ref"] is None:
        period = entry["what"].split(" as known on")[0].removeprefix("scorecard ")
        seen = f"the scorecard of {entry['local_authority'] or 'every council'} for children adopted {period}"
    elif entry["what"] == "record":
        seen = f"the record of {whose} (its current milestones)"
    elif entry["as_at"]:
        seen = f"the journey of {whose} as it stood on {datetime.date.fromisoformat(entry['as_at']):%-d %b %Y}"
    else:
        seen = f"the history of {whose}"
    if entry["as_known_on"]:
        known = datetime.datetime.fromisoformat(entry["as_known_on"]).astimezone(clock.LONDON)
        seen += f", as known on {known:%-d %b %Y %H:%M}"
    via = "on the web" if entry["via"] == "web" else f"from the {entry['via']}"
    return f"{at:%-d %b %Y %H:%M}: {who} viewed {seen}, {via}"


def _write_sample_accounts(path: Path, listed: list[dict]) -> None:
    """The sample accounts and their passwords, to a file its owner alone can read."""
    lines = [
        "# The sample agency's accounts, one per role, with their passwords: for sample data only.",
        "# Made by `journey demo` (or `journey run` on an empty data folder).",
    ]
    for account in listed:
        lines += [
            "", "[[accounts]]",
            f"username = {json.dumps(account['username'])}",
            f"role = {json.dumps(account['role'])}",
            "councils = [" + ", ".join(json.dumps(c) for c in account["councils"]) + "]",
            f"password = {json.dumps(account['password'])}",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    path.chmod(0o600)


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
    "AUTHORITIES", "CHILD_ATTRIBUTES", "CHILD_MILESTONES", "CHILD_MILESTONE_DETAILS", "DATE_DETAILS",
    "EARLY_PERMANENCE_KINDS", "ETHNICITIES", "RULES_OF_ORDER", "SEXES", "YES_NO_DETAILS",
    "JourneyRulesBroken", "MilestoneNotFound",
    "AlertNotFound", "AmbiguousMilestone", "CannotCopy", "ChildNotFound", "HouseholdNotFound", "UnknownCouncil",
    "WAITING_GROUPS", "WAITING_SORTS", "CopiedFromChild", "InvalidValue", "JourneyError", "NoTrackerData",
    "RulesFileError", "SampleBeingLoaded", "SheetRefused", "StoreKeyRefused", "StoreNotEmpty", "TablesRefused", "TargetNotEmpty", "Tracker",
    "import_report", "journey_differences", "new_cipher_key", "report_rows", "sweep_report",
    # accounts and access
    "PERMISSIONS", "ROLES", "VIA", "LastAdmin", "PasswordTooLong", "PasswordTooShort", "SignInLimited", "SignInRefused",
    "UnknownCouncil", "UnknownRole", "UnknownUser", "UsernameNotAllowed", "UsernameTaken", "can", "sees_council",
)
