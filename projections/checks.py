"""What `journey check` lists, kept as a read model (`check_findings`, migration m003).

A projection of its own, after the read models: from its position in the log it
notes the children whose events came since, and the households whose adopters'
details changed (the one event it decodes), then works out again, from the
read models' milestones and attributes, the problems of those children and of
the children those households adopted (`journey.domain.record_problems`), and
writes them with its new position in one transaction (the tracking row first).
When the read models are rebuilt (their generation moves), it starts again; when
a new collection year begins, it works out again every child not adopted (a child
still looked after is in the new year's return).

It is caught up by every command, in its unit of work (`Tracker._finish`, after
the read models and the sweep: an import whatever the findings lacked, any other
command when they were current before it), by `journey check` and by the
scheduler. So a check reads rows already worked out: over 100,000 children it
costs a query. Every child is worked out again only after a rebuild of the read
models, or on a store that never had the findings (by `journey check`, the
scheduler or the next import); in a new collection year, every child not adopted.

A child's work-out reads only the milestones the problems come from
(`record_problems.READS`) and the day of its last milestone, and which
children changed is read from the log's stream ids and topics alone
(`JourneyTracker.streams_with`).
"""

from __future__ import annotations

import datetime

from eventsourcing.utils import get_topic
from sqlite_utils import Database

from journey.domain import clock
from journey.domain.councils import council_key
from journey.domain.milestones import Milestone
from journey.domain.record_problems import READS, adoptive_household, record_problems
from journey.domain.ssda903_codes import CollectionYear
from journey.store.child import Child
from journey.store.household import Household
from projections import jsontext
from projections.projector import read_tracking

CHECKS = "checks"
BATCH_NOTIFICATIONS = 50_000  # positions in the log a transaction covers
CHILDREN_AT_ONCE = 500
_ADOPTERS = get_topic(Household.AdoptersDescribed)
_CHILD_TOPICS = frozenset(get_topic(cls) for cls in (
    Child.Registered, Child.AttributesAmended, Child.MilestoneRecorded, Child.MilestoneCorrected, Child.MilestoneWithdrawn,
))
_CHILD_TOPICS_LISTED = sorted(_CHILD_TOPICS)
_READS = sorted(READS)
_READS_MARKS = ",".join("?" * len(_READS))


def catch_up(app, db: Database) -> int:
    """Bring the findings up to the read models' position (catch those up first);
    returns the position reached."""
    target, generation = read_tracking(db)
    position, built_for, year = _tracking(db)
    this_year = str(CollectionYear.of(clock.today()))
    if built_for != generation:  # read models rebuilt
        _start_again(db, position, built_for, generation, this_year)
        position = 0
    elif year != this_year:  # a new collection year: the children still looked after are in its return
        _new_year(db, position, generation, year, this_year)
    while position < target:
        last = min(position + BATCH_NOTIFICATIONS, target)
        # Which children changed, from the log's ids and topics alone; the adopters'
        # details (the one event decoded) are few.
        children = app.streams_with(position + 1, last, _CHILD_TOPICS_LISTED)
        adopters: list = []
        start = position + 1
        while start <= last:
            described = app.recorder.select_notifications(start=start, limit=BATCH_NOTIFICATIONS, stop=last, topics=[_ADOPTERS])
            if not described:
                break
            adopters += [app.mapper.to_domain_event(n) for n in described]
            start = described[-1].id + 1
        _apply(db, position, last, generation, children, adopters)
        position = last
    return position


def current(db: Database) -> bool:
    """Whether the findings are as current as the read models (for their generation
    and this collection year), or were never begun on read models never begun: then
    catching them up after a command works out only the children it changed."""
    target, generation = read_tracking(db)
    position, built_for, year = _tracking(db)
    if position == 0:
        return target == 0
    return position >= target and built_for == generation and year == str(CollectionYear.of(clock.today()))


def findings(db: Database, *, la: str | None = None, child_ref: str | None = None, year: str | None = None) -> list[dict]:
    """The problems to fix, by council and child (gaps and the adopters' details
    first, then the DfE's rules by year); `year` keeps that return's and those of no year."""
    where, params = [], []
    if la:
        where.append("la_key = ?")
        params.append(council_key(la))
    if child_ref:
        where.append("child_ref = ?")
        params.append(child_ref)
    if year:
        where.append("year IN ('', ?)")
        params.append(year)
    sql = ("SELECT local_authority, child_ref, year, rule, message, to_record FROM check_findings"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY la_key, child_ref, year, rowid")
    return [dict(zip(("local_authority", "child_ref", "year", "rule", "message", "to_record"), row))
            for row in db.execute(sql, params).fetchall()]


def children_checked(db: Database, *, la: str | None = None, child_ref: str | None = None) -> int:
    """How many children the check covers."""
    where = [c for c, v in (("la_key = ?", la), ("child_ref = ?", child_ref)) if v]
    params = [v for v in (council_key(la) if la else None, child_ref) if v]
    return db.execute("SELECT count(*) FROM children" + (" WHERE " + " AND ".join(where) if where else ""), params).fetchone()[0]


def _tracking(db: Database) -> tuple[int, int, str | None]:
    """(position, the read models' generation it was built for, the collection year it was built in)."""
    row = db.execute("SELECT position, generation, rules FROM tracking WHERE projection = ?", [CHECKS]).fetchone()
    return row[0], row[1], row[2]


def _move(db: Database, old: int, new: int, old_generation: int, generation: int) -> bool:
    """The first write of the transaction: False when another process moved it first."""
    cursor = db.execute(
        "UPDATE tracking SET position = ?, generation = ?, updated_at = ? WHERE projection = ? AND position = ? AND generation = ?",
        [new, generation, datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), CHECKS, old, old_generation],
    )
    return cursor.rowcount == 1


def _start_again(db: Database, position: int, built_for: int, generation: int, year: str) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        if _move(db, position, 0, built_for, generation):
            db.execute("UPDATE tracking SET rules = ? WHERE projection = ?", [year, CHECKS])
            for table in ("check_findings", "check_children", "household_adopters"):
                db.execute(f"DELETE FROM {table}")
    except BaseException:
        db.rollback()
        raise
    db.commit()


def _new_year(db: Database, position: int, generation: int, year: str | None, this_year: str) -> None:
    """Work out again, for a new collection year, the children whose findings can
    change with it: those a year's return holds while they are still looked after
    (the DfE's rules are checked for every year to this one). Which is a superset:
    every child not adopted (an adoption order ends the last episode; a child at any
    other stage may still be looked after). Where another process moved the
    findings since, it leaves them to that one."""
    db.execute("BEGIN IMMEDIATE")
    try:
        moved = db.execute(
            "UPDATE tracking SET rules = ? WHERE projection = ? AND position = ? AND generation = ? AND rules IS ?",
            [this_year, CHECKS, position, generation, year],
        ).rowcount == 1
        if not moved:
            db.rollback()
            return
        looked_after = sorted(row[0] for row in db.execute(
            "SELECT stream_id FROM children WHERE stage != 'adopted'"))
        for start in range(0, len(looked_after), CHILDREN_AT_ONCE):
            _work_out(db, looked_after[start:start + CHILDREN_AT_ONCE])
    except BaseException:
        db.rollback()
        raise
    db.commit()


def _apply(db: Database, old: int, new: int, generation: int, children: set[str], adopters: list) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        if not _move(db, old, new, generation, generation):
            db.rollback()
            return
        for event in adopters:
            ref = _household_ref(db, str(event.originator_id))
            if ref is None:
                continue
            held = _adopters_of(db, ref)
            db.execute("INSERT OR REPLACE INTO household_adopters VALUES (?, ?, ?, ?)",
                       [ref, *({**held, **event.changes}.get(k) for k in ("number", "sex", "legal_status"))])
            children |= {row[0] for row in db.execute("SELECT stream_id FROM check_children WHERE household_ref = ?", [ref])}
        ordered = sorted(children)
        for start in range(0, len(ordered), CHILDREN_AT_ONCE):
            _work_out(db, ordered[start:start + CHILDREN_AT_ONCE])
    except BaseException:
        db.rollback()
        raise
    db.commit()


def _household_ref(db: Database, stream_id: str) -> str | None:
    row = db.execute("SELECT household_ref FROM streams WHERE stream_id = ?", [stream_id]).fetchone()
    return row[0] if row else None


def _adopters_of(db: Database, household_ref: str) -> dict[str, str]:
    row = db.execute("SELECT number, sex, legal_status FROM household_adopters WHERE household_ref = ?", [household_ref]).fetchone()
    return {k: v for k, v in zip(("number", "sex", "legal_status"), row) if v} if row else {}


def _work_out(db: Database, stream_ids: list[str]) -> None:
    """The findings of these children, worked out again from the read models."""
    marks = ",".join("?" * len(stream_ids))
    streams = {row[0]: row for row in db.execute(
        f"SELECT stream_id, stream_no, local_authority, child_ref, attributes FROM streams WHERE kind = 'child' AND stream_id IN ({marks})",
        stream_ids)}
    milestones: dict[int, list[Milestone]] = {}
    numbers = [row[1] for row in streams.values()]
    details_of: dict[str, dict] = {"{}": {}}  # the same details recur (read once; the rules only read them)
    day_of: dict[str, datetime.date] = {}
    if numbers:
        in_numbers = f"stream_no IN ({','.join('?' * len(numbers))})"
        # Only the milestones the problems are worked out from (by the primary key:
        # `+name` keeps SQLite off the index by name), and the day of each child's last.
        last_day = {no: datetime.date.fromisoformat(day) for no, day in db.execute(
            f"SELECT stream_no, max(occurred_on) FROM milestones WHERE withdrawn = 0 AND {in_numbers} GROUP BY stream_no", numbers)}
        for no, event_id, name, occurred_on, details in db.execute(
            f"SELECT stream_no, event_id, name, occurred_on, details FROM milestones WHERE withdrawn = 0 AND {in_numbers} "
            f"AND +name IN ({_READS_MARKS})", [*numbers, *_READS]):
            parsed = details_of.get(details)
            if parsed is None:
                parsed = details_of[details] = jsontext.loads(details)
            day = day_of.get(occurred_on)
            if day is None:
                day = day_of[occurred_on] = datetime.date.fromisoformat(occurred_on)
            milestones.setdefault(no, []).append(Milestone(event_id, name, day, parsed))
    db.execute(f"DELETE FROM check_findings WHERE stream_id IN ({marks})", stream_ids)
    db.execute(f"DELETE FROM check_children WHERE stream_id IN ({marks})", stream_ids)
    # The adopters' details of every household these children's milestones name, in one query.
    households = sorted({d["household"] for d in details_of.values() if isinstance(d.get("household"), str)})
    adopters: dict[str, dict] = dict.fromkeys(households, {})
    for start in range(0, len(households), CHILDREN_AT_ONCE):
        some = households[start:start + CHILDREN_AT_ONCE]
        for ref, *held in db.execute(
            f"SELECT household_ref, number, sex, legal_status FROM household_adopters WHERE household_ref IN ({','.join('?' * len(some))})",
            some,
        ):
            adopters[ref] = {k: v for k, v in zip(("number", "sex", "legal_status"), held) if v}
    this_year = CollectionYear.of(clock.today())

    def adopters_of(ref: str) -> dict[str, str]:
        if ref not in adopters:
            adopters[ref] = _adopters_of(db, ref)
        return adopters[ref]

    rows, links = [], []
    for stream_id, (_, no, la, child_ref, attributes) in streams.items():
        journey = milestones.get(no, [])
        problems = record_problems(child_ref, jsontext.loads(attributes), journey, adopters_of, this_year,
                                   last_day=last_day.get(no))
        rows += [(stream_id, la, council_key(la), child_ref, p.year, p.rule, p.message, p.to_record) for p in problems]
        links.append((stream_id, adoptive_household(journey)))
    db.conn.executemany("INSERT INTO check_findings VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.conn.executemany("INSERT INTO check_children VALUES (?, ?)", links)
