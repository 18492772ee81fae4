"""Import as a unit of work: `Tracker.import_milestones` against the bare eventsourcing library.

    .venv/bin/python bench/import.py [--children 10000] [--runs 3] [--cache-dir DIR]

Generates N children (about 20 milestones each, `bench/_stores.journey_rows`)
and writes them to a milestones file. Each run, into empty stores:

- the bare library saves the same events (an `Aggregate` with `@event`
  methods, `Application.save()` in batches of as many children as the
  import's), then reads and decodes them back (`select_notifications` +
  `mapper.to_domain_event`, as bench/projections.py's "raw read + decode"):
  the baseline;
- the tracker imports the file through the service, `Tracker.import_milestones`,
  on an empty data directory: the file read and checked whole (every rule of
  order), the events written (with the households' copies), then the read
  models caught up, the imported children's and households' alerts swept and
  the children's findings for `journey check` worked out.
  It returns when all of that is current, and the time is taken until it returns.

Prints each run and, over the runs, min / median / max of every figure and of
two ratios: the unit of work (baseline time / tracker time, target 0.7) and the
writing part alone (bare save / the tracker's checking and writing, target 0.75).
The first run leaves its store in the cache directory for bench/projections.py
(unless one of that size is there already).
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The repository first (bench/projections.py is not the `projections` package), then bench/.
sys.path[:0] = [str(HERE.parent), str(HERE)]
import _stores  # noqa: E402

from eventsourcing.application import Application  # noqa: E402
from eventsourcing.domain import Aggregate, event  # noqa: E402

from journey.domain import clock  # noqa: E402
from journey.importers.milestones_file import BATCH_CHILDREN  # noqa: E402
from journey.service import Tracker  # noqa: E402
from journey.settings import Settings  # noqa: E402
from journey.store.application import DateAsISO  # noqa: E402
from projections import checks as record_checks  # noqa: E402


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


def bare_library(rows: list[dict[str, str]], path: Path) -> dict[str, float]:
    """Save the rows' events with the bare library, then read and decode them all."""
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
    save_s = time.perf_counter() - started
    events = app.recorder.max_notification_id()
    read_events, read_s, _ = _stores.raw_read(app)
    assert read_events == events, (read_events, events)
    app.close()
    return {"events": events, "save": save_s, "read": read_s, "baseline": save_s + read_s}


class TimedTracker(Tracker):
    """The service unchanged, noting when each part of an import's unit of work ends
    (and how long the checks' catch-up, after the sweep, takes)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.marks: dict[str, float] = {}
        self.checks_seconds = 0.0

    def _finish(self, done, **options):
        catch_up = record_checks.catch_up

        def timed(*args):
            started = time.perf_counter()
            try:
                return catch_up(*args)
            finally:
                self.checks_seconds += time.perf_counter() - started

        record_checks.catch_up = timed
        try:
            return super()._finish(done, **options)
        finally:
            record_checks.catch_up = catch_up

    def _import_rows(self, rows, **options):
        self.marks.setdefault("file read", time.perf_counter())
        return super()._import_rows(rows, **options)

    def _after_import(self, *args, **kwargs):
        self.marks.setdefault("written", time.perf_counter())
        return super()._after_import(*args, **kwargs)

    def read_models(self):
        db = super().read_models()
        self.marks.setdefault("read models current", time.perf_counter())
        return db


PARTS = ("file read", "written", "read models current")
PART_NAMES = {
    "file read": "reading the file",
    "written": "checking + writing",
    "read models current": "read models caught up",
    "alerts swept": "alerts swept",
    "checks caught up": "checks caught up",
}


def tracker(path: Path, data_dir: Path) -> dict[str, float]:
    """The unit of work on an empty data directory, timed until it returns."""
    service = TimedTracker(Settings(data_dir=data_dir))
    started = time.perf_counter()
    done = _stores.import_file(service, path)
    ended = time.perf_counter()
    figures = {"whole": ended - started}
    last = started
    for mark in PARTS:
        figures[mark] = service.marks[mark] - last
        last = service.marks[mark]
    figures["checks caught up"] = service.checks_seconds
    figures["alerts swept"] = ended - last - service.checks_seconds
    figures["events"] = done["position"]
    figures["alert events"] = service.log_length() - done["position"]
    figures["alert changes"] = sum(done["alerts"].values())
    _stores.close(service)
    return figures


def one_run(rows: list[dict[str, str]], path: Path, children: int, keep: Path | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-import-", dir=keep) as tmp:
        bare = bare_library(rows, Path(tmp) / "bare.sqlite3")
        ours = tracker(path, Path(tmp) / "tracker")
        assert ours["events"] == bare["events"], (ours["events"], bare["events"])
        kept = keep is not None and _stores.keep(children, Path(tmp) / "tracker", len(rows), keep)
    return {
        **{f"bare {k}": v for k, v in bare.items()},
        **ours,
        "unit of work": bare["baseline"] / ours["whole"],
        "writing": bare["save"] / ours["written"],
        "kept": kept,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="repetitions (min / median / max are printed)")
    parser.add_argument("--cache-dir", type=Path, default=_stores.DEFAULT_CACHE,
                        help="where the first run leaves its store for bench/projections.py")
    args = parser.parse_args()
    clock.set_today(_stores.TODAY)
    rows = _stores.journey_rows(args.children)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-import-file-") as tmp:
        path = _stores.write_file(rows, Path(tmp) / "milestones.csv")
        print(f"children: {args.children}, rows: {len(rows)}, runs: {args.runs}; {_stores.load()}", flush=True)
        for n in range(1, args.runs + 1):
            keep = args.cache_dir if n == 1 and _stores.cached(args.children, args.cache_dir) is None else None
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
            r = one_run(rows, path, args.children, keep)
            runs.append(r)
            parts = ", ".join(f"{PART_NAMES[p]} {r[p]:.1f}" for p in (*PARTS, "alerts swept", "checks caught up"))
            print(f"run {n}: bare save {r['bare save']:.1f} s + raw read {r['bare read']:.1f} s = {r['bare baseline']:.1f} s;"
                  f" tracker {r['whole']:.1f} s ({parts});"
                  f" unit of work {r['unit of work']:.2f}, writing {r['writing']:.2f}", flush=True)
            if r["kept"]:
                print(f"  (its store is kept for bench/projections.py in {args.cache_dir / str(args.children)})", flush=True)
    r = runs[0]
    print(f"events: {r['events']} ({r['bare events']} by the bare library); "
          f"the import's sweep recorded {r['alert events']} alert events ({r['alert changes']} alert changes)")

    def line(label: str, key: str, unit: str = "s", events: int | None = None) -> None:
        values = sorted(x[key] for x in runs)
        median = statistics.median(values)
        rate = f" = {events / median:8.0f} events/s" if events else ""
        fmt = "6.2f" if unit == "" else "6.1f"
        unit = f" {unit}" if unit else ""
        print(f"  {label:<31} {values[0]:{fmt}} {median:{fmt}} {values[-1]:{fmt}}{unit}{rate}")

    print(f"  {'':<31} {'min':>6} {'median':>6} {'max':>6}")
    line("bare library: save", "bare save", events=r["bare events"])
    line("bare library: raw read + decode", "bare read", events=r["bare events"])
    line("baseline (save + read)", "bare baseline", events=r["bare events"])
    line("tracker: the whole import", "whole", events=r["events"])
    for part in (*PARTS, "alerts swept", "checks caught up"):
        line(f"  {PART_NAMES[part]}", part)
    line("unit of work: baseline/tracker", "unit of work", unit="")
    line("writing: bare save/check+write", "writing", unit="")
    uow = statistics.median(x["unit of work"] for x in runs)
    writing = statistics.median(x["writing"] for x in runs)
    print(f"ratio, unit of work : {uow:.2f} (median of {len(runs)}) of the bare library's save + read (target 0.7)")
    print(f"ratio, writing part : {writing:.2f} (median of {len(runs)}) of the bare library's save (target 0.75)")
    print(f"at the end: {_stores.load()}")


if __name__ == "__main__":
    main()
