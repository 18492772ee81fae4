"""Who is waiting (domain.md section 2) has one definition, `journey.domain.waiting`:
`journey waiting`, the board report's children waiting and the `children` read
model agree, and so does the child's stage.

Waiting: an `adm_decision` in the current plan of the current period of care, not
yet placed, not exited. A new `entered_care` starts a new period of care even when
no `left_care` was recorded (a gap): a decision from an earlier period does not count.
"""

from __future__ import annotations

import datetime
import json
import random

import pytest
from click.testing import CliRunner

from journey.domain import clock
from journey.domain.milestones import in_journey_order
from journey.domain.stages import stage_of_journey
from journey.domain.waiting import WAITING_STAGES, current_dates_of_journey
from projections import catch_up, open_read_models
from projections.queries import child as child_row, waiting_children
from projections.reports import children_waiting_on, quarterly_report

from factories import make_two_council_settings, projections_cli
from test_derive_speed_equivalence import random_stream

d = datetime.date.fromisoformat
TODAY = d("2019-06-30")
LA = "Coventry"


@pytest.fixture
def tracked(tmp_path, settings_tracker):
    clock.set_today(TODAY)
    db = open_read_models(settings_tracker.settings.read_models_path)
    yield settings_tracker, db
    db.close()
    clock.set_today(None)


@pytest.fixture
def settings(tmp_path):
    return make_two_council_settings(tmp_path)


def record(app, ref, *steps):
    for name, day, *details in steps:
        app.record(LA, ref, name, day, details[0] if details else None, recorded_by="test")


def waiting_everywhere(app, db, ref, on=TODAY):
    """(stage, waiting) of child `ref` as each path sees it: the read model, the
    waiting list, the board report (total and by stage) and `journey stage`/`show`."""
    catch_up(app, db)
    row = child_row(db, LA, ref, today=on)
    listed = [e["child_ref"] for e in waiting_children(db, today=on)]
    board = children_waiting_on(db, on)
    runner = CliRunner()
    cli_list = json.loads(
        runner.invoke(projections_cli(), ["--data-dir", str(app.settings.data_dir), "waiting", "--json"]).output
    )
    return {
        "read model": (row["stage"], row["waiting"]),
        "journey waiting": ref in listed and ref in [e["child_ref"] for e in cli_list],
        "board report": (board["children"], board["by_stage"]),
        "stage": app.summary(LA, ref)["stage"],
    }


def test_a_decision_before_a_new_entry_to_care_does_not_count(tracked):
    app, db = tracked
    # Entered care, a decision, then entered care again with no left_care recorded (a gap).
    record(app, "RE-1", ("entered_care", "2018-01-10"), ("adm_decision", "2018-03-01"), ("entered_care", "2018-06-01"))
    assert waiting_everywhere(app, db, "RE-1") == {
        "read model": ("in_care", False),
        "journey waiting": False,
        "board report": (0, {}),
        "stage": "in_care",
    }
    # The new period's stage counts from its own entry to care.
    assert child_row(db, LA, "RE-1", today=TODAY)["stage_since"] == "2018-06-01"
    # A decision in the new period makes the child wait again, everywhere.
    record(app, "RE-1", ("adm_decision", "2018-09-03"))
    assert waiting_everywhere(app, db, "RE-1") == {
        "read model": ("decision", True),
        "journey waiting": True,
        "board report": (1, {"decision": 1}),
        "stage": "decision",
    }


def test_a_decision_after_leaving_care_is_not_waiting(tracked):
    app, db = tracked
    # Left care, then a decision recorded with no new entry to care: outside any period of care.
    record(app, "LC-1", ("entered_care", "2018-01-10"), ("left_care", "2018-04-01"), ("adm_decision", "2018-05-01"))
    assert waiting_everywhere(app, db, "LC-1") == {
        "read model": ("exited", False),
        "journey waiting": False,
        "board report": (0, {}),
        "stage": "exited",
    }


def test_a_decision_on_the_day_of_entering_care_counts_in_either_order_of_recording(tracked):
    app, db = tracked
    record(app, "SD-1", ("entered_care", "2018-03-01"), ("adm_decision", "2018-03-01"))
    record(app, "SD-2", ("adm_decision", "2018-03-01"), ("entered_care", "2018-03-01"))
    for ref in ("SD-1", "SD-2"):
        assert waiting_everywhere(app, db, ref) == {
            "read model": ("decision", True),
            "journey waiting": True,
            "board report": (2, {"decision": 2}),
            "stage": "decision",
        }, ref


def test_a_placement_order_with_no_decision_recorded_is_not_waiting(tracked):
    app, db = tracked
    # A tracker who starts mid-journey: the order, but no decision (`journey check` lists the gap).
    # Not waiting, so not at a waiting stage either: in care until the decision is recorded.
    record(app, "GAP-1", ("entered_care", "2018-01-10"), ("placement_order", "2018-05-01"), ("matched", "2018-07-01"))
    assert waiting_everywhere(app, db, "GAP-1") == {
        "read model": ("in_care", False),
        "journey waiting": False,
        "board report": (0, {}),
        "stage": "in_care",
    }
    assert child_row(db, LA, "GAP-1", today=TODAY)["stage_since"] == "2018-01-10"
    # Recording the decision that was missing puts the child where its journey is.
    record(app, "GAP-1", ("adm_decision", "2018-03-01"))
    assert waiting_everywhere(app, db, "GAP-1") == {
        "read model": ("matched", True),
        "journey waiting": True,
        "board report": (1, {"matched": 1}),
        "stage": "matched",
    }


def test_a_placement_with_no_decision_that_disrupts_returns_the_child_to_care_not_to_authority(tracked):
    app, db = tracked
    record(app, "GAP-2", ("entered_care", "2018-01-10"), ("early_permanence_placement", "2018-02-01", {"kind": "ffa"}),
           ("matched", "2018-06-01"), ("placed", "2018-06-15"), ("disruption", "2018-09-01"))
    assert waiting_everywhere(app, db, "GAP-2") == {
        "read model": ("in_care", False),
        "journey waiting": False,
        "board report": (0, {}),
        "stage": "in_care",
    }
    assert child_row(db, LA, "GAP-2", today=TODAY)["stage_since"] == "2018-09-01"


def test_the_board_report_counts_the_waiting_list_at_the_quarters_end(tracked):
    app, db = tracked
    record(app, "RE-2", ("entered_care", "2018-01-10"), ("adm_decision", "2018-03-01"), ("entered_care", "2019-02-01"))
    record(app, "W-1", ("entered_care", "2018-01-10"), ("adm_decision", "2018-03-01"), ("placement_order", "2018-06-01"))
    catch_up(app, db)
    report = quarterly_report(db, d("2019-01-01"), d("2019-03-31"))
    assert (report["children_waiting"]["children"], report["children_waiting"]["by_stage"]) == (1, {"authority": 1})
    assert [e["child_ref"] for e in waiting_children(db, today=d("2019-03-31"))] == ["W-1"]
    # Before the new entry to care, RE-2 was waiting: the report as on that day says so.
    assert children_waiting_on(db, d("2019-01-31"))["by_stage"] == {"authority": 1, "decision": 1}


def test_the_stage_agrees_with_who_is_waiting_on_any_journey():
    # Seeded random journeys, odd ones included (re-entries, reversals, disruptions,
    # milestones out of order and on the same day).
    rng = random.Random(20261102)
    checked = waiting = 0
    for number in range(4000):
        stream = random_stream(rng, number)
        if stream.kind != "child":
            continue
        journey = in_journey_order(stream.milestones())
        stage, _ = stage_of_journey(journey)
        current = current_dates_of_journey(journey)
        # Waiting is a decision in the current plan at a stage short of placement.
        assert current.waiting == (stage in WAITING_STAGES and current.decision_on is not None), (
            stage, [(m.name, m.occurred_on.isoformat()) for m in journey],
        )
        checked += 1
        waiting += current.waiting
    assert checked > 2500 and waiting > 100
