"""A closed alert's stop follows a correction of the milestone that stopped its clock
(the issue "Alerts that tell the truth when milestones are keyed late", point 1), and
an earlier stop keyed late.

The reproduction is CV-101 of tests/fixtures/store_v1: its care-to-placement alert
closed "stopped by placed on 2024-03-20", and still said so after the placement was
corrected to 2024-03-22. The sweep after the correction now closes it again, dated
by the corrected stop and naming it (the same `Closed` event, its reason saying the
stopping milestone was corrected), so `closed_in_time` follows too. All through the
service, with today fixed. The last tests are shapes that tests/test_alerts_however_keyed.py
found, each checked against the same journey imported at once.
"""

from __future__ import annotations

import pytest
from factories import BY, LA, d, make_settings, write_agency, write_milestones_csv

from journey.alerts.planning import STOP_CORRECTED
from journey.domain import clock
from journey.service import Tracker

# CV-101 as the fixture keys it (on 1 December 2026, long after each happened).
CV_101 = (
    ("entered_care", "2023-05-01", {"legal_status": "C2"}),
    ("permanence_plan", "2023-07-01", {"plan": "adoption"}),
    ("adm_decision", "2023-09-15", None),
    ("placement_order", "2023-12-01", {"authority": "placement_order"}),
    ("matched", "2024-03-01", {"household": "HH-01"}),
    ("placed", "2024-03-20", {"household": "HH-01"}),
)


@pytest.fixture(autouse=True)
def today():
    clock.set_today(d("2026-12-01"))
    yield
    clock.set_today(None)


def the_alert(service, ref, rule):
    [alert] = [a for a in service.alerts() if a["child_ref"] == ref and a["rule"] == rule]
    return alert


def changes(service, alert):
    return [(e["change"], e["effective_on"], e.get("stopped_by")) for e in service.alert_history(alert["id"])]


def test_the_placement_corrected_moves_the_care_to_placement_alerts_stop(service):
    for milestone, day, details in CV_101:
        service.record(LA, "CV-101", milestone, day, details, recorded_by=BY)
    before = the_alert(service, "CV-101", "care-to-placement")
    assert (before["status"], before["closed_on"], before["stopped_by"]) == ("closed", "2024-03-20", "placed")

    done = service.correct(LA, "CV-101", "placed", "2024-03-20", "2024-03-22", reason="keyed from the wrong letter", recorded_by=BY)

    assert done["alerts"] == {"closed": 1}
    after = the_alert(service, "CV-101", "care-to-placement")
    assert (after["status"], after["closed_on"], after["stopped_by"], after["closed_in_time"]) == ("closed", "2024-03-22", "placed", True)
    assert after["breach_on"] is None and after["level"] is None  # stopped before its warning date (2024-04-30)
    [last] = service.alert_history(after["id"])[-1:]
    assert (last["change"], last["effective_on"], last["stopped_by"]) == ("closed", "2024-03-22", "placed")
    assert last["reason"] == f"placed on 2024-03-22: {STOP_CORRECTED}"
    assert "placed on 2024-03-22" in last["sentence"] and "corrected" in last["sentence"]
    # Idempotent: the next sweep, and the next command for the child, record nothing more.
    assert service.sweep_alerts()["counts"] == {}
    assert service.record(LA, "CV-101", "adoption_application", "2024-07-01", recorded_by=BY)["alerts"] == {}
    assert changes(service, after)[-1] == ("closed", "2024-03-22", "placed")


def test_a_stop_corrected_to_another_milestone_names_it(service):
    # plan-by-second-review: due 4 months after entering care (2023-09-01); the
    # permanence plan stopped it, then was corrected to after the decision, which
    # now stops it first.
    for milestone, day, details in CV_101[:3]:
        service.record(LA, "CV-9", milestone, day, details, recorded_by=BY)
    alert = the_alert(service, "CV-9", "plan-by-second-review")
    assert (alert["closed_on"], alert["stopped_by"]) == ("2023-07-01", "permanence_plan")

    service.correct(LA, "CV-9", "permanence_plan", "2023-07-01", "2023-10-01", reason="the plan's date", recorded_by=BY)

    alert = the_alert(service, "CV-9", "plan-by-second-review")
    assert (alert["closed_on"], alert["stopped_by"], alert["closed_in_time"]) == ("2023-09-15", "adm_decision", False)


def test_a_stop_corrected_to_before_the_due_date_closes_in_time(service):
    # order-to-match from 2026-03-02: warned 2026-05-31, due 2026-07-01. Matched
    # keyed as 2026-08-15 (a breach), then corrected to 2026-06-20 (in time).
    service.record(LA, "CV-2", "placement_order", "2026-03-02", {"authority": "placement_order"}, recorded_by=BY)
    service.record(LA, "CV-2", "matched", "2026-08-15", {"household": "H-1"}, recorded_by=BY)
    late = the_alert(service, "CV-2", "order-to-match")
    assert (late["closed_in_time"], late["level"]) == (False, "breach")
    assert late["id"] in {a["id"] for a in service.alerts(level="breach")}

    service.correct(LA, "CV-2", "matched", "2026-08-15", "2026-06-20", reason="panel minutes", recorded_by=BY)

    alert = the_alert(service, "CV-2", "order-to-match")
    assert (alert["closed_on"], alert["closed_in_time"], alert["level"], alert["breach_on"]) == ("2026-06-20", True, "warning", None)
    assert alert["id"] not in {a["id"] for a in service.alerts(level="breach")}


def test_a_stop_corrected_to_after_the_due_date_is_a_breach(service):
    # The alert raised while the clock was at warning, matched in time (as keyed),
    # then the match corrected to six weeks after the due date: it was a breach.
    clock.set_today(d("2026-06-10"))
    service.record(LA, "CV-3", "placement_order", "2026-03-02", {"authority": "placement_order"}, recorded_by=BY)
    service.record(LA, "CV-3", "matched", "2026-06-05", {"household": "H-1"}, recorded_by=BY)
    alert = the_alert(service, "CV-3", "order-to-match")
    assert (alert["status"], alert["closed_in_time"], alert["level"]) == ("closed", True, "warning")

    clock.set_today(d("2026-12-01"))
    done = service.correct(LA, "CV-3", "matched", "2026-06-05", "2026-08-15", reason="the date of the decision", recorded_by=BY)

    assert done["alerts"] == {"reopened": 1, "escalated": 1, "closed": 1}
    alert = the_alert(service, "CV-3", "order-to-match")
    assert (alert["status"], alert["closed_on"], alert["closed_in_time"], alert["level"], alert["breach_on"]) == (
        "closed", "2026-08-15", False, "breach", "2026-07-02")
    assert changes(service, alert)[-3:] == [
        ("reopened", "2026-06-05", None), ("escalated", "2026-07-02", None), ("closed", "2026-08-15", "matched")]
    assert service.sweep_alerts()["counts"] == {}
    # As of a day between the old stop and the new, by what is known now: open.
    then = {day: [(a["status"], a["level"]) for a in service.alerts(on=day) if a["id"] == alert["id"]]
            for day in ("2026-06-04", "2026-06-20", "2026-07-10", "2026-08-15", "2026-09-01")}
    assert then == {
        "2026-06-04": [("open", "warning")], "2026-06-20": [("open", "warning")], "2026-07-10": [("open", "breach")],
        "2026-08-15": [("closed", "breach")], "2026-09-01": [("closed", "breach")],
    }


# -- shapes the property test found (tests/test_alerts_however_keyed.py) ------------------


def imported_at_once(tmp_path, ref, steps):
    """The journey `steps` (milestone, date, details) in one file, in a store of its own:
    its alerts not closed, as (rule, clock start, level)."""
    settings = make_settings(tmp_path, name="at-once")
    write_agency(settings.data_dir)
    rows = [{"child_ref": ref, "local_authority": LA, "milestone": m, "occurred_on": day, **(details or {})} for m, day, details in steps]
    service = Tracker(settings)
    try:
        service.import_milestones(write_milestones_csv(tmp_path / "at-once.csv", rows), recorded_by=BY)
        return not_closed(service, ref)
    finally:
        service.close()
        service.store.close()


def not_closed(service, ref):
    return {(a["rule"], a["started_on"], a["level"]) for a in service.alerts() if a["child_ref"] == ref and a["status"] != "closed"}


def test_an_earlier_stop_keyed_after_a_later_one_names_the_earlier(service, tmp_path):
    """Keyed in another order (journey 218's shape): the match closed the
    decision-to-register alert; the register referral, months earlier, keyed after
    it now stops the clock: the alert says so, and it closed in time."""
    steps = [
        ("entered_care", "2022-09-01", {"legal_status": "C2"}),
        ("adm_decision", "2022-11-10", None),
        ("placement_order", "2023-01-20", {"authority": "placement_order"}),
        ("matched", "2023-06-10", {"household": "H-1"}),
        ("register_referral", "2022-12-19", None),
    ]
    for milestone, day, details in steps:
        service.record(LA, "AK-0218", milestone, day, details, recorded_by=BY)

    alert = the_alert(service, "AK-0218", "decision-to-register")
    assert (alert["closed_on"], alert["stopped_by"], alert["closed_in_time"], alert["level"]) == (
        "2022-12-19", "register_referral", True, None)
    assert alert["id"] not in {a["id"] for a in service.alerts(level="breach")}
    assert not_closed(service, "AK-0218") == imported_at_once(tmp_path, "AK-0218", steps)


def test_a_pre_birth_plan_corrected_to_after_the_due_date_leaves_the_alert_closed(service, tmp_path):
    """Journey 195's shape: the plan for an unborn baby, keyed as made in time, was
    corrected to two days after the expected due date. The alert used to reopen at
    breach, dated the day of the correction, and stay open although the plan stops
    its clock; it is closed by the corrected plan, a breach, as the journey
    imported at once (which has no pre-birth alert open) says."""
    steps = [
        ("unborn_identified", "2023-02-04", {"expected_due_date": "2023-04-15"}),
        ("permanence_plan", "2023-02-21", {"plan": "adoption"}),
    ]
    for milestone, day, details in steps:
        service.record(LA, "AK-0195", milestone, day, details, recorded_by=BY)
    assert the_alert(service, "AK-0195", "pre-birth-plan")["closed_in_time"] is True

    done = service.correct(LA, "AK-0195", "permanence_plan", "2023-02-21", "2023-04-17", reason="the plan's date", recorded_by=BY)

    # Open again from the old plan's date, a breach after the due date, closed by the corrected plan.
    assert done["alerts"] == {"reopened": 1, "escalated": 1, "closed": 1}
    alert = the_alert(service, "AK-0195", "pre-birth-plan")
    assert (alert["status"], alert["closed_on"], alert["stopped_by"], alert["closed_in_time"], alert["level"]) == (
        "closed", "2023-04-17", "permanence_plan", False, "breach")
    corrected = [steps[0], ("permanence_plan", "2023-04-17", {"plan": "adoption"})]
    assert not_closed(service, "AK-0195") == imported_at_once(tmp_path, "AK-0195", corrected) == set()
    assert service.sweep_alerts()["counts"] == {}
