"""The quarterly performance report to an RAA board (domain.md section 4), from
the read models: context counts of what happened in the quarter, children and
households waiting at its end, A11, A12 and the adopters' stage timeliness.

The counts and waits come from the domain (`board_counts`,
`current_dates`, `approval_waits`/`households_waiting`, `a12`, `step_times`); the read models
only pick which journeys to hand them (those with a milestone in the period).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from typing import Any

from sqlite_utils import Database

from journey.domain.adopters import ADOPTER_STEPS, AdopterWait, a12, households_waiting, step_times
from journey.domain.board import board_counts
from journey.domain.calendar import add_months
from journey.domain.councils import council_key
from journey.domain.milestones import Milestone, in_journey_order
from journey.domain.scorecard import average_days, percent
from journey.domain.stages import stage_of
from journey.domain.waiting import current_dates

from projections.jsontext import loads

Date = datetime.date

BOARD_MILESTONES = (
    "adm_decision", "placement_order", "matched", "placed", "adoption_order",
    "decision_reversed", "early_permanence_placement", "disruption",
)
# How long children have waited since the decision, in whole calendar months.
WAIT_BANDS = ((0, "under 6 months"), (6, "6 to 12 months"), (12, "12 to 18 months"), (18, "18 months or more"))
ADOPTERS_WAITING_REVIEW_MONTHS = 12


def journeys(db: Database, stream_nos: list[int]) -> dict[int, list[Milestone]]:
    """The current milestones of these streams, in journey order."""
    found: dict[int, list[Milestone]] = {n: [] for n in stream_nos}
    for i in range(0, len(stream_nos), 500):
        chunk = stream_nos[i : i + 500]
        for no, event_id, name, occurred_on, details in db.execute(
            "SELECT stream_no, event_id, name, occurred_on, details FROM milestones"
            f" WHERE withdrawn = 0 AND stream_no IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            found[no].append(Milestone(event_id, name, Date.fromisoformat(occurred_on), loads(details)))
    return {n: in_journey_order(ms) for n, ms in found.items()}


def _streams_with(db: Database, kind: str, names, period_from: Date, period_to: Date, la: str | None) -> list[int]:
    where, params = "", []
    if la is not None:
        where, params = " AND s.la_key = ?", [council_key(la)]
    marks = ",".join("?" * len(names))
    return [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT m.stream_no FROM milestones m JOIN streams s ON s.stream_no = m.stream_no"
            f" WHERE m.name IN ({marks}) AND m.occurred_on BETWEEN ? AND ? AND m.withdrawn = 0"
            f" AND s.kind = ?{where} ORDER BY m.stream_no",
            [*names, period_from.isoformat(), period_to.isoformat(), kind, *params],
        )
    ]


# ---------------------------------------------------------------------------- children


def children_waiting_on(db: Database, on: Date, la: str | None = None) -> dict[str, Any]:
    """Children waiting on `on` (`journey.domain.waiting`: a decision to place for
    adoption in the current plan of the current period of care, not placed, not
    exited), how long since the decision, by stage and band."""
    where, params = "", []
    if la is not None:
        where, params = " AND c.la_key = ?", [council_key(la)]
    candidates = [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT m.stream_no FROM milestones m JOIN children c ON c.stream_no = m.stream_no"
            " WHERE m.name = 'adm_decision' AND m.withdrawn = 0 AND m.occurred_on <= ?"
            " AND (c.adoption_order_on IS NULL OR c.adoption_order_on > ?)" + where,
            [on.isoformat(), on.isoformat(), *params],
        )
    ]
    days, by_stage, by_band = [], Counter(), Counter()
    for milestones in journeys(db, candidates).values():
        current = current_dates(milestones, on)
        waited = current.days_waiting(on)
        if waited is None:
            continue
        days.append(waited)
        by_stage[stage_of(milestones, on).name] += 1
        by_band[_band(current.decision_on, on)] += 1
    return {
        "on": on.isoformat(),
        "children": len(days),
        "average_days": average_days(days),
        "longest_days": max(days, default=None),
        "by_stage": dict(sorted(by_stage.items())),
        "by_time_since_decision": {label: by_band.get(label, 0) for _, label in WAIT_BANDS},
    }


def _band(since: Date, on: Date) -> str:
    found = WAIT_BANDS[0][1]
    for months, label in WAIT_BANDS:
        if add_months(since, months) <= on:
            found = label
    return found


# ---------------------------------------------------------------------------- households


def _approval_waits(db: Database) -> list[AdopterWait]:
    return [
        AdopterWait(ref, Date.fromisoformat(approved), _date(matched), _date(withdrawn))
        for ref, approved, matched, withdrawn in db.execute(
            "SELECT household_ref, approved_on, matched_on, withdrawn_on FROM approvals"
        )
    ]


def _date(text: str | None) -> Date | None:
    return Date.fromisoformat(text) if text else None


def _timeliness(pairs: list[tuple[Date, Date]], months: int) -> dict[str, Any]:
    within = sum(end <= add_months(start, months) for start, end in pairs)
    return {
        "households": len(pairs),
        f"within_{months}_months": within,
        "percent": _float(percent(within, len(pairs))),
        "average_days": average_days([(end - start).days for start, end in pairs]),
    }


def households_figures(db: Database, period_from: Date, period_to: Date, on: Date) -> dict[str, Any]:
    """Households approved in the period, waiting on `on` (A11), A12, and the
    adopters' stage timeliness. Households belong to the agency, not to a council."""
    waits = _approval_waits(db)
    waiting = households_waiting(waits, on)
    waited = [(on - w.approved_on).days for w in waiting]
    long_waits = sum(add_months(w.approved_on, ADOPTERS_WAITING_REVIEW_MONTHS) <= on for w in waiting)
    measure = a12(waits, period_from, period_to)
    household_journeys = journeys(
        db, _streams_with(db, "household", ("approved", "stage1_completed"), period_from, period_to, None)
    )
    approved = sum(
        1 for ms in household_journeys.values() for m in ms
        if m.name == "approved" and period_from <= m.occurred_on <= period_to
    )
    figures: dict[str, Any] = {
        "approved": approved,
        "A11": {
            "on": on.isoformat(),
            "households_waiting": len(waiting),
            "average_days": average_days(waited),
            "waiting_over_12_months": long_waits,
        },
        "A12": {
            "households_matched": measure.households,
            "waited_3_months_or_more": measure.waited_3_months_or_more,
            "percent": _float(measure.percent),
        },
    }
    for name, start, end, months in ADOPTER_STEPS:
        pairs = [
            (began, ended) for ms in household_journeys.values() for began, ended in step_times(ms, start, end)
            if period_from <= ended <= period_to
        ]
        figures[name] = _timeliness(pairs, months)
    return figures


def _float(value) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------------------- the report


def quarterly_report(
    db: Database, period_from: Date, period_to: Date, la: str | None = None, today: Date | None = None,
    quarter: str | None = None,
) -> dict[str, Any]:
    """The board report for [period_from, period_to], for council `la` or all.
    Waiting figures are as on the period's last day (or today, for a quarter
    not yet over)."""
    on = min(period_to, today) if today else period_to
    children = journeys(db, _streams_with(db, "child", BOARD_MILESTONES, period_from, period_to, la))
    counts = board_counts(children.values(), period_from, period_to)
    return {
        "quarter": quarter,
        "from": period_from.isoformat(),
        "to": period_to.isoformat(),
        "local_authority": la,
        "children": {
            k: (dict(v) if isinstance(v, dict) else v) for k, v in dataclasses.asdict(counts).items()
        },
        "children_waiting": children_waiting_on(db, on, la),
        "households": households_figures(db, period_from, period_to, on),
    }


def report_rows(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The report flattened to (section, figure, value) rows, for CSV."""
    rows = []

    def walk(section: str, prefix: str, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(section, f"{prefix}.{key}" if prefix else key, inner)
        else:
            rows.append((section, prefix, value))

    for section in ("children", "children_waiting", "households"):
        walk(section, "", report[section])
    return rows
