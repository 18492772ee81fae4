"""Rules about milestones that every path shares (journey/domain/milestones.py)."""

from __future__ import annotations

from datetime import date

from journey.domain import values
from journey.domain.board import board_counts
from journey.domain.clocks import child_clocks
from journey.domain.measure_dates import measure_dates
from journey.domain.milestones import Milestone, authority_of, is_court_authority
from journey.domain.timescale_rules import load_rules
from journey.domain.waiting import current_dates

d = date.fromisoformat


def test_a_placement_order_recorded_without_its_authority_is_a_placement_order():
    assert authority_of({}) == "placement_order"
    assert authority_of({"authority": ""}) == "placement_order"
    assert authority_of({"authority": "consent"}) == "consent"
    assert is_court_authority(Milestone(1, "placement_order", d("2018-04-03"), {}))
    assert is_court_authority(Milestone(1, "placement_order", d("2018-04-03"), {"authority": "freeing_order"}))
    assert not is_court_authority(Milestone(1, "placement_order", d("2018-04-03"), {"authority": "consent"}))
    assert not is_court_authority(Milestone(1, "matched", d("2018-04-03"), {}))
    # What users type gets the same default.
    assert values.milestone_details("placement_order", {}) == {"authority": "placement_order"}


def test_every_path_takes_an_order_without_authority_as_a_placement_order():
    journey = [
        Milestone(1, "entered_care", d("2017-01-02"), {}),
        Milestone(2, "adm_decision", d("2017-03-01"), {}),
        Milestone(3, "placement_order", d("2017-06-01"), {}),  # no authority recorded
        Milestone(4, "matched", d("2017-09-01"), {"household": "HH-1"}),
        Milestone(5, "placed", d("2017-10-01"), {"household": "HH-1"}),
        Milestone(6, "adoption_order", d("2018-05-01"), {}),
    ]
    assert measure_dates(journey).authority_on == d("2017-06-01")  # A2 counts it
    assert current_dates(journey[:3]).authority_on == d("2017-06-01")
    assert board_counts([journey], d("2017-04-01"), d("2018-03-31")).placement_orders == 1
    [clock] = [c for c in child_clocks(journey, load_rules()) if c.rule_id == "order-to-match"]
    assert (clock.started_on, clock.stopped_by) == (d("2017-06-01"), "matched")
