"""A refusal by the rules of order says, as plain values, which milestone broke
which rule and what it was checked against (the milestone, or the date of birth,
or today, and its date; the date detail, if a detail broke it): what a form needs
to explain it in a tracker's words and mark the field concerned."""

from __future__ import annotations

import datetime
import json

import pytest

from journey.domain import rules_of_order
from journey.domain.errors import JourneyRulesBroken, RuleOfOrderBroken
from journey.domain.milestones import Milestone

TODAY = datetime.date(2025, 3, 31)


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def journey(*steps) -> list[Milestone]:
    return [Milestone(n, name, d(on), details) for n, (name, on, details) in enumerate(steps, start=1)]


# rule -> (the journey, the date of birth, what the breach says as values)
CASES = {
    "before birth": (
        journey(("entered_care", "2024-01-01", {})), d("2024-01-10"),
        {"milestone": "entered_care", "occurred_on": "2024-01-01", "against": "date_of_birth", "against_on": "2024-01-10", "detail": None},
    ),
    "decision before care": (
        journey(("adm_decision", "2024-02-01", {}), ("entered_care", "2024-03-01", {})), None,
        {"milestone": "adm_decision", "occurred_on": "2024-02-01", "against": "entered_care", "against_on": "2024-03-01", "detail": None},
    ),
    "match after placement": (
        journey(("placed", "2024-05-01", {}), ("matched", "2024-06-01", {})), None,
        {"milestone": "matched", "occurred_on": "2024-06-01", "against": "placed", "against_on": "2024-05-01", "detail": None},
    ),
    "placed on or after adoption order": (
        journey(("adoption_order", "2024-06-01", {}), ("placed", "2024-06-01", {})), None,
        {"milestone": "placed", "occurred_on": "2024-06-01", "against": "adoption_order", "against_on": "2024-06-01", "detail": None},
    ),
    "after adoption order": (
        journey(("adoption_order", "2024-06-01", {}), ("family_finding_started", "2024-07-01", {})), None,
        {"milestone": "family_finding_started", "occurred_on": "2024-07-01", "against": "adoption_order",
         "against_on": "2024-06-01", "detail": None},
    ),
    "after decision reversed": (
        journey(("decision_reversed", "2024-02-01", {"reason": "RD1"}), ("matched", "2024-03-01", {})), None,
        {"milestone": "matched", "occurred_on": "2024-03-01", "against": "decision_reversed", "against_on": "2024-02-01", "detail": None},
    ),
    "date in the future": (
        journey(("placed", "2025-03-01", {"moved_in_on": d("2025-05-01")})), None,
        {"milestone": "placed", "occurred_on": "2025-03-01", "against": "today", "against_on": "2025-03-31", "detail": "moved_in_on"},
    ),
}


def test_every_rule_has_a_case():
    assert set(CASES) == {cls.rule for cls in RuleOfOrderBroken.__subclasses__()}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_a_breach_says_what_it_is_checked_against(rule):
    milestones, dob, expected = CASES[rule]
    [breach] = rules_of_order.breaches(milestones, dob, TODAY)
    assert breach.breach_dict() == {**expected, "rule": rule, "message": breach.message,
                                    "event_id": next(m.event_id for m in milestones if m.name == expected["milestone"])}
    error = JourneyRulesBroken("child C-1 of Coventry", [breach], child_ref="C-1", local_authority="Coventry")
    said = error.to_dict()
    assert json.loads(json.dumps(said)) == said  # plain values
    assert said["breaches"] == [breach.breach_dict()] and said["rule"] == rule


def test_a_date_of_birth_in_the_future_is_its_own_detail():
    [breach] = rules_of_order.breaches([], d("2025-06-01"), TODAY)
    assert breach.breach_dict() == {"rule": "date in the future", "message": breach.message, "milestone": None, "occurred_on": None,
                                    "event_id": None, "against": "today", "against_on": "2025-03-31", "detail": "date_of_birth"}
