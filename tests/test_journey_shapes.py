"""One scenario per shape of adoption journey (domain.md sections 2 and 3).

Each scenario records a whole journey through the application, then checks the
child's stage (and the date it began) at the end and on dates along the way, and
what the adoptive households' streams received.
"""

from __future__ import annotations

import datetime

import pytest
from factories import (
    LA,
    TODAY,
    d,
    event_count,
    event_types,
    household_copies,
    milestones_of,
    record_journey,
    stage_on,
)

from journey.domain.errors import JourneyRulesBroken, MatchOrPlacementAfterReversal, MilestoneNotFound


# "Today" is TODAY for every test (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("today_fixed")


@pytest.fixture
def app(tracker):
    """A tracker on a fresh SQLite data directory (tests/conftest.py)."""
    return tracker


def days_since(day: str) -> int:
    return (TODAY - d(day)).days


def current(app, ref):
    j = app.summary(LA, ref)
    return j["stage"], j["stage_since"], j["days_in_stage"]


# -- on time and late ----------------------------------------------------------------------

ON_TIME = [
    ("born", "2021-09-14"),
    ("entered_care", "2022-01-10", {"legal_status": "C2"}),
    ("permanence_plan", "2022-02-20", {"plan": "adoption"}),
    ("adm_decision", "2022-04-01"),
    ("placement_order", "2022-06-01"),
    ("family_finding_started", "2022-06-02"),
    ("link_identified", "2022-07-01", {"household": "H-ONTIME"}),
    ("match_panel", "2022-08-10", {"household": "H-ONTIME"}),
    ("matched", "2022-08-15", {"household": "H-ONTIME"}),
    ("placed", "2022-09-01", {"household": "H-ONTIME"}),
    ("adoption_application", "2022-11-01"),
    ("adoption_order", "2023-02-01"),
]


def test_on_time_journey_ends_adopted_and_passes_every_stage(app):
    record_journey(app, LA, "CV-ONTIME", ON_TIME)

    assert current(app, "CV-ONTIME") == ("adopted", "2023-02-01", days_since("2023-02-01"))
    assert app.summary(LA, "CV-ONTIME")["attributes"]["date_of_birth"] == "2021-09-14"
    # Along the way: each stage from the milestone that began it; milestones that
    # start no stage (plans, panels, links) leave it where it was.
    assert stage_on(app, LA, "CV-ONTIME", "2021-12-01") == ("pre_care", "2021-09-14", 78)
    assert stage_on(app, LA, "CV-ONTIME", "2022-01-10") == ("in_care", "2022-01-10", 0)
    assert stage_on(app, LA, "CV-ONTIME", "2022-03-31") == ("in_care", "2022-01-10", 80)
    assert stage_on(app, LA, "CV-ONTIME", "2022-04-01") == ("decision", "2022-04-01", 0)
    assert stage_on(app, LA, "CV-ONTIME", "2022-08-14") == ("authority", "2022-06-01", 74)
    assert stage_on(app, LA, "CV-ONTIME", "2022-08-20") == ("matched", "2022-08-15", 5)
    assert stage_on(app, LA, "CV-ONTIME", "2022-12-25") == ("placed", "2022-09-01", 115)
    assert stage_on(app, LA, "CV-ONTIME", "2023-02-01") == ("adopted", "2023-02-01", 0)


def test_on_time_journey_copies_match_and_placement_to_the_household(app):
    done = record_journey(app, LA, "CV-ONTIME", ON_TIME)
    child_event_of = {r["milestone"]: r["event_id"] for r in done}

    copies = household_copies(app, "H-ONTIME")
    # An adoption order naming no household goes to the current placement's household.
    assert copies == [
        ("matched", "2022-08-15", "CV-ONTIME"),
        ("placed", "2022-09-01", "CV-ONTIME"),
        ("adoption_order", "2023-02-01", "CV-ONTIME"),
    ]
    household = app.load_household("H-ONTIME")
    for m in household.milestones():
        assert m.details["local_authority"] == LA
        assert m.details["child_event_id"] == child_event_of[m.name]
    # link_identified and match_panel name the household but stay on the child.
    assert [e for e in event_types(app.household_events("H-ONTIME")) if e == "MilestoneRecorded"] == ["MilestoneRecorded"] * 3


def test_adoption_order_naming_the_household_is_copied_to_its_stream(app):
    steps = [s for s in ON_TIME if s[0] != "adoption_order"] + [("adoption_order", "2023-02-01", {"household": "H-ONTIME"})]
    record_journey(app, LA, "CV-ONTIME", steps)

    assert household_copies(app, "H-ONTIME") == [
        ("matched", "2022-08-15", "CV-ONTIME"),
        ("placed", "2022-09-01", "CV-ONTIME"),
        ("adoption_order", "2023-02-01", "CV-ONTIME"),
    ]


def test_late_journey_is_still_waiting_and_counts_its_days(app):
    record_journey(
        app,
        LA,
        "CV-LATE",
        [
            ("entered_care", "2020-01-15"),
            ("adm_decision", "2020-09-01"),
            ("placement_order", "2021-03-01", {"authority": "placement_order"}),
            ("family_finding_started", "2021-03-15"),
            ("register_referral", "2021-06-01"),
            ("link_identified", "2022-04-01", {"household": "H-LATE"}),
            ("match_panel", "2022-06-20", {"household": "H-LATE"}),
            ("matched", "2022-07-01", {"household": "H-LATE", "interagency": "yes"}),
            ("placed", "2022-08-01", {"household": "H-LATE"}),
        ],
    )

    assert current(app, "CV-LATE") == ("placed", "2022-08-01", days_since("2022-08-01"))
    # Waiting for a family for 16 months after the placement order.
    assert stage_on(app, LA, "CV-LATE", "2022-06-30") == ("authority", "2021-03-01", 486)
    assert stage_on(app, LA, "CV-LATE", "2020-08-31") == ("in_care", "2020-01-15", 229)
    assert household_copies(app, "H-LATE") == [("matched", "2022-07-01", "CV-LATE"), ("placed", "2022-08-01", "CV-LATE")]
    # An interagency match makes a new household an interagency one.
    assert app.load_household("H-LATE").interagency is True


# -- early permanence and foster carers ------------------------------------------------------


def test_fostering_for_adoption_from_birth(app):
    record_journey(
        app,
        LA,
        "CV-FFA",
        [
            ("unborn_identified", "2023-01-10", {"expected_due_date": "2023-03-01"}),
            ("pre_proceedings_started", "2023-01-20"),
            ("permanence_plan", "2023-02-01", {"plan": "fostering for adoption"}),
            ("born", "2023-02-20"),
            ("care_proceedings_issued", "2023-02-21"),
            ("entered_care", "2023-02-22", {"legal_status": "C1"}),
            ("early_permanence_placement", "2023-02-22", {"kind": "ffa", "household": "H-FFA"}),
            ("adm_decision", "2023-05-01"),
            ("placement_order", "2023-08-01"),
            ("matched", "2023-09-01", {"household": "H-FFA"}),
            ("placed", "2023-09-10", {"household": "H-FFA", "foster_carer_adoption": "yes", "moved_in_on": "2023-02-22"}),
            ("adoption_application", "2023-10-01"),
            ("adoption_order", "2024-03-01"),
        ],
    )

    assert current(app, "CV-FFA") == ("adopted", "2024-03-01", days_since("2024-03-01"))
    assert stage_on(app, LA, "CV-FFA", "2023-01-09") == ("pre_care", None, None)
    assert stage_on(app, LA, "CV-FFA", "2023-02-19") == ("pre_birth", "2023-01-10", 40)
    assert stage_on(app, LA, "CV-FFA", "2023-02-21") == ("pre_care", "2023-02-20", 1)
    # The FfA placement starts no stage: the child is in care, with no decision yet.
    assert stage_on(app, LA, "CV-FFA", "2023-04-30") == ("in_care", "2023-02-22", 67)
    assert stage_on(app, LA, "CV-FFA", "2023-07-31") == ("decision", "2023-05-01", 91)
    assert stage_on(app, LA, "CV-FFA", "2023-08-31") == ("authority", "2023-08-01", 30)
    assert stage_on(app, LA, "CV-FFA", "2023-09-09") == ("matched", "2023-09-01", 8)
    assert stage_on(app, LA, "CV-FFA", "2023-09-10") == ("placed", "2023-09-10", 0)

    journey = app.summary(LA, "CV-FFA")
    assert journey["attributes"]["date_of_birth"] == "2023-02-20"
    by_name = {m["milestone"]: m for m in journey["milestones"]}
    assert by_name["early_permanence_placement"]["details"] == {"kind": "ffa", "household": "H-FFA"}
    assert by_name["placed"]["details"] == {"household": "H-FFA", "foster_carer_adoption": True, "moved_in_on": "2023-02-22"}
    assert by_name["unborn_identified"]["details"] == {"expected_due_date": "2023-03-01"}
    # The same household: the early permanence placement stays on the child; the
    # match and placement are copied to the household.
    assert household_copies(app, "H-FFA") == [
        ("matched", "2023-09-01", "CV-FFA"),
        ("placed", "2023-09-10", "CV-FFA"),
        ("adoption_order", "2024-03-01", "CV-FFA"),
    ]


def test_foster_carer_adoption(app):
    record_journey(
        app,
        LA,
        "CV-FC",
        [
            ("entered_care", "2021-05-01", {"legal_status": "C2"}),
            ("adm_decision", "2021-11-01"),
            ("placement_order", "2022-03-01"),
            ("matched", "2022-09-15", {"household": "H-FC"}),
            ("placed", "2022-10-01", {"household": "H-FC", "foster_carer_adoption": True, "moved_in_on": "2021-05-01"}),
        ],
    )

    assert current(app, "CV-FC") == ("placed", "2022-10-01", days_since("2022-10-01"))
    placed = [m for m in app.summary(LA, "CV-FC")["milestones"] if m["milestone"] == "placed"][0]
    assert placed["details"]["foster_carer_adoption"] is True
    assert placed["details"]["moved_in_on"] == "2021-05-01"
    assert household_copies(app, "H-FC") == [("matched", "2022-09-15", "CV-FC"), ("placed", "2022-10-01", "CV-FC")]


# -- plans that change -----------------------------------------------------------------------


def test_reversal_then_a_new_decision(app):
    record_journey(
        app,
        LA,
        "CV-REV",
        [
            ("entered_care", "2021-01-01"),
            ("adm_decision", "2021-04-01"),
            ("placement_order", "2021-07-01"),
            ("decision_reversed", "2021-10-01", {"reason": "rd3"}),
        ],
    )
    assert current(app, "CV-REV") == ("exited", "2021-10-01", days_since("2021-10-01"))
    reversal = [m for m in app.summary(LA, "CV-REV")["milestones"] if m["milestone"] == "decision_reversed"][0]
    assert reversal["details"] == {"reason": "RD3"}

    # No match (or placement) until a new decision.
    before = event_count(app)
    with pytest.raises(JourneyRulesBroken) as refused:
        app.record(LA, "CV-REV", "matched", "2021-11-01", {"household": "H-REV"}, recorded_by="tester")
    assert [type(b) for b in refused.value.breaches] == [MatchOrPlacementAfterReversal]
    with pytest.raises(JourneyRulesBroken):
        app.record(LA, "CV-REV", "placed", "2021-11-01", {"household": "H-REV"}, recorded_by="tester")
    assert event_count(app) == before

    record_journey(
        app,
        LA,
        "CV-REV",
        [
            ("adm_decision", "2022-01-10"),
            ("matched", "2022-03-01", {"household": "H-REV"}),
            ("placed", "2022-04-01", {"household": "H-REV"}),
        ],
    )
    assert current(app, "CV-REV") == ("placed", "2022-04-01", days_since("2022-04-01"))
    assert stage_on(app, LA, "CV-REV", "2021-12-31") == ("exited", "2021-10-01", 91)
    assert stage_on(app, LA, "CV-REV", "2022-01-10") == ("decision", "2022-01-10", 0)
    assert stage_on(app, LA, "CV-REV", "2022-03-15") == ("matched", "2022-03-01", 14)
    assert household_copies(app, "H-REV") == [("matched", "2022-03-01", "CV-REV"), ("placed", "2022-04-01", "CV-REV")]


def test_disruption_then_a_second_placement(app):
    record_journey(
        app,
        LA,
        "CV-DIS",
        [
            ("entered_care", "2020-02-01"),
            ("adm_decision", "2020-05-01"),
            ("placement_order", "2020-08-01"),
            ("matched", "2020-11-01", {"household": "H-FIRST"}),
            ("placed", "2020-12-01", {"household": "H-FIRST"}),
            ("disruption", "2021-03-01", {"reason": "placement broke down"}),
            ("matched", "2021-09-01", {"household": "H-SECOND"}),
            ("placed", "2021-10-01", {"household": "H-SECOND"}),
            ("adoption_order", "2022-06-01"),
        ],
    )

    assert current(app, "CV-DIS") == ("adopted", "2022-06-01", days_since("2022-06-01"))
    assert stage_on(app, LA, "CV-DIS", "2021-02-28") == ("placed", "2020-12-01", 89)
    # A disruption returns the child to `authority`, from the disruption's date.
    assert stage_on(app, LA, "CV-DIS", "2021-03-01") == ("authority", "2021-03-01", 0)
    assert stage_on(app, LA, "CV-DIS", "2021-08-31") == ("authority", "2021-03-01", 183)
    assert stage_on(app, LA, "CV-DIS", "2021-09-15") == ("matched", "2021-09-01", 14)
    assert stage_on(app, LA, "CV-DIS", "2021-10-01") == ("placed", "2021-10-01", 0)
    assert household_copies(app, "H-FIRST") == [("matched", "2020-11-01", "CV-DIS"), ("placed", "2020-12-01", "CV-DIS")]
    assert household_copies(app, "H-SECOND") == [
        ("matched", "2021-09-01", "CV-DIS"),
        ("placed", "2021-10-01", "CV-DIS"),
        ("adoption_order", "2022-06-01", "CV-DIS"),
    ]


def test_re_entry_to_care_then_a_decision(app):
    record_journey(
        app,
        LA,
        "CV-RE",
        [
            ("entered_care", "2018-03-01", {"legal_status": "V2"}),
            ("permanence_plan", "2018-05-01", {"plan": "return home"}),
            ("left_care", "2019-01-01", {"reason": "returned home"}),
            ("entered_care", "2021-02-01", {"legal_status": "C2"}),
            ("adm_decision", "2021-06-01"),
        ],
    )

    assert current(app, "CV-RE") == ("decision", "2021-06-01", days_since("2021-06-01"))
    assert stage_on(app, LA, "CV-RE", "2018-12-31") == ("in_care", "2018-03-01", 305)
    assert stage_on(app, LA, "CV-RE", "2020-01-01") == ("exited", "2019-01-01", 365)
    # A new period of care begins the `in_care` stage again from its own date.
    assert stage_on(app, LA, "CV-RE", "2021-05-31") == ("in_care", "2021-02-01", 119)
    assert milestones_of(app, LA, "CV-RE")[3] == ("entered_care", "2021-02-01")


# -- corrections and withdrawals ---------------------------------------------------------------


def test_correction_moves_a_date_and_keeps_the_original(app):
    done = record_journey(app, LA, "CV-COR", ON_TIME[:10])  # up to and including placed
    po_event = next(r["event_id"] for r in done if r["milestone"] == "placement_order")
    placed_event = next(r["event_id"] for r in done if r["milestone"] == "placed")

    # The placement order was granted on 3 May, keyed as 1 June.
    app.correct(LA, "CV-COR", "placement_order", "2022-06-01", "2022-05-03", reason="date of the order, not of keying", recorded_by="auditor")
    # The placement was on 5 September.
    app.correct(LA, "CV-COR", "placed", "2022-09-01", "2022-09-05", reason="wrong date keyed", recorded_by="auditor")

    journey = app.summary(LA, "CV-COR")
    assert journey["stage"] == "placed"
    assert journey["stage_since"] == "2022-09-05"
    assert journey["days_in_stage"] == days_since("2022-09-05")
    by_event = {m["event_id"]: m for m in journey["milestones"]}
    assert by_event[po_event]["occurred_on"] == "2022-05-03"
    assert by_event[placed_event]["occurred_on"] == "2022-09-05"
    # Stages along the way follow the corrected dates.
    assert stage_on(app, LA, "CV-COR", "2022-05-15") == ("authority", "2022-05-03", 12)
    assert stage_on(app, LA, "CV-COR", "2022-09-02")[0] == "matched"

    # The originals stay in the child's stream, with the corrections after them.
    events = app.child_events(LA, "CV-COR")
    originals = {e.originator_version: e for e in events if type(e).__name__ == "MilestoneRecorded"}
    assert originals[po_event].occurred_on == datetime.date(2022, 6, 1)
    assert originals[placed_event].occurred_on == datetime.date(2022, 9, 1)
    corrections = [e for e in events if type(e).__name__ == "MilestoneCorrected"]
    assert [(c.corrects, c.was_on, c.occurred_on, c.recorded_by) for c in corrections] == [
        (po_event, d("2022-06-01"), d("2022-05-03"), "auditor"),
        (placed_event, d("2022-09-01"), d("2022-09-05"), "auditor"),
    ]

    # The household's copy of the placement follows the correction.
    assert household_copies(app, "H-ONTIME") == [("matched", "2022-08-15", "CV-COR"), ("placed", "2022-09-05", "CV-COR")]
    household_events = app.household_events("H-ONTIME")
    assert event_types(household_events)[-1] == "MilestoneCorrected"
    assert household_events[-1].reason == "wrong date keyed"


def test_correcting_a_match_that_keeps_the_household_corrects_the_household_copy(app):
    record_journey(app, LA, "CV-MC", ON_TIME[:9])  # up to and including matched
    copy_before = app.load_household("H-ONTIME").milestones()[0]

    app.correct(LA, "CV-MC", "matched", "2022-08-15", "2022-08-18", reason="ADM signed on the 18th", recorded_by="tester", household="H-ONTIME")

    assert household_copies(app, "H-ONTIME") == [("matched", "2022-08-18", "CV-MC")]
    corrected = app.household_events("H-ONTIME")[-1]
    assert type(corrected).__name__ == "MilestoneCorrected"
    assert corrected.corrects == copy_before.event_id
    assert corrected.was_on == d("2022-08-15")
    assert stage_on(app, LA, "CV-MC", "2022-08-17") == ("authority", "2022-06-01", 77)


def test_correcting_a_match_to_another_household_moves_the_copy(app):
    record_journey(app, LA, "CV-MH", ON_TIME[:9])

    app.correct(LA, "CV-MH", "matched", "2022-08-15", "2022-08-15", reason="wrong household keyed", recorded_by="tester", details={"household": "H-OTHER"})

    assert household_copies(app, "H-ONTIME") == []
    assert event_types(app.household_events("H-ONTIME"))[-1] == "MilestoneWithdrawn"
    assert household_copies(app, "H-OTHER") == [("matched", "2022-08-15", "CV-MH")]
    matched = [m for m in app.summary(LA, "CV-MH")["milestones"] if m["milestone"] == "matched"][0]
    assert matched["details"] == {"household": "H-OTHER"}


def test_withdrawal_of_a_placement_recorded_in_error(app):
    done = record_journey(app, LA, "CV-WD", ON_TIME[:10])
    placed_event = done[-1]["event_id"]
    assert current(app, "CV-WD")[0] == "placed"

    app.withdraw(LA, "CV-WD", "placed", "2022-09-01", reason="keyed against the wrong child", recorded_by="auditor")

    # Back to matched, since the match date.
    assert current(app, "CV-WD") == ("matched", "2022-08-15", days_since("2022-08-15"))
    assert "placed" not in [m for m, _ in milestones_of(app, LA, "CV-WD")]
    events = app.child_events(LA, "CV-WD")
    assert any(type(e).__name__ == "MilestoneRecorded" and e.originator_version == placed_event for e in events)
    withdrawal = events[-1]
    assert type(withdrawal).__name__ == "MilestoneWithdrawn"
    assert (withdrawal.corrects, withdrawal.reason, withdrawal.recorded_by) == (placed_event, "keyed against the wrong child", "auditor")
    # The household's copy is withdrawn too; the match stays.
    assert household_copies(app, "H-ONTIME") == [("matched", "2022-08-15", "CV-WD")]
    assert event_types(app.household_events("H-ONTIME"))[-1] == "MilestoneWithdrawn"

    # Once withdrawn it cannot be withdrawn again, and can be recorded afresh.
    with pytest.raises(MilestoneNotFound):
        app.withdraw(LA, "CV-WD", "placed", "2022-09-01", reason="again", recorded_by="auditor")
    app.record(LA, "CV-WD", "placed", "2022-09-01", {"household": "H-ONTIME"}, recorded_by="tester")
    assert current(app, "CV-WD")[0] == "placed"
    assert household_copies(app, "H-ONTIME") == [("matched", "2022-08-15", "CV-WD"), ("placed", "2022-09-01", "CV-WD")]
