"""The context counts of a quarterly board report (domain.md section 4): what
happened in a period, counted across children."""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from collections.abc import Iterable, Mapping

from journey.domain.milestones import Milestone, in_journey_order, is_court_authority

Date = datetime.date


@dataclasses.dataclass(frozen=True)
class BoardCounts:
    """Milestones that happened in a period, counted across children.

    `placement_orders` counts placement and freeing orders, not consent.
    `interagency_placements` counts placements whose match (the last `matched` with
    the same household on or before it) was interagency.
    """

    adm_decisions: int
    placement_orders: int
    matches: int
    placements: int
    adoption_orders: int
    decisions_reversed: int
    decisions_reversed_by_reason: Mapping[str, int]
    early_permanence_placements: int
    interagency_placements: int
    disruptions: int


def _is_interagency(placed: Milestone, journey: list[Milestone]) -> bool:
    match = None
    for milestone in journey:
        if milestone.sort_key > placed.sort_key:
            break
        if milestone.name == "matched" and milestone.household == placed.household:
            match = milestone
    return bool(match and match.details.get("interagency") is True)


def board_counts(
    journeys: Iterable[list[Milestone]], period_from: Date, period_to: Date
) -> BoardCounts:
    """Counts of each child's milestones in [period_from, period_to]; `journeys`
    holds one list of milestones per child."""
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for milestones in journeys:
        journey = in_journey_order(milestones)
        for m in journey:
            if not period_from <= m.occurred_on <= period_to:
                continue
            if m.name == "placement_order" and not is_court_authority(m):
                continue
            counts[m.name] += 1
            if m.name == "decision_reversed":
                reasons[m.details.get("reason") or "not recorded"] += 1
            if m.name == "placed" and _is_interagency(m, journey):
                counts["interagency"] += 1
    return BoardCounts(
        adm_decisions=counts["adm_decision"],
        placement_orders=counts["placement_order"],
        matches=counts["matched"],
        placements=counts["placed"],
        adoption_orders=counts["adoption_order"],
        decisions_reversed=counts["decision_reversed"],
        decisions_reversed_by_reason=dict(sorted(reasons.items())),
        early_permanence_placements=counts["early_permanence_placement"],
        interagency_placements=counts["interagency"],
        disruptions=counts["disruption"],
    )
