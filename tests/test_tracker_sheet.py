"""Loading a council's spreadsheet tracker through the service: read by its mapping,
checked whole first, loaded again and again as the 903 return is."""

from __future__ import annotations

import csv
import datetime
import importlib.util
import textwrap
from pathlib import Path

import openpyxl
import pytest
from factories import BY, LA, VIEWER, cli, make_settings, write_agency, write_milestones_csv

from journey.domain import clock
from journey.service import SheetRefused, Tracker

pytestmark = pytest.mark.usefixtures("today_fixed")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

MAPPING = """
council = "Coventry"
child_ref = "Child"
ignore = ["Notes"]

[attributes]
"DOB" = "date_of_birth"
"Ethnicity" = "ethnicity"

[milestones]
"Entered care" = "entered_care"
"ADM" = "adm_decision"
"PO" = "placement_order"
"Matched" = "matched"
"Placed" = "placed"

[details]
"Legal status" = "entered_care.legal_status"
"Order" = "placement_order.authority"
"Adopters" = ["matched.household", "placed.household"]

[values."Order"]
"Placement Order" = "placement_order"
"""
HEADER = ["Child", "DOB", "Ethnicity", "Entered care", "Legal status", "ADM", "PO", "Order", "Matched", "Adopters",
          "Placed", "Notes"]
GOOD = {"Child": "CV-1", "DOB": "14/02/2017", "Ethnicity": "WBRI", "Entered care": "10/01/2018", "Legal status": "C2",
        "ADM": "1/5/18", "PO": "3 Jul 2018", "Order": "Placement Order", "Matched": "1.10.18", "Adopters": "HH-1",
        "Placed": "2018-10-20", "Notes": "anything"}
SECOND = {**GOOD, "Child": "CV-2", "Matched": "N/A", "Placed": "TBC", "Adopters": "", "Notes": ""}


def write_sheet(path: Path, rows: list[dict], header: list[str] = HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(c, "") for c in header])
    return path


def write_mapping(path: Path, text: str = MAPPING) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(service, tmp_path, rows, *, name="tracker.csv", mapping=MAPPING, **options):
    return service.import_tracker_sheet(write_sheet(tmp_path / name, rows), mapping=write_mapping(tmp_path / "map.toml", mapping),
                                        recorded_by=BY, **options)


def milestones(service, child_ref, la=LA):
    return [(m["milestone"], m["occurred_on"]) for m in service.child_summary(la, child_ref)["milestones"]]


def test_a_sheet_gives_each_childs_dated_milestones_with_their_details_and_attributes(service, tmp_path):
    done = load(service, tmp_path, [GOOD, SECOND])
    assert done["written"] and done["problems"] == [] and (done["children_imported"], done["milestones_added"]) == (2, 8)
    assert milestones(service, "CV-1") == [("entered_care", "2018-01-10"), ("adm_decision", "2018-05-01"),
                                           ("placement_order", "2018-07-03"), ("matched", "2018-10-01"), ("placed", "2018-10-20")]
    assert milestones(service, "CV-2") == milestones(service, "CV-1")[:3]
    summary = service.child_summary(LA, "CV-1")
    assert summary["attributes"] == {"date_of_birth": "2017-02-14", "ethnicity": "WBRI"}
    details = {m["milestone"]: m["details"] for m in summary["milestones"]}
    assert details["entered_care"] == {"legal_status": "C2"} and details["placement_order"] == {"authority": "placement_order"}
    assert details["placed"]["household"] == "HH-1"


def test_loading_the_same_sheet_again_adds_nothing(service, tmp_path):
    load(service, tmp_path, [GOOD, SECOND])
    before = service.log_length()
    again = load(service, tmp_path, [GOOD, SECOND])
    assert (again["milestones_added"], again["corrections"], again["already_recorded"]) == (0, 0, 8)
    assert again["position"] is None and service.log_length() == before


def test_a_date_changed_in_the_sheet_gives_one_correction_naming_the_file(service, tmp_path):
    load(service, tmp_path, [GOOD, SECOND])
    done = load(service, tmp_path, [{**GOOD, "ADM": "03/05/2018"}, SECOND], name="tracker-june.csv")
    assert (done["milestones_added"], done["corrections"]) == (0, 1)
    [correction] = [e for e in service.child_history(LA, "CV-1", viewer=VIEWER)["entries"] if e["type"] == "correction"]
    assert (correction["corrects"]["occurred_on"], correction["occurred_on"]) == ("2018-05-01", "2018-05-03")
    assert correction["reason"] == "spreadsheet tracker tracker-june.csv row 2 column 'ADM'"
    again = load(service, tmp_path, [{**GOOD, "ADM": "03/05/2018"}, SECOND], name="tracker-june.csv")
    assert (again["milestones_added"], again["corrections"]) == (0, 0)


def test_a_date_the_tracker_corrected_wins_over_the_sheet_and_the_report_says_so(service, tmp_path):
    load(service, tmp_path, [GOOD, SECOND])
    service.correct(LA, "CV-1", "adm_decision", "2018-05-01", "2018-05-02", reason="the ADM's letter", recorded_by="a tracker")
    done = load(service, tmp_path, [GOOD, SECOND])
    assert (done["milestones_added"], done["corrections"]) == (0, 0)
    [difference] = done["differences"]
    assert (difference["file"], difference["row"], difference["column"], difference["child_ref"], difference["rule"]) == (
        "tracker.csv", 2, "ADM", "CV-1", "corrected in the tracker")
    assert "01/05/2018" in difference["message"] and "the ADM's letter" in difference["message"]
    assert ("adm_decision", "2018-05-02") in milestones(service, "CV-1")


BAD_CELLS = [
    ({"ADM": "awaiting panel"}, "ADM", "not a date", "'awaiting panel' is not a date"),
    ({"PO": "31/02/2018"}, "PO", "not a date", "'31/02/2018' is not a date (no such day)"),
    ({"DOB": "14th Feb"}, "DOB", "not a date", "'14th Feb' is not a date"),
    ({"Ethnicity": "British"}, "Ethnicity", "invalid value", "'British'"),
    ({"Order": "Court order"}, "Order", "invalid value", "'Court order'"),
    ({"Matched": "", "Placed": "", "Adopters": "HH-9"}, "Adopters", "detail without its date", "no date of matched or placed"),
    ({"Placed": "01/09/2018"}, "Matched", "match after placement", "is after the placed on 2018-09-01"),
]


@pytest.mark.parametrize("cells, column, rule, words", BAD_CELLS)
def test_a_bad_cell_refuses_the_sheet_naming_sheet_row_column_child_and_rule(service, tmp_path, cells, column, rule, words):
    done = load(service, tmp_path, [SECOND, {**GOOD, **cells}])
    assert not done["written"] and done["children_imported"] == 0
    [problem] = done["problems"]
    assert (problem["file"], problem["row"], problem["column"], problem["child_ref"]) == ("tracker.csv", 3, column, "CV-1")
    assert problem["rule"] == rule and words in problem["message"], problem["text"]
    assert problem["text"].startswith(f"tracker.csv row 3 column {column!r}: child CV-1: problem: {rule}: ")
    assert not service.holds_records()


def test_a_csv_sheet_may_have_a_byte_order_mark_title_rows_and_a_note_over_two_lines(service, tmp_path):
    sheet = write_sheet(tmp_path / "t.csv", [{**GOOD, "Notes": "two\nlines"}, SECOND])
    sheet.write_bytes(b"\xef\xbb\xbfCoventry tracker,,\n" + sheet.read_bytes())
    mapping = write_mapping(tmp_path / "m.toml", "header_row = 2\n" + MAPPING)
    done = service.import_tracker_sheet(sheet, mapping=mapping, recorded_by=BY)
    assert done["written"] and done["children_imported"] == 2


def test_a_row_without_a_child_and_a_child_on_two_rows_are_reported(service, tmp_path):
    done = load(service, tmp_path, [GOOD, {**SECOND, "Child": ""}, SECOND, {**SECOND, "ADM": "2/5/18"}])
    assert not done["written"]
    assert [(p["row"], p["column"], p["child_ref"], p["rule"]) for p in done["problems"]] == [
        (3, "Child", "", "missing value"), (5, "Child", "CV-2", "child on two rows")]
    skipped = load(service, tmp_path, [GOOD, {**SECOND, "Child": ""}, SECOND, {**SECOND, "ADM": "2/5/18"}], skip_invalid=True)
    assert skipped["written"] and skipped["children_imported"] == 1 and skipped["skipped_children"] == ["CV-2"]
    assert milestones(service, "CV-1")[0] == ("entered_care", "2018-01-10")


def test_only_the_valid_children_with_skip_invalid(service, tmp_path):
    done = load(service, tmp_path, [GOOD, {**SECOND, "ADM": "soon"}], skip_invalid=True)
    assert done["written"] and done["children_imported"] == 1 and done["skipped_children"] == ["CV-2"]
    assert [p["child_ref"] for p in done["problems"]] == ["CV-2"]
    assert len(milestones(service, "CV-1")) == 5


def test_the_council_can_come_from_a_column_and_an_unknown_one_is_reported(service, tmp_path):
    mapping = MAPPING.replace('council = "Coventry"', 'council_column = "LA"')
    rows = [{**GOOD, "LA": "Coventry City Council"}, {**SECOND, "LA": "Solihull"}, {**SECOND, "Child": "X-3", "LA": "Narnia"}]
    done = service.import_tracker_sheet(write_sheet(tmp_path / "t.csv", rows, ["LA", *HEADER]),
                                        mapping=write_mapping(tmp_path / "m.toml", mapping), recorded_by=BY, skip_invalid=True)
    [problem] = done["problems"]
    assert (problem["row"], problem["column"], problem["child_ref"], problem["rule"]) == (4, "LA", "X-3", "unknown council")
    assert done["children_imported"] == 2 and len(milestones(service, "CV-2", "Solihull")) == 3


def test_an_xlsx_sheet_is_read_below_its_header_row_with_date_cells_and_serial_numbers(service, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Other"
    sheet = book.create_sheet("Tracker")
    sheet.append(["Coventry adoption tracker"])
    sheet.append(HEADER)
    sheet.append(["CV-1", datetime.datetime(2017, 2, 14), "WBRI", 43110, "C2", "1/5/18", "3 Jul 2018", "Placement Order",
                  None, None, None, None])
    book.save(tmp_path / "t.xlsx")
    mapping = write_mapping(tmp_path / "m.toml", 'sheet = "Tracker"\nheader_row = 2\n' + MAPPING)
    done = service.import_tracker_sheet(tmp_path / "t.xlsx", mapping=mapping, recorded_by=BY)
    assert done["written"] and milestones(service, "CV-1")[0] == ("entered_care", "2018-01-10")
    assert service.child_summary(LA, "CV-1")["attributes"]["date_of_birth"] == "2017-02-14"
    bad = write_mapping(tmp_path / "bad.toml", 'sheet = "Tracking"\nheader_row = 2\n' + MAPPING)
    with pytest.raises(SheetRefused, match="has no sheet 'Tracking'"):
        service.import_tracker_sheet(tmp_path / "t.xlsx", mapping=bad, recorded_by=BY)


@pytest.mark.parametrize("header, mapping, words", [
    ([*HEADER, "Social worker"], MAPPING, "neither maps nor ignores the column 'Social worker'"),
    ([c for c in HEADER if c != "PO"], MAPPING, "the mapping's column 'PO' is not in the header"),
    (HEADER, MAPPING.replace('"adm_decision"', '"adm"'), "'adm': not a milestone"),
    (HEADER, MAPPING.replace('"entered_care.legal_status"', '"entered_care.status"'), "not a milestone's detail"),
    (HEADER, MAPPING.replace('council = "Coventry"\n', ""), "give either council"),
    ([*HEADER, "adm"], MAPPING, "the column 'adm' is named twice"),
])
def test_a_sheet_that_does_not_match_its_mapping_is_refused_before_the_store_is_opened(service, tmp_path, header, mapping, words):
    with pytest.raises(SheetRefused, match=words):
        service.import_tracker_sheet(write_sheet(tmp_path / "t.csv", [GOOD], header), mapping=write_mapping(tmp_path / "m.toml", mapping),
                                     recorded_by=BY)
    assert service._store is None


def test_the_cli_refuses_a_bad_sheet_with_exit_status_3_and_writes_its_report(tmp_path):
    data = tmp_path / "var"
    write_agency(data)
    sheet = write_sheet(tmp_path / "t.csv", [GOOD, {**SECOND, "PO": "soon"}])
    mapping = write_mapping(tmp_path / "m.toml")
    result = cli(data, "import", "tracker", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "report.csv"))
    assert result.exit_code == 3
    assert "t.csv row 3 column 'PO': child CV-2: problem: not a date: placement_order: 'soon' is not a date" in result.stderr
    assert "Nothing imported: 1 problem in 1 child." in result.stderr
    assert "Checking and writing the sheet's 2 rows" in result.stderr
    assert "Bringing the figures" not in result.stderr  # nothing was written: no step after the writing
    with open(tmp_path / "report.csv", newline="") as f:
        [row] = list(csv.DictReader(f))
    assert (row["kind"], row["file"], row["row"], row["column"], row["child"], row["rule"]) == (
        "problem", "t.csv", "3", "PO", "CV-2", "not a date")
    result = cli(data, "import", "tracker", str(sheet), "--mapping", str(mapping), "--skip-invalid", "--la", "coventry")
    assert result.exit_code == 3 and "Skipped 1 child with problems: CV-2" in result.stderr
    assert "Imported the tracker t.csv of Coventry: 5 milestones added and 0 corrections for 1 child" in result.stdout
    assert "Raising and closing the alerts of the 2 children and households written..." in result.stderr  # CV-1, its household
    result = cli(data, "import", "tracker", str(sheet), "--mapping", str(tmp_path / "m.toml"), "--la", "Narnia")
    assert result.exit_code == 1


# -- the example sheet ----------------------------------------------------------------


def _example_script():
    spec = importlib.util.spec_from_file_location("make_tracker_sheet", EXAMPLES / "make_tracker_sheet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_example_sheet_is_the_one_its_script_writes(tmp_path):
    script = _example_script()
    committed = openpyxl.load_workbook(EXAMPLES / "tracker-sheet.xlsx", read_only=True)[script.SHEET]
    remade = openpyxl.load_workbook(script.write(tmp_path / "remade.xlsx"), read_only=True)[script.SHEET]
    assert [list(r) for r in committed.iter_rows(values_only=True)] == [list(r) for r in remade.iter_rows(values_only=True)]


def test_the_example_sheet_imports_to_the_sample_agencys_journeys(tmp_path):
    script = _example_script()
    clock.set_today(script.AS_OF)
    councils = [{"name": "Herefordshire", "code": "884"}]
    sheet_settings, sample_settings = make_settings(tmp_path, name="sheet"), make_settings(tmp_path, name="sample")
    for settings in (sheet_settings, sample_settings):
        write_agency(settings.data_dir, councils=councils)
    loaded, ordinary = Tracker(sheet_settings), Tracker(sample_settings)
    try:
        refused = loaded.import_tracker_sheet(EXAMPLES / "tracker-sheet.xlsx", mapping=EXAMPLES / "tracker-mapping.toml", recorded_by=BY)
        assert not refused["written"] and not loaded.holds_records()
        [problem] = refused["problems"]
        assert (problem["file"], problem["row"], problem["column"], problem["child_ref"], problem["rule"]) == (
            "tracker-sheet.xlsx sheet Adoption tracker", problem["row"], "ADM decision", script.BAD_CHILD, "not a date")
        done = loaded.import_tracker_sheet(EXAMPLES / "tracker-sheet.xlsx", mapping=EXAMPLES / "tracker-mapping.toml",
                                           recorded_by=BY, skip_invalid=True)
        children = script.children()
        assert done["children_imported"] == len(children) and done["skipped_children"] == [script.BAD_CHILD]
        rows = [row for steps in children.values() for row in steps]
        assert done["milestones_added"] == len(rows)
        ordinary.import_milestones(write_milestones_csv(tmp_path / "sample.csv", rows), recorded_by=BY)
        for child in children:
            assert milestones(loaded, child, "Herefordshire") == milestones(ordinary, child, "Herefordshire"), child
        for period in (("2023-04-01", "2024-03-31"), ("2024-04-01", "2025-03-31"), ("2019-04-01", "2025-03-31")):
            assert loaded.scorecard(*period) == ordinary.scorecard(*period)
        assert loaded.waiting() == ordinary.waiting() and loaded.waiting()
        again = loaded.import_tracker_sheet(EXAMPLES / "tracker-sheet.xlsx", mapping=EXAMPLES / "tracker-mapping.toml",
                                            recorded_by=BY, skip_invalid=True)
        assert (again["milestones_added"], again["corrections"], again["already_recorded"]) == (0, 0, len(rows))
    finally:
        for tracker in (loaded, ordinary):
            tracker.close()
            if tracker._store is not None:
                tracker.store.close()
