"""The rules of order (domain.md section 2): each refused with its own named error,
a message naming the child and the dates, and nothing written; their boundary
cases allowed; corrections and withdrawals checked by the journey they would
leave; councils named in any case, by the agency file, or by DfE code."""

from __future__ import annotations

import pytest
from factories import LA, event_count, make_tracker, milestones_of, record_journey

from journey.domain.errors import (
    ChildNotFound,
    DateInFuture,
    DecisionBeforeCare,
    JourneyRulesBroken,
    MatchAfterPlacement,
    MatchOrPlacementAfterReversal,
    MilestoneAfterAdoption,
    OrderBeforeBirth,
    PlacedOnOrAfterAdoption,
    RuleOfOrderBroken,
    UnknownCouncil,
)
from journey.domain.milestones import CHILD_MILESTONES
from journey.domain.rules_of_order import BEFORE_BIRTH_ALLOWED

BY = "tester"


# "Today" is TODAY for every test (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("today_fixed")


@pytest.fixture
def app(tracker):
    """A tracker on a fresh SQLite data directory (tests/conftest.py)."""
    return tracker


def refused(app, command, *args, **kwargs) -> JourneyRulesBroken:
    """Run the command, expect a refusal, and check that nothing was written."""
    before = event_count(app)
    with pytest.raises(JourneyRulesBroken) as caught:
        getattr(app, command)(*args, **kwargs)
    assert event_count(app) == before, "a refused command wrote events"
    error = caught.value
    assert error.breaches and all(isinstance(b, RuleOfOrderBroken) for b in error.breaches)
    return error


def kinds(error: JourneyRulesBroken) -> list[type]:
    return [type(b) for b in error.breaches]


def says(error: JourneyRulesBroken, *parts: str) -> None:
    for part in parts:
        assert part in error.message, f"{part!r} not in {error.message!r}"


# -- before birth ----------------------------------------------------------------------------

MUST_FOLLOW_BIRTH = [m for m in CHILD_MILESTONES if m not in BEFORE_BIRTH_ALLOWED and m != "born"]


@pytest.mark.parametrize("milestone", MUST_FOLLOW_BIRTH)
def test_milestone_before_the_date_of_birth_is_refused(app, milestone):
    app.child(LA, "CV-B", {"date_of_birth": "2020-05-10"}, recorded_by=BY)

    error = refused(app, "record", LA, "CV-B", milestone, "2020-05-09", recorded_by=BY)

    assert kinds(error) == [OrderBeforeBirth]
    says(error, "child CV-B of Coventry", milestone, "2020-05-09", "2020-05-10")


@pytest.mark.parametrize("milestone", MUST_FOLLOW_BIRTH)
def test_milestone_on_the_date_of_birth_is_allowed(app, milestone):
    app.child(LA, "CV-B", {"date_of_birth": "2020-05-10"}, recorded_by=BY)
    app.record(LA, "CV-B", milestone, "2020-05-10", recorded_by=BY)
    assert milestones_of(app, LA, "CV-B") == [(milestone, "2020-05-10")]


@pytest.mark.parametrize("milestone", sorted(BEFORE_BIRTH_ALLOWED))
def test_milestones_that_may_precede_birth(app, milestone):
    assert BEFORE_BIRTH_ALLOWED == {"unborn_identified", "pre_proceedings_started", "care_proceedings_issued", "permanence_plan"}
    app.record(LA, "CV-B", "born", "2020-05-10", recorded_by=BY)
    app.record(LA, "CV-B", milestone, "2020-01-10", recorded_by=BY)
    assert (milestone, "2020-01-10") in milestones_of(app, LA, "CV-B")


def test_born_milestone_and_date_of_birth_attribute_are_one_fact(app):
    app.record(LA, "CV-B", "born", "2020-05-10", recorded_by=BY)
    assert app.summary(LA, "CV-B")["attributes"]["date_of_birth"] == "2020-05-10"

    error = refused(app, "record", LA, "CV-B", "entered_care", "2020-05-01", recorded_by=BY)
    assert kinds(error) == [OrderBeforeBirth]
    says(error, "child CV-B of Coventry", "2020-05-01", "2020-05-10")


def test_moving_the_date_of_birth_after_recorded_milestones_is_refused(app):
    app.child(LA, "CV-B", {"date_of_birth": "2020-05-10"}, recorded_by=BY)
    app.record(LA, "CV-B", "entered_care", "2020-06-01", recorded_by=BY)

    error = refused(app, "child", LA, "CV-B", {"date_of_birth": "2020-07-01"}, recorded_by=BY)
    assert kinds(error) == [OrderBeforeBirth]
    says(error, "child CV-B of Coventry", "2020-06-01", "2020-07-01")
    assert app.summary(LA, "CV-B")["attributes"]["date_of_birth"] == "2020-05-10"


def test_a_milestone_refused_for_a_new_child_creates_no_child(app):
    refused(
        app, "record", LA, "CV-NEW", "entered_care", "2020-01-01", attributes={"date_of_birth": "2020-03-01"}, recorded_by=BY
    )
    with pytest.raises(ChildNotFound):
        app.summary(LA, "CV-NEW")
    assert event_count(app) == 0


# -- decision before care ---------------------------------------------------------------------


def test_decision_before_entering_care_is_refused(app):
    app.record(LA, "CV-D", "entered_care", "2021-03-01", recorded_by=BY)

    error = refused(app, "record", LA, "CV-D", "adm_decision", "2021-02-28", recorded_by=BY)
    assert kinds(error) == [DecisionBeforeCare]
    says(error, "child CV-D of Coventry", "2021-02-28", "2021-03-01")


def test_entering_care_after_a_recorded_decision_is_refused(app):
    app.record(LA, "CV-D", "adm_decision", "2021-02-28", recorded_by=BY)

    error = refused(app, "record", LA, "CV-D", "entered_care", "2021-03-01", recorded_by=BY)
    assert kinds(error) == [DecisionBeforeCare]
    says(error, "child CV-D of Coventry", "2021-02-28", "2021-03-01")


def test_decision_on_the_day_of_entering_care_is_allowed(app):
    record_journey(app, LA, "CV-D", [("entered_care", "2021-03-01"), ("adm_decision", "2021-03-01")])
    # and in the other order of recording
    record_journey(app, LA, "CV-D2", [("adm_decision", "2021-03-01"), ("entered_care", "2021-03-01")])
    assert app.summary(LA, "CV-D")["stage"] == app.summary(LA, "CV-D2")["stage"] == "decision"


def test_decision_from_an_earlier_period_is_not_a_break_when_the_child_re_enters_care(app):
    record_journey(
        app,
        LA,
        "CV-RE",
        [
            ("entered_care", "2018-03-01"),
            ("adm_decision", "2018-06-01"),
            ("left_care", "2019-01-01", {"reason": "returned home"}),
            ("entered_care", "2021-02-01"),
            ("adm_decision", "2021-06-01"),
        ],
    )
    assert app.summary(LA, "CV-RE")["stage"] == "decision"
    # ...but a decision in the gap between the periods belongs to the next one.
    error = refused(app, "record", LA, "CV-RE", "adm_decision", "2020-01-01", recorded_by=BY)
    assert kinds(error) == [DecisionBeforeCare]
    says(error, "2020-01-01", "2021-02-01")


def test_re_entry_with_the_left_care_missing_is_a_gap_not_a_break(app):
    record_journey(
        app,
        LA,
        "CV-GAP",
        [
            ("entered_care", "2018-03-01"),
            ("adm_decision", "2018-06-01"),
            ("entered_care", "2021-02-01"),  # the left_care between was never recorded
        ],
    )
    assert app.summary(LA, "CV-GAP")["stage"] in ("in_care", "decision")


# -- match after placement -----------------------------------------------------------------------


def test_match_after_the_placement_it_leads_to_is_refused(app):
    record_journey(app, LA, "CV-M", [("entered_care", "2021-01-01"), ("placed", "2021-09-01", {"household": "H1"})])

    error = refused(app, "record", LA, "CV-M", "matched", "2021-09-02", {"household": "H1"}, recorded_by=BY)
    assert kinds(error) == [MatchAfterPlacement]
    says(error, "child CV-M of Coventry", "2021-09-02", "2021-09-01")
    # A match that names no household leads to the placement too.
    error = refused(app, "record", LA, "CV-M", "matched", "2021-09-02", recorded_by=BY)
    assert kinds(error) == [MatchAfterPlacement]


def test_placement_before_a_recorded_match_is_refused(app):
    record_journey(app, LA, "CV-M", [("entered_care", "2021-01-01"), ("matched", "2021-09-02", {"household": "H1"})])

    error = refused(app, "record", LA, "CV-M", "placed", "2021-09-01", {"household": "H1"}, recorded_by=BY)
    assert kinds(error) == [MatchAfterPlacement]
    says(error, "2021-09-02", "2021-09-01")


def test_match_on_the_day_of_placement_is_allowed(app):
    record_journey(app, LA, "CV-M", [("matched", "2021-09-01", {"household": "H1"}), ("placed", "2021-09-01", {"household": "H1"})])
    record_journey(app, LA, "CV-M2", [("placed", "2021-09-01", {"household": "H1"}), ("matched", "2021-09-01", {"household": "H1"})])
    assert app.summary(LA, "CV-M")["stage"] == app.summary(LA, "CV-M2")["stage"] == "placed"


def test_new_match_after_a_disrupted_placement_is_allowed(app):
    record_journey(
        app,
        LA,
        "CV-M",
        [
            ("matched", "2021-08-01", {"household": "H1"}),
            ("placed", "2021-09-01", {"household": "H1"}),
            ("disruption", "2021-12-01"),
            ("matched", "2022-03-01", {"household": "H1"}),
        ],
    )
    milestones = [m["milestone"] for m in app.summary(LA, "CV-M")["milestones"]]
    assert milestones == ["matched", "placed", "disruption", "matched"]


# -- adoption order --------------------------------------------------------------------------------


def test_placed_on_the_day_of_the_adoption_order_is_refused(app):
    record_journey(app, LA, "CV-A", [("entered_care", "2021-01-01"), ("adoption_order", "2022-06-01")])

    error = refused(app, "record", LA, "CV-A", "placed", "2022-06-01", {"household": "H1"}, recorded_by=BY)
    assert kinds(error) == [PlacedOnOrAfterAdoption]
    says(error, "child CV-A of Coventry", "2022-06-01")
    error = refused(app, "record", LA, "CV-A", "placed", "2022-07-01", recorded_by=BY)
    assert kinds(error) == [PlacedOnOrAfterAdoption]
    says(error, "2022-07-01", "2022-06-01")


def test_placed_the_day_before_the_adoption_order_is_allowed(app):
    record_journey(app, LA, "CV-A", [("adoption_order", "2022-06-01"), ("placed", "2022-05-31", {"household": "H1"})])
    assert app.summary(LA, "CV-A")["stage"] == "adopted"


def test_adoption_order_on_or_before_a_placement_is_refused(app):
    app.record(LA, "CV-A", "placed", "2022-06-01", recorded_by=BY)
    error = refused(app, "record", LA, "CV-A", "adoption_order", "2022-06-01", recorded_by=BY)
    assert kinds(error) == [PlacedOnOrAfterAdoption]


@pytest.mark.parametrize("milestone", [m for m in CHILD_MILESTONES if m != "placed"])
def test_any_milestone_after_the_adoption_order_is_refused(app, milestone):
    app.record(LA, "CV-A", "adoption_order", "2022-06-01", recorded_by=BY)

    error = refused(app, "record", LA, "CV-A", milestone, "2022-06-02", recorded_by=BY)
    if milestone == "born":  # the adoption order would also come before birth
        assert set(kinds(error)) == {MilestoneAfterAdoption, OrderBeforeBirth}
    else:
        assert kinds(error) == [MilestoneAfterAdoption]
    says(error, "child CV-A of Coventry", milestone, "2022-06-02", "2022-06-01")


def test_a_milestone_on_the_day_of_the_adoption_order_is_allowed(app):
    record_journey(app, LA, "CV-A", [("adoption_order", "2022-06-01"), ("adoption_application", "2022-06-01")])
    assert len(milestones_of(app, LA, "CV-A")) == 2


# -- after a reversal -------------------------------------------------------------------------------


@pytest.mark.parametrize("milestone", ["matched", "placed"])
def test_match_or_placement_after_a_reversal_is_refused_until_a_new_decision(app, milestone):
    record_journey(
        app,
        LA,
        "CV-R",
        [("entered_care", "2021-01-01"), ("adm_decision", "2021-03-01"), ("decision_reversed", "2021-06-01", {"reason": "RD1"})],
    )

    error = refused(app, "record", LA, "CV-R", milestone, "2021-07-01", {"household": "H1"}, recorded_by=BY)
    assert kinds(error) == [MatchOrPlacementAfterReversal]
    says(error, "child CV-R of Coventry", milestone, "2021-07-01", "2021-06-01")

    app.record(LA, "CV-R", "adm_decision", "2021-08-01", recorded_by=BY)
    error = refused(app, "record", LA, "CV-R", milestone, "2021-07-01", {"household": "H1"}, recorded_by=BY)
    assert kinds(error) == [MatchOrPlacementAfterReversal]  # still between reversal and new decision
    app.record(LA, "CV-R", milestone, "2021-08-02", {"household": "H1"}, recorded_by=BY)
    assert app.summary(LA, "CV-R")["stage"] == milestone


def test_reversal_before_a_recorded_match_is_refused(app):
    record_journey(app, LA, "CV-R", [("adm_decision", "2021-03-01"), ("matched", "2021-09-01")])
    error = refused(app, "record", LA, "CV-R", "decision_reversed", "2021-06-01", {"reason": "RD4"}, recorded_by=BY)
    assert kinds(error) == [MatchOrPlacementAfterReversal]


# -- the future --------------------------------------------------------------------------------------


def test_a_date_in_the_future_is_refused(app):
    error = refused(app, "record", LA, "CV-F", "entered_care", "2024-07-01", recorded_by=BY)
    assert kinds(error) == [DateInFuture]
    says(error, "child CV-F of Coventry", "2024-07-01", "2024-06-30")
    with pytest.raises(ChildNotFound):
        app.summary(LA, "CV-F")


def test_today_is_not_the_future(app):
    app.record(LA, "CV-F", "entered_care", "2024-06-30", recorded_by=BY)
    assert app.summary(LA, "CV-F")["stage"] == "in_care"


def test_a_date_detail_in_the_future_is_refused(app):
    app.record(LA, "CV-F", "entered_care", "2024-01-01", recorded_by=BY)
    error = refused(
        app, "record", LA, "CV-F", "placed", "2024-06-01", {"household": "H1", "foster_carer_adoption": "yes", "moved_in_on": "2024-08-01"}, recorded_by=BY
    )
    assert kinds(error) == [DateInFuture]
    says(error, "2024-08-01")


def test_an_expected_due_date_may_be_in_the_future(app):
    app.record(LA, "CV-U", "unborn_identified", "2024-06-01", {"expected_due_date": "2024-09-15"}, recorded_by=BY)
    assert app.summary(LA, "CV-U")["milestones"][0]["details"] == {"expected_due_date": "2024-09-15"}
    assert app.summary(LA, "CV-U")["stage"] == "pre_birth"


def test_a_date_of_birth_in_the_future_is_refused(app):
    before = event_count(app)
    with pytest.raises(JourneyRulesBroken) as caught:
        app.child(LA, "CV-F", {"date_of_birth": "2024-08-01"}, recorded_by=BY)
    assert kinds(caught.value) == [DateInFuture]
    assert event_count(app) == before


def test_amending_the_date_of_birth_into_the_future_is_refused(app):
    app.child(LA, "CV-F", {"date_of_birth": "2024-01-01"}, recorded_by=BY)
    error = refused(app, "child", LA, "CV-F", {"date_of_birth": "2024-08-01"}, recorded_by=BY)
    assert kinds(error) == [DateInFuture]


# -- gaps are not errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "steps",
    [
        [("adm_decision", "2021-03-01")],
        [("placement_order", "2021-03-01")],
        [("matched", "2021-03-01", {"household": "H1"})],
        [("placed", "2021-03-01", {"household": "H1"})],
        [("adoption_order", "2021-03-01")],
        [("entered_care", "2021-01-01"), ("placed", "2021-03-01"), ("adoption_order", "2021-09-01")],
        [("disruption", "2021-03-01")],
        [("decision_reversed", "2021-03-01", {"reason": "RD2"})],
    ],
    ids=lambda steps: "+".join(s[0] for s in steps),
)
def test_a_missing_earlier_milestone_is_not_an_error(app, steps):
    record_journey(app, LA, "CV-GAP", steps)
    assert len(milestones_of(app, LA, "CV-GAP")) == len(steps)


# -- corrections and withdrawals are checked too -----------------------------------------------------

ADOPTED = [
    ("entered_care", "2021-01-01"),
    ("adm_decision", "2021-03-01"),
    ("placement_order", "2021-06-01"),
    ("matched", "2021-09-01", {"household": "H1"}),
    ("placed", "2021-10-01", {"household": "H1"}),
    ("adoption_order", "2022-04-01"),
]


def test_moving_a_placement_after_the_adoption_order_is_refused(app):
    record_journey(app, LA, "CV-C", ADOPTED)
    household_events = len(app.household_events("H1"))

    error = refused(app, "correct", LA, "CV-C", "placed", "2021-10-01", "2022-05-01", reason="wrong date", recorded_by=BY)
    assert PlacedOnOrAfterAdoption in kinds(error)
    says(error, "child CV-C of Coventry", "2022-05-01", "2022-04-01")
    error = refused(app, "correct", LA, "CV-C", "placed", "2021-10-01", "2022-04-01", reason="wrong date", recorded_by=BY)
    assert kinds(error) == [PlacedOnOrAfterAdoption]
    assert len(app.household_events("H1")) == household_events
    assert ("placed", "2021-10-01") in milestones_of(app, LA, "CV-C")


def test_moving_the_adoption_order_onto_the_placement_is_refused(app):
    record_journey(app, LA, "CV-C", ADOPTED)
    error = refused(app, "correct", LA, "CV-C", "adoption_order", "2022-04-01", "2021-10-01", reason="wrong date", recorded_by=BY)
    assert PlacedOnOrAfterAdoption in kinds(error)


def test_moving_a_match_after_its_placement_is_refused(app):
    record_journey(app, LA, "CV-C", ADOPTED)
    error = refused(app, "correct", LA, "CV-C", "matched", "2021-09-01", "2021-10-02", reason="wrong date", recorded_by=BY)
    assert kinds(error) == [MatchAfterPlacement]
    says(error, "2021-10-02", "2021-10-01")


def test_moving_entering_care_after_the_decision_is_refused(app):
    record_journey(app, LA, "CV-C", ADOPTED)
    error = refused(app, "correct", LA, "CV-C", "entered_care", "2021-01-01", "2021-03-02", reason="wrong date", recorded_by=BY)
    assert kinds(error) == [DecisionBeforeCare]


def test_moving_a_milestone_into_the_future_is_refused(app):
    record_journey(app, LA, "CV-C", ADOPTED[:3])
    error = refused(app, "correct", LA, "CV-C", "placement_order", "2021-06-01", "2024-07-01", reason="wrong date", recorded_by=BY)
    assert kinds(error) == [DateInFuture]


def test_a_correction_that_keeps_the_rules_is_allowed(app):
    record_journey(app, LA, "CV-C", ADOPTED)
    app.correct(LA, "CV-C", "placed", "2021-10-01", "2022-03-31", reason="wrong date", recorded_by=BY)
    assert ("placed", "2022-03-31") in milestones_of(app, LA, "CV-C")


def test_withdrawing_the_only_placement_of_an_adopted_child_is_a_gap_and_allowed(app):
    record_journey(app, LA, "CV-W", ADOPTED)
    app.withdraw(LA, "CV-W", "placed", "2021-10-01", reason="keyed in error", recorded_by=BY)
    assert "placed" not in [m for m, _ in milestones_of(app, LA, "CV-W")]
    assert app.summary(LA, "CV-W")["stage"] == "adopted"


def test_withdrawing_the_disruption_between_two_placements_with_one_household_is_refused(app):
    record_journey(
        app,
        LA,
        "CV-W",
        [
            ("matched", "2021-08-01", {"household": "H1"}),
            ("placed", "2021-09-01", {"household": "H1"}),
            ("disruption", "2021-12-01"),
            ("matched", "2022-03-01", {"household": "H1"}),
        ],
    )
    error = refused(app, "withdraw", LA, "CV-W", "disruption", "2021-12-01", reason="keyed in error", recorded_by=BY)
    assert kinds(error) == [MatchAfterPlacement]
    says(error, "child CV-W of Coventry", "2022-03-01", "2021-09-01")


def test_withdrawing_the_new_decision_after_a_reversal_is_refused_when_a_match_follows(app):
    record_journey(
        app,
        LA,
        "CV-W",
        [
            ("adm_decision", "2021-03-01"),
            ("decision_reversed", "2021-06-01", {"reason": "RD3"}),
            ("adm_decision", "2021-09-01"),
            ("matched", "2021-12-01"),
        ],
    )
    error = refused(app, "withdraw", LA, "CV-W", "adm_decision", "2021-09-01", reason="keyed in error", recorded_by=BY)
    assert kinds(error) == [MatchOrPlacementAfterReversal]


def test_withdrawing_the_adoption_order_is_allowed(app):
    record_journey(app, LA, "CV-W", ADOPTED)
    app.withdraw(LA, "CV-W", "adoption_order", "2022-04-01", reason="keyed against the wrong child", recorded_by=BY)
    assert app.summary(LA, "CV-W")["stage"] == "placed"


def test_several_breaches_are_all_reported(app):
    record_journey(app, LA, "CV-S", [("born", "2020-01-01"), ("adoption_order", "2022-04-01")])
    error = refused(app, "record", LA, "CV-S", "placed", "2024-07-01", recorded_by=BY)
    assert set(kinds(error)) == {PlacedOnOrAfterAdoption, DateInFuture}
    says(error, "placed on or after adoption order", "date in the future")


# -- councils ------------------------------------------------------------------------------------------


def test_one_child_whatever_the_case_of_the_council(app):
    app.child("Coventry", "CV-1", {"sex": "2"}, recorded_by=BY)
    app.child("coventry", "CV-1", {"ethnicity": "wbri"}, recorded_by=BY)
    app.record("  COVENTRY ", "CV-1", "entered_care", "2021-01-01", recorded_by=BY)

    journey = app.summary("Coventry", "CV-1")
    assert journey["attributes"] == {"sex": "2", "ethnicity": "WBRI"}
    assert journey["milestones"][0]["milestone"] == "entered_care"
    assert app.child_events("coventry", "CV-1") == app.child_events("COVENTRY", "CV-1")
    assert len([j for j in app.all_streams() if hasattr(j, "child_ref")]) == 1


def test_an_agency_file_refuses_an_unknown_council_listing_the_known_ones(tmp_path):
    app = make_tracker(tmp_path, councils=[{"name": "Coventry", "code": "331"}, {"name": "Warwickshire", "code": "937"}])

    with pytest.raises(UnknownCouncil) as caught:
        app.record("Birmingham", "B-1", "entered_care", "2021-01-01", recorded_by=BY)
    assert "Birmingham" in caught.value.message
    assert "Coventry" in caught.value.message and "Warwickshire" in caught.value.message
    assert event_count(app) == 0


def test_a_dfe_code_or_alias_names_the_council(tmp_path):
    app = make_tracker(
        tmp_path, councils=[{"name": "Coventry", "code": "331", "aliases": ["Coventry City Council"]}, {"name": "Solihull", "code": "334"}]
    )

    done = app.record("331", "CV-1", "entered_care", "2021-01-01", recorded_by=BY)
    assert done["local_authority"] == "Coventry"
    app.record("coventry city council", "CV-1", "adm_decision", "2021-02-01", recorded_by=BY)
    app.record("COVENTRY", "CV-1", "placement_order", "2021-03-01", recorded_by=BY)

    journey = app.summary("Coventry", "CV-1")
    assert journey["local_authority"] == "Coventry"
    assert [m for m, _ in milestones_of(app, "331", "CV-1")] == ["entered_care", "adm_decision", "placement_order"]
    # The same case id in another council is another child.
    with pytest.raises(ChildNotFound):
        app.summary("Solihull", "CV-1")
