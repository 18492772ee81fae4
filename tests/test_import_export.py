"""CSV import and export through the `journey` command (and the importer itself):
the whole file is checked before anything is written, every bad row is listed,
re-imports add nothing and never undo a correction or a withdrawal, and an
export imported into an empty data directory gives the same journeys."""

from __future__ import annotations

import csv

import pytest
from factories import (
    BY,
    LA,
    cli,
    event_count,
    household_copies,
    make_settings,
    make_tracker,
    milestones_of,
    record_journey,
    row,
    without_event_ids,
    write_agency,
    write_milestones_csv,
)

from journey.store.application import JourneyTracker
from journey.store.child import Child
from journey.domain.errors import ChildNotFound
from journey.importers.milestones_file import COLUMNS, FileRefused, import_milestones, read_rows

EXIT_REFUSED = 1
EXIT_BAD_ROWS = 3


# "Today" is TODAY for every test (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("today_fixed")


@pytest.fixture
def data_dir(tmp_path):
    return make_settings(tmp_path).data_dir


def open_app(data_dir) -> JourneyTracker:
    return JourneyTracker(make_settings(data_dir.parent, name=data_dir.name))


def good_rows() -> list[dict]:
    attrs1 = {"date_of_birth": "2021-03-04", "sex": "1", "ethnicity": "WBRI", "disability": "no", "sibling_group": "SG-7"}
    attrs2 = {"date_of_birth": "2019-11-30", "sex": "2", "ethnicity": "MWBC", "disability": "yes", "sibling_group": ""}
    return [
        row("CV-101", "entered_care", "2021-06-01", legal_status="C2", **attrs1),
        row("CV-101", "adm_decision", "2021-10-01", **attrs1),
        row("CV-101", "placement_order", "2022-01-15", authority="placement_order", **attrs1),
        row("CV-101", "matched", "2022-05-01", household="H-10", interagency="no", **attrs1),
        row("CV-101", "placed", "2022-05-20", household="H-10", recorded_by="amy.tracker", **attrs1),
        row("CV-102", "entered_care", "2020-02-01", **attrs2),
        row("CV-102", "adm_decision", "2020-06-01", **attrs2),
        row("CV-102", "placement_order", "2020-10-01", authority="consent", **attrs2),
        row("CV-102", "decision_reversed", "2021-05-01", reason="rd3", **attrs2),
        row("WA-201", "unborn_identified", "2024-04-01", la="Warwickshire", expected_due_date="2024-08-01"),
        row("WA-201", "permanence_plan", "2024-04-20", la="Warwickshire", plan="ffa"),
    ]


def test_a_good_file_imports(tmp_path, data_dir):
    path = write_milestones_csv(tmp_path / "good.csv", good_rows())

    result = cli(data_dir, "import", "milestones", str(path))

    assert result.exit_code == 0, result.output
    assert "Imported 11 milestones for 3 children; 0 rows were already recorded." in result.stdout
    # each step after the writing said on standard error as it begins, in order
    steps = ["Importing good.csv", "Bringing the figures and lists up to date...",
             "Raising and closing the alerts of the 4 children and households written...",
             "Checking the records against the DfE's rules (journey check)..."]
    said = [line for line in result.stderr.replace("\r", "\n").splitlines() if any(line.startswith(s[:20]) for s in steps)]
    assert [line.split("  ")[0].rstrip() for line in said] == steps, result.stderr
    app = open_app(data_dir)
    j = app.summary(LA, "CV-101")
    assert j["attributes"] == {"date_of_birth": "2021-03-04", "sex": "1", "ethnicity": "WBRI", "disability": False, "sibling_group": "SG-7"}
    assert (j["stage"], j["stage_since"]) == ("placed", "2022-05-20")
    assert j["milestones"][3]["details"] == {"household": "H-10", "interagency": False}
    assert app.summary(LA, "CV-102")["attributes"]["disability"] is True
    assert app.summary(LA, "CV-102")["milestones"][-1]["details"] == {"reason": "RD3"}
    assert app.summary(LA, "CV-102")["stage"] == "exited"
    assert app.summary("Warwickshire", "WA-201")["stage"] == "pre_birth"
    assert household_copies(app, "H-10") == [("matched", "2022-05-01", "CV-101"), ("placed", "2022-05-20", "CV-101")]
    # Who recorded each row: the recorded_by column, or the importing user.
    events = {e.originator_version: e for e in app.child_events(LA, "CV-101")}
    by = [e.recorded_by for e in events.values() if type(e).__name__ == "MilestoneRecorded"]
    assert by == [f"{BY} (import of good.csv)"] * 4 + ["amy.tracker"]


def test_one_bad_row_among_many_writes_nothing_and_every_bad_row_is_listed(tmp_path, data_dir):
    app = make_tracker(data_dir.parent)
    record_journey(app, LA, "CV-OLD", [("entered_care", "2020-01-01")])
    before = event_count(app)
    assert before > 0
    rows = good_rows()
    rows[4:4] = [
        row("CV-101", "adopted", "2022-06-01"),  # row 6: no such milestone
        row("CV-103", "entered_care", "31/03/2022"),  # row 7: not an ISO date
    ]
    rows += [
        row("CV-104", "entered_care", "2024-07-01"),  # row 15: in the future
        row("CV-105", "placed", "2022-01-01", household="H-9"),  # row 16
        row("CV-105", "matched", "2022-02-01", household="H-9"),  # row 17: match after placement
        row("CV-106", "entered_care", "2022-02-01", household="H-9"),  # row 18: detail not taken
    ]
    path = write_milestones_csv(tmp_path / "bad.csv", rows)

    result = cli(data_dir, "import", "milestones", str(path))

    assert result.exit_code == EXIT_BAD_ROWS, result.output
    problems = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert len(problems) == 5, result.stderr
    expected = [
        ("row 6:", "child CV-101 of Coventry", "invalid value", "adopted"),
        ("row 7:", "child CV-103 of Coventry", "invalid value", "31/03/2022"),
        ("row 15:", "child CV-104 of Coventry", "date in the future", "2024-07-01"),
        ("row 17:", "child CV-105 of Coventry", "match after placement", "2022-02-01"),
        ("row 18:", "child CV-106 of Coventry", "invalid value", "household"),
    ]
    for line, parts in zip(problems, expected):
        for part in parts:
            assert part in line, (part, line)
    assert "Nothing imported: 5 bad rows" in result.stderr
    assert event_count(open_app(data_dir)) == before
    with pytest.raises(ChildNotFound):
        open_app(data_dir).summary(LA, "CV-102")  # a good child of the same file


def test_an_unknown_column_refuses_the_file(tmp_path, data_dir):
    rows = [dict(r, colour="blue") for r in good_rows()]
    path = write_milestones_csv(tmp_path / "odd.csv", rows)

    result = cli(data_dir, "import", "milestones", str(path))

    assert result.exit_code == EXIT_REFUSED
    assert "unknown column(s) colour" in result.stderr
    assert event_count(open_app(data_dir)) == 0
    with pytest.raises(FileRefused):
        read_rows(path)


def test_a_missing_required_column_refuses_the_file(tmp_path, data_dir):
    path = write_milestones_csv(tmp_path / "short.csv", good_rows(), columns=["child_ref", "local_authority", "milestone"])
    result = cli(data_dir, "import", "milestones", str(path))
    assert result.exit_code == EXIT_REFUSED
    assert "missing required column(s) occurred_on" in result.stderr


def test_attribute_cells_that_disagree_between_rows_of_a_child_are_an_error(tmp_path, data_dir):
    rows = good_rows()
    rows[1] = dict(rows[1], sex="2")  # row 3 says female, row 2 male
    path = write_milestones_csv(tmp_path / "disagree.csv", rows)

    result = cli(data_dir, "import", "milestones", str(path))

    assert result.exit_code == EXIT_BAD_ROWS
    lines = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert len(lines) == 1
    assert lines[0].startswith("row 3: child CV-101 of Coventry: attributes disagree")
    assert event_count(open_app(data_dir)) == 0


def test_skip_invalid_imports_the_other_children_and_reports_the_skipped_one(tmp_path, data_dir):
    rows = good_rows()
    rows.append(row("CV-102", "matched", "2021-06-01", household="H-11"))  # after the reversal
    path = write_milestones_csv(tmp_path / "skip.csv", rows)

    result = cli(data_dir, "import", "milestones", "--skip-invalid", str(path))

    assert result.exit_code == EXIT_BAD_ROWS
    assert "row 13: child CV-102 of Coventry: after decision reversed" in result.stderr
    assert "Skipped 1 child with bad rows: CV-102 of Coventry" in result.stderr
    assert "Imported 7 milestones for 2 children" in result.stdout
    app = open_app(data_dir)
    assert app.summary(LA, "CV-101")["stage"] == "placed"
    assert app.summary("Warwickshire", "WA-201")["stage"] == "pre_birth"
    with pytest.raises(ChildNotFound):
        app.summary(LA, "CV-102")  # none of its rows, not even the good ones


def test_skip_invalid_exits_3_when_a_row_with_an_unknown_council_is_skipped(tmp_path, data_dir):
    write_agency(data_dir)
    rows = good_rows() + [row("BH-1", "entered_care", "2022-01-01", la="Birmingham")]
    path = write_milestones_csv(tmp_path / "council.csv", rows)

    result = cli(data_dir, "import", "milestones", "--skip-invalid", str(path))

    assert "row 13: child BH-1 of Birmingham: unknown council" in result.stderr
    assert open_app(data_dir).summary(LA, "CV-101")["stage"] == "placed"
    assert result.exit_code == EXIT_BAD_ROWS


def test_an_unknown_council_row_refuses_the_file_without_skip_invalid(tmp_path, data_dir):
    write_agency(data_dir)
    rows = good_rows() + [row("BH-1", "entered_care", "2022-01-01", la="Birmingham")]
    path = write_milestones_csv(tmp_path / "council.csv", rows)

    result = cli(data_dir, "import", "milestones", str(path))

    assert result.exit_code == EXIT_BAD_ROWS
    assert "row 13: child BH-1 of Birmingham: unknown council" in result.stderr
    assert "Coventry" in result.stderr.split("row 13:")[1]
    assert event_count(open_app(data_dir)) == 0


def test_re_importing_the_same_file_adds_nothing(tmp_path, data_dir):
    path = write_milestones_csv(tmp_path / "good.csv", good_rows())
    assert cli(data_dir, "import", "milestones", str(path)).exit_code == 0
    count = event_count(open_app(data_dir))

    again = cli(data_dir, "import", "milestones", str(path))

    assert again.exit_code == 0
    assert "Imported 0 milestones for 3 children; 11 rows were already recorded." in again.stdout
    assert event_count(open_app(data_dir)) == count


def test_re_importing_after_a_correction_does_not_undo_it(tmp_path, data_dir):
    path = write_milestones_csv(tmp_path / "good.csv", good_rows())
    assert cli(data_dir, "import", "milestones", str(path)).exit_code == 0
    app = open_app(data_dir)
    app.correct(LA, "CV-101", "placed", "2022-05-20", "2022-05-23", reason="moved in on the 23rd", recorded_by=BY)
    app.correct(LA, "CV-101", "placement_order", "2022-01-15", "2022-01-15", details={"authority": "freeing_order"}, reason="it was a freeing order", recorded_by=BY)
    count = event_count(app)

    again = cli(data_dir, "import", "milestones", str(path))

    assert again.exit_code == 0, again.output
    app = open_app(data_dir)
    assert event_count(app) == count
    assert ("placed", "2022-05-23") in milestones_of(app, LA, "CV-101")
    assert ("placed", "2022-05-20") not in milestones_of(app, LA, "CV-101")
    po = [m for m in app.summary(LA, "CV-101")["milestones"] if m["milestone"] == "placement_order"]
    assert [m["details"] for m in po] == [{"authority": "freeing_order"}]
    assert household_copies(app, "H-10")[-1] == ("placed", "2022-05-23", "CV-101")


def test_re_importing_after_a_withdrawal_does_not_bring_it_back(tmp_path, data_dir):
    path = write_milestones_csv(tmp_path / "good.csv", good_rows())
    assert cli(data_dir, "import", "milestones", str(path)).exit_code == 0
    app = open_app(data_dir)
    app.withdraw(LA, "CV-101", "placed", "2022-05-20", reason="recorded in error", recorded_by=BY)
    count = event_count(app)

    again = cli(data_dir, "import", "milestones", str(path))

    assert again.exit_code == 0, again.output
    app = open_app(data_dir)
    assert event_count(app) == count
    assert "placed" not in [m for m, _ in milestones_of(app, LA, "CV-101")]
    assert app.summary(LA, "CV-101")["stage"] == "matched"
    assert household_copies(app, "H-10") == [("matched", "2022-05-01", "CV-101")]


def test_a_childs_rows_apply_in_date_order_whatever_the_file_order(tmp_path, data_dir):
    rows = [r for r in good_rows() if r["child_ref"] == "CV-101"]
    rows.append(row("CV-101", "register_referral", "2022-02-01"))
    rows.append(row("CV-101", "family_finding_started", "2022-02-01"))  # same day: file order kept
    shuffled = [rows[4], rows[5], rows[1], rows[3], rows[6], rows[0], rows[2]]
    path = write_milestones_csv(tmp_path / "shuffled.csv", shuffled)

    result = cli(data_dir, "import", "milestones", str(path))

    assert result.exit_code == 0, result.output
    app = open_app(data_dir)
    recorded = [(e.originator_version, e.milestone, e.occurred_on.isoformat()) for e in app.child_events(LA, "CV-101") if type(e).__name__ == "MilestoneRecorded"]
    assert [(m, on) for _, m, on in recorded] == [
        ("entered_care", "2021-06-01"),
        ("adm_decision", "2021-10-01"),
        ("placement_order", "2022-01-15"),
        ("register_referral", "2022-02-01"),
        ("family_finding_started", "2022-02-01"),
        ("matched", "2022-05-01"),
        ("placed", "2022-05-20"),
    ]
    assert [m["event_id"] for m in app.summary(LA, "CV-101")["milestones"]] == [v for v, _, _ in recorded]
    assert household_copies(app, "H-10") == [("matched", "2022-05-01", "CV-101"), ("placed", "2022-05-20", "CV-101")]


def test_import_milestones_function_reports_without_the_cli(tmp_path, data_dir):
    app = make_tracker(data_dir.parent)
    rows = good_rows() + [row("CV-107", "entered_care", "2024-07-01")]
    path = write_milestones_csv(tmp_path / "f.csv", rows)

    report = import_milestones(app, read_rows(path), recorded_by=BY)

    assert not report.written
    assert [(p.row, p.child_ref, p.rule) for p in report.problems] == [(13, "CV-107", "date in the future")]
    assert event_count(app) == 0

    report = import_milestones(app, read_rows(path), skip_invalid=True, recorded_by=BY)
    assert report.written
    assert report.skipped_children == [("CV-107", LA)]
    assert report.milestones_added == 11


# -- export then import ----------------------------------------------------------------------------


def build_agency_history(app: JourneyTracker) -> None:
    record_journey(
        app,
        LA,
        "CV-1",
        [
            ("born", "2021-02-03"),
            ("entered_care", "2021-06-01", {"legal_status": "C2"}),
            ("adm_decision", "2021-10-01"),
            ("placement_order", "2022-01-10"),
            ("register_referral", "2022-02-01"),
            ("link_identified", "2022-03-01", {"household": "H-A"}),
            ("match_panel", "2022-04-01", {"household": "H-A"}),
            ("matched", "2022-04-10", {"household": "H-A", "interagency": "yes"}),
            ("placed", "2022-05-01", {"household": "H-A"}),
            ("disruption", "2022-08-01", {"reason": "carers' health"}),
            ("matched", "2023-01-10", {"household": "H-B"}),
            ("placed", "2023-02-01", {"household": "H-B"}),
            ("adoption_application", "2023-05-01"),
            ("adoption_order", "2023-09-01"),
        ],
        attributes={"sex": "1", "ethnicity": "BAFR", "disability": "yes", "sibling_group": "SG-1"},
    )
    app.correct(LA, "CV-1", "placement_order", "2022-01-10", "2022-01-03", reason="date of the order", recorded_by="auditor")
    app.withdraw(LA, "CV-1", "register_referral", "2022-02-01", reason="never sent", recorded_by="auditor")
    record_journey(
        app,
        LA,
        "CV-2",
        [
            ("unborn_identified", "2024-01-05", {"expected_due_date": "2024-03-01"}),
            ("born", "2024-02-25"),
            ("entered_care", "2024-02-27"),
            ("early_permanence_placement", "2024-02-27", {"kind": "concurrent", "household": "H-C"}),
            ("adm_decision", "2024-04-01"),
            ("placement_order", "2024-05-01", {"authority": "consent"}),
            ("matched", "2024-06-01", {"household": "H-C"}),
            ("placed", "2024-06-10", {"household": "H-C", "foster_carer_adoption": True, "moved_in_on": "2024-02-27"}),
        ],
    )
    record_journey(
        app,
        "Warwickshire",
        "WA-1",
        [
            ("entered_care", "2019-01-01"),
            ("adm_decision", "2019-03-01"),
            ("decision_reversed", "2019-09-01", {"reason": "RD2"}),
            ("left_care", "2019-10-01", {"reason": "special guardianship"}),
        ],
        attributes={"date_of_birth": "2017-07-07", "disability": "no"},
    )
    app.child("Warwickshire", "WA-1", {"sex": "2"}, recorded_by=BY)  # amended later
    app.correct(LA, "CV-2", "placed", "2024-06-10", "2024-06-10", details={"moved_in_on": "2024-02-28"}, reason="moved in the next day", recorded_by="auditor")


def children_of(app: JourneyTracker) -> list[tuple[str, str]]:
    return sorted((j.local_authority, j.child_ref) for j in app.all_streams() if isinstance(j, Child))


def test_export_then_import_into_an_empty_data_dir_gives_the_same_journeys(tmp_path):
    first_dir = tmp_path / "first"
    second_dir = tmp_path / "second"
    first = make_tracker(tmp_path, name="first")
    build_agency_history(first)
    export = tmp_path / "export.csv"

    exported = cli(first_dir, "export", "milestones", str(export))
    assert exported.exit_code == 0, exported.output
    with open(export, newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == COLUMNS
        exported_rows = list(reader)
    assert f"Exported {len(exported_rows)} milestones" in exported.stdout
    assert not any(r["milestone"] == "register_referral" for r in exported_rows)  # withdrawn

    imported = cli(second_dir, "import", "milestones", str(export))
    assert imported.exit_code == 0, imported.output

    second = JourneyTracker(make_settings(tmp_path, name="second"))
    assert children_of(second) == children_of(first) == [(LA, "CV-1"), (LA, "CV-2"), ("Warwickshire", "WA-1")]
    for la, ref in children_of(first):
        assert without_event_ids(second.summary(la, ref)) == without_event_ids(first.summary(la, ref)), ref
    for household in ("H-A", "H-B", "H-C"):
        assert household_copies(second, household) == household_copies(first, household)
    assert second.load_household("H-A").interagency is True

    # Exporting the imported data gives the same file, apart from who recorded it.
    again = tmp_path / "again.csv"
    assert cli(second_dir, "export", "milestones", str(again)).exit_code == 0
    with open(again, newline="") as f:
        assert list(csv.DictReader(f)) == exported_rows


def test_a_child_recorded_by_someone_else_during_an_import_into_an_empty_store_is_not_lost(tmp_path):
    """The import checks every child before writing; if another tracker records one of
    them in between, the save meets the conflict, re-reads that child and keeps both."""
    from journey.importers.milestones_file import import_milestones, rows_from_dicts

    data_dir = tmp_path / "var"
    importer = make_tracker(data_dir)
    other = make_tracker(data_dir)
    rows = rows_from_dicts(
        [
            {"child_ref": "CV-1", "local_authority": LA, "milestone": "entered_care", "occurred_on": "2022-01-10"},
            {"child_ref": "CV-2", "local_authority": LA, "milestone": "entered_care", "occurred_on": "2022-02-10"},
        ]
    )
    interrupted = []

    def meanwhile(_n):
        if not interrupted:
            interrupted.append(1)
            other.record(LA, "CV-1", "permanence_plan", "2022-01-20", recorded_by="another tracker")

    report = import_milestones(importer, rows, recorded_by="importer", progress=meanwhile)

    assert report.written and not report.problems
    milestones = [(m["milestone"], m["occurred_on"]) for m in importer.summary(LA, "CV-1")["milestones"]]
    assert milestones == [("entered_care", "2022-01-10"), ("permanence_plan", "2022-01-20")]
    assert importer.summary(LA, "CV-2")["milestones"][0]["milestone"] == "entered_care"
