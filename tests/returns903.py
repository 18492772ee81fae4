"""Writing SSDA903 tables for tests: from known journeys, the way a case system would.

`tables_of(journeys)` turns each journey (its attributes and its milestones) into
the rows a council's case system would put in its return: episodes rebuilt from the
milestones that change where or under what the child lives, PlacedAdoption from
the decisions and their reversals, AD1 from the match and the adopters.
`write_return(folder, tables)` writes them as CSV files, named as given;
`return_of_year` cuts them to one collection year's return, and `history_of` puts
several years' returns one after another, as a council's history of returns holds
them. The test helper is written apart from the tracker's own export
(`journey.domain.ssda903_episodes`), so that each checks the other.

A `Journey` is `(milestone, ISO date[, details])` steps, a date of birth, sex and
ethnicity, and the adopters' codes.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
from collections.abc import Iterable
from pathlib import Path

from journey.importers.ssda903_tables import TABLE_COLUMNS

FILE_NAMES = {"Header": "header.csv", "Episodes": "episodes.csv", "AD1": "ad1.csv", "PlacedAdoption": "placed_adoption.csv"}


@dataclasses.dataclass
class Journey:
    child: str
    steps: list[tuple]
    dob: str = "2017-01-15"
    sex: str = "1"
    ethnic: str = "WBRI"
    adopters: tuple[str, str, str] = ("2", "MF", "L11")


def date903(iso: str | datetime.date | None) -> str:
    if not iso:
        return ""
    day = iso if isinstance(iso, datetime.date) else datetime.date.fromisoformat(iso)
    return day.strftime("%d/%m/%Y")


def _empty(table: str, **cells) -> dict:
    return {**{c: "" for c in TABLE_COLUMNS[table]}, **cells}


def tables_of(journeys: Iterable[Journey]) -> dict[str, list[dict]]:
    """The Header, Episodes, AD1 and PlacedAdoption rows of these journeys."""
    tables: dict[str, list[dict]] = {t: [] for t in FILE_NAMES}
    for journey in journeys:
        tables["Header"].append(_empty("Header", CHILD=journey.child, SEX=journey.sex, DOB=date903(journey.dob), ETHNIC=journey.ethnic))
        steps = sorted(journey.steps, key=lambda s: s[1])
        tables["Episodes"] += _episodes(journey.child, steps)
        tables["PlacedAdoption"] += _decisions(journey, steps)
        tables["AD1"] += _ad1(journey, steps)
    return tables


def _episodes(child: str, steps) -> list[dict]:
    rows: list[dict] = []
    open_row: dict | None = None
    ls, place = "C2", "U6"

    def begin(on, rne):
        nonlocal open_row
        if open_row is not None:
            open_row.update(DEC=date903(on), REC="X1")
        open_row = _empty("Episodes", CHILD=child, DECOM=date903(on), RNE=rne, LS=ls, CIN="N1", PLACE=place)
        rows.append(open_row)

    def end(on, rec):
        nonlocal open_row
        open_row.update(DEC=date903(on), REC=rec)
        open_row = None

    for name, on, *rest in steps:
        details = rest[0] if rest else {}
        if name == "entered_care":
            ls, place = details.get("legal_status", "C2"), "U6"
            begin(on, "S")
        elif name == "placement_order":
            ls = "D1" if details.get("authority") == "freeing_order" else "E1" if details.get("authority", "placement_order") == "placement_order" else ls
            begin(on, "L")
        elif name == "early_permanence_placement":
            place = "U5"
            begin(on, "P")
        elif name == "placed":
            with_carer = bool(details.get("foster_carer_adoption"))
            place = ("A5" if with_carer else "A6") if ls in ("E1", "D1") else ("A3" if with_carer else "A4")
            begin(on, "T" if with_carer else "P")
        elif name == "disruption":
            place = "U6"
            begin(on, "P")
        elif name == "adoption_order":
            end(on, "E11")
        elif name == "left_care":
            end(on, details.get("reason", "E8"))
    return rows


def _decisions(journey: Journey, steps) -> list[dict]:
    rows = []
    for name, on, *rest in steps:
        if name == "adm_decision":
            rows.append(_empty("PlacedAdoption", CHILD=journey.child, DOB=date903(journey.dob), DATE_PLACED=date903(on)))
        elif name == "decision_reversed" and rows:
            rows[-1].update(DATE_PLACED_CEASED=date903(on), REASON_PLACED_CEASED=(rest[0] if rest else {}).get("reason", "RD1"))
    return rows


def _ad1(journey: Journey, steps) -> list[dict]:
    matched = [on for name, on, *_ in steps if name == "matched"]
    if not matched:
        return []
    decided = [on for name, on, *_ in steps if name == "adm_decision"]
    carer = any((rest[0] if rest else {}).get("foster_carer_adoption") for name, on, *rest in steps if name == "placed")
    number, sex, legal_status = journey.adopters
    return [_empty("AD1", CHILD=journey.child, DOB=date903(journey.dob), DATE_INT=date903(decided[-1] if decided else None),
                   DATE_MATCH=date903(matched[-1]), FOSTER_CARE="1" if carer else "0",
                   NB_ADOPTR=number, SEX_ADOPTR=sex, LS_ADOPTR=legal_status)]


def write_return(folder: Path, tables: dict[str, list[dict]], *, names: dict[str, str] | None = None) -> Path:
    """Write the tables as CSV files in `folder` (made if missing); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        with open(folder / (names or FILE_NAMES)[table], "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(TABLE_COLUMNS[table]))
            writer.writeheader()
            writer.writerows(rows)
    return folder


def journey_rows(journeys: Iterable[Journey], la: str) -> list[dict]:
    """The same journeys as rows of a milestones file (to import them directly)."""
    rows = []
    for journey in journeys:
        for name, on, *rest in sorted(journey.steps, key=lambda s: s[1]):
            details = {k: ("yes" if v is True else v) for k, v in (rest[0] if rest else {}).items()}
            rows.append({"child_ref": journey.child, "local_authority": la, "milestone": name, "occurred_on": on,
                         "date_of_birth": journey.dob, "sex": journey.sex, "ethnicity": journey.ethnic, **details})
    return rows


def _day(text: str) -> datetime.date | None:
    return datetime.datetime.strptime(text, "%d/%m/%Y").date() if text else None


def return_of_year(tables: dict[str, list[dict]], year: str) -> dict[str, list[dict]]:
    """What one collection year's return (`2018-19`) holds of these tables, as a case
    system cuts it: the episodes open at some time in the year (one that ends after
    it with no DEC or REC yet), the decisions in force in it, AD1 for the children
    adopted in it, and the Header rows of every child the year's episodes name."""
    first = int(year[:4])
    starts, ends = datetime.date(first, 4, 1), datetime.date(first + 1, 3, 31)
    episodes = []
    for e in tables["Episodes"]:
        decom, dec = _day(e["DECOM"]), _day(e["DEC"])
        if decom <= ends and (dec is None or dec >= starts):
            episodes.append(dict(e, DEC="", REC="") if dec and dec > ends else dict(e))
    children = {e["CHILD"] for e in episodes}
    adopted = {e["CHILD"] for e in episodes if e["REC"] in ("E11", "E12")}
    decisions = []
    for p in tables["PlacedAdoption"]:
        placed, ceased = _day(p["DATE_PLACED"]), _day(p["DATE_PLACED_CEASED"])
        if placed <= ends and (ceased is None or ceased >= starts):
            decisions.append(dict(p, DATE_PLACED_CEASED="", REASON_PLACED_CEASED="") if ceased and ceased > ends else dict(p))
    return {
        "Header": [h for h in tables["Header"] if h["CHILD"] in children],
        "Episodes": episodes,
        "AD1": [a for a in tables["AD1"] if a["CHILD"] in adopted],
        "PlacedAdoption": [p for p in decisions if p["CHILD"] in children],
    }


def history_of(tables: dict[str, list[dict]], years: Iterable[str]) -> dict[str, list[dict]]:
    """The returns of these years, one after another in each table (rows of one
    year repeated in the next, as a council's history of returns holds them)."""
    history: dict[str, list[dict]] = {t: [] for t in FILE_NAMES}
    for year in years:
        for table, rows in return_of_year(tables, year).items():
            history[table] += rows
    return history
