"""Import throughput: the tracker's import against the bare eventsourcing library.

    .venv/bin/python bench/import.py [--children 10000]

Generates N children (about 20 milestones each), imports them through the
tracker (rules of order checked, attributes, household copies of matches and
placements), and in the same run saves the same events with the bare library
(an `Aggregate` with `@event` methods, `Application.save()` in batches) into
another SQLite file. Prints events/s for both and the ratio.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate, event  # noqa: E402

from journey import clock  # noqa: E402
from journey.store.application import DateAsISO, JourneyTracker  # noqa: E402
from journey.settings import Settings  # noqa: E402
from journey.importers.milestones_file import BATCH_CHILDREN, import_milestones, rows_from_dicts  # noqa: E402

TODAY = datetime.date(2026, 11, 1)
COUNCILS = ("Coventry", "Solihull", "Warwickshire", "Worcestershire", "Herefordshire")


def journey_rows(n: int, seed: int = 7) -> list[dict[str, str]]:
    """About 20 milestones per child, in a valid order."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        day = TODAY - datetime.timedelta(days=rng.randint(900, 3000))
        dob = day - datetime.timedelta(days=rng.randint(0, 1500))
        la, ref, hh = COUNCILS[i % 5], f"C{i:06d}", f"HH{i % 3000:05d}"
        steps = [
            ("pre_proceedings_started", {}), ("care_proceedings_issued", {}), ("entered_care", {"legal_status": "C1"}),
            ("permanence_plan", {"plan": "adoption"}), ("adm_decision", {}), ("placement_order", {"authority": "placement_order"}),
            ("family_finding_started", {}), ("register_referral", {}), ("link_identified", {"household": hh}),
            ("link_identified", {"household": hh + "b"}), ("match_panel", {"household": hh}), ("matched", {"household": hh, "interagency": "no"}),
            ("placed", {"household": hh, "foster_carer_adoption": "no"}), ("adoption_application", {}),
        ]
        extra = [("register_referral", {}) for _ in range(5)]
        for milestone, details in steps[:4] + extra + steps[4:]:
            day += datetime.timedelta(days=rng.randint(1, 40))
            row = {"child_ref": ref, "local_authority": la, "milestone": milestone, "occurred_on": day.isoformat(),
                   "date_of_birth": dob.isoformat(), "sex": "1", "ethnicity": "WBRI"}
            row.update(details)
            rows.append(row)
        day += datetime.timedelta(days=rng.randint(100, 200))
        rows.append({"child_ref": ref, "local_authority": la, "milestone": "adoption_order", "occurred_on": min(day, TODAY).isoformat(),
                     "date_of_birth": dob.isoformat(), "sex": "1", "ethnicity": "WBRI"})
    return rows


class BareChild(Aggregate):
    @event("Registered")
    def __init__(self, local_authority: str, child_ref: str, attributes: dict):
        self.milestones = []

    @event("MilestoneRecorded")
    def record(self, milestone: str, occurred_on: datetime.date, details: dict, recorded_by: str, note: str | None):
        self.milestones.append((milestone, occurred_on))


class BareHousehold(Aggregate):
    @event("Registered")
    def __init__(self, household_ref: str):
        pass

    @event("MilestoneRecorded")
    def record(self, milestone: str, occurred_on: datetime.date, details: dict, recorded_by: str, note: str | None):
        pass


class BareApp(Application):
    def register_transcodings(self, transcoder):
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


def bare_library(rows: list[dict[str, str]], path: Path) -> tuple[int, float]:
    app = BareApp(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    by_child: dict[str, list[dict]] = {}
    for row in rows:
        by_child.setdefault(row["child_ref"], []).append(row)
    started = time.perf_counter()
    households: dict[str, BareHousehold] = {}
    batch = []
    for ref, child_rows in by_child.items():
        first = child_rows[0]
        child = BareChild(first["local_authority"], ref, {"date_of_birth": datetime.date.fromisoformat(first["date_of_birth"])})
        placed_with = None
        for row in child_rows:
            details = {k: row[k] for k in ("household", "legal_status", "plan", "authority") if k in row}
            child.record(row["milestone"], datetime.date.fromisoformat(row["occurred_on"]), details, "bench", None)
            if row["milestone"] in ("matched", "placed", "adoption_order"):
                household = row.get("household") or placed_with
                placed_with = household
                hh = households.setdefault(household, BareHousehold(household))
                hh.record(row["milestone"], datetime.date.fromisoformat(row["occurred_on"]), {"child_ref": ref}, "bench", None)
        batch.append(child)
        if len(batch) == BATCH_CHILDREN:
            app.save(*batch, *households.values())
            batch = []
    app.save(*batch, *households.values())
    elapsed = time.perf_counter() - started
    return app.recorder.max_notification_id(), elapsed


def tracker(rows: list[dict[str, str]], data_dir: Path) -> tuple[int, float]:
    app = JourneyTracker(Settings(data_dir=data_dir))
    prepared = rows_from_dicts(rows)
    started = time.perf_counter()
    report = import_milestones(app, prepared, recorded_by="bench")
    elapsed = time.perf_counter() - started
    assert not report.problems, report.problems[:3]
    return app.recorder.max_notification_id(), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000)
    args = parser.parse_args()
    clock.set_today(TODAY)
    rows = journey_rows(args.children)
    with tempfile.TemporaryDirectory() as tmp:
        bare_events, bare_s = bare_library(rows, Path(tmp) / "bare.sqlite3")
        ours_events, ours_s = tracker(rows, Path(tmp) / "tracker")
    bare_rate, ours_rate = bare_events / bare_s, ours_events / ours_s
    print(f"children: {args.children}, rows: {len(rows)}")
    print(f"bare library : {bare_events:>8} events in {bare_s:6.1f} s = {bare_rate:8.0f} events/s")
    print(f"tracker      : {ours_events:>8} events in {ours_s:6.1f} s = {ours_rate:8.0f} events/s")
    print(f"ratio        : {ours_rate / bare_rate:.2f} of the bare library (target 0.75)")


if __name__ == "__main__":
    main()
