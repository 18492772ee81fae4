"""How long one command takes on a large store: a milestone recorded through the
service (written, read models caught up, the child's alerts swept), against the
bare library's save of one event to the same SQLite file, in the same run.

    .venv/bin/python bench/commands.py [--children 100000] [--commands 200] [--profile]

The store is the one `bench/import.py` and `bench/projections.py` share (made
once per size, see bench/_stores.py), copied to a scratch folder so that the
cached store is left as it was. Before the timed commands, as many children as
commands enter care (untimed); each timed command records one child's
`adm_decision`, as a tracker keys a decision. The checks' findings are worked
out first (untimed; an import leaves them current), so each command keeps them
current too (the child's worked out again). Target: the service's p95 within
5 times the bare save's p95. `--profile` profiles 50 more commands and prints,
for one command on average, each commit and read it makes (the event store's and
the read models'), and the steps around them.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _stores  # noqa: F401  (puts the repository first on the import path)
from _stores import TODAY, close, event_store, load
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from journey.domain import clock
from journey.service import Tracker
from journey.settings import Settings


class Note(Aggregate):
    """The bare library's aggregate: one event per save."""

    @event("Created")
    def __init__(self, text: str) -> None:
        self.text = text

    @event("Noted")
    def note(self, text: str) -> None:
        self.text = text


PROFILED = 50

# The steps of one command, by the function that does each (file, name), in order.
STEPS = (
    ("the whole command", "journey/service.py", "record"),
    ("  rules file read (timescales)", "journey/service.py", "timescales"),
    ("  checking and saving the child's event", "journey/store/application.py", "record"),
    ("  read models caught up", "projections/projector.py", "catch_up"),
    ("  alerts table caught up", "journey/alerts/alert_table.py", "catch_up"),
    ("  the child's clocks read", "journey/service.py", "_clock_rows_of_streams"),
    ("  alerts planned", "journey/alerts/planning.py", "plan_sweep"),
    ("  alert events loaded and saved", "journey/alerts/sweeping.py", "record_plans"),
    ("  the checks' findings of the child", "projections/checks.py", "catch_up"),
    ("  log length read", "journey/service.py", "log_length"),
    ("every event-store save (library)", "eventsourcing/application.py", "save"),
    ("every SQLite commit", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("every SQLite statement", "~", "<method 'execute' of 'sqlite3.Connection' objects>"),
    ("every SQLite statement (cursor)", "~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
)


def print_steps(stats: pstats.Stats, commands: int) -> None:
    """Each step's calls and time for one command on average (times under the profiler).
    Where a file has two functions of the name (a module's catch_up calling the
    projector's), the outer one counts."""
    print(f"where one command's time goes (mean of {commands} profiled commands; the profiler slows each call)")
    print(f"  {'':44}{'calls':>7}{'ms':>8}")
    for label, path, name in STEPS:
        calls = seconds = 0.0
        for (filename, _line, function), (_cc, ncalls, _tt, cumulative, _callers) in stats.stats.items():
            if function == name and (filename == path or filename.endswith("/" + path)) and cumulative > seconds:
                calls, seconds = ncalls, cumulative
        print(f"  {label:<44}{calls / commands:7.1f}{seconds / commands * 1000:8.2f}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bare_saves(events_path: Path, count: int) -> list[float]:
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(events_path), "SQLITE_LOCK_TIMEOUT": "30"})
    note = Note("bench")
    app.save(note)
    timings = []
    for n in range(count):
        note.note(f"note {n}")
        started = time.perf_counter()
        app.save(note)
        timings.append(time.perf_counter() - started)
    app.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=100_000, help="size of the store (default 100000)")
    parser.add_argument("--commands", type=int, default=200, help="commands timed (default 200)")
    parser.add_argument("--profile", action="store_true", help="profile 50 more commands and print where one command's time goes")
    args = parser.parse_args()
    clock.set_today(TODAY)
    print(f"commands on a store of {args.children:,} children, {args.commands} commands; {load()}", flush=True)
    cached = event_store(args.children)
    scratch = Path(tempfile.mkdtemp(prefix="journey-bench-commands-"))
    try:
        data_dir = scratch / "var"
        started = time.perf_counter()
        shutil.copytree(cached, data_dir)
        print(f"  store copied to {data_dir} in {time.perf_counter() - started:.1f} s", flush=True)
        tracker = Tracker(Settings(data_dir=data_dir))
        tracker.read_models()  # caught up before anything is timed
        started = time.perf_counter()
        checked = tracker.check()  # the checks' findings current (as every import leaves them), so each command keeps them so
        print(f"  journey check first (untimed, the cached store's findings worked out): {time.perf_counter() - started:.1f} s, "
              f"{checked['children']:,} children", flush=True)
        la, entered = "Coventry", (TODAY - datetime.timedelta(days=200)).isoformat()
        profiled = PROFILED if args.profile else 0
        refs = [f"B{n:06d}" for n in range(args.commands + profiled)]
        for ref in refs:
            tracker.record(la, ref, "entered_care", entered, recorded_by="bench")
        decided = (TODAY - datetime.timedelta(days=20)).isoformat()
        timings = []
        for ref in refs[:args.commands]:
            started = time.perf_counter()
            tracker.record(la, ref, "adm_decision", decided, recorded_by="bench")
            timings.append(time.perf_counter() - started)
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for ref in refs[args.commands:]:
                tracker.record(la, ref, "adm_decision", decided, recorded_by="bench")
            profile.disable()
        close(tracker)
        bare = bare_saves(data_dir / "events.sqlite3", args.commands)
        ms = 1000
        print(f"{'':34}{'p50':>8}{'p95':>8}{'max':>8}  ms")
        for name, values in (("bare library: save one event", bare), ("service: record one milestone", timings)):
            print(f"  {name:<32}{statistics.median(values) * ms:8.1f}{percentile(values, 0.95) * ms:8.1f}{max(values) * ms:8.1f}")
        ratio = percentile(timings, 0.95) / percentile(bare, 0.95)
        print(f"ratio, p95 of the service to p95 of the bare save: {ratio:.1f} (target: within 5)")
        print(f"at the end: {load()}")
        if args.profile:
            print_steps(pstats.Stats(profile), profiled)
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
