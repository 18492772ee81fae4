"""The vocabulary of a child's and a household's journey (domain.md sections 2 and 3).

These names are the ones users type in the CLI and in import files, so they are
kept exactly as the specification spells them.
"""

from __future__ import annotations

import dataclasses
import datetime
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# A child's milestones, in the order a journey usually passes them.
CHILD_MILESTONES: tuple[str, ...] = (
    "unborn_identified",
    "born",
    "pre_proceedings_started",
    "care_proceedings_issued",
    "entered_care",
    "permanence_plan",
    "early_permanence_placement",
    "adm_decision",
    "placement_order",
    "family_finding_started",
    "register_referral",
    "link_identified",
    "match_panel",
    "matched",
    "placed",
    "adoption_application",
    "adoption_order",
    "decision_reversed",
    "disruption",
    "left_care",
)

# Details each milestone may carry. `household` names an adoptive household.
CHILD_MILESTONE_DETAILS: dict[str, tuple[str, ...]] = {
    "unborn_identified": ("expected_due_date",),
    "entered_care": ("legal_status",),
    "permanence_plan": ("plan",),
    "early_permanence_placement": ("kind", "household"),
    "placement_order": ("authority",),
    "link_identified": ("household",),
    "match_panel": ("household",),
    "matched": ("household", "interagency"),
    "placed": ("household", "moved_in_on", "foster_carer_adoption"),
    "adoption_order": ("household",),
    "decision_reversed": ("reason",),
    "disruption": ("reason",),
    "left_care": ("reason",),
}

# Child milestones that, naming a household, are recorded on its stream too.
SHARED_WITH_HOUSEHOLD: frozenset[str] = frozenset({"matched", "placed", "adoption_order"})

HOUSEHOLD_MILESTONES: tuple[str, ...] = (
    "enquiry",
    "registration_of_interest",
    "stage1_started",
    "stage1_completed",
    "stage2_started",
    "approval_panel",
    "approved",
    "register_referral",
    "linked",
    "matched",
    "placed",
    "adoption_order",
    "withdrawn",
    "review",
)

HOUSEHOLD_MILESTONE_DETAILS: dict[str, tuple[str, ...]] = {
    "linked": ("child_ref", "local_authority"),
    "matched": ("child_ref", "local_authority"),
    "placed": ("child_ref", "local_authority"),
    "adoption_order": ("child_ref", "local_authority"),
    "withdrawn": ("reason",),
}

# Allowed values of coded details.
AUTHORITIES = ("placement_order", "freeing_order", "consent")
COURT_AUTHORITIES = frozenset({"placement_order", "freeing_order"})
# What a `placement_order` recorded without its `authority` detail is taken to be.
DEFAULT_AUTHORITY = "placement_order"
EARLY_PERMANENCE_KINDS = ("ffa", "concurrent")
REVERSAL_REASONS = {
    "RD1": "the child's needs changed",
    "RD2": "the court did not make a placement order",
    "RD3": "adopters could not be found",
    "RD4": "another reason",
}
DATE_DETAILS = frozenset({"expected_due_date", "moved_in_on"})
YES_NO_DETAILS = frozenset({"interagency", "foster_carer_adoption"})

# Child attributes (domain.md section 2).
CHILD_ATTRIBUTES = (
    "date_of_birth",
    "sex",
    "ethnicity",
    "disability",
    "sibling_group",
)
SEXES = {"1": "male", "2": "female"}
WHITE_OR_UNKNOWN_ETHNICITIES = frozenset(
    {"WBRI", "WIRI", "WIRT", "WOTH", "WROM", "REFU", "NOBT"}
)
ETHNICITIES = frozenset(
    {
        "WBRI", "WIRI", "WIRT", "WOTH", "WROM",
        "MWBC", "MWBA", "MWAS", "MOTH",
        "AIND", "APKN", "ABAN", "AOTH",
        "BCRB", "BAFR", "BOTH",
        "CHNE", "OOTH",
        "REFU", "NOBT",
    }
)

# Stages (domain.md section 2). `pre_care` is ours: a born child tracked in
# pre-proceedings or proceedings who has not yet entered care.
STAGES = (
    "pre_birth",
    "pre_care",
    "in_care",
    "decision",
    "authority",
    "matched",
    "placed",
    "adopted",
    "exited",
)


@dataclasses.dataclass(frozen=True)
class Milestone:
    """One milestone as it currently stands (corrections applied).

    `event_id` is the number of the event that first recorded it on its stream
    (unique within one child or household), so it also orders same-day milestones
    by the order they were recorded.
    """

    event_id: int
    name: str
    occurred_on: datetime.date
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def household(self) -> str | None:
        return self.details.get("household")

    @property
    def sort_key(self) -> tuple[datetime.date, int]:
        return (self.occurred_on, self.event_id)


class MilestoneEntry:
    """One milestone of a stream as it stands: recorded, then perhaps corrected
    (`correct`) or withdrawn (`withdraw`). Corrections never edit history: the
    stream keeps its events, and an entry is what they add up to.

    The store's aggregates, the projection's stream state and a child's history as
    at a date each keep one per recorded milestone; `current_milestones` turns them
    into the milestones every rule reads.
    """

    __slots__ = ("event_id", "name", "occurred_on", "details", "withdrawn", "_milestone")

    def __init__(
        self, event_id: int, name: str, occurred_on: datetime.date, details: Mapping[str, Any], withdrawn: bool = False
    ) -> None:
        self.event_id = event_id
        self.name = name
        self.occurred_on = occurred_on
        self.details = details
        self.withdrawn = withdrawn
        self._milestone: Milestone | None = None

    def correct(self, occurred_on: datetime.date, details: Mapping[str, Any]) -> None:
        """Apply a correction: its date and its details (all of them, not only those
        it changes) replace the milestone's."""
        self.occurred_on, self.details, self._milestone = occurred_on, details, None

    def withdraw(self) -> None:
        """Apply a withdrawal: the milestone was recorded in error and no longer counts."""
        self.withdrawn = True

    @property
    def milestone(self) -> Milestone:
        """The milestone as it stands (made once, again after a correction)."""
        made = self._milestone
        if made is None:
            made = self._milestone = Milestone(self.event_id, self.name, self.occurred_on, self.details)
        return made


def current_milestones(entries: Iterable[MilestoneEntry]) -> list[Milestone]:
    """A stream's milestones as they stand, from its entries: corrections applied,
    withdrawn ones left out, in the order of `entries` (the order recorded)."""
    return [entry.milestone for entry in entries if not entry.withdrawn]


def authority_of(details: Mapping[str, Any]) -> str:
    """The authority to place that a `placement_order` with these details gives:
    its `authority` detail, or a placement order when none was recorded (the 903
    import and the forms always give one; older or hand-made records may not)."""
    return details.get("authority") or DEFAULT_AUTHORITY


def is_court_authority(milestone: Milestone) -> bool:
    """Whether `milestone` is a `placement_order` that gives court authority: a
    placement or freeing order, not s.19 consent (see `authority_of`)."""
    return milestone.name == "placement_order" and authority_of(milestone.details) in COURT_AUTHORITIES


def in_journey_order(milestones: list[Milestone]) -> list[Milestone]:
    """Milestones by the date they happened, then by the order recorded."""
    # The same order as `sort_key`, by a key made in C (sorted a million times a rebuild).
    return sorted(milestones, key=_JOURNEY_ORDER)


_JOURNEY_ORDER = operator.attrgetter("occurred_on", "event_id")


def current_period_of_care(
    journey: Sequence[Milestone], on: datetime.date | None = None
) -> tuple[datetime.date | None, Sequence[Milestone]]:
    """The current period of care of `journey` (milestones in journey order), as it
    stood on `on` (default: after every milestone): the date of the `entered_care`
    that began it, and its milestones after that `entered_care`, in journey order.
    With no `entered_care` recorded the date is None and every milestone counts.

    A new `entered_care` begins a new period even when no `left_care` was recorded
    before it (a gap): what came before does not count in it. The day it begins is
    in the new period: milestones of that day recorded before the `entered_care`
    count in it too, but for a `left_care` (it ended the period before).
    """
    end = len(journey)
    if on is not None:
        while end and journey[end - 1].occurred_on > on:
            end -= 1
    entered = end - 1
    while entered >= 0 and journey[entered].name != "entered_care":
        entered -= 1
    if entered < 0:
        return None, journey[:end]
    day = journey[entered].occurred_on
    first = entered
    while first and journey[first - 1].occurred_on == day:
        first -= 1
    same_day = [m for m in journey[first:entered] if m.name not in _ENDED_BEFORE_THE_PERIOD]
    return day, [*same_day, *journey[entered + 1 : end]] if same_day else journey[entered + 1 : end]


# Milestones of a period's first day, recorded before its entered_care, that belong to the period before.
_ENDED_BEFORE_THE_PERIOD = frozenset({"left_care", "entered_care"})
