"""Writing a council's SSDA903 adoption tables for a collection year (domain.md section 6).

The Header, Episodes, AD1 and PlacedAdoption tables of the year's children, the
episodes rebuilt from the milestones (`journey.domain.ssda903_episodes`), each
child checked against the DfE's adoption rules first
(`journey.domain.ssda903_rules`): if any child fails, nothing is written and every
failing child is listed with the rule and what to record.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from pathlib import Path

from journey.domain.errors import JourneyError
from journey.domain.ssda903_codes import CollectionYear, code_lists
from journey.domain.ssda903_episodes import rec_of, year_rows
from journey.domain.ssda903_rules import adoption_rule_failures
from journey.importers.ssda903_tables import TABLE_COLUMNS
from journey.store.application import JourneyTracker
from journey.store.child import Child
from journey.store.household import Household

FILE_NAMES = {"Header": "header.csv", "Episodes": "episodes.csv", "AD1": "ad1.csv", "PlacedAdoption": "placed_adoption.csv"}


class ExportRefused(JourneyError):
    """The tables cannot be written where asked."""

    rule = "cannot write the tables"


@dataclasses.dataclass
class ReturnExport:
    council: str
    year: str
    folder: str
    tables: dict[str, list[dict]] = dataclasses.field(default_factory=lambda: {t: [] for t in FILE_NAMES})
    failures: list[dict] = dataclasses.field(default_factory=list)
    notes: list[dict] = dataclasses.field(default_factory=list)
    children: int = 0
    written: bool = False


def export_return(app: JourneyTracker, out_dir: Path, *, la: str, year: CollectionYear) -> ReturnExport:
    """Check every child of the council in the year's return, then (if none fails)
    write the four tables into `out_dir` (made with its parents when missing)."""
    council = app.council(la)
    out_dir = Path(out_dir)
    _check_folder(out_dir)
    export = ReturnExport(council.name, str(year), str(out_dir))
    streams = list(app.all_streams())
    adopters = {s.household_ref: dict(getattr(s, "adopters", {})) for s in streams if isinstance(s, Household)}
    codes = code_lists()

    def rec(reason):
        return rec_of(reason, lambda text: codes.valid("REC", text, year))

    children = sorted((s for s in streams if isinstance(s, Child) and s.local_authority == council.name), key=lambda c: c.child_ref)
    for child in children:
        rows = year_rows(child.child_ref, child.attributes, child.milestones(), year,
                         adopters=lambda ref: adopters.get(ref, {}), rec=rec)
        if rows.header is None:
            continue
        export.children += 1
        household = child.placed_with() or next((m.household for m in child.milestones() if m.name == "adoption_order" and m.household), None)
        for failure in adoption_rule_failures(rows, year, household=household):
            export.failures.append({"child_ref": child.child_ref, "local_authority": council.name, **dataclasses.asdict(failure)})
        for note in rows.notes:
            export.notes.append({"child_ref": child.child_ref, "local_authority": council.name, "note": note})
        export.tables["Header"].append(rows.header)
        export.tables["Episodes"] += rows.episodes
        export.tables["PlacedAdoption"] += rows.placed_adoption
        if rows.ad1 is not None:
            export.tables["AD1"].append(rows.ad1)
    if export.failures:
        return export
    _write(out_dir, export.tables)
    export.written = True
    return export


def _check_folder(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportRefused(f"cannot write the tables into {out_dir}: it is a file", field="path")
    if out_dir.exists():
        others = sorted(p.name for p in out_dir.iterdir() if p.name not in FILE_NAMES.values())
        if others:
            raise ExportRefused(f"{out_dir} holds other files ({', '.join(others[:5])}): give an empty or new folder, "
                                "which will hold only the tables", field="path")


def _write(out_dir: Path, tables: dict[str, list[dict]]) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportRefused(f"cannot make the folder {out_dir}: {e.strerror or e}", field="path") from None
    for table, rows in tables.items():
        path = out_dir / FILE_NAMES[table]
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(handle, "w", newline="", encoding="utf-8") as f:
            os.chmod(path, 0o600)
            writer = csv.DictWriter(f, fieldnames=list(TABLE_COLUMNS[table]))
            writer.writeheader()
            writer.writerows(rows)


def plain(export: ReturnExport) -> dict:
    return {
        "local_authority": export.council,
        "year": export.year,
        "path": export.folder,
        "children": export.children,
        "rows": {table: len(rows) for table, rows in export.tables.items()},
        "failures": export.failures,
        "notes": export.notes,
        "written": export.written,
    }
