"""What children's and households' streams share: milestones, corrections, withdrawals.

A stream never forgets: a correction or a withdrawal is a new event naming the
milestone it changes (by `event_id`, the version of the event that first recorded
it), and the original stays in the log for auditors.
"""

from __future__ import annotations

import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from journey.domain.milestones import Milestone, MilestoneEntry, current_milestones


class Entry(MilestoneEntry):
    """One milestone as first recorded and as it currently stands, with who recorded it."""

    __slots__ = ("recorded_by", "earlier_dates", "corrected_because")

    def __init__(
        self, event_id: int, name: str, occurred_on: datetime.date, details: dict[str, Any],
        recorded_by: str = "", withdrawn: bool = False,
    ) -> None:
        super().__init__(event_id, name, occurred_on, details, withdrawn)
        self.recorded_by = recorded_by
        # The dates it had before its corrections, and the last correction's reason
        # (None: never corrected): a 903 import never undoes a person's correction.
        self.earlier_dates: tuple[datetime.date, ...] = ()
        self.corrected_because: str | None = None

    def current(self) -> Milestone:
        """The milestone as it stands (`MilestoneEntry.milestone`)."""
        return self.milestone


class MilestoneStream(Aggregate):
    """Base of Child and Household: a dated list of milestones."""

    class MilestoneRecorded(Aggregate.Event):
        class_version = 1
        milestone: str
        occurred_on: datetime.date
        details: dict
        recorded_by: str
        note: str | None

        def apply(self, aggregate: MilestoneStream) -> None:
            aggregate.entries[self.originator_version] = Entry(
                self.originator_version, self.milestone, self.occurred_on, dict(self.details), self.recorded_by
            )
            aggregate.remember(self.milestone, self.occurred_on, self.details)

    class MilestoneCorrected(Aggregate.Event):
        """New values for a milestone; `was_on` is the date it had before."""

        class_version = 1
        corrects: int
        milestone: str
        was_on: datetime.date
        occurred_on: datetime.date
        details: dict
        reason: str
        recorded_by: str
        note: str | None

        def apply(self, aggregate: MilestoneStream) -> None:
            entry = aggregate.entries[self.corrects]
            entry.earlier_dates += (self.was_on,)
            entry.corrected_because = self.reason
            entry.correct(self.occurred_on, dict(self.details))
            aggregate.remember(self.milestone, self.occurred_on, self.details)

    class MilestoneWithdrawn(Aggregate.Event):
        """A milestone recorded in error; `occurred_on` is the date it had."""

        class_version = 1
        corrects: int
        milestone: str
        occurred_on: datetime.date
        reason: str
        recorded_by: str
        note: str | None

        def apply(self, aggregate: MilestoneStream) -> None:
            aggregate.entries[self.corrects].withdraw()

    def __init__(self) -> None:
        self.entries: dict[int, Entry] = {}
        # (milestone, date, household or "*") of every milestone ever recorded or
        # corrected to, so that importing an old file again adds nothing.
        self.ever_recorded: set[tuple[str, datetime.date, str | None]] = set()

    @staticmethod
    def identity_of(milestone: str, occurred_on: datetime.date, details: dict) -> tuple:
        return (milestone, occurred_on, details.get("household"))

    def milestones(self) -> list[Milestone]:
        """The current milestones: corrections applied, withdrawn ones left out."""
        return current_milestones(self.entries.values())

    def remember(self, milestone: str, occurred_on: datetime.date, details: dict) -> None:
        self.ever_recorded.add(self.identity_of(milestone, occurred_on, details))
        self.ever_recorded.add((milestone, occurred_on, "*"))

    def has_recorded(self, milestone: str, occurred_on: datetime.date, details: dict) -> bool:
        """Whether this milestone was ever recorded (or corrected to) with this date
        and household; a row naming no household matches any."""
        household = details.get("household") or "*"
        return (milestone, occurred_on, household) in self.ever_recorded

    def current_like(self, milestone: str, occurred_on: datetime.date, details: dict) -> Entry | None:
        """The current (not withdrawn) milestone with this name, date and household
        (none, or the same), if there is one: recording it again would add nothing."""
        household = details.get("household")
        for entry in self.entries.values():
            if (
                not entry.withdrawn
                and entry.name == milestone
                and entry.occurred_on == occurred_on
                and entry.details.get("household") == household
            ):
                return entry
        return None

    def current_entry(self, event_id: int) -> Entry | None:
        entry = self.entries.get(event_id)
        return None if entry is None or entry.withdrawn else entry

    def _record(self, milestone: str, occurred_on, details: dict, recorded_by: str, note) -> int:
        self.trigger_event(
            self.MilestoneRecorded,
            milestone=milestone,
            occurred_on=occurred_on,
            details=details,
            recorded_by=recorded_by,
            note=note,
        )
        return self.version

    def _correct(self, entry: Entry, occurred_on, details: dict, reason: str, recorded_by: str, note) -> int:
        self.trigger_event(
            self.MilestoneCorrected,
            corrects=entry.event_id,
            milestone=entry.name,
            was_on=entry.occurred_on,
            occurred_on=occurred_on,
            details=details,
            reason=reason,
            recorded_by=recorded_by,
            note=note,
        )
        return self.version

    def _withdraw(self, entry: Entry, reason: str, recorded_by: str, note) -> int:
        self.trigger_event(
            self.MilestoneWithdrawn,
            corrects=entry.event_id,
            milestone=entry.name,
            occurred_on=entry.occurred_on,
            reason=reason,
            recorded_by=recorded_by,
            note=note,
        )
        return self.version
