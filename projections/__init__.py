"""Read models built from the event log (the tracker's queries read these).

    db = open_read_models(settings.read_models_path)
    position = catch_up(app, db)          # every reading command, first
    wait_for(db, position, timeout=2.0, app=app)   # the web, after a command

Never writes events. See `projections.projector` for how the log is applied
exactly once, `migrations.read_models` for the schema, and
`projections.queries` / `projections.reports` for what callers read.
"""

from projections.projector import (
    Status,
    catch_up,
    position_of,
    rebuild,
    status,
    wait_for,
)
from projections.queries import (
    children_by_stage,
    clock_of,
    clocks_of_stream,
    clocks_stopped_between,
    due_clocks,
    households_waiting,
    scorecard_from_read_models,
    waiting_children,
)
from projections.store import open_read_models

__all__ = [
    "Status",
    "catch_up",
    "children_by_stage",
    "clock_of",
    "clocks_of_stream",
    "clocks_stopped_between",
    "due_clocks",
    "households_waiting",
    "open_read_models",
    "position_of",
    "rebuild",
    "scorecard_from_read_models",
    "status",
    "wait_for",
    "waiting_children",
]
