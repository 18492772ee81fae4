"""A household is a first-class record: its history (`journey history --household`),
its own milestones corrected (`correct-household`) and withdrawn
(`withdraw-household`), each a whole unit of work through the service (read models
caught up, the household's alerts swept, plain values returned). A child's
milestone copied to the household is changed on the child: refused here."""

from __future__ import annotations

import json

import pytest
from factories import BY, LA, TODAY, VIEWER, cli, make_settings

from journey.domain.errors import CopiedFromChild, MilestoneNotFound
from journey.service import Tracker

pytestmark = pytest.mark.usefixtures("today_fixed")  # 30 June 2024


def adopters(service: Tracker) -> None:
    """H-1: registered, approved (keyed a day late), matched and placed with CV-1."""
    for milestone, day in (("registration_of_interest", "2023-06-05"), ("stage1_started", "2023-07-03"),
                           ("stage1_completed", "2023-08-25"), ("stage2_started", "2023-09-04"),
                           ("approved", "2024-01-09")):
        service.record_household("H-1", milestone, day, recorded_by=BY)
    service.record(LA, "CV-1", "matched", "2024-04-02", {"household": "H-1"}, recorded_by=BY)
    service.record(LA, "CV-1", "placed", "2024-04-22", {"household": "H-1"}, recorded_by=BY)


def test_correcting_a_households_milestone_is_a_unit_of_work(service):
    adopters(service)
    assert service.quarterly_report("2023-24-Q4")["households"]["approved"] == 1

    done = service.correct_household("H-1", "approved", "2024-01-09", "2023-12-28", reason="the ADM's letter", recorded_by="auditor")

    assert json.loads(json.dumps(done)) == done
    assert (done["household"], done["milestone"], done["occurred_on"], done["corrects"]) == ("H-1", "approved", "2023-12-28", 6)
    assert done["event_ids"] == [done["event_id"]]
    assert done["position"] == service.log_length() == service.read_models_status()["position"]
    # The read models hold the corrected date: the approval moved to the quarter before.
    assert service.quarterly_report("2023-24-Q4")["households"]["approved"] == 0
    assert service.quarterly_report("2023-24-Q3")["households"]["approved"] == 1
    entries = service.household_history("H-1", viewer=VIEWER)["entries"]
    assert entries[-1]["type"] == "correction" and entries[-1]["recorded_by"] == "auditor"
    assert entries[-1]["corrects"] == {"event_id": 6, "milestone": "approved", "occurred_on": "2024-01-09"}


def test_withdrawing_a_households_milestone_sweeps_its_alerts(service):
    service.record_household("H-2", "stage1_started", "2024-01-08", recorded_by=BY)
    closed = service.record_household("H-2", "stage1_completed", "2024-02-26", recorded_by=BY)
    assert closed["alerts"] == {"closed": 1}  # stage 1 within 2 months, breached on 9 March

    done = service.withdraw_household("H-2", "stage1_completed", "2024-02-26", reason="keyed for the wrong household", recorded_by=BY)

    assert done["alerts"] == {"reopened": 1}
    assert done["position"] == service.log_length() == service.read_models_status()["position"]
    [alert] = service.alerts(status="open")
    assert (alert["rule"], alert["level"]) == ("adopter-stage-1", "breach")
    # Withdrawn, it can be recorded again (on its right date).
    again = service.record_household("H-2", "stage1_completed", "2024-03-01", recorded_by=BY)
    assert again["alerts"] == {"closed": 1}


def test_a_milestone_copied_from_a_child_is_refused_naming_the_child(service):
    adopters(service)
    before = service.log_length()

    with pytest.raises(CopiedFromChild) as corrected:
        service.correct_household("H-1", "placed", "2024-04-22", "2024-04-23", reason="typo", recorded_by=BY)
    with pytest.raises(CopiedFromChild) as withdrawn:
        service.withdraw_household("H-1", "matched", "2024-04-02", reason="typo", recorded_by=BY)

    assert (corrected.value.child_ref, corrected.value.local_authority) == ("CV-1", LA)
    assert "copied from child CV-1 of Coventry" in withdrawn.value.message
    assert "on the child" in withdrawn.value.message
    assert service.log_length() == before
    # Through the child, the copy follows.
    service.correct(LA, "CV-1", "placed", "2024-04-22", "2024-04-23", reason="typo", recorded_by=BY)
    as_at = service.household_journey_as_at("H-1", "2024-06-30", viewer=VIEWER)
    assert [(e["milestone"], e["occurred_on"]) for e in as_at["entries"]][-2:] == [("matched", "2024-04-02"), ("placed", "2024-04-23")]


def test_refused_household_changes_write_nothing(service):
    adopters(service)
    before = service.log_length()
    with pytest.raises(MilestoneNotFound):
        service.withdraw_household("H-1", "approved", "2024-01-10", reason="x", recorded_by=BY)
    with pytest.raises(Exception, match="in the future"):
        service.correct_household("H-1", "approved", "2024-01-09", "2024-07-01", reason="x", recorded_by=BY)
    with pytest.raises(Exception, match="needs a reason") as no_reason:
        service.correct_household("H-1", "approved", "2024-01-09", "2024-01-08", reason=" ", recorded_by=BY)
    assert no_reason.value.field == "reason"
    with pytest.raises(Exception, match="changes nothing"):
        service.correct_household("H-1", "approved", "2024-01-09", "2024-01-09", reason="x", recorded_by=BY)
    assert service.log_length() == before


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def data_dir(service):
    adopters(service)
    return service.settings.data_dir


def test_history_household_lists_its_own_milestones_and_the_copies(data_dir):
    result = cli(data_dir, "history", "--household", "H-1")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Household H-1"
    assert lines[1].startswith("  [1] Household registered")
    assert "9 Jan 2024: approved as adopters" in lines[6]
    assert "2 Apr 2024: matched (child ref: CV-1, local authority: Coventry)" in lines[7]
    as_json = json.loads(cli(data_dir, "history", "--household", "H-1", "--json").stdout)
    assert [e["type"] for e in as_json] == ["household"] + ["milestone"] * 7
    assert as_json[5]["milestone"] == "approved" and as_json[5]["recorded_by"] == BY
    as_at = json.loads(cli(data_dir, "history", "--household", "H-1", "--as-at", "2023-12-31", "--json").stdout)
    assert [e["milestone"] for e in as_at] == ["registration_of_interest", "stage1_started", "stage1_completed", "stage2_started"]
    early = cli(data_dir, "history", "--household", "H-1", "--as-known-on", "2000-01-01")
    assert early.stdout.splitlines()[1:] == ["  (nothing recorded)"]


def test_history_takes_a_household_or_a_child_not_both(data_dir):
    both = cli(data_dir, "history", "--household", "H-1", "--la", LA, "CV-1")
    neither = cli(data_dir, "history")
    child_without_council = cli(data_dir, "history", "CV-1")
    for result in (both, neither, child_without_council):
        assert result.exit_code == 2, result.output
    assert "--household" in both.stderr
    assert cli(data_dir, "history", "--la", LA, "CV-1").stdout.startswith("Child CV-1 of Coventry\n")
    unknown = cli(data_dir, "history", "--household", "H-404")
    assert unknown.exit_code == 1 and "no household H-404 is recorded" in unknown.stderr


def test_correct_and_withdraw_household_on_the_command_line(data_dir):
    corrected = cli(data_dir, "correct-household", "H-1", "approved", "2024-01-09", "2024-01-08", "--reason", "the ADM's letter")
    withdrawn = cli(data_dir, "withdraw-household", "H-1", "stage2_started", "2023-09-04", "--reason", "another household's")

    assert corrected.exit_code == 0, corrected.output
    assert corrected.stdout == "Corrected event 6 of household H-1 (event 9).\n"
    assert withdrawn.exit_code == 0, withdrawn.output
    assert withdrawn.stdout == "Withdrew event 5 of household H-1 (event 10).\n"
    lines = cli(data_dir, "history", "--household", "H-1").stdout.splitlines()
    assert "Correction of approved as adopters of 9 Jan 2024 (event 6): now 8 Jan 2024; reason: the ADM's letter" in lines[9]
    assert "Withdrawal of stage 2 started of 4 Sep 2023 (event 5); reason: another household's" in lines[10]


def test_a_copy_is_refused_on_the_command_line_saying_to_use_the_child(data_dir):
    before = Tracker(make_settings(data_dir.parent)).log_length()

    corrected = cli(data_dir, "correct-household", "H-1", "matched", "2024-04-02", "2024-04-03", "--reason", "typo")
    withdrawn = cli(data_dir, "withdraw-household", "H-1", "placed", "2024-04-22", "--reason", "typo")

    assert corrected.exit_code == withdrawn.exit_code == 1
    assert "copied from child CV-1 of Coventry" in corrected.stderr
    assert "journey correct --la Coventry CV-1 matched 2024-04-02 2024-04-03" in corrected.stderr
    assert "journey withdraw --la Coventry CV-1 placed 2024-04-22" in withdrawn.stderr
    assert Tracker(make_settings(data_dir.parent)).log_length() == before


def test_two_own_milestones_on_one_date_are_picked_by_event(service):
    service.record_household("H-3", "review", "2024-02-01", recorded_by=BY)
    service.record_household("H-3", "review", "2024-03-01", recorded_by=BY)
    service.correct_household("H-3", "review", "2024-03-01", "2024-02-01", reason="same meeting", recorded_by=BY)
    data_dir = service.settings.data_dir

    refused = cli(data_dir, "withdraw-household", "H-3", "review", "2024-02-01", "--reason", "duplicate")
    assert refused.exit_code == 1
    assert "event 2" in refused.stderr and "event 3" in refused.stderr
    assert refused.stderr.rstrip().endswith("say which by its event id: give --event")

    done = cli(data_dir, "withdraw-household", "H-3", "review", "2024-02-01", "--reason", "duplicate", "--event", "3")
    assert done.exit_code == 0, done.output
    assert [e["event_id"] for e in service.household_journey_as_at("H-3", TODAY, viewer=VIEWER)["entries"]] == [2]


def test_siblings_placed_together_are_refused_as_copies_not_as_two_to_choose_from(service):
    for ref in ("CV-1", "CV-2"):
        service.record(LA, ref, "matched", "2024-04-02", {"household": "H-1"}, recorded_by=BY)
        service.record(LA, ref, "placed", "2024-04-22", {"household": "H-1"}, recorded_by=BY)

    result = cli(service.settings.data_dir, "withdraw-household", "H-1", "placed", "2024-04-22", "--reason", "typo")

    assert result.exit_code == 1
    assert "copied from child CV-1 of Coventry and child CV-2 of Coventry" in result.stderr
    assert "journey withdraw --la Coventry CV-1 placed 2024-04-22" in result.stderr


def test_household_history_is_history_household(data_dir):
    for options in ((), ("--json",), ("--as-at", "2023-12-31", "--json"), ("--as-known-on", "2000-01-01")):
        short = cli(data_dir, "household-history", "H-1", *options)
        assert short.exit_code == 0, short.output
        assert short.stdout == cli(data_dir, "history", "--household", "H-1", *options).stdout
