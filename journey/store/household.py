"""An adoptive household's journey (domain.md section 3): its own stream.

A child's `matched`, `placed` or `adoption_order` naming the household is copied
here, in the same transaction, with `child_ref`, `local_authority` and the
child's event id in its details, so the household's pipeline is read from one
stream. Corrections and withdrawals of those milestones follow them here; they
are made on the child, never on the copy (`own_entry` refuses a copy). The
household's own milestones are corrected and withdrawn here.
"""

from __future__ import annotations

import datetime

from eventsourcing.domain import Aggregate

from journey.domain.errors import AmbiguousMilestone, CopiedFromChild, MilestoneNotFound
from journey.store.milestone_stream import Entry, MilestoneStream


class Household(MilestoneStream):
    """An adoptive household, known by the agency's reference (no names)."""

    # Stored topics are those of `journey.household:Household`, kept explicitly
    # (as for `Child`), so stored events load wherever the module lives.
    TOPIC = "journey.household:Household"

    class Created(MilestoneStream.Created):
        """Not recorded (a household begins with `Registered`): declared only for its topic."""

        TOPIC = "journey.household:Household.Created"

    class Registered(Aggregate.Created):
        TOPIC = "journey.household:Household.Registered"
        class_version = 1
        household_ref: str
        interagency: bool
        occurred_on: datetime.date
        recorded_by: str
        note: str | None

    class MilestoneRecorded(MilestoneStream.MilestoneRecorded):
        TOPIC = "journey.household:Household.MilestoneRecorded"

    class AdoptersDescribed(Aggregate.Event):
        """The adopters' details the 903's AD1 table needs (each a DfE code; only
        those given change): `number` of adopters (1 or 2), their `sex` (M1, F1, MM,
        FF, MF) and their `legal_status` (L0, L11, L12, L2, L3, L4)."""

        TOPIC = "journey.household:Household.AdoptersDescribed"
        class_version = 1
        changes: dict
        occurred_on: datetime.date
        recorded_by: str
        note: str | None

        def apply(self, aggregate: Household) -> None:
            aggregate.adopters.update(self.changes)

    class MilestoneCorrected(MilestoneStream.MilestoneCorrected):
        TOPIC = "journey.household:Household.MilestoneCorrected"

    class MilestoneWithdrawn(MilestoneStream.MilestoneWithdrawn):
        TOPIC = "journey.household:Household.MilestoneWithdrawn"

    def __init__(self, household_ref: str, interagency: bool, occurred_on, recorded_by, note) -> None:
        super().__init__()
        self.household_ref = household_ref
        self.interagency = interagency
        self.adopters: dict[str, str] = {}

    def describe(self) -> str:
        return f"household {self.household_ref}"

    def record(self, milestone: str, occurred_on, details: dict, *, recorded_by: str, note=None) -> int:
        return self._record(milestone, occurred_on, details, recorded_by, note)

    def describe_adopters(self, adopters: dict[str, str], *, today, recorded_by: str, note=None) -> bool:
        """Record the adopters' details that differ from those held; False when none do."""
        changes = {k: v for k, v in adopters.items() if self.adopters.get(k) != v}
        if not changes:
            return False
        self.trigger_event(self.AdoptersDescribed, changes=changes, occurred_on=today, recorded_by=recorded_by, note=note)
        return True

    def entry_for_child_event(self, child_id: str, child_event_id: int) -> Entry | None:
        """The copy of a child's milestone held on this household's stream."""
        for entry in self.entries.values():
            if (
                not entry.withdrawn
                and entry.details.get("child_id") == child_id
                and entry.details.get("child_event_id") == child_event_id
            ):
                return entry
        return None

    def find(self, milestone: str, occurred_on, *, event_id=None) -> Entry:
        """The current milestone with this name and date (the event id picks between
        two that share a date), its own or a child's copy."""
        return self._one_of(self._current(milestone, occurred_on, event_id), milestone, occurred_on, event_id)

    def own_entry(self, milestone: str, occurred_on, *, event_id=None) -> Entry:
        """As `find`, refusing a child's milestone copied here (`CopiedFromChild`, naming
        the child): that is corrected or withdrawn on the child, and the copy follows."""
        found = self._current(milestone, occurred_on, event_id)
        if found and all(is_copy(e) for e in found):
            children = [(e.details.get("child_ref"), e.details.get("local_authority")) for e in found]
            named = " and ".join(f"child {ref} of {la}" for ref, la in dict.fromkeys(children))
            raise CopiedFromChild(
                f"{self.describe()}'s {milestone} on {occurred_on} is copied from {named}: "
                "correct or withdraw it on the child's record, and the household's copy follows",
                child_ref=children[0][0], local_authority=children[0][1], dates=(occurred_on,),
            )
        return self._one_of(found, milestone, occurred_on, event_id)

    def _current(self, milestone: str, occurred_on, event_id) -> list[Entry]:
        return [
            entry
            for entry in self.entries.values()
            if not entry.withdrawn
            and entry.name == milestone
            and entry.occurred_on == occurred_on
            and (event_id is None or entry.event_id == event_id)
        ]

    def _one_of(self, found: list[Entry], milestone: str, occurred_on, event_id) -> Entry:
        if not found:
            raise MilestoneNotFound(
                f"{self.describe()} has no current {milestone} on {occurred_on}"
                + (f" with event id {event_id}" if event_id else ""),
                dates=(occurred_on,),
            )
        if len(found) > 1:
            listed = ", ".join(f"event {e.event_id}{_copied_words(e)}" for e in found)
            raise AmbiguousMilestone(
                f"{self.describe()} has {len(found)} {milestone} milestones on {occurred_on}: {listed}; "
                "say which by its event id",
                field="event_id", dates=(occurred_on,),
            )
        return found[0]

    def recorded_entry(self, milestone: str, occurred_on, details: dict) -> Entry | None:
        """The household's own current milestone that recording this again would repeat."""
        return self.current_like(milestone, occurred_on, details)

    def correct(self, entry: Entry, occurred_on, details: dict, *, reason, recorded_by, note=None) -> int:
        return self._correct(entry, occurred_on, details, reason, recorded_by, note)

    def withdraw(self, entry: Entry, *, reason, recorded_by, note=None) -> int:
        return self._withdraw(entry, reason, recorded_by, note)


def is_copy(entry: Entry) -> bool:
    """Whether a household's milestone entry is a child's milestone copied to it."""
    return entry.details.get("child_event_id") is not None


def _copied_words(entry: Entry) -> str:
    if not is_copy(entry):
        return ""
    return f" (copied from child {entry.details.get('child_ref')} of {entry.details.get('local_authority')})"
