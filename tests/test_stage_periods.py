"""A child's stages as periods: each stage in the order reached, each ending
the day the next began, the last (the stage now) still open; always agreeing
with the stage the stage rule gives."""

from __future__ import annotations

import datetime

from journey.domain.milestones import Milestone, in_journey_order
from journey.domain.stages import StagePeriod, stage_of_journey, stage_periods

D = datetime.date


def journey(*steps: tuple[str, D]) -> list[Milestone]:
    return in_journey_order([Milestone(i + 1, name, day) for i, (name, day) in enumerate(steps)])


def test_each_stage_ends_when_the_next_begins():
    periods = stage_periods(journey(
        ("entered_care", D(2023, 1, 1)), ("adm_decision", D(2023, 5, 1)), ("placement_order", D(2023, 7, 1)),
        ("family_finding_started", D(2023, 7, 9)), ("matched", D(2023, 12, 1)), ("placed", D(2024, 1, 1)),
    ))
    assert periods == [
        StagePeriod("in_care", D(2023, 1, 1), D(2023, 5, 1), "entered_care"),
        StagePeriod("decision", D(2023, 5, 1), D(2023, 7, 1), "adm_decision"),
        StagePeriod("authority", D(2023, 7, 1), D(2023, 12, 1), "placement_order"),
        StagePeriod("matched", D(2023, 12, 1), D(2024, 1, 1), "matched"),
        StagePeriod("placed", D(2024, 1, 1), None, "placed"),
    ]


def test_a_disruption_returns_the_child_to_authority_and_the_last_period_is_the_stage_now():
    steps = journey(
        ("entered_care", D(2022, 1, 1)), ("adm_decision", D(2022, 3, 1)), ("placement_order", D(2022, 6, 1)),
        ("matched", D(2022, 9, 1)), ("placed", D(2022, 10, 1)), ("disruption", D(2023, 2, 1)),
    )
    periods = stage_periods(steps)
    assert [p.name for p in periods] == ["in_care", "decision", "authority", "matched", "placed", "authority"]
    assert periods[-1] == StagePeriod("authority", D(2023, 2, 1), None, "disruption")
    assert (periods[-1].name, periods[-1].started_on) == stage_of_journey(steps)


def test_no_milestone_no_period():
    assert stage_periods([]) == []
