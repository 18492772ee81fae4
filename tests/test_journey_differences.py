"""What differs between a replayed journey and today's: withdrawn since, corrected
since (both dates given), added since (recorded after the replay's moment, or
happening after its date); unchanged milestones are not listed."""

from __future__ import annotations

from journey.service import journey_differences


def entry(event_id, milestone, occurred_on, **details):
    return {"event_id": event_id, "milestone": milestone, "occurred_on": occurred_on, "details": details}


def test_withdrawn_corrected_and_added_since():
    then = {"as_at": "2024-06-30", "entries": [
        entry(1, "entered_care", "2023-01-05"),
        entry(2, "adm_decision", "2023-06-01"),
        entry(3, "placement_order", "2023-09-01", authority="placement_order"),
        entry(4, "family_finding_started", "2023-09-10"),
    ]}
    now = {"as_at": "2025-03-31", "entries": [
        entry(1, "entered_care", "2023-01-05"),
        entry(2, "adm_decision", "2023-06-08"),
        entry(3, "placement_order", "2023-09-01", authority="freeing_order"),
        entry(5, "register_referral", "2023-10-01"),
        entry(6, "matched", "2024-09-01", household="H-1"),
    ]}
    found = journey_differences(then, now)
    assert set(found["then"]) == {2, 3, 4} and set(found["now"]) == {2, 3, 5, 6}
    assert found["then"][4]["change"] == "withdrawn" and found["then"][4]["words"] == "Withdrawn since"
    assert found["then"][2] | {"words": None} == {"change": "corrected", "was": "2023-06-01", "now": "2023-06-08", "words": None}
    assert "was 1 Jun 2023, now 8 Jun 2023" in found["then"][2]["words"]
    assert found["then"][3]["change"] == "corrected" and found["then"][3]["words"] == "Corrected since"  # details only
    assert found["now"][5]["words"] == "Added since: recorded after the replay's time"
    assert found["now"][6]["words"] == "Added since: it happened after the replay's date"
    assert found["count"] == 5  # two corrections, one withdrawal, two added


def test_the_same_journey_has_no_difference():
    journey = {"as_at": "2025-03-31", "entries": [entry(1, "entered_care", "2023-01-05")]}
    assert journey_differences(journey, journey) == {"then": {}, "now": {}, "count": 0}
