"""Delay alerts (domain.md section 5): one aggregate per clock, and the sweep that keeps them.

- `alert`: an alert's identity, its lifecycle and the `Alert` aggregate (whose
  stored topics stay `journey.alerts:Alert...`, as before the split).
- `planning`: the policy, pure. `alert_changes()` and `plan_sweep()` take clock
  rows (plain dicts shaped like the clocks read model's rows) and alert states,
  and give the changes.
- `sweeping`: the application-layer policy. `sweep()`, `sweep_streams()` and
  `sweep_changes()` record the changes as events in the
  tracker's event store (retrying on the library's IntegrityError), then bring the
  alerts read table up to date from those events.
- `alert_table`: that table (`AlertTable`): a projection of the alert events in
  the read-models file, deleted and rebuilt from the log at will.
- `review`: what people do with alerts: `acknowledge()`, `list_alerts()`,
  `alert_history()`.

Import from here (`from journey import alerts`); the names below are the public ones.
"""

from journey.alerts.alert import (
    ACKNOWLEDGED,
    BREACH,
    CLOSED,
    LEVELS,
    OPEN,
    STATUSES,
    WARNING,
    Alert,
    AlertAlreadyAcknowledged,
    AlertClosed,
    AlertNotFound,
    AlertState,
    Change,
    alert_id,
    parse_alert_id,
)
from journey.alerts.alert_table import AlertTable
from journey.alerts.planning import (
    CLOCK_GONE,
    CLOCK_RUNS_AGAIN,
    DATES_CORRECTED,
    NOT_DUE_NOW,
    AlertPlan,
    alert_changes,
    clock_rows_for,
    plan_sweep,
)
from journey.alerts.review import (
    AmbiguousAlertId,
    acknowledge,
    alert_events,
    alert_history,
    assign,
    history_sentence,
    iter_alerts,
    list_alerts,
    listed,
    find_alert,
    resolve_alert_id,
)
from journey.alerts.sweeping import (
    SweepReport,
    clock_rows_from_read_model,
    clock_rows_of_streams_from_read_model,
    is_journey_topic,
    start_following_changes,
    sweep,
    sweep_changes,
    sweep_streams,
    timescales_of,
)
from journey.domain.errors import InvalidValue

__all__ = [
    # alert
    "ACKNOWLEDGED",
    "BREACH",
    "CLOSED",
    "LEVELS",
    "OPEN",
    "STATUSES",
    "WARNING",
    "Alert",
    "AlertAlreadyAcknowledged",
    "AlertClosed",
    "AlertNotFound",
    "AlertState",
    "alert_id",
    "parse_alert_id",
    # planning
    "CLOCK_GONE",
    "CLOCK_RUNS_AGAIN",
    "DATES_CORRECTED",
    "NOT_DUE_NOW",
    "AlertPlan",
    "Change",
    "alert_changes",
    "clock_rows_for",
    "plan_sweep",
    # alert_table
    "AlertTable",
    # sweeping
    "SweepReport",
    "clock_rows_from_read_model",
    "clock_rows_of_streams_from_read_model",
    "is_journey_topic",
    "start_following_changes",
    "sweep",
    "sweep_changes",
    "sweep_streams",
    "timescales_of",
    # queries
    "AmbiguousAlertId",
    "acknowledge",
    "assign",
    "alert_events",
    "alert_history",
    "history_sentence",
    "iter_alerts",
    "list_alerts",
    "listed",
    "find_alert",
    "resolve_alert_id",
    # raised by acknowledge() and list_alerts() (callers catch it as alerts.InvalidValue)
    "InvalidValue",
]
