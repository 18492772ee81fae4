"""The service seam (`journey.service.Tracker`), driven directly: no CLI, no click.

Each command is a whole unit of work: its answer comes back with the event ids and
log position it wrote, the read models already at that position and the alerts of
what it changed already swept. A refused command writes nothing and raises an
error whose fields say what was refused.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from factories import BY, LA, TODAY, VIEWER, d, row, today_is, write_milestones_csv

from journey.domain import clock
from journey.domain.errors import ChildNotFound, InvalidValue, JourneyRulesBroken
from journey.domain.timescale_rules import RulesFileError
from journey.service import Tracker

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def today():
    clock.set_today(TODAY)  # 30 June 2024
    yield
    clock.set_today(None)


def log_length(service: Tracker) -> int:
    return service.log_length()


def test_a_command_returns_plain_values_with_its_event_ids_and_position(service):
    done = service.record(LA, "CV-1", "entered_care", "2023-01-10", recorded_by=BY)
    assert json.loads(json.dumps(done)) == done  # plain values only
    assert done["event_ids"] == [1, 2] and done["event_id"] == 2  # registered, then the milestone
    assert done["position"] == log_length(service)
    assert service.read_models_status()["position"] == done["position"]  # read models already there
    assert service.wait_for(done["position"], timeout=0)


def test_an_alert_closes_and_the_read_models_move_when_the_stopping_milestone_is_recorded(service):
    service.record(LA, "CV-1", "adm_decision", "2023-12-01", recorded_by=BY)
    order = service.record(LA, "CV-1", "placement_order", "2024-01-10", {"authority": "placement_order"}, recorded_by=BY)
    assert order["alerts"] == {"escalated": 1, "raised": 1}  # order-to-match, breached from 10 May
    assert service.sweep_alerts()["counts"] == {}  # the command swept its child already
    [alert] = [a for a in service.alerts(level="breach") if a["rule"] == "order-to-match"]
    assert (alert["child_ref"], alert["status"]) == ("CV-1", "open")
    assert [c["child_ref"] for c in service.waiting(stage="authority")] == ["CV-1"]

    done = service.record(LA, "CV-1", "matched", "2024-06-20", {"household": "H-1"}, recorded_by=BY)

    assert done["alerts"] == {"closed": 2}  # order-to-match and decision-to-register
    closed = {a["id"]: a for a in service.alerts(status="closed")}
    assert (closed[alert["id"]]["stopped_by"], closed[alert["id"]]["closed_on"]) == ("matched", "2024-06-20")
    assert done["position"] == service.log_length() == service.read_models_status()["position"]
    assert service.waiting(stage="authority") == []
    assert [c["child_ref"] for c in service.waiting(stage="matched")] == ["CV-1"]
    assert service.stages()["stages"]["matched"] == 1


def test_a_withdrawal_reopens_what_its_milestone_had_stopped(service):
    service.record(LA, "CV-1", "placement_order", "2024-01-10", {"authority": "placement_order"}, recorded_by=BY)
    service.sweep_alerts()
    service.record(LA, "CV-1", "matched", "2024-06-20", {"household": "H-1"}, recorded_by=BY)
    done = service.withdraw(LA, "CV-1", "matched", "2024-06-20", reason="keyed on the wrong child", recorded_by=BY)
    assert done["alerts"] == {"reopened": 1}
    assert [a["status"] for a in service.alerts()] == ["open"]


def test_an_import_raises_its_childrens_alerts_when_it_ends(service, tmp_path):
    path = write_milestones_csv(tmp_path / "in.csv", [
        row("CV-1", "placement_order", "2024-01-10", authority="placement_order"),
        row("CV-2", "entered_care", "2024-06-01"),
    ])
    done = service.import_milestones(path, recorded_by=BY)
    assert done["written"] and done["milestones_added"] == 2 and done["problems"] == []
    assert done["alerts"] == {"escalated": 1, "raised": 1}
    assert done["position"] == log_length(service)
    assert [(a["child_ref"], a["level"]) for a in service.alerts()] == [("CV-1", "breach")]
    again = service.import_milestones(path, recorded_by=BY)
    assert again["milestones_added"] == 0 and again["position"] is None and again["alerts"] == {}


def test_a_refused_import_writes_nothing_and_names_row_child_and_rule(service, tmp_path):
    path = write_milestones_csv(tmp_path / "in.csv", [
        row("CV-1", "entered_care", "2024-01-10"),
        row("CV-2", "adoption_order", "2024-01-10"),
        row("CV-2", "placed", "2024-02-10"),
    ])
    done = service.import_milestones(path, recorded_by=BY)
    assert not done["written"] and log_length(service) == 0
    [problem] = done["problems"]
    assert (problem["row"], problem["child_ref"], problem["local_authority"]) == (4, "CV-2", LA)
    assert problem["rule"] == "placed on or after adoption order"


def test_refused_commands_write_nothing_and_carry_fields(service):
    service.record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    before = log_length(service)
    with pytest.raises(InvalidValue) as no_reason:
        service.correct(LA, "CV-1", "entered_care", "2024-01-10", "2024-01-11", reason=" ", recorded_by=BY)
    assert no_reason.value.field == "reason" and "--" not in no_reason.value.message
    with pytest.raises(JourneyRulesBroken) as broken:
        service.record(LA, "CV-1", "adm_decision", "2023-06-01", recorded_by=BY, attributes={"date_of_birth": "2023-08-01"})
    error = broken.value.to_dict()
    assert (error["child_ref"], error["local_authority"]) == ("CV-1", LA)
    assert "before birth" in error["rule"] and "2023-06-01" in error["dates"]
    with pytest.raises(ChildNotFound):
        service.child_history(LA, "CV-404", viewer=VIEWER)
    assert log_length(service) == before


def test_a_bad_rules_file_refuses_a_command_before_anything_is_written(service):
    (service.settings.data_dir / "timescales.toml").write_text("review_after_days = 'soon'\n")
    with pytest.raises(RulesFileError):
        service.record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    assert log_length(service) == 0


def test_histories_carry_their_english_sentences(service):
    service.record(LA, "CV-1", "matched", "2024-06-20", {"household": "H-1"}, recorded_by=BY)
    service.correct(LA, "CV-1", "matched", "2024-06-20", "2024-06-21", reason="typed wrong", recorded_by=BY)
    found = service.child_history(LA, "CV-1", viewer=VIEWER)
    assert [e["type"] for e in found["entries"]] == ["child", "milestone", "correction"]
    assert "20 Jun 2024: matched (household: H-1)" in found["entries"][1]["sentence"]
    assert "reason: typed wrong" in found["entries"][2]["sentence"]
    as_at = service.journey_as_at(LA, "CV-1", "2024-06-30", viewer=VIEWER)
    assert [(e["milestone"], e["occurred_on"]) for e in as_at["entries"]] == [("matched", "2024-06-21")]
    household = service.household_history("H-1", viewer=VIEWER)
    assert [e["type"] for e in household["entries"]] == ["household", "milestone", "correction"]
    assert household["entries"][0]["sentence"].startswith("[1] Household registered")


def test_the_scorecard_now_and_as_known_on_a_past_moment(service):
    with today_is("2024-06-30"):
        for step in (("entered_care", "2023-01-10"), ("adm_decision", "2023-03-01"),
                     ("placement_order", "2023-04-01", {"authority": "placement_order"}),
                     ("matched", "2023-06-01", {"household": "H-1"}), ("placed", "2023-06-15", {"household": "H-1"}),
                     ("adoption_order", "2024-01-20", {"household": "H-1"})):
            service.record(LA, "CV-1", *step, recorded_by=BY)
    card = service.scorecard("2023-04-01", "2024-03-31")
    assert card["A1"]["children"] == 1 and card["A1"]["average_days"] == (d("2023-06-15") - d("2023-01-10")).days
    before = service.scorecard("2023-04-01", "2024-03-31", as_known_on="2000-01-01")
    assert before["A1"]["children"] == 0 and before["as_known_on"].startswith("2000-01-01")


def test_check_lists_gaps_through_the_service(service):
    service.record(LA, "CV-1", "placed", "2024-02-01", {"household": "H-1"}, recorded_by=BY)
    found = service.check(la=LA)
    assert found["children"] == 1 and found["gaps"] and {g["child_ref"] for g in found["gaps"]} == {"CV-1"}


# -- one way in: what the interfaces may import -----------------------------------------------

INTERFACES = (sorted((ROOT / "journey" / "cli").glob("*.py")) + [ROOT / "journey" / "scheduler.py"]
              + sorted((ROOT / "web").rglob("*.py")))
# The service, the settings and the clock seam; the interfaces' own modules
# (and the words every interface counts in: "1 child", "2 children").
ALLOWED = ("journey.service", "journey.settings", "journey.domain.clock", "journey.domain.words", "journey.cli", "journey.scheduler",
           "web")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "journey.domain":
                found += [f"journey.domain.{a.name}" for a in node.names]
            elif node.module == "journey":
                found += [f"journey.{a.name}" for a in node.names]
            else:
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return found


@pytest.mark.parametrize("path", INTERFACES, ids=lambda p: str(p.relative_to(ROOT)))
def test_interfaces_call_the_service_and_nothing_beneath_it(path):
    ours = [m for m in imported_modules(path) if m.split(".")[0] in ("journey", "projections", "migrations", "web")]
    beneath = [m for m in ours if not any(m == a or m.startswith(a + ".") for a in ALLOWED)]
    assert beneath == [], f"{path.relative_to(ROOT)} imports beneath the service: {beneath}"


def test_projections_hold_no_click_code_and_the_domain_no_storage():
    for path in (ROOT / "projections").glob("*.py"):
        assert "click" not in imported_modules(path), path.name
    for path in (ROOT / "journey" / "domain").glob("*.py"):
        mods = imported_modules(path)
        assert not [m for m in mods if m.split(".")[0] in ("eventsourcing", "sqlite3", "sqlite_utils", "click", "flask", "projections")
                    or m.startswith(("journey.store", "journey.service", "journey.alerts", "journey.cli"))], path.name


def test_no_module_imports_another_modules_underscore_names():
    offenders = []
    for path in list((ROOT / "journey").rglob("*.py")) + list((ROOT / "projections").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("journey", "projections"):
                offenders += [f"{path.relative_to(ROOT)}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert offenders == []


def test_the_households_to_choose_from_and_the_vocabulary_of_a_childs_record_are_plain_values(service):
    import journey.service as vocabulary

    service.household("H-2", interagency=True, recorded_by=BY)
    service.record_household("H-1", "approved", "2024-03-02", recorded_by=BY)
    chosen = service.household_choices()
    assert json.loads(json.dumps(chosen)) == chosen
    assert [(h["household_ref"], h["interagency"], h["approved_on"]) for h in chosen] == [
        ("H-1", False, "2024-03-02"), ("H-2", True, None)]
    assert vocabulary.CHILD_MILESTONES[0] == "unborn_identified" and "matched" in vocabulary.CHILD_MILESTONES
    assert vocabulary.CHILD_MILESTONE_DETAILS["placed"] == ("household", "moved_in_on", "foster_carer_adoption")
    assert set(vocabulary.REVERSAL_REASONS) == {"RD1", "RD2", "RD3", "RD4"}
    assert "before birth" in vocabulary.RULES_OF_ORDER and "date in the future" in vocabulary.RULES_OF_ORDER


def test_one_reading_catches_up_once_and_again_after_a_write(service):
    """A web request's queries catch the read models up once, at the first; a write
    inside it, or another's once waited for, is seen at once all the same."""
    service.record(LA, "CV-1", "entered_care", "2024-01-01", recorded_by=BY)
    other = Tracker(service.settings)  # another process, as far as the read models go
    try:
        with service.one_reading():
            assert service.stages(la=LA)["stages"]["in_care"] == 1
            done = other.record(LA, "CV-2", "entered_care", "2024-01-02", recorded_by=BY)
            assert service.wait_for(done["position"])
            assert service.stages(la=LA)["stages"]["in_care"] == 2
            service.record(LA, "CV-3", "entered_care", "2024-01-03", recorded_by=BY)
            assert service.stages(la=LA)["stages"]["in_care"] == 3  # its own write, at once
        other.record(LA, "CV-4", "entered_care", "2024-01-04", recorded_by=BY)
        assert service.stages(la=LA)["stages"]["in_care"] == 4  # outside a reading: every query catches up
    finally:
        other.close()
