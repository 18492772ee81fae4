"""Alerts that tell the truth when milestones are keyed late: an alert whose clock
stopped on or before its due date was never breached (closed in time)."""

from __future__ import annotations

import datetime
import json

import pytest
from factories import BY, LA, cli, d

from journey.domain import clock

# The reproduction of the issue: keyed one at a time on 1 December, each long after it happened.
KEYED_LATE = (
    ("entered_care", "2026-07-01"),
    ("permanence_plan", "2026-08-01"),
    ("adm_decision", "2026-08-26"),
    ("register_referral", "2026-10-01"),
)


@pytest.fixture(autouse=True)
def today():
    clock.set_today(d("2026-12-01"))
    yield
    clock.set_today(None)


def key_late(service, ref="S-2"):
    for milestone, day in KEYED_LATE:
        service.record(LA, ref, milestone, day, recorded_by=BY)


def test_clocks_that_stopped_in_time_are_closed_in_time_and_never_breaches(service):
    key_late(service)
    listed = service.alerts()
    assert {(a["rule"], a["status"], a["closed_in_time"]) for a in listed} == {
        ("plan-by-second-review", "closed", True), ("decision-to-register", "closed", True),
    }
    for a in listed:
        assert a["closed_on"] <= a["due_on"] and a["breach_on"] is None
        assert a["level"] is None  # both stopped before their warning dates
    assert service.alerts(level="breach") == []


def test_the_digest_of_the_reproduction_lists_nothing_for_the_child(service):
    key_late(service)
    [digest] = service.digests(la=LA)
    assert digest.new_breaches == () and digest.still_open == ()
    assert "S-2" not in digest.text()


def test_a_clock_stopped_between_its_warning_and_due_dates_is_listed_at_warning(service):
    # order-to-match: due 121 days after the order; warned some days before.
    service.record(LA, "C-1", "placement_order", "2026-03-02", {"authority": "placement_order"}, recorded_by=BY)
    [alert] = [a for a in service.alerts() if a["rule"] == "order-to-match"]
    assert alert["level"] == "breach" and alert["closed_in_time"] is None  # open: raised at breach
    # Matched on the due date itself (keyed late): in time, and past the warning date.
    service.record(LA, "C-1", "matched", alert["due_on"], {"household": "H-1"}, recorded_by=BY)
    [closed] = [a for a in service.alerts() if a["id"] == alert["id"]]
    assert closed["closed_in_time"] is True and closed["level"] == "warning" and closed["breach_on"] is None


def test_a_clock_stopped_after_its_due_date_stays_a_breach(service):
    service.record(LA, "C-1", "placement_order", "2026-03-02", {"authority": "placement_order"}, recorded_by=BY)
    [alert] = [a for a in service.alerts() if a["rule"] == "order-to-match"]
    three_days_late = (d(alert["due_on"]) + datetime.timedelta(days=3)).isoformat()
    service.record(LA, "C-1", "matched", three_days_late, {"household": "H-1"}, recorded_by=BY)
    [closed] = [a for a in service.alerts() if a["id"] == alert["id"]]
    assert closed["closed_in_time"] is False and closed["level"] == "breach" and closed["breach_on"]


def test_as_of_a_past_date_it_was_never_open_after_its_clock_stopped(service):
    key_late(service)
    for day in ("2026-11-02", "2026-11-15", "2026-11-30"):
        assert [a for a in service.alerts(on=day) if a["status"] != "closed"] == []
    history = service.alert_history(next(a["id"] for a in service.alerts() if a["rule"] == "decision-to-register"))
    assert [(e["change"], e["effective_on"]) for e in history] == [("raised", "2026-11-27"), ("closed", "2026-10-01")]


def test_the_command_line_says_closed_in_time(service):
    key_late(service)
    data_dir = service.settings.data_dir
    listed = json.loads(cli(data_dir, "alerts", "list", "--json").stdout)
    assert all(a["closed_in_time"] for a in listed)
    text = cli(data_dir, "alerts", "list").stdout
    assert "(in time: never breached)" in text and "None" not in text
