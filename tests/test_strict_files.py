"""Strict milestones files: a header naming a column twice, a row longer or shorter
than its header, or a file that is not UTF-8 is refused, naming the row (the header
is row 1), with nothing written; header names match without regard to case and
surrounding spaces. An exported cell a spreadsheet would run as a formula is written
with a leading `'`, which every import strips. `export milestones -` writes to
standard output; a missing folder is a clear refusal."""

from __future__ import annotations

import csv
import io

import pytest
from factories import BY, LA, cli, event_count, make_settings, make_tracker, write_agency

from journey.importers.milestones_file import FileRefused, read_rows
from journey.store.application import JourneyTracker

EXIT_REFUSED = 1

pytestmark = pytest.mark.usefixtures("today_fixed")  # 30 June 2024

HEADER = "child_ref,local_authority,milestone,occurred_on,household"
GOOD = [
    "CV-1,Coventry,entered_care,2023-01-10,",
    "CV-1,Coventry,adm_decision,2023-04-03,",
    "CV-1,Coventry,matched,2023-09-01,H-1",
]


@pytest.fixture
def data_dir(tmp_path):
    return make_settings(tmp_path).data_dir


def write(path, lines, *, encoding="utf-8"):
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def refused(data_dir, path) -> str:
    """Import `path`; check it is refused with nothing written; return the message."""
    result = cli(data_dir, "import", "milestones", str(path))
    assert result.exit_code == EXIT_REFUSED, result.output
    assert result.stderr.startswith("Refused: "), result.stderr
    assert "Traceback" not in result.output
    assert not (data_dir / "events.sqlite3").exists()  # nothing written, not even a store
    return result.stderr


# -- the header -------------------------------------------------------------------------------


def test_a_column_named_twice_is_refused_naming_row_1(tmp_path, data_dir):
    path = write(tmp_path / "twice.csv", [HEADER + ",household"] + [line + ",H-2" for line in GOOD])
    message = refused(data_dir, path)
    assert "row 1: column household is named 2 times (columns 5 and 6)" in message


def test_names_that_differ_only_in_case_or_spaces_are_the_same_column(tmp_path, data_dir):
    path = write(tmp_path / "twice.csv", [HEADER + ", Household "] + [line + ",H-2" for line in GOOD])
    assert "row 1: column household is named 2 times" in refused(data_dir, path)


def test_header_names_match_without_regard_to_case_and_spaces(tmp_path, data_dir):
    path = write(tmp_path / "loose.csv", [" Child_Ref , LOCAL_AUTHORITY,Milestone,occurred_on ,HouseHold"] + GOOD)
    result = cli(data_dir, "import", "milestones", str(path))
    assert result.exit_code == 0, result.output
    assert "Imported 3 milestones for 1 child" in result.stdout
    [row] = [r for r in read_rows(path) if r.cells["milestone"] == "matched"]
    assert row.cells == {"child_ref": "CV-1", "local_authority": "Coventry", "milestone": "matched",
                         "occurred_on": "2023-09-01", "household": "H-1"}


# -- rows as long as the header ---------------------------------------------------------------------


def test_a_row_longer_than_the_header_is_refused_naming_it(tmp_path, data_dir):
    lines = [HEADER, GOOD[0], GOOD[1] + ",extra", GOOD[2]]
    message = refused(data_dir, write(tmp_path / "long.csv", lines))
    assert "row 3: 6 cells, but the header names 5 columns" in message


def test_a_row_shorter_than_the_header_is_refused_naming_it(tmp_path, data_dir):
    lines = [HEADER, GOOD[0], GOOD[1], "CV-1,Coventry,placed,2023-10-02"]
    message = refused(data_dir, write(tmp_path / "short.csv", lines))
    assert "row 4: 4 cells, but the header names 5 columns" in message


def test_every_row_of_the_wrong_length_is_named_and_an_empty_line_is_counted_but_no_row(tmp_path, data_dir):
    lines = [HEADER, GOOD[0], "", "CV-2,Coventry", GOOD[1], "CV-3,Coventry,entered_care,2023-01-10,,,"]
    message = refused(data_dir, write(tmp_path / "ragged.csv", lines))
    assert "row 4: 2 cells" in message and "row 6: 7 cells" in message
    assert "row 3" not in message


def test_a_quoted_line_break_stays_in_its_row(tmp_path, data_dir):
    lines = ["child_ref,local_authority,milestone,occurred_on,reason", 'CV-1,Coventry,entered_care,2023-01-10,', 'CV-1,Coventry,left_care,2023-03-01,"home to\nparents"', "CV-1,Coventry,entered_care,2023-05-02"]
    assert "row 4: 4 cells" in refused(data_dir, write(tmp_path / "quoted.csv", lines))


# -- UTF-8 ----------------------------------------------------------------------------------------


def test_a_file_that_is_not_utf8_is_refused_naming_the_row(tmp_path, data_dir):
    lines = [HEADER, GOOD[0], GOOD[1], "CV-1,Coventry,left_care,2023-05-02,", "CV-2,Coventry,entered_care,2023-01-10,Zoë"]
    message = refused(data_dir, write(tmp_path / "latin1.csv", lines, encoding="latin-1"))
    assert "row 5: not UTF-8 text (byte 0xEB)" in message
    assert "codec" not in message and "position" not in message


def test_a_header_that_is_not_utf8_is_row_1(tmp_path, data_dir):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"child_ref,local_authority,milestone,occurred_on,r\xe9ason\n" + "\n".join(GOOD).encode())
    assert "row 1: not UTF-8 text (byte 0xE9)" in refused(data_dir, path)


def test_a_byte_order_mark_is_not_part_of_the_first_name_nor_of_the_row_count(tmp_path, data_dir):
    path = write(tmp_path / "bom.csv", [HEADER] + GOOD, encoding="utf-8-sig")
    assert cli(data_dir, "import", "milestones", str(path)).exit_code == 0
    bad = tmp_path / "bom-bad.csv"
    bad.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\n{GOOD[0]}\n".encode() + b"CV-\xff,Coventry,born,2020-01-01,\n")
    with pytest.raises(FileRefused, match="row 3: not UTF-8 text"):
        read_rows(bad)


# -- cells a spreadsheet would run ---------------------------------------------------------------------------


def build_formula_looking_store(tmp_path) -> JourneyTracker:
    app = make_tracker(tmp_path, name="first")
    app.record(LA, "+CV-9", "entered_care", "2022-01-10", recorded_by="-admin")
    app.record(LA, "+CV-9", "matched", "2022-09-01", {"household": "@H-1"}, recorded_by=BY)
    app.record(LA, "+CV-9", "placed", "2022-09-20", {"household": "@H-1"}, recorded_by=BY)
    app.record(LA, "+CV-9", "disruption", "2023-01-05", {"reason": "=HYPERLINK(\"http://x\")"}, recorded_by=BY)
    app.record_household("@H-1", "withdrawn", "2023-04-03", {"reason": "'=quoted already"}, recorded_by="=by")
    return app


def test_formula_looking_cells_are_exported_quoted_and_imported_back_as_they_were(tmp_path):
    first = build_formula_looking_store(tmp_path)
    export = tmp_path / "out.csv"
    assert cli(first.settings.data_dir, "export", "milestones", str(export)).exit_code == 0

    raw = list(csv.DictReader(io.StringIO(export.read_text())))
    cells = {c for r in raw for c in r.values() if c}
    assert {"'+CV-9", "'@H-1", "'-admin", "'=HYPERLINK(\"http://x\")", "''=quoted already", "'=by"} <= cells
    assert not [c for c in cells if c[0] in "=+-@"]

    second_dir = make_settings(tmp_path, name="second").data_dir
    imported = cli(second_dir, "import", "milestones", str(export))
    assert imported.exit_code == 0, imported.output
    second = JourneyTracker(make_settings(tmp_path, name="second"))
    strip_ids = lambda ms: [{k: v for k, v in m.items() if k != "event_id"} for m in ms]  # noqa: E731
    assert strip_ids(second.summary(LA, "+CV-9")["milestones"]) == strip_ids(first.summary(LA, "+CV-9")["milestones"])
    withdrawn = [e for e in second.household_events("@H-1") if getattr(e, "milestone", None) == "withdrawn"]
    assert [(e.details, e.recorded_by) for e in withdrawn] == [({"reason": "'=quoted already"}, "=by")]
    again = tmp_path / "again.csv"
    assert cli(second_dir, "export", "milestones", str(again)).exit_code == 0
    assert again.read_bytes() == export.read_bytes()


def test_every_import_strips_the_quote_before_a_formula(tmp_path, data_dir):
    path = write(tmp_path / "quoted.csv", ["child_ref,local_authority,milestone,occurred_on,reason,recorded_by",
                                           "'-CV-1,Coventry,entered_care,2023-01-10,,'@amy",
                                           "'-CV-1,Coventry,left_care,2023-03-01,'=carers,o'brien"])
    assert cli(data_dir, "import", "milestones", str(path)).exit_code == 0
    app = JourneyTracker(make_settings(data_dir.parent))
    events = [e for e in app.child_events(LA, "-CV-1") if hasattr(e, "milestone")]
    assert [(e.milestone, e.details, e.recorded_by) for e in events] == [
        ("entered_care", {}, "@amy"), ("left_care", {"reason": "=carers"}, "o'brien"),
    ]


# -- where the export goes ------------------------------------------------------------------------------


def test_export_to_standard_output_with_a_dash(tmp_path, monkeypatch):
    app = build_formula_looking_store(tmp_path)
    monkeypatch.chdir(tmp_path)
    to_file = cli(app.settings.data_dir, "export", "milestones", "file.csv")

    result = cli(app.settings.data_dir, "export", "milestones", "-")

    assert result.exit_code == 0, result.output
    assert not (tmp_path / "-").exists()
    assert result.stdout_bytes == (tmp_path / "file.csv").read_bytes()
    assert result.stdout.startswith("child_ref,local_authority,milestone,occurred_on,")
    assert result.stderr == "Exported 5 milestones to standard output.\n"
    assert to_file.stdout == "Exported 5 milestones to file.csv.\n"


def test_export_into_a_missing_folder_is_a_clear_refusal(tmp_path):
    app = build_formula_looking_store(tmp_path)
    target = tmp_path / "no such folder" / "out.csv"

    result = cli(app.settings.data_dir, "export", "milestones", str(target))

    assert result.exit_code == EXIT_REFUSED, result.output
    assert result.stderr == f"Refused: cannot write {target}: there is no folder {target.parent}\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not target.parent.exists()


def test_the_importer_refuses_before_the_store_is_opened_through_the_service(tmp_path, data_dir):
    """The service reads and checks the file before it starts a store in an empty folder."""
    from journey.service import Tracker

    path = write(tmp_path / "twice.csv", [HEADER + ",HOUSEHOLD"] + [line + "," for line in GOOD])
    write_agency(data_dir)
    with pytest.raises(FileRefused, match="row 1"):
        Tracker(make_settings(data_dir.parent)).import_milestones(path, recorded_by=BY)
    assert not (data_dir / "events.sqlite3").exists()
    assert event_count(make_tracker(data_dir.parent)) == 0
