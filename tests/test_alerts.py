"""Delay alerts (domain.md section 5, issue 4): raised, escalated, acknowledged,
back for review, closed naming the milestone, reopened; dated when they take effect.

Every tracker runs on real SQLite files under tmp_path; today comes from the one
clock seam (`journey.domain.clock`), which these tests set.
"""

from __future__ import annotations

import datetime
import sqlite3
import subprocess
import sys
import threading
import traceback
import uuid

import pytest
from eventsourcing.utils import get_topic, resolve_topic
from factories import LA, d, event_count, make_tracker, read_model_clock_rows, read_model_stream_rows, sweep_child

from journey import alerts
from journey.domain import clock
from journey.alerts import (
    ACKNOWLEDGED,
    BREACH,
    CLOSED,
    OPEN,
    WARNING,
    Alert,
    AlertAlreadyAcknowledged,
    AlertClosed,
    AlertNotFound,
    AlertState,
    alert_changes,
    alert_id,
    clock_rows_for,
    clock_rows_from_read_model,
    plan_sweep,
)
from journey.store.application import JourneyTracker
from journey.domain.milestones import Milestone
from journey.domain.clocks import child_clocks
from journey.domain.timescale_rules import load_rules

BY = "tester"
# A placement order on 1 March 2024 starts an order-to-match clock that warns on
# 30 May (90 days), is due on 30 June (121 days) and is breached from 1 July.
ORDER = "2024-03-01"
WARN, DUE, BREACHED = d("2024-05-30"), d("2024-06-30"), d("2024-07-01")


@pytest.fixture(autouse=True)
def today():
    clock.set_today(d("2024-06-01"))
    yield
    clock.set_today(None)


@pytest.fixture
def app(tmp_path) -> JourneyTracker:
    return make_tracker(tmp_path)


def on(day: str) -> None:
    clock.set_today(d(day))


def sweep(app, day: str | None = None, **kwargs) -> alerts.SweepReport:
    """The sweep for `day` (default today), reading clock rows from the read model."""
    return alerts.sweep(app, read_model_clock_rows(app), on=d(day) if day else None, stream_clock_rows=read_model_stream_rows(app), **kwargs)


def record(app, ref, milestone, day, **details):
    return app.record(LA, ref, milestone, day, details or None, recorded_by=BY)


def placement_order(app, ref="CV-1", day=ORDER):
    return record(app, ref, "placement_order", day, authority="placement_order")


def the_alert(app, ref="CV-1", rule="order-to-match") -> Alert:
    journey = app.load_child(LA, ref)
    found = [a for a in alerts.iter_alerts(app) if a.state.subject_id == str(journey.id) and a.state.rule_id == rule]
    assert len(found) == 1, found
    return found[0]


def history(app, alert: Alert) -> list[tuple[str, str]]:
    return [(e["change"], e["effective_on"]) for e in alerts.alert_history(app, alert.id)]


def listed(app, **kwargs) -> list[dict]:
    return alerts.list_alerts(app, **kwargs)


# -- raising --------------------------------------------------------------------------------


def test_an_alert_is_raised_at_warning_dated_the_warning_date(app):
    placement_order(app)
    report = sweep(app)

    assert report.counts == {"raised": 1}
    alert = the_alert(app)
    assert (alert.level, alert.status) == (WARNING, OPEN)
    assert history(app, alert) == [("raised", "2024-05-30")]
    event = alerts.alert_events(app, alert.id)[0]
    assert event.effective_on == WARN
    assert event.timestamp.tzinfo is not None  # the recording time, from the library


def test_a_sweep_run_twice_raises_nothing_new(app):
    placement_order(app)
    placement_order(app, "CV-2", "2024-01-02")
    first = sweep(app)
    events = event_count(app)

    second = sweep(app)

    assert first.counts == {"raised": 2, "escalated": 1}
    assert second.changes == 0
    assert event_count(app) == events


def test_the_alert_identity_is_the_clock(app):
    placement_order(app)
    sweep(app)
    child = app.load_child(LA, "CV-1")

    assert the_alert(app).id == alert_id(child.id, "order-to-match", d(ORDER))
    assert alert_id(str(child.id), "order-to-match", ORDER) == alert_id(child.id, "order-to-match", d(ORDER))
    assert alert_id(child.id, "order-to-match", "2024-03-02") != alert_id(child.id, "order-to-match", ORDER)


def test_nothing_is_raised_before_the_warning_date(app):
    on("2024-05-29")
    placement_order(app)
    assert sweep(app).changes == 0
    assert listed(app) == []


def test_a_clock_found_late_is_raised_at_warning_and_escalated_each_on_its_own_date(app):
    on("2024-07-10")
    placement_order(app)

    sweep(app)

    assert history(app, the_alert(app)) == [("raised", "2024-05-30"), ("escalated", "2024-07-01")]


def test_a_rule_without_a_warning_point_raises_at_breach_the_day_after_the_due_date(app):
    # decision-to-register: 3 months, no warning point.
    record(app, "CV-1", "adm_decision", "2024-02-01")
    on("2024-05-01")
    assert sweep(app).changes == 0
    on("2024-05-02")
    sweep(app)

    alert = the_alert(app, rule="decision-to-register")
    assert history(app, alert) == [("raised", "2024-05-02")]
    assert alert.level == BREACH


def test_a_household_clock_raises_a_household_alert(app):
    app.record_household("H-1", "approved", "2023-01-10", recorded_by=BY)
    sweep(app)
    found = {a["rule"]: a for a in listed(app)}
    assert found["adopter-register-referral"]["household"] == "H-1"
    assert found["adopter-register-referral"]["child_ref"] is None
    assert found["adopters-waiting"]["level"] == BREACH


# -- escalation, acknowledgement and review ----------------------------------------------------------


def test_warning_escalates_to_breach_the_day_after_the_due_date(app):
    placement_order(app)
    sweep(app)
    on("2024-06-30")
    assert sweep(app).changes == 0  # a stop on the due date would still be in time
    on("2024-07-01")
    assert sweep(app).counts == {"escalated": 1}
    alert = the_alert(app)
    assert (alert.level, alert.status) == (BREACH, OPEN)
    assert history(app, alert)[-1] == ("escalated", "2024-07-01")


def test_acknowledged_then_back_for_review_after_28_days(app):
    placement_order(app)
    sweep(app)
    alert = the_alert(app)

    done = alerts.acknowledge(app, alert.id, by="Sam (tracker)", note="family finding in hand", on=d("2024-06-01"))

    assert done["status"] == ACKNOWLEDGED and done["review_on"] == "2024-06-29"
    on("2024-06-28")
    assert sweep(app).changes == 0
    assert the_alert(app).status == ACKNOWLEDGED
    on("2024-06-29")
    assert sweep(app).counts == {"returned_for_review": 1}
    assert the_alert(app).status == OPEN
    assert [c for c, _ in history(app, the_alert(app))] == ["raised", "acknowledged", "returned_for_review"]
    assert history(app, the_alert(app))[-1] == ("returned_for_review", "2024-06-29")


def test_the_review_interval_comes_from_the_rules_file(app):
    (app.settings.data_dir / "timescales.toml").write_text("review_after_days = 14\n")
    placement_order(app)
    sweep(app)
    done = alerts.acknowledge(app, the_alert(app).id, by="Sam", note="in hand")
    assert done["review_on"] == "2024-06-15"


def test_escalation_reopens_an_acknowledged_warning(app):
    placement_order(app)
    sweep(app)
    on("2024-06-20")
    alerts.acknowledge(app, the_alert(app).id, by="Sam", note="link identified")
    on("2024-07-02")

    assert sweep(app).counts == {"escalated": 1}

    alert = the_alert(app)
    assert (alert.level, alert.status) == (BREACH, OPEN)
    assert history(app, alert)[-1] == ("escalated", "2024-07-01")


def test_acknowledging_needs_a_note_and_an_open_alert(app):
    placement_order(app)
    sweep(app)
    alert = the_alert(app)
    with pytest.raises(alerts.InvalidValue, match="note"):
        alerts.acknowledge(app, alert.id, by="Sam", note="  ")
    alerts.acknowledge(app, alert.id, by="Sam", note="in hand")
    with pytest.raises(AlertAlreadyAcknowledged, match="Sam"):
        alerts.acknowledge(app, alert.id, by="Kim", note="again")
    with pytest.raises(AlertNotFound):
        alerts.acknowledge(app, uuid.uuid4(), by="Sam", note="in hand")


# -- closing and reopening ------------------------------------------------------------------------------


def test_closing_names_the_stopping_milestone_and_is_dated_by_it(app):
    placement_order(app)
    sweep(app)
    on("2024-06-12")
    record(app, "CV-1", "matched", "2024-06-10", household="H-1")

    report = sweep_child(app, LA, "CV-1")

    assert report.counts == {"closed": 1}
    alert = the_alert(app)
    assert alert.status == CLOSED
    assert alert.state.stopped_by == "matched"
    assert history(app, alert)[-1] == ("closed", "2024-06-10")
    entry = alerts.alert_history(app, alert.id)[-1]
    assert entry["stopped_by"] == "matched"
    assert "matched on 2024-06-10" in alerts.history_sentence(entry)
    with pytest.raises(AlertClosed):
        alerts.acknowledge(app, alert.id, by="Sam", note="late")


def test_a_back_dated_stop_recorded_the_day_an_alert_was_acknowledged_closes_it(app):
    placement_order(app)
    on("2024-08-01")
    sweep(app)
    alerts.acknowledge(app, the_alert(app).id, by="Sam", note="family finding widened")
    record(app, "CV-1", "matched", "2024-06-10", household="H-1")

    report = sweep_child(app, LA, "CV-1")

    assert report.counts == {"closed": 1}
    alert = the_alert(app)
    assert alert.status == CLOSED
    assert history(app, alert)[-1] == ("closed", "2024-06-10")


def test_the_daily_sweep_closes_too(app):
    placement_order(app)
    sweep(app)
    on("2024-06-12")
    record(app, "CV-1", "decision_reversed", "2024-06-11", reason="RD3")
    assert sweep(app).counts == {"closed": 1}
    assert the_alert(app).state.stopped_by == "decision_reversed"


def test_a_disruption_reopens_the_alert_from_the_day_of_the_disruption(app):
    placement_order(app)
    sweep(app)
    on("2024-06-12")
    record(app, "CV-1", "matched", "2024-06-10", household="H-1")
    record(app, "CV-1", "placed", "2024-06-12", household="H-1")
    sweep_child(app, LA, "CV-1")
    on("2024-07-20")
    record(app, "CV-1", "disruption", "2024-07-15", reason="placement ended")

    report = sweep_child(app, LA, "CV-1")

    assert report.counts == {"reopened": 1}
    alert = the_alert(app)
    # The clock runs again from its original start: already breached.
    assert (alert.status, alert.level) == (OPEN, BREACH)
    assert history(app, alert) == [("raised", "2024-05-30"), ("closed", "2024-06-10"), ("reopened", "2024-07-15")]
    assert alert.id == alert_id(app.load_child(LA, "CV-1").id, "order-to-match", d(ORDER))


def test_a_stop_and_a_disruption_recorded_together_are_each_dated(app):
    placement_order(app)
    sweep(app)
    on("2024-07-20")
    record(app, "CV-1", "matched", "2024-06-10", household="H-1")
    record(app, "CV-1", "placed", "2024-06-12", household="H-1")
    record(app, "CV-1", "disruption", "2024-07-15", reason="placement ended")

    sweep(app)

    assert history(app, the_alert(app)) == [("raised", "2024-05-30"), ("closed", "2024-06-10"), ("reopened", "2024-07-15")]


def test_withdrawing_the_stopping_milestone_reopens_the_alert(app):
    placement_order(app)
    sweep(app)
    on("2024-06-12")
    record(app, "CV-1", "matched", "2024-06-10", household="H-1")
    sweep_child(app, LA, "CV-1")
    on("2024-06-14")
    app.withdraw(LA, "CV-1", "matched", "2024-06-10", reason="keyed on the wrong child", recorded_by=BY)

    assert sweep_child(app, LA, "CV-1").counts == {"reopened": 1}
    alert = the_alert(app)
    assert (alert.status, alert.level) == (OPEN, WARNING)
    # The correction is known from the day it was recorded.
    assert history(app, alert)[-1] == ("reopened", "2024-06-14")


def test_correcting_the_start_moves_the_due_date_closing_the_old_alert(app):
    placement_order(app)
    sweep(app)
    old = the_alert(app)
    on("2024-06-05")
    app.correct(LA, "CV-1", "placement_order", ORDER, "2024-04-15", reason="sealed order dated 15 April", recorded_by=BY)

    report = sweep_child(app, LA, "CV-1")

    assert report.counts == {"closed": 1}
    closed = alerts.alert_history(app, old.id)[-1]
    assert closed["change"] == "closed" and closed["stopped_by"] is None
    assert closed["reason"] == alerts.CLOCK_GONE
    # The corrected clock warns on 14 July: nothing is due yet.
    assert [a["status"] for a in listed(app)] == [CLOSED]
    on("2024-07-14")
    assert sweep(app).counts == {"raised": 1}
    new = [a for a in listed(app) if a["status"] == OPEN]
    assert [(a["started_on"], a["raised_on"]) for a in new] == [("2024-04-15", "2024-07-14")]


def test_correcting_the_start_earlier_raises_at_once(app):
    on("2024-05-20")
    placement_order(app)
    assert sweep(app).changes == 0
    app.correct(LA, "CV-1", "placement_order", ORDER, "2024-01-15", reason="typo", recorded_by=BY)
    assert sweep_child(app, LA, "CV-1").counts == {"raised": 1, "escalated": 1}


def test_correcting_a_due_date_detail_reschedules_then_closes_or_reopens(app):
    # pre-birth-plan: due on the expected due date, warning 8 weeks before.
    record(app, "CV-1", "unborn_identified", "2024-05-01", expected_due_date="2024-07-15")
    sweep(app)
    alert = the_alert(app, rule="pre-birth-plan")
    assert history(app, alert) == [("raised", "2024-05-20")]

    on("2024-06-03")
    app.correct(LA, "CV-1", "unborn_identified", "2024-05-01", "2024-05-01", details={"expected_due_date": "2024-09-30"}, reason="scan", recorded_by=BY)
    assert sweep_child(app, LA, "CV-1").counts == {"rescheduled": 1, "closed": 1}
    alert = the_alert(app, rule="pre-birth-plan")
    assert (alert.status, alert.state.due_on) == (CLOSED, d("2024-09-30"))

    on("2024-06-04")
    app.correct(LA, "CV-1", "unborn_identified", "2024-05-01", "2024-05-01", details={"expected_due_date": "2024-07-15"}, reason="scan misread", recorded_by=BY)
    assert sweep_child(app, LA, "CV-1").counts == {"rescheduled": 1, "reopened": 1}
    alert = the_alert(app, rule="pre-birth-plan")
    assert (alert.status, alert.level, alert.state.due_on) == (OPEN, WARNING, d("2024-07-15"))


def test_a_read_model_that_lacks_a_clock_does_not_close_its_alert(app):
    placement_order(app)
    sweep(app)
    on("2024-06-02")

    report = alerts.sweep(app, lambda **query: [], on=d("2024-06-02"), stream_clock_rows=read_model_stream_rows(app))

    assert report.changes == 0
    assert the_alert(app).status == OPEN


def test_sweeping_a_child_also_sweeps_its_household(app):
    app.record_household("H-1", "approved", "2023-05-01", recorded_by=BY)
    sweep(app)
    assert {a["rule"] for a in listed(app, status=OPEN)} == {"adopter-register-referral", "adopters-waiting"}
    on("2024-06-05")
    record(app, "CV-1", "matched", "2024-06-04", household="H-1")

    sweep_child(app, LA, "CV-1")

    closed = {a["rule"]: a for a in listed(app, status=CLOSED)}
    assert set(closed) == {"adopter-register-referral", "adopters-waiting"}
    assert closed["adopters-waiting"]["stopped_by"] == "matched"


def test_sweep_changes_follows_what_was_recorded(app):
    placement_order(app)
    sweep(app)
    alerts.start_following_changes(app)
    on("2024-06-12")
    record(app, "CV-1", "matched", "2024-06-10", household="H-1")

    assert alerts.sweep_changes(app, clock_rows=read_model_stream_rows(app)).counts == {"closed": 1}
    assert alerts.sweep_changes(app, clock_rows=read_model_stream_rows(app)).changes == 0


# -- past dates -----------------------------------------------------------------------------------------


def test_a_sweep_for_a_past_date_counts_only_milestones_that_had_occurred(app):
    on("2024-06-20")
    placement_order(app)
    record(app, "CV-1", "matched", "2024-06-10", household="H-1")

    sweep(app, "2024-06-05")

    alert = the_alert(app)
    assert (alert.status, alert.level) == (OPEN, WARNING)
    sweep(app)
    assert history(app, the_alert(app)) == [("raised", "2024-05-30"), ("closed", "2024-06-10")]


def test_a_sweep_for_a_past_date_never_closes_or_deescalates_what_a_later_sweep_found(app):
    on("2024-07-10")
    placement_order(app)
    sweep(app)
    record(app, "CV-1", "matched", "2024-07-05", household="H-1")
    events = event_count(app)

    # On 2 June the clock was at warning and not yet stopped; the later sweep's breach stands.
    assert sweep(app, "2024-06-02").changes == 0
    assert event_count(app) == events
    assert (the_alert(app).status, the_alert(app).level) == (OPEN, BREACH)


def test_list_as_of_shows_the_past_state(app):
    placement_order(app)
    sweep(app)
    on("2024-06-10")
    alerts.acknowledge(app, the_alert(app).id, by="Sam", note="in hand")
    on("2024-07-20")
    record(app, "CV-1", "matched", "2024-07-15", household="H-1")
    sweep(app)

    def state(day):
        return [(a["status"], a["level"]) for a in listed(app, on=d(day))]

    assert state("2024-05-29") == []
    assert state("2024-05-30") == [(OPEN, WARNING)]
    assert state("2024-06-10") == [(ACKNOWLEDGED, WARNING)]
    assert state("2024-07-01") == [(OPEN, BREACH)]
    assert state("2024-07-15") == [(CLOSED, BREACH)]
    assert state("2024-07-20") == [(CLOSED, BREACH)]
    assert [a["raised_on"] for a in listed(app, on=d("2024-06-01"))] == ["2024-05-30"]
    [closed] = listed(app, on=d("2024-07-16"))
    assert (closed["stopped_by"], closed["closed_on"]) == ("matched", "2024-07-15")


def test_list_filters_by_council_status_and_level(tmp_path):
    app = make_tracker(tmp_path, councils=[{"name": "Coventry"}, {"name": "Warwickshire"}])
    placement_order(app, "CV-1")
    app.record("Warwickshire", "WK-1", "placement_order", "2024-01-10", {"authority": "placement_order"}, recorded_by=BY)
    sweep(app)

    assert [a["child_ref"] for a in listed(app, la="coventry")] == ["CV-1"]
    assert [a["child_ref"] for a in listed(app, level=BREACH)] == ["WK-1"]
    assert [a["child_ref"] for a in listed(app, status=OPEN)] == ["WK-1", "CV-1"]  # breaches first
    assert listed(app, status=CLOSED) == []
    with pytest.raises(alerts.InvalidValue):
        listed(app, status="pending")


# -- history and storage -------------------------------------------------------------------------------


def test_the_whole_history_replays_like_a_childs(app):
    placement_order(app)
    sweep(app)
    alert_uuid = the_alert(app).id
    alerts.acknowledge(app, alert_uuid, by="Sam", note="in hand")
    on("2024-07-02")
    sweep(app)

    before_ack = app.repository.get(alert_uuid, version=1)
    assert before_ack.status == OPEN
    assert app.repository.get(alert_uuid, version=2).status == ACKNOWLEDGED
    entries = alerts.alert_history(app, alert_uuid)
    assert [e["change"] for e in entries] == ["raised", "acknowledged", "returned_for_review", "escalated"]
    assert entries[1]["by"] == "Sam" and entries[1]["note"] == "in hand"
    assert all(e["recorded_at"] for e in entries)


def test_the_alerts_table_is_rebuilt_from_the_events(app):
    placement_order(app)
    sweep(app)
    alerts.acknowledge(app, the_alert(app).id, by="Sam", note="in hand")
    before = listed(app)

    conn = sqlite3.connect(app.settings.read_models_path)
    for table in ("alerts", "alert_changes", "alert_positions"):
        conn.execute(f"DELETE FROM {table}")
    conn.commit()
    conn.close()

    assert listed(app) == before


def test_two_sweepers_at_once_raise_each_alert_once(tmp_path):
    first = make_tracker(tmp_path)
    for n in range(20):
        placement_order(first, f"CV-{n}", f"2024-02-{n + 1:02d}")
    second = JourneyTracker(first.settings)
    barrier = threading.Barrier(2)
    failures = []

    def run(app):
        try:
            barrier.wait()
            sweep(app)
        except Exception:  # pragma: no cover - reported below
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=run, args=(a,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == []
    raised = [a for a in alerts.iter_alerts(first)]
    assert len(raised) == 20
    assert all(a.version == (2 if a.level == BREACH else 1) for a in raised)


# `Alert` moved from journey/alerts.py into the journey.alerts package: every event
# stored before the move names it by these topics, and so must every event after.
STORED_TOPICS = {
    Alert: "journey.alerts:Alert",
    Alert.Raised: "journey.alerts:Alert.Raised",
    Alert.Escalated: "journey.alerts:Alert.Escalated",
    Alert.Acknowledged: "journey.alerts:Alert.Acknowledged",
    Alert.ReturnedForReview: "journey.alerts:Alert.ReturnedForReview",
    Alert.Closed: "journey.alerts:Alert.Closed",
    Alert.Reopened: "journey.alerts:Alert.Reopened",
    Alert.Rescheduled: "journey.alerts:Alert.Rescheduled",
}

LOAD_ALERT_SCRIPT = """
import sys, uuid
from pathlib import Path
from journey.store.application import JourneyTracker
from journey.settings import Settings
app = JourneyTracker(Settings(data_dir=Path(sys.argv[1])))
alert = app.repository.get(uuid.UUID(sys.argv[2]))
print(type(alert).__module__, type(alert).__qualname__, alert.version, alert.status, alert.level)
"""


def test_alert_events_keep_the_topics_they_were_stored_under(app):
    for cls, topic in STORED_TOPICS.items():
        assert get_topic(cls) == topic
        assert resolve_topic(topic) is cls
    placement_order(app)
    sweep(app)
    alert = the_alert(app)
    alerts.acknowledge(app, alert.id, by="Sam", note="in hand")
    on("2024-07-02")
    sweep(app)

    conn = sqlite3.connect(app.settings.events_path)
    stored = [t for (t,) in conn.execute("SELECT topic FROM stored_events WHERE topic LIKE '%:Alert%' ORDER BY rowid")]
    conn.close()
    assert stored == [
        "journey.alerts:Alert.Raised",
        "journey.alerts:Alert.Acknowledged",
        "journey.alerts:Alert.ReturnedForReview",  # 29 June, 28 days after
        "journey.alerts:Alert.Escalated",  # 1 July
    ]
    assert alerts.alert_events(app, alert.id)[0].originator_topic == "journey.alerts:Alert"
    # A fresh interpreter (no topic cached) loads the alert from those topics.
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_ALERT_SCRIPT, str(app.settings.data_dir), str(alert.id)],
        capture_output=True, text=True,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["journey.alerts.alert", "Alert", "4", OPEN, BREACH]


# -- the pure policy -----------------------------------------------------------------------------------


def rows_of(*milestones: tuple[str, str], subject_id=None) -> list[dict]:
    ms = [Milestone(n, name, d(day), {"authority": "placement_order"} if name == "placement_order" else {}) for n, (name, day) in enumerate(milestones, 1)]
    clocks = [c for c in child_clocks(ms, load_rules()) if c.rule_id == "order-to-match"]
    return clock_rows_for(subject_id or uuid.UUID(int=1), clocks, child_ref="CV-1", local_authority=LA)


def test_alert_changes_is_a_pure_function_of_row_state_and_dates():
    [row] = rows_of(("placement_order", ORDER))
    changes = alert_changes(row, None, on=d("2024-07-05"), since=d("2024-05-01"))
    assert [(c.kind, c.effective_on) for c in changes] == [("raised", WARN), ("escalated", BREACHED)]
    assert changes[0].fields["level"] == WARNING
    assert alert_changes(row, None, on=d("2024-05-29")) == []


def test_plan_sweep_closes_an_open_alert_whose_clock_is_gone():
    state = AlertState(
        id=alert_id(uuid.UUID(int=1), "order-to-match", d(ORDER)), subject="child", subject_id=str(uuid.UUID(int=1)),
        rule_id="order-to-match", started_on=d(ORDER), due_on=DUE, warn_on=WARN, level=WARNING, status=OPEN,
        raised_on=WARN, last_effective_on=WARN, swept_until=WARN,
    )
    [plan] = plan_sweep([], [state], on=d("2024-06-02"))
    assert [(c.kind, c.fields["reason"]) for c in plan.changes] == [("closed", alerts.CLOCK_GONE)]
    # The row given: nothing to do on 2 June.
    assert plan_sweep(rows_of(("placement_order", ORDER)), [state], on=d("2024-06-02")) == []


# -- reading the clocks read model --------------------------------------------------------------------

PROJECTION_SHAPE = """
CREATE TABLE clocks (
    stream_id TEXT NOT NULL, subject TEXT NOT NULL, child_ref TEXT, local_authority TEXT, la_key TEXT,
    household_ref TEXT, rule_id TEXT NOT NULL, started_on TEXT NOT NULL, due_on TEXT NOT NULL, warn_on TEXT,
    alert_from TEXT NOT NULL, stopped_on TEXT, stopped_by TEXT, running INTEGER NOT NULL, stops TEXT NOT NULL,
    PRIMARY KEY (stream_id, rule_id, started_on));
CREATE INDEX clocks_by_due ON clocks (due_on);
CREATE INDEX clocks_by_warn ON clocks (warn_on);
CREATE INDEX clocks_running_by_alert ON clocks (running, alert_from);
CREATE INDEX clocks_by_stop ON clocks (stopped_on);
"""


def write_clocks(conn, rows):
    for row in rows:
        values = dict(row, stream_id=row["subject_id"], la_key=(row["local_authority"] or "").lower(),
                      alert_from=row["warn_on"] or (d(row["due_on"]) + datetime.timedelta(days=1)).isoformat())
        del values["subject_id"]
        conn.execute(f"INSERT INTO clocks ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})", list(values.values()))


def test_the_read_model_query_reads_only_what_came_due_and_the_open_alerts(tmp_path):
    conn = sqlite3.connect(tmp_path / "read-models.sqlite3")
    conn.executescript(PROJECTION_SHAPE)
    starts = {"due-warn": "2024-03-01", "due-breach": "2024-01-31", "early": "2024-03-20", "old": "2023-01-01", "open": "2023-12-01"}
    ids = {name: uuid.uuid5(uuid.NAMESPACE_DNS, name) for name in starts}
    for name, start in starts.items():
        write_clocks(conn, rows_of(("placement_order", start), subject_id=ids[name]))
    write_clocks(conn, rows_of(("placement_order", "2023-06-01"), ("matched", "2023-08-01"), subject_id=uuid.uuid4()))

    rows = clock_rows_from_read_model(
        conn, on=d("2024-05-31"), since=d("2024-05-29"), keys=[(str(ids["open"]), "order-to-match", d("2023-12-01"))]
    )

    # warns 30 May; breached from 1 June (due 31 May)... not in this window; the open alert's row by key.
    assert {r["subject_id"] for r in rows} == {str(ids["due-warn"]), str(ids["open"])}
    rows = clock_rows_from_read_model(conn, on=d("2024-06-01"), since=d("2024-05-31"))
    assert {r["subject_id"] for r in rows} == {str(ids["due-breach"])}
    # A first sweep reads every clock alerting that day, and no stopped one.
    first = clock_rows_from_read_model(conn, on=d("2024-06-01"), since=None)
    assert {r["subject_id"] for r in first} == {str(ids[n]) for n in ("due-warn", "due-breach", "old", "open")}
    assert conn.row_factory is None  # the caller's connection is left alone
