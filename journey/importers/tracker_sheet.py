"""Loading a council's spreadsheet tracker: one row a child, a column a milestone date.

The sheet (CSV, or a worksheet of an .xlsx file) is read by its mapping
(`journey.importers.sheet_mapping`); each row is a child whose dated cells are its
milestones (dates as teams type them: `journey.domain.sheet_dates`), with the
details and attributes the mapping names. Every child is then loaded as the 903
return's are (`journey.importers.paired_load`): checked whole first, paired with
what the tracker holds, a changed date corrected with a reason naming the file,
sheet, row and column, a correction made in the tracker kept and reported.

A cell that cannot be read (not a date, a code the tracker does not know, a detail
whose milestone has no date) refuses its child, naming the sheet, row, column and
value; so does a child on two rows, or a row with no child's reference.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from journey.domain import values
from journey.domain.errors import JourneyError
from journey.domain.milestones import DATE_DETAILS, Milestone
from journey.domain.sheet_dates import NotADate, is_no_date, sheet_date
from journey.domain.ssda903_milestones import ChildInReturn, Derived, Period
from journey.importers import paired_load
from journey.importers.paired_load import LoadReport, Note
from journey.importers.sheet_mapping import Mapping, SheetRefused, key
from journey.store.application import JourneyTracker
from journey.store.child import Child

SHEET_WORDS = paired_load.LOADED_REASONS[1]


@dataclasses.dataclass(frozen=True)
class SheetRow:
    number: int  # as the spreadsheet numbers it (the first row is 1)
    cells: dict[str, Any]  # key(column) -> the cell as read


@dataclasses.dataclass
class Sheet:
    file: str  # the file's name
    name: str  # the worksheet's, or the file's for CSV
    place: str  # how messages name it: "tracker.xlsx sheet Tracker"
    columns: dict[str, str]  # key(column) -> the header as the sheet writes it
    rows: list[SheetRow]


def read_sheet(path: Path, mapping: Mapping) -> Sheet:
    """The sheet's rows below its header; refused (`SheetRefused`) when it cannot be
    read, or its header does not match the mapping."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        name, rows = _xlsx_rows(path, mapping.sheet)
        place = f"{path.name} sheet {name}"
    else:
        name, rows = path.name, _csv_rows(path)
        place = path.name
    rows = list(rows)
    if len(rows) < mapping.header_row:
        raise SheetRefused(f"{place}: has no row {mapping.header_row}, the header row the mapping names", field="file")
    header = rows[mapping.header_row - 1]
    columns: dict[str, str] = {}
    positions: dict[int, str] = {}
    for index, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        if key(cell) in columns:
            raise SheetRefused(f"{place} row {mapping.header_row}: the column {str(cell).strip()!r} is named twice", field="file")
        columns[key(cell)] = str(cell).strip()
        positions[index] = key(cell)
    named = mapping.columns()
    ignored = {key(c) for c in mapping.ignore}
    unmapped = [columns[k] for k in columns if k not in named and k not in ignored]
    if unmapped:
        raise SheetRefused(f"{place} row {mapping.header_row}: the mapping neither maps nor ignores the column"
                           f"{'s' if len(unmapped) > 1 else ''} {', '.join(map(repr, unmapped))}", field="mapping")
    missing = [named[k] for k in named if k not in columns]
    if missing:
        raise SheetRefused(f"{place} row {mapping.header_row}: the mapping's column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(map(repr, missing))} {'are' if len(missing) > 1 else 'is'} not in the header",
                           field="mapping")
    found = []
    for number, row in enumerate(rows[mapping.header_row:], start=mapping.header_row + 1):
        cells = {positions[i]: cell for i, cell in enumerate(row) if i in positions and positions[i] not in ignored}
        if all(_blank(cell) for cell in cells.values()):
            continue
        found.append(SheetRow(number, cells))
    return Sheet(path.name, name, place, columns, found)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _xlsx_rows(path: Path, sheet: str | None):
    import openpyxl  # only when an .xlsx is read

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise SheetRefused(f"{path.name}: is not a readable .xlsx workbook ({error})", field="file") from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise SheetRefused(f"{path.name}: has no sheet {sheet!r} (it has {', '.join(map(repr, names))})", field="mapping")
        chosen = sheet or names[0]
        return chosen, [list(row) for row in book[chosen].iter_rows(values_only=True)]
    finally:
        book.close()


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetRefused(f"{path.name}: is not UTF-8 text (save the sheet as CSV UTF-8)", field="file") from None
    return list(csv.reader(io.StringIO(text, newline="")))


def _text(cell: Any) -> str:
    if isinstance(cell, float) and cell == int(cell):
        return str(int(cell))
    if isinstance(cell, (datetime.datetime, datetime.date)):
        return cell.strftime("%d/%m/%Y")
    return str(cell).strip()


class _SheetChild(paired_load.ChildLoad):
    """One child of the sheet (its row): read, paired, applied to its journey in memory."""

    source_words = "the sheet"

    def __init__(self, app: JourneyTracker, council: str, child_ref: str, row: SheetRow, sheet: Sheet, mapping: Mapping,
                 recorded_by: str, store_was_empty: bool):
        super().__init__(app, council, child_ref, recorded_by, store_was_empty)
        self.row, self.sheet, self.mapping = row, sheet, mapping
        self.early: list[Note] = []  # problems found before the child is read (a second row)

    def cell_problem(self, column: str, rule: str, message: str, row: int | None = None) -> None:
        self.problems.append(Note("problem", self.sheet.place, row or self.row.number, self.child_ref, rule, message,
                                  self.sheet.columns.get(key(column), column)))

    def reason(self, m: Derived) -> str:
        return f"{SHEET_WORDS} {m.file} row {m.row} column {m.column!r}"

    def _read(self, journey: Child | None) -> ChildInReturn:
        self.problems = list(self.early)
        mapping, cells = self.mapping, self.row.cells
        read = ChildInReturn(self.child_ref)
        for column, attribute in mapping.attributes.items():
            cell = cells.get(key(column))
            if is_no_date(cell) or _blank(cell):
                continue
            try:
                if attribute == "date_of_birth":
                    value: Any = sheet_date(cell)
                else:
                    value = _text(mapping.value(column, _text(cell)))
                read.attributes.update(values.child_attributes({attribute: value}))
            except JourneyError as e:
                self.cell_problem(column, e.rule, f"{_text(cell)!r}: {e.message}")
        dated: list[tuple[str, datetime.date, str]] = []  # milestone, date, column
        unreadable: set[str] = set()  # milestones whose date cell is not a date (their details are not checked)
        for column, milestone in mapping.milestones.items():
            cell = cells.get(key(column))
            try:
                day = sheet_date(cell)
            except NotADate as e:
                self.cell_problem(column, e.rule, f"{milestone}: {e.message}")
                unreadable.add(milestone)
                continue
            if day is not None:
                dated.append((milestone, day, column))
        details: dict[str, dict[str, Any]] = {milestone: {} for milestone, _, _ in dated}
        detail_columns: dict[tuple[str, str], str] = {}
        for column, pairs in mapping.details.items():
            cell = cells.get(key(column))
            if is_no_date(cell) or _blank(cell):
                continue
            given = [(milestone, detail) for milestone, detail in pairs if milestone in details]
            if not given and not any(milestone in unreadable for milestone, _ in pairs):
                self.cell_problem(column, "detail without its date",
                                  f"{_text(cell)!r} is given, but no date of {' or '.join(sorted({m for m, _ in pairs}))}")
                continue
            for milestone, detail in given:
                try:
                    value = sheet_date(cell) if detail in DATE_DETAILS else mapping.value(column, _text(cell))
                    values.milestone_details(milestone, {detail: value})
                except JourneyError as e:
                    self.cell_problem(column, e.rule, f"{_text(cell)!r}: {e.message}")
                    continue
                details[milestone][detail] = value
                detail_columns[(milestone, detail)] = column
        entered = min((day for milestone, day, _ in dated if milestone == "entered_care"), default=None)
        if entered is not None:
            ends = min((day for milestone, day, _ in dated if milestone in ("left_care", "adoption_order") and day >= entered),
                       default=None)
            read.periods = [Period(0, entered, entered, ends)]
        for milestone, day, column in sorted(dated, key=lambda d: d[1]):
            try:
                typed = values.milestone_details(milestone, details[milestone])
            except JourneyError as e:
                self.cell_problem(column, e.rule, e.message)
                continue
            period = 0 if entered is not None and day >= entered else -1
            read.milestones.append(Derived(milestone, day, typed, period, self.sheet.place, self.row.number, column))
        return read

    def after_pairing(self, journey: Child, held: list[Milestone], paired: list) -> None:
        """A sheet holds a milestone's latest date: what it no longer holds is kept as it is."""


def import_sheet(
    app: JourneyTracker,
    sheet: Sheet,
    mapping: Mapping,
    *,
    la: str | None = None,
    skip_invalid: bool = False,
    recorded_by: str,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Check every child of the sheet, then (if all pass, or skipping the others)
    write them. `la` (else the mapping's council) is the council of every row, unless
    the mapping names the column that holds each row's."""
    fixed = app.council(la or mapping.council).name if (la or not mapping.council_column) else None
    by = f"{recorded_by} ({SHEET_WORDS} {sheet.file})"
    store_was_empty = not app.recorder.max_notification_id()
    report = LoadReport(fixed or "", None)
    loads: dict[tuple[str, str], _SheetChild] = {}
    councils: dict[str, None] = {}
    for row in sheet.rows:
        child_ref = _text(row.cells.get(key(mapping.child_ref)) or "")
        def refuse(column: str, rule: str, message: str) -> None:
            report.notes.append(Note("problem", sheet.place, row.number, child_ref, rule, message,
                                     sheet.columns.get(key(column), column)))
        if not child_ref:
            refuse(mapping.child_ref, "missing value", "the row has no child's reference")
            continue
        council = fixed
        if council is None:
            named = _text(row.cells.get(key(mapping.council_column)) or "")
            try:
                council = app.council(named).name if named else None
            except JourneyError as e:
                refuse(mapping.council_column, e.rule, f"{named!r}: {e.message}")
                continue
            if council is None:
                refuse(mapping.council_column, "missing value", "the row names no council")
                continue
        councils[council] = None
        if (council, child_ref) in loads:
            first = loads[(council, child_ref)]
            first.early.append(Note("problem", sheet.place, row.number, child_ref, "child on two rows",
                                    f"the child is on row {first.row.number} too: keep one row a child", mapping.child_ref))
            continue
        loads[(council, child_ref)] = _SheetChild(app, council, child_ref, row, sheet, mapping, by, store_was_empty)
    report.council = fixed or ", ".join(councils)
    return paired_load.load_children(app, list(loads.values()), report, skip_invalid=skip_invalid, by=by,
                                     words=f"{SHEET_WORDS} {sheet.file}", store_was_empty=store_was_empty, progress=progress)
