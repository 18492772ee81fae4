"""What people do with alerts: acknowledge one, give it to someone, list them, read one's history.

An alert is named by its id or by a unique prefix of at least 8 characters of it
(`resolve_alert_id`), as trackers copy them from a list.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from journey.alerts.alert import (
    BREACH,
    CHANGE_NAME,
    CLOSED,
    LEVELS,
    STATUSES,
    WARNING,
    Alert,
    AlertNotFound,
    parse_alert_id,
    person_of,
)
from journey.alerts.alert_table import AlertTable, row_of_state
from journey.alerts.sweeping import load_alert, timescales_of
from journey.domain import clock as journey_clock
from journey.domain.errors import InvalidValue, JourneyError

SHORTEST_PREFIX = 8


class AmbiguousAlertId(JourneyError):
    """An id prefix that more than one alert starts with."""

    rule = "ambiguous alert id"


def resolve_alert_id(app: Any, text: uuid.UUID | str) -> uuid.UUID:
    """The alert a user names: its whole id, or a unique prefix of at least 8 characters."""
    if isinstance(text, uuid.UUID):
        return text
    given = (text or "").strip().lower()
    try:
        return uuid.UUID(given)
    except ValueError:
        pass
    if len(given) < SHORTEST_PREFIX or not re.fullmatch(r"[0-9a-f-]+", given):
        parse_alert_id(given)  # raises, saying what an alert id looks like
    table = AlertTable.of(app)
    table.catch_up(app)
    found = table.starting_with(given, limit=11)
    if not found:
        raise AlertNotFound(f"no alert {given}...")
    if len(found) > 1:
        shown = "; ".join(f"{r['id']} ({r['rule_id']}, {r['child_ref'] or r['household_ref']})" for r in found[:10])
        more = " and more" if len(found) > 10 else ""
        raise AmbiguousAlertId(f"{given} starts {len(found) if not more else 'more than 10'} alerts: {shown}{more}; give more of the id", field="alert_id")
    return uuid.UUID(found[0]["id"])


def find_alert(app: Any, aid: uuid.UUID | str) -> dict[str, Any]:
    """The alert as listed today (its whole id, or a unique prefix of 8 or more)."""
    aid = resolve_alert_id(app, aid)
    table = AlertTable.of(app)
    table.catch_up(app)
    row = table.row(str(aid))
    if row is None:
        raise AlertNotFound(f"no alert {aid}")
    return listed(row)


def acknowledge(app: Any, aid: uuid.UUID | str, *, by: str, note: str, on: datetime.date | None = None) -> dict[str, Any]:
    """A person acknowledges an open alert with a note; it comes back for review later.

    Returns the alert as listed. Raises AlertNotFound, AlertClosed, AlertAlreadyAcknowledged.
    """
    aid = resolve_alert_id(app, aid)
    if not by or not by.strip():
        raise InvalidValue("say who acknowledges the alert", field="by")
    if not note or not note.strip():
        raise InvalidValue("an acknowledgement needs a note: what is being done about the delay", field="note")
    on = on or journey_clock.today()
    review_after_days = timescales_of(app).review_after_days

    def attempt() -> Alert:
        alert = load_alert(app, aid)
        if alert is None:
            raise AlertNotFound(f"no alert {aid}")
        alert.acknowledge(by=by.strip(), note=note.strip(), on=on, review_after_days=review_after_days)
        app.save(alert)
        return alert

    alert = app.retrying(f"alert {aid}", attempt)
    table = AlertTable.of(app)
    table.catch_up(app)
    return listed(row_of_state(alert.current_state()))


def assign(app: Any, aid: uuid.UUID | str, *, owner: str | None, by: str, on: datetime.date | None = None) -> dict[str, Any]:
    """Give an open or acknowledged alert to `owner` (a user name), or to nobody
    (`owner` None). Returns the alert as listed. Raises AlertNotFound, AlertClosed."""
    aid = resolve_alert_id(app, aid)
    if owner is not None and not owner.strip():
        raise InvalidValue("say who the alert is for", field="owner")
    if not by or not by.strip():
        raise InvalidValue("say who assigns the alert", field="by")
    on = on or journey_clock.today()

    def attempt() -> Alert:
        alert = load_alert(app, aid)
        if alert is None:
            raise AlertNotFound(f"no alert {aid}")
        alert.assign(owner=owner.strip() if owner else None, by=by.strip(), on=on)
        app.save(alert)
        return alert

    alert = app.retrying(f"alert {aid}", attempt)
    AlertTable.of(app).catch_up(app)
    return listed(row_of_state(alert.current_state()))


def alert_events(app: Any, aid: uuid.UUID | str) -> list:
    aid = resolve_alert_id(app, aid)
    events = list(app.events.get(aid))
    if not events or not isinstance(events[0], Alert.Raised):
        raise AlertNotFound(f"no alert {aid}")
    return events


def alert_history(app: Any, aid: uuid.UUID | str) -> list[dict[str, Any]]:
    """Every event of the alert in the order recorded, as plain values (replayed from the log)."""
    listed_events = []
    for event in alert_events(app, aid):
        kind = CHANGE_NAME[type(event).__name__]
        entry: dict[str, Any] = {
            "alert_id": str(event.originator_id),
            "version": event.originator_version,
            "change": kind,
            "effective_on": event.effective_on.isoformat(),
            "recorded_at": event.timestamp.astimezone(datetime.timezone.utc).isoformat(),
            "by": person_of(event),
        }
        for name in ("owner", "level", "stopped_by", "reason", "note", "review_on", "due_on", "warn_on", "rule_id", "started_on", "child_ref", "local_authority", "household_ref", "swept_on"):
            if hasattr(event, name):
                value = getattr(event, name)
                entry[name] = value.isoformat() if isinstance(value, datetime.date) else value
        listed_events.append(entry)
    return listed_events


def history_sentence(entry: Mapping[str, Any]) -> str:
    """One line of an alert's history in plain English."""
    recorded = datetime.datetime.fromisoformat(entry["recorded_at"]).astimezone(journey_clock.LONDON)
    when = f"{entry['effective_on']} (recorded {recorded:%d %b %Y %H:%M} by {entry['by']})"
    kind = entry["change"]
    if kind == "raised":
        what = (
            f"raised at {entry['level']}: {entry['rule_id']} clock started {entry['started_on']}, "
            f"due {entry['due_on']}" + (f", warning from {entry['warn_on']}" if entry.get("warn_on") else "")
        )
    elif kind == "escalated":
        what = "escalated to breach (the day after the due date)"
    elif kind == "acknowledged":
        what = f"acknowledged: \"{entry['note']}\"; back for review on {entry['review_on']}"
    elif kind == "returned_for_review":
        what = "back for review (acknowledged, and the clock still runs)"
    elif kind == "closed":
        what = f"closed: the clock stopped ({entry['reason']})" if entry.get("stopped_by") else f"closed: {entry['reason']}"
    elif kind == "reopened":
        what = f"reopened at {entry['level']}: {entry['reason']}"
    elif kind == "assigned":
        what = f"assigned to {entry['owner']}" if entry.get("owner") else "no longer assigned to anyone"
    elif kind == "rescheduled":
        what = f"due date corrected to {entry['due_on']}" + (f" (warning from {entry['warn_on']})" if entry.get("warn_on") else "")
    else:  # pragma: no cover - every kind is listed above
        what = kind
    return f"{when}: {what}"


def closed_in_time(status: str, closed_on: str | None, due_on: str) -> bool | None:
    """Whether a closed alert's clock stopped on or before its due date (None while
    it is open). Such an alert was never breached: it was raised because the
    milestone that stopped its clock was keyed after the due date had passed."""
    if status != CLOSED or closed_on is None:
        return None
    return closed_on <= due_on


def level_when_stopped(stopped_on: str, warn_on: str | None, due_on: str) -> str | None:
    """The level an alert's clock was at on the day it stopped: None before its
    warning date, `warning` from it to the due date, `breach` after."""
    if stopped_on > due_on:
        return BREACH
    if warn_on is not None and warn_on <= stopped_on:
        return WARNING
    return None


def listed(row: Mapping[str, Any], *, on: datetime.date | None = None) -> dict[str, Any]:
    """An alert as `journey alerts list` shows it: a row of the alerts table, or (with
    `on`) a row of `AlertTable.as_of(on)`, as it stood that day by what is known now.

    A closed alert whose clock stopped on or before its due date is `closed_in_time`:
    its `level` is the one in force when its clock stopped, and it has no `breach_on`
    (whatever the sweep that raised it found, before the stopping milestone was keyed).
    """
    then = on is not None
    day = on.isoformat() if then else None
    breach_on = row["breach_on"]
    status = row["status_then"] if then else row["status"]
    due_on = row["due_on_then"] if then else row["due_on"]
    closed_on = row["closed_on"] if not then else (row["since_then"] if row["status_then"] == CLOSED else None)
    in_time = closed_in_time(status, closed_on, due_on)
    level = row["level_then"] if then else row["level"]
    if in_time:
        level = level_when_stopped(closed_on, row["warn_on"], due_on)
        breach_on = None
    return {
        "id": row["id"],
        "subject": row["subject"],
        "child_ref": row["child_ref"],
        "household": row["household_ref"],
        "local_authority": row["local_authority"],
        "rule": row["rule_id"],
        "level": level,
        "status": status,
        "closed_in_time": in_time,
        "started_on": row["started_on"],
        "due_on": due_on,
        "raised_on": row["raised_on"],
        "breach_on": breach_on if not then or (breach_on and breach_on <= day) else None,
        "acknowledged_by": row["acknowledged_by"] if not then else None,
        "review_on": row["review_on"] if not then else None,
        "closed_on": closed_on,
        "stopped_by": row["stopped_by"] if not then else row["stopped_by_then"],
        "since": row["since_then"] if then else row["last_effective_on"],
        "owner": row["owner"],
    }


def list_alerts(
    app: Any,
    *,
    on: datetime.date | None = None,
    la: str | None = None,
    status: str | None = None,
    level: str | None = None,
    owner: str | None = None,
    statuses: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The alerts as they stood on `on` (default today), breaches first, then by due date.

    `la` (a council as users name it) leaves out other councils' children and
    every household; `status`, `level` and `owner` (who it is assigned to now)
    filter; `statuses` keeps those of any of these statuses (today's: read
    from the table by them).
    """
    today = journey_clock.today()
    on = on or today
    if status is not None and status not in STATUSES:
        raise InvalidValue(f"unknown status {status!r} (expected {', '.join(STATUSES)})")
    if level is not None and level not in LEVELS:
        raise InvalidValue(f"unknown level {level!r} (expected {', '.join(LEVELS)})")
    council = app.council(la).name if la else None
    table = AlertTable.of(app)
    table.catch_up(app)
    for one in statuses or ():
        if one not in STATUSES:
            raise InvalidValue(f"unknown status {one!r} (expected {', '.join(STATUSES)})")
    if on >= today:
        alerts = [listed(r) for r in table.current(local_authority=council, statuses=tuple(statuses or STATUSES))]
    else:
        alerts = [listed(r, on=on) for r in table.as_of(on, local_authority=council)]
    alerts = [
        a for a in alerts
        if (status is None or a["status"] == status) and (level is None or a["level"] == level)
        and (owner is None or a["owner"] == owner.strip()) and (statuses is None or a["status"] in statuses)
    ]
    return sorted(alerts, key=lambda a: (a["level"] != BREACH, a["status"] == CLOSED, a["due_on"], a["local_authority"] or "", a["child_ref"] or a["household"] or "", a["rule"]))


def subject_alerts(app: Any, subject_id: str) -> list[dict[str, Any]]:
    """One child's or household's alerts as they stand today, as `list_alerts`
    gives them and in its order (read by the subject's index, not the council's list)."""
    table = AlertTable.of(app)
    table.catch_up(app)
    alerts = [listed(r) for r in table.rows_of_subject(subject_id)]
    return sorted(alerts, key=lambda a: (a["level"] != BREACH, a["status"] == CLOSED, a["due_on"], a["rule"]))


def iter_alerts(app: Any) -> Iterator[Alert]:
    """Every alert, replayed from the log (for checks and small tools)."""
    for stream in app.all_streams():
        if isinstance(stream, Alert):
            yield stream
