"""Recording a milestone the record already holds (the same child, milestone, date
and household) adds nothing, as importing it again does: the service answers
`already_recorded: True` and writes no event; `journey record` says so and exits 0.
The same for a household's own milestone (`record-household`)."""

from __future__ import annotations

import pytest
from factories import BY, LA, VIEWER, cli


pytestmark = pytest.mark.usefixtures("today_fixed")  # 30 June 2024


def test_the_service_records_a_milestone_once(service):
    first = service.record(LA, "CV-1", "matched", "2024-04-02", {"household": "H-1"}, recorded_by=BY)
    before = service.log_length()

    again = service.record(LA, "CV-1", "matched", "2024-04-02", {"household": "H-1"}, recorded_by="someone else")

    assert first["already_recorded"] is False
    assert again["already_recorded"] is True
    assert (again["event_id"], again["event_ids"], again["position"], again["alerts"]) == (first["event_id"], [], None, {})
    assert service.log_length() == before
    assert [e["type"] for e in service.household_history("H-1", viewer=VIEWER)["entries"]] == ["household", "milestone"]


def test_another_household_or_date_is_another_milestone(service):
    service.record(LA, "CV-1", "link_identified", "2024-04-02", {"household": "H-1"}, recorded_by=BY)
    other_household = service.record(LA, "CV-1", "link_identified", "2024-04-02", {"household": "H-2"}, recorded_by=BY)
    other_day = service.record(LA, "CV-1", "link_identified", "2024-04-03", {"household": "H-1"}, recorded_by=BY)
    assert not other_household["already_recorded"] and not other_day["already_recorded"]
    # An adoption order naming no household is the placement's: the same as one naming it.
    service.record(LA, "CV-1", "placed", "2024-05-01", {"household": "H-1"}, recorded_by=BY)
    service.record(LA, "CV-1", "adoption_order", "2024-06-03", {"household": "H-1"}, recorded_by=BY)
    assert service.record(LA, "CV-1", "adoption_order", "2024-06-03", recorded_by=BY)["already_recorded"] is True


def test_a_withdrawn_milestone_can_be_recorded_again(service):
    service.record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    service.withdraw(LA, "CV-1", "entered_care", "2024-01-10", reason="withdrawn by mistake", recorded_by=BY)
    again = service.record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    assert again["already_recorded"] is False and again["event_ids"]


def test_journey_record_says_already_recorded_and_exits_0(service):
    data_dir = service.settings.data_dir
    args = ("record", "--la", LA, "CV-1", "placed", "2024-04-22", "--household", "H-1")
    assert cli(data_dir, *args).exit_code == 0
    before = service.log_length()

    again = cli(data_dir, *args)

    assert again.exit_code == 0, again.output
    assert again.stdout == "Already recorded: placed on 2024-04-22 for child CV-1 of Coventry (event 2); nothing added.\n"
    assert service.log_length() == before


def test_a_households_own_milestone_is_recorded_once(service):
    first = service.record_household("H-1", "approved", "2024-01-09", recorded_by=BY)
    before = service.log_length()

    again = cli(service.settings.data_dir, "record-household", "H-1", "approved", "2024-01-09")

    assert again.exit_code == 0, again.output
    assert again.stdout == f"Already recorded: approved on 2024-01-09 for household H-1 (event {first['event_id']}); nothing added.\n"
    assert service.log_length() == before
    assert service.record_household("H-1", "approved", "2024-01-09", recorded_by=BY)["already_recorded"] is True
