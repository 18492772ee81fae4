"""The first day a clock alerts has one definition (`journey.domain.clocks.first_alerting_day`):
the clocks read model's `alert_from` (which the sweep reads by) and the sweep's
`alerting_since` (the date an alert is raised from) both use it."""

from __future__ import annotations

import datetime
import textwrap

import pytest

from journey.alerts.planning import alert_changes, alerting_since, clock_rows_for, row_is_due
from journey.domain import clock
from journey.domain.clocks import Clock, first_alerting_day
from journey.settings import Settings
from journey.store.application import JourneyTracker
from projections import catch_up, open_read_models
from projections.queries import due_clocks

d = datetime.date.fromisoformat

# A rule due on a date of the start milestone, whose warning (counted from the
# start) can come after that date: the rules file cannot refuse it, the date is
# only known when the milestone is recorded.
LATE_WARNING_RULE = textwrap.dedent(
    """
    [[rule]]
    id = "pre-birth-plan"
    title = "Plan before the baby is due"
    subject = "child"
    starts_at = "unborn_identified"
    stopped_by = ["early_permanence_placement", "permanence_plan"]
    due_from = "expected_due_date"
    warn_at = "12 weeks"
    source = "local practice"
    """
)


@pytest.fixture
def tracker(tmp_path):
    clock.set_today(d("2025-06-30"))
    settings = Settings(data_dir=tmp_path / "var")
    app = JourneyTracker(settings)
    db = open_read_models(settings.read_models_path)
    yield app, db
    db.close()
    app.close()
    clock.set_today(None)


def test_the_first_alerting_day():
    # Warning before the due date: the warning date.
    assert first_alerting_day(d("2025-01-01"), d("2025-05-01"), d("2025-04-01")) == d("2025-04-01")
    # No warning point: the day after the due date.
    assert first_alerting_day(d("2025-01-01"), d("2025-05-01"), None) == d("2025-05-02")
    # A warning after the due date: the breach comes first, the day after the due date.
    assert first_alerting_day(d("2025-01-01"), d("2025-05-01"), d("2025-06-01")) == d("2025-05-02")
    # A warning counted back from the due date to before the start: the start.
    assert first_alerting_day(d("2025-03-01"), d("2025-04-01"), d("2025-02-04")) == d("2025-03-01")


def test_it_is_the_first_day_a_clock_has_a_level():
    start = d("2025-03-01")
    for due_in in (0, 1, 30):
        for warn_in in (None, -60, -1, 0, 1, 29, 30, 31, 45):
            due_on = start + datetime.timedelta(days=due_in)
            warn_on = None if warn_in is None else start + datetime.timedelta(days=warn_in)
            c = Clock("r", start, due_on, warn_on)
            first = next(start + datetime.timedelta(days=n) for n in range(100) if c.level_on(start + datetime.timedelta(days=n)))
            assert c.alerting_from == first == first_alerting_day(start, due_on, warn_on), (due_in, warn_in)
            assert alerting_since(c, first + datetime.timedelta(days=10)) == first


def test_a_warning_after_the_due_date_does_not_hide_the_breach(tracker):
    app, db = tracker
    (app.settings.data_dir / "timescales.toml").write_text(LATE_WARNING_RULE)
    # Due on 2025-02-01; the warning (12 weeks after 2025-01-06) would be 2025-03-31.
    app.record("Coventry", "PB-1", "unborn_identified", "2025-01-06", {"expected_due_date": "2025-02-01"}, recorded_by="test")
    catch_up(app, db)
    [row] = [r for r in db.query("SELECT * FROM clocks") if r["rule_id"] == "pre-birth-plan"]
    assert (row["due_on"], row["warn_on"], row["alert_from"]) == ("2025-02-01", "2025-03-31", "2025-02-02")
    # The read model finds it the day after it is due, in breach...
    [due] = [c for c in due_clocks(db, d("2025-02-02")) if c["rule_id"] == "pre-birth-plan"]
    assert due["level"] == "breach"
    # ... and the sweep raises its alert from that same day.
    [raised] = alert_changes(row, None, on=d("2025-02-02"))
    assert (raised.kind, raised.effective_on, raised.fields["level"]) == ("raised", d("2025-02-02"), "breach")
    assert row_is_due(row, on=d("2025-02-05"), since=d("2025-02-01"))


def test_a_warning_before_the_start_alerts_from_the_start(tracker):
    app, db = tracker
    # The shipped pre-birth-plan rule warns 8 weeks before the due date: 2025-02-04,
    # before the baby was identified on 2025-03-01.
    app.record("Coventry", "PB-2", "unborn_identified", "2025-03-01", {"expected_due_date": "2025-04-01"}, recorded_by="test")
    catch_up(app, db)
    [row] = [r for r in db.query("SELECT * FROM clocks") if r["rule_id"] == "pre-birth-plan"]
    assert (row["started_on"], row["warn_on"], row["alert_from"]) == ("2025-03-01", "2025-02-04", "2025-03-01")
    [raised] = alert_changes(row, None, on=d("2025-03-10"), since=d("2025-02-20"))
    assert (raised.effective_on, raised.fields["level"]) == (d("2025-03-01"), "warning")
    # A sweep over the days around the start reads the row (the warning date is before them).
    assert row_is_due(row, on=d("2025-03-02"), since=d("2025-02-28"))
    # The same row made from the `Clock` (as a sweep by replay makes them) agrees.
    [replayed] = clock_rows_for(row["stream_id"], [Clock("pre-birth-plan", d("2025-03-01"), d("2025-04-01"), d("2025-02-04"))])
    assert row_is_due(replayed, on=d("2025-03-02"), since=d("2025-02-28"))
