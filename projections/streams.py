"""A child's or household's stream as the projection holds it: who it is and its
milestones as they currently stand, built by applying the log's events.

The same `apply` serves the projection (state loaded from the read models, then
a batch of events applied) and `--as-known-on` (state built in memory from the
events recorded by then), so both read the log the same way.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from journey.child import ChildJourney
from journey.councils import council_key
from journey.household import Household
from journey.milestones import DATE_DETAILS, Milestone
from journey.streams import MilestoneStream

CHILD = "child"
HOUSEHOLD = "household"


class StreamState:
    """One stream: identity, attributes and `entries` (event id -> [name,
    occurred_on, details, withdrawn, its `Milestone` once made]). `changed` holds
    the event ids whose rows must be written; `identity_changed` says the stream
    row must be."""

    __slots__ = (
        "stream_id", "stream_no", "kind", "local_authority", "child_ref", "household_ref", "interagency",
        "attributes", "entries", "changed", "identity_changed", "has_rows",
    )

    def __init__(self, stream_id: str, kind: str, *, stream_no=None, local_authority=None, child_ref=None,
                 household_ref=None, interagency=None, attributes=None, has_rows=False):
        self.stream_id = stream_id
        self.stream_no: int | None = stream_no
        self.kind = kind
        self.local_authority = local_authority
        self.child_ref = child_ref
        self.household_ref = household_ref
        self.interagency = interagency
        self.attributes: dict[str, Any] = attributes or {}
        self.entries: dict[int, list] = {}
        self.changed: set[int] = set()
        self.identity_changed = False
        # Whether derived rows of this stream may exist in the read models
        # (False for a stream first seen in this catch-up: nothing to delete).
        self.has_rows = has_rows

    @property
    def la_key(self) -> str | None:
        return council_key(self.local_authority) if self.local_authority else None

    def milestones(self) -> list[Milestone]:
        """The current milestones (corrections applied, withdrawn ones left out)."""
        found = []
        for event_id, entry in self.entries.items():
            if entry[3]:
                continue
            if entry[4] is None:  # made once: a household is recomputed many times
                entry[4] = Milestone(event_id, entry[0], entry[1], entry[2])
            found.append(entry[4])
        return found

    # -- rows --------------------------------------------------------------------

    def stream_row(self) -> tuple:
        return (
            self.stream_no, self.stream_id, self.kind, self.local_authority, self.la_key, self.child_ref,
            self.household_ref, None if self.interagency is None else int(self.interagency),
            dumps(self.attributes),
        )

    def milestone_rows(self, event_ids) -> list[tuple]:
        entries, stream_no = self.entries, self.stream_no
        rows = []
        for event_id in event_ids:
            name, occurred_on, details, withdrawn, _ = entries[event_id]
            rows.append((
                stream_no, event_id, name, occurred_on.isoformat(), dumps(details) if details else "{}",
                int(withdrawn),
            ))
        return rows

    @classmethod
    def from_rows(cls, stream: dict, milestones: list[tuple]) -> StreamState:
        """A state from its `streams` row and its (event_id, name, occurred_on,
        details, withdrawn) `milestones` rows."""
        state = cls(
            stream["stream_id"], stream["kind"], stream_no=stream["stream_no"],
            local_authority=stream["local_authority"], child_ref=stream["child_ref"],
            household_ref=stream["household_ref"],
            interagency=None if stream["interagency"] is None else bool(stream["interagency"]),
            attributes=loads(stream["attributes"]), has_rows=True,
        )
        for event_id, name, occurred_on, details, withdrawn in milestones:
            state.entries[event_id] = [name, datetime.date.fromisoformat(occurred_on), loads(details), bool(withdrawn), None]
        return state


def new_state(event) -> StreamState | None:
    """The state a stream's first event creates; None for an event that starts
    no stream the projection knows."""
    stream_id = str(event.originator_id)
    if isinstance(event, ChildJourney.Registered):
        state = StreamState(
            stream_id, CHILD, local_authority=event.local_authority, child_ref=event.child_ref,
            attributes=dict(event.attributes),
        )
    elif isinstance(event, Household.Registered):
        state = StreamState(
            stream_id, HOUSEHOLD, household_ref=event.household_ref, interagency=bool(event.interagency),
        )
    else:
        return None
    state.identity_changed = True
    return state


def apply(state: StreamState, event) -> None:
    """Apply one event of the stream to its state (as the aggregates do)."""
    how = _APPLY_BY_TYPE.get(type(event))
    if how is None:
        how = next((how for kind, how in _APPLY if isinstance(event, kind)), _ignore)
        _APPLY_BY_TYPE[type(event)] = how
    how(state, event)


def _ignore(state: StreamState, event) -> None:
    """Events that change nothing the read models hold."""


def _recorded(state: StreamState, event) -> None:
    event_id = event.originator_version
    # The event is not kept, so its details need no copy.
    state.entries[event_id] = [event.milestone, event.occurred_on, event.details, False, None]
    state.changed.add(event_id)
    if event.milestone == "born" and state.kind == CHILD:
        _set_attribute(state, "date_of_birth", event.occurred_on)


def _corrected(state: StreamState, event) -> None:
    entry = state.entries.get(event.corrects)
    if entry is None:  # a milestone the projection never saw recorded
        return
    entry[1] = event.occurred_on
    entry[2] = event.details
    entry[4] = None
    state.changed.add(event.corrects)
    if event.milestone == "born" and state.kind == CHILD:
        _set_attribute(state, "date_of_birth", event.occurred_on)


def _withdrawn(state: StreamState, event) -> None:
    entry = state.entries.get(event.corrects)
    if entry is None:
        return
    entry[3] = True
    state.changed.add(event.corrects)


def _amended(state: StreamState, event) -> None:
    for key, value in event.changes.items():
        _set_attribute(state, key, value)


_APPLY = (
    (MilestoneStream.MilestoneRecorded, _recorded),
    (MilestoneStream.MilestoneCorrected, _corrected),
    (MilestoneStream.MilestoneWithdrawn, _withdrawn),
    (ChildJourney.AttributesAmended, _amended),
)
_APPLY_BY_TYPE: dict[type, object] = {}


def _set_attribute(state: StreamState, key: str, value) -> None:
    if state.attributes.get(key) != value:
        state.attributes[key] = value
        state.identity_changed = True


# -- JSON with dates ---------------------------------------------------------------


def _default(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the read models")


def dumps(value: dict) -> str:
    if not value:
        return "{}"
    # Text keys and values (most details): joined by hand with the very function the
    # encoder uses for strings (ensure_ascii), so the text is what json.dumps gives.
    try:
        return "{" + ",".join([_string(k) + ":" + _string(v) for k, v in value.items()]) + "}"
    except TypeError:  # a key or value that is not text: the general way below
        pass
    # The same few details recur across children ({"authority": "placement_order"}).
    try:
        # With the values' types: True and 1 are equal keys but not equal JSON.
        key = (tuple(value.items()), tuple(map(type, value.values())))
        text = _encoded.get(key)
    except TypeError:  # an unhashable value: encode it every time
        key = text = None
    if text is None:
        text = _ENCODER.encode(value)
        if key is not None and len(_encoded) < 10_000:
            _encoded[key] = text
    return text


_encoded: dict[tuple, str] = {}
# As json.dumps(value, default=_default, separators=(",", ":")), made once rather than per call.
_ENCODER = json.JSONEncoder(default=_default, separators=(",", ":"))
_string = json.encoder.encode_basestring_ascii


def loads(text: str) -> dict:
    """Details or attributes back as the events had them (date details as dates)."""
    value = json.loads(text)
    for key in DATE_DETAILS | {"date_of_birth"}:
        if isinstance(value.get(key), str):
            value[key] = datetime.date.fromisoformat(value[key])
    return value
