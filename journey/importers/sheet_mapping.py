"""The mapping of a council's spreadsheet tracker: which column holds what.

A TOML file (see examples/tracker-mapping.toml):

    sheet = "Tracker"             # the worksheet of an .xlsx file (default: the first)
    header_row = 1                # the row of the column names (rows count from 1)
    council = "Herefordshire"     # the council whose sheet it is; or
    council_column = "LA"         # the column that names each row's council
    child_ref = "Child ID"        # the column of the child's reference
    ignore = ["Social worker"]    # columns read for nothing

    [milestones]                  # column = the milestone whose date it holds
    "Date of ADM" = "adm_decision"

    [details]                     # column = "milestone.detail" (or a list of them)
    "Reason left care" = "left_care.reason"
    "Adopters" = ["matched.household", "placed.household"]

    [attributes]                  # column = the child's attribute
    "DOB" = "date_of_birth"

    [values."Reason left care"]   # a column's cells = the tracker's codes
    "Returned home" = "returned_home"

Column names match without regard to case and surrounding spaces. Every column of
the header must be mapped or ignored, and every mapped column must be in the
header: otherwise the sheet is refused before anything is read.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from journey.domain.errors import JourneyError
from journey.domain.milestones import CHILD_ATTRIBUTES, CHILD_MILESTONE_DETAILS, CHILD_MILESTONES


class SheetRefused(JourneyError):
    """A spreadsheet (or its mapping) that cannot be read as a tracker; nothing was written."""

    rule = "sheet refused"


def key(column: str) -> str:
    """A column's name as matched: without regard to case and surrounding spaces."""
    return " ".join(str(column).split()).casefold()


@dataclasses.dataclass(frozen=True)
class Mapping:
    file: str
    child_ref: str
    sheet: str | None = None
    header_row: int = 1
    council: str | None = None
    council_column: str | None = None
    milestones: dict[str, str] = dataclasses.field(default_factory=dict)  # column -> milestone
    details: dict[str, tuple[tuple[str, str], ...]] = dataclasses.field(default_factory=dict)  # column -> (milestone, detail)s
    attributes: dict[str, str] = dataclasses.field(default_factory=dict)  # column -> attribute
    ignore: tuple[str, ...] = ()
    values: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)  # key(column) -> key(cell) -> code

    def columns(self) -> dict[str, str]:
        """Every column the mapping names (key -> the name as the mapping writes it)."""
        named = [self.child_ref, *([self.council_column] if self.council_column else []), *self.milestones,
                 *self.details, *self.attributes]
        return {key(c): c for c in named}

    def value(self, column: str, cell: Any) -> Any:
        """The cell as the tracker's code, when the column's value map names it."""
        if isinstance(cell, str):
            return self.values.get(key(column), {}).get(key(cell), cell.strip())
        return cell


def read_mapping(path: Path) -> Mapping:
    """The mapping file, checked: refused (`SheetRefused`) naming the file and key."""
    name = path.name
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SheetRefused(f"{name}: is not a readable TOML mapping ({error})", field="mapping") from None

    def refuse(message: str):
        raise SheetRefused(f"{name}: {message}", field="mapping")

    known = {"sheet", "header_row", "council", "council_column", "child_ref", "ignore", "milestones", "details",
             "attributes", "values"}
    for unknown in sorted(set(raw) - known):
        refuse(f"{unknown!r} is not a key of a mapping (use {', '.join(sorted(known))})")
    if not isinstance(raw.get("child_ref"), str) or not raw["child_ref"].strip():
        refuse("child_ref must name the column of the child's reference")
    if bool(raw.get("council")) == bool(raw.get("council_column")):
        refuse("give either council (the council whose sheet it is) or council_column (the column naming it)")
    header_row = raw.get("header_row", 1)
    if not isinstance(header_row, int) or header_row < 1:
        refuse(f"header_row {header_row!r} must be a row number (1 is the first row)")
    milestones: dict[str, str] = {}
    for column, milestone in _table(raw, "milestones", refuse).items():
        if milestone not in CHILD_MILESTONES:
            refuse(f"[milestones] {column!r} = {milestone!r}: not a milestone (use one of {', '.join(CHILD_MILESTONES)})")
        milestones[column] = milestone
    details: dict[str, tuple[tuple[str, str], ...]] = {}
    for column, named in _table(raw, "details", refuse).items():
        pairs = []
        for one in [named] if isinstance(named, str) else named:
            milestone, _, detail = str(one).partition(".")
            if detail not in CHILD_MILESTONE_DETAILS.get(milestone, ()):
                refuse(f"[details] {column!r} = {one!r}: not a milestone's detail (write milestone.detail, "
                       "e.g. left_care.reason)")
            pairs.append((milestone, detail))
        details[column] = tuple(pairs)
    attributes: dict[str, str] = {}
    for column, attribute in _table(raw, "attributes", refuse).items():
        if attribute not in CHILD_ATTRIBUTES:
            refuse(f"[attributes] {column!r} = {attribute!r}: not a child's attribute (use one of {', '.join(CHILD_ATTRIBUTES)})")
        attributes[column] = attribute
    values = {key(column): {key(cell): str(code) for cell, code in table.items()}
              for column, table in _table(raw, "values", refuse).items() if isinstance(table, dict)}
    ignore = raw.get("ignore", [])
    if not isinstance(ignore, list):
        refuse("ignore must be a list of column names")
    mapping = Mapping(name, raw["child_ref"].strip(), raw.get("sheet"), header_row, raw.get("council"),
                      raw.get("council_column"), milestones, details, attributes, tuple(map(str, ignore)), values)
    named = [mapping.child_ref, *([mapping.council_column] if mapping.council_column else []), *milestones, *details, *attributes]
    seen: set[str] = set()
    for column in named:
        if key(column) in seen:
            refuse(f"the column {column!r} is mapped twice")
        seen.add(key(column))
    for column in mapping.values:
        if column not in seen:
            refuse(f"[values.{column!r}]: the column is not mapped")
    return mapping


def _table(raw: dict, name: str, refuse) -> dict[str, Any]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        refuse(f"[{name}] must be a table of column = value")
    return table
