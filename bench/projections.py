"""Projection throughput and scorecard query time, against the bare library.

    .venv/bin/python bench/projections.py [--children 10000 100000] [--cache-dir DIR] [--one-process]

For each size: generates N children with bench/import.py's `journey_rows` and
imports them once into a cached data directory (`--cache-dir`, default
/tmp/journey-bench-projections/<N>; reused by later runs: 100,000 children take a
while to import), then in the same run
- reads and decodes the whole log with the bare library (`select_notifications`
  + `mapper.to_domain_event`): the raw rate;
- rebuilds the read models from the log: the projection's rate (target at
  least 0.5 of raw). A rebuild reads the log in a second process while it
  writes (`projections.reading`), so its CPU time is given with and without
  that reader's (`--one-process` rebuilds without it);
- times the scorecard query (`projections.queries.scorecard_from_read_models`)
  for a three-year period, for the whole agency and for one council (target under
  100 ms, and not much slower at 100,000 children than at 10,000).
Prints the figures. The ratio is given by the clock (the target) and by CPU
time (steadier on a machine others are using).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from journey.domain import clock  # noqa: E402
from journey.store.application import JourneyTracker  # noqa: E402
from journey.settings import Settings  # noqa: E402
from journey.importers.milestones_file import import_milestones, rows_from_dicts  # noqa: E402
from projections import projector  # noqa: E402
from projections.queries import scorecard_from_read_models  # noqa: E402
from projections.store import open_read_models  # noqa: E402

DEFAULT_CACHE = Path("/tmp/journey-bench-projections")
PERIOD = (datetime.date(2021, 4, 1), datetime.date(2024, 3, 31))
QUERY_REPEATS = 20


def _import_bench():
    """bench/import.py is a script, not a module of a package: load it by path."""
    spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench" / "import.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # the library looks its aggregates' module up by name
    spec.loader.exec_module(module)
    return module


def event_store(children: int, cache_dir: Path) -> Path:
    """A data directory holding `children` generated children (made once, then reused)."""
    data_dir = cache_dir / str(children)
    done = data_dir / "complete"
    if done.exists():
        return data_dir
    if data_dir.exists():
        for path in data_dir.iterdir():
            path.unlink()
    data_dir.mkdir(parents=True, exist_ok=True)
    bench_import = _import_bench()
    clock.set_today(bench_import.TODAY)
    print(f"generating {children} children into {data_dir} (once; later runs reuse it) ...", flush=True)
    started = time.perf_counter()
    rows = bench_import.journey_rows(children)
    app = JourneyTracker(Settings(data_dir=data_dir))
    report = import_milestones(app, rows_from_dicts(rows), recorded_by="bench")
    assert not report.problems, report.problems[:3]
    app.close()
    done.write_text(f"{len(rows)} rows\n")
    print(f"  imported {len(rows)} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return data_dir


def raw_read(app) -> tuple[int, float, float]:
    """Read and decode the whole log with the library alone: (events, wall s, CPU s)."""
    started, cpu = time.perf_counter(), time.process_time()
    count, start = 0, 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=projector.BATCH_NOTIFICATIONS)
        if not notifications:
            break
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id + 1
    return count, time.perf_counter() - started, time.process_time() - cpu


def rebuild(app, data_dir: Path) -> tuple[int, float, float, float]:
    """Rebuild the read models: (events, wall s, CPU s of this process, CPU s of the
    reader process)."""
    path = data_dir / "read-models.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = open_read_models(path)
    started, cpu, reader = time.perf_counter(), time.process_time(), _children_cpu()
    projector.rebuild(app, db)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    reader = _children_cpu() - reader
    count = db.execute("SELECT position FROM tracking").fetchone()[0]
    db.close()
    return count, elapsed, cpu, reader


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def query_ms(data_dir: Path, la: str | None) -> tuple[float, int]:
    db = open_read_models(data_dir / "read-models.sqlite3")
    times, card = [], None
    for _ in range(QUERY_REPEATS):
        started = time.perf_counter()
        card = scorecard_from_read_models(db, *PERIOD, la=la)
        times.append((time.perf_counter() - started) * 1000)
    db.close()
    return statistics.median(times), card.a1.children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--one-process", action="store_true",
                        help="rebuild without the reader process (what one core would give)")
    args = parser.parse_args()
    if args.one_process:
        projector.READ_AHEAD_AFTER = float("inf")
    figures = []
    for n in args.children:
        data_dir = event_store(n, args.cache_dir)
        clock.set_today(datetime.date(2026, 11, 1))
        app = JourneyTracker(Settings(data_dir=data_dir))
        raw_events, raw_s, raw_cpu = raw_read(app)
        ours_events, ours_s, ours_cpu, reader_cpu = rebuild(app, data_dir)
        all_ms, cohort = query_ms(data_dir, None)
        la_ms, la_cohort = query_ms(data_dir, "Coventry")
        app.close()
        raw_rate, ours_rate = raw_events / raw_s, ours_events / ours_s
        figures.append((n, all_ms))
        print(f"children: {n}, events: {raw_events}")
        print(f"  raw read + decode : {raw_s:7.1f} s = {raw_rate:8.0f} events/s (CPU {raw_cpu:.1f} s)")
        print(f"  rebuild           : {ours_s:7.1f} s = {ours_rate:8.0f} events/s "
              f"(CPU {ours_cpu:.1f} s, and {reader_cpu:.1f} s in the reader process)")
        print(f"  ratio             : {ours_rate / raw_rate:.2f} of raw by the clock (target 0.5); "
              f"by CPU time {raw_cpu / (ours_cpu + reader_cpu):.2f} with the reader's, "
              f"{raw_cpu / ours_cpu:.2f} without")
        print(f"  scorecard {PERIOD[0]}..{PERIOD[1]}: {all_ms:6.1f} ms ({cohort} children in A1); "
              f"one council: {la_ms:6.1f} ms ({la_cohort} children) (target < 100 ms)", flush=True)
    if len(figures) > 1:
        (small, small_ms), (large, large_ms) = figures[0], figures[-1]
        print(f"scorecard at {large} / at {small}: {large_ms / small_ms:.1f}x")


if __name__ == "__main__":
    main()
