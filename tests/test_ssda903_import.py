"""Loading a council's SSDA903 return through the service: the milestones section 6
derives, checked whole first, and year after year."""

from __future__ import annotations

import csv

import pytest
from factories import BY, LA, VIEWER, cli, write_milestones_csv
from returns903 import Journey, journey_rows, tables_of, write_return

from journey.service import InvalidValue, TablesRefused

pytestmark = pytest.mark.usefixtures("today_fixed")

ON_TIME = Journey("CV-1", [
    ("entered_care", "2018-01-10", {"legal_status": "C2"}), ("adm_decision", "2018-05-01"),
    ("placement_order", "2018-07-03", {"authority": "placement_order"}), ("matched", "2018-10-01", {"household": "H-A"}),
    ("placed", "2018-10-20", {"household": "H-A"}), ("adoption_order", "2019-06-01", {"household": "H-A"}),
])
FOSTERED_FOR_ADOPTION = Journey("CV-2", [
    ("entered_care", "2018-02-01", {"legal_status": "C1"}), ("early_permanence_placement", "2018-02-20", {"household": "H-B"}),
    ("adm_decision", "2018-04-01"), ("placement_order", "2018-06-01", {"authority": "placement_order"}),
    ("matched", "2018-08-01", {"household": "H-B"}), ("placed", "2018-08-15", {"household": "H-B", "foster_carer_adoption": True}),
    ("adoption_order", "2019-03-01", {"household": "H-B"}),
], sex="2", ethnic="MWBC", adopters=("1", "F1", "L0"))
REVERSED = Journey("CV-3", [
    ("entered_care", "2018-03-01", {"legal_status": "C2"}), ("adm_decision", "2018-06-01"),
    ("decision_reversed", "2018-11-01", {"reason": "RD2"}), ("left_care", "2019-01-10", {"reason": "E4A"}),
])
DISRUPTED = Journey("CV-4", [
    ("entered_care", "2017-11-01", {"legal_status": "C2"}), ("adm_decision", "2018-02-01"),
    ("placement_order", "2018-04-01", {"authority": "placement_order"}), ("matched", "2018-06-01", {"household": "H-D1"}),
    ("placed", "2018-06-20", {"household": "H-D1"}), ("disruption", "2018-09-01"),
    ("matched", "2019-01-10", {"household": "H-D2"}), ("placed", "2019-02-01", {"household": "H-D2"}),
    ("adoption_order", "2019-09-01", {"household": "H-D2"}),
])
JOURNEYS = (ON_TIME, FOSTERED_FOR_ADOPTION, REVERSED, DISRUPTED)


def milestones(service, child_ref):
    return [(m["milestone"], m["occurred_on"]) for m in service.child_summary(LA, child_ref)["milestones"]]


def carried(journey):
    """The journey's milestones that the 903 carries: all but a match that a later one replaced."""
    steps = sorted(journey.steps, key=lambda s: s[1])
    last_match = max(on for name, on, *_ in steps if name == "matched") if any(s[0] == "matched" for s in steps) else None
    return [(name, on) for name, on, *_ in steps if name != "matched" or on == last_match]


def test_a_return_gives_the_milestones_the_903_carries_and_the_same_scorecard_as_the_journeys(service, tmp_path):
    folder = write_return(tmp_path / "return", tables_of(JOURNEYS))
    done = service.import_ssda903(folder, la=LA, recorded_by=BY)
    assert done["written"] and done["problems"] == [] and done["children_imported"] == 4
    for journey in JOURNEYS:
        assert milestones(service, journey.child) == sorted(carried(journey), key=lambda m: m[1]), journey.child
    direct = service.__class__(service.settings.__class__(data_dir=tmp_path / "direct"))
    try:
        direct.import_milestones(write_milestones_csv(tmp_path / "direct.csv", journey_rows(JOURNEYS, LA)), recorded_by=BY)
        for period in (("2018-04-01", "2019-03-31"), ("2019-04-01", "2020-03-31"), ("2017-04-01", "2020-03-31")):
            assert service.scorecard(*period) == direct.scorecard(*period)
        assert service.scorecard("2017-04-01", "2020-03-31")["A10"]["children"] == 3
    finally:
        direct.close()
        direct.store.close()


def test_a_foster_carer_adoption_moved_in_when_the_carer_fostered_and_the_household_keeps_ad1s_adopters(service, tmp_path):
    service.import_ssda903(write_return(tmp_path / "r", tables_of([FOSTERED_FOR_ADOPTION])), la=LA, recorded_by=BY)
    summary = {m["milestone"]: m for m in service.child_summary(LA, "CV-2")["milestones"]}
    household = "903-331-CV-2-20180220"
    assert summary["placed"]["details"] == {"household": household, "foster_carer_adoption": True, "moved_in_on": "2018-02-20"}
    assert summary["early_permanence_placement"]["details"] == {"household": household}
    assert summary["matched"]["details"] == {"household": household}
    assert summary["adoption_order"]["details"] == {"household": household}
    entries = service.household_history(household, viewer=VIEWER)["entries"]
    assert [e.get("adopters") for e in entries if e.get("change") == "adopters"] == [{"number": "1", "sex": "F1", "legal_status": "L0"}]
    assert [(e["milestone"], e["occurred_on"]) for e in entries if e["type"] == "milestone"] == [
        ("matched", "2018-08-01"), ("placed", "2018-08-15"), ("adoption_order", "2019-03-01")]


def test_loading_the_same_return_twice_adds_nothing(service, tmp_path):
    folder = write_return(tmp_path / "r", tables_of(JOURNEYS))
    first = service.import_ssda903(folder, la=LA, recorded_by=BY)
    before = service.log_length()
    again = service.import_ssda903(folder, la=LA, recorded_by=BY)
    assert (again["milestones_added"], again["corrections"], again["households_described"]) == (0, 0, 0)
    assert again["already_recorded"] == first["milestones_added"]
    assert again["position"] is None and service.log_length() == before
    assert again["differences"] == [] and again["not_held"] == []


def next_year(journey: Journey, changes: dict[tuple[str, str], str]) -> Journey:
    steps = [(name, changes.get((name, on), on), *rest) for name, on, *rest in journey.steps]
    return Journey(journey.child, steps, journey.dob, journey.sex, journey.ethnic, journey.adopters)


def test_next_years_return_with_one_changed_date_gives_one_correction_naming_the_return(service, tmp_path):
    service.import_ssda903(write_return(tmp_path / "2018-19", tables_of(JOURNEYS)), la=LA, year="2018-19", recorded_by=BY)
    changed = next_year(ON_TIME, {("placed", "2018-10-20"): "2018-10-22"})
    done = service.import_ssda903(write_return(tmp_path / "2019-20", tables_of([changed, *JOURNEYS[1:]])), la=LA,
                                  year="2019-20", recorded_by=BY)
    assert (done["milestones_added"], done["corrections"]) == (0, 1)
    [correction] = [e for e in service.child_history(LA, "CV-1", viewer=VIEWER)["entries"] if e["type"] == "correction"]
    assert correction["corrects"]["occurred_on"] == "2018-10-20" and correction["occurred_on"] == "2018-10-22"
    assert correction["reason"] == "SSDA903 return 2019-20 of Coventry: episodes.csv row 4 DECOM"
    household = "903-331-CV-1-20181020"
    assert ("placed", "2018-10-22") in [(e["milestone"], e["occurred_on"]) for e in service.household_journey_as_at(household, "2024-06-30", viewer=VIEWER)["entries"]]
    again = service.import_ssda903(write_return(tmp_path / "2018-19", tables_of(JOURNEYS)), la=LA, year="2018-19", recorded_by=BY)
    assert (again["milestones_added"], again["corrections"]) == (0, 0)  # the older return does not undo it
    assert [d["rule"] for d in again["differences"]] == ["an earlier date"]
    assert ("placed", "2018-10-22") in milestones(service, "CV-1")


def test_a_date_the_tracker_corrected_wins_over_the_return(service, tmp_path):
    folder = write_return(tmp_path / "2018-19", tables_of(JOURNEYS))
    service.import_ssda903(folder, la=LA, year="2018-19", recorded_by=BY)
    service.correct(LA, "CV-1", "adm_decision", "2018-05-01", "2018-05-03", reason="the ADM's letter", recorded_by="a tracker")
    done = service.import_ssda903(write_return(tmp_path / "2019-20", tables_of(JOURNEYS)), la=LA, year="2019-20", recorded_by=BY)
    assert (done["milestones_added"], done["corrections"]) == (0, 0)
    [difference] = done["differences"]
    assert (difference["file"], difference["row"], difference["child_ref"], difference["rule"]) == (
        "placed_adoption.csv", 2, "CV-1", "corrected in the tracker")
    assert "01/05/2018" in difference["message"] and "the ADM's letter" in difference["message"]
    assert ("adm_decision", "2018-05-03") in milestones(service, "CV-1")


def test_a_milestone_a_later_load_of_the_year_no_longer_holds_is_reported_not_withdrawn(service, tmp_path):
    service.import_ssda903(write_return(tmp_path / "a", tables_of([REVERSED])), la=LA, year="2018-19", recorded_by=BY)
    without = Journey("CV-3", [s for s in REVERSED.steps if s[0] != "decision_reversed"])
    done = service.import_ssda903(write_return(tmp_path / "b", tables_of([without])), la=LA, year="2018-19", recorded_by=BY)
    [gone] = done["not_held"]
    assert gone["child_ref"] == "CV-3" and "decision_reversed of 01/11/2018" in gone["message"]
    assert ("decision_reversed", "2018-11-01") in milestones(service, "CV-3")


def rewrite(folder, file, row, **cells):
    path = folder / file
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    rows[row - 2].update(cells)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("file, row, cells, rule, words", [
    ("episodes.csv", 2, {"DECOM": "2018-01-10"}, "malformed date", "DECOM '2018-01-10' is not a date written dd/mm/YYYY"),
    ("episodes.csv", 2, {"DECOM": "31/02/2018"}, "malformed date", "DECOM"),
    ("episodes.csv", 3, {"PLACE": "A2"}, "code outside the DfE list", "PLACE 'A2' is not a DfE code"),
    ("episodes.csv", 3, {"LS": "E2"}, "code outside the DfE list", "LS 'E2'"),
    ("episodes.csv", 3, {"RNE": "Q"}, "code outside the DfE list", "RNE 'Q'"),
    ("episodes.csv", 4, {"REC": "E10"}, "code outside the DfE list", "REC 'E10'"),
    ("header.csv", 2, {"ETHNIC": "WHIT"}, "code outside the DfE list", "ETHNIC 'WHIT'"),
    ("header.csv", 2, {"SEX": "9"}, "code outside the DfE list", "SEX '9'"),
    ("ad1.csv", 2, {"SEX_ADOPTR": "FM"}, "code outside the DfE list", "SEX_ADOPTR 'FM'"),
    ("ad1.csv", 2, {"LS_ADOPTR": "L1"}, "code outside the DfE list", "LS_ADOPTR 'L1'"),
    ("ad1.csv", 2, {"NB_ADOPTR": "3"}, "code outside the DfE list", "NB_ADOPTR '3'"),
    ("ad1.csv", 2, {"FOSTER_CARE": "2"}, "code outside the DfE list", "FOSTER_CARE '2'"),
    ("placed_adoption.csv", 2, {"DATE_PLACED_CEASED": "01/11/2018", "REASON_PLACED_CEASED": "RD9"}, "code outside the DfE list", "REASON_PLACED_CEASED 'RD9'"),
    ("placed_adoption.csv", 2, {"DATE_PLACED": "01/05/2016"}, "before birth", "2016-05-01 is before the date of birth"),
    ("placed_adoption.csv", 2, {"DATE_PLACED": "01/05/2017"}, "decision before care", "adm_decision"),
    ("ad1.csv", 2, {"DATE_MATCH": "01/11/2018"}, "match after placement", "matched"),
    ("episodes.csv", 4, {"DEC": "01/06/2025"}, "date in the future", "adoption_order"),
])
def test_a_bad_row_refuses_the_return_naming_file_row_child_and_rule(service, tmp_path, file, row, cells, rule, words):
    folder = write_return(tmp_path / "r", tables_of([ON_TIME, REVERSED]))
    rewrite(folder, file, row, **cells)
    done = service.import_ssda903(folder, la=LA, recorded_by=BY)
    assert not done["written"] and service.log_length() == 0
    assert {(p["file"], p["row"], p["child_ref"]) for p in done["problems"]} == {(file, row, "CV-1")}
    [problem] = [p for p in done["problems"] if p["rule"] == rule]
    assert words in problem["message"]
    skipped = service.import_ssda903(folder, la=LA, skip_invalid=True, recorded_by=BY)
    assert skipped["written"] and skipped["skipped_children"] == ["CV-1"] and skipped["children_imported"] == 1
    assert milestones(service, "CV-3")[0] == ("entered_care", "2018-03-01")


def test_codes_are_checked_against_the_list_of_the_year_each_row_falls_in(service, tmp_path):
    journey = Journey("CV-9", [("entered_care", "2023-05-01")])
    folder = write_return(tmp_path / "r", tables_of([journey]))
    rewrite(folder, "episodes.csv", 2, PLACE="K3")  # supported accommodation: from 2024-25
    refused = service.import_ssda903(folder, la=LA, recorded_by=BY)
    assert [p["message"] for p in refused["problems"]] == [
        "PLACE 'K3' is not a code of the DfE's list in 2023-24 (it is valid from 2024-25 to now)"]
    assert service.import_ssda903(folder, la=LA, year="2024-25", recorded_by=BY)["written"]


def test_a_freeing_order_after_2005_is_imported_and_reported(service, tmp_path):
    journey = Journey("CV-5", [("entered_care", "2016-01-10"), ("adm_decision", "2016-03-01"),
                               ("placement_order", "2016-05-02", {"authority": "freeing_order"})], dob="2015-06-01")
    done = service.import_ssda903(write_return(tmp_path / "r", tables_of([journey])), la=LA, recorded_by=BY)
    assert done["written"] and ("placement_order", "2016-05-02") in milestones(service, "CV-5")
    [order] = [m for m in service.child_summary(LA, "CV-5")["milestones"] if m["milestone"] == "placement_order"]
    assert order["details"] == {"authority": "freeing_order"}
    [warning] = done["warnings"]
    assert (warning["file"], warning["row"], warning["rule"]) == ("episodes.csv", 3, "DfE rule")
    assert "freeing orders ended on 30/12/2005" in warning["message"]


def episodes_table(child, *episodes):
    return [{"CHILD": child, "DECOM": decom, "RNE": rne, "LS": ls, "CIN": "N1", "PLACE": place, "PLACE_PROVIDER": "",
             "DEC": dec, "REC": rec, "REASON_PLACE_CHANGE": "", "HOME_POST": "", "PL_POST": "", "URN": ""}
            for decom, rne, ls, place, dec, rec in episodes]


def test_an_adoption_placement_that_only_changes_legal_status_continues_the_placement(service, tmp_path):
    tables = tables_of([Journey("CV-6", [])])
    tables["Episodes"] = episodes_table(
        "CV-6",
        ("01/03/2018", "S", "V2", "U6", "01/06/2018", "X1"),
        ("01/06/2018", "P", "V2", "A4", "01/09/2018", "X1"),   # placed with consent
        ("01/09/2018", "L", "E1", "A6", "01/03/2019", "X1"),   # then a placement order: the same placement
        ("01/03/2019", "P", "E1", "A6", "01/06/2019", "E11"),  # another carer: a new placement
    )
    service.import_ssda903(write_return(tmp_path / "r", tables), la=LA, recorded_by=BY)
    assert milestones(service, "CV-6") == [
        ("entered_care", "2018-03-01"), ("placed", "2018-06-01"), ("placement_order", "2018-06-01"),
        ("placement_order", "2018-09-01"), ("placed", "2019-03-01"), ("adoption_order", "2019-06-01")]
    orders = [m["details"] for m in service.child_summary(LA, "CV-6")["milestones"] if m["milestone"] == "placement_order"]
    assert orders == [{"authority": "consent"}, {"authority": "placement_order"}]  # consent dated by the A4 placement


def test_a_one_year_return_pairs_with_what_earlier_years_brought(service, tmp_path):
    service.import_ssda903(write_return(tmp_path / "all", tables_of([DISRUPTED])), la=LA, recorded_by=BY)
    later = tables_of([DISRUPTED])
    later["Episodes"] = [e for e in later["Episodes"] if e["DEC"] == "" or e["DEC"] >= "01/04/2019"]
    later["Episodes"] = [e for e in later["Episodes"] if e["DECOM"].endswith(("2019",))]
    later["Episodes"][0]["DECOM"] = "03/02/2019"  # the second placement, a date corrected in the case system
    done = service.import_ssda903(write_return(tmp_path / "2019-20", later), la=LA, year="2019-20", recorded_by=BY)
    assert (done["milestones_added"], done["corrections"], done["problems"]) == (0, 1, [])
    assert [m for m in milestones(service, "CV-4") if m[0] == "placed"] == [("placed", "2018-06-20"), ("placed", "2019-02-03")]


def test_the_cli_imports_a_return_and_writes_its_report(tmp_path):
    from factories import write_agency

    data = tmp_path / "var"
    write_agency(data)
    names = {"Header": "SSDA903_2018_header.csv", "Episodes": "SSDA903_2018_episodes.csv", "AD1": "ad1_2018.csv",
             "PlacedAdoption": "placed.csv"}
    folder = write_return(tmp_path / "r", tables_of(JOURNEYS), names=names)
    rewrite(folder, "SSDA903_2018_episodes.csv", 3, PLACE="ZZ")
    result = cli(data, "import", "ssda903", str(folder), "--la", "coventry", "--report", str(tmp_path / "report.csv"))
    assert result.exit_code == 3
    assert "SSDA903_2018_episodes.csv row 3: child CV-1: problem: code outside the DfE list: PLACE 'ZZ'" in result.stderr
    with open(tmp_path / "report.csv", newline="") as f:
        [row] = [r for r in csv.DictReader(f) if r["kind"] == "problem"]
    assert (row["file"], row["row"], row["child"], row["rule"]) == ("SSDA903_2018_episodes.csv", "3", "CV-1", "code outside the DfE list")
    result = cli(data, "import", "ssda903", str(folder), "--la", "Coventry", "--skip-invalid", "--year", "2018-19")
    assert result.exit_code == 3 and "Skipped 1 child with problems: CV-1" in result.stderr
    assert "for 3 children" in result.stdout
    assert result.stderr.index("Checking and writing the return's 4 children") < \
        result.stderr.index("Bringing the figures and lists up to date...") < \
        result.stderr.index("Checking the records against the DfE's rules (journey check)...")
    assert cli(data, "import", "ssda903", str(folder), "--la", "Coventry", "--year", "2018/19").exit_code == 1
    assert "(--year)" in cli(data, "import", "ssda903", str(folder), "--la", "Coventry", "--year", "2018/19").stderr


def test_a_folder_that_is_not_a_return_is_refused_before_the_store_is_opened(service, tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "notes.csv").write_text("CHILD,NAME\n1,x\n")
    with pytest.raises(TablesRefused, match="notes.csv: row 1"):
        service.import_ssda903(tmp_path / "r", la=LA, recorded_by=BY)
    with pytest.raises(InvalidValue):
        service.import_ssda903(tmp_path / "r", la=LA, year="2018", recorded_by=BY)
    assert not service.settings.events_path.exists()


REENTERED = Journey("CV-7", [
    ("entered_care", "2016-05-01", {"legal_status": "V2"}), ("left_care", "2016-11-01", {"reason": "E4A"}),
    ("entered_care", "2017-09-01", {"legal_status": "C1"}), ("adm_decision", "2018-01-15"),
    ("placement_order", "2018-03-20", {"authority": "placement_order"}), ("matched", "2018-06-01", {"household": "H-7"}),
    ("placed", "2018-06-10", {"household": "H-7"}), ("adoption_order", "2019-05-02", {"household": "H-7"}),
], dob="2015-08-01")


def test_a_whole_history_of_returns_in_one_load_gives_each_milestone_once(service, tmp_path):
    from returns903 import history_of, return_of_year

    journeys = (*JOURNEYS, REENTERED)
    years = ("2016-17", "2017-18", "2018-19", "2019-20")
    done = service.import_ssda903(write_return(tmp_path / "history", history_of(tables_of(journeys), years)), la=LA, recorded_by=BY)
    assert done["written"] and done["problems"] == []
    for journey in journeys:
        assert milestones(service, journey.child) == sorted(carried(journey), key=lambda m: m[1]), journey.child
    again = [service.import_ssda903(write_return(tmp_path / year, return_of_year(tables_of(journeys), year)),
                                    la=LA, year=year, recorded_by=BY) for year in years]
    assert [(a["milestones_added"], a["corrections"], a["not_held"]) for a in again] == [(0, 0, [])] * 4


def test_returns_loaded_year_after_year_build_the_same_journeys(service, tmp_path):
    from returns903 import return_of_year

    journeys = (*JOURNEYS, REENTERED)
    for year in ("2016-17", "2017-18", "2018-19", "2019-20"):
        done = service.import_ssda903(write_return(tmp_path / year, return_of_year(tables_of(journeys), year)), la=LA,
                                      year=year, recorded_by=BY)
        assert done["problems"] == [] and done["corrections"] == 0 and done["not_held"] == [], year
    for journey in journeys:
        assert milestones(service, journey.child) == sorted(carried(journey), key=lambda m: m[1]), journey.child


def test_a_milestone_withdrawn_in_the_tracker_is_not_brought_back_by_the_return(service, tmp_path):
    folder = write_return(tmp_path / "r", tables_of([ON_TIME]))
    service.import_ssda903(folder, la=LA, recorded_by=BY)
    service.withdraw(LA, "CV-1", "placement_order", "2018-07-03", reason="keyed on the wrong child", recorded_by="a tracker")
    again = service.import_ssda903(folder, la=LA, recorded_by=BY)
    assert (again["milestones_added"], again["corrections"]) == (0, 0)
    assert ("placement_order", "2018-07-03") not in milestones(service, "CV-1")


def test_consent_is_read_once_a_period_from_the_placements_it_allowed(service, tmp_path):
    tables = tables_of([Journey("CV-8", [])])
    tables["Episodes"] = episodes_table(
        "CV-8",
        ("01/03/2018", "S", "V2", "U6", "01/06/2018", "X1"),
        ("01/06/2018", "P", "V2", "A4", "01/09/2018", "X1"),   # placed with consent
        ("01/09/2018", "P", "V2", "U6", "01/12/2018", "X1"),   # disrupted
        ("01/12/2018", "P", "V2", "A4", "", ""),               # placed again, with the same consent
    )
    service.import_ssda903(write_return(tmp_path / "r", tables), la=LA, recorded_by=BY)
    assert [m for m in milestones(service, "CV-8") if m[0] in ("placement_order", "placed", "disruption")] == [
        ("placed", "2018-06-01"), ("placement_order", "2018-06-01"), ("disruption", "2018-09-01"), ("placed", "2018-12-01")]


def test_a_placement_the_tracker_holds_keeps_its_household_which_gets_ad1s_adopters(service, tmp_path):
    for name, on, *details in ON_TIME.steps:
        service.record(LA, "CV-1", name, on, details[0] if details else None, recorded_by="a tracker")
    done = service.import_ssda903(write_return(tmp_path / "r", tables_of([ON_TIME])), la=LA, recorded_by=BY)
    assert (done["milestones_added"], done["corrections"], done["households_described"]) == (0, 0, 1)
    assert [e["adopters"] for e in service.household_history("H-A", viewer=VIEWER)["entries"] if e.get("change") == "adopters"] == [
        {"number": "2", "sex": "MF", "legal_status": "L11"}]
    with pytest.raises(Exception, match="no household 903-331-CV-1-20181020"):
        service.household_history("903-331-CV-1-20181020", viewer=VIEWER)


def test_a_foster_carer_adoption_whose_carers_came_before_the_tables_is_reported_not_given_a_later_moved_in(service, tmp_path):
    """One year's return whose first episode of the child is already with the foster
    carers who adopt (RNE L: only the legal status changed): when the child moved in
    is not in these tables, `placed` has no moved_in_on (not a later date), and the
    report says so."""
    folder = write_return(tmp_path / "r", tables_of([FOSTERED_FOR_ADOPTION]))
    episodes = folder / "episodes.csv"
    lines = episodes.read_text().splitlines(keepends=True)
    episodes.write_text(lines[0] + "".join(lines[3:]))  # the child's first two episodes were in earlier years
    done = service.import_ssda903(folder, la=LA, recorded_by=BY)
    assert done["written"]
    summary = {m["milestone"]: m for m in service.child_summary(LA, "CV-2")["milestones"]}
    assert "moved_in_on" not in summary["placed"]["details"] and summary["placed"]["details"]["foster_carer_adoption"]
    [warning] = [p for p in done["warnings"] if p["rule"] == "moved in before these tables"]
    assert warning["child_ref"] == "CV-2" and "without moved_in_on" in warning["message"]
    assert "load the earlier years' returns" in warning["message"]
    # The placement still has a household of its own (from the first episode of the
    # carers the tables hold), which keeps AD1's adopters.
    household = "903-331-CV-2-20180601"
    assert summary["placed"]["details"]["household"] == household == summary["adoption_order"]["details"]["household"]
    assert [w for w in done["warnings"] if w["rule"] == "adopters' details not kept"] == []
    assert service.household_summary(household)["children"]


def test_a_match_before_the_first_episode_the_tables_hold_keeps_ad1s_adopters_on_the_placements_household(service, tmp_path):
    """One year's return whose first episode of the child is the adoption placement
    itself, matched in an earlier year: AD1's adopters are kept on the household the
    placement is given, and the match names it."""
    folder = write_return(tmp_path / "r", tables_of([FOSTERED_FOR_ADOPTION]))
    episodes = folder / "episodes.csv"
    lines = episodes.read_text().splitlines(keepends=True)
    episodes.write_text(lines[0] + "".join(lines[4:]))  # only the placement of 15/08/2018; matched 01/08/2018
    done = service.import_ssda903(folder, la=LA, recorded_by=BY)
    assert done["written"]
    assert [w for w in done["warnings"] if w["rule"] == "adopters' details not kept"] == []
    summary = {m["milestone"]: m for m in service.child_summary(LA, "CV-2")["milestones"]}
    household = summary["placed"]["details"]["household"]
    assert summary["matched"]["details"] == {"household": household}
    entries = service.household_history(household, viewer=VIEWER)["entries"]
    assert [e.get("adopters") for e in entries if e.get("change") == "adopters"] == [{"number": "1", "sex": "F1", "legal_status": "L0"}]
