"""Shared factories for the journey tests: plain functions with keyword defaults.

Every tracker here runs on real SQLite files under the test's `tmp_path`. Tests
fix "today" through the clock seam (`journey.domain.clock.set_today`), normally to
`TODAY`, so stages and days in stage do not depend on the real date.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from journey.domain import clock
from journey.store.application import JourneyTracker
from journey.cli import main
from journey.settings import Settings

TODAY = datetime.date(2024, 6, 30)
LA = "Coventry"
BY = "tester"
# Who views a history in the tests that read one through the service (the view log records it).
VIEWER = {"username": BY, "role": "auditor", "via": "web"}


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def make_settings(tmp_path: Path, *, name: str = "var") -> Settings:
    return Settings(data_dir=Path(tmp_path) / name)


def make_tracker(tmp_path: Path, *, name: str = "var", councils: Sequence[dict] | None = None) -> JourneyTracker:
    """A tracker on a fresh SQLite data directory `tmp_path/name`; with
    `councils`, an agency.toml listing them is written first."""
    settings = make_settings(tmp_path, name=name)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if councils is not None:
        write_agency(settings.data_dir, councils=councils)
    return JourneyTracker(settings)


def write_agency(
    data_dir: Path,
    *,
    name: str = "Adoption Central England",
    councils: Sequence[dict] = (
        {"name": "Coventry", "code": "331", "aliases": ["Coventry City Council"]},
        {"name": "Warwickshire", "code": "937"},
        {"name": "Solihull", "code": "334"},
    ),
) -> Path:
    lines = [f'name = "{name}"']
    for c in councils:
        lines += ["", "[[councils]]", f'name = "{c["name"]}"']
        if c.get("code"):
            lines.append(f'code = "{c["code"]}"')
        if c.get("aliases"):
            lines.append("aliases = [" + ", ".join(f'"{a}"' for a in c["aliases"]) + "]")
    path = Path(data_dir) / "agency.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def record_journey(
    app: JourneyTracker,
    la: str,
    ref: str,
    steps: Iterable[tuple],
    *,
    recorded_by: str = BY,
    attributes: dict | None = None,
) -> list[dict]:
    """Record `(milestone, date)` or `(milestone, date, details)` steps in order;
    returns what each `record` returned."""
    done = []
    if attributes:
        app.child(la, ref, attributes, recorded_by=recorded_by)
    for step in steps:
        milestone, occurred_on, *rest = step
        details = rest[0] if rest else None
        done.append(app.record(la, ref, milestone, occurred_on, details, recorded_by=recorded_by))
    return done


def event_count(app: JourneyTracker) -> int:
    """How many events the store holds (the notification log's last id)."""
    return app.recorder.max_notification_id() or 0


def milestones_of(app: JourneyTracker, la: str, ref: str) -> list[tuple[str, str]]:
    """(milestone, occurred_on) of the child's current milestones, in journey order."""
    return [(m["milestone"], m["occurred_on"]) for m in app.summary(la, ref)["milestones"]]


def without_event_ids(journey: dict) -> dict:
    copy = dict(journey)
    copy["milestones"] = [{k: v for k, v in m.items() if k != "event_id"} for m in journey.get("milestones", [])]
    return copy


@contextlib.contextmanager
def today_is(day: datetime.date | str) -> Iterator[None]:
    """Look at the tracker as if today were `day` (then back to TODAY)."""
    before = clock.today()
    clock.set_today(d(day) if isinstance(day, str) else day)
    try:
        yield
    finally:
        clock.set_today(before)


def stage_on(app: JourneyTracker, la: str, ref: str, day: datetime.date | str) -> tuple[str, str | None, int | None]:
    """(stage, stage_since, days_in_stage) of the child as it stood on `day`."""
    with today_is(day):
        j = app.summary(la, ref)
    return j["stage"], j["stage_since"], j["days_in_stage"]


def household_copies(app: JourneyTracker, household_ref: str) -> list[tuple[str, str, str | None]]:
    """The household stream's current milestones: (milestone, occurred_on, child_ref)."""
    household = app.load_household(household_ref)
    return [
        (m.name, m.occurred_on.isoformat(), m.details.get("child_ref"))
        for m in sorted(household.milestones(), key=lambda m: m.sort_key)
    ]


def event_types(events: list) -> list[str]:
    return [type(e).__name__ for e in events]


# -- CSV and the command line -------------------------------------------------------------

COLUMNS = ("child_ref", "local_authority", "milestone", "occurred_on")


def write_milestones_csv(path: Path, rows: Iterable[dict[str, Any]], *, columns: Sequence[str] | None = None) -> Path:
    rows = list(rows)
    if columns is None:
        columns = list(COLUMNS)
        for row in rows:
            for key in row:
                if key not in columns:
                    columns.append(key)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return Path(path)


def row(ref: str, milestone: str, occurred_on: str, *, la: str = LA, **cells: Any) -> dict[str, Any]:
    return {"child_ref": ref, "local_authority": la, "milestone": milestone, "occurred_on": occurred_on, **cells}


def cli(data_dir: Path, *args: str, env: dict | None = None):
    """Run `journey --data-dir DATA_DIR ARGS...`; returns click's Result
    (`exit_code`, `stdout`, `stderr`, `output`)."""
    runner = CliRunner()
    return runner.invoke(main, ["--data-dir", str(data_dir), *args], env={"JOURNEY_USER": BY, **(env or {})})


# -- the read models (projections) --------------------------------------------------------


def make_two_council_settings(tmp_path: Path, *, name: str = "var") -> Settings:
    """Settings on a fresh data directory whose agency.toml lists Coventry (331)
    and Solihull (334) under "Test RAA"."""
    from journey.domain.councils import Agency, Council

    settings = Settings(data_dir=Path(tmp_path) / name)
    settings.data_dir.mkdir()
    Agency("Test RAA", (Council("Coventry", "331"), Council("Solihull", "334"))).write(settings.data_dir)
    return settings


def projections_cli():
    """The `journey` command (the projection commands are among its commands)."""
    return main


def read_model_clock_rows(app: JourneyTracker):
    """The sweep's source of clock rows as the service wires it: the clocks read
    model, caught up with the log first."""
    from journey.alerts import clock_rows_from_read_model
    from projections import catch_up, open_read_models

    def rows(**query):
        db = open_read_models(app.settings.read_models_path)
        try:
            catch_up(app, db)
            return clock_rows_from_read_model(db.conn, **query)
        finally:
            db.conn.close()

    return rows


def read_model_stream_rows(app: JourneyTracker):
    """The clock rows of some streams as the service gives them to the sweep: from
    the clocks read model, caught up with the log first."""
    from journey.alerts import clock_rows_of_streams_from_read_model
    from projections import catch_up, open_read_models

    def rows(stream_ids):
        db = open_read_models(app.settings.read_models_path)
        try:
            catch_up(app, db)
            return clock_rows_of_streams_from_read_model(db.conn, stream_ids)
        finally:
            db.conn.close()

    return rows


def sweep_child(app: JourneyTracker, la: str, child_ref: str, *, on=None):
    """Sweep one child and the households its milestones name, as the service does after a command."""
    from journey import alerts

    child = app.load_child(la, child_ref)
    households = sorted({e.details.get("household") for e in child.entries.values()} - {None, ""})
    ids = [child.id] + [app.household_id(h) for h in households]
    return alerts.sweep_streams(app, ids, on=on, clock_rows=read_model_stream_rows(app))

