"""The milestones file carries households too: a row with `child_ref` and
`local_authority` empty is a milestone of the household its `household` column
names. Such rows are checked with the rest of the file, written before the
children's (whose matched, placed and adoption_order are copied to the household),
and exported back."""

from __future__ import annotations

import csv

import pytest
from factories import BY, LA, cli, event_count, household_copies, make_settings, row, write_milestones_csv

from journey.store.application import JourneyTracker

EXIT_BAD_ROWS = 3

pytestmark = pytest.mark.usefixtures("today_fixed")  # 30 June 2024


@pytest.fixture
def data_dir(tmp_path):
    return make_settings(tmp_path).data_dir


def open_app(data_dir) -> JourneyTracker:
    return JourneyTracker(make_settings(data_dir.parent, name=data_dir.name))


def household_row(ref: str, milestone: str, occurred_on: str, **cells) -> dict:
    return {"child_ref": "", "local_authority": "", "milestone": milestone, "occurred_on": occurred_on, "household": ref, **cells}


def rows() -> list[dict]:
    return [
        row("CV-1", "entered_care", "2022-01-10"),
        row("CV-1", "matched", "2023-05-02", household="H-1"),
        household_row("H-1", "registration_of_interest", "2022-02-01", recorded_by="amy"),
        household_row("H-1", "approved", "2022-09-12"),
        household_row("H-2", "approved", "2023-01-16", interagency="yes"),
        household_row("H-3", "enquiry", "2023-03-01"),
        household_row("H-3", "withdrawn", "2023-04-03", reason="moved abroad"),
        row("CV-1", "placed", "2023-05-22", household="H-1"),
    ]


def test_household_rows_are_the_households_own_milestones(tmp_path, data_dir):
    path = write_milestones_csv(tmp_path / "in.csv", rows())

    result = cli(data_dir, "import", "milestones", str(path))

    assert result.exit_code == 0, result.output
    assert "Imported 8 milestones for 1 child and 3 households; 0 rows were already recorded." in result.stdout
    app = open_app(data_dir)
    own = [(m.name, m.occurred_on.isoformat()) for m in app.load_household("H-1").milestones()]
    # Its own first (in date order), then the child's copies.
    assert own == [("registration_of_interest", "2022-02-01"), ("approved", "2022-09-12"),
                   ("matched", "2023-05-02"), ("placed", "2023-05-22")]
    assert household_copies(app, "H-1")[2:] == [("matched", "2023-05-02", "CV-1"), ("placed", "2023-05-22", "CV-1")]
    assert app.load_household("H-2").interagency is True and app.load_household("H-1").interagency is False
    withdrawn = [m for m in app.load_household("H-3").milestones() if m.name == "withdrawn"]
    assert [m.details for m in withdrawn] == [{"reason": "moved abroad"}]
    events = [e for e in app.household_events("H-1") if hasattr(e, "milestone")]
    assert [e.recorded_by for e in events][:2] == ["amy", f"{BY} (import of in.csv)"]

    again = cli(data_dir, "import", "milestones", str(path))
    assert "Imported 0 milestones for 1 child and 3 households; 8 rows were already recorded." in again.stdout


def test_bad_household_rows_are_listed_with_the_others_and_nothing_is_written(tmp_path, data_dir):
    bad = rows() + [
        household_row("H-4", "adopted", "2023-01-01"),  # row 10
        household_row("H-5", "approved", "2024-07-01"),  # row 11: in the future
        household_row("H-6", "approved", "2023-01-01", date_of_birth="2019-01-01"),  # row 12: a child's cell
        household_row("", "approved", "2023-01-01"),  # row 13: no household named
        dict(row("", "entered_care", "2023-01-01"), local_authority=LA),  # row 14: a council and no child
        household_row("H-7", "enquiry", "2023-01-01", reason="curious"),  # row 15: enquiry takes no reason
        row("CV-2", "placed", "2023-01-01", household="H-1"),  # row 16: a child's row, no rule broken
        row("CV-2", "matched", "2023-02-01", household="H-1"),  # row 17: match after placement
    ]
    path = write_milestones_csv(tmp_path / "bad.csv", bad)

    result = cli(data_dir, "import", "milestones", str(path))

    assert result.exit_code == EXIT_BAD_ROWS, result.output
    problems = [line for line in result.stderr.splitlines() if line.startswith("row ")]
    assert [p.split(": ")[0:3] for p in problems] == [
        ["row 10", "household H-4", "invalid value"],
        ["row 11", "household H-5", "date in the future"],
        ["row 12", "household H-6", "invalid value"],
        ["row 13", "no child", "missing value"],
        ["row 14", "no child", "missing value"],
        ["row 15", "household H-7", "invalid value"],
        ["row 17", "child CV-2 of Coventry", "match after placement"],
    ]
    assert "not date_of_birth" in problems[2]
    assert "with both empty, a household" in problems[3]
    assert "both empty for a household's own milestone" in problems[4]
    assert event_count(open_app(data_dir)) == 0


def test_skip_invalid_skips_a_household_with_a_bad_row_whole(tmp_path, data_dir):
    path = write_milestones_csv(tmp_path / "skip.csv", rows() + [household_row("H-3", "review", "31/12/2023")])

    result = cli(data_dir, "import", "milestones", "--skip-invalid", str(path))

    assert result.exit_code == EXIT_BAD_ROWS, result.output
    assert "row 10: household H-3: invalid value" in result.stderr
    assert "Skipped 1 household with bad rows: H-3" in result.stderr
    assert "Imported 6 milestones for 1 child and 2 households" in result.stdout
    app = open_app(data_dir)
    assert app.load_household("H-2").interagency is True
    from journey.domain.errors import HouseholdNotFound
    with pytest.raises(HouseholdNotFound):
        app.load_household("H-3")


def test_the_export_writes_a_households_own_milestones_as_household_rows(tmp_path, data_dir):
    path = write_milestones_csv(tmp_path / "in.csv", rows())
    assert cli(data_dir, "import", "milestones", str(path)).exit_code == 0
    app = open_app(data_dir)
    app.correct_household("H-1", "approved", "2022-09-12", "2022-09-14", reason="the ADM's letter", recorded_by=BY)
    app.withdraw_household("H-3", "enquiry", "2023-03-01", reason="another household's", recorded_by=BY)
    export = tmp_path / "out.csv"

    assert cli(data_dir, "export", "milestones", str(export)).exit_code == 0

    with open(export, newline="") as f:
        exported = list(csv.DictReader(f))
    households = [r for r in exported if not r["child_ref"]]
    assert [(r["household"], r["milestone"], r["occurred_on"], r["reason"], r["interagency"], r["recorded_by"], r["local_authority"])
            for r in households] == [
        ("H-1", "registration_of_interest", "2022-02-01", "", "", "amy", ""),
        ("H-1", "approved", "2022-09-14", "", "", f"{BY} (import of in.csv)", ""),
        ("H-2", "approved", "2023-01-16", "", "yes", f"{BY} (import of in.csv)", ""),
        ("H-3", "withdrawn", "2023-04-03", "moved abroad", "", f"{BY} (import of in.csv)", ""),
    ]
    # The child's matched and placed are on the child's rows only.
    assert [(r["child_ref"], r["milestone"], r["household"]) for r in exported if r["child_ref"]] == [
        ("CV-1", "entered_care", ""), ("CV-1", "matched", "H-1"), ("CV-1", "placed", "H-1"),
    ]
