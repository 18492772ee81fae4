"""Adopters' timeliness (domain.md section 4): each approval is measured from the
registration of interest that led to it (the latest on or before it and after any
earlier approval); an approval with none is left out. The same holds for the
stage 1 and stage 2 steps: a start leads to the first end after it, no later one."""

from __future__ import annotations

import datetime

import pytest
from factories import make_two_council_settings

from journey.domain import clock
from journey.domain.adopters import step_times
from journey.domain.milestones import Milestone
from journey.service import Tracker

d = datetime.date.fromisoformat


def journey(*steps: tuple[str, str]) -> list[Milestone]:
    return [Milestone(n, name, d(day)) for n, (name, day) in enumerate(steps, start=2)]


def test_an_approval_again_with_no_new_registration_is_left_out():
    household = journey(
        ("registration_of_interest", "2020-01-06"), ("approved", "2020-07-01"),
        ("matched", "2020-11-02"), ("placed", "2020-12-01"), ("adoption_order", "2021-08-02"),
        ("stage2_started", "2025-10-01"), ("approved", "2026-04-05"),
    )
    # Before: the 2026 approval paired with the 2020 registration (2,281 days).
    assert step_times(household, "registration_of_interest", "approved") == [(d("2020-01-06"), d("2020-07-01"))]
    assert step_times(household, "stage2_started", "approved") == [(d("2025-10-01"), d("2026-04-05"))]


def test_each_approval_from_its_own_registration():
    household = journey(
        ("registration_of_interest", "2019-03-01"), ("registration_of_interest", "2019-05-01"),
        ("approved", "2019-10-01"), ("withdrawn", "2020-02-01"),
        ("registration_of_interest", "2022-01-10"), ("approved", "2022-06-10"),
    )
    assert step_times(household, "registration_of_interest", "approved") == [
        (d("2019-05-01"), d("2019-10-01")),  # the latest registration before it
        (d("2022-01-10"), d("2022-06-10")),
    ]


def test_an_end_with_no_start_before_it_is_left_out():
    household = journey(("approved", "2020-07-01"), ("registration_of_interest", "2020-08-01"))
    assert step_times(household, "registration_of_interest", "approved") == []


@pytest.fixture
def tracker(tmp_path):
    clock.set_today(d("2026-06-30"))
    service = Tracker(make_two_council_settings(tmp_path))
    yield service
    service.close()
    clock.set_today(None)


def test_the_board_report_leaves_out_an_approval_again_with_no_new_registration(tracker):
    for milestone, day in (("registration_of_interest", "2020-11-09"), ("stage1_started", "2020-12-01"),
                           ("stage1_completed", "2021-01-29"), ("stage2_started", "2021-02-01"),
                           ("approved", "2021-05-04")):
        tracker.record_household("HH-1", milestone, day, recorded_by="test")
    for step in (("entered_care", "2020-06-01"), ("adm_decision", "2020-09-01"),
                 ("placement_order", "2021-01-04", {"authority": "placement_order"}),
                 ("matched", "2021-06-01", {"household": "HH-1"}), ("placed", "2021-06-21", {"household": "HH-1"}),
                 ("adoption_order", "2022-01-10", {"household": "HH-1"})):
        tracker.record("Coventry", "CV-1", *step, recorded_by="test")
    # Approved again in 2026 for a second child: a new stage 2, no new registration.
    tracker.record_household("HH-1", "stage2_started", "2025-11-03", recorded_by="test")
    tracker.record_household("HH-1", "approved", "2026-02-09", recorded_by="test")

    first = tracker.quarterly_report("2021-22-Q1")["households"]
    again = tracker.quarterly_report("2025-26-Q4")["households"]

    assert first["registration_to_approval"] == {"households": 1, "within_6_months": 1, "percent": 100.0, "average_days": 176}
    assert again["approved"] == 1
    # Before: 1 household, 1,918 days from the 2020 registration.
    assert again["registration_to_approval"] == {"households": 0, "within_6_months": 0, "percent": None, "average_days": None}
    assert again["stage2_within_4_months"] == {"households": 1, "within_4_months": 1, "percent": 100.0, "average_days": 98}
