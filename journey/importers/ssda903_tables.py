"""The SSDA903 return's CSV tables, as a folder holds them (domain.md section 6).

Each table is recognised by its header's columns, whatever the file is called
(`episodes.csv`, `SSDA903_2018_episodes.csv`, ...): a file is the table whose
columns its header holds (names match without regard to case and surrounding
spaces). Missing, OC2 and OC3 are recognised and read for nothing. A CSV file that
is no table of the return, two files of one table, a file that is not UTF-8, a
header naming a column twice or a row longer or shorter than its header are
refused, naming the file (and the row: the header is row 1), before anything is
written. Header and Episodes are needed; AD1 and PlacedAdoption may be absent (a
return with no child placed for adoption).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
from pathlib import Path

from journey.domain.errors import JourneyError

# The columns each table has in the return. Those the import reads must all be in a
# file's header for it to be that table.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "Episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"),
    "AD1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
    "PlacedAdoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
}
# What recognises a table: the columns the import reads (or, for the tables it
# reads for nothing, those that tell it apart).
RECOGNISED_BY: dict[str, frozenset[str]] = {
    "Header": frozenset({"CHILD", "SEX", "DOB", "ETHNIC"}),
    "Episodes": frozenset({"CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"}),
    "AD1": frozenset({"CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"}),
    "PlacedAdoption": frozenset({"CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"}),
    "Missing": frozenset({"CHILD", "MISSING", "MIS_START"}),
    "OC2": frozenset({"CHILD", "CONVICTED", "HEALTH_CHECK"}),
    "OC3": frozenset({"CHILD", "IN_TOUCH", "ACTIV", "ACCOM"}),
}
NEEDED = ("Header", "Episodes")
READ_FOR_NOTHING = ("Missing", "OC2", "OC3")


class TablesRefused(JourneyError):
    """The folder cannot be read as a 903 return."""

    rule = "not a 903 return"


@dataclasses.dataclass(frozen=True)
class TableRow:
    """One row of a table: its file, its number (the header is row 1), its cells by column."""

    file: str
    number: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    @property
    def child(self) -> str:
        return self["CHILD"]


@dataclasses.dataclass
class Tables:
    """The return's tables by name (absent ones empty), and the file each came from."""

    folder: Path
    rows: dict[str, list[TableRow]]
    files: dict[str, str]

    def of(self, table: str) -> list[TableRow]:
        return self.rows.get(table, [])


def recognise(header: list[str]) -> str | None:
    """The table whose columns `header` holds, or None."""
    names = {h.strip().upper() for h in header}
    found = [table for table, needed in RECOGNISED_BY.items() if needed <= names]
    return found[0] if len(found) == 1 else None


def read_tables(folder: Path) -> Tables:
    """Every table in `folder` (its `*.csv` files), recognised by its header, checked
    as a file; refused (`TablesRefused`) naming the file and row."""
    folder = Path(folder)
    if not folder.is_dir():
        raise TablesRefused(f"{folder}: is not a folder (a 903 return is a folder of its CSV tables)", field="path")
    paths = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    rows: dict[str, list[TableRow]] = {}
    files: dict[str, str] = {}
    problems = []
    for path in paths:
        try:
            header, records = _read_csv(path)
        except TablesRefused as error:
            problems.append(error.message)
            continue
        table = recognise(header)
        if table is None:
            problems.append(f"{path.name}: row 1: its columns are those of no table of the 903 return "
                            f"(Header, Episodes, AD1, PlacedAdoption, Missing, OC2, OC3)")
            continue
        if table in files:
            problems.append(f"{path.name}: is the {table} table, as {files[table]} is: give each table once")
            continue
        files[table] = path.name
        names = [h.strip().upper() for h in header]
        rows[table] = [TableRow(path.name, number, dict(zip(names, cells))) for number, cells in records]
    missing = [t for t in NEEDED if t not in files] if not problems else []
    if missing:
        problems.append(f"{folder}: no {' and no '.join(missing)} table among its CSV files "
                        f"({', '.join(p.name for p in paths) or 'none'})")
    if problems:
        raise TablesRefused("; ".join(problems), field="path")
    for table in READ_FOR_NOTHING:
        rows.pop(table, None)
    return Tables(folder, rows, files)


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise TablesRefused(f"{path.name}: row {line}: not UTF-8 text (byte 0x{data[e.start]:02X})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 1
    try:
        header = next(reader, [])
        names = [h.strip().upper() for h in header]
        twice = sorted({n for n in names if n and names.count(n) > 1})
        if twice or "" in names:
            what = f"names {', '.join(twice)} more than once" if twice else "has a column with no name"
            raise TablesRefused(f"{path.name}: row 1: the header {what}")
        records, wrong = [], []
        for number, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if len(cells) != len(header):
                wrong.append(f"row {number}: {len(cells)} cells, but the header names {len(header)} columns")
                continue
            records.append((number, cells))
    except csv.Error as e:
        raise TablesRefused(f"{path.name}: row {number}: cannot be read as CSV: {e}") from None
    if wrong:
        raise TablesRefused(f"{path.name}: " + "; ".join(wrong[:10]) + (f"; and {len(wrong) - 10} more" if len(wrong) > 10 else ""))
    return header, records
