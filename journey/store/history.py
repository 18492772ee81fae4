"""A child's or a household's history for auditors: what happened, when, who recorded it and when.

`entries()` lists every event in the order recorded; `as_known_on` keeps only what
had been recorded by then. `journey_as_at()` gives the journey as it stood on a
date by what is known (corrections applied, withdrawn milestones left out); the
two combine.
"""

from __future__ import annotations

import datetime
from typing import Any

from journey.domain.clock import LONDON
from journey.domain.errors import InvalidValue
from journey.domain.milestones import MilestoneEntry, current_milestones, in_journey_order
from journey.domain.words import attribute_words, milestone_words



def parse_as_known_on(text: str) -> datetime.datetime:
    """ISO 8601; without a zone it is Europe/London time; a bare date means the end of that day."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            moment = datetime.datetime.combine(day, datetime.time(23, 59, 59, 999999))
        else:
            moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue(
            f"as-known-on {text!r} is not a date or time: use e.g. 2019-03-31 or 2019-03-31T17:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment.astimezone(datetime.timezone.utc)


def known_by(events: list, as_known_on: datetime.datetime | None) -> list:
    if as_known_on is None:
        return events
    return [e for e in events if e.timestamp <= as_known_on]


def entries(events: list, as_known_on: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """Every event in the order recorded, as plain values."""
    events = known_by(events, as_known_on)
    originals: dict[int, Any] = {}
    listed = []
    for event in events:
        kind = type(event).__name__
        entry = {
            "event_id": event.originator_version,
            "recorded_at": event.timestamp.astimezone(datetime.timezone.utc).isoformat(),
            "recorded_by": event.recorded_by,
            "note": event.note,
        }
        if kind == "Registered" and hasattr(event, "household_ref"):
            entry.update(type="household", change="registered", occurred_on=_iso(event.occurred_on), interagency=event.interagency)
        elif kind == "Registered":
            entry.update(type="child", change="registered", occurred_on=_iso(event.occurred_on))
            entry["attributes"] = _jsonable(getattr(event, "attributes", {}))
        elif kind == "AdoptersDescribed":
            entry.update(type="household", change="adopters", occurred_on=_iso(event.occurred_on), adopters=dict(event.changes))
        elif kind == "AttributesAmended":
            entry.update(type="child", change="amended", occurred_on=_iso(event.occurred_on))
            entry["attributes"] = _jsonable(event.changes)
        elif kind == "MilestoneRecorded":
            originals[event.originator_version] = event
            entry.update(type="milestone", milestone=event.milestone, occurred_on=_iso(event.occurred_on), details=_jsonable(event.details))
        elif kind == "MilestoneCorrected":
            entry.update(
                type="correction",
                corrects={"event_id": event.corrects, "milestone": event.milestone, "occurred_on": _iso(event.was_on)},
                occurred_on=_iso(event.occurred_on),
                details=_jsonable(event.details),
                reason=event.reason,
            )
        elif kind == "MilestoneWithdrawn":
            entry.update(
                type="withdrawal",
                corrects={"event_id": event.corrects, "milestone": event.milestone, "occurred_on": _iso(event.occurred_on)},
                reason=event.reason,
            )
        else:
            continue
        listed.append(entry)
    return listed


def journey_as_at(events: list, as_at: datetime.date, as_known_on: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """The milestones as they stood on `as_at`, by what is known (at `as_known_on`):
    current values, corrections applied, withdrawn ones left out, in date order."""
    standing: dict[int, MilestoneEntry] = {}
    shown: dict[int, dict] = {}
    for entry in entries(events, as_known_on):
        kind = entry["type"]
        if kind == "milestone":
            event_id = entry["event_id"]
            standing[event_id] = MilestoneEntry(event_id, entry["milestone"], datetime.date.fromisoformat(entry["occurred_on"]), entry["details"])
            shown[event_id] = dict(entry, corrected_by=[])
        elif kind in ("correction", "withdrawal") and entry["corrects"]["event_id"] in standing:
            event_id = entry["corrects"]["event_id"]
            if kind == "correction":
                standing[event_id].correct(datetime.date.fromisoformat(entry["occurred_on"]), entry["details"])
                shown[event_id]["corrected_by"].append(entry["event_id"])
            else:
                standing[event_id].withdraw()
    return [
        dict(shown[m.event_id], occurred_on=m.occurred_on.isoformat(), details=m.details)
        for m in in_journey_order(current_milestones(standing.values()))
        if m.occurred_on <= as_at
    ]


def sentence(entry: dict) -> str:
    """One entry in plain English, with who recorded it and when."""
    recorded = datetime.datetime.fromisoformat(entry["recorded_at"]).astimezone(LONDON)
    by = f"recorded {recorded:%d %b %Y %H:%M:%S} by {entry['recorded_by']}"
    kind = entry["type"]
    if kind == "household" and entry.get("change") == "adopters":
        what = "Adopters' details: " + ", ".join(f"{ADOPTERS_WORDS.get(k, k)} {v}" for k, v in entry["adopters"].items())
    elif kind == "household":
        what = "Household registered" + (" (approved by another agency)" if entry.get("interagency") else "")
    elif kind == "child":
        attrs = ", ".join(attribute_words(k, v) for k, v in entry["attributes"].items()) or "no details"
        what = ("Child registered" if entry["change"] == "registered" else "Details amended") + f": {attrs}"
    elif kind == "milestone":
        words = milestone_words(entry["milestone"])
        what = f"{_long_date(entry['occurred_on'])}: {words}{_details(entry['details'])}"
    elif kind == "correction":
        c = entry["corrects"]
        what = (
            f"Correction of {milestone_words(c['milestone'])} of {_long_date(c['occurred_on'])} (event {c['event_id']}): "
            f"now {_long_date(entry['occurred_on'])}{_details(entry['details'])}; reason: {entry['reason']}"
        )
    else:
        c = entry["corrects"]
        what = f"Withdrawal of {milestone_words(c['milestone'])} of {_long_date(c['occurred_on'])} (event {c['event_id']}); reason: {entry['reason']}"
    note = f" Note: {entry['note']}" if entry.get("note") else ""
    return f"[{entry['event_id']}] {what} ({by}).{note}"


ADOPTERS_WORDS = {"number": "number of adopters", "sex": "sex", "legal_status": "legal status"}


def _details(details: dict) -> str:
    shown = {k: v for k, v in details.items() if k not in ("child_id", "child_event_id")}
    if not shown:
        return ""
    return " (" + ", ".join(f"{k.replace('_', ' ')}: {_yes_no(v)}" for k, v in shown.items()) + ")"


def _yes_no(value):
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def _long_date(iso: str) -> str:
    return datetime.date.fromisoformat(iso).strftime("%-d %b %Y")


def _iso(value):
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value


def _jsonable(details: dict) -> dict:
    return {k: _iso(v) for k, v in details.items()}
