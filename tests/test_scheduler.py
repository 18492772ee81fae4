"""`journey scheduler`: sweeps at start and daily, catches up after days down raising
each alert once dated when it fell due, follows what is recorded, and stops cleanly.

No sleeping: the jobs are plain functions called with the clock seam set, and the
running scheduler is stopped through its stop event.
"""

from __future__ import annotations

import threading

import pytest
from factories import LA, d, make_tracker

from journey import alerts, scheduler
from journey.cli import running
from journey.service import Tracker
from journey.domain import clock
from journey.store.application import JourneyTracker

BY = "tester"


@pytest.fixture(autouse=True)
def today():
    clock.set_today(d("2024-05-29"))
    yield
    clock.set_today(None)


@pytest.fixture
def obj(tmp_path):
    """The service, as the scheduler process holds it."""
    return Tracker(make_tracker(tmp_path).settings)


def on(day: str) -> None:
    clock.set_today(d(day))


def order(app: JourneyTracker, ref: str, day: str) -> None:
    app.record(LA, ref, "placement_order", day, {"authority": "placement_order"}, recorded_by=BY)


def history(app: JourneyTracker) -> dict[str, list[tuple[str, str]]]:
    """child_ref -> (change, effective_on) of its order-to-match alert."""
    found = {}
    for alert in alerts.iter_alerts(app):
        found[alert.state.child_ref] = [(e["change"], e["effective_on"]) for e in alerts.alert_history(app, alert.id)]
    return found


def stopped_at_once() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def test_stopped_for_three_days_then_restarted_raises_each_alert_once_dated_when_due(obj):
    app = obj.store
    order(app, "A", "2024-03-01")  # warns 30 May
    order(app, "B", "2024-03-02")  # warns 31 May
    order(app, "C", "2024-01-31")  # warned 30 April; due 31 May, breached from 1 June
    order(app, "D", "2024-03-01")  # warns 30 May; matched 31 May
    order(app, "E", "2024-03-05")  # warns 3 June: not yet
    scheduler.run_scheduler(obj, stopped_at_once())  # the sweep at start, on 29 May
    assert history(app) == {"C": [("raised", "2024-04-30")]}

    # Down on 30 May, 31 May and 1 June; the match is keyed while it is down.
    on("2024-06-02")
    app.record(LA, "D", "matched", "2024-05-31", {"household": "H-1"}, recorded_by=BY)
    scheduler.run_scheduler(obj, stopped_at_once())

    assert history(app) == {
        "A": [("raised", "2024-05-30")],
        "B": [("raised", "2024-05-31")],
        "C": [("raised", "2024-04-30"), ("escalated", "2024-06-01")],
        "D": [("raised", "2024-05-30"), ("closed", "2024-05-31")],
    }
    # Restarted again the same day: nothing new.
    scheduler.run_scheduler(obj, stopped_at_once())
    assert scheduler.daily_sweep(obj)["changes"] == 0
    assert len(history(app)) == 4


def test_the_catch_up_job_closes_an_alert_soon_after_its_stopping_milestone(obj):
    order(obj.store, "A", "2024-03-01")
    on("2024-06-01")
    scheduler.run_scheduler(obj, stopped_at_once())
    on("2024-06-03")
    obj.store.record(LA, "A", "matched", "2024-06-03", {"household": "H-1"}, recorded_by=BY)

    report = scheduler.catch_up(obj)

    assert report["counts"] == {"closed": 1}
    assert history(obj.store)["A"][-1] == ("closed", "2024-06-03")
    assert scheduler.catch_up(obj)["changes"] == 0


def test_the_scheduler_runs_until_its_stop_event(obj):
    order(obj.store, "A", "2024-03-01")
    on("2024-06-01")
    stop, started, failures = threading.Event(), threading.Event(), []

    def run():
        try:
            scheduler.run_scheduler(obj, stop, on_started=started.set)
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(30), "the scheduler did not start"
    stop.set()
    thread.join(30)

    assert not thread.is_alive()
    assert failures == []
    assert list(history(obj.store)) == ["A"]  # the sweep at start


def test_the_scheduler_is_configured_as_the_issue_asks(obj):
    built = scheduler.build_scheduler(obj)
    assert str(built.timezone) == "Europe/London"
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {"catch-up", "daily-sweep"}
    for job in jobs.values():
        assert job.coalesce is True
        assert job.misfire_grace_time >= 3600
        assert job.max_instances == 1
    assert jobs["catch-up"].trigger.interval.total_seconds() <= 10
    assert "hour='0'" in str(jobs["daily-sweep"].trigger)


def test_the_scheduler_command_is_documented():
    assert running.scheduler.name == "scheduler"
    assert running.scheduler.help.strip()
