"""Clocks end with the journey: an adoption order ends every clock of the child, a
`left_care` every clock of its period of care, and a `decision_reversed` the clocks
that wait for a match or a placement in that plan. An adopted child never has an
open alert, whatever is corrected or withdrawn before the order."""

from __future__ import annotations

import pytest
from factories import BY, LA, d

from journey.domain import clock
from journey.domain.timescale_rules import load_timescales

ADOPTED = (
    ("entered_care", "2023-01-10"),
    ("adm_decision", "2023-03-01"),
    ("placement_order", "2023-04-03", {"authority": "placement_order"}),
    ("matched", "2023-06-01", {"household": "H-1"}),
    ("placed", "2023-06-15", {"household": "H-1"}),
    ("adoption_order", "2024-01-20", {"household": "H-1"}),
)


@pytest.fixture(autouse=True)
def today():
    clock.set_today(d("2024-11-01"))
    yield
    clock.set_today(None)


def open_alerts(service, ref):
    return [a for a in service.alerts() if a["child_ref"] == ref and a["status"] != "closed"]


def test_every_shipped_child_rule_ends_with_an_adoption_order_and_leaving_care():
    for rule in load_timescales().rules:
        if rule.subject == "child":
            assert {"adoption_order", "left_care"} <= set(rule.stopped_by), rule.id


@pytest.mark.parametrize("withdrawn", ["matched", "placed", "placement_order", "adm_decision"])
def test_an_adopted_child_has_no_open_alert_whatever_is_withdrawn_before_the_order(service, withdrawn):
    for milestone, day, *details in ADOPTED:
        service.record(LA, "AD-1", milestone, day, details[0] if details else None, recorded_by=BY)
    service.sweep_alerts()
    day = dict((m, day) for m, day, *_ in ADOPTED)[withdrawn]
    service.withdraw(LA, "AD-1", withdrawn, day, reason="keyed in error", recorded_by=BY)
    service.sweep_alerts()
    assert open_alerts(service, "AD-1") == []


def test_an_adopted_child_has_no_open_alert_after_a_correction_before_the_order(service):
    for milestone, day, *details in ADOPTED:
        service.record(LA, "AD-2", milestone, day, details[0] if details else None, recorded_by=BY)
    service.correct(LA, "AD-2", "placement_order", "2023-04-03", "2023-04-05", reason="sealed order date", recorded_by=BY)
    service.correct(LA, "AD-2", "matched", "2023-06-01", "2023-06-02", reason="panel minutes", recorded_by=BY)
    assert open_alerts(service, "AD-2") == []


def test_leaving_care_ends_the_clocks_of_the_period(service):
    service.record(LA, "LC-1", "entered_care", "2023-01-10", recorded_by=BY)
    service.record(LA, "LC-1", "adm_decision", "2023-03-01", recorded_by=BY)
    service.record(LA, "LC-1", "placement_order", "2023-04-03", {"authority": "placement_order"}, recorded_by=BY)
    assert {a["rule"] for a in open_alerts(service, "LC-1")} >= {"order-to-match", "decision-to-register"}
    done = service.record(LA, "LC-1", "left_care", "2023-09-01", {"reason": "E12"}, recorded_by=BY)
    assert done["alerts"].get("closed")
    assert open_alerts(service, "LC-1") == []
    stopped = {a["rule"]: a["stopped_by"] for a in service.alerts(status="closed") if a["child_ref"] == "LC-1"}
    assert stopped["order-to-match"] == "left_care"


def test_a_reversal_ends_the_clock_from_the_matching_panel(service):
    service.record(LA, "RV-1", "entered_care", "2024-01-10", recorded_by=BY)
    service.record(LA, "RV-1", "adm_decision", "2024-03-01", recorded_by=BY)
    service.record(LA, "RV-1", "match_panel", "2024-10-01", recorded_by=BY)
    assert "panel-to-match-decision" in {a["rule"] for a in open_alerts(service, "RV-1")}
    service.record(LA, "RV-1", "decision_reversed", "2024-10-20", {"reason": "RD1"}, recorded_by=BY)
    assert "panel-to-match-decision" not in {a["rule"] for a in open_alerts(service, "RV-1")}
