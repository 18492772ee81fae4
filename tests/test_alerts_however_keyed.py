"""The same journeys give the same alerts however they are keyed (domain.md section 5,
"Closed in time"; the issue "Alerts that tell the truth when milestones are keyed late").

Milestones are often keyed long after they happened, one at a time, a file at once,
or in another order than they happened. Whichever way, once the same milestones are
in, the alerts must tell the same story about today:

- the same alerts still to deal with: the set of (child, rule, clock start, level)
  of every alert whose status is not closed (open or acknowledged), from
  `Tracker.alerts()`;
- the same breach figures: per council, how many alerts not closed are at breach;
- no alert that closed in time (its clock stopped on or before its due date) ever
  counts as a breach: `Tracker.alerts(level="breach")` never lists one;
- a closed alert says what stopped its clock as the clock now stands: its stop date
  and milestone follow the journey (point 1 of the issue), so `closed_in_time` is
  right too;
- closed-in-time alerts exist only where milestones were keyed late: the import,
  which sweeps its children once when it ends, raises nothing for a clock that had
  already stopped, so its store has no closed alert but where a date was corrected
  afterwards;
- each command swept what it changed: a daily sweep afterwards changes nothing.

The journeys are 500 seeded random ones (`journey_of(number)`: the same number
always gives the same journey), with today fixed and dates spread over about three
years before it: on time and late (each step's delay drawn within its timescale or
beyond it, a journey more or less often late), gaps (milestones never recorded),
tracked before birth, care proceedings, re-entries to care with and without a
`left_care`, reversals RD1 to RD4 and a new decision after some, matching panels,
matches made before the placement order, disruptions and re-matching, early
permanence placements, adoptions, two milestones on one day, and journeys still
under way today. Three stores are built in-process through the service:

1. **one at a time, in date order**: one `Tracker.record` per milestone (the first
   carries the child's attributes), each sweeping at today; for every fifth
   journey a person acknowledges its open alerts half way through;
2. **imported at once**: every journey in one milestones file through
   `Tracker.import_milestones`, which sweeps its children when it ends;
3. **one at a time, in a shuffled order**: each journey's milestones in a random
   order, one per command; a milestone the rules of order refuse in that order
   (a `matched` keyed after a reversal and before the new decision, say) is set
   aside and recorded at the end, in date order. To keep the run short half the
   journeys go through `Tracker.record`, the other half through imports that each
   carry one milestone of each of those children (round k: every child's k-th
   milestone of its shuffled order, `skip_invalid` setting a refused row aside):
   each child still gets one milestone per command and a sweep after it.

Then a fifth of the journeys have one date corrected (`Tracker.correct`, the same
in each store; a correction the rules refuse is refused in all three), and the
three stores are compared. On a disagreement the message names the child (council,
case id, journey number, shapes), the rule and the clock start, and shows each
store's view of that child's alerts with the journey's milestones in date order,
the shuffled order keyed and the correction: `journey_of(number).describe()` gives
them too.

By design, and not compared:

- What the alerts said on a *past* date. The import sweeps once, today, so it
  raises no alert for a clock that ran late and stopped before the import (the
  child was late then, and the scorecard and the clocks read model say so); the
  stores keyed one at a time hold those alerts, closed, with the dates they were
  breached. So `Tracker.alerts(on=a past date)` differs between the stores by what
  each was told and when; what they say about today does not.
- Milestones of one day keyed in another order. A journey's milestones are in date
  order, and those of one day in the order recorded (`in_journey_order`), which the
  rules of order and the clocks read: a `left_care` keyed before an `adm_decision`
  of the same day ends the period before the decision, which the rules then refuse.
  Keyed in another order, they are another journey: the shuffled order keeps a
  day's milestones in the order they happened (and sets a day's later milestones
  aside with an earlier one), and no correction moves a milestone onto another's
  day (where it would keep its place in the order recorded, which differs between
  the stores). Everything else is shuffled. For the same reason the order must be
  one the rules allow to the end (`keyable_order`): with a match and a placement
  keyed, a `decision_reversed` before them is refused until the new decision is
  in, and a new decision of the reversal's own day keyed first would come before
  it on that day.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import random
import time
from collections import Counter
from pathlib import Path

import pytest
from factories import write_agency, write_milestones_csv

from journey.domain import clock
from journey.domain import rules_of_order
from journey.domain.errors import JourneyError
from journey.domain.milestones import Milestone
from journey.service import Tracker
from journey.settings import Settings

SEED = 20250618
JOURNEYS = 500
TODAY = datetime.date(2025, 6, 18)  # a Wednesday
BY = "tester"
COUNCILS = (
    ("Coventry", "331", ("Coventry City Council",)),
    ("Warwickshire", "937", ()),
    ("Solihull", "334", ()),
)
COUNCIL_NAMES = tuple(name for name, _, _ in COUNCILS)
NOT_CLOSED = ("open", "acknowledged")


# ---------------------------------------------------------------------------- random journeys


@dataclasses.dataclass(frozen=True)
class Step:
    milestone: str
    on: datetime.date
    details: dict | None = None

    def describe(self) -> str:
        return f"{self.milestone} {self.on}" + (f" {self.details}" if self.details else "")


@dataclasses.dataclass
class Journey:
    number: int
    council: str
    child_ref: str
    attributes: dict
    steps: list[Step]  # in the order they happened (date order)
    shuffled: list[int]  # indexes into steps: the order the shuffled store keys them
    shapes: set[str]
    # After the keying, in every store: (index into steps, its new date), a date keyed wrongly.
    corrections: list[tuple[int, datetime.date]] = dataclasses.field(default_factory=list)

    def describe(self) -> str:
        lines = [f"journey {self.number}: {self.council} {self.child_ref} {self.attributes}; shapes {sorted(self.shapes)}"]
        lines += [f"  [{i}] {s.describe()}" for i, s in enumerate(self.steps)]
        lines.append(f"  shuffled order: {self.shuffled}")
        lines += [f"  then corrected: [{i}] {self.steps[i].milestone} {self.steps[i].on} to {on}" for i, on in self.corrections]
        return "\n".join(lines)


class _Today(Exception):
    """The journey has reached today: what is left of it has not happened yet."""


class _Builder:
    def __init__(self, rng: random.Random, start: datetime.date, late: float) -> None:
        self.rng = rng
        self.day = start
        self.late = late  # how often a step takes longer than its timescale
        self.steps: list[Step] = []
        self.shapes: set[str] = set()

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def after(self, on_time: tuple[int, int], late: tuple[int, int] | None = None, *, same_day: bool = True) -> datetime.date:
        """The next day: within `on_time` days, or (self.late of the time) within
        `late`; now and then (with `same_day`) the day of the last milestone."""
        low, high = late if late is not None and self.chance(self.late) else on_time
        if same_day and self.steps and self.chance(0.03):  # two milestones on one day
            low = high = 0
            self.shapes.add("same_day")
        self.day += datetime.timedelta(days=self.rng.randint(low, high))
        if self.day > TODAY:
            raise _Today
        return self.day

    def record(self, milestone: str, on_time: tuple[int, int], late: tuple[int, int] | None = None,
               details: dict | None = None, *, keep: float = 1.0) -> bool:
        """`milestone` after a delay (see `after`), or (1 - keep of the time) a gap."""
        # A placement on the day of the adoption order breaks a rule of order.
        on = self.after(on_time, late, same_day=milestone != "adoption_order")
        if not self.chance(keep):
            self.shapes.add(f"gap:{milestone}")
            return False
        self.steps.append(Step(milestone, on, details))
        return True


def journey_of(number: int) -> Journey:
    """Journey `number` of the run: the same number gives the same journey."""
    rng = random.Random(SEED * 10_000 + number)
    council = COUNCIL_NAMES[number % len(COUNCIL_NAMES)]
    late = rng.choice([0.0, 0.1, 0.3, 0.6, 0.9])
    start = TODAY - datetime.timedelta(days=rng.randrange(20, 1100))
    b = _Builder(rng, start, late)
    b.shapes.add("on_time" if late == 0.0 else "often_late" if late >= 0.6 else "sometimes_late")
    attributes: dict = {}
    try:
        _child_journey(b, attributes)
    except _Today:
        b.shapes.add("in_progress")
    if not b.steps:
        b.steps.append(Step("entered_care", min(b.day, TODAY), {"legal_status": "C2"}))
    journey = Journey(number, council, f"AK-{number:04d}", attributes, b.steps, keyable_order(rng, b.steps, attributes), b.shapes)
    if rng.random() < 0.2:
        _a_date_corrected(rng, journey)
    return journey


def _a_date_corrected(rng: random.Random, journey: Journey) -> None:
    """One milestone's date corrected after the keying (a milestone of a name and
    date shared by another is left alone: the correction would have to pick one)."""
    i = rng.randrange(len(journey.steps))
    step = journey.steps[i]
    if sum((s.milestone, s.on) == (step.milestone, step.on) for s in journey.steps) > 1:
        return
    new_on = min(step.on + datetime.timedelta(days=rng.choice([-1, 1]) * rng.randint(1, 60)), TODAY)
    # Not onto another milestone's day: there the order recorded decides which came
    # first, and that differs between the stores (another journey; see the docstring).
    if all(s.on != new_on for s in journey.steps):
        journey.corrections.append((i, new_on))
        journey.shapes.add(f"corrected:{step.milestone}")


def keyable_order(rng: random.Random, steps: list[Step], attributes: dict) -> list[int]:
    """A shuffled order (`shuffled_order`) in which the journey can be keyed: one
    where each milestone the rules of order refuse, set aside and recorded at the
    end in date order, is then accepted. Not every order is: with a match and a
    placement keyed, a `decision_reversed` before them is refused until the new
    `adm_decision` is in, and a new decision of the reversal's day keyed first
    would come before it on that day (another journey). A few tries, else date order."""
    for _ in range(20):
        order = shuffled_order(rng, steps)
        if keyed_in_order(steps, order, attributes.get("date_of_birth")) is not None:
            return order
    return list(range(len(steps)))


def keyed_in_order(steps: list[Step], order: list[int], dob: datetime.date | None) -> list[int] | None:
    """The steps set aside when keying `steps` in `order` as `key_shuffled` does,
    by the rules of order (journey.domain.rules_of_order); None when one set aside
    is still refused at the end."""
    keyed: list[Milestone] = []
    set_aside: list[int] = []

    def accepted(i: int) -> bool:
        step = steps[i]
        proposed = Milestone(len(keyed) + 1, step.milestone, step.on, step.details or {})
        born = step.on if step.milestone == "born" else dob
        if rules_of_order.new_breaches(rules_of_order.breaches(keyed, dob, TODAY),
                                       rules_of_order.breaches(keyed + [proposed], born, TODAY)):
            return False
        keyed.append(proposed)
        return True

    for i in order:
        if any(steps[j].on == steps[i].on for j in set_aside) or not accepted(i):
            set_aside.append(i)
    if not all(accepted(i) for i in sorted(set_aside)):
        return None
    return set_aside


def shuffled_order(rng: random.Random, steps: list[Step]) -> list[int]:
    """A random order of `steps` (their indexes), but for milestones of one day,
    which stay in the order they happened: a day's milestones are in the order
    recorded (domain.md section 2), so keying them in another order would key
    another journey."""
    order = list(range(len(steps)))
    rng.shuffle(order)
    by_day: dict[datetime.date, list[int]] = {}
    for i in order:
        by_day.setdefault(steps[i].on, []).append(i)
    in_day_order = {day: iter(sorted(found)) for day, found in by_day.items()}
    return [next(in_day_order[steps[i].on]) for i in order]


def _child_journey(b: _Builder, attributes: dict) -> None:
    rng = b.rng
    if b.chance(0.12):  # tracked before birth
        due = b.day + datetime.timedelta(days=rng.randint(40, 160))
        b.steps.append(Step("unborn_identified", b.day, {"expected_due_date": due}))
        b.shapes.add("pre_birth")
        if b.chance(0.5):
            b.record("pre_proceedings_started", (1, 30))
        if b.chance(0.4):  # a plan before the baby is due, or not
            b.record("permanence_plan", (5, 30), (170, 260), {"plan": "adoption"})
        attributes["date_of_birth"] = b.after((20, 150))
        b.record("born", (0, 0), keep=0.7)
    else:
        if b.chance(0.9):
            attributes["date_of_birth"] = b.day - datetime.timedelta(days=rng.randrange(0, 2500))
        if b.chance(0.3):
            b.record("pre_proceedings_started", (0, 30))
    if b.chance(0.35):
        b.record("care_proceedings_issued", (0, 60))
        b.shapes.add("proceedings")
    if b.chance(0.8):
        attributes["sex"] = rng.choice(["1", "2"])
    if b.chance(0.7):
        attributes["ethnicity"] = rng.choice(["WBRI", "MWBC", "BAFR", "APKN", "WOTH"])

    for period in range(1, 4):
        if period > 1:
            b.shapes.add("re_entry")
        # A decision with no entered_care before it is a gap, but one before a later
        # entry to care breaks a rule of order: a journey with that gap has one period.
        entered = b.record("entered_care", (0, 40), None, {"legal_status": rng.choice(["C1", "C2", "V2"])},
                           keep=0.95 if period == 1 else 1.0)
        if b.chance(0.5):  # plan-by-second-review: 4 months
            b.record("permanence_plan", (10, 100), (125, 260), {"plan": "adoption"})
        foster_carers = None
        early_on = None
        if b.chance(0.15):
            foster_carers = f"HH-{rng.randrange(300):03d}"
            if b.record("early_permanence_placement", (0, 30), None,
                        {"kind": rng.choice(["ffa", "concurrent"]), "household": foster_carers}):
                early_on = b.day
            b.shapes.add("early_permanence")
        outcome = _plans(b, foster_carers, early_on)
        if outcome == "adopted" or not entered:
            return
        if outcome == "re_entry_without_left_care":
            b.shapes.add("re_entry_without_left_care")
            b.after((30, 400))
            continue
        if not b.chance(0.5):  # left care: perhaps back later
            return
        b.shapes.add("re_entry_after_left_care")
        b.after((30, 500))


def _turn(b: _Builder) -> str | None:
    """Perhaps the plan ends here: a reversal, leaving care, a new period of care, or today."""
    roll = b.rng.random()
    if roll < 0.07:
        return "reversed"
    if roll < 0.10:
        return "left_care"
    if roll < 0.12:
        return "re_entry_without_left_care"
    if roll < 0.18:
        raise _Today  # nothing more has happened yet
    return None


def _plans(b: _Builder, foster_carers: str | None, early_on: datetime.date | None) -> str:
    """The plans of one period of care: 'adopted', 'left_care' or 're_entry_without_left_care'."""
    rng = b.rng
    reversed_before = False
    while True:
        # A match after a reversal needs a new decision (a rule of order): no gap there.
        b.record("adm_decision", (20, 110), (130, 300), keep=1.0 if reversed_before else 0.9)
        if b.chance(0.5):  # decision-to-register: 3 months
            b.record("register_referral", (5, 80), (95, 200))
        ended = _turn(b)
        household = None
        authority = rng.choice(["placement_order"] * 6 + ["freeing_order", "consent", None])
        if not ended and b.chance(0.06):
            # Matched before the order was made: no order-to-match clock starts.
            household = foster_carers or f"HH-{rng.randrange(300):03d}"
            b.record("matched", (20, 118), (125, 300), {"household": household})
            b.record("placement_order", (1, 60), None, {"authority": authority} if authority else None)
            b.shapes.add("matched_before_order")
            ended = _turn(b)
            if not ended:
                ended = _placement(b, household, foster_carers, early_on)
        if not ended and household is None:
            b.record("placement_order", (20, 150), (190, 300), {"authority": authority} if authority else None, keep=0.85)
            ended = _turn(b)
        if not ended and household is None:
            household = foster_carers if foster_carers and b.chance(0.7) else f"HH-{rng.randrange(300):03d}"
            if b.chance(0.4):  # order-to-match: 121 days, warned at 90
                b.record("match_panel", (20, 110), (125, 260), {"household": household})
                b.shapes.add("match_panel")
                matched = b.record("matched", (0, 9), (12, 40), {"household": household}, keep=0.95)
            else:
                matched = b.record("matched", (20, 118), (125, 300), {"household": household}, keep=0.95)
            if not matched:
                b.shapes.add("gap:matched")
            ended = _turn(b)
            if not ended:
                ended = _placement(b, household, foster_carers, early_on)
        if ended == "adopted":
            return ended
        if ended == "reversed":
            reason = rng.choice(["RD1", "RD2", "RD3", "RD4"])
            b.record("decision_reversed", (10, 200), None, {"reason": reason})
            b.shapes.add(f"reversed:{reason}")
            roll = rng.random()
            if roll < 0.5:
                b.shapes.add("new_decision_after_reversal")
                reversed_before = True
                continue
            if roll < 0.8:
                ended = "left_care"
            else:
                raise _Today
        if ended == "left_care":
            b.record("left_care", (10, 300), None, {"reason": rng.choice(["returned home", "special guardianship", "other"])})
            b.shapes.add("left_care")
            return ended
        if ended == "re_entry_without_left_care":
            return ended
        raise AssertionError(ended)


def _placement(b: _Builder, household: str, foster_carers: str | None, early_on: datetime.date | None) -> str:
    rng = b.rng
    for placement in range(3):
        details: dict = {"household": household}
        if household == foster_carers:
            details["foster_carer_adoption"] = True
            if early_on is not None and b.chance(0.6):
                details["moved_in_on"] = early_on
        b.record("placed", (0, 40), (60, 200), details, keep=0.97)
        if b.chance(0.12):
            b.shapes.add("disruption")
            b.record("disruption", (20, 300), None, {"reason": "placement ended"})
            roll = rng.random()
            if roll < 0.6 and placement < 2:
                b.shapes.add("rematched")
                household = f"HH-{rng.randrange(300):03d}"
                b.record("matched", (30, 110), (130, 300), {"household": household})
                continue
            if roll < 0.8:
                return "reversed"
            raise _Today  # waiting again
        if b.chance(0.6):
            b.record("adoption_application", (30, 200))
        b.record("adoption_order", (30, 250), None, {"household": household})
        b.shapes.add("adopted")
        return "adopted"
    raise _Today


# ---------------------------------------------------------------------------- keying them


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def rows_of(journey: Journey, indexes) -> list[dict]:
    """The journey's steps `indexes` as rows of a milestones file (with the child's attributes)."""
    attributes = {k: _cell(v) for k, v in journey.attributes.items()}
    rows = []
    for i in indexes:
        s = journey.steps[i]
        rows.append({"child_ref": journey.child_ref, "local_authority": journey.council, "milestone": s.milestone,
                     "occurred_on": s.on.isoformat(), **attributes,
                     **{k: _cell(v) for k, v in (s.details or {}).items()}})
    return rows


def fresh_tracker(data_dir: Path) -> Tracker:
    write_agency(data_dir, councils=[{"name": n, "code": c, "aliases": list(a)} for n, c, a in COUNCILS])
    return Tracker(Settings(data_dir=data_dir))


def record_step(tracker: Tracker, journey: Journey, i: int, *, first: bool) -> None:
    s = journey.steps[i]
    tracker.record(journey.council, journey.child_ref, s.milestone, s.on, s.details, recorded_by=BY,
                   attributes=journey.attributes if first else None)


# In store 1, every this-many-th journey has its alerts acknowledged by a person
# half way through its keying: acknowledged alerts must end as the open ones do.
ACKNOWLEDGED_EVERY = 5


def key_in_date_order(tracker: Tracker, journeys: list[Journey]) -> int:
    """Store 1: one `Tracker.record` per milestone, in the order they happened;
    returns how many alerts were acknowledged on the way."""
    acknowledged = 0
    for journey in journeys:
        half = len(journey.steps) // 2 if journey.number % ACKNOWLEDGED_EVERY == 0 else None
        for i in range(len(journey.steps)):
            if i == half and i > 0:
                acknowledged += acknowledge_open(tracker, journey)
            record_step(tracker, journey, i, first=i == 0)
    return acknowledged


def acknowledge_open(tracker: Tracker, journey: Journey) -> int:
    found = [a for a in tracker.alerts(la=journey.council, status="open") if a["child_ref"] == journey.child_ref]
    for a in found:
        tracker.acknowledge_alert(a["id"], by=BY, note="family finding widened")
    return len(found)


def key_at_once(tracker: Tracker, journeys: list[Journey], work_dir: Path) -> dict:
    """Store 2: every journey in one milestones file."""
    path = write_milestones_csv(work_dir / "all.csv", [r for j in journeys for r in rows_of(j, range(len(j.steps)))])
    return tracker.import_milestones(path, recorded_by=BY)


def key_shuffled(tracker: Tracker, journeys: list[Journey], work_dir: Path) -> dict[int, list[int]]:
    """Store 3: each journey's milestones in its shuffled order, one per command;
    the refused set aside and recorded at the end in date order. Returns the steps
    set aside, by journey number."""
    set_aside: dict[int, list[int]] = {}

    def waits(journey: Journey, i: int) -> bool:
        """Whether step `i` must wait for the end: a milestone of its day was set
        aside before it (a day's milestones stay in the order they happened)."""
        day = journey.steps[i].on
        return any(journey.steps[j].on == day for j in set_aside.get(journey.number, ()))

    by_record = [j for j in journeys if j.number % 2 == 0]
    by_rounds = [j for j in journeys if j.number % 2 == 1]
    for journey in by_record:
        started = False
        for i in journey.shuffled:
            if waits(journey, i):
                set_aside[journey.number].append(i)
                continue
            try:
                record_step(tracker, journey, i, first=not started)
                started = True
            except JourneyError:
                set_aside.setdefault(journey.number, []).append(i)
    for k in range(max((len(j.steps) for j in by_rounds), default=0)):
        keyed = []
        for j in by_rounds:
            if k < len(j.shuffled):
                if waits(j, j.shuffled[k]):
                    set_aside[j.number].append(j.shuffled[k])
                else:
                    keyed.append(j)
        path = write_milestones_csv(work_dir / f"round-{k}.csv", [r for j in keyed for r in rows_of(j, [j.shuffled[k]])])
        done = tracker.import_milestones(path, skip_invalid=True, recorded_by=BY)
        skipped = {c["child_ref"] for c in done["skipped_children"]}
        for j in keyed:
            if j.child_ref in skipped:
                set_aside.setdefault(j.number, []).append(j.shuffled[k])
    by_number = {j.number: j for j in journeys}
    for number, indexes in set_aside.items():
        journey = by_number[number]
        assert sorted(indexes) == sorted(keyed_in_order(journey.steps, journey.shuffled, journey.attributes.get("date_of_birth"))), (
            f"set aside {sorted(indexes)}, not as the rules of order say:\n{journey.describe()}")
        for i in sorted(indexes):
            record_step(tracker, journey, i, first=False)
    return set_aside


def correct_dates(tracker: Tracker, journeys: list[Journey]) -> dict[int, str]:
    """Every journey's corrections, through `Tracker.correct`; returns journey number ->
    "corrected" or the rule that refused it (the same journey refuses alike in every store)."""
    outcome = {}
    for journey in journeys:
        for i, new_on in journey.corrections:
            s = journey.steps[i]
            try:
                tracker.correct(journey.council, journey.child_ref, s.milestone, s.on, new_on,
                                reason="keyed from the wrong letter", recorded_by=BY)
                outcome[journey.number] = "corrected"
            except JourneyError as error:
                outcome[journey.number] = error.rule or type(error).__name__
    return outcome


# ---------------------------------------------------------------------------- the three stores

STORES = ("one at a time", "imported", "shuffled")


@dataclasses.dataclass
class Run:
    trackers: dict[str, Tracker]
    journeys: list[Journey]
    set_aside: dict[int, list[int]]
    acknowledged: int
    corrected: dict[str, dict[int, str]]  # store -> journey number -> "corrected" or the rule that refused it
    seconds: dict[str, float]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    clock.set_today(TODAY)
    work_dir = tmp_path_factory.mktemp("however-keyed")
    journeys = [journey_of(n) for n in range(JOURNEYS)]
    trackers = {name: fresh_tracker(work_dir / name.replace(" ", "-")) for name in STORES}
    seconds = {}
    started = time.perf_counter()
    acknowledged = key_in_date_order(trackers["one at a time"], journeys)
    seconds["one at a time"] = time.perf_counter() - started
    started = time.perf_counter()
    done = key_at_once(trackers["imported"], journeys, work_dir)
    assert not done["problems"], done["problems"][:5]
    seconds["imported"] = time.perf_counter() - started
    started = time.perf_counter()
    set_aside = key_shuffled(trackers["shuffled"], journeys, work_dir)
    seconds["shuffled"] = time.perf_counter() - started
    started = time.perf_counter()
    corrected = {name: correct_dates(tracker, journeys) for name, tracker in trackers.items()}
    seconds["corrections"] = time.perf_counter() - started
    print(f"\n{JOURNEYS} journeys, {sum(len(j.steps) for j in journeys)} milestones;"
          f" {sum(map(len, set_aside.values()))} set aside in the shuffled order; {acknowledged} acknowledged;"
          f" {Counter(corrected['one at a time'].values())} corrections;"
          f" seconds {({k: round(v, 1) for k, v in seconds.items()})}")
    try:
        yield Run(trackers, journeys, set_aside, acknowledged, corrected, seconds)
    finally:
        for tracker in trackers.values():
            tracker.close()
            tracker.store.close()
        clock.set_today(None)


def not_closed(tracker: Tracker) -> dict[tuple, dict]:
    """(council, child, rule, clock start, level) -> the alert, for every alert not closed."""
    return {
        (a["local_authority"], a["child_ref"] or a["household"], a["rule"], a["started_on"], a["level"]): a
        for a in tracker.alerts() if a["status"] in NOT_CLOSED
    }


def child_view(tracker: Tracker, la: str, ref: str) -> list[str]:
    return [
        f"      {a['rule']} started {a['started_on']} due {a['due_on']}: {a['status']} at {a['level']}"
        f" (raised {a['raised_on']}, closed {a['closed_on']} by {a['stopped_by']}, in time {a['closed_in_time']})"
        for a in sorted(tracker.alerts(la=la), key=lambda a: (a["rule"], a["started_on"]))
        if a["child_ref"] == ref
    ]


def explain(run: Run, keys: list[tuple]) -> str:
    """Each child and rule that disagrees, with the three stores' views of the child."""
    by_ref = {(j.council, j.child_ref): j for j in run.journeys}
    lines = []
    shown: set[tuple] = set()
    for key in sorted(keys)[:15]:
        la, ref, rule, started_on, level = key
        held = [name for name in STORES if key in not_closed_cache(run)[name]]
        lines.append(f"{la} {ref}: {rule} started {started_on} at {level}: not closed in {held}, closed or absent in the others")
        if (la, ref) in shown:
            continue
        shown.add((la, ref))
        journey = by_ref.get((la, ref))
        if journey is not None:
            lines.append("  " + journey.describe().replace("\n", "\n  "))
            if journey.number in run.set_aside:
                lines.append(f"  set aside in the shuffled order, recorded at the end: {sorted(run.set_aside[journey.number])}")
        for name in STORES:
            lines.append(f"    {name}:")
            lines += child_view(run.trackers[name], la, ref) or ["      (no alert)"]
    if len(keys) > 15:
        lines.append(f"... and {len(keys) - 15} more")
    shapes = Counter(s for k in keys if (k[0], k[1]) in by_ref for s in by_ref[(k[0], k[1])].shapes)
    lines.append(f"shapes of the journeys that disagree: {dict(shapes.most_common())}")
    return "\n".join(lines)


_CACHE: dict[int, dict[str, dict]] = {}


def not_closed_cache(run: Run) -> dict[str, dict[tuple, dict]]:
    found = _CACHE.get(id(run))
    if found is None:
        found = _CACHE[id(run)] = {name: not_closed(t) for name, t in run.trackers.items()}
    return found


# ---------------------------------------------------------------------------- the tests


def test_the_journeys_reach_every_shape_and_each_store_holds_them_all(run, tmp_path):
    shapes = Counter(s for j in run.journeys for s in j.shapes)
    for shape in (
        "on_time", "sometimes_late", "often_late", "pre_birth", "proceedings", "gap:adm_decision", "gap:matched",
        "re_entry_after_left_care", "re_entry_without_left_care", "reversed:RD1", "reversed:RD2", "reversed:RD3",
        "reversed:RD4", "new_decision_after_reversal", "match_panel", "disruption", "rematched",
        "early_permanence", "adopted", "left_care", "in_progress",
    ):
        assert shapes[shape] >= 5, f"only {shapes[shape]} journeys of shape {shape}"
    assert run.set_aside, "some milestones are refused in a shuffled order (and recorded at the end)"
    assert run.corrected["imported"] == run.corrected["one at a time"] == run.corrected["shuffled"]
    assert sum(o == "corrected" for o in run.corrected["one at a time"].values()) >= 50
    exported = {}
    for name, tracker in run.trackers.items():
        path = tmp_path / f"{name}.csv"
        tracker.export_milestones(path)
        with open(path, newline="", encoding="utf-8") as f:
            # In journey order: a day's milestones in the order recorded.
            exported[name] = [
                (r["local_authority"], r["child_ref"], r["occurred_on"], r["milestone"], r.get("household", "")) for r in csv.DictReader(f)
            ]
    assert len(exported["one at a time"]) == sum(len(j.steps) for j in run.journeys)
    assert exported["imported"] == exported["one at a time"]
    assert exported["shuffled"] == exported["one at a time"]


def test_the_same_alerts_are_open_however_keyed(run):
    views = not_closed_cache(run)
    assert views["one at a time"], "some alerts are open today"
    differ = sorted(set().union(*views.values()) - set.intersection(*(set(v) for v in views.values())))
    assert not differ, f"{len(differ)} open alert(s) differ between the stores:\n" + explain(run, differ)


def test_the_same_breach_figures_per_council_however_keyed(run):
    figures = {}
    for name, tracker in run.trackers.items():
        breaches = tracker.alerts(level="breach")
        in_time = [a for a in breaches if a["closed_in_time"]]
        assert not in_time, f"{name}: closed-in-time alerts listed as breaches: {in_time[:3]}"
        figures[name] = {
            la: sum(1 for a in breaches if a["local_authority"] == la and a["status"] in NOT_CLOSED)
            for la in COUNCIL_NAMES
        }
        for la in COUNCIL_NAMES:
            assert all(a["local_authority"] == la for a in tracker.alerts(la=la, level="breach"))
    assert figures["imported"] == figures["one at a time"] == figures["shuffled"], figures


def clock_stops(tracker: Tracker) -> dict[tuple, tuple]:
    """(council, child, rule, clock start) -> (stopped_on, stopped_by) of every child clock in the clocks read model."""
    conn = tracker.read_models().conn
    return {
        (r[0], r[1], r[2], r[3]): (r[4], r[5])
        for r in conn.execute(
            "SELECT local_authority, child_ref, rule_id, started_on, stopped_on, stopped_by FROM clocks WHERE subject = 'child'")
    }


def test_closed_alerts_say_what_stopped_their_clock_and_only_late_keying_closes_in_time(run):
    corrected = {(j.council, j.child_ref) for j in run.journeys if run.corrected["imported"].get(j.number) == "corrected"}
    imported = [a for a in run.trackers["imported"].alerts(status="closed") if (a["local_authority"], a["child_ref"]) not in corrected]
    assert imported == [], f"the import closed alerts it raised itself, with no correction since: {imported[:3]}"
    wrong = []
    in_time = 0
    for name, tracker in run.trackers.items():
        stops = clock_stops(tracker)
        for a in tracker.alerts(status="closed"):
            stop = stops.get((a["local_authority"], a["child_ref"], a["rule"], a["started_on"]))
            if stop is None or stop[0] is None:
                continue  # the clock is gone, or runs again without a level: closed without a milestone
            if (a["closed_on"], a["stopped_by"]) != stop:
                wrong.append(f"{name}: {a['local_authority']} {a['child_ref']} {a['rule']} started {a['started_on']}:"
                             f" closed {a['closed_on']} by {a['stopped_by']}, but its clock stopped {stop[0]} by {stop[1]}")
            in_time += bool(a["closed_in_time"])
    assert not wrong, f"{len(wrong)} closed alert(s) name another stop than their clock's:\n" + "\n".join(wrong[:20])
    assert in_time, "keyed late, some alerts closed in time"


def test_a_daily_sweep_after_the_commands_finds_nothing_to_change(run):
    """Each command swept what it changed: the alerts already say what the clocks say today."""
    for name, tracker in run.trackers.items():
        before = {a["id"]: a for a in tracker.alerts()}
        report = tracker.sweep_alerts()
        changed = [a for a in tracker.alerts() if before.get(a["id"]) != a]
        assert report["counts"] == {} and not changed, f"{name}: {report['description']}\n" + "\n".join(
            f"  {a['local_authority']} {a['child_ref']} {a['rule']} started {a['started_on']}: was {before.get(a['id'])}, now {a}"
            for a in changed[:10])
