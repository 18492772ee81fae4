"""A child's adoption journey: one stream of events per child (domain.md section 2)."""

from __future__ import annotations

import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from journey.domain import rules_of_order
from journey.domain.errors import AmbiguousMilestone, JourneyRulesBroken, MilestoneNotFound
from journey.domain.milestones import Milestone
from journey.domain.stages import Stage, stage_of
from journey.store.milestone_stream import Entry, MilestoneStream


class Child(MilestoneStream):
    """The milestones of one child, identified by council and the council's case id.

    The tracker holds no names: `child_ref` is the council's own case id.
    """

    # Stored topics are those this class had as `journey.child:ChildJourney`:
    # explicit topics keep them, so the stored events load wherever the module
    # lives and whatever the class is called (tests/test_stored_events_load.py).
    TOPIC = "journey.child:ChildJourney"

    class Created(MilestoneStream.Created):
        """Not recorded (a child begins with `Registered`): declared only for its topic."""

        TOPIC = "journey.child:ChildJourney.Created"

    class Registered(Aggregate.Created):
        TOPIC = "journey.child:ChildJourney.Registered"
        class_version = 1
        local_authority: str
        child_ref: str
        attributes: dict
        occurred_on: datetime.date
        recorded_by: str
        note: str | None

    class AttributesAmended(Aggregate.Event):
        """New values of some child attributes (date of birth, sex, ...)."""

        TOPIC = "journey.child:ChildJourney.AttributesAmended"
        class_version = 1
        changes: dict
        occurred_on: datetime.date
        recorded_by: str
        note: str | None

        def apply(self, aggregate: Child) -> None:
            aggregate.attributes.update(self.changes)

    class MilestoneRecorded(MilestoneStream.MilestoneRecorded):
        TOPIC = "journey.child:ChildJourney.MilestoneRecorded"

        def apply(self, aggregate: Child) -> None:
            super().apply(aggregate)
            if self.milestone == "born":
                aggregate.attributes["date_of_birth"] = self.occurred_on

    class MilestoneCorrected(MilestoneStream.MilestoneCorrected):
        TOPIC = "journey.child:ChildJourney.MilestoneCorrected"

        def apply(self, aggregate: Child) -> None:
            super().apply(aggregate)
            if self.milestone == "born":
                aggregate.attributes["date_of_birth"] = self.occurred_on

    class MilestoneWithdrawn(MilestoneStream.MilestoneWithdrawn):
        TOPIC = "journey.child:ChildJourney.MilestoneWithdrawn"

    def __init__(
        self,
        local_authority: str,
        child_ref: str,
        attributes: dict,
        occurred_on: datetime.date,
        recorded_by: str,
        note: str | None,
    ) -> None:
        super().__init__()
        self.local_authority = local_authority
        self.child_ref = child_ref
        self.attributes: dict[str, Any] = dict(attributes)

    # -- what the journey knows -------------------------------------------------

    @property
    def date_of_birth(self) -> datetime.date | None:
        return self.attributes.get("date_of_birth")

    def describe(self) -> str:
        return f"child {self.child_ref} of {self.local_authority}"

    def stage(self, today: datetime.date) -> Stage:
        return stage_of(self.milestones(), today)

    def placed_with(self) -> str | None:
        """The household of the latest current placement (None if none, or disrupted)."""
        for m in sorted(self.milestones(), key=lambda m: m.sort_key, reverse=True):
            if m.name == "disruption":
                return None
            if m.name == "placed":
                return m.household
        return None

    def find(self, milestone: str, occurred_on: datetime.date, *, household=None, event_id=None) -> Entry:
        """The current milestone with this name and date (household or event id pick
        between two that share a date)."""
        found = [
            e
            for e in self.entries.values()
            if not e.withdrawn
            and e.name == milestone
            and e.occurred_on == occurred_on
            and (household is None or e.details.get("household") == household)
            and (event_id is None or e.event_id == event_id)
        ]
        if not found:
            raise MilestoneNotFound(
                f"{self.describe()} has no current {milestone} on {occurred_on}"
                + (f" with household {household}" if household else "")
                + (f" with event id {event_id}" if event_id else ""),
                child_ref=self.child_ref, local_authority=self.local_authority, dates=(occurred_on,),
            )
        if len(found) > 1:
            listed = ", ".join(
                f"event {e.event_id} (household {e.details.get('household') or 'none'})" for e in found
            )
            raise AmbiguousMilestone(
                f"{self.describe()} has {len(found)} {milestone} milestones on {occurred_on}: {listed}; "
                "say which by its household or its event id",
                field="event_id", child_ref=self.child_ref, local_authority=self.local_authority, dates=(occurred_on,),
            )
        return found[0]

    # -- commands ---------------------------------------------------------------

    def amend_attributes(self, changes: dict, *, today, recorded_by: str, note=None) -> bool:
        """Record the attributes that differ from those held; False when none do."""
        changes = {k: v for k, v in changes.items() if self.attributes.get(k) != v}
        if not changes:
            return False
        dob = changes.get("date_of_birth", self.date_of_birth)
        self._refuse_new_breaches(self.milestones(), dob, today)
        self.trigger_event(
            self.AttributesAmended, changes=changes, occurred_on=today, recorded_by=recorded_by, note=note
        )
        return True

    def record(self, milestone: str, occurred_on, details: dict, *, today, recorded_by: str, note=None, check=True) -> int:
        """Record a milestone; returns its event id. With `check=False` the caller
        checks the whole journey afterwards (`breaches_added_since`), as an import does.
        An adoption order naming no household is made with the current placement's."""
        details = self.details_to_record(milestone, details)
        if check:
            proposed = Milestone(self.version + 1, milestone, occurred_on, details)
            after = self.milestones() + [proposed]
            dob = occurred_on if milestone == "born" else self.date_of_birth
            self._refuse_new_breaches(after, dob, today)
        return self._record(milestone, occurred_on, details, recorded_by, note)

    def details_to_record(self, milestone: str, details: dict) -> dict:
        """The details a milestone is recorded with: an adoption order naming no
        household takes the current placement's."""
        if milestone == "adoption_order" and not details.get("household"):
            household = self.placed_with()
            return {**details, "household": household} if household else details
        return details

    def recorded_entry(self, milestone: str, occurred_on, details: dict) -> Entry | None:
        """The current milestone that recording this one would repeat (same name,
        date and household), or None."""
        return self.current_like(milestone, occurred_on, self.details_to_record(milestone, details))

    def breaches(self, today) -> list:
        return rules_of_order.breaches(self.milestones(), self.date_of_birth, today)

    def breaches_added_since(self, before: list, today) -> list:
        return rules_of_order.new_breaches(before, self.breaches(today))

    def correct(self, entry: Entry, occurred_on, details: dict, *, reason, today, recorded_by, note=None) -> int:
        after = [m for m in self.milestones() if m.event_id != entry.event_id]
        after.append(Milestone(entry.event_id, entry.name, occurred_on, details))
        dob = occurred_on if entry.name == "born" else self.date_of_birth
        self._refuse_new_breaches(after, dob, today)
        return self._correct(entry, occurred_on, details, reason, recorded_by, note)

    def withdraw(self, entry: Entry, *, reason, today, recorded_by, note=None) -> int:
        after = [m for m in self.milestones() if m.event_id != entry.event_id]
        self._refuse_new_breaches(after, self.date_of_birth, today)
        return self._withdraw(entry, reason, recorded_by, note)

    def _refuse_new_breaches(self, after: list[Milestone], dob, today) -> None:
        before = rules_of_order.breaches(self.milestones(), self.date_of_birth, today)
        found = rules_of_order.new_breaches(before, rules_of_order.breaches(after, dob, today))
        if found:
            raise JourneyRulesBroken(self.describe(), found, child_ref=self.child_ref, local_authority=self.local_authority)
