"""A child's or household's stream as the projection holds it: who it is and its
milestones as they currently stand, built by applying the log's facts
(`projections.facts`).

The same `apply` serves the projection (state loaded from the read models, then
a batch of facts applied) and `--as-known-on` (state built in memory from the
events recorded by then), so both read the log the same way.
"""

from __future__ import annotations

import datetime
from typing import Any

from journey.domain.councils import council_key
from journey.domain.milestones import Milestone, MilestoneEntry, current_milestones

from projections import facts as f
from projections.jsontext import dumps, loads

CHILD = "child"
HOUSEHOLD = "household"



class StoredEntry(MilestoneEntry):
    """A `MilestoneEntry` that also keeps its date and details as the `milestones`
    row holds them (ISO text, JSON text), so that writing the row converts nothing."""

    __slots__ = ("occurred_on_text", "details_text")

    def __init__(self, event_id: int, name: str, occurred_on_text: str, details_text: str,
                 details: dict | None = None, withdrawn: bool = False) -> None:
        super().__init__(
            event_id, name, _date(occurred_on_text), loads(details_text) if details is None else details, withdrawn,
        )
        self.occurred_on_text, self.details_text = occurred_on_text, details_text

    def correct_stored(self, occurred_on_text: str, details_text: str, details: dict | None = None) -> None:
        """`MilestoneEntry.correct`, from the correction's texts (and its details as a dict if known)."""
        self.occurred_on_text, self.details_text = occurred_on_text, details_text
        self.correct(_date(occurred_on_text), loads(details_text) if details is None else details)


class StreamState:
    """One stream: identity, attributes and `entries` (event id -> `StoredEntry`,
    in the order recorded). `changed` holds the event ids whose rows must be written;
    `identity_changed` says the stream row must be."""

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
        self.entries: dict[int, StoredEntry] = {}
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
        # (each entry makes its `Milestone` once: a household is recomputed many times)
        return current_milestones(self.entries.values())

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
            entry = entries[event_id]
            rows.append((
                stream_no, event_id, entry.name, entry.occurred_on_text, entry.details_text, int(entry.withdrawn),
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
            state.entries[event_id] = StoredEntry(event_id, name, occurred_on, details, None, bool(withdrawn))
        return state


def new_state(fact: tuple) -> StreamState | None:
    """The state a stream's first fact creates; None for a fact that starts no
    stream (a stream's first event is its registration)."""
    stream_id = _uuid_text(fact[0])
    kind = fact[2]
    if kind == f.CHILD_REGISTERED:
        _, _, _, local_authority, child_ref, attributes = fact
        state = StreamState(
            stream_id, CHILD, local_authority=local_authority, child_ref=child_ref, attributes=dict(attributes),
        )
    elif kind == f.HOUSEHOLD_REGISTERED:
        state = StreamState(stream_id, HOUSEHOLD, household_ref=fact[3], interagency=bool(fact[4]))
    else:
        return None
    state.identity_changed = True
    return state


def apply(state: StreamState, fact: tuple) -> None:
    """Apply one fact of the stream to its state (as the aggregates do)."""
    kind = fact[2]
    if kind == f.RECORDED:
        _, event_id, _, name, occurred_on, details, as_dict = fact
        state.entries[event_id] = StoredEntry(event_id, name, occurred_on, details, as_dict)
        state.changed.add(event_id)
        if name == "born" and state.kind == CHILD:
            _set_attribute(state, "date_of_birth", _date(occurred_on))
    elif kind == f.CORRECTED:
        _, _, _, corrects, name, occurred_on, details, as_dict = fact
        entry = state.entries.get(corrects)
        if entry is None:  # a milestone the projection never saw recorded
            return
        entry.correct_stored(occurred_on, details, as_dict)
        state.changed.add(corrects)
        if name == "born" and state.kind == CHILD:
            _set_attribute(state, "date_of_birth", _date(occurred_on))
    elif kind == f.WITHDRAWN:
        entry = state.entries.get(fact[3])
        if entry is None:
            return
        entry.withdraw()
        state.changed.add(fact[3])
    elif kind == f.AMENDED:
        for key, value in fact[3].items():
            _set_attribute(state, key, value)
    # (a second registration of a stream cannot happen: the library refuses it)


def _set_attribute(state: StreamState, key: str, value) -> None:
    if state.attributes.get(key) != value:
        state.attributes[key] = value
        state.identity_changed = True


_date = datetime.date.fromisoformat


def _uuid_text(number: int) -> str:
    """`str(uuid.UUID(int=number))`, without making the UUID."""
    text = f"{number:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
