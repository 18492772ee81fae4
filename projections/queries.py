"""What the CLI, the web and the alert sweep read from the read models.

Every function takes an open read-model database (`projections.store`) and
returns plain values (dicts, lists, `journey.domain` dataclasses). Callers
catch up first (`projections.catch_up`). Days are counted to the `today` given
(default: `journey.domain.clock.today()`), from the dates stored.

`la` arguments are council names as the application resolves them
(`app.council(name).name`); they match the stored council regardless of case.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from sqlite_utils import Database

from journey.domain import clock
from journey.domain.clocks import Clock, Stop
from journey.domain.councils import council_key
from journey.domain.harder_to_place import waiting_18_months_or_more
from journey.domain.milestones import Milestone, in_journey_order
from journey.domain.scorecard import (
    DataQualityProblem,
    Scorecard,
    ThresholdTable,
    WithinMeasure,
    average_measure,
    load_thresholds,
    percent,
)
from journey.domain.waiting import WAITING_STAGES

Date = datetime.date

LIST_STAGES = WAITING_STAGES + ("placed",)
# The date each waiting list counts its days from.
DAYS_FROM = {
    "decision": "decision_on",
    "authority": "order_on",
    "matched": "matched_on",
    "placed": "placed_on",
}


def _d(text: str | None) -> Date | None:
    return Date.fromisoformat(text) if text else None


def _la_clause(la: str | None) -> tuple[str, list]:
    """`AND la_key = ?` and its parameter, or nothing for every council."""
    if la is None:
        return "", []
    return " AND la_key = ?", [council_key(la)]


# ---------------------------------------------------------------------------- scorecard


def scorecard_from_read_models(
    db: Database, period_from: Date, period_to: Date, la: str | None = None,
    thresholds: ThresholdTable | None = None,
) -> Scorecard:
    """A1, A2, A3 and A10 for the children adopted in [period_from, period_to]
    (of council `la`, or all), as `journey.domain.scorecard.scorecard` computes them.

    Each child's days per measure were computed by `journey.domain.scorecard` when the
    child was projected, and summed by day of adoption order (`scorecard_days`);
    here the days of the period are summed, so the time depends on the length of
    the period, not on the number of children held."""
    if period_from > period_to:
        raise ValueError(f"the period starts ({period_from}) after it ends ({period_to})")
    where, params = _la_clause(la)
    a1_n, a1_sum, a2_n, a2_sum, a10_n, a10_sum, a3_n, a3_within = db.execute(
        "SELECT coalesce(sum(a1_children), 0), sum(a1_days), coalesce(sum(a2_children), 0), sum(a2_days),"
        " coalesce(sum(a10_children), 0), sum(a10_days), coalesce(sum(a3_children), 0), sum(a3_within)"
        " FROM scorecard_days WHERE la_key = ? AND adoption_order_on BETWEEN ? AND ?",
        [council_key(la) if la else "", period_from.isoformat(), period_to.isoformat()],
    ).fetchone()
    problems = tuple(
        DataQualityProblem(row[0], row[1], row[2])
        for row in db.execute(
            "SELECT child_ref, local_authority, data_quality FROM measure_dates"
            " WHERE adoption_order_on BETWEEN ? AND ? AND data_quality IS NOT NULL" + where
            + " ORDER BY local_authority, child_ref",
            [period_from.isoformat(), period_to.isoformat(), *params],
        )
    )
    in_force = (thresholds or load_thresholds()).for_period_ending(period_to)
    a3_within = a3_within or 0
    return Scorecard(
        period_from=period_from,
        period_to=period_to,
        a1=average_measure(a1_sum, a1_n, in_force.a1_days),
        a2=average_measure(a2_sum, a2_n, in_force.a2_days),
        a3=WithinMeasure(a3_n, a3_within, percent(a3_within, a3_n)),
        a10=average_measure(a10_sum, a10_n, in_force.a10_days),
        data_quality=problems,
        thresholds=in_force,
    )


# ---------------------------------------------------------------------------- children


def child(db: Database, la: str, child_ref: str, today: Date | None = None) -> dict[str, Any] | None:
    """One child's row: stage, days in stage, current dates, harder-to-place groups."""
    row = next(
        db.query("SELECT * FROM children WHERE la_key = ? AND child_ref = ?", [council_key(la), child_ref]),
        None,
    )
    return None if row is None else _child(row, today or clock.today())


def _child(row: dict, today: Date) -> dict[str, Any]:
    since = _d(row["stage_since"])
    long_in_care = waiting_18_months_or_more(_d(row["entered_care_on"]), bool(row["waiting"]), today)
    groups = [
        name
        for name, flag in (
            ("sibling_group", row["in_sibling_group"]),
            ("bame", row["bame"]),
            ("disabled", row["disabled"]),
            ("aged_5_plus", row["aged_5_plus_at_decision"]),
            ("waiting_18_months_plus", long_in_care),
        )
        if flag
    ]
    return {
        "child_ref": row["child_ref"],
        "local_authority": row["local_authority"],
        "stage": row["stage"],
        "stage_since": row["stage_since"],
        "days_in_stage": (today - since).days if since else None,
        "entered_care_on": row["entered_care_on"],
        "decision_on": row["decision_on"],
        "order_on": row["order_on"],
        "authority_on": row["authority_on"],
        "matched_on": row["matched_on"],
        "placed_on": row["placed_on"],
        "left_care_on": row["left_care_on"],
        "adoption_order_on": row["adoption_order_on"],
        "waiting": bool(row["waiting"]),
        "days_waiting": (today - _d(row["decision_on"])).days if row["waiting"] and row["decision_on"] else None,
        "harder_to_place": groups,
    }


def siblings(db: Database, la: str, child_ref: str, today: Date | None = None) -> list[dict[str, Any]]:
    """The other children of the child's council in its sibling group (none when
    it has no sibling group), by reference, each as `child` gives it."""
    key = council_key(la)
    rows = db.query(
        "SELECT s.* FROM children c JOIN children s ON s.la_key = c.la_key AND s.sibling_group = c.sibling_group"
        " WHERE c.la_key = ? AND c.child_ref = ? AND c.sibling_group IS NOT NULL AND c.sibling_group != ''"
        " AND s.child_ref != c.child_ref ORDER BY s.child_ref",
        [key, child_ref],
    )
    day = today or clock.today()
    return [_child(row, day) for row in rows]


def child_milestones(db: Database, la: str, child_ref: str) -> list[Milestone]:
    """The child's current milestones (corrections applied, withdrawn ones left out), in journey order."""
    rows = db.query(
        "SELECT m.event_id, m.name, m.occurred_on, m.details FROM milestones m"
        " JOIN children c ON c.stream_no = m.stream_no"
        " WHERE c.la_key = ? AND c.child_ref = ? AND m.withdrawn = 0",
        [council_key(la), child_ref],
    )
    return in_journey_order([Milestone(r["event_id"], r["name"], Date.fromisoformat(r["occurred_on"]), json.loads(r["details"]))
                             for r in rows])


def clocks_of_child(db: Database, la: str, child_ref: str) -> list[dict[str, Any]]:
    """Every clock of one child (running or stopped), by start date."""
    stream_id = child_stream_id(db, la, child_ref)
    if stream_id is None:
        return []
    return sorted(clocks_of_stream(db, stream_id), key=lambda c: (c["started_on"], c["rule_id"]))


def child_stream_id(db: Database, la: str, child_ref: str) -> str | None:
    """The id of the child's stream (None when it is not recorded)."""
    row = next(db.query("SELECT stream_id FROM children WHERE la_key = ? AND child_ref = ?", [council_key(la), child_ref]), None)
    return None if row is None else row["stream_id"]


def children_by_stage(db: Database, la: str | None = None) -> dict[str, int]:
    """How many children are at each stage."""
    where, params = _la_clause(la)
    return {
        row["stage"]: row["n"]
        for row in db.query(f"SELECT stage, count(*) AS n FROM children WHERE 1 = 1{where} GROUP BY stage", params)
    }


def children_by_stage_of(db: Database, la_keys: list[str] | None) -> dict[str, int]:
    """How many children are at each stage, of the councils `la_keys` (council
    keys; None: every council)."""
    if la_keys is None:
        return children_by_stage(db)
    if not la_keys:
        return {}
    marks = ", ".join("?" * len(la_keys))
    return {
        row["stage"]: row["n"]
        for row in db.query(f"SELECT stage, count(*) AS n FROM children WHERE la_key IN ({marks}) GROUP BY stage", la_keys)
    }


def waiting_children(
    db: Database, la: str | None = None, stage: str | None = None, today: Date | None = None
) -> list[dict[str, Any]]:
    """Children waiting, worst first.

    Without `stage`: every child who is waiting (`journey.domain.waiting`: a
    decision to place for adoption in the current plan of the current period of
    care, not yet placed, not exited; the `children` row's `waiting`, at stage
    decision, authority or matched), by days since the decision. With `stage`: that
    list at one stage, by days since the date it counts from:
    `decision` (decision but no placement order; days since the decision),
    `authority` (order but not matched; days since the order), `matched`
    (matched, not placed; days since the match), `placed` (placed, not adopted;
    days since the placement). Each row has `days` (what it is sorted by) and
    `days_waiting` (since the decision).
    """
    today = today or clock.today()
    if stage is not None and stage not in LIST_STAGES:
        raise ValueError(f"stage {stage!r} is not a waiting list: use one of {', '.join(LIST_STAGES)}")
    stages = (stage,) if stage else WAITING_STAGES
    # The placed are not waiting: their list is of stage alone.
    waiting = "" if stage == "placed" else " AND waiting = 1"
    where, params = _la_clause(la)
    rows = db.query(
        f"SELECT * FROM children WHERE stage IN ({','.join('?' * len(stages))}){waiting}{where}",
        [*stages, *params],
    )
    listed = []
    for row in rows:
        entry = _child(row, today)
        counted_from = _d(row[DAYS_FROM[stage]]) if stage else _d(row["decision_on"])
        counted_from = counted_from or _d(row["stage_since"])
        entry["days"] = (today - counted_from).days if counted_from else None
        entry["days_from"] = DAYS_FROM[stage] if stage else "decision_on"
        listed.append(entry)
    listed.sort(key=lambda e: (-(e["days"] if e["days"] is not None else -1), e["local_authority"], e["child_ref"]))
    return listed


# ---------------------------------------------------------------------------- households


def households_by_stage(db: Database) -> dict[str, int]:
    """How many households are at each step of the pipeline."""
    return {
        row["stage"] or "registered": row["n"]
        for row in db.query("SELECT stage, count(*) AS n FROM households GROUP BY stage")
    }


def household_choices(db: Database) -> list[dict[str, Any]]:
    """Every household by reference, with its stage, approval date and whether it
    is interagency (a form's list to choose a household from)."""
    rows = db.query(
        "SELECT household_ref, interagency, stage, approved_on, withdrawn_on FROM households ORDER BY household_ref"
    )
    return [
        {"household_ref": r["household_ref"], "interagency": bool(r["interagency"]), "stage": r["stage"],
         "approved_on": r["approved_on"], "withdrawn_on": r["withdrawn_on"]}
        for r in rows
    ]


def households_waiting(db: Database, on: Date | None = None) -> list[dict[str, Any]]:
    """A11: approvals still waiting to be matched on `on` (default today), longest first."""
    on = on or clock.today()
    day = on.isoformat()
    rows = db.query(
        "SELECT household_ref, approved_on FROM approvals WHERE approved_on <= ?"
        " AND (matched_on IS NULL OR matched_on > ?) AND (withdrawn_on IS NULL OR withdrawn_on > ?)"
        " ORDER BY approved_on, household_ref",
        [day, day, day],
    )
    return [
        {"household_ref": r["household_ref"], "approved_on": r["approved_on"], "days_waiting": (on - _d(r["approved_on"])).days}
        for r in rows
    ]


# Children's milestones copied to the household they name.
HOUSEHOLD_COPIES = ("matched", "placed", "adoption_order")


def _stages_of(db: Database, keys: list[tuple[str, str]], chunk: int = 400) -> dict[tuple[str, str], str]:
    """The stage of each child of `keys` ((council key, reference) pairs), by the
    children table's index: a query for many children, not one each."""
    stages: dict[tuple[str, str], str] = {}
    for start in range(0, len(keys), chunk):
        part = keys[start:start + chunk]
        rows = db.conn.execute(  # CROSS JOIN: the wanted pairs first, each looked up by the index
            f"WITH wanted(la_key, child_ref) AS (VALUES {', '.join(['(?, ?)'] * len(part))})"
            " SELECT c.la_key, c.child_ref, c.stage FROM wanted CROSS JOIN children c"
            " ON c.la_key = wanted.la_key AND c.child_ref = wanted.child_ref",
            [value for key in part for value in key],
        )
        stages.update(((la_key, ref), stage) for la_key, ref, stage in rows)
    return stages


def household(db: Database, stream_id: str, today: Date | None = None) -> dict[str, Any] | None:
    """One household from its rows (None if it has none): its `households` row,
    its current milestones in date order (each `own`, or a child's copy naming the
    child), its approvals, the current approval's wait to be matched (A11), and
    the children matched, placed or adopted with it (each with its current stage).
    Read by the stream's number: a few indexed look-ups, whatever the store holds."""
    today = today or clock.today()
    stream = next(db.query(
        "SELECT stream_no, household_ref, interagency FROM streams WHERE stream_id = ? AND kind = 'household'", [stream_id]
    ), None)
    if stream is None:
        return None
    number = stream["stream_no"]
    row = next(db.query("SELECT * FROM households WHERE stream_no = ?", [number]), None) or {}
    milestones, children = [], {}
    for m in db.query(
        "SELECT event_id, name, occurred_on, details FROM milestones WHERE stream_no = ? AND withdrawn = 0"
        " ORDER BY occurred_on, event_id", [number]
    ):
        details = json.loads(m["details"])
        own = details.get("child_event_id") is None
        entry = {"event_id": m["event_id"], "milestone": m["name"], "occurred_on": m["occurred_on"], "own": own,
                 "child_ref": None if own else details.get("child_ref"),
                 "local_authority": None if own else details.get("local_authority"),
                 "details": {k: v for k, v in details.items() if own or k not in ("child_id", "child_event_id")}}
        milestones.append(entry)
        if not own and m["name"] in HOUSEHOLD_COPIES:
            key = (entry["local_authority"], entry["child_ref"])
            child = children.setdefault(key, {"local_authority": key[0], "child_ref": key[1], "stage": None,
                                              **{f"{name}_on": None for name in HOUSEHOLD_COPIES}})
            child[f"{m['name']}_on"] = m["occurred_on"]
    stages = _stages_of(db, [(council_key(c["local_authority"] or ""), c["child_ref"]) for c in children.values()])
    for child in children.values():
        child["stage"] = stages.get((council_key(child["local_authority"] or ""), child["child_ref"]))
    approvals = [dict(a) for a in db.query(
        "SELECT approved_on, matched_on, withdrawn_on FROM approvals WHERE stream_no = ? ORDER BY approved_on", [number]
    )]
    waiting = None
    day = today.isoformat()
    if approvals:
        last = approvals[-1]
        if last["approved_on"] <= day and (last["matched_on"] is None or last["matched_on"] > day) \
                and (last["withdrawn_on"] is None or last["withdrawn_on"] > day):
            waiting = {"approved_on": last["approved_on"], "days_waiting": (today - _d(last["approved_on"])).days}
    return {
        "household_ref": stream["household_ref"],
        "interagency": bool(stream["interagency"]),
        "stage": row.get("stage"),
        "stage_since": row.get("stage_since"),
        "approved_on": row.get("approved_on"),
        "milestones": milestones,
        "approvals": approvals,
        "waiting": waiting,
        "children": sorted(children.values(), key=lambda c: (c["matched_on"] or c["placed_on"] or "", c["child_ref"])),
        "on": day,
    }


# ---------------------------------------------------------------------------- clocks


def _clock_dict(row: dict) -> dict[str, Any]:
    out = {k: row[k] for k in (
        "subject", "child_ref", "local_authority", "household_ref", "rule_id", "started_on",
        "due_on", "warn_on", "stopped_on", "stopped_by",
    )}
    out["stream_id"] = row["stream_id"]
    out["running"] = bool(row["running"])
    out["stops"] = [list(s) for s in json.loads(row["stops"])]
    return out


def clock_of(row: dict) -> Clock:
    """A `journey.domain.clocks.Clock` from a clock dict (as `due_clocks` gives)."""
    return Clock(
        rule_id=row["rule_id"],
        started_on=_d(row["started_on"]),
        due_on=_d(row["due_on"]),
        warn_on=_d(row["warn_on"]),
        stops=tuple(Stop(_d(s[0]), s[1], _d(s[2])) for s in row["stops"]),
    )


def due_clocks(db: Database, on: Date, la: str | None = None) -> list[dict[str, Any]]:
    """The clocks at `warning` or `breach` on `on`, as plain dicts (keys: stream_id,
    subject, child_ref, local_authority, household_ref, rule_id, started_on, due_on,
    warn_on, stopped_on, stopped_by, running, stops [[stopped_on, stopped_by,
    resumed_on]], level). Dates are ISO text.

    Reads only clocks that had come due by `on` and were running then (by index):
    those running now, and those stopped after `on`. A clock's level on a past date
    uses only the stops that had happened by then (`Clock.level_on`)."""
    day = on.isoformat()
    where, params = _la_clause(la)
    rows = db.query(
        "SELECT * FROM clocks WHERE running = 1 AND alert_from <= ?" + where
        + " UNION ALL "
        "SELECT * FROM clocks WHERE stopped_on > ? AND alert_from <= ?" + where,
        [day, *params, day, day, *params],
    )
    found = []
    for row in rows:
        entry = _clock_dict(row)
        level = clock_of(entry).level_on(on)
        if level is not None:
            entry["level"] = level
            found.append(entry)
    found.sort(key=lambda c: (c["due_on"], c["subject"], c["local_authority"] or "", c["child_ref"] or c["household_ref"] or "", c["rule_id"]))
    return found


def clocks_of_stream(db: Database, stream_id: str) -> list[dict[str, Any]]:
    """Every clock of one child or household stream (running or stopped)."""
    return [_clock_dict(r) for r in db.query(
        "SELECT * FROM clocks WHERE stream_id = ? ORDER BY rule_id, started_on", [stream_id]
    )]


def clocks_stopped_between(db: Database, after: Date, on: Date) -> list[dict[str, Any]]:
    """Clocks whose holding stop fell in (after, on]: what a sweep closes alerts for."""
    return [_clock_dict(r) for r in db.query(
        "SELECT * FROM clocks WHERE stopped_on > ? AND stopped_on <= ? ORDER BY stopped_on",
        [after.isoformat(), on.isoformat()],
    )]


# ---------------------------------------------------------------------------- the waiting list, a page at a time

WAITING_SORTS = ("days", "reference", "council")
# The harder-to-place groups a list can be filtered by, each a condition on a
# `children` row (`waiting_18_months` is the domain's rule, given to SQLite).
GROUP_CONDITIONS = {
    "sibling_group": "in_sibling_group = 1",
    "bame": "bame = 1",
    "disabled": "disabled = 1",
    "aged_5_plus": "aged_5_plus_at_decision = 1",
    "waiting_18_months_plus": "waiting_18_months(entered_care_on, waiting, :today) = 1",
}


def _waiting_18_months(entered_care_on: str | None, waiting: int, today: str) -> int:
    return int(waiting_18_months_or_more(_d(entered_care_on), bool(waiting), Date.fromisoformat(today)))


def waiting_counts(
    db: Database,
    *,
    la_keys: list[str] | None = None,
    group: str | None = None,
    today: Date | None = None,
) -> dict[str | None, int]:
    """How many children `waiting_page` counts on each list (None: every child
    waiting, and each of LIST_STAGES), filtered as it filters, counted in one
    query: the `total` `waiting_page` gives each list."""
    today = today or clock.today()
    if group is not None and group not in GROUP_CONDITIONS:
        raise ValueError(f"group {group!r} is not a harder-to-place group: use one of {', '.join(GROUP_CONDITIONS)}")
    params: dict[str, Any] = {"today": today.isoformat()}
    params.update({f"stage{i}": s for i, s in enumerate(LIST_STAGES)})
    where = [f"stage IN ({', '.join(f':stage{i}' for i in range(len(LIST_STAGES)))})"]
    if la_keys is not None:
        where.append(f"la_key IN ({', '.join(f':la{i}' for i in range(len(la_keys)))})" if la_keys else "0")
        params.update({f"la{i}": k for i, k in enumerate(la_keys)})
    if group:
        where.append(GROUP_CONDITIONS[group])
    conn = db.conn
    conn.create_function("waiting_18_months", 3, _waiting_18_months, deterministic=True)
    rows = conn.execute(f"SELECT stage, waiting = 1, count(*) FROM children WHERE {' AND '.join(where)} GROUP BY 1, 2",
                        params).fetchall()
    counts: dict[str | None, int] = {None: 0, **{s: 0 for s in LIST_STAGES}}
    for stage, waiting, n in rows:
        if waiting and stage in WAITING_STAGES:
            counts[None] += n
        if waiting or stage == "placed":  # the placed are not waiting: their list is of stage alone
            counts[stage] += n
    return counts


def waiting_page(
    db: Database,
    *,
    la_keys: list[str] | None = None,
    stage: str | None = None,
    group: str | None = None,
    sort: str = "days",
    limit: int = 50,
    offset: int = 0,
    today: Date | None = None,
) -> dict[str, Any]:
    """One page of the waiting list (the rows of `waiting_children`, the same
    children in the same order when sorted by days), with the count of all.

    `la_keys` (council keys) keeps those councils' children (None: every one);
    `group` keeps one harder-to-place group. Sorted by `days`, siblings come
    together: a sibling group is placed by its longest-waiting child, then the
    siblings in their own order. Sorted and cut in SQL: a page reads its rows,
    not the whole list."""
    today = today or clock.today()
    if stage is not None and stage not in LIST_STAGES:
        raise ValueError(f"stage {stage!r} is not a waiting list: use one of {', '.join(LIST_STAGES)}")
    if group is not None and group not in GROUP_CONDITIONS:
        raise ValueError(f"group {group!r} is not a harder-to-place group: use one of {', '.join(GROUP_CONDITIONS)}")
    if sort not in WAITING_SORTS:
        raise ValueError(f"sort {sort!r} is not one of {', '.join(WAITING_SORTS)}")
    stages = (stage,) if stage else WAITING_STAGES
    params: dict[str, Any] = {"today": today.isoformat(), "limit": limit, "offset": offset}
    where = [f"stage IN ({', '.join(f':stage{i}' for i in range(len(stages)))})"]
    params.update({f"stage{i}": s for i, s in enumerate(stages)})
    if stage != "placed":  # the placed are not waiting: their list is of stage alone
        where.append("waiting = 1")
    if la_keys is not None:
        where.append(f"la_key IN ({', '.join(f':la{i}' for i in range(len(la_keys)))})" if la_keys else "0")
        params.update({f"la{i}": k for i, k in enumerate(la_keys)})
    if group:
        where.append(GROUP_CONDITIONS[group])
    counted_from = f"coalesce({DAYS_FROM[stage] if stage else 'decision_on'}, stage_since)"
    order = {
        "days": "group_from IS NULL, group_from, family, counted_from IS NULL, counted_from, local_authority, child_ref",
        "reference": "local_authority, child_ref",
        "council": "local_authority, counted_from IS NULL, counted_from, child_ref",
    }[sort]
    conn = db.conn
    conn.create_function("waiting_18_months", 3, _waiting_18_months, deterministic=True)
    clause = " AND ".join(where)
    total = conn.execute(f"SELECT count(*) FROM children WHERE {clause}", params).fetchone()[0]
    sql = (
        f"SELECT * FROM (SELECT children.*, {counted_from} AS counted_from,"
        " la_key || '/' || coalesce('group:' || sibling_group, 'child:' || child_ref) AS family,"
        f" min({counted_from}) OVER (PARTITION BY la_key, coalesce('group:' || sibling_group, 'child:' || child_ref)) AS group_from"
        f" FROM children WHERE {clause}) ORDER BY {order} LIMIT :limit OFFSET :offset"
    )
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    listed = []
    for values_ in cursor.fetchall():
        row = dict(zip(names, values_))
        entry = _child(row, today)
        since = _d(row["counted_from"])
        entry["days"] = (today - since).days if since else None
        entry["days_from"] = DAYS_FROM[stage] if stage else "decision_on"
        entry["sibling_group"] = row["sibling_group"]
        listed.append(entry)
    return {"children": listed, "total": total}
