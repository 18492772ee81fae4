"""`journey check`: gaps are listed, never refused."""

import datetime

from click.testing import CliRunner

from journey.domain import clock
from journey.cli import main
from journey.domain.gaps import gaps
from journey.domain.milestones import Milestone


def m(event_id, name, day):
    return Milestone(event_id, name, datetime.date.fromisoformat(day))


def test_a_journey_started_mid_way_lists_what_is_missing():
    journey = [m(1, "placement_order", "2021-03-01"), m(2, "placed", "2021-06-01")]
    assert gaps(journey) == [
        "placement_order on 2021-03-01 has no earlier adm_decision recorded",
        "placed on 2021-06-01 has no earlier matched recorded",
    ]


def test_a_complete_journey_has_no_gaps():
    journey = [
        m(1, "entered_care", "2020-01-01"), m(2, "adm_decision", "2020-04-01"), m(3, "placement_order", "2020-06-01"),
        m(4, "matched", "2020-09-01"), m(5, "placed", "2020-09-20"), m(6, "adoption_order", "2021-03-01"),
    ]
    assert gaps(journey) == []


def test_check_command_lists_gaps_for_a_child(tmp_path):
    clock.set_today(datetime.date(2024, 6, 30))
    try:
        runner = CliRunner()
        data = ["--data-dir", str(tmp_path)]
        assert runner.invoke(main, data + ["record", "--la", "Coventry", "CV-1", "placed", "2021-06-01", "--household", "H1"]).exit_code == 0
        result = runner.invoke(main, data + ["check", "--la", "coventry", "CV-1"])
        assert result.exit_code == 1  # a problem to fix
        assert "child CV-1 of Coventry: gap: placed on 2021-06-01 has no earlier matched recorded: record the matched" in result.output
        assert "1 problem in 1 child of 1 child checked." in result.output
    finally:
        clock.set_today(None)
