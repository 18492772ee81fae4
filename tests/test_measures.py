"""The national measures (domain.md section 4) against hand-computed fixtures.

Every expected number is written out by hand; the comment beside it shows the
arithmetic. Day counts are whole days between two dates (the first not counted).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from journey.domain.adopters import AdopterWait, a12, approval_waits, households_waiting, waited_months
from journey.domain.board import board_counts
from journey.domain.calendar import add_months, financial_year_of, parse_financial_year, parse_period, parse_quarter
from journey.domain.measure_dates import ChildMeasureDates, child_measure_dates, measure_dates
from journey.domain.milestones import Milestone
from journey.domain.scorecard import (
    AverageMeasure,
    a1_days,
    a2_days,
    a10_days,
    average_days,
    average_measure,
    load_thresholds,
    mean_days,
    percent,
    placed_within_14_months,
    scorecard,
    thresholds_from_toml,
)
from journey.domain.waiting import current_dates, days_waiting
from projections import queries

d = date.fromisoformat


def journey(*steps) -> list[Milestone]:
    """Milestones from (name, "YYYY-MM-DD"[, details]) in the order recorded."""
    return [
        Milestone(event_id, step[0], d(step[1]), step[2] if len(step) > 2 else {})
        for event_id, step in enumerate(steps, start=1)
    ]


def adopted(
    entered_care_on: str | None,
    placed_on: str | None,
    *,
    adoption_order_on: str = "2017-06-01",
    authority_on: str | None = None,
    matched_on: str | None = None,
    moved_in_on: str | None = None,
    child_ref: str = "C1",
    local_authority: str = "Coventry",
    data_quality: str | None = None,
) -> ChildMeasureDates:
    """A stored row for one adopted child; moved in on the day placed unless told."""
    as_date = lambda text: d(text) if text else None  # noqa: E731
    return ChildMeasureDates(
        child_ref=child_ref,
        local_authority=local_authority,
        adoption_order_on=d(adoption_order_on),
        placed_on=as_date(placed_on),
        entered_care_on=as_date(entered_care_on),
        moved_in_on=as_date(moved_in_on or placed_on),
        authority_on=as_date(authority_on),
        matched_on=as_date(matched_on),
        data_quality=data_quality,
    )


SCORECARD_2016_19 = (date(2016, 4, 1), date(2019, 3, 31))


# --------------------------------------------------------------------------
# measure_dates: one child's dates
# --------------------------------------------------------------------------


def test_an_on_time_journey_gives_each_date():
    dates = measure_dates(
        journey(
            ("entered_care", "2016-02-01", {"legal_status": "C2"}),
            ("adm_decision", "2016-05-02"),
            ("placement_order", "2016-08-01", {"authority": "placement_order"}),
            ("matched", "2016-11-09", {"household": "H1", "interagency": False}),
            ("placed", "2016-12-01", {"household": "H1", "foster_carer_adoption": False}),
            ("adoption_order", "2017-09-01"),
        )
    )
    assert dates.adoption_order_on == d("2017-09-01")
    assert dates.placed_on == d("2016-12-01")
    assert dates.entered_care_on == d("2016-02-01")
    assert dates.moved_in_on == d("2016-12-01")  # not a foster-carer adoption
    assert dates.authority_on == d("2016-08-01")
    assert dates.matched_on == d("2016-11-09")
    assert dates.data_quality is None


def test_a_child_with_no_adoption_order_has_no_measure_dates():
    assert measure_dates(journey(("entered_care", "2016-02-01"), ("placed", "2017-01-01"))) is None


def test_re_entry_to_care_counts_from_the_last_entry_before_placement():
    dates = measure_dates(
        journey(
            ("entered_care", "2015-01-10"),
            ("placement_order", "2015-04-01", {"authority": "placement_order"}),
            ("left_care", "2015-06-01", {"reason": "returned home"}),
            ("entered_care", "2016-03-01"),
            ("placement_order", "2016-09-01", {"authority": "placement_order"}),
            ("matched", "2017-01-10", {"household": "H1"}),
            ("placed", "2017-02-01", {"household": "H1"}),
            ("adoption_order", "2017-08-01"),
        )
    )
    assert dates.entered_care_on == d("2016-03-01")
    # The 2015 order belongs to the earlier period of care.
    assert dates.authority_on == d("2016-09-01")


def test_consent_is_not_court_authority_but_a_later_placement_order_is():
    dates = measure_dates(
        journey(
            ("entered_care", "2016-01-04"),
            ("placement_order", "2016-06-01", {"authority": "consent"}),
            ("placement_order", "2016-07-15", {"authority": "placement_order"}),
            ("matched", "2016-10-03", {"household": "H1"}),
            ("placed", "2016-11-01", {"household": "H1"}),
            ("adoption_order", "2017-05-02"),
        )
    )
    assert dates.authority_on == d("2016-07-15")


def test_consent_only_leaves_no_authority_date():
    dates = measure_dates(
        journey(
            ("entered_care", "2016-01-04"),
            ("placement_order", "2016-06-01", {"authority": "consent"}),
            ("matched", "2016-10-03", {"household": "H1"}),
            ("placed", "2016-11-01", {"household": "H1"}),
            ("adoption_order", "2017-05-02"),
        )
    )
    assert dates.authority_on is None
    assert dates.data_quality is None  # consent is a lawful authority to place


@pytest.mark.parametrize("details", [{"authority": "freeing_order"}, {}])
def test_a_freeing_order_or_an_order_with_no_authority_detail_counts(details):
    dates = measure_dates(
        journey(
            ("entered_care", "2016-01-04"),
            ("placement_order", "2016-06-01", details),
            ("matched", "2016-10-03", {"household": "H1"}),
            ("placed", "2016-11-01", {"household": "H1"}),
            ("adoption_order", "2017-05-02"),
        )
    )
    assert dates.authority_on == d("2016-06-01")


def test_foster_carer_adoption_moved_in_from_the_placed_detail():
    dates = measure_dates(
        journey(
            ("entered_care", "2016-03-01"),
            ("early_permanence_placement", "2016-06-10", {"kind": "ffa", "household": "H2"}),
            ("placement_order", "2016-11-01"),
            ("matched", "2016-12-01", {"household": "H2"}),
            (
                "placed",
                "2017-04-06",
                {
                    "household": "H2",
                    "foster_carer_adoption": True,
                    "moved_in_on": d("2016-05-20"),
                },
            ),
            ("adoption_order", "2017-10-02"),
        )
    )
    # The detail wins over the early permanence placement date.
    assert dates.moved_in_on == d("2016-05-20")
    assert dates.placed_on == d("2017-04-06")


def test_foster_carer_adoption_moved_in_from_a_same_household_ffa_placement():
    dates = measure_dates(
        journey(
            ("entered_care", "2016-03-01"),
            ("early_permanence_placement", "2016-06-10", {"kind": "ffa", "household": "H2"}),
            ("matched", "2016-12-01", {"household": "H2"}),
            ("placed", "2017-04-06", {"household": "H2", "foster_carer_adoption": True}),
            ("adoption_order", "2017-10-02"),
        )
    )
    assert dates.moved_in_on == d("2016-06-10")


def test_an_ffa_placement_with_another_household_is_not_when_the_child_moved_in():
    dates = measure_dates(
        journey(
            ("entered_care", "2016-03-01"),
            ("early_permanence_placement", "2016-06-10", {"kind": "ffa", "household": "H9"}),
            ("matched", "2016-12-01", {"household": "H2"}),
            ("placed", "2017-04-06", {"household": "H2", "foster_carer_adoption": True}),
            ("adoption_order", "2017-10-02"),
        )
    )
    assert dates.moved_in_on == d("2017-04-06")


def test_an_ffa_placement_in_an_earlier_period_of_care_is_not_when_the_child_moved_in():
    dates = measure_dates(
        journey(
            ("entered_care", "2015-01-05"),
            ("early_permanence_placement", "2015-02-02", {"kind": "ffa", "household": "H2"}),
            ("left_care", "2015-05-01"),
            ("entered_care", "2016-03-01"),
            ("matched", "2016-12-01", {"household": "H2"}),
            ("placed", "2017-04-06", {"household": "H2", "foster_carer_adoption": True}),
            ("adoption_order", "2017-10-02"),
        )
    )
    assert dates.moved_in_on == d("2017-04-06")


def test_a_placement_that_is_not_a_foster_carer_adoption_moves_in_when_placed():
    dates = measure_dates(
        journey(
            ("entered_care", "2016-03-01"),
            ("early_permanence_placement", "2016-06-10", {"kind": "concurrent", "household": "H2"}),
            ("matched", "2016-12-01", {"household": "H2"}),
            ("placed", "2017-04-06", {"household": "H2", "foster_carer_adoption": False}),
            ("adoption_order", "2017-10-02"),
        )
    )
    assert dates.moved_in_on == d("2017-04-06")


def test_after_a_disruption_the_last_placement_and_the_last_match_count():
    dates = measure_dates(
        journey(
            ("entered_care", "2016-01-04"),
            ("placement_order", "2016-04-01"),
            ("matched", "2016-06-01", {"household": "H1"}),
            ("placed", "2016-06-20", {"household": "H1"}),
            ("disruption", "2016-09-30", {"reason": "placement broke down"}),
            ("matched", "2017-01-16", {"household": "H3"}),
            ("placed", "2017-02-06", {"household": "H3"}),
            ("adoption_order", "2017-09-04"),
        )
    )
    assert dates.placed_on == d("2017-02-06")
    assert dates.matched_on == d("2017-01-16")
    assert dates.moved_in_on == d("2017-02-06")
    assert dates.data_quality is None


def test_the_last_adoption_order_is_used():
    dates = measure_dates(
        journey(
            ("entered_care", "2016-01-04"),
            ("placement_order", "2016-04-01"),
            ("matched", "2016-06-01", {"household": "H1"}),
            ("placed", "2016-06-20", {"household": "H1"}),
            ("adoption_order", "2017-01-09"),
            ("adoption_order", "2017-02-13"),
        )
    )
    assert dates.adoption_order_on == d("2017-02-13")


def test_adopted_with_no_placement_is_a_data_quality_problem():
    dates = measure_dates(
        journey(
            ("entered_care", "2016-05-01"),
            ("placement_order", "2016-12-01"),
            ("matched", "2017-03-01", {"household": "H4"}),
            ("adoption_order", "2018-01-10"),
        )
    )
    assert dates.placed_on is None
    assert dates.moved_in_on is None
    assert dates.data_quality == "adopted with no placement"
    # Still shown to the tracker putting the record right.
    assert dates.entered_care_on == d("2016-05-01")
    assert dates.matched_on == d("2017-03-01")


def test_gaps_that_change_the_measures_are_named():
    dates = measure_dates(
        journey(
            ("placed", "2017-02-06", {"household": "H3"}),
            ("adoption_order", "2017-09-04"),
        )
    )
    assert dates.data_quality == (
        "placed with no entry to care recorded; placed with no match recorded; "
        "no placement order or consent recorded in the period of care"
    )


def test_child_measure_dates_carries_who_the_child_is():
    row = child_measure_dates(
        "C7",
        "Solihull",
        journey(
            ("entered_care", "2016-01-04"),
            ("placed", "2016-06-20"),
            ("adoption_order", "2017-01-09"),
        ),
    )
    assert (row.child_ref, row.local_authority) == ("C7", "Solihull")
    assert (row.entered_care_on, row.placed_on) == (d("2016-01-04"), d("2016-06-20"))
    assert child_measure_dates("C8", "Solihull", journey(("entered_care", "2016-01-04"))) is None


# --------------------------------------------------------------------------
# One child's contribution to each measure
# --------------------------------------------------------------------------


def test_matched_before_the_placement_order_counts_0_days_in_a2():
    child = adopted("2016-03-01", "2017-04-06", matched_on="2016-12-01", authority_on="2017-01-16")
    assert a2_days(child) == 0


def test_a2_counts_days_from_authority_to_match():
    # 2016-08-01 -> 2016-11-09: 31 (Aug) + 30 (Sep) + 31 (Oct) + 8 = 100
    child = adopted("2016-02-01", "2017-03-07", authority_on="2016-08-01", matched_on="2016-11-09")
    assert a2_days(child) == 100


def test_a10_is_never_below_0():
    child = adopted("2016-03-01", "2017-04-06", moved_in_on="2016-02-20")
    assert a10_days(child) == 0


def test_placed_exactly_14_months_after_entering_care_is_not_within_a3():
    # 2016-05-10 + 14 months = 2017-07-10
    assert placed_within_14_months(adopted("2016-05-10", "2017-07-10")) is False
    assert placed_within_14_months(adopted("2016-05-10", "2017-07-09")) is True


def test_14_months_from_the_last_day_of_a_month_is_clamped_to_month_end():
    # 2016-12-31 + 14 months = February 2018, which has 28 days: 2018-02-28
    assert add_months(d("2016-12-31"), 14) == d("2018-02-28")
    assert placed_within_14_months(adopted("2016-12-31", "2018-02-28")) is False
    assert placed_within_14_months(adopted("2016-12-31", "2018-02-27")) is True
    # 2018-12-31 + 14 months = February 2020, a leap year: 2020-02-29
    assert add_months(d("2018-12-31"), 14) == d("2020-02-29")
    assert placed_within_14_months(adopted("2018-12-31", "2020-02-29")) is False
    assert placed_within_14_months(adopted("2018-12-31", "2020-02-28")) is True


def test_a_child_adopted_with_no_placement_counts_in_no_measure():
    child = adopted(
        "2016-05-01",
        None,
        authority_on="2016-12-01",
        matched_on="2017-03-01",
        moved_in_on=None,
        data_quality="adopted with no placement",
    )
    assert (a1_days(child), a2_days(child), a10_days(child)) == (None, None, None)
    assert placed_within_14_months(child) is None


# --------------------------------------------------------------------------
# The scorecard
# --------------------------------------------------------------------------


def scorecard_children() -> list[ChildMeasureDates]:
    """Four children adopted in 2016-19 and one just after, from their milestones."""
    c1 = journey(
        ("entered_care", "2016-02-01"),
        ("placement_order", "2016-08-01", {"authority": "placement_order"}),
        ("matched", "2016-11-09", {"household": "H1"}),
        ("placed", "2017-03-07", {"household": "H1", "foster_carer_adoption": False}),
        ("adoption_order", "2017-09-01"),
    )
    c2 = journey(  # fostering for adoption; matched before the placement order
        ("entered_care", "2016-03-01"),
        ("early_permanence_placement", "2016-06-10", {"kind": "ffa", "household": "H2"}),
        ("matched", "2016-12-01", {"household": "H2"}),
        ("placement_order", "2017-01-16", {"authority": "placement_order"}),
        ("placed", "2017-04-06", {"household": "H2", "foster_carer_adoption": True}),
        ("adoption_order", "2017-10-02"),
    )
    c3 = journey(  # placed with consent only
        ("entered_care", "2016-01-04"),
        ("placement_order", "2016-10-03", {"authority": "consent"}),
        ("matched", "2017-04-20", {"household": "H3"}),
        ("placed", "2017-05-18", {"household": "H3"}),
        ("adoption_order", "2018-02-01"),
    )
    c4 = journey(  # adopted with no placement recorded
        ("entered_care", "2016-05-01"),
        ("placement_order", "2016-12-01"),
        ("matched", "2017-03-01", {"household": "H4"}),
        ("adoption_order", "2018-01-10"),
    )
    c5 = journey(  # adopted the day after the period, also with no placement
        ("entered_care", "2017-05-01"),
        ("adoption_order", "2019-04-01"),
    )
    return [
        child_measure_dates(ref, "Coventry", milestones)
        for ref, milestones in [("C1", c1), ("C2", c2), ("C3", c3), ("C4", c4), ("C5", c5)]
    ]


def test_scorecard_json_for_2016_19():
    card = scorecard(scorecard_children(), *SCORECARD_2016_19)
    # A1 (entered care -> placed):
    #   C1 2016-02-01 -> 2017-03-07: 366 (to 2017-02-01, leap 2016) + 28 + 6 = 400
    #   C2 2016-03-01 -> 2017-04-06: 365 (to 2017-03-01) + 31 + 5 = 401
    #   C3 2016-01-04 -> 2017-05-18: 366 (to 2017-01-04) + 31 + 28 + 31 + 30 + 14 = 500
    #   (400 + 401 + 500) / 3 = 433.67 -> 434 > 426, not met
    # A2 (authority -> matched): C1 100 (31 + 30 + 31 + 8); C2 matched first: 0;
    #   C3 consent only: out.  (100 + 0) / 2 = 50 <= 121, met
    # A3: C1 before 2017-04-01 yes; C2 before 2017-05-01 yes; C3 before 2017-03-04 no
    #   2 / 3 = 66.67% -> 66.7
    # A10 (entered care -> moved in): C1 400; C2 moved in at the FfA placement
    #   2016-03-01 -> 2016-06-10: 31 + 30 + 31 + 9 = 101; C3 500
    #   (400 + 101 + 500) / 3 = 333.67 -> 334 <= 426, met
    # C4 has no placement: out of every measure, listed. C5 is adopted after the period.
    assert card.to_json_dict("Coventry") == {
        "from": "2016-04-01",
        "to": "2019-03-31",
        "local_authority": "Coventry",
        "A1": {"children": 3, "average_days": 434, "threshold_days": 426, "met": False},
        "A2": {"children": 2, "average_days": 50, "threshold_days": 121, "met": True},
        "A3": {"children": 3, "within_14_months": 2, "percent": 66.7},
        "A10": {"children": 3, "average_days": 334, "threshold_days": 426, "met": True},
        "data_quality": [
            {
                "child_ref": "C4",
                "local_authority": "Coventry",
                "problem": "adopted with no placement",
            }
        ],
    }


def test_a_child_with_a_gap_is_listed_and_still_counts_where_its_dates_allow():
    # No entry to care recorded: out of A1, A3 and A10, still in A2 (100 days, as C1)
    child = adopted(
        None,
        "2017-03-07",
        authority_on="2016-08-01",
        matched_on="2016-11-09",
        data_quality="placed with no entry to care recorded",
    )
    card = scorecard([child], *SCORECARD_2016_19)
    assert (card.a1.children, card.a3.children, card.a10.children) == (0, 0, 0)
    assert (card.a2.children, card.a2.average_days) == (1, 100)
    assert card.to_json_dict()["data_quality"] == [
        {
            "child_ref": "C1",
            "local_authority": "Coventry",
            "problem": "placed with no entry to care recorded",
        }
    ]


def test_scorecard_json_for_a_whole_raa_has_a_null_council():
    assert scorecard([], *SCORECARD_2016_19).to_json_dict()["local_authority"] is None


def test_both_ends_of_the_period_are_inclusive():
    children = [
        adopted("2015-01-01", "2015-12-01", adoption_order_on="2016-03-31", child_ref="day before"),
        adopted("2015-01-01", "2015-12-01", adoption_order_on="2016-04-01", child_ref="first day"),
        adopted("2016-01-01", "2016-12-01", adoption_order_on="2019-03-31", child_ref="last day"),
        adopted("2016-01-01", "2016-12-01", adoption_order_on="2019-04-01", child_ref="day after"),
    ]
    card = scorecard(children, *SCORECARD_2016_19)
    # 2015-01-01 -> 2015-12-01 = 334 days; 2016-01-01 -> 2016-12-01 = 335 (leap year)
    # Only the first-day and last-day children: (334 + 335) / 2 = 334.5 -> 335
    assert card.a1.children == 2
    assert card.a1.average_days == 335


def test_the_average_rounds_half_up():
    # A1: 400 and 401 days (as C1 and C2 above): 801 / 2 = 400.5 -> 401 (round() gives 400)
    # A2: 2016-08-01 -> 2016-11-29 = 31 + 30 + 31 + 28 = 120, -> 2016-11-30 = 121
    #     241 / 2 = 120.5 -> 121 (round() gives 120), and 121 meets the 121 threshold
    children = [
        adopted("2016-02-01", "2017-03-07", authority_on="2016-08-01", matched_on="2016-11-29"),
        adopted("2016-03-01", "2017-04-06", authority_on="2016-08-01", matched_on="2016-11-30"),
    ]
    card = scorecard(children, *SCORECARD_2016_19)
    assert card.a1.average_days == 401
    assert card.a2.average_days == 121
    assert card.a2.met is True
    assert average_days([1, 2, 2, 2]) == 2  # 7 / 4 = 1.75
    assert average_days([2, 2, 2, 3]) == 2  # 9 / 4 = 2.25


def test_the_read_models_sums_are_averaged_by_the_same_rule():
    # What projections.queries hands over: a sum of days and a number of children.
    assert mean_days(801, 2) == 401  # 400.5, half up
    assert mean_days(None, 0) is None
    assert average_measure(241, 2, 121) == AverageMeasure(2, 121, 121, True)
    assert average_measure(None, 0, 426) == AverageMeasure(0, None, 426, None)
    assert average_measure(427, 1, None) == AverageMeasure(1, 427, None, None)
    assert queries.average_measure is average_measure


def test_an_average_one_day_over_the_threshold_is_not_met():
    # 2016-02-01 -> 2017-04-03: 366 (to 2017-02-01) + 28 + 31 + 2 = 427 > 426
    card = scorecard([adopted("2016-02-01", "2017-04-03")], *SCORECARD_2016_19)
    assert (card.a1.average_days, card.a1.met) == (427, False)
    # 2016-02-01 -> 2017-04-02 = 426: at the threshold is met
    card = scorecard([adopted("2016-02-01", "2017-04-02")], *SCORECARD_2016_19)
    assert (card.a1.average_days, card.a1.met) == (426, True)


def test_the_a3_percent_rounds_half_up():
    # 16 children, 1 placed within 14 months: 100 / 16 = 6.25% -> 6.3 (round() gives 6.2)
    quick = adopted("2016-02-01", "2016-05-11", child_ref="Q")  # 100 days
    # 15 children at 500 days each
    slow = [adopted("2016-02-01", "2017-06-15", child_ref=f"S{n}") for n in range(15)]
    card = scorecard([quick, *slow], *SCORECARD_2016_19)
    assert (card.a3.children, card.a3.within_14_months) == (16, 1)
    assert card.a3.percent == Decimal("6.3")
    assert card.to_json_dict()["A3"]["percent"] == 6.3
    # 5 / 16 = 31.25% -> 31.3 (round() gives 31.2)
    assert percent(5, 16) == Decimal("31.3")


def test_a_measure_with_no_children_has_no_average_and_is_not_judged():
    card = scorecard([adopted(None, "2017-01-02")], *SCORECARD_2016_19)
    assert card.a1.to_json_dict() == {
        "children": 0,
        "average_days": None,
        "threshold_days": 426,
        "met": None,
    }
    assert card.to_json_dict()["A3"] == {"children": 0, "within_14_months": 0, "percent": None}


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="starts"):
        scorecard([], date(2019, 3, 31), date(2016, 4, 1))


# --------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "period_from, period_to, a1, a2, a10",
    [
        ("2009-04-01", "2012-03-31", 639, 213, None),  # ends in 2011-12
        ("2010-04-01", "2013-03-31", 608, 182, None),  # ends in 2012-13
        ("2011-04-01", "2014-03-31", 547, 152, None),  # ends in 2013-14
        ("2012-04-01", "2015-03-31", 487, 121, None),  # ends in 2014-15
        ("2012-04-02", "2015-04-01", 426, 121, 426),  # one day later: ends in 2015-16
        ("2016-04-01", "2019-03-31", 426, 121, 426),  # 2016-19 ends in 2018-19
        ("2008-04-01", "2011-03-31", None, None, None),  # before the scorecard
    ],
)
def test_thresholds_are_those_of_the_financial_year_the_period_ends_in(
    period_from, period_to, a1, a2, a10
):
    card = scorecard([], d(period_from), d(period_to))
    thresholds = (card.a1.threshold_days, card.a2.threshold_days, card.a10.threshold_days)
    assert thresholds == (a1, a2, a10)


def test_with_no_threshold_a_measure_is_not_judged():
    child = adopted("2009-02-01", "2010-03-07", adoption_order_on="2010-09-01")
    card = scorecard([child], d("2008-04-01"), d("2011-03-31"))
    assert card.a1.average_days == 399  # 365 (to 2010-02-01) + 28 + 6
    assert card.a1.met is None


def test_the_thresholds_file_says_which_values_are_verified():
    table = load_thresholds()
    assert table.for_financial_year("2011-12").status == "verified"
    for year in ("2012-13", "2013-14", "2014-15"):
        assert table.for_financial_year(year).status == "announced"


def test_thresholds_are_read_from_data():
    table = thresholds_from_toml('[thresholds."2020-21"]\nA1 = 400\nA2 = 100\nA10 = 390\n')
    card = scorecard([adopted("2016-02-01", "2017-03-07")], *SCORECARD_2016_19, thresholds=table)
    assert card.a1.threshold_days is None  # 2018-19 is before this table's first year
    card = scorecard(
        [adopted("2016-02-01", "2017-03-07", adoption_order_on="2021-01-04")],
        d("2020-04-01"),
        d("2021-03-31"),
        thresholds=table,
    )
    assert (card.a1.threshold_days, card.a1.met) == (400, True)  # 400 days, at the threshold
    assert (card.a10.threshold_days, card.a10.met) == (390, False)


# --------------------------------------------------------------------------
# Financial periods
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "quarter, first, last",
    [
        ("2018-19-Q1", "2018-04-01", "2018-06-30"),
        ("2018-19-Q2", "2018-07-01", "2018-09-30"),
        ("2018-19-Q3", "2018-10-01", "2018-12-31"),
        ("2018-19-Q4", "2019-01-01", "2019-03-31"),
        ("2019-20-Q4", "2020-01-01", "2020-03-31"),
    ],
)
def test_parse_quarter(quarter, first, last):
    assert parse_quarter(quarter) == (d(first), d(last))


@pytest.mark.parametrize(
    "text, message",
    [
        ("2018-19-Q5", "the quarter is Q1, Q2, Q3 or Q4"),
        ("2018-19-Q", "the quarter is Q1, Q2, Q3 or Q4"),
        ("2018-20-Q1", "the two years must follow each other, as in 2018-19"),
        ("2018/19 Q4", "write it as 2018-19-Q4"),
        ("18-19-Q4", "write it as 2018-19-Q4"),
        ("", "write it as 2018-19-Q4"),
    ],
)
def test_a_malformed_quarter_is_refused_with_a_clear_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse_quarter(text)


@pytest.mark.parametrize(
    "day, year",
    [
        ("2019-03-31", "2018-19"),
        ("2019-04-01", "2019-20"),
        ("2018-04-01", "2018-19"),
        ("1999-05-01", "1999-00"),
    ],
)
def test_financial_year_of(day, year):
    assert financial_year_of(d(day)) == year


def test_parse_period_and_financial_year():
    assert parse_period("2016-19") == (d("2016-04-01"), d("2019-03-31"))
    assert parse_period("2018-19") == (d("2018-04-01"), d("2019-03-31"))
    assert parse_period(" 2018-19-Q1 ") == (d("2018-04-01"), d("2018-06-30"))
    assert parse_financial_year("2018-19") == (d("2018-04-01"), d("2019-03-31"))
    with pytest.raises(ValueError, match="1 to 10 years after it starts"):
        parse_period("2019-16")
    with pytest.raises(ValueError, match="write 2016-19"):
        parse_period("April 2016")
    with pytest.raises(ValueError, match="must follow each other"):
        parse_financial_year("2016-19")


# --------------------------------------------------------------------------
# Where a child not yet adopted stands
# --------------------------------------------------------------------------


WAITING_CHILD = (
    ("entered_care", "2017-01-09"),
    ("adm_decision", "2017-05-02"),
    ("placement_order", "2017-06-01", {"authority": "placement_order"}),
    ("matched", "2017-10-02", {"household": "H1"}),
    ("placed", "2017-10-16", {"household": "H1"}),
    ("disruption", "2018-01-15", {"reason": "placement broke down"}),
)


def test_current_dates_as_known_on_a_date():
    placed = current_dates(journey(*WAITING_CHILD), on=d("2017-12-01"))
    assert placed.entered_care_on == d("2017-01-09")
    assert placed.authority_on == d("2017-06-01")
    assert (placed.matched_on, placed.placed_on) == (d("2017-10-02"), d("2017-10-16"))
    assert placed.waiting is False


def test_a_disruption_leaves_the_child_waiting_again():
    now = current_dates(journey(*WAITING_CHILD))
    assert (now.matched_on, now.placed_on) == (None, None)
    assert now.decision_on == d("2017-05-02")
    assert now.waiting is True
    # 2017-05-02 -> 2018-02-01: 30 (to 1 June) + 30 + 31 + 31 + 30 + 31 + 30 + 31 + 31 = 275
    assert days_waiting(journey(*WAITING_CHILD), d("2018-02-01")) == 275
    assert days_waiting(journey(*WAITING_CHILD), d("2017-12-01")) is None  # placed then


def test_a_reversed_decision_or_leaving_care_ends_the_wait():
    reversed_ = journey(*WAITING_CHILD, ("decision_reversed", "2018-03-01", {"reason": "RD1"}))
    assert current_dates(reversed_).decision_on is None
    assert days_waiting(reversed_, d("2018-04-01")) is None
    left = journey(*WAITING_CHILD, ("left_care", "2018-03-01"))
    assert current_dates(left).left_care_on == d("2018-03-01")
    assert days_waiting(left, d("2018-04-01")) is None


def test_re_entry_to_care_starts_a_new_period_in_current_dates():
    again = journey(
        *WAITING_CHILD,
        ("left_care", "2018-03-01"),
        ("entered_care", "2018-09-03"),
    )
    now = current_dates(again)
    assert now.entered_care_on == d("2018-09-03")
    assert (now.decision_on, now.authority_on, now.left_care_on) == (None, None, None)


# --------------------------------------------------------------------------
# Adopters
# --------------------------------------------------------------------------


def test_waited_months_counts_whole_calendar_months():
    assert waited_months(d("2018-01-15"), d("2018-04-15")) == 3
    assert waited_months(d("2018-01-15"), d("2018-04-14")) == 2
    # 31 January + 3 months is clamped to 30 April
    assert waited_months(d("2018-01-31"), d("2018-04-30")) == 3
    assert waited_months(d("2018-01-31"), d("2018-04-29")) == 2
    assert waited_months(d("2018-01-31"), d("2018-01-02")) == 0


def test_a12_counts_households_who_waited_3_months_or_more():
    waits = [
        AdopterWait("H1", d("2018-01-15"), matched_on=d("2018-04-15")),  # 3 months: counts
        AdopterWait("H2", d("2018-01-15"), matched_on=d("2018-04-14")),  # 2 months 30 days
        AdopterWait("H3", d("2017-06-01"), matched_on=d("2018-05-01")),  # 11 months: counts
        AdopterWait("H4", d("2017-06-01"), matched_on=d("2018-03-31")),  # before the period
        AdopterWait("H5", d("2018-02-01")),  # not matched
    ]
    measure = a12(waits, *parse_financial_year("2018-19"))
    # 2 of 3 households matched in 2018-19: 66.67% -> 66.7
    assert (measure.households, measure.waited_3_months_or_more) == (3, 2)
    assert measure.percent == Decimal("66.7")


def test_approval_waits_and_households_waiting():
    waits = approval_waits(
        "H1",
        journey(
            ("approved", "2017-03-01"),
            ("approved", "2017-09-01"),  # re-approved while waiting: still waiting since March
            ("matched", "2018-01-08"),
            ("placed", "2018-02-05"),
            ("adoption_order", "2018-09-03"),
            ("approved", "2019-05-01"),  # a second adoption
            ("withdrawn", "2019-11-04", {"reason": "moved away"}),
        ),
    )
    assert waits == [
        AdopterWait("H1", d("2017-03-01"), matched_on=d("2018-01-08")),
        AdopterWait("H1", d("2019-05-01"), withdrawn_on=d("2019-11-04")),
    ]
    assert households_waiting(waits, d("2018-01-07")) == [waits[0]]
    assert households_waiting(waits, d("2018-01-08")) == []
    assert households_waiting(waits, d("2019-06-01")) == [waits[1]]
    assert households_waiting(waits, d("2019-11-04")) == []


# --------------------------------------------------------------------------
# Board counts
# --------------------------------------------------------------------------


def test_board_counts_for_a_quarter():
    child_a = journey(
        ("entered_care", "2018-01-08"),
        ("adm_decision", "2018-04-03"),
        ("placement_order", "2018-05-01", {"authority": "placement_order"}),
        ("matched", "2018-06-04", {"household": "H1", "interagency": True}),
        ("placed", "2018-06-25", {"household": "H1"}),
        ("disruption", "2018-07-02"),  # next quarter
    )
    child_b = journey(
        ("entered_care", "2017-11-06"),
        ("early_permanence_placement", "2018-04-09", {"kind": "ffa", "household": "H2"}),
        ("adm_decision", "2018-04-30"),
        ("placement_order", "2018-05-14", {"authority": "consent"}),
        ("matched", "2018-05-21", {"household": "H2", "interagency": False}),
        ("placed", "2018-06-01", {"household": "H2"}),
        ("adoption_order", "2018-06-29"),
    )
    child_c = journey(
        ("entered_care", "2017-06-05"),
        ("adm_decision", "2017-10-02"),  # previous quarter
        ("decision_reversed", "2018-04-16", {"reason": "RD2"}),
        ("decision_reversed", "2018-06-30", {"reason": "RD1"}),
    )
    counts = board_counts([child_a, child_b, child_c], *parse_quarter("2018-19-Q1"))
    assert counts.adm_decisions == 2
    assert counts.placement_orders == 1  # consent is not a placement order
    assert (counts.matches, counts.placements) == (2, 2)
    assert counts.interagency_placements == 1
    assert counts.adoption_orders == 1
    assert counts.early_permanence_placements == 1
    assert counts.decisions_reversed == 2
    assert counts.decisions_reversed_by_reason == {"RD1": 1, "RD2": 1}
    assert counts.disruptions == 0
