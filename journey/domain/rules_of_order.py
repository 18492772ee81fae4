"""The rules of order (domain.md section 2), as checks over a whole journey.

Each rule compares the dates of milestones that are recorded: a missing earlier
milestone is a gap, not a break. A command is refused when the journey it would
leave breaks a rule that the journey before it did not, so corrections and
withdrawals are checked exactly like new milestones.
"""

from __future__ import annotations

import datetime

from journey.domain.errors import (
    DateInFuture,
    DecisionBeforeCare,
    MatchAfterPlacement,
    MatchOrPlacementAfterReversal,
    MilestoneAfterAdoption,
    OrderBeforeBirth,
    PlacedOnOrAfterAdoption,
    RuleOfOrderBroken,
)
from journey.domain.milestones import DATE_DETAILS, Milestone, in_journey_order

# Milestones that may be dated before the child's birth.
BEFORE_BIRTH_ALLOWED = frozenset(
    {"unborn_identified", "pre_proceedings_started", "care_proceedings_issued", "permanence_plan"}
)
ENDS_PERIOD_OF_CARE = frozenset({"left_care", "adoption_order"})


def breaches(
    milestones: list[Milestone],
    date_of_birth: datetime.date | None,
    today: datetime.date,
) -> list[RuleOfOrderBroken]:
    """Every rule of order the journey breaks, one error per offending milestone."""
    journey = in_journey_order(milestones)
    found: list[RuleOfOrderBroken] = []
    found += _before_birth(journey, date_of_birth)
    found += _decision_before_care(journey)
    found += _match_after_placement(journey)
    found += _after_adoption(journey)
    found += _after_reversal(journey)
    found += _in_future(journey, date_of_birth, today)
    return found


def _before_birth(journey, date_of_birth):
    if date_of_birth is None:
        return []
    return [
        OrderBeforeBirth(m, f"{_name(m)} on {m.occurred_on} is before the date of birth {date_of_birth}",
                         against="date_of_birth", against_on=date_of_birth)
        for m in journey
        if m.name not in BEFORE_BIRTH_ALLOWED and m.occurred_on < date_of_birth
    ]


def _decision_before_care(journey):
    """A decision must fall in a period of care. One dated when the child was not
    (as recorded) in care, before an entered_care that follows it, is before the
    start of its period. A decision before a later entry with no left_care between
    belongs to the earlier period (a missing left_care is a gap, not a break)."""
    found = []
    in_care = False
    for i, m in enumerate(journey):
        if m.name == "entered_care":
            in_care = True
        elif m.name in ENDS_PERIOD_OF_CARE:
            in_care = False
        elif m.name == "adm_decision" and not in_care:
            later = next((e for e in journey[i + 1 :] if e.name == "entered_care" and e.occurred_on > m.occurred_on), None)
            if later is not None:
                found.append(
                    DecisionBeforeCare(
                        m,
                        f"adm_decision on {m.occurred_on} is before the entered_care on "
                        f"{later.occurred_on} that starts its period of care",
                        against="entered_care", against_on=later.occurred_on,
                    )
                )
    return found


def _match_after_placement(journey):
    """A match may not come after a placement that is still running (same day is fine)."""
    found = []
    for match in (m for m in journey if m.name == "matched"):
        for placed in (m for m in journey if m.name == "placed"):
            if placed.occurred_on >= match.occurred_on:
                continue
            if not _same_household(placed, match):
                continue
            ended = any(
                m.name in ("disruption", "decision_reversed")
                and placed.occurred_on <= m.occurred_on <= match.occurred_on
                for m in journey
            )
            if not ended:
                found.append(
                    MatchAfterPlacement(
                        match,
                        f"matched on {match.occurred_on} is after the placed on "
                        f"{placed.occurred_on} it leads to",
                        against="placed", against_on=placed.occurred_on,
                    )
                )
                break
    return found


def _after_adoption(journey):
    orders = [m for m in journey if m.name == "adoption_order"]
    if not orders:
        return []
    adopted_on = orders[0].occurred_on
    found = []
    for m in journey:
        if m.name == "placed" and m.occurred_on >= adopted_on:
            found.append(
                PlacedOnOrAfterAdoption(
                    m, f"placed on {m.occurred_on} is on or after the adoption_order on {adopted_on}",
                    against="adoption_order", against_on=adopted_on,
                )
            )
        elif m.occurred_on > adopted_on:
            found.append(
                MilestoneAfterAdoption(
                    m, f"{_name(m)} on {m.occurred_on} is after the adoption_order on {adopted_on}",
                    against="adoption_order", against_on=adopted_on,
                )
            )
    return found


def _after_reversal(journey):
    found = []
    reversed_on = None
    for m in journey:
        if m.name == "decision_reversed":
            reversed_on = m.occurred_on
        elif m.name == "adm_decision":
            reversed_on = None
        elif m.name in ("matched", "placed") and reversed_on is not None and m.occurred_on > reversed_on:
            found.append(
                MatchOrPlacementAfterReversal(
                    m,
                    f"{m.name} on {m.occurred_on} follows the decision_reversed on {reversed_on} "
                    "with no new adm_decision between",
                    against="decision_reversed", against_on=reversed_on,
                )
            )
    return found


def _in_future(journey, date_of_birth, today):
    found = []
    if date_of_birth is not None and date_of_birth > today:
        found.append(DateInFuture(None, f"the date of birth {date_of_birth} is in the future",
                                  against="today", against_on=today, detail="date_of_birth"))
    for m in journey:
        if m.occurred_on > today:
            found.append(DateInFuture(m, f"{_name(m)} on {m.occurred_on} is in the future (today is {today})",
                                      against="today", against_on=today))
        for detail in DATE_DETAILS - {"expected_due_date"}:
            value = m.details.get(detail)
            if value is not None and value > today:
                found.append(DateInFuture(m, f"{detail} {value} of {_name(m)} is in the future",
                                          against="today", against_on=today, detail=detail))
    return found


def _same_household(a: Milestone, b: Milestone) -> bool:
    return a.household is None or b.household is None or a.household == b.household


def _name(m: Milestone) -> str:
    return m.name


def new_breaches(
    before: list[RuleOfOrderBroken], after: list[RuleOfOrderBroken]
) -> list[RuleOfOrderBroken]:
    """Breaches in `after` that `before` did not have (compared by rule and message)."""
    seen = {(type(b), b.message) for b in before}
    return [b for b in after if (type(b), b.message) not in seen]
