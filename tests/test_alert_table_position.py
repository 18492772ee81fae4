"""The alerts table remembers how far it has read the log, alert events or
not: a query after many journey events reads only what was recorded since, and
takes no write lock when nothing was."""

from __future__ import annotations

import datetime

from factories import BY, LA, make_settings

from journey import alerts
from journey.domain import clock
from journey.service import Tracker


def test_the_table_reads_the_log_once(tmp_path, monkeypatch):
    clock.set_today(datetime.date(2025, 3, 31))
    try:
        tracker = Tracker(make_settings(tmp_path))
        for n in range(5):  # journeys that raise no alert
            tracker.record(LA, f"C{n}", "entered_care", "2025-03-01", recorded_by=BY)
        table = alerts.AlertTable.of(tracker.store)
        tracker.alerts()
        assert table.position(alerts.alert_table.EVENTS_POSITION) == tracker.log_length()
        read = []
        original = type(tracker.store.recorder).select_notifications

        def counting(self, *args, **kwargs):
            read.append(kwargs.get("topics"))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(type(tracker.store.recorder), "select_notifications", counting)
        tracker.alerts()
        assert [t for t in read if t] == []  # nothing recorded since: no alert events looked for again
        monkeypatch.undo()
        # an alert raised later is still found
        tracker.record(LA, "LATE", "entered_care", "2023-01-02", recorded_by=BY)
        tracker.sweep_alerts()
        assert any(a["child_ref"] == "LATE" for a in tracker.alerts())
        assert table.position(alerts.alert_table.EVENTS_POSITION) == tracker.log_length()
        tracker.close()
        tracker.store.close()
    finally:
        clock.set_today(None)
