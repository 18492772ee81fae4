"""Write examples/tracker-sheet.xlsx: a council's spreadsheet tracker made from the
sample agency, as teams keep them (read by examples/tracker-mapping.toml).

    .venv/bin/python examples/make_tracker_sheet.py [OUT.xlsx]

The same every time: the sample agency as of AS_OF, its Herefordshire children
whose journeys hold each milestone once (one row a child, a column a milestone),
with the dates written in the forms teams type (date cells, 03/01/2018, 3/1/18,
3 Jan 2018, 3.1.18, 2018-01-03, Excel serial numbers), milestones not reached left
blank or written N/A, TBC or -, and one bad row: a child (BAD_CHILD) whose ADM
date is "awaiting panel".
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import openpyxl

from journey.sample import agency

AS_OF = datetime.date(2025, 3, 31)
COUNCIL = "Herefordshire"
SHEET = "Adoption tracker"
BAD_CHILD = "HF-009999"
HERE = Path(__file__).resolve().parent

ATTRIBUTES = {"DOB": "date_of_birth", "Gender": "sex", "Ethnicity": "ethnicity", "Disability": "disability",
              "Sibling group": "sibling_group"}
MILESTONES = {
    "Unborn baby identified": "unborn_identified", "Date of birth (unborn)": "born", "PLO meeting": "pre_proceedings_started",
    "Proceedings issued": "care_proceedings_issued", "Date became LAC": "entered_care", "Permanence plan": "permanence_plan",
    "ADM decision": "adm_decision", "PO granted": "placement_order", "Family finding started": "family_finding_started",
    "EP placement": "early_permanence_placement", "Register referral": "register_referral",
    "Link identified": "link_identified", "Matching panel": "match_panel", "Matched": "matched",
    "Placed for adoption": "placed", "Adoption application": "adoption_application", "Adoption order": "adoption_order",
    "Decision reversed": "decision_reversed", "Left care": "left_care",
}
# column -> (milestone, detail), the sheet's words for the codes
DETAILS = {
    "Due date": ("unborn_identified", "expected_due_date"), "Legal status": ("entered_care", "legal_status"),
    "Plan": ("permanence_plan", "plan"), "Order": ("placement_order", "authority"),
    "EP type": ("early_permanence_placement", "kind"), "EP carers": ("early_permanence_placement", "household"),
    "Adopters": ("matched", "household"), "Interagency": ("matched", "interagency"),
    "Foster carer adoption": ("placed", "foster_carer_adoption"), "Moved in": ("placed", "moved_in_on"),
    "Reason reversed": ("decision_reversed", "reason"), "Reason left care": ("left_care", "reason"),
}
WORDS = {
    "Gender": {"1": "Male", "2": "Female"}, "Legal status": {"C1": "ICO", "V2": "S20", "C2": "Full care order"},
    "Plan": {"adoption": "Adoption", "parallel_adoption_kinship": "Parallel (kinship)",
             "parallel_adoption_reunification": "Parallel (home)"},
    "Order": {"placement_order": "Placement Order", "freeing_order": "Freeing order"},
    "EP type": {"ffa": "FFA", "concurrent": "Concurrent"},
    "Reason reversed": {"RD1": "Needs changed", "RD2": "No placement order", "RD3": "No adopters found", "RD4": "Returned home"},
    "Reason left care": {"returned_home": "Returned home", "special_guardianship": "SGO", "child_arrangements_order": "CAO"},
}
HOUSEHOLD_MILESTONES = ("link_identified", "match_panel", "matched", "placed", "adoption_order")
NO_DATE = (None, "N/A", None, "TBC", None, "-", "n/a")


def children(as_of: datetime.date = AS_OF) -> dict[str, list[dict]]:
    """The sample's rows of the children the sheet holds, by child (in the sample's order)."""
    found: dict[str, list[dict]] = {}
    for row in agency.generate(as_of).child_rows:
        if row["local_authority"] == COUNCIL:
            found.setdefault(row["child_ref"], []).append(row)
    return {child: rows for child, rows in found.items()
            if len({r["milestone"] for r in rows}) == len(rows)
            and len({r["household"] for r in rows if r["milestone"] in HOUSEHOLD_MILESTONES and r["household"]}) <= 1}


def written(day: datetime.date, n: int):
    """The date in the n-th of the forms teams type."""
    forms = (
        lambda d: datetime.datetime(d.year, d.month, d.day),  # a date cell
        lambda d: d.strftime("%d/%m/%Y"),
        lambda d: f"{d.day}/{d.month}/{d:%y}",
        lambda d: f"{d.day} {d:%b %Y}",
        lambda d: f"{d.day}.{d.month}.{d:%y}",
        lambda d: d.isoformat(),
        lambda d: (d - datetime.date(1899, 12, 30)).days,  # an Excel serial number in a number cell
    )
    return forms[n % len(forms)](day)


def sheet_rows(as_of: datetime.date = AS_OF) -> list[list]:
    header = ["Child ID", "Social worker", *ATTRIBUTES, *MILESTONES, *DETAILS, "Notes"]
    rows = [header]
    n = 0
    for number, (child, steps) in enumerate(children(as_of).items()):
        first = steps[0]
        by_milestone = {s["milestone"]: s for s in steps}
        cells = {"Child ID": child, "Social worker": f"SW {number % 7 + 1}", "Notes": "" if number % 5 else "see file"}
        for column, attribute in ATTRIBUTES.items():
            value = first[attribute]
            if attribute == "date_of_birth" and value:
                value = written(datetime.date.fromisoformat(value), n := n + 1)
            elif attribute == "disability":
                value = value.capitalize()
            cells[column] = WORDS.get(column, {}).get(value, value)
        for column, milestone in MILESTONES.items():
            step = by_milestone.get(milestone)
            if step:
                cells[column] = written(datetime.date.fromisoformat(step["occurred_on"]), n := n + 1)
            else:
                cells[column] = NO_DATE[(number + len(cells)) % len(NO_DATE)]
        for column, (milestone, detail) in DETAILS.items():
            step = by_milestone.get(milestone)
            value = step[detail] if step else ""
            if column == "Adopters" and not value:  # the adopters, from any step that names them
                value = next((s["household"] for s in steps if s["milestone"] in HOUSEHOLD_MILESTONES and s["household"]), "")
            if detail in ("expected_due_date", "moved_in_on") and value:
                value = written(datetime.date.fromisoformat(value), n := n + 1)
            elif detail in ("interagency", "foster_carer_adoption") and value:
                value = value.capitalize()
            cells[column] = WORDS.get(column, {}).get(value, value) if value else None
        rows.append([cells[column] or None for column in header])
    bad = {c: None for c in header}
    bad.update({"Child ID": BAD_CHILD, "Social worker": "SW 1", "DOB": "12/05/2022", "Gender": "Female",
                "Ethnicity": "WBRI", "Disability": "No", "Date became LAC": "1/9/23", "Legal status": "ICO",
                "Permanence plan": "3 Nov 2023", "Plan": "Adoption", "ADM decision": "awaiting panel"})
    rows.append([bad[c] for c in header])
    return rows


def write(path: Path, as_of: datetime.date = AS_OF) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([f"{COUNCIL}: Adoption Tracking rolling spreadsheet (made from the sample agency as of {as_of:%d/%m/%Y})"])
    sheet.append(["Dates day first; N/A, TBC or - where not known."])
    for row in sheet_rows(as_of):
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=4):
        for cell in cells:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = "DD/MM/YYYY"
    # A fixed time in the file's properties, so that the same sheet is written every time.
    book.properties.created = book.properties.modified = datetime.datetime(as_of.year, as_of.month, as_of.day)
    book.save(path)
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "tracker-sheet.xlsx"
    print(f"wrote {write(out)}")
