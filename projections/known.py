"""Figures as they could have been known at a past moment: the log replayed up to
the events recorded by then (auditors checking what was sent to the DfE).

This is the one place a reading command replays the log instead of reading the
read models: the read models hold what is known now.
"""

from __future__ import annotations

import datetime
import uuid

from journey.domain.councils import council_key
from journey.domain.measure_dates import child_measure_dates
from journey.domain.scorecard import Scorecard, scorecard

from projections.facts import fact_of_event
from projections.stream_state import CHILD, StreamState, apply, new_state

BATCH = 5000


def streams_as_known_on(app, moment: datetime.datetime) -> dict[uuid.UUID, StreamState]:
    """Every stream as it stood with only the events recorded by `moment` (aware)."""
    states: dict[uuid.UUID, StreamState] = {}
    start = 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=BATCH)
        if not notifications:
            return states
        for notification in notifications:
            event = app.mapper.to_domain_event(notification)
            # Not `break`: writers' clocks differ, so the log is only nearly in time order.
            if event.timestamp > moment:
                continue
            fact = fact_of_event(event)
            if fact is None:
                continue
            state = states.get(event.originator_id)
            if state is None:
                state = new_state(fact)
                if state is not None:
                    states[event.originator_id] = state
            else:
                apply(state, fact)
        start = notifications[-1].id + 1


def scorecard_as_known_on(
    app, moment: datetime.datetime, period_from: datetime.date, period_to: datetime.date, la: str | None = None
) -> Scorecard:
    """`journey.domain.scorecard.scorecard` over the children as known at `moment`."""
    key = council_key(la) if la else None
    children = []
    for state in streams_as_known_on(app, moment).values():
        if state.kind != CHILD or (key is not None and state.la_key != key):
            continue
        dates = child_measure_dates(state.child_ref, state.local_authority, state.milestones())
        if dates is not None:
            children.append(dates)
    return scorecard(children, period_from, period_to)
