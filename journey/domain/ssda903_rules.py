"""The DfE's 903 validation rules that concern adoption, checked by the tracker on a
child's rows of a year's return before they are written (domain.md section 6).

Each failure names the DfE rule (its code and words) and what to record in the
tracker to meet it. Rules that the export meets by how it writes the rows (codes
from the lists, dates as dd/mm/YYYY, one AD1 row, DOBs that agree, A3/A5 with RNE
T, a foster placement before an adoption placement, ...) are not checked again.
The rules comparing a return with the year before (559, 560, 561, 584) hold by
construction too: both years are written from the same milestones.
"""

from __future__ import annotations

import dataclasses
import datetime

from journey.domain.ssda903_codes import CollectionYear
from journey.domain.ssda903_episodes import YearRows
from journey.domain.ssda903_milestones import parse_903_date

ADOPTION_PLACEMENTS = ("A3", "A4", "A5", "A6")
FREEING_ORDERS_ENDED = datetime.date(2005, 12, 30)


@dataclasses.dataclass(frozen=True)
class RuleFailure:
    """A child's rows break a DfE rule: `rule` is its code, `message` what is wrong,
    `to_record` what to record in the tracker."""

    rule: str
    message: str
    to_record: str


def _day(text: str) -> datetime.date | None:
    if not text:
        return None
    day = _DAY_OF_TEXT.get(text)
    if day is None:
        day = parse_903_date(text)
        if len(_DAY_OF_TEXT) < 100_000:
            _DAY_OF_TEXT[text] = day
    return day


# The rows' dates are read again and again (each year's rows of each child): a
# text is parsed once.
_DAY_OF_TEXT: dict[str, datetime.date] = {}


def adoption_rule_failures(rows: YearRows, year: CollectionYear, *, household: str | None = None) -> list[RuleFailure]:
    """Every adoption rule the child's rows of `year` break (none for a child not in
    the year's return). `household` names the adoptive household (for what to record)."""
    if rows.header is None:
        return []
    found: list[RuleFailure] = []
    fail = lambda rule, message, to_record: found.append(RuleFailure(rule, message, to_record))  # noqa: E731
    header, episodes, ad1, decisions = rows.header, rows.episodes, rows.ad1, rows.placed_adoption
    for column, words, option in (("DOB", "date of birth", "--dob"), ("SEX", "sex", "--sex"), ("ETHNIC", "ethnicity", "--ethnicity")):
        if not header[column]:
            fail("Header", f"the child's {words} is not recorded", f"the child's {words} (journey child ... {option})")
    decided = sorted(d for d in (_day(r["DATE_PLACED"]) for r in decisions) if d)
    for e in episodes:
        start, place, ls = _day(e["DECOM"]), e["PLACE"], e["LS"]
        before = [d for d in decided if d <= start]
        if place in ADOPTION_PLACEMENTS and not decided:
            fail("551", f"placed for adoption on {e['DECOM']} with no decision that the child should be placed for adoption",
                 "the adm_decision")
        elif place in ADOPTION_PLACEMENTS and e["RNE"] in ("P", "T", "B", "U", "S") and not before:
            fail("552", f"the decision that the child should be placed for adoption ({_listed(decided)}) is after the "
                 f"placement of {e['DECOM']}", "the adm_decision's date (a correction)")
        if ls in ("E1", "D1") and not decided:
            code = "553" if ls == "E1" else "555"
            fail(code, f"a {'placement' if ls == 'E1' else 'freeing'} order from {e['DECOM']} with no decision that the child "
                 "should be placed for adoption", "the adm_decision")
        if place in ("A5", "A6") and ls != "E1":
            fail("408", f"placed for adoption with a placement order on {e['DECOM']}, but the legal status is {ls}",
                 "the placement_order (authority placement_order), or a correction of its authority")
        if ls == "D1" and start > FREEING_ORDERS_ENDED:
            fail("445", f"a freeing order (D1) in an episode from {e['DECOM']}: freeing orders ended on 30/12/2005",
                 "a correction of the placement_order's authority (placement_order)")
        if ls == "E1" and start < FREEING_ORDERS_ENDED:
            fail("446", f"a placement order (E1) in an episode from {e['DECOM']}, before placement orders began on 30/12/2005",
                 "a correction of the placement_order's authority (freeing_order)")
        if e["REC"] in ("E11", "E12") and place not in ADOPTION_PLACEMENTS:
            fail("390", f"adopted on {e['DEC']} with no placement for adoption", "the placed (with its household)")
        left = e["REC"] and e["REC"] not in ("E11", "E12", "X1")
        if left and (place in ADOPTION_PLACEMENTS or ls in ("E1", "D1")) and (
            not decisions or any(not (r["DATE_PLACED_CEASED"] and r["REASON_PLACED_CEASED"]) for r in decisions)
        ):
            fail("557", f"left care on {e['DEC']} (REC {e['REC']}) after a placement for adoption or an order, with the "
                 "decision that the child should be placed for adoption not reversed", "the decision_reversed (with its reason)")
    for r in decisions:
        if bool(r["DATE_PLACED_CEASED"]) != bool(r["REASON_PLACED_CEASED"]):
            fail("119", f"the decision of {r['DATE_PLACED']} reversed without {'a reason' if r['DATE_PLACED_CEASED'] else 'a date'}",
                 "the decision_reversed's reason (RD1 to RD4)")
    open_before = [r for r in sorted(decisions, key=lambda r: _day(r["DATE_PLACED"]))[:-1] if not r["DATE_PLACED_CEASED"]]
    for r in open_before:
        fail("583", f"a later decision follows the decision of {r['DATE_PLACED']}, which was not reversed",
             "the decision_reversed of the earlier decision (or withdraw the decision made twice)")
    ended = [e for e in episodes if e["REC"] and e["REC"] != "X1"]
    if ended:
        left_on = _day(ended[-1]["DEC"])
        for r in decisions:
            for column in ("DATE_PLACED", "DATE_PLACED_CEASED"):
                if r[column] and _day(r[column]) > left_on and _day(r[column]) <= year.ends and ended[-1] is episodes[-1]:
                    fail("117", f"{column} {r[column]} is after the child stopped being looked after on {ended[-1]['DEC']}",
                         "a correction of the decision's date")
    if ad1 is not None:
        found += _ad1_failures(ad1, decisions, episodes, header, household)
    return found


def _ad1_failures(ad1, decisions, episodes, header, household) -> list[RuleFailure]:
    found: list[RuleFailure] = []
    fail = lambda rule, message, to_record: found.append(RuleFailure(rule, message, to_record))  # noqa: E731
    adopters = f"journey household {household}" if household else "journey household H"
    missing = {"DATE_INT": "the adm_decision", "DATE_MATCH": "the matched",
               "NB_ADOPTR": f"the number of adopters ({adopters} --adopters 1|2)",
               "SEX_ADOPTR": f"the adopters' sex ({adopters} --adopters-sex M1|F1|MM|FF|MF)",
               "LS_ADOPTR": f"the adopters' legal status ({adopters} --adopters-legal-status L0|L11|L12|L2|L3|L4)"}
    for column, to_record in missing.items():
        if not ad1[column]:
            fail("601", f"adopted in the year, but AD1's {column} is empty", to_record)
    number, sex, status = ad1["NB_ADOPTR"], ad1["SEX_ADOPTR"], ad1["LS_ADOPTR"]
    couple = {"MM", "FF", "MF"}
    checks = (
        ("511", number == "2" and sex and sex not in couple, f"two adopters with the sex code {sex}"),
        ("514", status == "L0" and number == "2", "a single adopter (L0) but two adopters"),
        ("517", status == "L3" and sex and sex != "MF", f"a different-sex unmarried couple (L3) with the sex code {sex}"),
        ("518", status == "L4" and sex and sex not in ("MM", "FF"), f"a same-sex couple (L4) with the sex code {sex}"),
        ("519", status == "L2" and sex and sex not in couple, f"a civil partnership (L2) with the sex code {sex}"),
        ("520", status == "L11" and sex and sex != "MF", f"a different-sex married couple (L11) with the sex code {sex}"),
        ("524", status == "L12" and sex and sex not in ("MM", "FF"), f"a same-sex married couple (L12) with the sex code {sex}"),
    )
    for rule, broken, words in checks:
        if broken:
            fail(rule, f"the adopters' details give {words}", f"the adopters' details ({adopters} ...)")
    interest, matched = _day(ad1["DATE_INT"]), _day(ad1["DATE_MATCH"])
    if interest and matched and interest > matched:
        fail("333", f"the decision ({ad1['DATE_INT']}) is after the match ({ad1['DATE_MATCH']})", "a correction of either date")
    placements = [e for e in episodes if e["PLACE"] in ADOPTION_PLACEMENTS]
    if matched and placements and matched > _day(placements[-1]["DECOM"]):
        fail("331", f"the match ({ad1['DATE_MATCH']}) is after the placement ({placements[-1]['DECOM']})", "a correction of either date")
    adopted_on = next((_day(e["DEC"]) for e in episodes if e["REC"] in ("E11", "E12")), None)
    if matched and adopted_on and matched == adopted_on:
        fail("582", "the match is dated the day of the adoption order", "the match's date (a correction)")
    dob = _day(header["DOB"])
    if dob and adopted_on and _years_between(dob, adopted_on) >= 18:
        fail("386", "adopted at 18 or over", "a correction of the date of birth or of the adoption order")
    if any(r["DATE_PLACED_CEASED"] for r in decisions):
        fail("525", "adopted in the year in which the decision that the child should be placed for adoption was reversed",
             "a correction or withdrawal of the decision_reversed, or of the adoption_order")
    return found


def _years_between(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _listed(days: list[datetime.date]) -> str:
    return ", ".join(d.strftime("%d/%m/%Y") for d in days) or "none"
