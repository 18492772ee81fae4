"""Importing milestones from CSV, and exporting them in the same format.

One milestone a row: a child's (`child_ref` and `local_authority` name the child), or,
with both of those cells empty, a household's own (`household` names it). A child's
`matched`, `placed` or `adoption_order` naming a household is copied to the
household's stream by the import, so the file holds it once, on the child's row.

The file itself is strict (`read_rows`): UTF-8, a header naming each column once
(names match without regard to case and surrounding spaces), every row as long as
the header; otherwise it is refused, naming the row, before anything is read further.
Then the whole file is checked before anything is written: every bad row is reported
with its row number, child or household and rule, and unless the caller asks to
skip the children and households with bad rows, nothing is written. Rows already
recorded (or recorded and since corrected or withdrawn) add nothing, so importing a
file twice is safe and never undoes a correction.

A cell a spreadsheet would run as a formula (starting with `=`, `+`, `-` or `@`) is
exported with a leading `'`, and every import strips that `'` again.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime
import io
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from eventsourcing.persistence import IntegrityError

from journey.domain import clock, values
from journey.domain.errors import ConcurrentChange, InvalidValue, JourneyError, JourneyRulesBroken
from journey.domain.milestones import CHILD_ATTRIBUTES
from journey.store.application import JourneyTracker, copied_to_household
from journey.store.child import Child
from journey.store.household import Household, is_copy

REQUIRED_COLUMNS = ("child_ref", "local_authority", "milestone", "occurred_on")
DETAIL_COLUMNS = (
    "household", "kind", "authority", "reason", "plan", "legal_status", "moved_in_on",
    "foster_carer_adoption", "interagency", "expected_due_date",
)
COLUMNS = REQUIRED_COLUMNS + CHILD_ATTRIBUTES + DETAIL_COLUMNS + ("recorded_by",)
# The cells a household's row may fill (`child_ref` and `local_authority` are empty:
# that is what makes it a household's; `interagency` says the household was
# approved by another agency). The sample's household rows also carry `child_ref`
# and `local_authority` on `linked`, which are not kept.
HOUSEHOLD_COLUMNS = ("household", "milestone", "occurred_on", "reason", "interagency", "recorded_by")
_HOUSEHOLD_ROW_CELLS = frozenset(HOUSEHOLD_COLUMNS) | {"child_ref", "local_authority"}
BATCH_CHILDREN = 250
# What a spreadsheet runs as a formula: a cell starting with one of these (after any
# quotes already put before it) is exported with a `'` in front, which imports strip.
_FORMULA = re.compile(r"'*[=+\-@]")


@dataclasses.dataclass(frozen=True)
class Problem:
    """A row that breaks a rule: the row number counts the header as row 1. A
    household's row names its `household` and no child."""

    row: int | None
    child_ref: str
    local_authority: str
    rule: str
    message: str
    household: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        if self.child_ref:
            whose = f"child {self.child_ref} of {self.local_authority}"
        elif self.household:
            whose = f"household {self.household}"
        else:
            whose = "no child"
        return f"{where}: {whose}: {self.rule}: {self.message}"


@dataclasses.dataclass
class ImportReport:
    rows: int = 0
    children: int = 0
    households: int = 0  # households with rows of their own in the file
    milestones_added: int = 0
    rows_already_recorded: int = 0
    problems: list[Problem] = dataclasses.field(default_factory=list)
    skipped_children: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    skipped_households: list[str] = dataclasses.field(default_factory=list)
    written: bool = False
    children_imported: int = 0  # children written (all rows good), when written
    households_imported: int = 0
    # The streams the import's saves wrote (children and households), in the order
    # first written: what to sweep, without reading back the log just written.
    streams_written: dict[str, None] = dataclasses.field(default_factory=dict)


class FileRefused(JourneyError):
    """The file itself cannot be read as a milestones file."""

    rule = "file format"


class ExportRefused(JourneyError):
    """The export's file cannot be written (a missing folder, no permission)."""

    rule = "cannot write the file"


@dataclasses.dataclass
class _Row:
    number: int
    cells: dict[str, str]

    @property
    def child_ref(self) -> str:
        return (self.cells.get("child_ref") or "").strip()

    @property
    def la(self) -> str:
        return (self.cells.get("local_authority") or "").strip()

    @property
    def household_ref(self) -> str:
        return (self.cells.get("household") or "").strip()

    @property
    def is_households(self) -> bool:
        """A household's own milestone: no child named."""
        return not self.child_ref and not self.la


def read_rows(path: Path) -> list[_Row]:
    """The file's rows, their cells by column name (lower case), `'` before a formula stripped.

    Refused (`FileRefused`), naming the row (the header is row 1), before anything is
    written: a file that is not UTF-8; a header without the required columns, with
    unknown or unnamed ones, or naming one twice; a row with more or fewer cells than
    the header. An empty line is no row (but it is counted, as a spreadsheet counts it)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise FileRefused(f"{path}: cannot be read: {e.strerror or e}") from None
    records = csv.reader(io.StringIO(_utf8(path, data), newline=""))
    number = 1
    try:
        names = _columns(path, next(records, []))
        rows, wrong_length = [], []
        for number, cells in enumerate(records, start=2):
            if not cells:
                continue
            if len(cells) != len(names):
                wrong_length.append(f"row {number}: {len(cells)} cells, but the header names {len(names)} columns")
                continue
            if "'" in "".join(cells):
                cells = [_unquoted(cell) for cell in cells]
            rows.append(_Row(number, dict(zip(names, cells))))
    except csv.Error as e:
        raise FileRefused(f"{path}: row {number}: cannot be read as CSV: {e}") from None
    if wrong_length:
        more = f"; and {len(wrong_length) - 10} more" if len(wrong_length) > 10 else ""
        raise FileRefused(f"{path}: " + "; ".join(wrong_length[:10]) + more)
    return rows


def _utf8(path: Path, data: bytes) -> str:
    """The file's text (a byte order mark dropped); refused, naming the row, if it is not UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FileRefused(
            f"{path}: row {_row_at(data, e.start)}: not UTF-8 text (byte 0x{data[e.start]:02X}): "
            "save the file as UTF-8 (in a spreadsheet, as CSV UTF-8)"
        ) from None


def _row_at(data: bytes, position: int) -> int:
    """The number of the CSV row (the header is 1) holding the byte at `position`."""
    before = data[:position].decode("utf-8")
    rows = sum(1 for _ in csv.reader(io.StringIO(before, newline="")))
    return rows + 1 if not before or before.endswith(("\n", "\r")) else rows


def _columns(path: Path, header: list[str]) -> list[str]:
    """The header's column names (lower case, spaces around them dropped), checked."""
    names = [_unquoted(h).strip().lower() for h in header]
    problems = []
    unnamed = [str(i) for i, name in enumerate(names, start=1) if not name]
    if unnamed:
        problems.append(f"column(s) {', '.join(unnamed)} have no name")
    twice = [name for name in dict.fromkeys(names) if name and names.count(name) > 1]
    if twice:
        problems.append("; ".join(
            f"column {name} is named {names.count(name)} times "
            f"(columns {_listed([str(i) for i, n in enumerate(names, start=1) if n == name])})"
            for name in twice
        ))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        problems.append(f"missing required column(s) {', '.join(missing)}")
    unknown = [name for name in dict.fromkeys(names) if name and name not in COLUMNS]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)} (accepted: {', '.join(COLUMNS)})")
    if problems:
        raise FileRefused(f"{path}: row 1: " + "; ".join(problems))
    return names


def _listed(items: list[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def _unquoted(cell: str) -> str:
    """A cell as written before export put a `'` in front of a formula."""
    return cell[1:] if cell[:1] == "'" and _FORMULA.match(cell, 1) else cell


def _quoted(cell: str) -> str:
    """A cell as exported: a `'` in front of what a spreadsheet would run as a formula."""
    return "'" + cell if _FORMULA.match(cell) else cell


def rows_from_dicts(cells: Iterable[dict[str, str]]) -> list[_Row]:
    """Rows made in code (the sample agency), numbered as if in a file."""
    return [_Row(i, dict(c)) for i, c in enumerate(cells, start=2)]


class _ChildRows:
    """One child's rows, checked and applied to its journey in memory."""

    def __init__(self, app: JourneyTracker, la: str, child_ref: str, rows: list[_Row], default_by: str):
        self.app, self.la, self.child_ref, self.rows, self.default_by = app, la, child_ref, rows, default_by
        self.problems: list[Problem] = []
        self.journey: Child | None = None
        self.shared: list[int] = []  # event ids to copy to households
        self.added = self.already = 0
        self.before: list = []
        # Into an empty store no child can exist yet, so none is looked up; if someone
        # writes meanwhile, the save fails on the conflict and the child is re-read.
        self.store_was_empty = False

    def problem(self, row: _Row | None, rule: str, message: str) -> None:
        self.problems.append(Problem(row.number if row else None, self.child_ref, self.la, rule, message))

    def check_and_apply(self) -> None:
        parsed = []
        attributes: dict[str, Any] = {}
        seen_attribute_cells: dict[tuple, dict] = {}  # rows of a child usually repeat them
        for row in self.rows:
            try:
                milestone = values.child_milestone(row.cells.get("milestone", ""))
                occurred_on = values.parse_date(row.cells.get("occurred_on", ""), "occurred_on")
                details = values.milestone_details(milestone, {k: v for k in DETAIL_COLUMNS if (v := row.cells.get(k, "").strip())})
                cells = tuple(row.cells.get(k, "") for k in CHILD_ATTRIBUTES)
                if cells not in seen_attribute_cells:
                    seen_attribute_cells[cells] = values.child_attributes(dict(zip(CHILD_ATTRIBUTES, cells)))
                row_attributes = seen_attribute_cells[cells]
            except JourneyError as e:
                self.problem(row, e.rule, e.message)
                continue
            for key, value in row_attributes.items():
                if key in attributes and attributes[key] != value:
                    self.problem(row, "attributes disagree", f"{key} {value} differs from {attributes[key]} on an earlier row")
                attributes.setdefault(key, value)
            parsed.append((occurred_on, row.number, row, milestone, details))
        if self.problems:
            return
        ordered = sorted(parsed, key=lambda p: (p[0], p[1]))
        today = clock.today()
        # Fast path: apply every row, check the whole journey once. Only when that
        # finds a break are the rows applied one by one to say which row broke what.
        journey = self._apply(attributes, ordered, today, check=False)
        if journey is not None and journey.breaches_added_since(self.before, today):
            journey = self._apply(attributes, ordered, today, check=True)
        self.journey = journey if not self.problems else None

    def _apply(self, attributes, ordered, today, *, check: bool) -> Child | None:
        self.shared, self.added, self.already = [], 0, 0
        try:
            if self.store_was_empty:
                journey = self.app.start_child(self.la, self.child_ref, attributes=attributes, recorded_by=self.default_by)
            else:
                journey = self.app.load_or_start_child(self.la, self.child_ref, attributes=attributes, recorded_by=self.default_by)
            self.before = journey.breaches(today) if journey.entries else []
            journey.amend_attributes(attributes, today=today, recorded_by=self.default_by)
        except JourneyError as e:
            self.problem(None, e.rule, e.message)
            return None
        for occurred_on, _, row, milestone, details in ordered:
            if journey.has_recorded(milestone, occurred_on, details):
                self.already += 1
                continue
            try:
                by = row.cells.get("recorded_by", "").strip() or self.default_by
                event_id = journey.record(milestone, occurred_on, details, today=today, recorded_by=by, check=check)
            except JourneyRulesBroken as e:
                self.problem(row, e.rule, "; ".join(b.message for b in e.breaches))
                continue
            self.added += 1
            if copied_to_household(journey.entries[event_id]):
                self.shared.append(event_id)
        return journey


class _HouseholdRows:
    """One household's own rows, checked and applied to its stream in memory."""

    def __init__(self, app: JourneyTracker, household_ref: str, rows: list[_Row], default_by: str):
        self.app, self.ref, self.rows, self.default_by = app, household_ref, rows, default_by
        self.problems: list[Problem] = []
        self.household: Household | None = None
        self.added = self.already = 0
        self.store_was_empty = False  # as for children: then none is looked up

    def problem(self, row: _Row, rule: str, message: str) -> None:
        self.problems.append(Problem(row.number, "", "", rule, message, household=self.ref))

    def check_and_apply(self) -> None:
        self.problems, self.household, self.added, self.already = [], None, 0, 0
        parsed, interagency, today = [], False, clock.today()
        for row in self.rows:
            try:
                filled = [k for k, v in row.cells.items() if k not in _HOUSEHOLD_ROW_CELLS and v.strip()]
                if filled:
                    raise InvalidValue(
                        f"a household's row (no child_ref or local_authority) fills only {', '.join(HOUSEHOLD_COLUMNS)}, "
                        f"not {', '.join(filled)}"
                    )
                milestone = values.household_milestone(row.cells.get("milestone", ""))
                occurred_on = values.parse_date(row.cells.get("occurred_on", ""), "occurred_on")
                reason = row.cells.get("reason", "").strip()
                details = values.milestone_details(milestone, {"reason": reason} if reason else {}, household_stream=True)
                if row.cells.get("interagency", "").strip():
                    interagency = values.parse_yes_no(row.cells["interagency"], "interagency") or interagency
            except JourneyError as e:
                self.problem(row, e.rule, e.message)
                continue
            if occurred_on > today:
                self.problem(row, "date in the future", f"{milestone} on {occurred_on} is in the future")
                continue
            parsed.append((occurred_on, row.number, milestone, details, row.cells.get("recorded_by", "").strip()))
        if self.problems:
            return
        start = self.app.start_household if self.store_was_empty else self.app.load_or_start_household
        household = start(self.ref, recorded_by=self.default_by, interagency=interagency)
        for occurred_on, _, milestone, details, by in sorted(parsed, key=lambda p: (p[0], p[1])):
            if household.has_recorded(milestone, occurred_on, details):
                self.already += 1
                continue
            household.record(milestone, occurred_on, details, recorded_by=by or self.default_by)
            self.added += 1
        self.household = household


def _check_households(app: JourneyTracker, by_household: dict[str, list[_Row]], recorded_by: str, store_was_empty: bool,
                      report: ImportReport) -> list[_HouseholdRows]:
    households = [_HouseholdRows(app, ref, rows, recorded_by) for ref, rows in by_household.items()]
    for household in households:
        household.store_was_empty = store_was_empty
        household.check_and_apply()
        report.problems += household.problems
    report.households = len(households)
    return households


def _write_households(app: JourneyTracker, kept: list[_HouseholdRows], written: dict[str, None]) -> dict[str, Household]:
    """Save the households' own milestones, before any child's copy is made on their
    streams; returns them by reference, in step with the store. Households someone
    else wrote to meanwhile are read and applied again."""
    if not kept:
        return {}
    for attempt in range(5):
        try:
            written.update(streams_of(app.save(*[h.household for h in kept])))
            return {h.ref: h.household for h in kept}
        except IntegrityError:
            for household in kept:
                household.store_was_empty = False
                household.check_and_apply()
    raise ConcurrentChange("the import kept meeting concurrent changes to its households; nothing of it was written, run it again")


def _no_household_row(row: _Row) -> Problem:
    return Problem(
        row.number, "", "", "missing value",
        "a row names a child (child_ref and local_authority) or, with both empty, a household (household)",
    )


def import_milestones(
    app: JourneyTracker,
    rows: list[_Row],
    *,
    skip_invalid: bool = False,
    recorded_by: str,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check the whole file, then (if it passes, or skipping bad children and
    households) write it: the households' own milestones first, then the children's.

    `rows` come from `read_rows()` or `rows_from_dicts()`; a row with no `child_ref`
    and no `local_authority` is a milestone of the household its `household` names.
    `progress` is called with the number of children just checked or written."""
    report = ImportReport(rows=len(rows))
    by_child: dict[tuple[str, str], list[_Row]] = {}
    by_household: dict[str, list[_Row]] = {}
    for row in rows:
        if row.is_households:
            if row.household_ref:
                by_household.setdefault(row.household_ref, []).append(row)
            else:
                report.problems.append(_no_household_row(row))
            continue
        if not row.child_ref or not row.la:
            report.problems.append(Problem(
                row.number, row.child_ref, row.la, "missing value",
                "child_ref and local_authority are required (both empty for a household's own milestone)",
            ))
            continue
        try:
            key = (app.council(row.la).key, row.child_ref)
        except JourneyError as e:
            report.problems.append(Problem(row.number, row.child_ref, row.la, e.rule, e.message))
            continue
        by_child.setdefault(key, []).append(row)

    store_was_empty = not app.recorder.max_notification_id()
    households = _check_households(app, by_household, recorded_by, store_was_empty, report)
    children = [_ChildRows(app, rows[0].la, rows[0].child_ref, rows, recorded_by) for rows in by_child.values()]
    for child in children:
        child.store_was_empty = store_was_empty
    for child in children:
        child.check_and_apply()
        report.problems += child.problems
        if progress:
            progress(1)
    report.problems.sort(key=lambda p: (p.row or 0))
    report.children = len(children)
    if report.problems and not skip_invalid:
        return report
    kept = [c for c in children if not c.problems]
    kept_households = [h for h in households if not h.problems]
    skipped = [(c.child_ref, c.la) for c in children if c.problems]
    # rows refused before they could be grouped (no child_ref, unknown council)
    grouped = {(c.child_ref, c.la) for c in children}
    skipped += [(p.child_ref or "(no child_ref)", p.local_authority) for p in report.problems
                if not p.household and (p.child_ref, p.local_authority) not in grouped]
    report.skipped_children = list(dict.fromkeys(skipped))
    report.skipped_households = [h.ref for h in households if h.problems]
    written_households = _write_households(app, kept_households, report.streams_written)
    _write(app, kept, recorded_by, progress, store_was_empty, report.streams_written, written_households)
    report.written = True
    report.children_imported, report.households_imported = len(kept), len(kept_households)
    report.milestones_added = sum(c.added for c in kept) + sum(h.added for h in kept_households)
    report.rows_already_recorded = sum(c.already for c in kept) + sum(h.already for h in kept_households)
    return report


def import_household_rows(app: JourneyTracker, rows: list[_Row], *, recorded_by: str) -> ImportReport:
    """Rows that are all households' own milestones (the sample agency's: columns
    `household`, `milestone`, `occurred_on`, optional `reason`, `interagency`,
    `recorded_by`; its `linked` rows also name the child, which is not kept),
    checked whole first, then written."""
    report = ImportReport(rows=len(rows))
    by_household: dict[str, list[_Row]] = {}
    for row in rows:
        if row.household_ref:
            by_household.setdefault(row.household_ref, []).append(row)
        else:
            report.problems.append(_no_household_row(row))
    households = _check_households(app, by_household, recorded_by, not app.recorder.max_notification_id(), report)
    if report.problems:
        return report
    _write_households(app, households, report.streams_written)
    report.milestones_added = sum(h.added for h in households)
    report.rows_already_recorded = sum(h.already for h in households)
    report.written = True
    return report


def children_named(rows: list[_Row]) -> int:
    """How many children the rows name (a household's rows name none)."""
    return len({(r.la.casefold(), r.child_ref) for r in rows if not r.is_households})


def _write(app: JourneyTracker, kept: list[_ChildRows], recorded_by: str, progress, store_was_empty: bool, written: dict[str, None],
           households: dict[str, Household]) -> None:
    """Save the checked journeys in batches, copying shared milestones to households
    (`households`: those already saved, in step with the store). A batch someone
    else wrote to meanwhile is checked and applied again."""
    households = dict(households)  # in step with the store after each batch
    for start in range(0, len(kept), BATCH_CHILDREN):
        batch = kept[start : start + BATCH_CHILDREN]
        for attempt in range(5):
            try:
                written.update(_save_batch(app, batch, recorded_by, households, store_was_empty))
                break
            except IntegrityError:
                households.clear()
                store_was_empty = False
                for child in batch:
                    child.problems, child.shared, child.added, child.already = [], [], 0, 0
                    child.store_was_empty = False
                    child.check_and_apply()
        else:
            raise ConcurrentChange("the import kept meeting concurrent changes; part of it was written, run it again to finish")
        if progress:
            progress(len(batch))


def _save_batch(app: JourneyTracker, batch: list[_ChildRows], recorded_by: str, households: dict[str, Household], store_was_empty: bool) -> dict[str, None]:
    """Save one batch of checked children and the households they name; returns the streams written."""
    touched: dict[str, Household] = {}
    for child in batch:
        journey = child.journey
        for event_id in child.shared:
            entry = journey.entries[event_id]
            ref = copied_to_household(entry)
            if ref not in households:
                start = app.start_household if store_was_empty else app.load_or_start_household
                households[ref] = start(ref, recorded_by=recorded_by, interagency=bool(entry.details.get("interagency")))
            app.copy_to_household(journey, event_id, households[ref], recorded_by=recorded_by)
            touched[ref] = households[ref]
    return streams_of(app.save(*[c.journey for c in batch], *touched.values()))


def streams_of(recordings: list) -> dict[str, None]:
    """The streams a save wrote, in order."""
    return dict.fromkeys(str(r.domain_event.originator_id) for r in recordings)


def export_rows(app: JourneyTracker) -> Iterable[dict[str, str]]:
    """Current milestones of every child, then of every household (its own: the
    children's copied to it are on the children's rows), corrected dates, withdrawn
    ones left out. A household's rows carry `interagency` yes when it was approved by
    another agency."""
    streams = list(app.all_streams())
    journeys = sorted((j for j in streams if isinstance(j, Child)), key=lambda j: (j.local_authority, j.child_ref))
    for journey in journeys:
        attributes = {k: _cell(journey.attributes.get(k)) for k in CHILD_ATTRIBUTES}
        for m in sorted(journey.milestones(), key=lambda m: m.sort_key):
            row = {"child_ref": journey.child_ref, "local_authority": journey.local_authority, "milestone": m.name, "occurred_on": m.occurred_on.isoformat()}
            row.update(attributes)
            row.update({k: _cell(m.details.get(k)) for k in DETAIL_COLUMNS})
            row["recorded_by"] = journey.entries[m.event_id].recorded_by
            yield row
    for household in sorted((h for h in streams if isinstance(h, Household)), key=lambda h: h.household_ref):
        for m in sorted(household.milestones(), key=lambda m: m.sort_key):
            entry = household.entries[m.event_id]
            if is_copy(entry):
                continue
            yield {
                "household": household.household_ref,
                "milestone": m.name,
                "occurred_on": m.occurred_on.isoformat(),
                "reason": _cell(m.details.get("reason")),
                "interagency": "yes" if household.interagency else "",
                "recorded_by": entry.recorded_by,
            }


def write_csv(rows: Iterable[dict[str, str]], path: Path) -> int:
    """Write the rows as a milestones file readable by its owner only; returns how many.
    A file that cannot be written (its folder missing, no permission) is refused
    (`ExportRefused`), naming it."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except FileNotFoundError:
        raise ExportRefused(f"cannot write {path}: there is no folder {path.parent}", field="file") from None
    except IsADirectoryError:
        raise ExportRefused(f"cannot write {path}: it is a folder", field="file") from None
    except OSError as e:
        raise ExportRefused(f"cannot write {path}: {e.strerror or e}", field="file") from None
    with open(handle, "w", newline="", encoding="utf-8") as f:
        os.chmod(path, 0o600)  # also when the file was there before
        return write_csv_to(rows, f)


def write_csv_to(rows: Iterable[dict[str, str]], out: TextIO) -> int:
    """Write the rows as a milestones file to the text stream `out`; returns how many.
    A cell a spreadsheet would run as a formula is written with a `'` in front."""
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: _quoted(v) if isinstance(v, str) else v for k, v in row.items()})
        count += 1
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
