"""What `journey check` lists for a child: the record's problems to fix now.

- the gaps (`journey.domain.gaps`: an order with no decision, a placement with no
  match, an adoption with no placement, ...);
- the adopters' details an export needs but the adoptive household lacks;
- for each collection year the child is in a 903 return, the DfE's adoption rules
  its rows of that year break (`journey.domain.ssda903_rules`).

Each is (year, rule, message, what to record); the year is "" for the first two.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Sequence

from journey.domain.gaps import gaps
from journey.domain.milestones import Milestone, in_journey_order
from journey.domain.ssda903_codes import CollectionYear, code_lists
from journey.domain.ssda903_episodes import ChildRows, episodes_of, rec_of
from journey.domain.ssda903_rules import adoption_rule_failures

ADOPTERS_DETAILS = ("number", "sex", "legal_status")
_OPTION = {"number": "--adopters 1|2", "sex": "--adopters-sex M1|F1|MM|FF|MF",
           "legal_status": "--adopters-legal-status L0|L11|L12|L2|L3|L4"}


@dataclasses.dataclass(frozen=True)
class RecordProblem:
    year: str
    rule: str
    message: str
    to_record: str


def adoptive_household(journey: Sequence[Milestone]) -> str | None:
    """The household that adopted the child (its latest adoption order's, or the
    placement's before it), if any."""
    return _adoptive_household(in_journey_order(list(journey)))


def _adoptive_household(journey: list[Milestone]) -> str | None:
    household = None
    for m in journey:
        if m.name == "placed" and m.household:
            household = m.household
        elif m.name == "disruption":
            household = None
        elif m.name == "adoption_order":
            return m.household or household
    return None


# The milestones the problems are worked out from (the gaps', the episodes', the
# decisions', AD1's and the adoptive household's); of any other, only the day of
# the last one counts (the last year to check).
READS = frozenset({
    "entered_care", "adm_decision", "placement_order", "matched", "placed", "adoption_order", "disruption",
    "decision_reversed", "early_permanence_placement", "left_care",
})


def record_problems(child_ref: str, attributes: dict, journey: Sequence[Milestone],
                    adopters: Callable[[str], dict[str, str]], this_year: CollectionYear, *,
                    last_day: datetime.date | None = None) -> list[RecordProblem]:
    """Every problem of the child's record (see the module), gaps first, then by year:
    each year from the first the child was looked after in to the last (to
    `this_year` for a child still looked after). `journey` may hold only the
    milestones named in READS, with `last_day` the day of the child's last milestone
    of any name: the problems are the same."""
    journey = in_journey_order(list(journey))
    found = [RecordProblem("", "gap", gap, _gap_to_record(gap)) for gap in gaps(journey)]
    household = _adoptive_household(journey)
    if household:
        held = adopters(household)
        missing = [k for k in ADOPTERS_DETAILS if not held.get(k)]
        if missing:
            found.append(RecordProblem(
                "", "adopters' details missing",
                f"household {household} adopted the child, but its adopters' {', '.join(m.replace('_', ' ') for m in missing)} "
                "are not recorded (the 903's AD1 needs them)",
                f"journey household {household} " + " ".join(_OPTION[m] for m in missing),
            ))
    codes = code_lists()
    rebuilt = episodes_of(journey, lambda reason: rec_of(reason, lambda text: codes.valid("REC", text, None)))
    episodes = rebuilt[0]
    if not episodes:
        return found
    first = CollectionYear.of(episodes[0].decom).first
    last_on = journey[-1].occurred_on if last_day is None else max(last_day, journey[-1].occurred_on)
    last = CollectionYear.of(max(max(e.dec or e.decom for e in episodes), last_on)).first
    if episodes[-1].dec is None:
        last = max(last, this_year.first)
    by_year = ChildRows(child_ref, attributes, journey, rebuilt, adopters)
    for number in range(first, last + 1):
        year = CollectionYear(number)
        rows = by_year.of(year)
        for failure in adoption_rule_failures(rows, year, household=household):
            found.append(RecordProblem(str(year), failure.rule, failure.message, failure.to_record))
    return found


def _gap_to_record(gap: str) -> str:
    """`... has no earlier matched recorded` -> `the matched (or the date it happened)`."""
    missing = gap.rsplit(" has no earlier ", 1)[-1].removesuffix(" recorded")
    return f"the {missing}"
