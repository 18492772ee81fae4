"""The sample agency: deterministic, nothing in the future, realistic, and obeying the
rules of order of domain.md section 2 (checked here independently of the importer)."""

from __future__ import annotations

import collections
import datetime
import re
import statistics
import time

import pytest

from journey.domain.milestones import (
    AUTHORITIES,
    CHILD_MILESTONES,
    EARLY_PERMANENCE_KINDS,
    ETHNICITIES,
    REVERSAL_REASONS,
)
from journey.sample.agency import Council, SampleAgency, generate

AS_OF = datetime.date(2019, 3, 31)
OTHER_DAYS = (datetime.date(2021, 7, 4), datetime.date(2024, 2, 29))
D = datetime.date.fromisoformat

BEFORE_BIRTH_ALLOWED = {
    "unborn_identified", "pre_proceedings_started", "care_proceedings_issued", "permanence_plan",
}
HOUSEHOLD_ROW_MILESTONES = {
    "enquiry", "registration_of_interest", "stage1_started", "stage1_completed",
    "stage2_started", "approval_panel", "approved", "register_referral", "linked",
    "withdrawn", "review",
}
CHILD_ATTRIBUTES = ("date_of_birth", "sex", "ethnicity", "disability", "sibling_group")


@pytest.fixture(scope="module")
def agency() -> SampleAgency:
    return generate(AS_OF)


def journeys(agency: SampleAgency) -> dict[tuple[str, str], list[dict[str, str]]]:
    """Each child's rows, in the order given (the order the importer records them)."""
    by_child: dict[tuple[str, str], list[dict[str, str]]] = collections.defaultdict(list)
    for row in agency.child_rows:
        by_child[(row["local_authority"], row["child_ref"])].append(row)
    return by_child


def in_date_order(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(rows, key=lambda r: r["occurred_on"])  # stable: same day keeps row order


def dates(rows: list[dict[str, str]], milestone: str) -> list[datetime.date]:
    return [D(r["occurred_on"]) for r in in_date_order(rows) if r["milestone"] == milestone]


# ---------------------------------------------------------------------------
# An independent checker of the rules of order (domain.md section 2).
# ---------------------------------------------------------------------------


def order_breaks(rows: list[dict[str, str]], as_of: datetime.date) -> list[str]:
    """What is wrong with one child's rows, in words; empty when they obey every rule."""
    breaks = []
    rows = in_date_order(rows)
    born_on = rows[0].get("date_of_birth") or None
    for row in rows:
        day = D(row["occurred_on"])
        name = row["milestone"]
        if day > as_of:
            breaks.append(f"{name} on {day} is after as_of")
        if row.get("moved_in_on") and D(row["moved_in_on"]) > min(day, as_of):
            breaks.append(f"moved in on {row['moved_in_on']}, after the placement or as_of")
        if born_on is not None:
            if name == "born" and row["occurred_on"] != born_on:
                breaks.append(f"born on {day}, date of birth {born_on}")
            if name not in BEFORE_BIRTH_ALLOWED and day < D(born_on):
                breaks.append(f"{name} on {day} is before birth on {born_on}")
    if born_on is not None and D(born_on) > as_of:
        breaks.append("date of birth after as_of")
    breaks += _period_breaks(rows)
    breaks += _match_and_placement_breaks(rows)
    breaks += _adoption_order_breaks(rows)
    return breaks


def _period_breaks(rows: list[dict[str, str]]) -> list[str]:
    """An adm_decision belongs to a period of care begun on or before it."""
    breaks = []
    in_care = None  # unknown until entered_care or left_care is seen
    for i, row in enumerate(rows):
        name = row["milestone"]
        if name == "entered_care":
            in_care = True
        elif name in ("left_care", "adoption_order"):
            in_care = False
        elif name == "adm_decision":
            if in_care is False:
                breaks.append(f"adm_decision on {row['occurred_on']} after care ended")
            later = [r for r in rows[i + 1:] if r["occurred_on"] > row["occurred_on"]]
            ends = [r["milestone"] for r in later if r["milestone"] in ("entered_care", "left_care", "adoption_order")]
            if ends and ends[0] == "entered_care":
                breaks.append(f"adm_decision on {row['occurred_on']} before the entered_care of its period")
    return breaks


def _match_and_placement_breaks(rows: list[dict[str, str]]) -> list[str]:
    """Each placed follows its matched; no match or placement after a reversal until a new decision."""
    breaks = []
    matched_on = None
    reversed_ = False
    for row in rows:
        name = row["milestone"]
        if name == "decision_reversed":
            reversed_ = True
        elif name == "adm_decision":
            reversed_ = False
        elif name in ("matched", "placed") and reversed_:
            breaks.append(f"{name} on {row['occurred_on']} after a reversal with no new decision")
        if name == "matched":
            matched_on = row["occurred_on"]
        elif name == "placed":
            if matched_on is None:
                breaks.append(f"placed on {row['occurred_on']} with no matched before it")
            matched_on = None
        elif name == "disruption":
            matched_on = None
    return breaks


def _adoption_order_breaks(rows: list[dict[str, str]]) -> list[str]:
    orders = [r["occurred_on"] for r in rows if r["milestone"] == "adoption_order"]
    if not orders:
        return []
    order_on = orders[0]
    breaks = [f"{r['milestone']} on {r['occurred_on']} after the adoption order"
              for r in rows if r["occurred_on"] > order_on]
    breaks += [f"placed on {r['occurred_on']} not before the adoption order"
               for r in rows if r["milestone"] == "placed" and r["occurred_on"] >= order_on]
    return breaks + (["two adoption orders"] if len(orders) > 1 else [])


def _row(milestone: str, on: str, **details: str) -> dict[str, str]:
    return {"milestone": milestone, "occurred_on": on, "date_of_birth": "2018-01-10", **details}


def test_the_checker_finds_each_kind_of_break():
    as_of = datetime.date(2019, 1, 1)
    bad_journeys = [
        [_row("entered_care", "2018-01-09")],  # before birth
        [_row("born", "2018-01-11")],
        [_row("adm_decision", "2018-02-01"), _row("entered_care", "2018-03-01")],
        [_row("entered_care", "2018-01-10"), _row("left_care", "2018-02-01"), _row("adm_decision", "2018-03-01")],
        [_row("placed", "2018-02-01"), _row("matched", "2018-02-02")],
        [_row("matched", "2018-02-01"), _row("placed", "2018-03-01"), _row("disruption", "2018-04-01"),
         _row("placed", "2018-05-01")],
        [_row("matched", "2018-02-01"), _row("placed", "2018-03-01"), _row("adoption_order", "2018-03-01")],
        [_row("adoption_order", "2018-03-01"), _row("adoption_application", "2018-04-01")],
        [_row("adm_decision", "2018-02-01"), _row("decision_reversed", "2018-03-01"), _row("matched", "2018-04-01")],
        [_row("entered_care", "2019-01-02")],
        [_row("matched", "2018-02-01"), _row("placed", "2018-03-01", moved_in_on="2018-03-02")],
    ]
    for rows in bad_journeys:
        assert order_breaks(rows, as_of), rows
    good = [
        _row("unborn_identified", "2017-11-01"), _row("born", "2018-01-10"), _row("entered_care", "2018-01-10"),
        _row("adm_decision", "2018-01-10"), _row("decision_reversed", "2018-02-01"),
        _row("adm_decision", "2018-03-01"), _row("matched", "2018-04-01"), _row("placed", "2018-04-01"),
        _row("adoption_order", "2018-12-01"),
    ]
    assert order_breaks(good, as_of) == []


@pytest.mark.parametrize("as_of", (AS_OF, *OTHER_DAYS))
def test_every_child_obeys_the_rules_of_order(as_of):
    sample = generate(as_of)
    problems = {
        child: found
        for child, rows in journeys(sample).items()
        if (found := order_breaks(rows, as_of))
    }
    assert problems == {}


# ---------------------------------------------------------------------------
# Determinism and dates.
# ---------------------------------------------------------------------------


def test_the_same_day_gives_the_same_agency(agency):
    assert generate(AS_OF) == agency
    assert generate(AS_OF, seed=903) == agency
    assert generate(AS_OF, seed=904) != agency


def test_another_day_shifts_the_agency_in_time(agency):
    later = generate(OTHER_DAYS[0])
    shift = OTHER_DAYS[0] - AS_OF
    assert later.child_rows != agency.child_rows
    assert {r["child_ref"] for r in later.child_rows} == {r["child_ref"] for r in agency.child_rows}
    first_then = min(D(r["occurred_on"]) for r in agency.child_rows)
    first_later = min(D(r["occurred_on"]) for r in later.child_rows)
    assert first_later - first_then == shift
    assert max(D(r["occurred_on"]) for r in later.child_rows) > AS_OF


@pytest.mark.parametrize("as_of", (AS_OF, *OTHER_DAYS))
def test_nothing_is_dated_after_as_of(as_of):
    sample = generate(as_of)
    for row in sample.child_rows:
        for column in ("occurred_on", "date_of_birth", "moved_in_on"):
            assert not row[column] or D(row[column]) <= as_of, row
    for row in sample.household_rows:
        assert D(row["occurred_on"]) <= as_of, row


def test_the_data_spans_about_six_years(agency):
    first = min(D(r["occurred_on"]) for r in agency.child_rows + agency.household_rows)
    assert 5.5 * 365 <= (AS_OF - first).days <= 7 * 365


def test_generate_is_fast():
    started = time.perf_counter()
    generate(datetime.date(2022, 9, 30))
    assert time.perf_counter() - started < 1.0


# ---------------------------------------------------------------------------
# Shape and vocabulary.
# ---------------------------------------------------------------------------


def test_five_west_midlands_councils_with_their_dfe_codes(agency):
    assert agency.name == "Adoption Central England (sample)"
    assert agency.councils == [
        Council("Coventry", "331"), Council("Solihull", "334"), Council("Warwickshire", "937"),
        Council("Worcestershire", "885"), Council("Herefordshire", "884"),
    ]
    per_council = collections.Counter(la for la, _ in journeys(agency))
    assert set(per_council) == {c.name for c in agency.councils}
    assert per_council.most_common(1)[0][0] == "Coventry"


def test_about_600_children_and_a_few_hundred_households(agency):
    assert 570 <= len(journeys(agency)) <= 630
    households = {r["household"] for r in agency.household_rows}
    assert 250 <= len(households) <= 450


def test_rows_use_the_import_vocabulary_and_no_names(agency):
    for row in agency.child_rows:
        assert row["milestone"] in CHILD_MILESTONES
        assert re.fullmatch(r"[A-Z]{2}-\d{6}", row["child_ref"])
        assert re.fullmatch(r"tracker\.[a-z]+", row["recorded_by"])
        assert row["sex"] in ("1", "2", "")
        assert row["ethnicity"] in ETHNICITIES
        assert row["disability"] in ("yes", "no")
        assert row["household"] == "" or re.fullmatch(r"HH-\d{4}", row["household"])
        assert row["kind"] in ("", *EARLY_PERMANENCE_KINDS)
        assert row["authority"] in ("", *AUTHORITIES)
        assert row["legal_status"] in ("", "C1", "C2", "V2")
        for yes_no in ("interagency", "foster_carer_adoption"):
            assert row[yes_no] in ("", "yes", "no")
        if row["milestone"] == "decision_reversed":
            assert row["reason"] in REVERSAL_REASONS
        if row["milestone"] == "unborn_identified":
            assert D(row["expected_due_date"])
        if row["milestone"] in ("matched", "placed", "adoption_order", "early_permanence_placement", "match_panel"):
            assert row["household"]
    for row in agency.household_rows:
        assert row["milestone"] in HOUSEHOLD_ROW_MILESTONES
        assert re.fullmatch(r"HH-\d{4}", row["household"])
        assert row["recorded_by"] == "tracker.ace"
        if row["milestone"] == "withdrawn":
            assert row["reason"]


def test_the_adoption_order_names_the_household_of_the_last_placement(agency):
    adopted = 0
    for rows in journeys(agency).values():
        orders = [r for r in rows if r["milestone"] == "adoption_order"]
        if orders:
            last_placed = [r for r in in_date_order(rows) if r["milestone"] == "placed"][-1]
            assert orders[0]["household"] == last_placed["household"]
            adopted += 1
    assert adopted > 200


def test_a_child_has_the_same_attributes_on_every_row(agency):
    for rows in journeys(agency).values():
        assert len({tuple(r[a] for a in CHILD_ATTRIBUTES) for r in rows}) == 1


def test_child_refs_are_unique_within_a_council(agency):
    refs = [(la, ref) for la, ref in journeys(agency)]
    assert len(refs) == len(set(refs))


# ---------------------------------------------------------------------------
# Proportions like the seeds.
# ---------------------------------------------------------------------------


def care_to_placement_days(rows: list[dict[str, str]]) -> int | None:
    placed = dates(rows, "placed")
    if not placed:
        return None
    entered = [d for d in dates(rows, "entered_care") if d <= placed[-1]]
    return (placed[-1] - entered[-1]).days if entered else None


def test_most_children_take_300_to_700_days_from_care_to_placement(agency):
    days = [d for rows in journeys(agency).values() if (d := care_to_placement_days(rows)) is not None]
    assert len(days) > 250
    assert 300 <= statistics.median(days) <= 700
    assert sum(300 <= d <= 700 for d in days) > len(days) / 2


def test_order_to_match_median_is_four_to_six_months_with_some_over_a_year(agency):
    days = []
    for rows in journeys(agency).values():
        orders, matches = dates(rows, "placement_order"), dates(rows, "matched")
        if orders and matches and matches[0] >= orders[0]:
            days.append((matches[0] - orders[0]).days)
    assert 120 <= statistics.median(days) <= 185
    assert any(d > 365 for d in days)


def test_placement_to_adoption_order_is_about_6_to_12_months(agency):
    days = []
    for rows in journeys(agency).values():
        placed, orders = dates(rows, "placed"), dates(rows, "adoption_order")
        if orders:
            days.append((orders[0] - placed[-1]).days)
    assert 180 <= statistics.median(days) <= 365


def test_every_reversal_reason_is_used(agency):
    reasons = collections.Counter(
        r["reason"] for r in agency.child_rows if r["milestone"] == "decision_reversed"
    )
    assert set(reasons) == set(REVERSAL_REASONS)


def test_some_reversed_children_get_a_new_decision_and_a_family(agency):
    def decided_again_and_matched(rows):
        names = [r["milestone"] for r in in_date_order(rows)]
        if "decision_reversed" not in names:
            return False
        after = names[names.index("decision_reversed"):]
        return "adm_decision" in after and "matched" in after[after.index("adm_decision"):]

    assert any(decided_again_and_matched(rows) for rows in journeys(agency).values())


def test_disruptions_are_few_and_followed_by_a_second_placement(agency):
    children = journeys(agency).values()
    placed = [rows for rows in children if dates(rows, "placed")]
    disrupted = [rows for rows in placed if dates(rows, "disruption")]
    assert 0 < len(disrupted) <= 0.08 * len(placed)
    placed_again = [
        rows for rows in disrupted
        if [d for d in dates(rows, "placed") if d > dates(rows, "disruption")[0]]
    ]
    assert placed_again
    for rows in placed_again:
        households = [r["household"] for r in rows if r["milestone"] == "placed"]
        assert households[0] != households[-1]


def test_fostering_for_adoption_ends_in_a_foster_carer_adoption(agency):
    kinds = collections.Counter()
    adopted_by_their_carers = 0
    for rows in journeys(agency).values():
        early = [r for r in rows if r["milestone"] == "early_permanence_placement"]
        if not early:
            continue
        kinds[early[0]["kind"]] += 1
        for placed in (r for r in rows if r["milestone"] == "placed"):
            assert placed["household"] == early[0]["household"]
            assert placed["foster_carer_adoption"] == "yes"
            assert placed["moved_in_on"] == early[0]["occurred_on"]
            adopted_by_their_carers += 1
    assert kinds["ffa"] >= 10 and kinds["concurrent"] >= 2
    assert adopted_by_their_carers >= 10


def test_some_early_permanence_is_from_birth(agency):
    from_birth = [
        rows for rows in journeys(agency).values()
        if dates(rows, "early_permanence_placement")
        and dates(rows, "born") and dates(rows, "early_permanence_placement")[0] - dates(rows, "born")[0]
        <= datetime.timedelta(days=3)
    ]
    assert len(from_birth) >= 5


def test_other_foster_carers_adopt_too(agency):
    others = [
        r for r in agency.child_rows
        if r["milestone"] == "placed" and r["foster_carer_adoption"] == "yes"
        and not any(x["milestone"] == "early_permanence_placement"
                    for x in journeys(agency)[(r["local_authority"], r["child_ref"])])
    ]
    assert others
    assert all(D(r["moved_in_on"]) < D(r["occurred_on"]) for r in others)


def test_siblings_are_placed_together(agency):
    groups = collections.defaultdict(list)
    for (la, ref), rows in journeys(agency).items():
        if rows[0]["sibling_group"]:
            groups[(la, rows[0]["sibling_group"])].append(rows)
    assert len(groups) >= 40
    assert {len(children) for children in groups.values()} == {2, 3}
    placed_groups = 0
    for children in groups.values():
        placements = {
            tuple((r["occurred_on"], r["household"]) for r in rows if r["milestone"] in ("matched", "placed"))
            for rows in children
        }
        assert len(placements) == 1
        placed_groups += bool(next(iter(placements)))
    assert placed_groups >= 20


def test_about_10_to_20_percent_of_matches_are_interagency(agency):
    matches = [r for r in agency.child_rows if r["milestone"] == "matched"]
    interagency = [r for r in matches if r["interagency"] == "yes"]
    assert 0.08 <= len(interagency) / len(matches) <= 0.22  # per child: siblings count each


def test_some_children_come_back_into_care(agency):
    back = [
        rows for rows in journeys(agency).values()
        if len(dates(rows, "entered_care")) > 1 and dates(rows, "left_care")[0] < dates(rows, "entered_care")[-1]
    ]
    assert back


def test_unborn_babies_are_tracked_then_born_into_care(agency):
    tracked = [rows for rows in journeys(agency).values() if dates(rows, "unborn_identified")]
    assert len(tracked) >= 20
    born_into_care = [
        rows for rows in tracked
        if dates(rows, "born") and dates(rows, "entered_care")
        and (dates(rows, "entered_care")[0] - dates(rows, "born")[0]).days <= 3
    ]
    assert len(born_into_care) >= 15
    not_yet_born = [rows for rows in tracked if not rows[0]["date_of_birth"]]
    assert not_yet_born
    assert all(not dates(rows, "born") and not rows[0]["sex"] for rows in not_yet_born)
    assert any(D(rows[0]["expected_due_date"]) > AS_OF for rows in not_yet_born)


def test_many_children_have_pre_proceedings_and_care_proceedings(agency):
    children = journeys(agency).values()
    assert sum(bool(dates(rows, "pre_proceedings_started")) for rows in children) > 0.5 * len(children)
    assert sum(bool(dates(rows, "care_proceedings_issued")) for rows in children) > 0.6 * len(children)


def test_matches_come_through_link_and_panel_and_orders_through_an_application(agency):
    for rows in journeys(agency).values():
        names = [r["milestone"] for r in in_date_order(rows)]
        for i, name in enumerate(names):
            if name == "matched":
                assert {"link_identified", "match_panel"} <= set(names[:i])
            if name == "adoption_order":
                assert "adoption_application" in names[:i]


# ---------------------------------------------------------------------------
# Waiting on as_of, so that delay is visible.
# ---------------------------------------------------------------------------


def stage_on(rows: list[dict[str, str]]) -> tuple[str, datetime.date]:
    """The child's stage after all its rows, and the day the stage began."""
    stage, since = "pre_birth", D(rows[0]["occurred_on"])
    began = {
        "born": "pre_care", "entered_care": "in_care", "adm_decision": "decision",
        "placement_order": "authority", "matched": "matched", "placed": "placed",
        "adoption_order": "adopted", "decision_reversed": "exited", "left_care": "exited",
    }
    for row in in_date_order(rows):
        name, day = row["milestone"], D(row["occurred_on"])
        if name in began and not (name == "born" and stage != "pre_birth"):
            stage, since = began[name], day
        elif name == "disruption":
            stage, since = "authority", dates(rows, "placement_order")[-1]
    return stage, since


@pytest.mark.parametrize("as_of", (AS_OF, *OTHER_DAYS))
def test_children_are_waiting_at_every_stage(as_of):
    waiting = collections.defaultdict(list)
    for rows in journeys(generate(as_of)).values():
        stage, since = stage_on(rows)
        waiting[stage].append((as_of - since).days)
    for stage in ("pre_birth", "in_care", "decision", "authority", "matched", "placed", "adopted", "exited"):
        assert waiting[stage], stage
    assert any(days < 90 for days in waiting["authority"])
    assert sum(days > 121 for days in waiting["authority"]) >= 2
    assert len(waiting["placed"]) >= 10


@pytest.mark.parametrize("as_of", (AS_OF, *OTHER_DAYS))
def test_households_named_by_a_child_were_approved_before_the_match(as_of):
    sample = generate(as_of)
    approved = collections.defaultdict(list)
    for row in sample.household_rows:
        if row["milestone"] == "approved":
            approved[row["household"]].append(D(row["occurred_on"]))
    for row in sample.child_rows:
        if row["milestone"] in ("early_permanence_placement", "matched", "placed"):
            assert any(d < D(row["occurred_on"]) for d in approved[row["household"]]), row


def test_interagency_households_are_approved_by_another_agency(agency):
    interagency = {r["household"] for r in agency.child_rows if r["interagency"] == "yes"}
    for row in agency.household_rows:
        if row["household"] in interagency:
            assert row["milestone"] in ("approved", "linked", "withdrawn")  # withdrawn after a disruption
            if row["milestone"] == "approved":
                assert row["interagency"] == "yes"


def test_households_are_at_every_stage(agency):
    streams = collections.defaultdict(list)
    for row in agency.household_rows:
        streams[row["household"]].append(row)
    named = collections.defaultdict(set)
    for row in agency.child_rows:
        if row["household"]:
            named[row["household"]].add(row["milestone"])
    last = {h: sorted(rows, key=lambda r: r["occurred_on"])[-1]["milestone"] for h, rows in streams.items()}
    for stage in ("enquiry", "stage1_started", "stage2_started", "withdrawn"):
        assert stage in last.values(), stage
    waiting = [
        (AS_OF - max(D(r["occurred_on"]) for r in rows if r["milestone"] == "approved")).days
        for h, rows in streams.items()
        if "approved" in {r["milestone"] for r in rows}
        and last[h] != "withdrawn" and "matched" not in named[h] and "early_permanence_placement" not in named[h]
    ]
    assert len(waiting) >= 10
    assert sum(days > 365 for days in waiting) >= 2
    assert any("adoption_order" in milestones for milestones in named.values())
    assert sum(milestones >= {"placed"} and "adoption_order" not in milestones for milestones in named.values())
    second_approval = [h for h, rows in streams.items() if sum(r["milestone"] == "approved" for r in rows) > 1]
    assert second_approval
