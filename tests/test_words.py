"""Words: counts in the number they take, attributes as a tracker reads them, times
to the second (so that `--as-known-on` can be chosen from a history)."""

from __future__ import annotations

import pytest
from factories import BY, LA, TODAY, VIEWER, cli, make_settings, write_agency

from journey.domain import clock
from journey.domain.words import attribute_words, counted
from journey.service import Tracker


@pytest.fixture(autouse=True)
def today():
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


def test_counts_take_their_number():
    assert [counted(n, "child") for n in (0, 1, 2)] == ["0 children", "1 child", "2 children"]
    assert counted(1, "gap") == "1 gap" and counted(3, "breach") == "3 breaches"


def test_attributes_in_a_trackers_words():
    assert attribute_words("sex", "2") == "sex: female" and attribute_words("sex", "1") == "sex: male"
    assert attribute_words("disability", False) == "disability: no"
    assert attribute_words("sibling_group", "SG-7") == "sibling group: SG-7"


def test_a_history_says_sex_and_disability_in_words_and_times_to_the_second(tmp_path):
    settings = make_settings(tmp_path)
    write_agency(settings.data_dir)
    tracker = Tracker(settings)
    tracker.child(LA, "CV-1", {"sex": "2", "disability": "no", "date_of_birth": "2020-05-01"}, recorded_by=BY)
    [entry] = tracker.child_history(LA, "CV-1", viewer=VIEWER)["entries"]
    assert "sex: female" in entry["sentence"] and "disability: no" in entry["sentence"]
    assert "sex 2" not in entry["sentence"] and "False" not in entry["sentence"]
    text = cli(settings.data_dir, "history", "--la", LA, "CV-1").stdout
    recorded = entry["sentence"].split("(recorded ")[1].split(" by ")[0]
    assert len(recorded.split(":")) == 3, recorded  # hours, minutes and seconds
    assert recorded in text


def test_the_quarterly_text_puts_reversals_under_their_own_heading(tmp_path):
    settings = make_settings(tmp_path)
    write_agency(settings.data_dir)
    tracker = Tracker(settings)
    for step in (("entered_care", "2023-10-01"), ("adm_decision", "2023-11-01"), ("decision_reversed", "2024-02-01", {"reason": "RD3"})):
        tracker.record(LA, "CV-1", *step, recorded_by=BY)
    text = cli(settings.data_dir, "report", "quarterly", "--quarter", "2023-24-Q4").stdout
    lines = text.splitlines()
    heading = lines.index("Decisions reversed in the quarter: 1")
    assert "RD3" in lines[heading + 1] and "adopters could not be found" in lines[heading + 1]
    assert "(ren)" not in text and "(s)" not in text


def test_skip_invalid_reports_the_children_it_imported_when_a_row_names_no_known_council(tmp_path):
    from factories import row, write_milestones_csv

    settings = make_settings(tmp_path)
    write_agency(settings.data_dir)
    path = write_milestones_csv(tmp_path / "in.csv", [
        row("CV-1", "entered_care", "2024-01-10"),
        row("CV-2", "entered_care", "2024-01-10"),
        row("NN-1", "entered_care", "2024-01-10", la="Narnia"),
        row("", "entered_care", "2024-01-10"),
    ])
    result = cli(settings.data_dir, "import", "milestones", str(path), "--skip-invalid")
    assert "Imported 2 milestones for 2 children" in result.stdout, result.output
    assert "Skipped 2 children with bad rows" in result.stderr

