"""An alert and its lifecycle: one aggregate per clock.

An alert belongs to one clock: a child or household stream, a rule and the date
the clock started. Its identity is a name-based UUID of those three, so raising
is idempotent: two sweeps that find the same clock find the same alert.

Lifecycle. Raised at `warning` on the warning date (or at `breach` when the rule
has no warning point); escalated to `breach` the day after the due date (an
acknowledged warning that escalates is open again); acknowledged by a person with
a note; back for review `review_after_days` after acknowledgement while its clock
still runs; closed by itself when the clock stops, naming the milestone; reopened
when a disruption or a correction makes the clock run again. Every event carries
`effective_on`, the date the change takes effect, besides the library's
`timestamp` (when it was recorded), so alerts can be listed as they stood on any
past date. Each sweep-made event also carries `swept_on`, the date of the sweep
that found it: a sweep for an earlier date never changes an alert that a sweep
for a later date (or a person acknowledging it) has changed.
"""

from __future__ import annotations

import dataclasses
import datetime
import types
import uuid
from collections.abc import Mapping
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from journey.domain.errors import InvalidValue, JourneyError

WARNING, BREACH = "warning", "breach"
LEVELS = (WARNING, BREACH)
OPEN, ACKNOWLEDGED, CLOSED = "open", "acknowledged", "closed"
STATUSES = (OPEN, ACKNOWLEDGED, CLOSED)

SWEEP_BY = "alert sweep"
NAMESPACE = uuid.UUID("3c1f0f57-8a0e-5d4b-b2f1-6a4b1f0de9a2")


# --------------------------------------------------------------------------- errors


class AlertNotFound(JourneyError):
    rule = "unknown alert"


class AlertClosed(JourneyError):
    """Only an open alert can be acknowledged."""

    rule = "alert closed"


class AlertAlreadyAcknowledged(JourneyError):
    rule = "alert already acknowledged"


# --------------------------------------------------------------------------- identity


def alert_id(subject_id: uuid.UUID | str, rule_id: str, started_on: datetime.date | str) -> uuid.UUID:
    """The alert of one clock: the same (stream, rule, clock start) always gives the same id."""
    started = started_on if isinstance(started_on, str) else started_on.isoformat()
    return uuid.uuid5(NAMESPACE, f"alert:{uuid.UUID(str(subject_id))}:{rule_id}:{started}")


def parse_alert_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except (ValueError, AttributeError):
        raise InvalidValue(f"{text!r} is not an alert id (they look like 3f2b...-...; see `journey alerts list`)") from None


# --------------------------------------------------------------------------- state


def as_date(value: Any) -> datetime.date | None:
    """`value` (a date, a datetime, ISO text, or None or "") as a date or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def as_iso(value: datetime.date | None) -> str | None:
    """`value` as ISO text; None for None."""
    return value.isoformat() if value is not None else None


def _later(a: datetime.date | None, b: datetime.date | None) -> datetime.date | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


@dataclasses.dataclass
class AlertState:
    """An alert as it stands: what the sweep needs to decide what changes next.

    `last_effective_on` is the latest date any of its changes took effect;
    `swept_until` the latest sweep date (or acknowledgement date) that changed it.
    """

    id: uuid.UUID
    subject: str
    subject_id: str
    rule_id: str
    started_on: datetime.date
    due_on: datetime.date
    warn_on: datetime.date | None
    level: str
    status: str
    raised_on: datetime.date
    child_ref: str | None = None
    local_authority: str | None = None
    household_ref: str | None = None
    breach_on: datetime.date | None = None
    acknowledged_on: datetime.date | None = None
    acknowledged_by: str | None = None
    review_on: datetime.date | None = None
    closed_on: datetime.date | None = None
    stopped_by: str | None = None
    last_effective_on: datetime.date | None = None
    swept_until: datetime.date | None = None
    owner: str | None = None
    version: int = 0

    # Each event's effect, shared by the aggregate and the read table.

    @classmethod
    def raised(cls, alert_uuid: uuid.UUID, e: Any) -> AlertState:
        return cls(
            id=alert_uuid,
            subject=e.subject,
            subject_id=e.subject_id,
            rule_id=e.rule_id,
            started_on=e.started_on,
            due_on=e.due_on,
            warn_on=e.warn_on,
            level=e.level,
            status=OPEN,
            raised_on=e.effective_on,
            child_ref=e.child_ref,
            local_authority=e.local_authority,
            household_ref=e.household_ref,
            breach_on=e.effective_on if e.level == BREACH else None,
            last_effective_on=e.effective_on,
            swept_until=e.swept_on,
        )

    def _took_effect(self, e: Any) -> None:
        self.last_effective_on = _later(self.last_effective_on, e.effective_on)
        self.swept_until = _later(self.swept_until, getattr(e, "swept_on", None))

    def escalated(self, e: Any) -> None:
        self.level = BREACH
        self.breach_on = self.breach_on or e.effective_on
        if self.status == ACKNOWLEDGED:
            self.status = OPEN
            self.review_on = None
        self._took_effect(e)

    def acknowledged(self, e: Any) -> None:
        self.status = ACKNOWLEDGED
        self.acknowledged_on = e.effective_on
        self.acknowledged_by = e.acknowledged_by
        self.review_on = e.review_on
        self.last_effective_on = _later(self.last_effective_on, e.effective_on)
        # A person has looked at it on that day: an earlier sweep leaves it alone.
        self.swept_until = _later(self.swept_until, e.effective_on)

    def returned_for_review(self, e: Any) -> None:
        self.status = OPEN
        self.review_on = None
        self._took_effect(e)

    def closed(self, e: Any) -> None:
        self.status = CLOSED
        self.closed_on = e.effective_on
        self.stopped_by = e.stopped_by
        self.review_on = None
        self._took_effect(e)

    def reopened(self, e: Any) -> None:
        self.status = OPEN
        if e.level == BREACH and self.level != BREACH:
            self.breach_on = self.breach_on or e.effective_on
        self.level = e.level
        self.closed_on = None
        self.stopped_by = None
        self.acknowledged_on = self.acknowledged_by = self.review_on = None
        self._took_effect(e)

    def rescheduled(self, e: Any) -> None:
        self.due_on = e.due_on
        self.warn_on = e.warn_on
        if e.level == BREACH and self.level != BREACH:
            self.breach_on = self.breach_on or e.effective_on
        self.level = e.level
        self._took_effect(e)

    def assigned(self, e: Any) -> None:
        # Who is dealing with it: no change to its clock, level or status.
        self.owner = e.owner

    def key(self) -> tuple[str, str, datetime.date]:
        return (self.subject_id, self.rule_id, self.started_on)


@dataclasses.dataclass(frozen=True)
class Change:
    """One alert event to record: its kind, the date it takes effect, its other fields."""

    kind: str  # raised, escalated, returned_for_review, closed, reopened, rescheduled
    effective_on: datetime.date
    swept_on: datetime.date
    fields: Mapping[str, Any] = dataclasses.field(default_factory=dict)


# --------------------------------------------------------------------------- aggregate


class Alert(Aggregate):
    """One clock's delay alert, as a stream of events."""

    # The topics stored with every event (and in each Raised, as its originator
    # topic) are those this class had in journey/alerts.py: explicit topics keep
    # them, so stored alerts still load. With them the library requires a topic on
    # every event class: give a new one "journey.alerts:Alert.<Name>" (checked by
    # test_alert_events_keep_the_topics_they_were_stored_under).
    TOPIC = "journey.alerts:Alert"

    class Created(Aggregate.Created):
        """Not recorded (an alert begins with `Raised`): declared only for its topic."""

        TOPIC = "journey.alerts:Alert.Created"

    class Raised(Aggregate.Created):
        TOPIC = "journey.alerts:Alert.Raised"
        class_version = 1
        subject: str
        subject_id: str
        child_ref: str | None
        local_authority: str | None
        household_ref: str | None
        rule_id: str
        started_on: datetime.date
        due_on: datetime.date
        warn_on: datetime.date | None
        level: str
        effective_on: datetime.date
        swept_on: datetime.date

    class Escalated(Aggregate.Event):
        """Breach: the day after the due date (`effective_on`)."""

        TOPIC = "journey.alerts:Alert.Escalated"
        class_version = 1
        effective_on: datetime.date
        swept_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.escalated(self)

    class Acknowledged(Aggregate.Event):
        TOPIC = "journey.alerts:Alert.Acknowledged"
        class_version = 1
        acknowledged_by: str
        note: str
        effective_on: datetime.date
        review_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.acknowledged(self)

    class ReturnedForReview(Aggregate.Event):
        """An acknowledged alert whose clock still runs, back for review on `effective_on`."""

        TOPIC = "journey.alerts:Alert.ReturnedForReview"
        class_version = 1
        effective_on: datetime.date
        swept_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.returned_for_review(self)

    class Closed(Aggregate.Event):
        """The clock stopped on `effective_on` by `stopped_by` (None: no milestone stopped it; see `reason`)."""

        TOPIC = "journey.alerts:Alert.Closed"
        class_version = 1
        effective_on: datetime.date
        stopped_by: str | None
        reason: str
        swept_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.closed(self)

    class Reopened(Aggregate.Event):
        TOPIC = "journey.alerts:Alert.Reopened"
        class_version = 1
        effective_on: datetime.date
        level: str
        reason: str
        swept_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.reopened(self)

    class Rescheduled(Aggregate.Event):
        """A correction moved the clock's due (and warning) date."""

        TOPIC = "journey.alerts:Alert.Rescheduled"
        class_version = 1
        effective_on: datetime.date
        due_on: datetime.date
        warn_on: datetime.date | None
        level: str
        reason: str
        swept_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.rescheduled(self)

    class Assigned(Aggregate.Event):
        """The alert given to a person (`owner`), or taken back (`owner` None)."""

        TOPIC = "journey.alerts:Alert.Assigned"
        class_version = 1
        owner: str | None
        assigned_by: str
        effective_on: datetime.date

        def apply(self, alert: Alert) -> None:
            alert.state.assigned(self)

    def __init__(
        self,
        id: uuid.UUID,
        subject: str,
        subject_id: str,
        child_ref: str | None,
        local_authority: str | None,
        household_ref: str | None,
        rule_id: str,
        started_on: datetime.date,
        due_on: datetime.date,
        warn_on: datetime.date | None,
        level: str,
        effective_on: datetime.date,
        swept_on: datetime.date,
    ) -> None:
        raised = {k: v for k, v in locals().items() if k not in ("self", "id", "__class__")}
        self.state = AlertState.raised(id, types.SimpleNamespace(**raised))

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def level(self) -> str:
        return self.state.level

    def current_state(self) -> AlertState:
        """A copy of the state, with the aggregate's version."""
        return dataclasses.replace(self.state, version=self.version)

    def acknowledge(self, *, by: str, note: str, on: datetime.date, review_after_days: int) -> None:
        if self.state.status == CLOSED:
            raise AlertClosed(f"alert {self.id} is closed (its clock stopped on {self.state.closed_on}); nothing to acknowledge")
        if self.state.status == ACKNOWLEDGED:
            raise AlertAlreadyAcknowledged(
                f"alert {self.id} was acknowledged by {self.state.acknowledged_by} on {self.state.acknowledged_on}; "
                f"it comes back for review on {self.state.review_on}"
            )
        self.trigger_event(
            self.Acknowledged,
            acknowledged_by=by,
            note=note,
            effective_on=on,
            review_on=on + datetime.timedelta(days=review_after_days),
        )

    def assign(self, *, owner: str | None, by: str, on: datetime.date) -> None:
        """Give the alert to `owner` (None: nobody); a closed alert has nothing left to do."""
        if self.state.status == CLOSED:
            raise AlertClosed(f"alert {self.id} is closed (its clock stopped on {self.state.closed_on}); nothing to assign")
        if owner == self.state.owner:
            return
        self.trigger_event(self.Assigned, owner=owner, assigned_by=by, effective_on=on)

    def record(self, change: Change) -> None:
        """Record a change the sweep worked out (not a raise: see `raise_alert`)."""
        event_class = _EVENT_OF[change.kind]
        self.trigger_event(event_class, **change.fields, effective_on=change.effective_on, swept_on=change.swept_on)


ALERT_TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Alert.Raised,
        Alert.Escalated,
        Alert.Acknowledged,
        Alert.ReturnedForReview,
        Alert.Closed,
        Alert.Reopened,
        Alert.Rescheduled,
        Alert.Assigned,
    )
)


# The event each change the sweep works out records (a raise creates the alert: see `raise_alert`).
_EVENT_OF = {
    "escalated": Alert.Escalated,
    "returned_for_review": Alert.ReturnedForReview,
    "closed": Alert.Closed,
    "reopened": Alert.Reopened,
    "rescheduled": Alert.Rescheduled,
}


# Each event class's change, as listed in an alert's history and the alerts table.
CHANGE_NAME = {
    "Raised": "raised",
    "Escalated": "escalated",
    "Acknowledged": "acknowledged",
    "ReturnedForReview": "returned_for_review",
    "Closed": "closed",
    "Reopened": "reopened",
    "Rescheduled": "rescheduled",
    "Assigned": "assigned",
}


def person_of(event: Any) -> str:
    """Who made an alert's change: the person who acknowledged or assigned it, else the sweep."""
    return getattr(event, "acknowledged_by", None) or getattr(event, "assigned_by", None) or SWEEP_BY
