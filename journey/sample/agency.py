"""A deterministic sample regional adoption agency, for `journey demo` and `make run`.

`generate(as_of)` returns rows in the import format; the importer loads them through
the normal, rule-checked path. Nothing here touches the database or the clock.

The shape of the sample, counted back from `as_of` over about six years:

- **The agency**: "Adoption Central England (sample)", serving five West Midlands
  councils with their real DfE codes: Coventry (the biggest), Warwickshire,
  Worcestershire, Solihull and Herefordshire. Proportions follow the ACE and Coventry
  annual reports for 2018-19 (seed 002).
- **About 600 children**, each with a council case id ("CV-004117") and no name. A
  *case* is one child, or two or three brothers and sisters to be placed together
  (about a third of children are in a sibling group): siblings share every milestone,
  the same household and the same dates, and carry the same `sibling_group`.
- **A child's journey**: pre-proceedings and care proceedings for most; entering care;
  a permanence plan; the agency decision (ADM, usually 2 to 10 months after entering
  care); the placement order (weeks to months later; s.19 consent for relinquished
  babies; no freeing orders, abolished in 2005); family finding, an Adoption Register
  referral when no link is found within about three months; link, match panel, match
  (a median of 4 to 5 months after the order, longer for children harder to place,
  some over a year); placement (days to weeks after the match); application and
  adoption order (6 to 12 months after placement). Most children take 300 to 700 days
  from entering care to placement.
- **Other roads**: unborn babies tracked before birth and, for about half of those who
  come into care, fostering-for-adoption or concurrent placements from birth that end
  in a foster-carer adoption (`moved_in_on` is the early permanence date); other
  foster-carer adoptions; interagency matches (about 15%); decisions reversed with each
  reason RD1 to RD4 (a few followed by a new decision and a second placement order);
  disruptions (a few per cent) followed by a new match and placement; children who
  leave care without a decision; a few who go home and come back into care.
- **Children waiting at every stage on `as_of`**: arrivals are spread over the six
  years, so recent children stop wherever their journey has reached; a handful more
  are pinned so that every stage is visible on any `as_of` (an unborn baby, a decision
  waiting for an order, orders waiting under 90 and over 121 days, a match panel
  waiting for the ADM, matched not yet placed, placed not yet adopted), and the year to
  `as_of` has a reversal for each reason.
- **Households** ("HH-0042"), numbered in the order they first came to the agency:
  every household named by a child was approved before that child was placed with it
  (before the early permanence placement or the match); interagency households carry
  only their approval, by another agency. Some adopt a second time after a new
  approval. Others are at every stage on `as_of`: enquiry, stage 1, stage 2, approved
  and waiting (some over a year, with a review), or withdrawn. The tracker began six
  years before `as_of`: the earliest households' assessment steps before that are not
  in it (their streams start at a later stage: a gap, not an error).
- **Rows** carry every column of `CHILD_COLUMNS` / `HOUSEHOLD_COLUMNS` ("" for none).
  Household rows never hold `matched`, `placed` or `adoption_order`: the children's
  rows name the household on those (the adoption order names the household of the
  last placement) and the importer copies them. `linked` rows name the child.

Only `random.Random(seed)` is used, and only day offsets from `as_of`: the same `as_of`
and seed give the same rows, another `as_of` shifts the whole agency in time. Every
`occurred_on`, `date_of_birth` and `moved_in_on` is on or before `as_of`; only an
unborn baby's `expected_due_date` may be later. A baby not yet born on `as_of` has no
`date_of_birth` or `sex`.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from journey.domain.milestones import CHILD_MILESTONES, DATE_DETAILS, WHITE_OR_UNKNOWN_ETHNICITIES


@dataclasses.dataclass(frozen=True)
class Council:
    name: str
    code: str


@dataclasses.dataclass(frozen=True)
class SampleAgency:
    name: str
    councils: list[Council]
    child_rows: list[dict[str, str]]
    household_rows: list[dict[str, str]]
    # Each household's adopters' details as the 903's AD1 codes them (number, sex,
    # legal_status), drawn from a generator of their own so that adding them
    # changed nothing else of the sample.
    adopters: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)


AGENCY_NAME = "Adoption Central England (sample)"
COUNCILS = (
    Council("Coventry", "331"),
    Council("Solihull", "334"),
    Council("Warwickshire", "937"),
    Council("Worcestershire", "885"),
    Council("Herefordshire", "884"),
)
# Share of the agency's children, and the prefix of the council's case ids.
COUNCIL_SHARE = {
    "Coventry": 0.33,
    "Solihull": 0.11,
    "Warwickshire": 0.26,
    "Worcestershire": 0.21,
    "Herefordshire": 0.09,
}
CASE_PREFIX = {
    "Coventry": "CV",
    "Solihull": "SL",
    "Warwickshire": "WK",
    "Worcestershire": "WR",
    "Herefordshire": "HF",
}
AGENCY_TRACKER = "tracker.ace"
# Child milestones the agency (rather than the council) keeps.
KEPT_BY_THE_AGENCY = frozenset(
    {"family_finding_started", "register_referral", "link_identified", "match_panel"}
)

CHILD_COLUMNS = (
    "child_ref", "local_authority", "milestone", "occurred_on",
    "date_of_birth", "sex", "ethnicity", "disability", "sibling_group",
    "household", "kind", "authority", "reason", "plan", "legal_status",
    "moved_in_on", "foster_carer_adoption", "interagency", "expected_due_date",
    "recorded_by",
)
HOUSEHOLD_COLUMNS = (
    "household", "milestone", "occurred_on", "reason", "interagency",
    "child_ref", "local_authority", "recorded_by",
)

CHILDREN = 600
SPAN_DAYS = 6 * 365  # the tracker began this many days before as_of

# Proportions (per case unless said otherwise).
SIBLING_GROUP_SHARE = 0.17
UNBORN_SHARE = 0.15
UNBORN_STAYING_HOME_SHARE = 0.15
EARLY_PERMANENCE_AT_BIRTH_SHARE = 0.5
EARLY_PERMANENCE_FOR_BABIES_SHARE = 0.2
RELINQUISHED_SHARE_OF_NEWBORNS = 0.12  # of babies under four months, not tracked unborn
RETURN_TO_CARE_SHARE = 0.02
EXIT_WITHOUT_DECISION_SHARE = 0.11
FOSTER_CARER_ADOPTION_SHARE = 0.07
REVERSAL_SHARE = 0.15
INTERAGENCY_SHARE = 0.11
INTERAGENCY_SHARE_HARDER_TO_PLACE = 0.25
DISRUPTION_SHARE = 0.05
SECOND_ADOPTION_SHARE = 0.2

ETHNICITY_WEIGHTS = {
    "WBRI": 70, "WIRI": 0.5, "WIRT": 0.5, "WOTH": 3, "WROM": 1,
    "MWBC": 5, "MWBA": 1.5, "MWAS": 2, "MOTH": 3,
    "AIND": 1, "APKN": 1.5, "ABAN": 0.3, "AOTH": 1,
    "BCRB": 1, "BAFR": 1.5, "BOTH": 0.5,
    "CHNE": 0.2, "OOTH": 1, "REFU": 0.2, "NOBT": 1.5,
}
PLANS = ("adoption", "parallel_adoption_reunification", "parallel_adoption_kinship")
LEAVING_CARE_REASONS = ("special_guardianship", "returned_home", "child_arrangements_order")
DISRUPTION_REASONS = ("needs_not_met", "relationship_breakdown", "adopter_circumstances")
WITHDRAWAL_REASONS = (
    "change_of_circumstances", "not_ready", "moved_away", "chose_another_agency",
    "assessment_concerns", "health",
)

# Stages of the waiting children pinned on `as_of`: (milestone, days before as_of,
# milestones that would end the wait).
PINNED_WAITS = (
    ("unborn_identified", 20, ("born",)),
    ("unborn_identified", 60, ("born",)),
    ("adm_decision", 40, ("placement_order", "decision_reversed")),
    ("placement_order", 45, ("matched", "decision_reversed")),
    ("placement_order", 160, ("matched", "decision_reversed")),
    ("placement_order", 270, ("matched", "decision_reversed")),
    ("match_panel", 12, ("matched",)),
    ("matched", 4, ("placed",)),
    ("matched", 11, ("placed",)),
    ("placed", 60, ("adoption_order", "disruption")),
)
# Recent reversals pinned so that the year to `as_of` shows every reason: (reason,
# days before as_of).
PINNED_REVERSALS = (("RD1", 150), ("RD2", 45), ("RD3", 300), ("RD4", 220))
# Households pinned at a stage on `as_of`: (milestone reached, days before as_of).
PINNED_HOUSEHOLDS = (
    ("enquiry", 6), ("enquiry", 25), ("enquiry", 40),
    ("registration_of_interest", 15), ("registration_of_interest", 30),
    ("stage1_started", 10), ("stage1_started", 35), ("stage1_started", 75),
    ("stage2_started", 20), ("stage2_started", 70), ("stage2_started", 110),
    ("stage2_started", 150),
    ("approved", 30), ("approved", 95), ("approved", 180), ("approved", 250),
    ("approved", 420), ("approved", 560),
)
WITHDRAWN_HOUSEHOLDS = 30

_RANK = {name: rank for rank, name in enumerate(CHILD_MILESTONES)}


# ---------------------------------------------------------------------------
# The model: cases, families and households, dated in days relative to as_of.
# ---------------------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class _Family:
    """The adoptive family a journey needs; which household it is is settled later."""

    interagency: bool = False
    foster_carers: bool = False
    moved_in_on: int | None = None  # foster carers: the day the child came to live with them
    household: _Household | None = None


@dataclasses.dataclass
class _Step:
    day: int
    milestone: str
    details: dict[str, Any]
    family: _Family | None = None


@dataclasses.dataclass
class _Child:
    born_on: int
    sex: str
    disabled: bool
    ref: str = ""


@dataclasses.dataclass
class _Case:
    """One child, or brothers and sisters placed together: they share one journey."""

    council: Council
    children: list[_Child]
    ethnicity: str
    unborn: bool
    relinquished: bool
    early_permanence: str  # "", "ffa" or "concurrent"
    harder_to_place: bool
    steps: list[_Step] = dataclasses.field(default_factory=list)
    sibling_group: str = ""

    def add(self, day: int, milestone: str, family: _Family | None = None, **details: Any) -> None:
        self.steps.append(_Step(day, milestone, details, family))

    def day_of(self, milestone: str) -> int | None:
        """The day of the first such milestone, if any."""
        return next((s.day for s in self.steps if s.milestone == milestone), None)

    def latest(self, milestone: str) -> int:
        return max(s.day for s in self.steps if s.milestone == milestone)

    def shift(self, days: int) -> None:
        for step in self.steps:
            step.day += days
            for name in DATE_DETAILS & step.details.keys():
                step.details[name] += days
        for child in self.children:
            child.born_on += days

    def in_journey_order(self) -> None:
        self.steps.sort(key=lambda s: (s.day, _RANK[s.milestone]))


@dataclasses.dataclass(eq=False)
class _Household:
    """An adoptive household's own milestones (the shared ones come from the children)."""

    steps: list[tuple[int, str, dict[str, Any]]] = dataclasses.field(default_factory=list)
    interagency: bool = False
    disrupted: bool = False
    last_adopted_on: int | None = None
    ref: str = ""

    def add(self, day: int, milestone: str, **details: Any) -> None:
        self.steps.append((day, milestone, details))

    @property
    def first_day(self) -> int:
        return min(day for day, _, _ in self.steps)


def _days(rng: random.Random, low: int, high: int, usual: int) -> int:
    """A number of days between low and high, most often near `usual`."""
    return round(rng.triangular(low, high, usual))


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


# ---------------------------------------------------------------------------
# Who the children are.
# ---------------------------------------------------------------------------


def _draw_case(rng: random.Random) -> _Case:
    """A new case: its council, its children and what kind of journey it is."""
    council = rng.choices(COUNCILS, weights=[COUNCIL_SHARE[c.name] for c in COUNCILS])[0]
    ethnicity = rng.choices(list(ETHNICITY_WEIGHTS), weights=list(ETHNICITY_WEIGHTS.values()))[0]
    siblings = 1 if rng.random() >= SIBLING_GROUP_SHARE else (2 if rng.random() < 0.8 else 3)
    unborn = siblings == 1 and rng.random() < UNBORN_SHARE
    age = _age_on_entering_care(rng, siblings, unborn)
    children = [_Child(born_on=-age, sex=rng.choice("12"), disabled=rng.random() < 0.05)]
    for _ in range(siblings - 1):
        elder = children[-1].born_on - rng.randint(365, 1500)
        children.append(_Child(born_on=elder, sex=rng.choice("12"), disabled=rng.random() < 0.05))
    relinquished = siblings == 1 and not unborn and age < 120 and rng.random() < RELINQUISHED_SHARE_OF_NEWBORNS
    early_permanence = ""
    if (unborn and rng.random() < EARLY_PERMANENCE_AT_BIRTH_SHARE) or (
        siblings == 1 and not unborn and age < 180
        and rng.random() < EARLY_PERMANENCE_FOR_BABIES_SHARE
    ):
        early_permanence = "ffa" if rng.random() < 0.8 else "concurrent"
    harder_to_place = (
        siblings > 1
        or ethnicity not in WHITE_OR_UNKNOWN_ETHNICITIES
        or any(c.disabled for c in children)
        or age >= 4 * 365  # about 5 or over by the decision
    )
    return _Case(council, children, ethnicity, unborn, relinquished, early_permanence, harder_to_place)


def _age_on_entering_care(rng: random.Random, siblings: int, unborn: bool) -> int:
    """Age in days of the youngest child on entering care."""
    if unborn:
        return rng.randint(0, 3)
    if siblings > 1:
        return rng.randint(0, 4 * 365)
    band = rng.choices(("baby", "toddler", "older"), weights=(40, 37, 13))[0]
    if band == "baby":
        return rng.randint(3, 330)
    if band == "toddler":
        return rng.randint(365, 4 * 365 - 1)
    return rng.randint(4 * 365, 8 * 365)


# ---------------------------------------------------------------------------
# A child's journey, in days from entering care (day 0).
# ---------------------------------------------------------------------------


def _write_journey(rng: random.Random, case: _Case) -> None:
    """All the milestones the case will pass, whether or not `as_of` has reached them."""
    if case.unborn:
        _tracked_before_birth(rng, case)
        if rng.random() < UNBORN_STAYING_HOME_SHARE:
            return  # the baby went home with the parents under a plan
    else:
        _proceedings_before_care(rng, case)
    legal_status = "V2" if case.relinquished else ("C1" if rng.random() < 0.8 else "V2")
    case.add(0, "entered_care", legal_status=legal_status)
    if legal_status == "V2" and not case.relinquished and case.day_of("care_proceedings_issued") is None:
        case.add(_days(rng, 20, 150, 60), "care_proceedings_issued")
    start = 0
    if not case.unborn and not case.relinquished and rng.random() < RETURN_TO_CARE_SHARE:
        start = _home_and_back_into_care(rng, case)
    if not case.early_permanence and not case.relinquished and rng.random() < EXIT_WITHOUT_DECISION_SHARE:
        _leaving_care_without_decision(rng, case, start)
        return
    carers = _early_permanence_or_fostering(rng, case, start)
    decided_on = start + _care_to_decision(rng, case)
    _permanence_plan(rng, case, start, decided_on)
    _adoption_plan(rng, case, decided_on, carers, may_reverse=True)


def _tracked_before_birth(rng: random.Random, case: _Case) -> None:
    born_on = case.children[0].born_on
    identified_on = born_on - _days(rng, 50, 160, 100)
    case.add(identified_on, "unborn_identified", expected_due_date=born_on + rng.randint(-14, 14))
    case.add(identified_on + _days(rng, 7, 40, 14), "pre_proceedings_started")
    if rng.random() < 0.5:
        case.add(born_on - _days(rng, 5, 35, 15), "permanence_plan", plan=rng.choice(PLANS[1:]))
    case.add(born_on, "born")
    if not case.relinquished:
        case.add(born_on + rng.randint(0, 1), "care_proceedings_issued")


def _proceedings_before_care(rng: random.Random, case: _Case) -> None:
    if case.relinquished:
        return
    if rng.random() < 0.7:
        case.add(-_days(rng, 30, 160, 70), "pre_proceedings_started")
    if rng.random() < 0.8:
        case.add(-rng.randint(0, 7), "care_proceedings_issued")


def _home_and_back_into_care(rng: random.Random, case: _Case) -> int:
    """A child goes home, then comes back into care: a new period of care."""
    home_on = _days(rng, 30, 200, 90)
    case.add(home_on, "left_care", reason="returned_home")
    back_on = home_on + _days(rng, 90, 400, 180)
    case.add(back_on - rng.randint(0, 7), "care_proceedings_issued")
    case.add(back_on, "entered_care", legal_status="C1")
    return back_on


def _leaving_care_without_decision(rng: random.Random, case: _Case, start: int) -> None:
    planned_on = start + _days(rng, 15, 110, 45)
    case.add(planned_on, "permanence_plan", plan=rng.choice(PLANS[1:]))
    case.add(planned_on + _days(rng, 60, 400, 150), "left_care", reason=rng.choice(LEAVING_CARE_REASONS))


def _early_permanence_or_fostering(rng: random.Random, case: _Case, start: int) -> _Family | None:
    """The carers the child may already live with and who would adopt, if any."""
    if case.early_permanence:
        moved_in_on = start if case.unborn else start + _days(rng, 0, 45, 10)
        family = _Family(foster_carers=True)
        case.add(moved_in_on, "early_permanence_placement", family, kind=case.early_permanence)
        return family
    if not case.relinquished and rng.random() < FOSTER_CARER_ADOPTION_SHARE:
        return _Family(foster_carers=True, moved_in_on=start + _days(rng, 0, 120, 20))
    return None


def _care_to_decision(rng: random.Random, case: _Case) -> int:
    if case.relinquished:
        return _days(rng, 10, 60, 25)
    if case.early_permanence:
        return _days(rng, 30, 200, 90)
    if rng.random() < 0.12:
        return _days(rng, 280, 560, 350)
    return _days(rng, 45, 300, 140)


def _permanence_plan(rng: random.Random, case: _Case, start: int, decided_on: int) -> None:
    if case.day_of("permanence_plan") is not None:
        return
    planned_on = min(start + _days(rng, 15, 110, 40), decided_on - 1)
    plan = "adoption" if case.relinquished else rng.choice(PLANS)
    case.add(max(planned_on, start), "permanence_plan", plan=plan)


def _adoption_plan(
    rng: random.Random, case: _Case, decided_on: int, carers: _Family | None, may_reverse: bool
) -> None:
    """The ADM decision, then court authority, then a family, unless the plan changes."""
    case.add(decided_on, "adm_decision")
    reason = _reversal_reason(rng, case) if may_reverse else ""
    hearing_on = decided_on + _decision_to_authority(rng, case)
    looking_since = min(decided_on + rng.randint(0, 21), hearing_on)
    case.add(looking_since, "family_finding_started")
    if reason == "RD2":  # the court did not make a placement order
        case.add(hearing_on, "decision_reversed", reason="RD2")
        _after_reversal(rng, case, hearing_on, reason)
        return
    authority = "consent" if case.relinquished else "placement_order"
    case.add(hearing_on, "placement_order", authority=authority)
    if reason:
        reversed_on = hearing_on + {
            "RD1": _days(rng, 30, 300, 120),
            "RD3": _days(rng, 300, 620, 420),
            "RD4": _days(rng, 14, 250, 90),
        }[reason]
        case.add(reversed_on, "decision_reversed", reason=reason)
        _after_reversal(rng, case, reversed_on, reason)
        return
    _find_a_family(rng, case, hearing_on, looking_since, carers)


def _reversal_reason(rng: random.Random, case: _Case) -> str:
    if case.early_permanence:  # concurrent carers: the baby may go home
        share = 0.35 if case.early_permanence == "concurrent" else 0.05
        return "RD2" if rng.random() < share else ""
    if case.relinquished or rng.random() >= REVERSAL_SHARE:
        return ""
    return rng.choices(("RD1", "RD2", "RD3", "RD4"), weights=(25, 35, 20, 20))[0]


def _decision_to_authority(rng: random.Random, case: _Case) -> int:
    if case.relinquished:
        return _days(rng, 7, 45, 20)
    return _days(rng, 14, 200, 55)


def _after_reversal(rng: random.Random, case: _Case, reversed_on: int, reason: str) -> None:
    """Home, special guardianship, long-term fostering, or (RD1, RD4) a new decision."""
    if reason in ("RD1", "RD4") and rng.random() < 0.35:
        _adoption_plan(rng, case, reversed_on + _days(rng, 60, 240, 120), None, may_reverse=False)
        return
    leaves_share = {"RD1": 0.2, "RD2": 0.7, "RD3": 0.2, "RD4": 0.3}[reason]
    if rng.random() < leaves_share:
        left_on = reversed_on + (rng.randint(0, 90) if reason == "RD2" else _days(rng, 60, 400, 150))
        why = "returned_home" if case.early_permanence else rng.choice(LEAVING_CARE_REASONS)
        case.add(left_on, "left_care", reason=why)


def _order_to_match(rng: random.Random, case: _Case, carers: _Family | None) -> int:
    if case.early_permanence:
        return _days(rng, 0, 75, 20)
    if carers is not None:
        return _days(rng, 30, 220, 90)
    slow_share = 0.3 if case.harder_to_place else 0.12
    if rng.random() < slow_share:
        return _days(rng, 250, 640, 380)
    return _days(rng, 15, 300, 110)


def _find_a_family(
    rng: random.Random,
    case: _Case,
    searching_from: int,
    looking_since: int,
    carers: _Family | None,
    after_disruption: bool = False,
) -> None:
    """Link, match panel, match, placement, then adoption (or a disruption and again).

    The wait counts from `searching_from` (the placement order, or the disruption);
    the link and panel come after family finding began (`looking_since`).
    """
    family = carers or _Family(interagency=rng.random() < (
        INTERAGENCY_SHARE_HARDER_TO_PLACE if case.harder_to_place else INTERAGENCY_SHARE
    ))
    if after_disruption:
        matched_on = searching_from + _days(rng, 60, 400, 150)
    else:
        matched_on = searching_from + _order_to_match(rng, case, carers)
    paneled_on = max(matched_on - _days(rng, 3, 24, 7), looking_since)
    linked_on = min(paneled_on, max(looking_since, matched_on - _days(rng, 14, 120, 40)))
    if carers is None:
        waiting_since = searching_from if after_disruption else case.latest("adm_decision")
        _register_referral(rng, case, waiting_since, linked_on)
    for day, milestone in ((linked_on, "link_identified"), (paneled_on, "match_panel")):
        case.add(day, milestone, family)
    case.add(matched_on, "matched", family, interagency=_yes_no(family.interagency))
    placed_on = matched_on + (_days(rng, 0, 14, 2) if carers else _days(rng, 0, 42, 10))
    if carers is not None:
        moved_in_on = case.day_of("early_permanence_placement")
        if moved_in_on is None:
            moved_in_on = min(family.moved_in_on or placed_on, placed_on)
        case.add(placed_on, "placed", family, moved_in_on=moved_in_on, foster_carer_adoption="yes")
    else:
        case.add(placed_on, "placed", family, foster_carer_adoption="no")
    if carers is None and not after_disruption and rng.random() < DISRUPTION_SHARE:
        disrupted_on = placed_on + _days(rng, 14, 240, 60)
        case.add(disrupted_on, "disruption", reason=rng.choice(DISRUPTION_REASONS))
        looking_again_on = disrupted_on + rng.randint(7, 30)
        case.add(looking_again_on, "family_finding_started")
        _find_a_family(rng, case, disrupted_on, looking_again_on, None, after_disruption=True)
        return
    applied_on = placed_on + _days(rng, 70, 240, 110)
    case.add(applied_on, "adoption_application")
    case.add(applied_on + _days(rng, 30, 220, 90), "adoption_order", family)


def _register_referral(rng: random.Random, case: _Case, waiting_since: int, linked_on: int) -> None:
    """Referral to the Adoption Register when no link is in sight within about 3 months."""
    if linked_on - waiting_since > 90 or rng.random() < 0.25:
        referred_on = waiting_since + _days(rng, 20, 130, 60)
        if referred_on < linked_on:
            case.add(referred_on, "register_referral")


# ---------------------------------------------------------------------------
# Putting the cases in time and naming them.
# ---------------------------------------------------------------------------


def _random_cases(rng: random.Random, children_wanted: int) -> list[_Case]:
    """Cases entering care on days spread over the six years up to as_of."""
    cases: list[_Case] = []
    children = 0
    while children < children_wanted:
        case = _draw_case(rng)
        _write_journey(rng, case)
        case.shift(-rng.randint(0, SPAN_DAYS - 160))
        cases.append(case)
        children += len(case.children)
    return cases


def _pinned_cases(rng: random.Random) -> list[_Case]:
    """Cases placed in time so that each stage has someone waiting on as_of, and the
    last year has a reversal for each reason."""
    cases = []
    for milestone, days_ago, wait_ends in PINNED_WAITS:

        def still_waiting(case: _Case, reached: int) -> bool:
            ends = [s.day for s in case.steps if s.milestone in wait_ends and s.day >= reached]
            return bool(ends) and min(ends) - reached > days_ago

        cases.append(_pinned(rng, milestone, days_ago, still_waiting))
    for reason, days_ago in PINNED_REVERSALS:

        def reversed_for(case: _Case, reached: int) -> bool:
            return any(s.milestone == "decision_reversed" and s.details["reason"] == reason for s in case.steps)

        cases.append(_pinned(rng, "decision_reversed", days_ago, reversed_for))
    return cases


def _pinned(
    rng: random.Random, milestone: str, days_ago: int, fits: Callable[[_Case, int], bool]
) -> _Case:
    """A case drawn until it fits, placed so that `milestone` fell `days_ago` before as_of."""
    while True:
        case = _draw_case(rng)
        _write_journey(rng, case)
        reached = case.day_of(milestone)
        if reached is not None and fits(case, reached):
            case.shift(-days_ago - reached)
            return case


def _name_the_children(rng: random.Random, cases: list[_Case]) -> None:
    """Council case ids and sibling group refs, numbered as cases opened."""
    by_council: dict[str, list[_Case]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: c.steps[0].day):
        by_council[case.council.name].append(case)
    for council, council_cases in by_council.items():
        prefix = CASE_PREFIX[council]
        number = rng.randint(1000, 4000)
        groups = 0
        for case in council_cases:
            for child in case.children:
                number += rng.randint(1, 25)
                child.ref = f"{prefix}-{number:06d}"
            if len(case.children) > 1:
                groups += 1
                case.sibling_group = f"{prefix}-SG{groups:03d}"


# ---------------------------------------------------------------------------
# Households.
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class _FamilyNeeds:
    """What a case asks of its family, read off the dated journey."""

    family: _Family
    case: _Case
    first_day: int
    linked_on: int | None = None
    adopted_on: int | None = None
    disrupted_on: int | None = None


def _families_needed(cases: list[_Case]) -> list[_FamilyNeeds]:
    needs: dict[_Family, _FamilyNeeds] = {}
    for case in cases:
        for step in case.steps:
            if step.family is None:
                continue
            need = needs.setdefault(step.family, _FamilyNeeds(step.family, case, step.day))
            if step.milestone == "link_identified":
                need.linked_on = step.day
        placed_with = None
        for step in case.steps:
            if step.milestone == "placed":
                placed_with = needs[step.family]  # type: ignore[index]
            elif step.milestone == "disruption" and placed_with is not None:
                placed_with.disrupted_on = step.day
            elif step.milestone == "adoption_order" and placed_with is not None:
                placed_with.adopted_on = step.day
    return sorted(needs.values(), key=lambda n: n.first_day)


def _households_for_children(rng: random.Random, cases: list[_Case]) -> list[_Household]:
    """A household for every family a child needs, approved before it is needed."""
    households: list[_Household] = []
    for need in _families_needed(cases):
        family = need.family
        if family.interagency:
            household = _Household(interagency=True)
            approved_on = max(need.first_day - _days(rng, 20, 300, 90), min(need.first_day - 10, -SPAN_DAYS))
            household.add(approved_on, "approved", interagency="yes")
            households.append(household)
        else:
            household, approved_on = _adopting_again(rng, households, need.first_day, family)
            if household is None:
                household = _Household()
                approved_on = _approved_before(rng, need.first_day, family)
                _assessment(rng, household, approved_on)
                households.append(household)
        family.household = household
        if not household.interagency:
            _waiting_after_approval(rng, household, approved_on, need.first_day)
        for child in need.case.children:
            if need.linked_on is not None:
                household.add(
                    need.linked_on, "linked",
                    child_ref=child.ref, local_authority=need.case.council.name,
                )
        if need.disrupted_on is not None:
            household.disrupted = True
            withdrawn_on = need.disrupted_on + _days(rng, 30, 150, 60)
            household.add(withdrawn_on, "withdrawn", reason="placement_disrupted")
        household.last_adopted_on = need.adopted_on
    return households


def _approved_before(rng: random.Random, needed_on: int, family: _Family) -> int:
    """The approval day of a family needed on `needed_on`, after the tracker began."""
    if family.foster_carers:
        wait = _days(rng, 10, 200, 60)
    elif rng.random() < 0.12:
        wait = _days(rng, 365, 720, 450)
    else:
        wait = _days(rng, 10, 360, 90)
    return max(needed_on - wait, min(needed_on - 10, -SPAN_DAYS + rng.randint(0, 60)))


def _adopting_again(
    rng: random.Random, households: list[_Household], needed_on: int, family: _Family
) -> tuple[_Household | None, int]:
    """Now and then an earlier adopter is approved again for a second adoption."""
    if family.foster_carers or rng.random() >= SECOND_ADOPTION_SHARE:
        return None, 0
    approved_on = needed_on - _days(rng, 20, 200, 70)
    paneled_on = approved_on - rng.randint(3, 12)
    started_on = paneled_on - _days(rng, 80, 160, 110)
    for household in households:
        adopted_on = household.last_adopted_on
        if household.interagency or household.disrupted or adopted_on is None:
            continue
        if adopted_on + 365 < started_on:
            household.add(started_on, "stage2_started")
            household.add(paneled_on, "approval_panel")
            household.add(approved_on, "approved", interagency="no")
            household.last_adopted_on = None
            return household, approved_on
    return None, 0


def _assessment(rng: random.Random, household: _Household, approved_on: int) -> None:
    """Enquiry to approval, counted back from the approval."""
    paneled_on = approved_on - rng.randint(3, 12)
    stage2_on = paneled_on - _days(rng, 90, 220, 125)
    stage1_done_on = stage2_on - _days(rng, 0, 60, 14)
    stage1_on = stage1_done_on - _days(rng, 40, 100, 60)
    registered_on = stage1_on - rng.randint(0, 14)
    enquired_on = registered_on - _days(rng, 7, 60, 20)
    for day, milestone in (
        (enquired_on, "enquiry"),
        (registered_on, "registration_of_interest"),
        (stage1_on, "stage1_started"),
        (stage1_done_on, "stage1_completed"),
        (stage2_on, "stage2_started"),
        (paneled_on, "approval_panel"),
    ):
        household.add(day, milestone)
    household.add(approved_on, "approved", interagency="no")


def _waiting_after_approval(rng: random.Random, household: _Household, approved_on: int, until: int) -> None:
    """A register referral after about 3 months' wait, a review after a year."""
    if until - approved_on > 90:
        household.add(approved_on + _days(rng, 30, 110, 75), "register_referral")
    if until - approved_on > 365:
        household.add(approved_on + rng.randint(365, 390), "review")


def _households_withdrawn(rng: random.Random) -> list[_Household]:
    """Households that came forward over the years and stopped at some stage."""
    households = []
    for _ in range(WITHDRAWN_HOUSEHOLDS):
        household = _Household()
        enquired_on = -rng.randint(90, SPAN_DAYS)
        household.add(enquired_on, "enquiry")
        stage = rng.choices(("enquiry", "stage1", "stage2", "approved"), weights=(30, 30, 25, 15))[0]
        day = enquired_on + _days(rng, 14, 90, 30)
        if stage != "enquiry":
            household.add(day, "registration_of_interest")
            day += rng.randint(0, 14)
            household.add(day, "stage1_started")
            day += _days(rng, 20, 100, 50)
        if stage in ("stage2", "approved"):
            household.add(day, "stage1_completed")
            day += _days(rng, 0, 60, 14)
            household.add(day, "stage2_started")
            day += _days(rng, 30, 200, 100)
        if stage == "approved":
            household.add(day, "approval_panel")
            day += rng.randint(3, 12)
            household.add(day, "approved", interagency="no")
            _waiting_after_approval(rng, household, day, day + 500)
            day += _days(rng, 120, 600, 300)
        reason = "did_not_proceed" if stage == "enquiry" else rng.choice(WITHDRAWAL_REASONS)
        household.add(day, "withdrawn", reason=reason)
        households.append(household)
    return households


def _households_on_their_way(rng: random.Random) -> list[_Household]:
    """Households pinned at each stage on as_of (approved ones waiting for a match)."""
    households = []
    for stage, days_ago in PINNED_HOUSEHOLDS:
        household = _Household()
        if stage == "approved":
            _assessment(rng, household, -days_ago)
            _waiting_after_approval(rng, household, -days_ago, 0)
        else:
            steps = ("enquiry", "registration_of_interest", "stage1_started", "stage1_completed", "stage2_started")
            reached = steps.index(stage)
            day = -days_ago
            household.add(day, stage)
            for milestone in reversed(steps[:reached]):
                day -= _days(rng, 7, 60, 20) if milestone != "stage1_started" else _days(rng, 40, 80, 55)
                household.add(day, milestone)
            household.steps.reverse()
        households.append(household)
    return households


# ---------------------------------------------------------------------------
# Rows.
# ---------------------------------------------------------------------------


def _child_rows(as_of: datetime.date, cases: list[_Case]) -> list[dict[str, str]]:
    rows = []
    for case in sorted(cases, key=lambda c: c.steps[0].day):
        tracker = f"tracker.{case.council.name.lower()}"
        for child in case.children:
            born = child.born_on <= 0
            attributes = {
                "date_of_birth": _iso(as_of, child.born_on) if born else "",
                "sex": child.sex if born else "",
                "ethnicity": case.ethnicity,
                "disability": _yes_no(child.disabled),
                "sibling_group": case.sibling_group,
            }
            for step in case.steps:
                if step.day > 0:
                    break
                row = dict.fromkeys(CHILD_COLUMNS, "")
                row.update(
                    child_ref=child.ref,
                    local_authority=case.council.name,
                    milestone=step.milestone,
                    occurred_on=_iso(as_of, step.day),
                    recorded_by=AGENCY_TRACKER if step.milestone in KEPT_BY_THE_AGENCY else tracker,
                    **attributes,
                )
                for name, value in step.details.items():
                    row[name] = _iso(as_of, value) if name in DATE_DETAILS else str(value)
                if step.family is not None:
                    row["household"] = step.family.household.ref  # type: ignore[union-attr]
                rows.append(row)
    return rows


def _household_rows(as_of: datetime.date, households: list[_Household]) -> list[dict[str, str]]:
    """Milestones from the day the tracker began (earlier assessments are not in it) to as_of."""
    rows = []
    for household in households:
        for day, milestone, details in sorted(household.steps, key=lambda s: s[0]):
            if day > 0 or day < -SPAN_DAYS:
                continue
            row = dict.fromkeys(HOUSEHOLD_COLUMNS, "")
            row.update(
                household=household.ref,
                milestone=milestone,
                occurred_on=_iso(as_of, day),
                recorded_by=AGENCY_TRACKER,
                **{name: str(value) for name, value in details.items()},
            )
            rows.append(row)
    return rows


def _name_the_households(households: list[_Household]) -> list[_Household]:
    """Households known by as_of, numbered in the order they came to the agency."""
    known = sorted((h for h in households if h.first_day <= 0), key=lambda h: h.first_day)
    for number, household in enumerate(known, start=1):
        household.ref = f"HH-{number:04d}"
    return known


# (number, sex, legal status) of adopters, and how often the sample draws each.
ADOPTERS = (
    (("2", "MF", "L11"), 55), (("2", "MF", "L3"), 12), (("2", "FF", "L12"), 4), (("2", "FF", "L2"), 3),
    (("2", "MM", "L12"), 3), (("2", "MM", "L4"), 2), (("1", "F1", "L0"), 18), (("1", "M1", "L0"), 3),
)


def _adopters(households: list[_Household], seed: int) -> dict[str, dict[str, str]]:
    found = {}
    for household in households:
        rng = random.Random(f"{seed}:{household.ref}:adopters")
        number, sex, legal_status = rng.choices([a for a, _ in ADOPTERS], weights=[w for _, w in ADOPTERS])[0]
        found[household.ref] = {"number": number, "sex": sex, "legal_status": legal_status}
    return found


def _iso(as_of: datetime.date, day: int) -> str:
    return (as_of + datetime.timedelta(days=day)).isoformat()


def generate(as_of: datetime.date, seed: int = 903) -> SampleAgency:
    """The sample agency as it stands on `as_of`: same as_of and seed, same rows."""
    rng = random.Random(seed)
    pinned = _pinned_cases(rng)
    cases = _random_cases(rng, CHILDREN - sum(len(c.children) for c in pinned)) + pinned
    for case in cases:
        case.in_journey_order()
    _name_the_children(rng, cases)
    households = _households_for_children(rng, cases)
    households += _households_withdrawn(rng) + _households_on_their_way(rng)
    known = _name_the_households(households)
    return SampleAgency(
        name=AGENCY_NAME,
        councils=list(COUNCILS),
        child_rows=_child_rows(as_of, cases),
        household_rows=_household_rows(as_of, known),
        adopters=_adopters(known, seed),
    )
