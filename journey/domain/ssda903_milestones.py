"""A child's milestones from the SSDA903 return's rows (domain.md section 6).

`child_from_return` reads one child's rows of the Header, Episodes, AD1 and
PlacedAdoption tables (objects with `file`, `number` and cells by column, as the
importer reads them) and gives the milestones the 903 can carry, each with the
row it came from, or the problems that refuse the child (codes outside the DfE's
lists for the year a row falls in, malformed or missing dates) and the DfE
validation rules it breaks, which only warn.

How the milestones are read from the episodes (a period of care starts at an
episode with RNE S and ends at one whose REC is not X1):

- `entered_care`: DECOM of an episode with RNE S (legal_status its LS);
- `placement_order`: DECOM of the first episode of each run with LS E1 (a
  placement order) or D1 (a freeing order): a second order follows a revoked one;
- a carer: the episodes from one with RNE S, P or B (a new carer) through those
  that keep the carer (RNE T, U or L). The import gives each carer who fosters for
  adoption or adopts a household of their own (`household_ref`);
- `early_permanence_placement`: DECOM of an episode with PLACE U2 or U5 that does
  not continue one with the same carer;
- `placed`: DECOM of an episode with PLACE A3 to A6 that starts a period or follows
  an episode with another PLACE or another carer; an adoption placement episode
  after one with the same carer (a change of legal status) continues the same
  placement. An A3 or A5 placement (with the current foster carer) is a
  foster-carer adoption, unless AD1 says FOSTER_CARE 0, and `moved_in_on` is the
  date the carer's first episode began;
- s.19 consent: an A3 or A4 placement (with consent) in a period with no order
  and no consent before it gives a `placement_order` with authority consent, dated
  the placement (the 903 has no date of consent: it adds one only when the tracker
  holds none, and never corrects one);
- `disruption`: DECOM of an episode with a PLACE other than A3 to A6 after an
  adoption placement episode in the same period;
- `adoption_order`: DEC of the episode with REC E11 or E12;
- `left_care`: DEC of an episode ending a period with any other REC (its reason);
- `adm_decision` and `decision_reversed`: PlacedAdoption's DATE_PLACED (the date
  of the decision) and DATE_PLACED_CEASED with an RD reason;
- `matched`: AD1's DATE_MATCH, with the household of the placement it leads to.

The tables may hold a council's whole history (a year's rows repeated in the next
year's return are read once): each row is checked against the code lists of the
year its date falls in, or of the return's year when one is given. The tables
begin where they begin: the first episode they hold of a period begun before them
(RNE other than S) begins only what its RNE says changed (a new carer with P or B,
a new placement with T or U, a new legal status with L, B or U); the rest began
before the tables, and is not derived again.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Sequence
from typing import Any, Protocol

from journey.domain.ssda903_codes import CodeLists, CollectionYear

ADOPTION_PLACEMENTS = frozenset({"A3", "A4", "A5", "A6"})
WITH_FOSTER_CARER = frozenset({"A3", "A5"})
WITH_CONSENT = frozenset({"A3", "A4"})
EARLY_PERMANENCE_PLACEMENTS = frozenset({"U2", "U5"})
NEW_CARER = frozenset({"S", "P", "B"})
LEGAL_STATUS_CHANGED = frozenset({"S", "L", "B", "U"})
PLACEMENT_CHANGED = frozenset({"S", "P", "T", "B", "U"})
ADOPTED = frozenset({"E11", "E12"})
EPISODE_GOES_ON = "X1"
AUTHORITY_OF_LEGAL_STATUS = {"E1": "placement_order", "D1": "freeing_order"}
# Freeing orders were replaced by placement orders when the Adoption and Children
# Act 2002 came into force.
FREEING_ORDERS_ENDED = datetime.date(2005, 12, 30)
# The milestones the 903 carries, and the table each is read from.
TABLE_OF_MILESTONE = {
    "entered_care": "Episodes", "placement_order": "Episodes", "early_permanence_placement": "Episodes",
    "placed": "Episodes", "disruption": "Episodes", "adoption_order": "Episodes", "left_care": "Episodes",
    "adm_decision": "PlacedAdoption", "decision_reversed": "PlacedAdoption", "matched": "AD1",
}
MILESTONES_903 = frozenset(TABLE_OF_MILESTONE)
_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


class Row(Protocol):
    file: str
    number: int

    def __getitem__(self, column: str) -> str: ...


@dataclasses.dataclass(frozen=True)
class Finding:
    """A problem (refuses the child) or a warning (a DfE rule; imported anyway),
    naming the file and row it is about."""

    file: str
    row: int | None
    rule: str
    message: str


@dataclasses.dataclass(frozen=True)
class Derived:
    """A milestone the return gives, from the row and column it was read from.
    `period` is the return's period of care it falls in (`Period.index`)."""

    name: str
    occurred_on: datetime.date
    details: dict[str, Any]
    period: int
    file: str
    row: int
    column: str
    # Dated by what the 903 shows rather than when it happened (s.19 consent, which
    # the return dates only by the placement it allowed): added when the tracker
    # holds none, never a correction of one it holds.
    approximate: bool = False

    @property
    def source(self) -> str:
        return f"{self.file} row {self.row} {self.column}"


@dataclasses.dataclass
class Period:
    """A period of care as the episodes show it; `start` is None when it began
    before the tables do. `ends` is the DEC that ended it (None: still in care)."""

    index: int
    start: datetime.date | None
    first_episode_on: datetime.date
    ends: datetime.date | None = None


@dataclasses.dataclass
class ChildInReturn:
    child_ref: str
    attributes: dict[str, Any] = dataclasses.field(default_factory=dict)
    milestones: list[Derived] = dataclasses.field(default_factory=list)
    periods: list[Period] = dataclasses.field(default_factory=list)
    problems: list[Finding] = dataclasses.field(default_factory=list)
    warnings: list[Finding] = dataclasses.field(default_factory=list)
    # household reference -> the adopters' details AD1 gives it
    adopters: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    years: set[CollectionYear] = dataclasses.field(default_factory=set)
    tables: set[str] = dataclasses.field(default_factory=set)  # the tables with rows of the child


@dataclasses.dataclass
class _Episode:
    row: Row
    decom: datetime.date
    rne: str
    ls: str
    place: str
    dec: datetime.date | None
    rec: str


def parse_903_date(text: str) -> datetime.date:
    """A 903 date, dd/mm/YYYY; ValueError otherwise."""
    found = _DATE.fullmatch(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a date written dd/mm/YYYY")
    day, month, year = (int(g) for g in found.groups())
    return datetime.date(year, month, day)


def household_ref(council_code: str, child_ref: str, moved_in: datetime.date) -> str:
    """The household the import gives the carer a child moved in with on `moved_in`
    (the 903 names no household): the council, the child and the day the placement
    began, so it is the same in every return that holds the placement."""
    return f"903-{council_code}-{child_ref}-{moved_in:%Y%m%d}"


class _Reader:
    """Checks a child's cells, noting each problem against its row."""

    def __init__(self, child: ChildInReturn, codes: CodeLists, year: CollectionYear | None):
        self.child, self.codes, self.year = child, codes, year

    def problem(self, row: Row | None, rule: str, message: str) -> None:
        self.child.problems.append(Finding(row.file if row else "", row.number if row else None, rule,
                                           f"child {self.child.child_ref}: {message}"))

    def warn(self, row: Row | None, rule: str, message: str) -> None:
        self.child.warnings.append(Finding(row.file if row else "", row.number if row else None, rule,
                                           f"child {self.child.child_ref}: {message}"))

    def date(self, row: Row, column: str, *, required: bool = True) -> datetime.date | None:
        text = row[column]
        if not text:
            if required:
                self.problem(row, "missing value", f"{column} is empty")
            return None
        try:
            day = parse_903_date(text)
        except ValueError as e:
            self.problem(row, "malformed date", f"{column} {e}")
            return None
        self.child.years.add(CollectionYear.of(day))
        return day

    def code(self, row: Row, column: str, when: datetime.date | None, *, required: bool = True) -> str:
        text = row[column].upper()
        if not text:
            if required:
                self.problem(row, "missing value", f"{column} is empty")
            return ""
        year = self.year or (CollectionYear.of(when) if when else None)
        if not self.codes.valid(column, text, year):
            self.problem(row, "code outside the DfE list", self.codes.why_not(column, text, year))
            return ""
        return text


def child_from_return(
    child_ref: str,
    header: Sequence[Row],
    episodes: Sequence[Row],
    ad1: Sequence[Row],
    placed_adoption: Sequence[Row],
    *,
    codes: CodeLists,
    council_code: str,
    year: CollectionYear | None = None,
    known_carers: Sequence[tuple[datetime.date, str]] = (),
) -> ChildInReturn:
    """The child's attributes and milestones as the return gives them (see the module).

    `known_carers` are (the day the child moved in, household) of the carers the
    tracker already knows (its early permanence placements): a period that began
    before the tables, whose first episode keeps its carer, is with the latest of
    them by then."""
    child = ChildInReturn(child_ref)
    child.tables = {name for name, rows in (("Header", header), ("Episodes", episodes), ("AD1", ad1),
                                            ("PlacedAdoption", placed_adoption)) if rows}
    read = _Reader(child, codes, year)
    _attributes(read, header, ad1, placed_adoption)
    episode_list = _episodes(read, episodes)
    ad1_rows = _ad1(read, ad1)
    decisions = _placed_adoption(read, placed_adoption)
    if child.problems:
        return child
    # A3 and A5 are placements with the current foster carer: a foster-carer
    # adoption, unless AD1 says otherwise (FOSTER_CARE 0, which the DfE's rule 335 questions).
    foster_carer = not any(fc == "0" for _, fc, *_ in ad1_rows)
    _from_episodes(read, episode_list, foster_carer, council_code, sorted(known_carers))
    for row, decided, ceased, reason in decisions:
        period = _period_on(child.periods, decided)
        child.milestones.append(Derived("adm_decision", decided, {}, period, row.file, row.number, "DATE_PLACED"))
        if ceased and reason in ("RD1", "RD2", "RD3", "RD4"):
            child.milestones.append(Derived("decision_reversed", ceased, {"reason": reason}, _period_on(child.periods, ceased),
                                            row.file, row.number, "DATE_PLACED_CEASED"))
        elif ceased and not reason:
            read.warn(row, "DfE rule", "DATE_PLACED_CEASED is given with no REASON_PLACED_CEASED: no reversal imported")
    _matches(read, ad1_rows, decisions)
    child.milestones = _once_each(child.milestones)
    return child


def _attributes(read: _Reader, header, ad1, placed_adoption) -> None:
    child = read.child
    if not header:
        read.problem(None, "missing value", "no row in the Header table")
        return
    if len({(r["SEX"], r["DOB"], r["ETHNIC"]) for r in header}) > 1:
        rows = ", ".join(f"{r.file} row {r.number}" for r in header)
        read.problem(header[-1], "attributes disagree", f"the Header rows ({rows}) give different SEX, DOB or ETHNIC")
        return
    row = header[-1]
    dob = read.date(row, "DOB")
    when = dob
    sex = read.code(row, "SEX", when)
    ethnic = read.code(row, "ETHNIC", when)
    if dob:
        child.attributes["date_of_birth"] = dob
    if sex:
        child.attributes["sex"] = sex
    if ethnic:
        child.attributes["ethnicity"] = ethnic
    for other in [*ad1, *placed_adoption]:
        if other["DOB"] and dob and other["DOB"] != row["DOB"]:
            read.problem(other, "attributes disagree", f"DOB {other['DOB']} differs from the Header's {row['DOB']}")


def _episodes(read: _Reader, rows) -> list[_Episode]:
    episodes = []
    for row in rows:
        decom = read.date(row, "DECOM")
        dec = read.date(row, "DEC", required=False)
        rne = read.code(row, "RNE", decom)
        ls = read.code(row, "LS", decom)
        place = read.code(row, "PLACE", decom)
        rec = read.code(row, "REC", dec, required=dec is not None)
        if row["REC"] and not row["DEC"]:
            read.problem(row, "missing value", "REC is given but DEC is empty")
        if decom and dec and dec < decom:
            read.problem(row, "rule of order", f"DEC {row['DEC']} is before DECOM {row['DECOM']}")
        if decom and rne and ls and place:
            episodes.append(_Episode(row, decom, rne, ls, place, dec, rec))
    # A year's rows repeated in the next year's return: one episode, the later's end.
    by_start: dict[tuple, _Episode] = {}
    for episode in sorted(episodes, key=lambda e: (e.decom, e.row.file, e.row.number)):
        key = (episode.decom, episode.rne, episode.ls, episode.place)
        held = by_start.get(key)
        if held is not None and held.dec and episode.dec and held.dec != episode.dec:
            read.warn(episode.row, "episode ends differ", f"the episode of {episode.row['DECOM']} ends on "
                      f"{episode.row['DEC']} here and {held.row['DEC']} in {held.row.file} row {held.row.number}: "
                      "the later row is taken")
        if held is None or episode.dec is not None:
            by_start[key] = episode
    return sorted(by_start.values(), key=lambda e: (e.decom, e.dec or datetime.date.max))


def _ad1(read: _Reader, rows) -> list[tuple]:
    """Each AD1 row: (row, FOSTER_CARE, DATE_MATCH, DATE_INT, the adopters' details)."""
    found = []
    for row in rows:
        interest = read.date(row, "DATE_INT", required=False)
        matched = read.date(row, "DATE_MATCH", required=False)
        when = matched or interest
        foster_care = read.code(row, "FOSTER_CARE", when, required=False)
        adopters = {
            "number": read.code(row, "NB_ADOPTR", when, required=False),
            "sex": read.code(row, "SEX_ADOPTR", when, required=False),
            "legal_status": read.code(row, "LS_ADOPTR", when, required=False),
        }
        missing = [c for c in ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR") if not row[c]]
        if missing:
            read.warn(row, "DfE rule", f"AD1 is not complete: {', '.join(missing)} empty")
        found.append((row, foster_care, matched, interest, {k: v for k, v in adopters.items() if v}))
    return found


def _placed_adoption(read: _Reader, rows):
    found = []
    for row in rows:
        decided = read.date(row, "DATE_PLACED")
        ceased = read.date(row, "DATE_PLACED_CEASED", required=False)
        reason = read.code(row, "REASON_PLACED_CEASED", ceased or decided, required=False)
        if decided:
            found.append((row, decided, ceased, reason))
    return found


def _period_on(periods: list[Period], day: datetime.date) -> int:
    """The return's period of care `day` falls in: the last begun on or before it
    (-1: before any the tables hold)."""
    found = -1
    for period in periods:
        if (period.start or period.first_episode_on) <= day:
            found = period.index
    return found


def _from_episodes(read: _Reader, episodes: list[_Episode], foster_carer: bool, council_code: str,
                   known_carers: list[tuple[datetime.date, str]]) -> None:
    child = read.child
    add = child.milestones.append
    period: Period | None = None
    previous: _Episode | None = None  # the episode before, in this period
    moved_in: datetime.date | None = None  # when the current carer's first episode began
    seen_from: datetime.date | None = None  # or, when that is before the tables, their first episode of the carer
    carer: str | None = None  # the carer's household, when the tracker named it
    ordered = consented_or_ordered = False
    for episode in episodes:
        row = episode.row
        starts = episode.rne == "S"
        if starts or period is None or period.ends is not None:
            if not starts and period is not None:
                read.warn(row, "DfE rule", f"the episode of {row['DECOM']} follows the end of a period of care "
                          "but does not start one (RNE is not S)")
            period = Period(len(child.periods), episode.decom if starts else None, episode.decom)
            child.periods.append(period)
            previous, ordered, consented_or_ordered = None, False, False
            moved_in = episode.decom if episode.rne in NEW_CARER else None
            seen_from, carer = episode.decom, None
            if moved_in is None:  # a carer from before the tables: the tracker's, if it knows one
                moved_in, carer = next(((day, ref) for day, ref in reversed(known_carers) if day <= episode.decom), (None, None))
        elif episode.rne in NEW_CARER:
            moved_in, carer = episode.decom, None
        # The first episode the tables hold of a period begun before them: what its
        # RNE says changed at it began at it, the rest began before.
        first_held = previous is None and not starts
        status_changed = not first_held or episode.rne in LEGAL_STATUS_CHANGED
        placement_changed = not first_held or episode.rne in PLACEMENT_CHANGED
        index = period.index
        if starts:
            add(Derived("entered_care", episode.decom, {"legal_status": episode.ls}, index, row.file, row.number, "DECOM"))
        authority = AUTHORITY_OF_LEGAL_STATUS.get(episode.ls)
        consented_or_ordered = consented_or_ordered or bool(authority) or (
            episode.place in WITH_CONSENT and not placement_changed)
        if not authority:
            ordered = False
        elif not ordered:
            ordered = True
            if status_changed:
                add(Derived("placement_order", episode.decom, {"authority": authority}, index, row.file, row.number, "DECOM"))
                if authority == "freeing_order" and episode.decom >= FREEING_ORDERS_ENDED:
                    read.warn(row, "DfE rule", f"a freeing order (LS D1) from {row['DECOM']}: freeing orders ended on "
                              "30/12/2005; imported as a freeing order")
        new_carer = episode.rne in NEW_CARER
        household = carer or household_ref(council_code, child.child_ref, moved_in or seen_from)
        if episode.place in EARLY_PERMANENCE_PLACEMENTS and placement_changed and (
            new_carer or previous is None or previous.place not in EARLY_PERMANENCE_PLACEMENTS
        ):
            add(Derived("early_permanence_placement", episode.decom, {"household": household}, index, row.file, row.number, "DECOM"))
        if episode.place in ADOPTION_PLACEMENTS and placement_changed and (
            new_carer or previous is None or previous.place not in ADOPTION_PLACEMENTS
        ):
            details: dict[str, Any] = {"household": household}
            if foster_carer and episode.place in WITH_FOSTER_CARER:
                details["foster_carer_adoption"] = True
                if moved_in and moved_in < episode.decom:
                    details["moved_in_on"] = moved_in
                elif moved_in is None:
                    read.warn(row, "moved in before these tables",
                              f"the adoption placement of {row['DECOM']} is with foster carers the child lived with "
                              "before the first episode these tables hold: placed is imported without moved_in_on, "
                              f"with household {household} (load the earlier years' returns with this one, or "
                              "correct placed with the date the child moved in)")
            add(Derived("placed", episode.decom, details, index, row.file, row.number, "DECOM"))
            if episode.place in WITH_CONSENT and not consented_or_ordered:
                consented_or_ordered = True
                add(Derived("placement_order", episode.decom, {"authority": "consent"}, index, row.file, row.number, "PLACE",
                            approximate=True))
            if foster_carer is False and episode.place in WITH_FOSTER_CARER:
                read.warn(row, "DfE rule", f"PLACE {episode.place} is a placement with the current foster carer, but AD1's "
                          "FOSTER_CARE is 0: not imported as a foster-carer adoption")
        if previous is not None and previous.place in ADOPTION_PLACEMENTS and episode.place not in ADOPTION_PLACEMENTS:
            add(Derived("disruption", episode.decom, {}, index, row.file, row.number, "DECOM"))
        if episode.dec is not None and episode.rec and episode.rec != EPISODE_GOES_ON:
            period.ends = episode.dec
            if episode.rec in ADOPTED:
                add(Derived("adoption_order", episode.dec, {}, index, row.file, row.number, "DEC"))
            else:
                add(Derived("left_care", episode.dec, {"reason": episode.rec}, index, row.file, row.number, "DEC"))
        previous = episode
    # Without a household nothing names the carer: leave the detail out.
    child.milestones = [dataclasses.replace(m, details={k: v for k, v in m.details.items() if v is not None})
                        for m in child.milestones]


def _matches(read: _Reader, ad1_rows, decisions) -> None:
    child = read.child
    placements = sorted((m for m in child.milestones if m.name == "placed"), key=lambda m: m.occurred_on)
    decided_on = {d for _, d, _, _ in decisions}
    for row, _, matched, interest, adopters in ad1_rows:
        if interest and decided_on and interest not in decided_on:
            read.warn(row, "DfE rule", f"DATE_INT {row['DATE_INT']} is not PlacedAdoption's DATE_PLACED (the decision)")
        if matched is None:
            continue
        period = _period_on(child.periods, matched)
        leads_to = next((p for p in placements if p.occurred_on >= matched and p.period == period), None)
        if leads_to is None and period == -1 and child.periods and child.periods[0].start is None:
            # Matched before the first episode the tables hold, of a period begun
            # before them (one year's return): the placement it led to is that period's.
            leads_to = next((p for p in placements if p.occurred_on >= matched and p.period == child.periods[0].index), None)
        household = leads_to.details.get("household") if leads_to else None
        details = {"household": household} if household else {}
        child.milestones.append(Derived("matched", matched, details, period, row.file, row.number, "DATE_MATCH"))
        if adopters:
            if household:
                child.adopters[household] = adopters
            else:
                read.warn(row, "adopters' details not kept", "AD1's adopters' details name no adoption placement in the "
                          "episodes, so no household to keep them on")


def _once_each(milestones: list[Derived]) -> list[Derived]:
    """The milestones with those read twice (the same row in two years' returns) once."""
    seen: dict[tuple, Derived] = {}
    for m in sorted(milestones, key=lambda m: (m.occurred_on, m.file, m.row)):
        key = (m.name, m.occurred_on, tuple(sorted(m.details.items())))
        seen.setdefault(key, m)
    return list(seen.values())
