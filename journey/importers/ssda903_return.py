"""Loading a council's SSDA903 return (one year's, or its whole history) into the tracker.

Each child's rows are read into the milestones the 903 can carry
(`journey.domain.ssda903_milestones`), paired with those the tracker holds
(`journey.domain.ssda903_pairing`) and checked with the child's whole journey
(the rules of order) before anything is written. Then:

- a milestone the tracker does not hold is recorded;
- one it holds on the same date (or ever held on it) adds nothing;
- one whose date or details changed is corrected, the correction's reason naming
  the return and its year;
- one a person has corrected in the tracker keeps the tracker's values: the return
  adds nothing, and the report says that the return differs from the tracker;
- a milestone an earlier return recorded, in a year this load covers, that this
  load no longer holds, for a child it does hold, is reported, not withdrawn.

The adopters' details of AD1 are kept on the household the import gives the
child's adoption placement. As with the milestones file, nothing is written
unless every child is valid, or only the valid children with `skip_invalid`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from journey.domain.milestones import Milestone
from journey.domain.ssda903_codes import CollectionYear, code_lists
from journey.domain.ssda903_milestones import MILESTONES_903, TABLE_OF_MILESTONE, ChildInReturn, Derived, child_from_return
from journey.importers import paired_load
from journey.importers.paired_load import LoadReport, Note, plain, write_report
from journey.importers.ssda903_tables import Tables, TableRow
from journey.store.application import JourneyTracker
from journey.store.child import Child

# What marks the tracker's events that a return recorded or corrected.
RETURN_WORDS = paired_load.LOADED_REASONS[0]
ReturnReport = LoadReport


class _ChildLoad(paired_load.ChildLoad):
    """One child of the return: read, paired, applied to its journey in memory."""

    source_words = "the return"

    def __init__(self, app: JourneyTracker, council: str, child_ref: str, rows: dict, year: CollectionYear | None,
                 recorded_by: str, store_was_empty: bool, council_code: str):
        super().__init__(app, council, child_ref, recorded_by, store_was_empty)
        self.rows, self.year, self.council_code = rows, year, council_code

    def _note(self, kind: str, finding) -> Note:
        message = finding.message.removeprefix(f"child {self.child_ref}: ")
        return Note(kind, finding.file, finding.row, self.child_ref, finding.rule, message)

    def _read(self, journey: Child | None) -> ChildInReturn:
        known_carers = [(m.occurred_on, m.household) for m in (journey.milestones() if journey else [])
                        if m.name == "early_permanence_placement" and m.household]
        rows = self.rows
        read = child_from_return(self.child_ref, rows.get("Header", []), rows.get("Episodes", []), rows.get("AD1", []),
                                 rows.get("PlacedAdoption", []), codes=code_lists(), council_code=self.council_code,
                                 year=self.year, known_carers=known_carers)
        self.notes = [self._note("warning", f) for f in read.warnings]
        self.problems = [self._note("problem", f) for f in read.problems]
        return read

    def covers_from(self) -> datetime.date | None:
        return self.year.starts if self.year else None

    def reason(self, m: Derived) -> str:
        year = self.year or CollectionYear.of(m.occurred_on)
        return f"{RETURN_WORDS} {year} of {self.council}: {m.source}"

    def after_pairing(self, journey: Child, held: list[Milestone], paired: list) -> None:
        """A milestone an earlier return recorded, in a year this load covers, that
        this load no longer holds, is reported, not withdrawn."""
        years = {self.year} if self.year else self.read.years
        kept = {m.event_id for m in paired if m is not None}
        given = {(m.name, m.occurred_on) for m in self.read.milestones}
        for m in held:
            entry = journey.entries[m.event_id]
            # Only a table that holds rows of the child can be said to no longer hold
            # one (a return's AD1 holds only the children adopted in its year).
            if (m.name in MILESTONES_903 and TABLE_OF_MILESTONE[m.name] in self.read.tables
                    and m.event_id not in kept and (m.name, m.occurred_on) not in given
                    and RETURN_WORDS in (entry.recorded_by or "") and CollectionYear.of(m.occurred_on) in years):
                self.notes.append(Note("not held", "", None, self.child_ref, "no longer in the return",
                                       f"{m.name} of {m.occurred_on:%d/%m/%Y} (event {m.event_id}), recorded from an earlier "
                                       "return, is not in this one: it is kept (withdraw it if it was recorded in error)"))


def children_in(tables: Tables) -> dict[str, dict[str, list[TableRow]]]:
    """Each child's rows, by table, in the order the children first appear."""
    found: dict[str, dict[str, list[TableRow]]] = {}
    for table in ("Header", "Episodes", "AD1", "PlacedAdoption"):
        for row in tables.of(table):
            found.setdefault(row.child, {}).setdefault(table, []).append(row)
    return found


def import_return(
    app: JourneyTracker,
    tables: Tables,
    *,
    la: str,
    year: CollectionYear | None = None,
    skip_invalid: bool = False,
    recorded_by: str,
    progress: Callable[[int], None] | None = None,
) -> ReturnReport:
    """Check every child of the return, then (if all pass, or skipping the others)
    write them: households' adopters, the children's milestones and the households'
    copies. See the module for what each milestone becomes."""
    council = app.council(la)
    report = ReturnReport(council.name, str(year) if year else None)
    code = council.code or council.key.replace(" ", "-")
    by = f"{recorded_by} ({RETURN_WORDS} {year or 'tables'} of {council.name})"
    store_was_empty = not app.recorder.max_notification_id()
    loads = []
    for child_ref, rows in children_in(tables).items():
        if not child_ref:
            first = next(iter(rows.values()))[0]
            report.notes.append(Note("problem", first.file, first.number, "", "missing value", "CHILD is empty"))
            continue
        loads.append(_ChildLoad(app, council.name, child_ref, rows, year, by, store_was_empty, code))
    return paired_load.load_children(app, loads, report, skip_invalid=skip_invalid, by=by, words=RETURN_WORDS,
                                     store_was_empty=store_was_empty, progress=progress)


__all__ = ("RETURN_WORDS", "LoadReport", "Note", "ReturnReport", "children_in", "import_return", "plain", "write_report")
