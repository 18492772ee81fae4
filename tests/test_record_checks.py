"""`journey check`: the record's problems to fix now, from a read model of their own."""

from __future__ import annotations

import json

import pytest
from factories import BY, LA, cli, write_agency

pytestmark = pytest.mark.usefixtures("today_fixed")

ADOPTED = [
    ("entered_care", "2018-01-10", {"legal_status": "C2"}), ("adm_decision", "2018-05-01"),
    ("placement_order", "2018-07-03", {"authority": "placement_order"}), ("matched", "2018-10-01", {"household": "H-A"}),
    ("placed", "2018-10-20", {"household": "H-A"}), ("adoption_order", "2019-03-01"),
]


# Today is 30 June 2024: a child still looked after is in every return to 2024-25's.
YEARS_2017_18_ON = [f"{y}-{(y + 1) % 100:02d}" for y in range(2017, 2025)]


def record(service, ref, steps):
    service.child(LA, ref, {"date_of_birth": "2015-06-01", "sex": "2", "ethnicity": "WBRI"}, recorded_by=BY)
    for name, on, *details in steps:
        service.record(LA, ref, name, on, details[0] if details else None, recorded_by=BY)


def rules(found, ref=None):
    return [(p["year"], p["rule"]) for p in found["problems"] if ref is None or p["child_ref"] == ref]


def test_the_adopters_details_an_export_needs_are_listed_until_recorded(service):
    record(service, "CV-1", ADOPTED)
    found = service.check(la=LA)
    assert rules(found) == [("", "adopters' details missing"), ("2018-19", "601"), ("2018-19", "601"), ("2018-19", "601")]
    [missing] = [p for p in found["problems"] if p["year"] == ""]
    assert missing["to_record"] == ("journey household H-A --adopters 1|2 --adopters-sex M1|F1|MM|FF|MF "
                                    "--adopters-legal-status L0|L11|L12|L2|L3|L4")
    service.household("H-A", adopters={"number": "2", "sex": "FF", "legal_status": "L12"}, recorded_by=BY)
    assert service.check(la=LA)["problems"] == []  # the household's change reached the child it adopted


@pytest.mark.parametrize("steps, expected", [
    ([("entered_care", "2018-01-10"), ("placement_order", "2018-07-03", {"authority": "placement_order"})],
     [("", "gap"), *((year, "553") for year in YEARS_2017_18_ON[1:])]),  # every return while the child is looked after
    ([("entered_care", "2018-01-10"), ("adm_decision", "2018-03-01"), ("placement_order", "2018-05-02", {"authority": "placement_order"}),
      ("left_care", "2018-11-01", {"reason": "E4A"})], [("2018-19", "557")]),
    ([("entered_care", "2016-01-10"), ("adm_decision", "2016-03-01"), ("placement_order", "2016-05-02", {"authority": "freeing_order"})],
     [("2016-17", "445"), *((year, "445") for year in YEARS_2017_18_ON)]),
    ([("entered_care", "2018-01-10"), ("adm_decision", "2018-03-01"), ("matched", "2018-06-01", {"household": "H-B"}),
      ("placed", "2018-06-20", {"household": "H-B"})], [("", "gap")]),
])
def test_each_rule_is_listed_with_the_child_and_what_to_record(service, steps, expected):
    record(service, "CV-2", steps)
    found = service.check(la=LA, child_ref="CV-2")
    assert rules(found) == expected
    assert all(p["to_record"] and p["message"] for p in found["problems"])


def test_a_year_keeps_that_returns_rules_and_a_correction_is_followed(service):
    record(service, "CV-3", [("entered_care", "2016-01-10"), ("adm_decision", "2016-03-01"),
                             ("placement_order", "2016-05-02", {"authority": "freeing_order"})])
    assert rules(service.check(la=LA, year="2019-20")) == [("2019-20", "445")]
    service.correct(LA, "CV-3", "placement_order", "2016-05-02", "2016-05-02", reason="a placement order",
                    details={"authority": "placement_order"}, recorded_by=BY)
    assert service.check(la=LA)["problems"] == []


def test_the_findings_are_the_same_after_a_rebuild(service):
    record(service, "CV-1", ADOPTED)
    record(service, "CV-2", [("entered_care", "2018-01-10"), ("placed", "2018-06-20", {"household": "H-B"})])
    before = service.check()
    service.rebuild_read_models()
    assert service.check() == before and before["problems"]


def test_the_command_line_lists_the_problems_and_exits_1(tmp_path):
    data = tmp_path / "var"
    write_agency(data)
    assert cli(data, "record", "--la", "Coventry", "CV-1", "entered_care", "2021-01-10").exit_code == 0
    assert cli(data, "record", "--la", "Coventry", "CV-1", "placed", "2021-06-01", "--household", "H1").exit_code == 0
    result = cli(data, "check", "--la", "coventry")
    assert result.exit_code == 1
    assert "child CV-1 of Coventry: gap: placed on 2021-06-01 has no earlier matched recorded: record the matched" in result.stdout
    assert "child CV-1 of Coventry: 2021-22 rule 551: placed for adoption on 01/06/2021 with no decision" in result.stdout
    as_json = json.loads(cli(data, "check", "--json", "--year", "2021-22").stdout)
    # no date of birth, sex or ethnicity recorded: the Header the return needs
    assert {p["rule"] for p in as_json["problems"]} == {"gap", "551", "Header"} and as_json["year"] == "2021-22"
    assert cli(data, "check", "--year", "2021").exit_code == 1  # refused: not a collection year
    assert "(--year)" in cli(data, "check", "--year", "2021").stderr


def test_the_sample_agency_has_only_its_gaps_and_passes_the_adoption_rules(tmp_path):
    from factories import make_settings

    from journey.service import Tracker

    tracker = Tracker(make_settings(tmp_path))
    try:
        tracker.load_sample("2024-06-30")
        found = tracker.check()
        assert found["children"] == 600
        assert {p["rule"] for p in found["problems"]} <= {"gap"}
        assert all(tracker.export_ssda903(tmp_path / la / "2023-24", la=la, year="2023-24")["written"]
                   for la in ("Coventry", "Solihull"))
    finally:
        tracker.close()
        tracker.store.close()


def _findings_held(service):
    """The findings the read model holds now, without catching anything up."""
    from projections import checks

    db = service._read_models()
    return checks.current(db), checks.findings(db)


def test_an_import_leaves_the_findings_current_so_a_check_is_a_query(service, tmp_path):
    from factories import write_milestones_csv

    child = {"date_of_birth": "2015-06-01", "sex": "2", "ethnicity": "WBRI"}
    rows = [{"child_ref": ref, "local_authority": LA, "milestone": name, "occurred_on": on, **child, **(details[0] if details else {})}
            for ref in ("CV-1", "CV-2") for name, on, *details in ADOPTED]
    service.import_milestones(write_milestones_csv(tmp_path / "adopted.csv", rows), recorded_by=BY)
    current, held = _findings_held(service)
    assert current and {(f["child_ref"], f["rule"]) for f in held} == {
        (ref, rule) for ref in ("CV-1", "CV-2") for rule in ("adopters' details missing", "601")}
    assert held == service.check()["problems"]
    service.household("H-A", adopters={"number": "2", "sex": "FF", "legal_status": "L12"}, recorded_by=BY)
    assert _findings_held(service) == (True, [])  # the command kept them current: both children adopted by H-A


def test_a_rebuild_works_the_findings_out_again(service):
    record(service, "CV-1", ADOPTED)
    before = service.check()
    service.rebuild_read_models()
    assert _findings_held(service) == (True, before["problems"])


def test_in_a_new_collection_year_a_command_leaves_the_findings_to_the_check(service):
    from factories import TODAY

    from journey.domain import clock

    record(service, "CV-1", ADOPTED)
    record(service, "CV-2", [("entered_care", "2018-01-10"), ("placement_order", "2018-07-03", {"authority": "placement_order"})])
    assert _findings_held(service)[0]
    clock.set_today(TODAY.replace(year=TODAY.year + 1))  # CV-2, still looked after, is in one more return
    service.record(LA, "CV-1", "register_referral", "2017-10-01", recorded_by=BY)
    assert not _findings_held(service)[0]  # every child is worked out again by the check (or the scheduler), not by a command
    assert ("2025-26", "553") in rules(service.check(), "CV-2") and _findings_held(service)[0]


def test_a_new_collection_year_works_out_again_only_the_children_not_adopted_and_finds_what_starting_again_finds(tmp_path):
    """The sample agency checked in March, then in April (a new collection year):
    the children not adopted are worked out again, the adopted ones kept, and the
    findings are those of every child worked out afresh in April."""
    import datetime

    from factories import make_settings

    from journey.domain import clock
    from journey.service import Tracker
    from projections import checks

    clock.set_today(datetime.date(2024, 3, 20))
    tracker = Tracker(make_settings(tmp_path / "sample"))
    try:
        tracker.load_sample("2024-03-20")
        la = tracker.councils()[0]["name"]
        tracker.child(la, "CV-2", {"date_of_birth": "2015-06-01", "sex": "2", "ethnicity": "WBRI"}, recorded_by=BY)
        for name, on, *details in [("entered_care", "2018-01-10"), ("placement_order", "2018-07-03", {"authority": "placement_order"})]:
            tracker.record(la, "CV-2", name, on, details[0] if details else None, recorded_by=BY)
        march = tracker.check()
        assert ("2024-25", "553") not in rules(march, "CV-2")
        db = tracker.read_models()
        adopted = db.execute("SELECT count(*) FROM children WHERE stage = 'adopted'").fetchone()[0]
        assert 0 < adopted < march["children"]
        clock.set_today(datetime.date(2024, 4, 2))
        worked_out = []
        original = checks._work_out
        try:
            checks._work_out = lambda db, ids: (worked_out.extend(ids), original(db, ids))
            april = tracker.check()
        finally:
            checks._work_out = original
        assert len(worked_out) == march["children"] - adopted  # the adopted children were kept as they were
        assert ("2024-25", "553") in rules(april, "CV-2")  # the new year's return is checked
        tracker.rebuild_read_models()  # every child worked out afresh
        assert tracker.check()["problems"] == april["problems"]
    finally:
        tracker.close()
        tracker.store.close()
        clock.set_today(None)
