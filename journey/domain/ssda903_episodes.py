"""A child's rows of a year's SSDA903 return, rebuilt from its milestones (domain.md section 6).

The reverse of `ssda903_milestones`: the episodes of every period of care are
rebuilt from the milestones that change where, with whom or under what order the
child lives, then cut to the collection year as a case system cuts them (the
episodes open at some time in the year, one still open at its end with no DEC or
REC; the decisions in force in the year; AD1 for a child adopted in it).

- `entered_care` starts a period (RNE S, LS its legal status);
- `placement_order` changes the legal status (RNE L; LS E1, or D1 for a freeing
  order; s.19 consent changes nothing); `decision_reversed` under an order takes
  the legal status back to what it was before the order (the order is revoked);
- `early_permanence_placement` is a new carer (RNE P, PLACE U5);
- `placed` is a new carer (RNE P, PLACE A6 with a placement order, A4 without), or,
  for a foster-carer adoption (or a placement with the early permanence carer),
  the same carer (RNE T, PLACE A5 or A3);
- `disruption` is a new carer (RNE P, PLACE U6);
- `adoption_order` ends the period (REC E11); `left_care` ends it with the REC its
  reason maps to (`REC_OF_REASON`: an unmapped reason is written as E8 and noted).
Two that fall on one day are one episode (RNE B for a new carer and legal status,
U for the same carer and a new legal status).

What the tracker does not hold is written as a placeholder (`PLACEHOLDERS`).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Sequence

from journey.domain.milestones import Milestone, authority_of, in_journey_order
from journey.domain.ssda903_codes import CollectionYear

# What the tracker does not hold, as the export writes it.
PLACEHOLDERS = {
    "PLACE": "U6",  # before any placement the tracker knows of: foster care, not long term or FFA
    "LS": "C2",  # an entered_care recorded with no legal status: a full care order
    "CIN": "N1",
    "PLACE_PROVIDER": "PR1",  # the council's own provision
    "URN": "XXXXXXX",  # the DfE's code for a placement with no Ofsted URN
    "HOME_POST": "",
    "PL_POST": "",
    "REASON_PLACE_CHANGE": "",
    "UPN": "UN4",  # the DfE's code for a UPN not known
    "MOTHER": "",
    "MC_DOB": "",
}
# left_care reasons -> REC (matched in lower case, spaces as underscores); a reason
# that is itself a REC code is that code.
REC_OF_REASON = {
    "returned_home": "E4A",
    "child_arrangements_order": "E41",
    "residence_order": "E41",
    "died": "E2",
    "moved_abroad": "E16",
    "independent_living": "E5",
    "transferred": "E3",
    "another_local_authority": "E3",
    "custody": "E7",
    "aged_18_staying_put": "E17",
}
REC_UNMAPPED = "E8"
ADOPTED = "E11"
ORDERS = ("E1", "D1")


@dataclasses.dataclass
class Episode:
    decom: datetime.date
    rne: str
    ls: str
    place: str
    dec: datetime.date | None = None
    rec: str = ""


@dataclasses.dataclass
class YearRows:
    """One child's rows of a year's return (none when the child was not looked
    after in it), and the reasons it could not map."""

    header: dict[str, str] | None = None
    episodes: list[dict[str, str]] = dataclasses.field(default_factory=list)
    ad1: dict[str, str] | None = None
    placed_adoption: list[dict[str, str]] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)


def date903(day: datetime.date | None) -> str:
    if not day:
        return ""
    text = _TEXT_OF_DAY.get(day)
    if text is None:
        text = day.strftime("%d/%m/%Y")
        if len(_TEXT_OF_DAY) < 100_000:
            _TEXT_OF_DAY[day] = text
    return text


# The same days are written again and again (each year's rows of each child): a
# day's text is made once.
_TEXT_OF_DAY: dict[datetime.date, str] = {}


def rec_of(reason: str | None, codes: Callable[[str], bool]) -> str | None:
    """The REC a `left_care` reason maps to (None: unmapped); `codes` says whether a
    text is a REC code."""
    text = (reason or "").strip()
    if codes(text.upper()) and text.upper() not in ("X1", "E11", "E12"):
        return text.upper()
    return REC_OF_REASON.get("_".join(text.lower().split()))


def episodes_of(journey: Sequence[Milestone], rec: Callable[[str | None], str | None]) -> tuple[list[Episode], list[tuple]]:
    """Every period's episodes, rebuilt from the milestones (see the module); and a
    (date, note) for each left_care reason with no REC (`rec` maps a reason)."""
    episodes: list[Episode] = []
    notes: list[tuple[datetime.date, str]] = []
    current: Episode | None = None
    ls, place, ep_household = PLACEHOLDERS["LS"], PLACEHOLDERS["PLACE"], None
    ls_before_order = ls

    def begin(on: datetime.date, rne: str, **changes) -> None:
        nonlocal current
        if current is not None and current.dec is None and current.decom == on:
            current.rne = _together(current.rne, rne)
            for key, value in changes.items():
                setattr(current, key, value)
            return
        if current is not None and current.dec is None:
            current.dec, current.rec = on, "X1"
        current = Episode(on, rne, ls, place)
        for key, value in changes.items():
            setattr(current, key, value)
        episodes.append(current)

    for m in _with_moves_to_foster_carers(journey):
        in_care = current is not None and current.dec is None
        if m.name == "entered_care":
            ls, place, ep_household = m.details.get("legal_status") or PLACEHOLDERS["LS"], PLACEHOLDERS["PLACE"], None
            ls_before_order = ls
            if in_care:
                current.dec, current.rec = m.occurred_on, "X1"
            current = None
            begin(m.occurred_on, "S", ls=ls, place=place)
        elif not in_care:
            continue
        elif m.name == "placement_order":
            authority = authority_of(m.details)
            if authority != "consent":
                if ls not in ORDERS:
                    ls_before_order = ls
                ls = "E1" if authority == "placement_order" else "D1"
                begin(m.occurred_on, "L", ls=ls)
        elif m.name == "decision_reversed" and ls in ORDERS:
            # The order goes with the decision (it is revoked): back to the legal status before it.
            ls = ls_before_order
            begin(m.occurred_on, "L", ls=ls)
        elif m.name == MOVED_IN:
            place, ep_household = PLACEHOLDERS["PLACE"], m.details.get("household")
            begin(m.occurred_on, "P", place=place)
        elif m.name == "early_permanence_placement":
            place, ep_household = "U5", m.details.get("household")
            begin(m.occurred_on, "P", place=place)
        elif m.name == "placed":
            with_carer = bool(m.details.get("foster_carer_adoption")) or (
                ep_household is not None and m.details.get("household") == ep_household)
            ordered = ls in ("E1", "D1")
            place = ("A5" if ordered else "A3") if with_carer else ("A6" if ordered else "A4")
            begin(m.occurred_on, "T" if with_carer else "P", place=place)
        elif m.name == "disruption":
            place, ep_household = PLACEHOLDERS["PLACE"], None
            begin(m.occurred_on, "P", place=place)
        elif m.name == "adoption_order":
            current.dec, current.rec = m.occurred_on, ADOPTED
        elif m.name == "left_care":
            code = rec(m.details.get("reason"))
            if code is None:
                code = REC_UNMAPPED
                notes.append((m.occurred_on, f"left_care of {date903(m.occurred_on)}: the reason {m.details.get('reason') or '(none)'!r} "
                             f"maps to no REC code: written as {REC_UNMAPPED}"))
            current.dec, current.rec = m.occurred_on, code
    return episodes, notes


MOVED_IN = "moved in with the foster carers"


def _with_moves_to_foster_carers(journey: Sequence[Milestone]) -> list[Milestone]:
    """The milestones in journey order, with the day a child moved in with foster
    carers who later adopt (a `placed` with an earlier `moved_in_on` and no early
    permanence placement with them) as a move of its own: a new carer."""
    with_carers = {m.details.get("household") for m in journey if m.name == "early_permanence_placement"}
    moves = [
        Milestone(0, MOVED_IN, m.details["moved_in_on"], {"household": m.details.get("household")})
        for m in journey
        if m.name == "placed" and isinstance(m.details.get("moved_in_on"), datetime.date)
        and m.details["moved_in_on"] < m.occurred_on and m.details.get("household") not in with_carers
    ]
    return in_journey_order([*journey, *moves])


def _together(first: str, then: str) -> str:
    """The RNE of one episode for two changes on one day."""
    if first == "S":
        return "S"
    changes = {first, then}
    new_carer = bool(changes & {"P", "B"})
    same_carer = bool(changes & {"T", "U"})
    status = bool(changes & {"L", "B", "U"})
    if new_carer:
        return "B" if status else "P"
    if same_carer:
        return "U" if status else "T"
    return "L"


def year_rows(
    child_ref: str,
    attributes: dict,
    journey: Sequence[Milestone],
    year: CollectionYear,
    *,
    adopters: Callable[[str], dict[str, str]],
    rec: Callable[[str | None], str | None],
    rebuilt: tuple[list[Episode], list[tuple]] | None = None,
) -> YearRows:
    """The child's rows of the `year`'s return (empty when the child was not looked
    after in it). `adopters(household)` gives a household's adopters' details;
    `rebuilt` is what `episodes_of` gave for the journey, when already known."""
    journey = in_journey_order(list(journey))
    rebuilt = rebuilt if rebuilt is not None else episodes_of(journey, rec)
    return ChildRows(child_ref, attributes, journey, rebuilt, adopters).of(year)


class ChildRows:
    """One child's rows, year by year (`of`): what every year's rows share (the
    episodes, the decisions, the date of birth as written) is worked out once.
    `journey` is in journey order; `rebuilt` is what `episodes_of` gave for it."""

    def __init__(self, child_ref: str, attributes: dict, journey: list[Milestone],
                 rebuilt: tuple[list[Episode], list[tuple]], adopters: Callable[[str], dict[str, str]]) -> None:
        self.child_ref, self.attributes, self.journey, self.adopters = child_ref, attributes, journey, adopters
        self.episodes, self.notes = rebuilt
        self.dob = date903(attributes.get("date_of_birth"))
        self.decisions = _decisions_of(journey)
        self.adoption_orders = [m for m in journey if m.name == "adoption_order"]

    def of(self, year: CollectionYear) -> YearRows:
        """The rows of the `year`'s return (empty when the child was not looked after in it)."""
        starts, ends = year.starts, year.ends
        held = [e for e in self.episodes if e.decom <= ends and (e.dec is None or e.dec >= starts)]
        if not held:
            return YearRows()
        child_ref, dob = self.child_ref, self.dob
        rows = YearRows(notes=[note for day, note in self.notes if starts <= day <= ends])
        attributes = self.attributes
        rows.header = {
            "CHILD": child_ref, "SEX": str(attributes.get("sex") or ""), "DOB": dob, "ETHNIC": attributes.get("ethnicity") or "",
            "UPN": PLACEHOLDERS["UPN"], "MOTHER": PLACEHOLDERS["MOTHER"], "MC_DOB": PLACEHOLDERS["MC_DOB"],
        }
        for e in held:
            ends_after = e.dec is not None and e.dec > ends
            rows.episodes.append({
                "CHILD": child_ref, "DECOM": date903(e.decom), "RNE": e.rne, "LS": e.ls, "CIN": PLACEHOLDERS["CIN"],
                "PLACE": e.place, "PLACE_PROVIDER": PLACEHOLDERS["PLACE_PROVIDER"],
                "DEC": "" if ends_after else date903(e.dec), "REC": "" if ends_after else e.rec,
                "REASON_PLACE_CHANGE": PLACEHOLDERS["REASON_PLACE_CHANGE"], "HOME_POST": PLACEHOLDERS["HOME_POST"],
                "PL_POST": PLACEHOLDERS["PL_POST"], "URN": PLACEHOLDERS["URN"] if e.place.startswith(("A", "U")) else "",
            })
        for decided, ceased, reason, period_ended in self.decisions:
            in_force_until = ceased or period_ended
            if decided <= ends and (in_force_until is None or in_force_until >= starts):
                after = ceased is not None and ceased > ends
                rows.placed_adoption.append({
                    "CHILD": child_ref, "DOB": dob, "DATE_PLACED": date903(decided),
                    "DATE_PLACED_CEASED": "" if after else date903(ceased), "REASON_PLACED_CEASED": "" if after else reason})
        adopted = next((m for m in self.adoption_orders if starts <= m.occurred_on <= ends), None)
        if adopted is not None:
            rows.ad1 = _ad1(child_ref, dob, self.journey, adopted, held, self.adopters)
        return rows


def _decisions_of(journey: list[Milestone]) -> list[list]:
    """[decided, ceased, reason, the end of its period of care] of each decision."""
    decisions: list[list] = []
    for m in journey:
        if m.name == "adm_decision":
            decisions.append([m.occurred_on, None, "", None])
        elif m.name == "decision_reversed" and decisions and decisions[-1][1] is None:
            decisions[-1][1], decisions[-1][2] = m.occurred_on, m.details.get("reason") or ""
        elif m.name in ("left_care", "adoption_order", "entered_care"):
            for decision in decisions:
                if decision[3] is None and decision[0] <= m.occurred_on:
                    decision[3] = m.occurred_on
    return decisions


def _ad1(child_ref, dob, journey, adopted: Milestone, held: list[Episode], adopters) -> dict[str, str]:
    placed = [m for m in journey if m.name == "placed" and m.occurred_on <= adopted.occurred_on]
    placed_on = placed[-1].occurred_on if placed else adopted.occurred_on
    decided = [m for m in journey if m.name == "adm_decision" and m.occurred_on <= placed_on]
    matched = [m for m in journey if m.name == "matched" and m.occurred_on <= placed_on]
    household = adopted.details.get("household") or (placed[-1].details.get("household") if placed else None)
    details = adopters(household) if household else {}
    last = held[-1]
    return {
        "CHILD": child_ref, "DOB": dob, "DATE_INT": date903(decided[-1].occurred_on if decided else None),
        "DATE_MATCH": date903(matched[-1].occurred_on if matched else None),
        "FOSTER_CARE": "1" if last.place in ("A3", "A5") else "0",
        "NB_ADOPTR": details.get("number", ""), "SEX_ADOPTR": details.get("sex", ""), "LS_ADOPTR": details.get("legal_status", ""),
    }
