"""Timescale rules (journey/domain/timescales.toml) and their clocks: domain.md section 5."""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

import pytest

from journey.domain.calendar import add_months, add_working_days, bank_holidays_in, is_working_day
from journey.domain.clocks import Clock, Stop, child_clocks, household_clocks
from journey.domain.milestones import Milestone
from journey.domain.timescale_rules import (
    Limit,
    RulesFileError,
    due_date,
    load_rules,
    load_timescales,
    parse_limit,
    warning_date,
)

RULES = load_rules()
RULES_BY_ID = {rule.id: rule for rule in RULES}


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


_event_ids = itertools.count(1)


def m(name: str, on: str, **details) -> Milestone:
    """A milestone; event ids follow the order the test writes them in."""
    return Milestone(next(_event_ids), name, d(on), details)


def clocks_of(rule_id: str, milestones, as_of=None) -> list[Clock]:
    rule = RULES_BY_ID[rule_id]
    if rule.subject == "household":
        return household_clocks(milestones, [rule], as_of=as_of)
    return child_clocks(milestones, [rule], as_of=as_of)


def only_clock(rule_id: str, milestones, as_of=None) -> Clock:
    clocks = clocks_of(rule_id, milestones, as_of)
    assert len(clocks) == 1, clocks
    return clocks[0]


# ------------------------------------------------------------------ clock arithmetic


@pytest.mark.parametrize(
    "start, months, due",
    [
        ("2024-01-31", 1, "2024-02-29"),  # leap year
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-08-31", 1, "2024-09-30"),
        ("2023-11-30", 3, "2024-02-29"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-10-31", 4, "2025-02-28"),
        ("2024-01-15", 3, "2024-04-15"),
        ("2024-11-15", 2, "2025-01-15"),  # across the year end
    ],
)
def test_calendar_months_clamp_to_the_months_last_day(start, months, due):
    assert due_date(d(start), f"{months} months") == d(due)
    assert add_months(d(start), months) == d(due)


def test_days_and_weeks():
    assert due_date(d("2024-01-10"), "121 days") == d("2024-05-10")
    assert due_date(d("2023-01-02"), "426 days") == d("2024-03-03")
    assert due_date(d("2024-01-01"), "26 weeks") == d("2024-07-01")
    assert due_date(d("2024-03-01"), Limit(1, "weeks")) == d("2024-03-08")


@pytest.mark.parametrize(
    "start, count, due",
    [
        # Christmas and New Year 2024/25: 25, 26 Dec and 1 Jan are bank holidays.
        ("2024-12-20", 7, "2025-01-03"),
        ("2024-12-24", 1, "2024-12-27"),
        ("2024-12-31", 1, "2025-01-02"),
        # Easter 2025: Good Friday 18 April and Easter Monday 21 April.
        ("2025-04-17", 7, "2025-04-30"),
        ("2025-04-17", 1, "2025-04-22"),
        # Easter 2024: Good Friday 29 March and Easter Monday 1 April.
        ("2024-03-28", 1, "2024-04-02"),
        # August bank holiday 2024 (26 August).
        ("2024-08-23", 1, "2024-08-27"),
        # Counting starts the day after the start, whatever day the start is.
        ("2025-01-04", 1, "2025-01-06"),  # a Saturday
        ("2025-01-06", 5, "2025-01-13"),
    ],
)
def test_working_days_skip_weekends_and_englands_bank_holidays(start, count, due):
    assert due_date(d(start), f"{count} working days") == d(due)


def test_working_days_backwards_mirror_forwards():
    assert add_working_days(d("2025-04-30"), -7) == d("2025-04-17")
    assert add_working_days(d("2025-01-03"), -7) == d("2024-12-20")


def test_easter_monday_and_august_are_bank_holidays_in_england():
    assert d("2025-04-21") in bank_holidays_in(2025)
    assert d("2024-08-26") in bank_holidays_in(2024)
    assert not is_working_day(d("2025-04-18"))
    assert not is_working_day(d("2025-04-21"))
    assert not is_working_day(d("2025-04-19"))  # Saturday
    assert is_working_day(d("2025-04-22"))


def test_warning_dates_count_from_the_start_or_back_from_the_due_date():
    start = d("2024-01-10")
    due = due_date(start, "121 days")
    assert warning_date(start, due, "90 days") == d("2024-04-09")
    assert warning_date(d("2025-01-01"), d("2025-03-15"), "8 weeks before") == d("2025-01-18")
    assert warning_date(start, due, "3 working days before") == d("2024-05-07")
    assert warning_date(start, due, None) is None


@pytest.mark.parametrize("text", ["121", "days", "121 dayz", "1.5 months", "0 days", "-3 days", "8 weeks before"])
def test_malformed_limits_are_refused(text):
    with pytest.raises(ValueError):
        parse_limit(text)


def test_limit_text_round_trips():
    for text in ("121 days", "26 weeks", "3 months", "7 working days", "1 working day"):
        assert str(parse_limit(text)) == text


# ------------------------------------------------------------------ levels


def test_order_to_match_warns_at_90_days_and_breaches_after_121():
    clock = only_clock("order-to-match", [m("placement_order", "2024-01-10", authority="placement_order")])
    assert (clock.started_on, clock.warn_on, clock.due_on) == (d("2024-01-10"), d("2024-04-09"), d("2024-05-10"))
    assert clock.level_on(d("2024-01-09")) is None  # not started
    assert clock.level_on(d("2024-04-08")) is None
    assert clock.level_on(d("2024-04-09")) == "warning"
    assert clock.level_on(d("2024-05-10")) == "warning"
    assert clock.level_on(d("2024-05-11")) == "breach"
    assert clock.stopped_on is None and clock.stopped_in_time is None


def test_a_rule_without_a_warning_point_only_breaches():
    clock = only_clock("decision-to-register", [m("adm_decision", "2024-01-15")])
    assert clock.warn_on is None
    assert clock.level_on(d("2024-04-15")) is None
    assert clock.level_on(d("2024-04-16")) == "breach"


def test_a_stop_on_the_due_date_is_in_time():
    clock = only_clock(
        "panel-to-match-decision",
        [m("match_panel", "2024-12-20", household="H1"), m("matched", "2025-01-03", household="H1")],
    )
    assert clock.due_on == d("2025-01-03")
    assert clock.stopped_on == d("2025-01-03")
    assert clock.stopped_in_time is True
    assert clock.level_on(d("2025-01-03")) is None
    assert clock.level_on(d("2025-01-04")) is None
    assert not clock.is_running_on(d("2025-01-03"))
    assert clock.is_running_on(d("2025-01-02"))


def test_a_stop_the_day_after_the_due_date_is_a_breach():
    start = m("placement_order", "2024-01-10", authority="placement_order")
    late = only_clock("order-to-match", [start, m("matched", "2024-05-11")])
    assert late.due_on == d("2024-05-10")
    assert late.stopped_in_time is False
    assert late.level_on(d("2024-05-10")) == "warning"
    # A clock stopped on a day is not running that day.
    assert late.level_on(d("2024-05-11")) is None
    # Two days after, the clock was running and breached the day before.
    later = only_clock("order-to-match", [start, m("matched", "2024-05-12")])
    assert later.level_on(d("2024-05-11")) == "breach"
    assert later.level_on(d("2024-05-12")) is None


# ------------------------------------------------------------------ every rule, from the file


def _start_of(rule, on: str) -> Milestone:
    details = {}
    if rule.authority:
        details["authority"] = rule.authority[0]
    if rule.due_from:
        details[rule.due_from] = d(on) + datetime.timedelta(days=100)
    return m(rule.starts_at, on, **details)


def _due_for(rule, on: str) -> datetime.date:
    if rule.due_from:
        return d(on) + datetime.timedelta(days=100)
    return due_date(d(on), rule.limit)


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_every_rule_starts_a_clock_at_its_start_milestone(rule):
    clock = only_clock(rule.id, [_start_of(rule, "2024-03-04")])
    assert clock.rule_id == rule.id
    assert clock.started_on == d("2024-03-04")
    assert clock.due_on == _due_for(rule, "2024-03-04")
    assert clock.stopped_on is None and clock.stops == ()
    assert clock.level_on(clock.due_on + datetime.timedelta(days=1)) == "breach"


@pytest.mark.parametrize(
    "rule, stopper",
    [(rule, stopper) for rule in RULES for stopper in rule.stopped_by],
    ids=[f"{rule.id}:{stopper}" for rule in RULES for stopper in rule.stopped_by],
)
def test_every_stopping_milestone_stops_its_rules_clock(rule, stopper):
    clock = only_clock(rule.id, [_start_of(rule, "2024-03-04"), m(stopper, "2024-03-06")])
    assert (clock.stopped_on, clock.stopped_by) == (d("2024-03-06"), stopper)
    assert clock.stops == (Stop(d("2024-03-06"), stopper, None),)
    assert clock.is_running_on(d("2024-03-05"))
    assert clock.stopped_in_time is True
    assert clock.level_on(clock.due_on + datetime.timedelta(days=1)) is None


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_a_milestone_that_is_not_a_stopper_leaves_the_clock_running(rule):
    bystander = "review" if rule.subject == "household" else "family_finding_started"
    assert bystander not in rule.stopped_by
    clock = only_clock(rule.id, [_start_of(rule, "2024-03-04"), m(bystander, "2024-03-20")])
    assert clock.stopped_on is None


def test_child_and_household_clocks_use_only_their_own_rules():
    child = child_clocks([m("approved", "2024-01-01")], RULES)
    household = household_clocks([m("entered_care", "2024-01-01")], RULES)
    assert child == [] and household == []


# ------------------------------------------------------------------ when a clock runs


def test_no_order_to_match_clock_when_matched_before_the_placement_order():
    journey = [
        m("entered_care", "2023-01-02"),
        m("adm_decision", "2023-03-01"),
        m("matched", "2023-05-01", household="H1"),
        m("placement_order", "2023-06-01", authority="placement_order"),
    ]
    assert clocks_of("order-to-match", journey) == []


def test_a_match_on_the_day_of_the_placement_order_stops_its_clock_that_day():
    journey = [
        m("adm_decision", "2023-03-01"),
        m("matched", "2023-06-01", household="H1"),
        m("placement_order", "2023-06-01", authority="placement_order"),
    ]
    clock = only_clock("order-to-match", journey)
    assert (clock.started_on, clock.stopped_on, clock.stopped_by) == (d("2023-06-01"), d("2023-06-01"), "matched")
    assert clock.level_on(d("2023-06-01")) is None


def test_a_match_in_an_earlier_plan_does_not_hold_back_the_clock():
    journey = [
        m("entered_care", "2022-01-03"),
        m("adm_decision", "2022-03-01"),
        m("matched", "2022-05-02", household="H1"),
        m("decision_reversed", "2022-06-01", reason="RD1"),
        m("adm_decision", "2023-01-16"),
        m("placement_order", "2023-03-01", authority="placement_order"),
    ]
    clock = only_clock("order-to-match", journey)
    assert clock.started_on == d("2023-03-01") and clock.stopped_on is None


def test_no_order_to_match_clock_after_a_reversal_with_no_new_decision():
    journey = [
        m("adm_decision", "2023-03-01"),
        m("decision_reversed", "2023-04-03", reason="RD4"),
        m("placement_order", "2023-06-01", authority="placement_order"),
    ]
    assert clocks_of("order-to-match", journey) == []


def test_consent_does_not_start_order_to_match_but_a_freeing_order_does():
    assert clocks_of("order-to-match", [m("placement_order", "2024-02-01", authority="consent")]) == []
    clock = only_clock("order-to-match", [m("placement_order", "2024-02-01", authority="freeing_order")])
    assert clock.started_on == d("2024-02-01")


def test_a_second_placement_order_starts_a_second_clock():
    journey = [
        m("entered_care", "2022-01-03"),
        m("adm_decision", "2022-03-01"),
        m("placement_order", "2022-05-03", authority="placement_order"),
        m("decision_reversed", "2022-09-01", reason="RD1"),
        m("adm_decision", "2023-01-16"),
        m("placement_order", "2023-03-01", authority="placement_order"),
    ]
    first, second = clocks_of("order-to-match", journey)
    assert first.key == ("order-to-match", d("2022-05-03"))
    assert (first.stopped_on, first.stopped_by) == (d("2022-09-01"), "decision_reversed")
    assert second.key == ("order-to-match", d("2023-03-01"))
    assert second.stopped_on is None
    assert second.due_on == d("2023-06-30")


def test_two_start_milestones_on_one_date_are_one_clock():
    journey = [
        m("placement_order", "2024-02-01", authority="placement_order"),
        m("placement_order", "2024-02-01", authority="freeing_order"),
    ]
    assert len(clocks_of("order-to-match", journey)) == 1


DISRUPTED = [
    m("entered_care", "2023-01-02"),
    m("adm_decision", "2023-03-01"),
    m("placement_order", "2023-05-02", authority="placement_order"),
    m("matched", "2023-07-03", household="H1"),
    m("placed", "2023-08-01", household="H1"),
    m("disruption", "2024-06-03", reason="placement ended"),
    m("matched", "2024-09-02", household="H2"),
    m("placed", "2024-10-01", household="H2"),
]


def test_disruption_reopens_order_to_match_from_its_original_start():
    clock = only_clock("order-to-match", DISRUPTED)
    assert clock.key == ("order-to-match", d("2023-05-02"))
    assert clock.stops == (
        Stop(d("2023-07-03"), "matched", d("2024-06-03")),
        Stop(d("2024-09-02"), "matched", None),
    )
    assert (clock.stopped_on, clock.stopped_by) == (d("2024-09-02"), "matched")
    assert clock.level_on(d("2024-06-02")) is None
    # Waiting again, and already late: the due date is the original one.
    assert clock.level_on(d("2024-06-03")) == "breach"
    assert clock.level_on(d("2024-09-02")) is None


def test_disruption_reopens_care_to_placement_from_entering_care():
    clock = only_clock("care-to-placement", DISRUPTED)
    assert clock.started_on == d("2023-01-02")
    assert clock.due_on == d("2024-03-03")
    assert clock.stops == (
        Stop(d("2023-08-01"), "placed", d("2024-06-03")),
        Stop(d("2024-10-01"), "placed", None),
    )
    assert clock.level_on(d("2024-03-04")) is None
    assert clock.level_on(d("2024-06-03")) == "breach"
    assert clock.level_on(d("2024-10-01")) is None


def test_a_clock_reopened_by_disruption_is_running_as_of_the_disruption():
    assert only_clock("order-to-match", DISRUPTED, as_of=d("2024-06-02")).stopped_by == "matched"
    reopened = only_clock("order-to-match", DISRUPTED, as_of=d("2024-06-03"))
    assert reopened.stopped_on is None
    assert reopened.stops == (Stop(d("2023-07-03"), "matched", d("2024-06-03")),)


def test_a_disruption_does_not_reopen_rules_it_does_not_name():
    clock = only_clock("panel-to-match-decision", [m("match_panel", "2023-06-26", household="H1")] + DISRUPTED)
    assert clock.stopped_by == "matched" and len(clock.stops) == 1


def test_after_a_disruption_a_new_placement_order_starts_its_own_clock():
    journey = DISRUPTED[:6] + [m("placement_order", "2024-07-01", authority="placement_order")]
    first, second = clocks_of("order-to-match", journey)
    assert first.started_on == d("2023-05-02") and first.stopped_on is None
    assert second.started_on == d("2024-07-01") and second.stopped_on is None


def test_a_new_decision_after_a_reversal_reruns_care_to_placement():
    journey = [
        m("entered_care", "2023-01-02"),
        m("adm_decision", "2023-03-01"),
        m("decision_reversed", "2023-09-01", reason="RD3"),
        m("adm_decision", "2024-01-15"),
    ]
    clock = only_clock("care-to-placement", journey)
    assert clock.started_on == d("2023-01-02")
    assert clock.stops == (Stop(d("2023-09-01"), "decision_reversed", d("2024-01-15")),)
    assert clock.stopped_on is None
    assert clock.level_on(d("2024-01-14")) is None
    assert clock.level_on(d("2024-01-15")) == "warning"
    assert clock.level_on(d("2024-03-04")) == "breach"


def test_a_decision_in_a_later_period_of_care_starts_afresh():
    journey = [
        m("entered_care", "2021-01-04"),
        m("adm_decision", "2021-03-01"),
        m("decision_reversed", "2021-09-01", reason="RD1"),
        m("left_care", "2021-10-01", reason="returned home"),
        m("entered_care", "2023-02-06"),
        m("adm_decision", "2023-05-02"),
    ]
    first, second = clocks_of("care-to-placement", journey)
    assert first.started_on == d("2021-01-04")
    assert first.stops == (Stop(d("2021-09-01"), "decision_reversed", None),)
    assert second.started_on == d("2023-02-06") and second.stopped_on is None


def test_a_decision_after_an_unrecorded_end_of_care_does_not_reopen_the_old_period():
    journey = [
        m("entered_care", "2021-01-04"),
        m("adm_decision", "2021-03-01"),
        m("decision_reversed", "2021-09-01", reason="RD1"),
        m("entered_care", "2023-02-06"),  # a new period; its left_care was never recorded
        m("adm_decision", "2023-05-02"),
    ]
    first, second = clocks_of("care-to-placement", journey)
    assert first.stops == (Stop(d("2021-09-01"), "decision_reversed", None),)
    assert second.started_on == d("2023-02-06") and second.stopped_on is None


def test_each_period_of_care_has_its_own_care_clocks():
    journey = [
        m("entered_care", "2021-01-04"),
        m("left_care", "2021-03-01", reason="returned home"),
        m("care_proceedings_issued", "2022-11-01"),
        m("entered_care", "2022-11-07"),
    ]
    for rule_id in ("care-to-placement", "plan-by-second-review"):
        first, second = clocks_of(rule_id, journey)
        assert (first.started_on, first.stopped_by) == (d("2021-01-04"), "left_care")
        assert (second.started_on, second.stopped_on) == (d("2022-11-07"), None)
    # Proceedings after an earlier period ended are not held back by its left_care.
    assert only_clock("proceedings-26-weeks", journey).started_on == d("2022-11-01")


def test_a_new_decision_starts_a_new_decision_to_register_clock():
    journey = [
        m("entered_care", "2022-01-03"),
        m("adm_decision", "2022-03-01"),
        m("register_referral", "2022-04-01"),
        m("decision_reversed", "2022-09-01", reason="RD1"),
        m("adm_decision", "2023-01-16"),
    ]
    first, second = clocks_of("decision-to-register", journey)
    assert first.stopped_by == "register_referral"
    assert second.started_on == d("2023-01-16") and second.stopped_on is None


def test_pre_birth_plan_is_due_on_the_expected_due_date_and_warns_8_weeks_before():
    clock = only_clock("pre-birth-plan", [m("unborn_identified", "2025-01-06", expected_due_date=d("2025-03-15"))])
    assert (clock.due_on, clock.warn_on) == (d("2025-03-15"), d("2025-01-18"))
    assert clock.level_on(d("2025-01-17")) is None
    assert clock.level_on(d("2025-01-18")) == "warning"
    assert clock.level_on(d("2025-03-16")) == "breach"
    as_text = only_clock("pre-birth-plan", [m("unborn_identified", "2025-01-06", expected_due_date="2025-03-15")])
    assert as_text.due_on == d("2025-03-15")


def test_pre_birth_plan_without_a_due_date_has_no_clock():
    assert clocks_of("pre-birth-plan", [m("unborn_identified", "2025-01-06")]) == []


def test_household_approved_again_waits_again():
    journey = [
        m("approved", "2022-01-10"),
        m("matched", "2022-06-01"),
        m("approved", "2024-02-05"),
    ]
    first, second = clocks_of("adopters-waiting", journey)
    assert first.stopped_by == "matched"
    assert (second.started_on, second.due_on, second.stopped_on) == (d("2024-02-05"), d("2025-02-05"), None)
    assert [c.rule_id for c in household_clocks(journey, RULES)] == [
        "adopter-register-referral", "adopter-register-referral", "adopters-waiting", "adopters-waiting",
    ]


@pytest.mark.parametrize(
    "journey",
    [DISRUPTED, DISRUPTED[:6] + [m("placement_order", "2024-07-01", authority="placement_order")]],
    ids=["disrupted", "disrupted-then-new-order"],
)
def test_level_on_a_day_is_what_the_milestones_by_that_day_give(journey):
    full = {clock.key: clock for clock in child_clocks(journey, RULES)}
    day = d("2022-12-25")
    while day <= d("2025-02-01"):
        then = {clock.key: clock for clock in child_clocks(journey, RULES, as_of=day)}
        assert set(then) == {key for key, clock in full.items() if clock.started_on <= day}
        for key, clock in full.items():
            expected = then[key].level_on(day) if key in then else None
            assert clock.level_on(day) == expected, (key, day)
        day += datetime.timedelta(days=7)


def test_a_clock_can_be_built_from_its_stop_or_its_stops():
    one = Clock("order-to-match", d("2024-01-10"), d("2024-05-10"), stopped_on=d("2024-03-01"), stopped_by="matched")
    assert one.stops == (Stop(d("2024-03-01"), "matched", None),)
    reopened = Clock("order-to-match", d("2024-01-10"), d("2024-05-10"), stops=((d("2024-03-01"), "matched", d("2024-06-03")),))
    assert reopened.stopped_on is None and reopened.level_on(d("2024-06-03")) == "breach"
    with pytest.raises(ValueError):
        Clock("order-to-match", d("2024-01-10"), d("2024-05-10"), stopped_on=d("2024-04-01"), stopped_by="matched",
              stops=(Stop(d("2024-03-01"), "matched"),))


# ------------------------------------------------------------------ the rules file


def test_the_shipped_rules_are_the_section_5_table():
    assert [rule.id for rule in RULES] == [
        "order-to-match", "care-to-placement", "decision-to-register", "plan-by-second-review",
        "proceedings-26-weeks", "panel-to-match-decision", "pre-birth-plan",
        "adopter-stage-1", "adopter-stage-2", "adopter-register-referral", "adopters-waiting",
    ]
    assert str(RULES_BY_ID["care-to-placement"].limit) == "426 days"
    assert str(RULES_BY_ID["care-to-placement"].warn_at) == "365 days"
    assert str(RULES_BY_ID["panel-to-match-decision"].limit) == "7 working days"
    assert RULES_BY_ID["pre-birth-plan"].due_from == "expected_due_date"
    assert str(RULES_BY_ID["pre-birth-plan"].warn_at) == "8 weeks before"
    assert all(rule.title and rule.source for rule in RULES)
    assert load_timescales().review_after_days == 28


OVERRIDE = """
review_after_days = 14

[[rule]]
id = "panel-to-match-decision"
title = "Match decided within 10 working days of the matching panel"
subject = "child"
starts_at = "match_panel"
stopped_by = ["matched", "decision_reversed"]
limit = "10 working days"
source = "Our local practice"

[[rule]]
id = "family-finding-started"
title = "Family finding begun within 1 week of the decision"
subject = "child"
starts_at = "adm_decision"
stopped_by = ["family_finding_started"]
limit = "1 week"
source = "Our local practice"
"""


def test_an_override_file_replaces_rules_by_id_and_adds_new_ones(tmp_path: Path):
    path = tmp_path / "timescales.toml"
    path.write_text(OVERRIDE)
    timescales = load_timescales(path)
    ids = [rule.id for rule in timescales.rules]
    assert ids == [rule.id for rule in RULES] + ["family-finding-started"]
    replaced = timescales.rule("panel-to-match-decision")
    assert str(replaced.limit) == "10 working days"
    assert replaced.stopped_by == ("matched", "decision_reversed")
    assert timescales.rule("order-to-match") == RULES_BY_ID["order-to-match"]
    assert timescales.review_after_days == 14
    clock = only_clock("panel-to-match-decision", [m("match_panel", "2024-12-20")])
    assert clock.due_on == d("2025-01-03")
    overridden = child_clocks([m("match_panel", "2024-12-20")], [replaced])
    assert overridden[0].due_on == d("2025-01-08")


def test_a_missing_override_file_leaves_the_defaults(tmp_path: Path):
    assert load_rules(tmp_path / "timescales.toml") == RULES


@pytest.mark.parametrize(
    "rule_text, problem",
    [
        ('subject = "child"\nstarts_at = "placement_order"\nstopped_by = ["matchd"]\nlimit = "121 days"',
         "stopped_by: unknown child milestone 'matchd'"),
        ('subject = "child"\nstarts_at = "placement_ordr"\nstopped_by = ["matched"]\nlimit = "121 days"',
         "starts_at: unknown child milestone 'placement_ordr'"),
        ('subject = "child"\nstarts_at = "approved"\nstopped_by = ["matched"]\nlimit = "3 months"',
         "starts_at: unknown child milestone 'approved'"),
        ('subject = "adopter"\nstarts_at = "approved"\nstopped_by = ["matched"]\nlimit = "3 months"',
         "unknown subject 'adopter'"),
        ('subject = "child"\nstarts_at = "placement_order"\nstopped_by = ["matched"]\nlimit = "121 dayz"',
         "limit: '121 dayz' is not a limit"),
        ('subject = "child"\nstarts_at = "placement_order"\nstopped_by = ["matched"]\nlimit = 121',
         "limit: expected text"),
        ('subject = "child"\nstarts_at = "placement_order"\nstopped_by = ["matched"]\nlimit = "121 days"\nwarn_at = "soon"',
         "warn_at: 'soon' is not a limit"),
        ('subject = "child"\nstarts_at = "placement_order"\nstopped_by = ["matched"]',
         "give either limit or due_from"),
        ('subject = "child"\nstarts_at = "placement_order"\nstopped_by = ["matched"]\ndue_from = "authority"',
         "due_from: 'authority' is not a date detail of placement_order"),
        ('subject = "child"\nstarts_at = "placement_order"\nstopped_by = ["matched"]\nlimit = "121 days"\nauthority = ["court"]',
         "authority: unknown authority 'court'"),
        ('subject = "household"\nstarts_at = "approved"\nstopped_by = ["matched"]\nlimit = "3 months"\nreopened_by = ["disruption"]',
         "reopened_by: 'disruption' cannot reopen a household clock"),
        ('subject = "child"\nstarts_at = "placement_order"\nstoped_by = ["matched"]\nlimit = "121 days"',
         "unknown field stoped_by"),
        # A warning at or after the limit would never be seen before the breach.
        ('subject = "child"\nstarts_at = "placement_order"\nstopped_by = ["matched"]\nlimit = "121 days"\nwarn_at = "121 days"',
         "warn_at: 121 days is not before the limit 121 days"),
        ('subject = "child"\nstarts_at = "placement_order"\nstopped_by = ["matched"]\nlimit = "121 days"\nwarn_at = "130 days"',
         "warn_at: 130 days is not before the limit 121 days"),
        ('subject = "child"\nstarts_at = "entered_care"\nstopped_by = ["placed"]\nlimit = "26 weeks"\nwarn_at = "182 days"',
         "warn_at: 182 days is not before the limit 26 weeks"),
        # 31 January + 1 month is 28 February, which is also 31 January + 4 weeks in 2025.
        ('subject = "child"\nstarts_at = "entered_care"\nstopped_by = ["placed"]\nlimit = "1 month"\nwarn_at = "4 weeks"',
         "warn_at: 4 weeks is not before the limit 1 month (a clock started on 2025-01-31 would warn on 2025-02-28 and be due on 2025-02-28)"),
    ],
)
def test_a_malformed_rule_is_refused_naming_file_rule_and_problem(tmp_path: Path, rule_text, problem):
    path = tmp_path / "timescales.toml"
    path.write_text(f'[[rule]]\nid = "my-rule"\ntitle = "A rule"\nsource = "local"\n{rule_text}\n')
    with pytest.raises(RulesFileError) as raised:
        load_rules(path)
    message = str(raised.value)
    assert str(path) in message
    assert "rule 'my-rule'" in message
    assert problem in message


def test_a_warning_before_the_limit_is_accepted(tmp_path: Path):
    path = tmp_path / "timescales.toml"
    rules = ""
    for number, (limit, warn_at) in enumerate(
        [("121 days", "120 days"), ("1 month", "2 weeks"), ("3 months", "8 weeks"), ("7 working days", "1 week"),
         ("10 working days", "3 working days before"), ("2 weeks", "3 weeks before")], start=1
    ):
        rules += (f'[[rule]]\nid = "rule-{number}"\ntitle = "t"\nsource = "s"\nsubject = "child"\n'
                  f'starts_at = "entered_care"\nstopped_by = ["placed"]\nlimit = "{limit}"\nwarn_at = "{warn_at}"\n')
    path.write_text(rules)
    loaded = {rule.id: rule for rule in load_rules(path)}
    assert str(loaded["rule-2"].warn_at) == "2 weeks"
    assert str(loaded["rule-6"].warn_at) == "3 weeks before"  # before the due date, even before the start


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[[rule]]\nid = \n", "not valid TOML"),
        ('[[rule]]\ntitle = "no id"\n', "rule number 1: has no id"),
        ("review_after_days = 0\n", "review_after_days must be a whole number"),
        ('review_after_days = "28"\n', "review_after_days must be a whole number"),
        ("reveiw_after_days = 14\n", "unknown setting reveiw_after_days"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file(tmp_path: Path, text, problem):
    path = tmp_path / "timescales.toml"
    path.write_text(text)
    with pytest.raises(RulesFileError) as raised:
        load_timescales(path)
    assert str(path) in str(raised.value)
    assert problem in str(raised.value)


def test_a_rule_id_used_twice_in_one_file_is_refused(tmp_path: Path):
    rule = '[[rule]]\nid = "twice"\ntitle = "t"\nsource = "s"\nsubject = "household"\nstarts_at = "approved"\nstopped_by = ["matched"]\nlimit = "3 months"\n'
    path = tmp_path / "timescales.toml"
    path.write_text(rule + rule)
    with pytest.raises(RulesFileError, match="rule 'twice': the id is used twice"):
        load_rules(path)
