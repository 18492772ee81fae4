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
        assert table.events_read_to() == tracker.log_length()
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
        assert table.position(alerts.alert_table.EVENTS_POSITION) == tracker.log_length()  # alert events: stored
        tracker.close()
        tracker.store.close()
    finally:
        clock.set_today(None)


def test_a_command_stores_no_position_for_its_own_milestone_and_another_process_still_sees_every_alert(tmp_path):
    """A milestone that raises nothing moves no stored position (no write lock
    taken for it); a new process reads the stretch again and finds what a later
    alert event brings, and a long stretch is stored so it is not read again."""
    clock.set_today(datetime.date(2025, 3, 31))
    try:
        settings = make_settings(tmp_path)
        tracker = Tracker(settings)
        tracker.record(LA, "LATE", "entered_care", "2023-01-02", recorded_by=BY)  # raises an alert
        table = alerts.AlertTable.of(tracker.store)
        stored = table.position(alerts.alert_table.EVENTS_POSITION)
        assert stored == tracker.log_length()
        tracker.record(LA, "C1", "entered_care", "2025-03-01", recorded_by=BY)  # raises none
        assert table.position(alerts.alert_table.EVENTS_POSITION) == stored
        assert table.events_read_to() == tracker.log_length()
        tracker.close()
        tracker.store.close()

        other = Tracker(settings)  # another process: the stretch read again
        other.record(LA, "LATE2", "entered_care", "2023-01-02", recorded_by=BY)
        assert {a["child_ref"] for a in other.alerts()} == {"LATE", "LATE2"}
        assert len(other.alerts()) == 2 * len([a for a in other.alerts() if a["child_ref"] == "LATE"])
        assert alerts.AlertTable.of(other.store).position(alerts.alert_table.EVENTS_POSITION) == other.log_length()
        for n in range(alerts.alert_table.UNSTORED_READ // 2 + 1):  # two events each
            other.record(LA, f"Q{n}", "entered_care", "2025-03-01", recorded_by=BY)
        other.alerts()
        assert alerts.AlertTable.of(other.store).position(alerts.alert_table.EVENTS_POSITION) > other.log_length() - 10
        other.close()
        other.store.close()
    finally:
        clock.set_today(None)
