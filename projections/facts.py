"""What the projection needs of each stored event, read straight from the log.

The projection does not need the library's event objects, only a few fields of
each event. A *fact* is a plain tuple of those fields:

    (stream, version, kind, ...)   stream: the originator id as an int

    CHILD_REGISTERED      ..., local_authority, child_ref, attributes
    HOUSEHOLD_REGISTERED  ..., household_ref, interagency
    RECORDED              ..., milestone, occurred_on, details_json, details
    CORRECTED             ..., corrects, milestone, occurred_on, details_json, details
    WITHDRAWN             ..., corrects
    AMENDED               ..., changes

`occurred_on` is ISO text and `details_json` the details as the read models
store them (`projections.jsontext.dumps`), so a milestone row is written without
converting anything; `details` is the same as a dict (dates as dates), for the
domain functions. Tuples of text are cheap to pass between processes (the
rebuild's reader process, `projections.reading`).

`decode` reads the stored state with the library's own cipher and compressor,
then parses the JSON without building event objects, which is most of what the
library's decoding costs. It takes that short cut only where it cannot differ
from the library: known topics, no upcasting due (the stored class version is
the class's), and no typed value other than the dates (`date_iso`) the tracker
registers. Anything else is decoded by the library's mapper and turned into a
fact from the event object (`fact_of_event`), so both ways give the same facts;
the tests compare them on every event of the sample agency.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from eventsourcing.utils import get_topic

from journey.store.child import Child
from journey.store.household import Household
from journey.store.milestone_stream import MilestoneStream

from projections.jsontext import dumps

CHILD_REGISTERED = 0
HOUSEHOLD_REGISTERED = 1
RECORDED = 2
CORRECTED = 3
WITHDRAWN = 4
AMENDED = 5

# The event classes the projection reads, by kind (subclasses included: a
# child's and a household's milestone events share their base's kind).
_CLASSES: tuple[tuple[type, int], ...] = (
    (Child.Registered, CHILD_REGISTERED),
    (Household.Registered, HOUSEHOLD_REGISTERED),
    (MilestoneStream.MilestoneRecorded, RECORDED),
    (MilestoneStream.MilestoneCorrected, CORRECTED),
    (MilestoneStream.MilestoneWithdrawn, WITHDRAWN),
    (Child.AttributesAmended, AMENDED),
)
_CONCRETE = (
    Child.Registered, Household.Registered, Child.AttributesAmended,
    Child.MilestoneRecorded, Child.MilestoneCorrected, Child.MilestoneWithdrawn,
    Household.MilestoneRecorded, Household.MilestoneCorrected, Household.MilestoneWithdrawn,
)


def kind_of(cls: type) -> int | None:
    """The fact kind of an event class; None for events the projection ignores."""
    return next((kind for base, kind in _CLASSES if issubclass(cls, base)), None)


# Topic -> (kind, class version) for the short cut. A class with a version above 1
# stores "class_version" in its state; the library upcasts older states.
_FAST: dict[str, tuple[int, int]] = {
    get_topic(cls): (kind_of(cls), getattr(cls, "class_version", 1)) for cls in _CONCRETE
}

# Events the projection has no fact for, known by their topic alone: skipped without
# being decoded (a household's adopters' details are read where an export needs them).
_IGNORED: frozenset[str] = frozenset({get_topic(Household.AdoptersDescribed)})

# As the library's transcoder does: UTF-8 text to the JSON decoder (json.loads
# would first sniff the bytes' encoding), with no hook for typed values; and
# `raw_decode`, which does not look for text after the JSON (the library wrote it).
_DECODER = json.JSONDecoder()
# Accounts and the view log (journey/store/account.py, view_log.py): nothing to
# project, so not even decoded.
_NOT_JOURNEYS = ("journey.account:", "journey.view_log:")
_TYPE = "_type_"
_DATE = "date_iso"


def projected(topic: str) -> bool:
    """Whether the projection reads anything from an event of `topic` (accounts,
    the view log and a household's adopters' details: nothing)."""
    return not (topic.startswith(_NOT_JOURNEYS) or topic in _IGNORED)


class NotPlain(Exception):
    """A stored state the short cut does not read: the library decodes it."""


def decode(mapper, notifications: list) -> list[tuple]:
    """The facts of these notifications (events the projection ignores give none)."""
    facts = []
    cipher, compressor = mapper.cipher, mapper.compressor
    loads = _DECODER.raw_decode
    for n in notifications:
        if n.topic.startswith(_NOT_JOURNEYS) or n.topic in _IGNORED:
            continue
        known = _FAST.get(n.topic)
        if known is not None:
            state = n.state
            if cipher:
                state = cipher.decrypt(state)
            if compressor:
                state = compressor.decompress(state)
            state = loads(state.decode("utf8"))[0]
            if state.get("class_version", 1) == known[1]:
                try:
                    facts.append(_fact(n.originator_id.int, n.originator_version, known[0], state))
                    continue
                except NotPlain:
                    pass
        fact = fact_of_event(mapper.to_domain_event(n))
        if fact is not None:
            facts.append(fact)
    return facts


def _fact(stream: int, version: int, kind: int, state: dict) -> tuple:
    if kind == RECORDED:
        details = _values(state["details"])
        return (stream, version, RECORDED, state["milestone"], _date_text(state["occurred_on"]),
                dumps(details), details)
    if kind == CORRECTED:
        details = _values(state["details"])
        return (stream, version, CORRECTED, state["corrects"], state["milestone"],
                _date_text(state["occurred_on"]), dumps(details), details)
    if kind == WITHDRAWN:
        return (stream, version, WITHDRAWN, state["corrects"])
    if kind == CHILD_REGISTERED:
        return (stream, version, CHILD_REGISTERED, state["local_authority"], state["child_ref"],
                _values(state["attributes"]))
    if kind == HOUSEHOLD_REGISTERED:
        return (stream, version, HOUSEHOLD_REGISTERED, state["household_ref"], state["interagency"])
    return (stream, version, AMENDED, _values(state["changes"]))


def _date_text(value: Any) -> str:
    if type(value) is dict and value.get(_TYPE) == _DATE and len(value) == 2:
        return value["_data_"]
    raise NotPlain


def _values(mapping: dict) -> dict:
    """A decoded dict of attributes: dates made dates; any other typed value is not plain."""
    for key, value in mapping.items():
        if type(value) is dict:
            if value.get(_TYPE) == _DATE and len(value) == 2:
                mapping[key] = datetime.date.fromisoformat(value["_data_"])
            else:
                raise NotPlain
        elif type(value) is list:
            raise NotPlain  # (may hold typed values; none of ours do)
    return mapping


def fact_of_event(event) -> tuple | None:
    """The fact of a library event object (the way every path can fall back to)."""
    kind = kind_of(type(event))
    if kind is None:
        return None
    stream, version = event.originator_id.int, event.originator_version
    if kind == RECORDED:
        return (stream, version, RECORDED, event.milestone, event.occurred_on.isoformat(),
                dumps(event.details), dict(event.details))
    if kind == CORRECTED:
        return (stream, version, CORRECTED, event.corrects, event.milestone, event.occurred_on.isoformat(),
                dumps(event.details), dict(event.details))
    if kind == WITHDRAWN:
        return (stream, version, WITHDRAWN, event.corrects)
    if kind == CHILD_REGISTERED:
        return (stream, version, CHILD_REGISTERED, event.local_authority, event.child_ref, dict(event.attributes))
    if kind == HOUSEHOLD_REGISTERED:
        return (stream, version, HOUSEHOLD_REGISTERED, event.household_ref, event.interagency)
    return (stream, version, AMENDED, dict(event.changes))
