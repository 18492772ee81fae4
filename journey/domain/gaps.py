"""Gaps in a journey: milestones a later one implies but that were never recorded.

A tracker often starts mid-journey and real returns have gaps, so the rules of
order never refuse a milestone for a missing earlier one; `journey check` lists
them instead, for the tracker to fill in.
"""

from __future__ import annotations

from journey.domain.milestones import Milestone, in_journey_order

# milestone -> the earlier milestones it implies (any one of them will do)
IMPLIES = {
    "adm_decision": ("entered_care",),
    "placement_order": ("adm_decision",),
    "matched": ("placement_order",),
    "placed": ("matched",),
    "adoption_order": ("placed",),
    "disruption": ("placed",),
    "decision_reversed": ("adm_decision",),
    "early_permanence_placement": ("entered_care",),
}


def gaps(milestones: list[Milestone]) -> list[str]:
    """Plain-English gaps, one per milestone that lacks what should come before it."""
    found = []
    seen: set[str] = set()  # the names of the milestones before this one
    for m in in_journey_order(milestones):
        needs = IMPLIES.get(m.name)
        if needs and not any(name in seen for name in needs):
            found.append(f"{m.name} on {m.occurred_on} has no earlier {' or '.join(needs)} recorded")
        seen.add(m.name)
    return found
