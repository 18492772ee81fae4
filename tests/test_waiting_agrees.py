"""Who is waiting, asked three ways, gives one answer (domain.md sections 2 and 4).

Waiting has one definition everywhere (domain.md section 2): an `adm_decision` in
the current plan of the current period of care, not yet placed, not exited. The
tracker answers "who is waiting" in three places, and on one date (today) they
must agree, for every council and for all councils together:

- the waiting list, `Tracker.waiting(la=...)` (its default list: a decision, not
  yet placed): how many children, and how many at each of their `stage`s;
- the board report's children waiting,
  `Tracker.quarterly_report(QUARTER, la=...)["children_waiting"]`: `children` and
  `by_stage`. Its figures are "on" the earlier of the quarter's last day and today
  (`projections/reports.py`); QUARTER is the financial quarter holding TODAY, so
  they are on today (checked);
- the stage counts, `Tracker.stages(la=...)["stages"]`: the children waiting are
  those at the stages `decision` (a decision, no court authority yet),
  `authority` (placement order or consent, not matched) and `matched` (matched,
  not placed): `WAITING_STAGES` below, as `projections.queries.WAITING_STAGES`
  (the default list of `LIST_STAGES`) and domain.md define them. `placed`,
  `adopted`, `exited`, `in_care`, `pre_care` and `pre_birth` are not waiting.

The journeys are 1,000 seeded random ones (`journey_of(number)`: the same number
always gives the same journey), recorded in-process through the service (never
the CLI), with today fixed: a fifth of them one command a milestone
(`Tracker.child`, then `Tracker.record` for each), the rest in one milestones file
through `Tracker.import_milestones` (the same rules of order, checked per child;
one command a milestone for all 1,000 took about a minute, this about 20 s), and
then every journey's corrections and withdrawals through `Tracker.correct` and
`Tracker.withdraw`. Their shapes: gaps (milestones never recorded),
re-entries to care with and without a `left_care` between, reversals
(`decision_reversed`, RD1 to RD4) and a later new `adm_decision`, disruptions and
re-matching, early permanence placements (foster carers who adopt), adoptions,
milestones keyed out of order, corrections of dates and withdrawals of milestones,
across four councils of one agency (named by name, alias, code or in another
case). A command the rules of order refuse raises a `JourneyError`, writes
nothing and is counted; the journey goes on with its next command (a child the
import refuses is left out whole, and counted). Most must be accepted.

On a disagreement the message names the council, the stage, and each child that
disagrees: its council and case id, its journey number (print its commands with
`journey_of(number).describe()`), its shapes, its stage and whether the list and
the board report's rule count it.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
import time
from collections import Counter
from pathlib import Path

import pytest
from factories import write_agency, write_milestones_csv

from journey.domain import clock
from journey.domain.errors import JourneyError
from journey.domain.milestones import Milestone
from journey.domain.waiting import current_dates
from journey.service import Tracker
from journey.settings import Settings

WAITING_STAGES = ("decision", "authority", "matched")

SEED = 20241120
JOURNEYS = 1000
# A Wednesday in 2024-25 Q3 (October to December 2024), not its last day: the
# report's waiting figures are on min(2024-12-31, today) = today.
TODAY = datetime.date(2024, 11, 20)
QUARTER = "2024-25-Q3"
QUARTER_DAYS = (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31))
BY = "tester"

# (name, code, aliases): the agency's councils, and how each may be typed.
COUNCILS = (
    ("Coventry", "331", ("Coventry City Council",)),
    ("Warwickshire", "937", ()),
    ("Solihull", "334", ()),
    ("Herefordshire", "884", ("Herefordshire Council",)),
)
COUNCIL_NAMES = tuple(name for name, _, _ in COUNCILS)

# At least this share of the commands (and of the imported children) must be accepted.
MOST_ACCEPTED = 0.90


# ---------------------------------------------------------------------------- random journeys


@dataclasses.dataclass(frozen=True)
class Record:
    milestone: str
    on: datetime.date
    details: dict | None = None


@dataclasses.dataclass(frozen=True)
class Correct:
    target: int  # the index, in the journey's commands, of the Record it corrects
    new_on: datetime.date
    details: dict | None = None


@dataclasses.dataclass(frozen=True)
class Withdraw:
    target: int


@dataclasses.dataclass
class Journey:
    number: int
    council: str  # the council's name
    typed_as: str  # how its commands name the council
    child_ref: str
    attributes: dict
    commands: list
    shapes: set

    def describe(self) -> str:
        """The journey's commands, one a line (to reproduce a failure by hand)."""
        lines = [f"journey {self.number}: {self.council} {self.child_ref} (typed as {self.typed_as!r}) {self.attributes}"]
        for i, c in enumerate(self.commands):
            if isinstance(c, Record):
                lines.append(f"  [{i}] record {c.milestone} {c.on} {c.details or ''}")
            elif isinstance(c, Correct):
                target = self.commands[c.target]
                lines.append(f"  [{i}] correct [{c.target}] {target.milestone} to {c.new_on} {c.details or ''}")
            else:
                lines.append(f"  [{i}] withdraw [{c.target}] {self.commands[c.target].milestone}")
        return "\n".join(lines)


class _Today(Exception):
    """The journey has reached today: what is left of it has not happened yet."""


class _Builder:
    def __init__(self, rng: random.Random, start: datetime.date) -> None:
        self.rng = rng
        self.day = start
        self.commands: list = []
        self.shapes: set[str] = set()
        self.early_permanence_on: datetime.date | None = None  # in this period of care

    def later(self, low: int, high: int) -> datetime.date:
        self.day += datetime.timedelta(days=self.rng.randint(low, high))
        if self.day > TODAY:
            raise _Today
        return self.day

    def record(self, milestone: str, low: int, high: int, details: dict | None = None, *, keep: float = 1.0) -> int | None:
        """Record `milestone` low..high days after the last one, or (1 - keep of
        the time) leave it out: a gap."""
        on = self.later(low, high)
        if self.rng.random() >= keep:
            self.shapes.add(f"gap:{milestone}")
            return None
        self.commands.append(Record(milestone, on, details))
        return len(self.commands) - 1

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


def journey_of(number: int) -> Journey:
    """Journey `number` of the run: the same number gives the same journey."""
    rng = random.Random(SEED * 10_000 + number)
    name, code, aliases = COUNCILS[number % len(COUNCILS)]
    typed_as = rng.choice([name, name, name, name.upper(), code, *aliases])
    # Two journeys share each case id, in different councils: a council's ids are its own.
    child_ref = f"CH-{number // 2:04d}"
    start = TODAY - datetime.timedelta(days=rng.randrange(30, 3300))
    b = _Builder(rng, start)
    attributes: dict = {}
    try:
        _child_journey(b, attributes)
    except _Today:
        b.shapes.add("in_progress")
    _keyed_out_of_order(b)
    _corrections_and_withdrawals(b)
    if not any(isinstance(c, Record) for c in b.commands):
        b.commands.append(Record("entered_care", min(b.day, TODAY), {"legal_status": "C2"}))
    return Journey(number, name, typed_as, child_ref, attributes, b.commands, b.shapes)


def _child_journey(b: _Builder, attributes: dict) -> None:
    rng = b.rng
    if b.chance(0.12):  # tracked before birth
        due = b.day + datetime.timedelta(days=rng.randint(40, 160))
        b.record("unborn_identified", 0, 0, {"expected_due_date": due})
        if b.chance(0.5):
            b.record("pre_proceedings_started", 1, 30)
        birth = b.later(20, 150)
        attributes["date_of_birth"] = birth
        b.record("born", 0, 0, keep=0.7)
        b.shapes.add("pre_birth")
    else:
        if b.chance(0.92):
            attributes["date_of_birth"] = b.day - datetime.timedelta(days=rng.randrange(0, 3000))
        if b.chance(0.3):
            b.record("pre_proceedings_started", 0, 30)
        if b.chance(0.4):
            b.record("care_proceedings_issued", 0, 60)
    if b.chance(0.8):
        attributes["sex"] = rng.choice(["1", "2"])
    if b.chance(0.8):
        attributes["ethnicity"] = rng.choice(["WBRI", "MWBC", "BAFR", "APKN", "REFU", "WOTH"])
    if b.chance(0.3):
        attributes["disability"] = rng.choice([True, False])
    if b.chance(0.2):
        attributes["sibling_group"] = f"SG-{rng.randrange(50)}"

    for period in range(1, 4):
        if period > 1:
            b.shapes.add("re_entry")
        b.record("entered_care", 0, 40, {"legal_status": rng.choice(["C1", "C2", "V2"])}, keep=0.95)
        if b.chance(0.4):
            b.record("permanence_plan", 5, 90, {"plan": "adoption"})
        foster_carers = b.early_permanence_on = None
        if b.chance(0.15):
            foster_carers = f"HH-{rng.randrange(300):03d}"
            if b.record("early_permanence_placement", 0, 30, {"kind": rng.choice(["ffa", "concurrent"]), "household": foster_carers}) is not None:
                b.early_permanence_on = b.day
            b.shapes.add("early_permanence")
        outcome = _plans(b, foster_carers)
        if outcome == "adopted":
            return
        if outcome == "re_entry_without_left_care":
            b.shapes.add("re_entry_without_left_care")
            continue
        # outcome == "left_care": perhaps back in care later.
        if not b.chance(0.5):
            return
        b.shapes.add("re_entry_after_left_care")
        b.later(30, 500)


def _plans(b: _Builder, foster_carers: str | None) -> str:
    """The plans of one period of care: 'adopted', 'left_care' or
    're_entry_without_left_care' (the next entered_care follows with no left_care)."""
    rng = b.rng

    def turn() -> str | None:
        """Perhaps the plan ends here: a reversal, leaving care, a new period of care."""
        roll = rng.random()
        if roll < 0.06:
            return "reversed"
        if roll < 0.09:
            return "left_care"
        if roll < 0.12:
            return "re_entry_without_left_care"
        if roll < 0.20:
            raise _Today  # nothing more has happened yet: the child stays where it is
        return None

    while True:
        b.record("adm_decision", 20, 250, keep=0.9)
        ended = turn()
        if not ended:
            authority = rng.choice(["placement_order"] * 6 + ["freeing_order", "consent", "consent", None])
            b.record("placement_order", 20, 200, {"authority": authority} if authority else None, keep=0.85)
            for name in ("family_finding_started", "register_referral"):
                if b.chance(0.5):
                    b.record(name, 0, 40)
            ended = turn()
        if not ended:
            household = foster_carers if foster_carers and b.chance(0.7) else f"HH-{rng.randrange(300):03d}"
            if b.chance(0.4):
                b.record("link_identified", 5, 120, {"household": household})
            if b.chance(0.4):
                b.record("match_panel", 5, 60, {"household": household})
            b.record("matched", 0, 200, {"household": household, "interagency": b.chance(0.2)}, keep=0.95)
            ended = turn()
        if not ended:
            ended = _placement(b, household, foster_carers)
        if ended == "adopted":
            return "adopted"
        if ended == "reversed":
            reason = rng.choice(["RD1", "RD2", "RD3", "RD4"])
            b.record("decision_reversed", 10, 200, {"reason": reason})
            b.shapes.add(f"reversed:{reason}")
            roll = rng.random()
            if roll < 0.5:
                b.shapes.add("new_decision_after_reversal")
                continue  # a new adm_decision, later, in the same period of care
            if roll < 0.75:
                ended = "left_care"
            else:
                raise _Today
        if ended == "left_care":
            b.record("left_care", 10, 300, {"reason": rng.choice(["returned home", "special guardianship", "other"])})
            return "left_care"
        if ended == "re_entry_without_left_care":
            b.later(30, 400)
            return ended
        raise AssertionError(ended)


def _placement(b: _Builder, household: str, foster_carers: str | None) -> str | None:
    rng = b.rng
    for placement in range(3):
        details: dict = {"household": household}
        if household == foster_carers:
            details["foster_carer_adoption"] = True
            if b.early_permanence_on is not None and b.chance(0.6):
                details["moved_in_on"] = b.early_permanence_on
        b.record("placed", 0, 60, details, keep=0.97)
        if b.chance(0.1):
            b.shapes.add("disruption")
            b.record("disruption", 20, 400, {"reason": "placement ended"})
            roll = rng.random()
            if roll < 0.6 and placement < 2:
                b.shapes.add("rematched")
                household = f"HH-{rng.randrange(300):03d}"
                b.record("matched", 30, 300, {"household": household})
                continue
            if roll < 0.8:
                return "reversed"
            raise _Today  # waiting again, at authority
        if b.chance(0.6):
            b.record("adoption_application", 30, 200)
        b.record("adoption_order", 30, 250)
        b.shapes.add("adopted")
        return "adopted"
    raise _Today


def _keyed_out_of_order(b: _Builder) -> None:
    """Sometimes two milestones are keyed in the other order (a late keying)."""
    records = len(b.commands)
    if records >= 2 and b.chance(0.08):
        i = b.rng.randrange(records - 1)
        b.commands[i], b.commands[i + 1] = b.commands[i + 1], b.commands[i]
        b.shapes.add("keyed_out_of_order")


def _corrections_and_withdrawals(b: _Builder) -> None:
    """Some journeys have a date (or a reversal's reason) corrected, or a
    milestone withdrawn, after they were recorded."""
    rng = b.rng
    records = [i for i, c in enumerate(b.commands) if isinstance(c, Record)]
    if not records:
        return
    withdrawn: set[int] = set()
    current = {i: b.commands[i].on for i in records}
    reasons = {i: (b.commands[i].details or {}).get("reason") for i in records}
    for _ in range(rng.choice([0, 0, 0, 0, 1, 1, 2])):
        target = rng.choice(records)
        milestone = b.commands[target].milestone
        if milestone == "decision_reversed" and rng.random() < 0.3:
            reason = rng.choice([r for r in ("RD1", "RD2", "RD3", "RD4") if r != reasons[target]])
            reasons[target] = reason
            b.commands.append(Correct(target, current[target], {"reason": reason}))
        else:
            shift = rng.choice([-1, 1]) * rng.randint(1, 60)
            new_on = min(current[target] + datetime.timedelta(days=shift), TODAY)
            if new_on == current[target]:
                continue
            current[target] = new_on
            b.commands.append(Correct(target, new_on))
        b.shapes.add(f"corrected:{milestone}")
    for _ in range(rng.choice([0, 0, 0, 0, 0, 1, 1])):
        target = rng.choice(records)
        if target in withdrawn:
            continue
        withdrawn.add(target)
        b.commands.append(Withdraw(target))
        b.shapes.add(f"withdrawn:{b.commands[target].milestone}")


# ---------------------------------------------------------------------------- recording them

# Journeys whose number is a multiple of this are recorded one command a
# milestone (`Tracker.child`, then `Tracker.record` for each); the others are
# written in one milestones file through `Tracker.import_milestones` (checked
# by the same rules of order), which is much quicker. Every journey's
# corrections and withdrawals then go through `Tracker.correct` and `withdraw`.
ONE_BY_ONE_EVERY = 5


@dataclasses.dataclass
class Tally:
    commands: int = 0  # child, record, correct and withdraw commands
    accepted: int = 0
    refused: Counter = dataclasses.field(default_factory=Counter)
    not_applicable: int = 0  # an edit of a milestone whose record was refused
    imported_children: int = 0
    skipped_children: list = dataclasses.field(default_factory=list)  # refused whole by the import
    seconds: dict = dataclasses.field(default_factory=dict)
    recorded: set = dataclasses.field(default_factory=set)  # numbers of the journeys in the store

    def refused_total(self) -> int:
        return sum(self.refused.values())


def _command(tally: Tally, kind: str, call) -> object:
    """Run one command; a refusal (a JourneyError) is counted, not raised."""
    tally.commands += 1
    try:
        done = call()
    except JourneyError as error:
        tally.refused[f"{type(error).__name__} ({kind})"] += 1
        return None
    tally.accepted += 1
    return done


def record_one_by_one(tracker: Tracker, journey: Journey, tally: Tally) -> dict[int, list]:
    """The journey's records, one `Tracker.record` each (after `Tracker.child`
    with its attributes); returns index of each accepted Record -> [event_id, date]."""
    la, ref = journey.typed_as, journey.child_ref
    _command(tally, "child", lambda: tracker.child(la, ref, journey.attributes, recorded_by=BY))
    recorded: dict[int, list] = {}
    for i, c in enumerate(journey.commands):
        if isinstance(c, Record):
            done = _command(tally, "record", lambda: tracker.record(la, ref, c.milestone, c.on, c.details, recorded_by=BY))
            if done is not None:
                recorded[i] = [done["event_id"], c.on]
    return recorded


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def milestone_rows(journey: Journey) -> list[dict]:
    """The journey's records as rows of a milestones file, in the order keyed."""
    attributes = {k: _cell(v) for k, v in journey.attributes.items()}
    return [
        {"child_ref": journey.child_ref, "local_authority": journey.typed_as, "milestone": c.milestone,
         "occurred_on": c.on.isoformat(), **attributes, **{k: _cell(v) for k, v in (c.details or {}).items()}}
        for c in journey.commands if isinstance(c, Record)
    ]


def imported_event_ids(tracker: Tracker, journey: Journey) -> dict[int, list]:
    """Index of each Record -> [event_id, date], read back from the child's
    journey: the import writes a child's rows in date order, rows of one day in
    the order of the file."""
    written = sorted(tracker.child_summary(journey.typed_as, journey.child_ref)["milestones"], key=lambda m: m["event_id"])
    keyed = sorted((c.on, i) for i, c in enumerate(journey.commands) if isinstance(c, Record))
    recorded: dict[int, list] = {}
    for (on, i), m in zip(keyed, written):
        assert (m["milestone"], m["occurred_on"]) == (journey.commands[i].milestone, on.isoformat()), journey.describe()
        recorded[i] = [m["event_id"], on]
    return recorded


def edit_one_by_one(tracker: Tracker, journey: Journey, recorded: dict[int, list], tally: Tally) -> None:
    """The journey's corrections and withdrawals, each through `Tracker.correct`
    or `Tracker.withdraw`, naming the milestone by its current date and event id."""
    la, ref = journey.typed_as, journey.child_ref
    for c in journey.commands:
        if isinstance(c, Record):
            continue
        if c.target not in recorded:
            tally.not_applicable += 1
            continue
        milestone = journey.commands[c.target].milestone
        event_id, on = recorded[c.target]
        if isinstance(c, Correct):
            done = _command(tally, "correct", lambda: tracker.correct(
                la, ref, milestone, on, c.new_on, details=c.details, event_id=event_id, reason="keyed wrongly", recorded_by=BY))
            if done is not None:
                recorded[c.target][1] = c.new_on
        else:
            done = _command(tally, "withdraw", lambda: tracker.withdraw(
                la, ref, milestone, on, event_id=event_id, reason="recorded in error", recorded_by=BY))
            if done is not None:
                del recorded[c.target]


def record_journeys(tracker: Tracker, journeys: list[Journey], work_dir: Path) -> Tally:
    tally = Tally()
    one_by_one = [j for j in journeys if j.number % ONE_BY_ONE_EVERY == 0]
    imported = [j for j in journeys if j.number % ONE_BY_ONE_EVERY != 0]
    recorded: dict[int, dict[int, list]] = {}

    started = time.perf_counter()
    for journey in one_by_one:
        recorded[journey.number] = record_one_by_one(tracker, journey, tally)
    tally.seconds["one by one"] = time.perf_counter() - started

    started = time.perf_counter()
    path = write_milestones_csv(work_dir / "journeys.csv", [r for j in imported for r in milestone_rows(j)])
    done = tracker.import_milestones(path, skip_invalid=True, recorded_by=BY)
    skipped = {(c["local_authority"], c["child_ref"]) for c in done["skipped_children"]}
    tally.skipped_children = sorted(skipped)
    for journey in imported:
        if (journey.typed_as, journey.child_ref) not in skipped:
            tally.imported_children += 1
            recorded[journey.number] = imported_event_ids(tracker, journey)
    tally.seconds["import"] = time.perf_counter() - started

    started = time.perf_counter()
    for journey in journeys:
        if journey.number in recorded:
            edit_one_by_one(tracker, journey, recorded[journey.number], tally)
    tally.recorded = set(recorded)
    tally.seconds["corrections and withdrawals"] = time.perf_counter() - started
    return tally


@dataclasses.dataclass
class Run:
    tracker: Tracker
    journeys: list[Journey]  # those in the store (not refused whole by the import)
    tally: Tally


@pytest.fixture(scope="module")
def today_is_fixed():
    clock.set_today(TODAY)
    yield TODAY
    clock.set_today(None)


def fresh_tracker(data_dir: Path) -> Tracker:
    write_agency(data_dir, councils=[{"name": n, "code": c, "aliases": list(a)} for n, c, a in COUNCILS])
    return Tracker(Settings(data_dir=data_dir))


@pytest.fixture(scope="module")
def run(tmp_path_factory, today_is_fixed) -> Run:
    work_dir = tmp_path_factory.mktemp("waiting")
    tracker = fresh_tracker(work_dir / "var")
    journeys = [journey_of(n) for n in range(JOURNEYS)]
    tally = record_journeys(tracker, journeys, work_dir)
    print(
        f"\n{JOURNEYS} journeys: {tally.imported_children} imported, {len(tally.skipped_children)} refused by the import;"
        f" {tally.commands} commands, {tally.refused_total()} refused {dict(tally.refused)};"
        f" seconds {({k: round(v, 1) for k, v in tally.seconds.items()})}"
    )
    yield Run(tracker, [j for j in journeys if j.number in tally.recorded], tally)
    tracker.close()
    tracker.store.close()


# ---------------------------------------------------------------------------- the three views


@dataclasses.dataclass
class Views:
    listed: list[dict]  # the waiting list's entries
    report: dict  # the board report's children_waiting
    stages: dict[str, int]  # children at each stage

    def counts(self) -> dict[str, dict[str, int]]:
        """Stage -> view -> count, for every stage any view counts as waiting."""
        by_list = Counter(e["stage"] for e in self.listed)
        by_report = self.report["by_stage"]
        rows = {}
        for stage in sorted(set(WAITING_STAGES) | set(by_list) | set(by_report)):
            rows[stage] = {
                "waiting list": by_list.get(stage, 0),
                "board report": by_report.get(stage, 0),
                "stage counts": self.stages.get(stage, 0) if stage in WAITING_STAGES else 0,
            }
        return rows

    def totals(self) -> dict[str, int]:
        return {
            "waiting list": len(self.listed),
            "board report": self.report["children"],
            "stage counts": sum(self.stages.get(s, 0) for s in WAITING_STAGES),
        }


def views(tracker: Tracker, la: str | None) -> Views:
    report = tracker.quarterly_report(QUARTER, la=la)["children_waiting"]
    return Views(tracker.waiting(la=la), report, tracker.stages(la=la)["stages"])


def disagreeing_children(tracker: Tracker, journeys: list[Journey], listed: list[dict], la: str | None) -> list[str]:
    """One line per child that the views do not count alike: in the waiting list
    or not, at a waiting stage or not (its stream's stage today), counted by the
    board report's rule or not (`current_dates(milestones, today).waiting`, what
    `projections.reports.children_waiting_on` counts)."""
    on_list = {(e["local_authority"], e["child_ref"]): e for e in listed}
    lines = []
    for journey in journeys:
        if la is not None and journey.council != la:
            continue
        summary = tracker.child_summary(journey.council, journey.child_ref)
        milestones = [
            Milestone(m["event_id"], m["milestone"], datetime.date.fromisoformat(m["occurred_on"]), m["details"])
            for m in summary["milestones"]
        ]
        by_report = current_dates(milestones, TODAY).waiting
        entry = on_list.get((journey.council, journey.child_ref))
        at_waiting_stage = summary["stage"] in WAITING_STAGES
        if by_report == at_waiting_stage == (entry is not None):
            continue
        lines.append(
            f"  {journey.council} {journey.child_ref} (journey {journey.number}): stage {summary['stage']}"
            f" since {summary['stage_since']}; waiting list: {'listed' if entry else 'not listed'}"
            f"{' (its row says waiting=' + str(entry['waiting']) + ')' if entry else ''};"
            f" board report's rule: {'waiting' if by_report else 'not waiting'};"
            f" shapes: {', '.join(sorted(journey.shapes))};"
            f" milestones: {', '.join(m.name + ' ' + m.occurred_on.isoformat() for m in milestones)}"
        )
    return lines


def disagreement(tracker: Tracker, journeys: list[Journey], la: str | None) -> str | None:
    """None when the three views agree; otherwise what differs, by stage, and the children."""
    seen = views(tracker, la)
    counts, totals = seen.counts(), seen.totals()
    bad_stages = {stage: row for stage, row in counts.items() if len(set(row.values())) > 1}
    if not bad_stages and len(set(totals.values())) == 1:
        return None
    council = la or "all councils"
    lines = [f"{council}: the views of who is waiting on {TODAY} disagree; totals {totals}"]
    for stage, row in bad_stages.items():
        lines.append(f"  stage {stage}: {row}")
    children = disagreeing_children(tracker, journeys, seen.listed, la)
    by_stage: dict[str, list[str]] = {}
    for line in children:
        stage = line.split(": stage ", 1)[1].split(" ", 1)[0]
        by_stage.setdefault(stage, []).append(line)
    for stage, found in sorted(by_stage.items()):
        lines.append(f"{council}, stage {stage}: {len(found)} children disagree:")
        lines += found[:25]
        if len(found) > 25:
            lines.append(f"  ... and {len(found) - 25} more")
    shapes = Counter(s for line in children for s in line.split("shapes: ", 1)[1].split(";", 1)[0].split(", "))
    lines.append(f"{council}: shapes of the disagreeing children: {dict(shapes.most_common())}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- the tests


def test_the_journeys_were_recorded_and_reach_every_shape(run):
    tally = run.tally
    assert tally.accepted >= MOST_ACCEPTED * tally.commands, (
        f"only {tally.accepted} of {tally.commands} commands accepted: {dict(tally.refused)}"
    )
    imported = JOURNEYS - -(-JOURNEYS // ONE_BY_ONE_EVERY)
    assert tally.imported_children >= MOST_ACCEPTED * imported, f"the import refused {tally.skipped_children}"
    shapes = Counter(s for j in run.journeys for s in j.shapes)  # of the journeys in the store
    for shape in (
        "gap:adm_decision", "gap:entered_care", "re_entry_after_left_care", "re_entry_without_left_care",
        "reversed:RD1", "reversed:RD2", "reversed:RD3", "reversed:RD4", "new_decision_after_reversal",
        "disruption", "rematched", "early_permanence", "adopted", "keyed_out_of_order", "in_progress",
    ):
        assert shapes[shape] >= 5, f"only {shapes[shape]} journeys of shape {shape}"
    assert sum(n for s, n in shapes.items() if s.startswith("corrected:")) >= 50
    assert sum(n for s, n in shapes.items() if s.startswith("withdrawn:")) >= 50
    stages = run.tracker.stages()["stages"]
    assert sum(stages.values()) == len(run.journeys) == JOURNEYS - len(tally.skipped_children)
    assert all(stages[s] > 0 for s in ("in_care", *WAITING_STAGES, "placed", "adopted", "exited")), stages
    per_council = [sum(run.tracker.stages(la=name)["stages"].values()) for name in COUNCIL_NAMES]
    assert per_council == [sum(j.council == name for j in run.journeys) for name in COUNCIL_NAMES]


@pytest.mark.parametrize("la", [*COUNCIL_NAMES, None], ids=[*COUNCIL_NAMES, "all councils"])
def test_waiting_list_board_report_and_stage_counts_agree(run, la):
    report = run.tracker.quarterly_report(QUARTER, la=la)
    assert (report["from"], report["to"]) == tuple(d.isoformat() for d in QUARTER_DAYS)
    assert report["children_waiting"]["on"] == TODAY.isoformat()
    problem = disagreement(run.tracker, run.journeys, la)
    assert problem is None, problem


def test_all_councils_together_are_the_sum_of_each_council(run):
    together = views(run.tracker, None)
    each = [views(run.tracker, name) for name in COUNCIL_NAMES]
    for view in ("waiting list", "board report", "stage counts"):
        assert together.totals()[view] == sum(v.totals()[view] for v in each), view
    assert sorted((e["local_authority"], e["child_ref"]) for e in together.listed) == sorted(
        (e["local_authority"], e["child_ref"]) for v in each for e in v.listed
    )


# ---------------------------------------------------------------------------- the known case

FIRST_PERIOD = [
    ("entered_care", "2022-01-10", {"legal_status": "C2"}),
    ("adm_decision", "2022-06-01", None),
]
RE_ENTRY_WITHOUT_LEFT_CARE = [*FIRST_PERIOD, ("entered_care", "2023-03-01", {"legal_status": "C1"})]
RE_ENTRY_AFTER_LEFT_CARE = [
    *FIRST_PERIOD,
    ("left_care", "2022-09-01", {"reason": "returned home"}),
    ("entered_care", "2023-03-01", {"legal_status": "C1"}),
]
# Matched in the first period, then a new period (no left_care) with a new decision:
# waiting again, at the stage of the new plan (decision), not the old one (matched).
RE_ENTRY_WITHOUT_LEFT_CARE_THEN_A_DECISION = [
    *FIRST_PERIOD,
    ("placement_order", "2022-08-01", {"authority": "placement_order"}),
    ("matched", "2022-12-01", {"household": "HH-RE"}),
    ("entered_care", "2023-03-01", {"legal_status": "C1"}),
    ("adm_decision", "2023-09-01", None),
]


@pytest.mark.parametrize(
    "steps, stage",
    [
        (RE_ENTRY_WITHOUT_LEFT_CARE, "in_care"),
        (RE_ENTRY_AFTER_LEFT_CARE, "in_care"),
        (RE_ENTRY_WITHOUT_LEFT_CARE_THEN_A_DECISION, "decision"),
    ],
    ids=["without left_care", "after left_care", "without left_care, then a new decision"],
)
def test_a_new_period_of_care_forgets_the_earlier_decision_in_all_three_views(tmp_path, today_is_fixed, steps, stage):
    """entered_care, adm_decision, entered_care again: a new period of care, so the
    earlier decision does not count (domain.md section 2): stage `in_care`, and
    waiting in none of the three views, whether or not a left_care was recorded.
    With a new decision in the new period the child waits again, at stage
    `decision` (the new plan's furthest point), in all three views."""
    tracker = fresh_tracker(tmp_path / "var")
    try:
        for milestone, on, details in steps:
            tracker.record("Coventry", "CV-RE", milestone, on, details, recorded_by=BY)
        # Beside it, in another council, a child who is waiting.
        tracker.record("Solihull", "SH-WAITS", "entered_care", "2022-01-10", recorded_by=BY)
        tracker.record("Solihull", "SH-WAITS", "adm_decision", "2022-06-01", recorded_by=BY)

        re_entered_waits = stage in WAITING_STAGES
        coventry = {
            "listed": [("CV-RE", stage)] if re_entered_waits else [],
            "report": (1, {stage: 1}) if re_entered_waits else (0, {}),
            "stages": {stage: 1},
        }
        solihull = {"listed": [("SH-WAITS", "decision")], "report": (1, {"decision": 1}), "stages": {"decision": 1}}
        together = {
            "listed": sorted(coventry["listed"] + solihull["listed"]),
            "report": (coventry["report"][0] + 1, dict(Counter(coventry["report"][1]) + Counter(solihull["report"][1]))),
            "stages": dict(Counter(coventry["stages"]) + Counter(solihull["stages"])),
        }
        expected = {"Coventry": coventry, "Solihull": solihull, None: together}
        found = {}
        for la in expected:
            seen = views(tracker, la)
            found[la] = {
                "listed": sorted((e["child_ref"], e["stage"]) for e in seen.listed),
                "report": (seen.report["children"], seen.report["by_stage"]),
                "stages": {s: n for s, n in seen.stages.items() if n},
            }
        found_stage = tracker.child_summary("Coventry", "CV-RE")["stage"]
        wrong = [
            f"{la or 'all councils'}, {view}: {found[la][view]} (expected {want[view]})"
            for la, want in expected.items() for view in want if found[la][view] != want[view]
        ]
        assert (found_stage, wrong) == (stage, []), (
            f"Coventry CV-RE ({', '.join(m for m, _, _ in steps)}) is at stage {found_stage} (expected {stage});"
            f" views that disagree: {'; '.join(wrong) or 'none'}"
        )
    finally:
        tracker.close()
        tracker.store.close()
