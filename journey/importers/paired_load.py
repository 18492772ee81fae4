"""Loading children's milestones from another record (a council's SSDA903 return,
its spreadsheet tracker), paired with what the tracker holds.

Each child is read from the source into the milestones it gives (`Derived`, each
naming the file, row and column it came from), paired with those the tracker holds
(`journey.domain.ssda903_pairing`) and checked with the child's whole journey (the
rules of order) before anything is written. Then:

- a milestone the tracker does not hold is recorded;
- one it holds on the same date (or ever held on it) adds nothing;
- one whose date or details changed is corrected, the correction's reason naming
  the source (file, row and column);
- one a person has corrected in the tracker keeps the tracker's values: the source
  adds nothing, and the report says that it differs from the tracker.

Nothing is written unless every child is valid, or only the valid children with
`skip_invalid`. A source says how a child is read (`ChildLoad._read`), what its
corrections' reasons say (`ChildLoad.reason`) and what it reports besides.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eventsourcing.persistence import IntegrityError

from journey.domain import clock
from journey.domain.errors import ChildNotFound, ConcurrentChange, JourneyError, JourneyRulesBroken
from journey.domain.milestones import Milestone, authority_of
from journey.domain.ssda903_milestones import ChildInReturn, Derived
from journey.domain.ssda903_pairing import pair
from journey.store.application import JourneyTracker, copied_to_household
from journey.store.child import Child
from journey.store.household import Household

BATCH_CHILDREN = 250
# How the reasons of the corrections that loads make begin: any other correction
# was made by a person in the tracker, and wins over the source.
LOADED_REASONS: tuple[str, ...] = ("SSDA903 return", "spreadsheet tracker")
# The details a source gives that a correction follows (the household a placement
# was first given is kept: it is the tracker's name for the carers).
COMPARED_DETAILS = ("legal_status", "authority", "reason", "moved_in_on", "foster_carer_adoption")


@dataclasses.dataclass(frozen=True)
class Note:
    """One line of the report: a `problem` (refuses the child), a `warning` (a DfE
    rule, imported anyway), a `difference` (the source differs from the tracker,
    which keeps its own) or `not held` (a milestone of an earlier return this one
    no longer holds, not withdrawn). `column` is the source's column, when known."""

    kind: str
    file: str
    row: int | None
    child_ref: str
    rule: str
    message: str
    column: str = ""

    def __str__(self) -> str:
        where = f"{self.file} row {self.row}" if self.row else (self.file or "the return")
        if self.column:
            where += f" column {self.column!r}"
        return f"{where}: child {self.child_ref}: {self.kind}: {self.rule}: {self.message}"


@dataclasses.dataclass
class LoadReport:
    council: str
    year: str | None
    children: int = 0
    children_imported: int = 0
    milestones_added: int = 0
    corrections: int = 0
    already_recorded: int = 0
    households_described: int = 0
    notes: list[Note] = dataclasses.field(default_factory=list)
    skipped_children: list[str] = dataclasses.field(default_factory=list)
    written: bool = False
    streams_written: dict[str, None] = dataclasses.field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Note]:
        return [n for n in self.notes if n.kind == kind]


class ChildLoad:
    """One child of the source: read, paired, applied to its journey in memory."""

    # How the report names the source ("the return gives ... as ...").
    source_words = "the source"

    def __init__(self, app: JourneyTracker, council: str, child_ref: str, recorded_by: str, store_was_empty: bool):
        self.app, self.council, self.child_ref = app, council, child_ref
        self.recorded_by, self.store_was_empty = recorded_by, store_was_empty
        self.read: ChildInReturn | None = None
        self.notes: list[Note] = []
        self.problems: list[Note] = []
        self.journey: Child | None = None
        self.shared: list[int] = []  # event ids of new milestones to copy to households
        self.followed: list[int] = []  # event ids of corrected milestones whose copies follow
        self.added = self.corrected = self.already = 0
        self.adopters: dict[str, dict[str, str]] = {}  # household -> the adopters' details

    # -- what a source says ------------------------------------------------------------

    def _read(self, journey: Child | None) -> ChildInReturn:
        """The child as the source gives it (setting `notes` and `problems`)."""
        raise NotImplementedError

    def reason(self, m: Derived) -> str:
        """The reason of the correction `m` makes: it names the source."""
        raise NotImplementedError

    def covers_from(self) -> datetime.date | None:
        """The first day the source covers (a one-year return's), if any."""
        return None

    def after_pairing(self, journey: Child, held: list[Milestone], paired: list) -> None:
        """What the source reports of the held milestones once paired."""

    # -- the load -----------------------------------------------------------------------

    def problem(self, derived: Derived | None, rule: str, message: str) -> None:
        self.problems.append(Note("problem", derived.file if derived else "", derived.row if derived else None,
                                  self.child_ref, rule, message, derived.column if derived else ""))

    def check_and_apply(self) -> None:
        today = clock.today()
        existing = None
        if not self.store_was_empty:
            try:
                existing = self.app.load_child(self.council, self.child_ref)
            except ChildNotFound:
                existing = None
        self.read = self._read(existing)
        if self.problems:
            return
        attributes = self.read.attributes
        try:
            journey = existing or self.app.start_child(self.council, self.child_ref, attributes=attributes, recorded_by=self.recorded_by)
            before = journey.breaches(today) if journey.entries else []
            journey.amend_attributes(attributes, today=today, recorded_by=self.recorded_by)
        except JourneyError as e:
            self.problem(None, e.rule, e.message)
            return
        held = journey.milestones()
        derived = self.read.milestones
        paired = pair(derived, self.read.periods, held, covers_from=self.covers_from())
        # The carers the tracker already names (a placement it holds, with its own
        # household): the source's milestones and adopters go to that household.
        named = {m.details["household"]: ours.household for m, ours in zip(derived, paired)
                 if ours is not None and ours.household and m.details.get("household")}
        self.adopters = {named.get(ref, ref): details for ref, details in self.read.adopters.items()}
        source_of: dict[int, Derived] = {}
        corrections = []
        for m, ours in zip(derived, paired):
            if ours is None:
                details = m.details
                if details.get("household") in named:
                    details = {**details, "household": named[details["household"]]}
                if journey.has_recorded(m.name, m.occurred_on, details):
                    self.already += 1
                    continue
                event_id = journey.record(m.name, m.occurred_on, details, today=today, recorded_by=self.recorded_by, check=False)
                source_of[event_id] = m
                self.added += 1
                if copied_to_household(journey.entries[event_id]):
                    self.shared.append(event_id)
            else:
                corrections.append((m, ours))
        for m, ours in corrections:
            self._correct(journey, m, ours, source_of, today)
        self.after_pairing(journey, held, paired)
        found = journey.breaches_added_since(before, today)
        for breach in found:
            m = source_of.get(getattr(breach.milestone, "event_id", None))
            self.problem(m, breach.rule, breach.message + ("" if m else " (a milestone the tracker holds)"))
        self.journey = journey if not self.problems else None

    def _correct(self, journey: Child, m: Derived, ours: Milestone, source_of: dict, today) -> None:
        entry = journey.entries[ours.event_id]
        current = dict(entry.details)
        if entry.name == "placement_order":
            current["authority"] = authority_of(current)
        # Only what the source gives is compared: a detail it cannot know (when the
        # carer's first episode began before a one-year return's) is kept.
        details = {**current, **{k: v for k, v in m.details.items() if k in COMPARED_DETAILS}}
        if (m.occurred_on == entry.occurred_on and details == current) or m.approximate:
            self.already += 1
            return
        what = f"{m.name} of {entry.occurred_on:%d/%m/%Y}"
        theirs = f"{m.occurred_on:%d/%m/%Y}" + (f" ({_words(m.details)})" if m.details else "")
        by_a_person = entry.corrected_because is not None and not entry.corrected_because.startswith(LOADED_REASONS)
        if by_a_person:
            self.notes.append(Note("difference", m.file, m.row, self.child_ref, "corrected in the tracker",
                                   f"{self.source_words} gives {what} as {theirs} ({m.column}); the tracker's correction "
                                   f"({entry.corrected_because}) is kept", m.column))
            return
        if m.occurred_on in entry.earlier_dates and m.occurred_on != entry.occurred_on:
            self.notes.append(Note("difference", m.file, m.row, self.child_ref, "an earlier date",
                                   f"{self.source_words} gives {what} as {theirs}, a date a later load corrected: "
                                   "kept as it is", m.column))
            return
        try:
            journey.correct(entry, m.occurred_on, details, reason=self.reason(m), today=today, recorded_by=self.recorded_by)
        except JourneyRulesBroken as e:
            for breach in e.breaches:
                self.problem(m, breach.rule, f"correcting {what} to {theirs}: {breach.message}")
            return
        source_of[entry.event_id] = m
        self.corrected += 1
        if entry.name in ("matched", "placed", "adoption_order") and entry.details.get("household"):
            self.followed.append(entry.event_id)


def _words(details: dict) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v.strftime('%d/%m/%Y') if isinstance(v, datetime.date) else v}"
                     for k, v in details.items() if k != "household")


def load_children(app: JourneyTracker, loads: list[ChildLoad], report: LoadReport, *, skip_invalid: bool, by: str,
                  words: str, store_was_empty: bool, progress: Callable[[int], None] | None = None) -> LoadReport:
    """Check every child (`report.notes` may already hold problems of the source as a
    whole), then, if all pass (or skipping the others), write them: households'
    adopters, the children's milestones and the households' copies. `words` name
    the source in the households' corrections."""
    for load in loads:
        load.check_and_apply()
        if progress:
            progress(1)
    report.children = len(loads)
    for load in loads:
        report.notes += load.problems + load.notes
    refused = [n for n in report.notes if n.kind == "problem"]
    if refused and not skip_invalid:
        return report
    kept = [load for load in loads if not load.problems]
    report.skipped_children = [load.child_ref for load in loads if load.problems]
    _write(app, kept, by, words, store_was_empty, report, progress)
    report.written = True
    report.children_imported = len(kept)
    report.milestones_added = sum(load.added for load in kept)
    report.corrections = sum(load.corrected for load in kept)
    report.already_recorded = sum(load.already for load in kept)
    return report


def _write(app: JourneyTracker, kept: list[ChildLoad], by: str, words: str, store_was_empty: bool, report: LoadReport,
           progress) -> None:
    households: dict[str, Household] = {}
    today = clock.today()
    for start in range(0, len(kept), BATCH_CHILDREN):
        batch = kept[start : start + BATCH_CHILDREN]
        touched: dict[str, Household] = {}

        def household(ref: str) -> Household:
            if ref not in households:
                begin = app.start_household if store_was_empty else app.load_or_start_household
                households[ref] = begin(ref, recorded_by=by)
            touched[ref] = households[ref]
            return households[ref]

        for load in batch:
            journey = load.journey
            for event_id in load.shared:
                app.copy_to_household(journey, event_id, household(copied_to_household(journey.entries[event_id])), recorded_by=by)
            for event_id in load.followed:
                entry = journey.entries[event_id]
                copy = household(entry.details["household"]).entry_for_child_event(str(journey.id), event_id)
                if copy is not None and copy.occurred_on != entry.occurred_on:
                    households[entry.details["household"]].correct(copy, entry.occurred_on, copy.details,
                                                                   reason=f"the child's {entry.name} corrected by the {words}",
                                                                   recorded_by=by)
            for ref, adopters in load.adopters.items():
                if household(ref).describe_adopters(adopters, today=today, recorded_by=by):
                    report.households_described += 1
        try:
            report.streams_written.update(dict.fromkeys(
                str(r.domain_event.originator_id) for r in app.save(*[load.journey for load in batch], *touched.values())
            ))
        except IntegrityError:
            raise ConcurrentChange(
                f"the load of the {words} met a change made meanwhile to a child or household it was writing; what it "
                "wrote before stays, and loading it again adds only the rest"
            ) from None
        if progress:
            progress(len(batch))


REPORT_COLUMNS = ("kind", "file", "row", "column", "child", "rule", "message")


def write_report(report: LoadReport, path: Path) -> int:
    """The report's notes as CSV (readable by its owner only); returns how many."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(handle, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(REPORT_COLUMNS)
        for n in report.notes:
            writer.writerow((n.kind, n.file, n.row or "", n.column, n.child_ref, n.rule, n.message))
    return len(report.notes)


def plain(report: LoadReport) -> dict[str, Any]:
    """The report as plain values."""
    return {
        "local_authority": report.council,
        "year": report.year,
        "children": report.children,
        "children_imported": report.children_imported,
        "milestones_added": report.milestones_added,
        "corrections": report.corrections,
        "already_recorded": report.already_recorded,
        "households_described": report.households_described,
        "written": report.written,
        "skipped_children": list(report.skipped_children),
        **{key: [dict(dataclasses.asdict(n), text=str(n)) for n in report.of_kind(kind)]
           for key, kind in (("problems", "problem"), ("warnings", "warning"), ("differences", "difference"),
                             ("not_held", "not held"))},
    }
