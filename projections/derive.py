"""The rows a stream's current milestones give, by the pure domain functions.

Nothing here depends on today: the rows hold start dates, and queries count
days from them when they run. Each function returns plain tuples in the column
order of the insert statements in `projections.projector`.
"""

from __future__ import annotations

import datetime
import json

from journey.domain.adopters import AdopterWait, approval_waits
from journey.domain.clocks import Stop, clock_tuples_of_journey, first_alerting_day
from journey.domain.measure_dates import ChildMeasureDates, measure_dates_of_journey
from journey.domain.harder_to_place import aged_5_or_over_at_decision, black_asian_or_minority_ethnic
from journey.domain.milestones import Milestone, in_journey_order
from journey.domain.scorecard import a1_days, a2_days, a10_days, placed_within_14_months
from journey.domain.stages import stage_of_journey
from journey.domain.timescale_rules import Rule
from journey.domain.waiting import current_dates_of_journey

from projections.stream_state import CHILD, StreamState

# A household's pipeline: the stage each milestone moves it into.
HOUSEHOLD_STAGE_OF = {
    "enquiry": "enquiry",
    "registration_of_interest": "registration_of_interest",
    "stage1_started": "stage1",
    "stage1_completed": "stage1_completed",
    "stage2_started": "stage2",
    "approval_panel": "approval_panel",
    "approved": "approved",
    "linked": "linked",
    "matched": "matched",
    "placed": "placed",
    "adoption_order": "adopted",
    "withdrawn": "withdrawn",
}
HOUSEHOLD_LATEST = (
    "registration_of_interest", "stage1_started", "stage1_completed", "stage2_started",
    "approved", "matched", "placed", "adoption_order", "withdrawn",
)


def iso(day: datetime.date | None) -> str | None:
    """`day` as ISO text; None for None."""
    if day is None:
        return None
    # Remembered: a rebuild writes half a million dates, of a few thousand days,
    # and looking one up costs a quarter of `isoformat`.
    text = _iso_text.get(day)
    if text is None:
        if len(_iso_text) >= _ISO_TEXTS_KEPT:
            _iso_text.clear()
        text = _iso_text[day] = day.isoformat()
    return text


_iso_text: dict[datetime.date, str] = {}
_ISO_TEXTS_KEPT = 1 << 16


def derived_rows(states: list[StreamState], rules: tuple[Rule, ...]) -> dict[str, list[tuple]]:
    """Every derived row of these streams, by table (children, measure_dates,
    households, approvals, clocks)."""
    children: list[tuple] = []
    measures: list[tuple] = []
    households: list[tuple] = []
    approvals: list[tuple] = []
    clocks: list[tuple] = []
    for state in states:
        # Sorted once, here: the functions below take milestones in journey order.
        journey = in_journey_order(state.milestones())
        if state.kind == CHILD:
            children.append(child_row(state, journey))
            measure = measure_row(state, journey)
            if measure is not None:
                measures.append(measure)
        else:
            waits = approval_waits(state.household_ref, journey)
            households.append(household_row(state, journey, waits))
            approvals += approval_rows(state, waits)
        clocks += clock_rows(state, journey, rules)
    return {
        "children": children, "measure_dates": measures, "households": households, "approvals": approvals,
        "clocks": clocks,
    }


# -- children ------------------------------------------------------------------------


def child_row(state: StreamState, journey: list[Milestone]) -> tuple:
    """The `children` row: stage, current dates, harder-to-place flags (`journey`:
    the child's milestones in journey order)."""
    # Stages are stored with their start date only, so every recorded milestone
    # counts (the rules refuse milestones dated in the future): no day is needed.
    stage, stage_since = stage_of_journey(journey)
    current = current_dates_of_journey(journey)
    attributes = state.attributes
    dob = attributes.get("date_of_birth")
    ethnicity = attributes.get("ethnicity")
    disability = attributes.get("disability")
    return (
        state.stream_no, state.stream_id, state.local_authority, state.la_key, state.child_ref,
        iso(dob), attributes.get("sex"), ethnicity,
        None if disability is None else int(bool(disability)), attributes.get("sibling_group"),
        stage, iso(stage_since),
        iso(current.entered_care_on), iso(current.decision_on), iso(current.order_on),
        iso(current.authority_on), iso(current.matched_on), iso(current.placed_on),
        iso(current.left_care_on), iso(current.adoption_order_on),
        int(current.waiting),
        int(bool(attributes.get("sibling_group"))),
        int(black_asian_or_minority_ethnic(ethnicity)),
        int(bool(disability)),
        int(aged_5_or_over_at_decision(dob, journey)),
    )


def measure_row(state: StreamState, journey: list[Milestone]) -> tuple | None:
    """The `measure_dates` row of an adopted child (None when not adopted);
    `journey`: the child's milestones in journey order."""
    found = measure_dates_of_journey(journey)
    if found is None:
        return None
    # As `child_measure_dates`, without its generic (and, a million times over, slow) asdict.
    dates = ChildMeasureDates(
        state.child_ref, state.local_authority, found.adoption_order_on, found.placed_on,
        found.entered_care_on, found.moved_in_on, found.authority_on, found.matched_on,
        found.data_quality,
    )
    within = placed_within_14_months(dates)
    return (
        state.stream_no, state.local_authority, state.la_key, state.child_ref,
        iso(dates.adoption_order_on), iso(dates.placed_on), iso(dates.entered_care_on),
        iso(dates.moved_in_on), iso(dates.authority_on), iso(dates.matched_on), dates.data_quality,
        a1_days(dates), a2_days(dates), a10_days(dates), None if within is None else int(within),
    )


# -- households ----------------------------------------------------------------------


def household_row(state: StreamState, journey: list[Milestone], waits: list[AdopterWait]) -> tuple:
    """The `households` row: pipeline stage and the latest date of each step
    (`journey`: its milestones in journey order; `waits`: its `approval_waits`)."""
    stage, since = household_stage(journey)
    latest: dict[str, datetime.date] = {}
    for m in journey:
        latest[m.name] = m.occurred_on
    waiting = waits[-1] if waits and not (waits[-1].matched_on or waits[-1].withdrawn_on) else None
    return (
        state.stream_no, state.stream_id, state.household_ref, int(bool(state.interagency)), stage, iso(since),
        *(iso(latest.get(name)) for name in HOUSEHOLD_LATEST),
        iso(waiting.approved_on) if waiting else None,
    )


def household_stage(journey: list[Milestone]) -> tuple[str | None, datetime.date | None]:
    """A household's pipeline stage and the day it moved into it, from its
    milestones in journey order (None, None before any that moves it)."""
    stage = since = None
    for m in journey:
        if m.name in HOUSEHOLD_STAGE_OF:
            stage, since = HOUSEHOLD_STAGE_OF[m.name], m.occurred_on
    return stage, since


def approval_rows(state: StreamState, waits: list[AdopterWait]) -> list[tuple]:
    """The `approvals` rows of a household's `approval_waits`."""
    return [
        (state.stream_no, state.household_ref, iso(w.approved_on), iso(w.matched_on), iso(w.withdrawn_on))
        for w in waits
    ]


# -- clocks --------------------------------------------------------------------------


def clock_rows(state: StreamState, journey: list[Milestone], rules: tuple[Rule, ...]) -> list[tuple]:
    """One `clocks` row per clock of the stream under `rules` (`journey`: its
    milestones in journey order)."""
    # As child_clocks / household_clocks, as plain tuples: making a `Clock` (and
    # checking its stops) for each of 60,000 clocks a rebuild would cost more than the rows.
    clocks = clock_tuples_of_journey(journey, rules, "child" if state.kind == CHILD else "household")
    if not clocks:
        return []
    stream_no, stream_id, kind, child_ref = state.stream_no, state.stream_id, state.kind, state.child_ref
    la, la_key, household_ref = state.local_authority, state.la_key, state.household_ref
    rows = []
    for rule_id, started_on, due_on, warn_on, stops in clocks:
        # The stop that still holds, as `Clock` works it out (None while running).
        holding = stops[-1] if stops and stops[-1].resumed_on is None else None
        rows.append((
            stream_no, stream_id, kind, child_ref, la, la_key, household_ref,
            rule_id, iso(started_on), iso(due_on), iso(warn_on),
            iso(first_alerting_day(started_on, due_on, warn_on)),
            None if holding is None else iso(holding.stopped_on),
            None if holding is None else holding.stopped_by,
            int(holding is None),
            _stops_json(stops),
        ))
    return rows


def _stops_json(stops: tuple[Stop, ...]) -> str:
    """A clock's `[[stopped_on, stopped_by, resumed_on], ...]` as JSON (by hand: 60,000 clocks a rebuild)."""
    if not stops:
        return "[]"
    # What json.dumps gives (its ", " separator; dates are ISO text, needing no escapes).
    return "[" + ", ".join([
        f'["{iso(s.stopped_on)}", {_json_text(s.stopped_by)}, '
        + ("null" if s.resumed_on is None else f'"{iso(s.resumed_on)}"') + "]"
        for s in stops
    ]) + "]"


def _json_text(value) -> str:
    """`value` (a milestone name) as JSON."""
    text = _names.get(value)
    if text is None:
        text = _names[value] = _ENCODER.encode(value)
    return text


_names: dict = {}


# What `json.dumps` with its defaults uses, made once rather than per call.
_ENCODER = json.JSONEncoder()
