"""Rules about milestones that every path shares (journey/domain/milestones.py): what a
placement order with no authority is, and what a stream's milestones are once
corrected and withdrawn (the store, the projection and the history ask the same)."""

from __future__ import annotations

from datetime import date

from journey.domain import values
from journey.domain.board import board_counts
from journey.domain.clocks import child_clocks
from journey.domain.measure_dates import measure_dates
from journey.domain.milestones import (
    Milestone,
    MilestoneEntry,
    authority_of,
    current_milestones,
    in_journey_order,
    is_court_authority,
)
from journey.domain.timescale_rules import load_rules
from journey.domain.waiting import current_dates
from journey.store.history import journey_as_at
from projections.facts import fact_of_event
from projections.stream_state import apply, new_state

from factories import make_tracker

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


def test_an_entry_stands_as_its_latest_correction_and_a_withdrawal_leaves_it_out():
    placed = MilestoneEntry(3, "placed", d("2019-03-15"), {"household": "HH-1"})
    entries = [MilestoneEntry(1, "entered_care", d("2018-01-02"), {}), MilestoneEntry(2, "matched", d("2019-03-01"), {}), placed]
    placed.correct(d("2019-03-18"), {"household": "HH-2"})  # all the details are replaced
    entries[1].withdraw()
    assert current_milestones(entries) == [
        Milestone(1, "entered_care", d("2018-01-02"), {}),
        Milestone(3, "placed", d("2019-03-18"), {"household": "HH-2"}),
    ]


def test_the_store_the_projection_and_the_history_agree_on_the_current_milestones(tmp_path):
    app = make_tracker(tmp_path)
    try:
        for name, day in (("entered_care", "2018-01-02"), ("adm_decision", "2018-03-01"),
                          ("placement_order", "2018-05-01"), ("register_referral", "2018-05-20")):
            app.record("Coventry", "CM-1", name, day, recorded_by="test")
        app.correct("Coventry", "CM-1", "placement_order", "2018-05-01", "2018-05-03", reason="sealed date", recorded_by="test")
        app.withdraw("Coventry", "CM-1", "register_referral", "2018-05-20", reason="in error", recorded_by="test")
        aggregate = app.load_child("Coventry", "CM-1")
        events = app.child_events("Coventry", "CM-1")
        first, *rest = [fact_of_event(event) for event in events]
        state = new_state(first)  # the projection's state of the stream, as --as-known-on builds it
        for fact in rest:
            apply(state, fact)
        expected = [("entered_care", "2018-01-02"), ("adm_decision", "2018-03-01"), ("placement_order", "2018-05-03")]
        for milestones in (aggregate.milestones(), state.milestones()):
            assert [(m.name, m.occurred_on.isoformat()) for m in in_journey_order(milestones)] == expected
        as_at = journey_as_at(events, d("2018-12-31"))
        assert [(e["milestone"], e["occurred_on"]) for e in as_at] == expected
        assert as_at[2]["corrected_by"] and as_at[2]["details"] == {"authority": "placement_order"}
    finally:
        app.close()
