"""Projection throughput and scorecard query time, against the bare library.

    .venv/bin/python bench/projections.py [--children 10000 100000] [--cache-dir DIR] [--runs 3] [--one-process]

For each size: takes the store of N children that bench/_stores.py keeps in the
cache directory (`--cache-dir`, default /tmp/journey-bench-projections/<N>),
made once by the tracker's import of `journey_rows(N)` (by this script, or by
bench/import.py's first run) and reused by later runs of either (100,000
children take a while to import), then in the same run
- reads and decodes the whole log with the bare library (`select_notifications`
  + `mapper.to_domain_event`): the raw rate;
- rebuilds the read models from the log: the projection's rate (target at
  least 0.5 of raw). A rebuild reads the log in a second process while it
  writes (`projections.reading`), so its CPU time is given with and without
  that reader's (`--one-process` rebuilds without it);
- times the scorecard query (`projections.queries.scorecard_from_read_models`)
  for a three-year period, for the whole agency and for one council (target under
  100 ms, and not much slower at 100,000 children than at 10,000).
The raw read and the rebuild are run `--runs` times (default 3) and the
medians printed. The ratio is given by the clock (the target) and by CPU time
(steadier on a machine others are using).
"""

from __future__ import annotations

import argparse
import datetime
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The repository first (bench/projections.py is not the `projections` package), then bench/.
sys.path[:0] = [str(HERE.parent), str(HERE)]
import _stores  # noqa: E402

from journey.domain import clock  # noqa: E402
from journey.store.application import JourneyTracker  # noqa: E402
from journey.settings import Settings  # noqa: E402
from projections import projector  # noqa: E402
from projections.queries import scorecard_from_read_models  # noqa: E402
from projections.store import open_read_models  # noqa: E402

PERIOD = (datetime.date(2021, 4, 1), datetime.date(2024, 3, 31))
QUERY_REPEATS = 20


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


def one_size(n: int, cache_dir: Path, runs: int) -> float:
    """Raw read and rebuild `runs` times each, then the queries; prints the figures
    (each run, then the medians) and returns the whole agency's query time."""
    data_dir = _stores.event_store(n, cache_dir)
    clock.set_today(_stores.TODAY)
    app = JourneyTracker(Settings(data_dir=data_dir))
    figures = []
    print(f"{n} children, {runs} run(s); {_stores.load()}", flush=True)
    for run in range(1, runs + 1):
        raw_events, raw_s, raw_cpu = _stores.raw_read(app)
        ours_events, ours_s, ours_cpu, reader_cpu = rebuild(app, data_dir)
        ratio = (ours_events / ours_s) / (raw_events / raw_s)
        figures.append({"raw s": raw_s, "raw cpu": raw_cpu, "ours s": ours_s, "ours cpu": ours_cpu,
                        "reader cpu": reader_cpu, "ratio": ratio,
                        "cpu ratio": raw_cpu / (ours_cpu + reader_cpu), "cpu ratio alone": raw_cpu / ours_cpu})
        if runs > 1:
            print(f"  run {run}: raw read + decode {raw_s:.1f} s, rebuild {ours_s:.1f} s: {ratio:.2f} of raw", flush=True)
    all_ms, cohort = query_ms(data_dir, None)
    la_ms, la_cohort = query_ms(data_dir, "Coventry")
    app.close()

    def median(key: str) -> float:
        return statistics.median(f[key] for f in figures)

    def spread(key: str) -> str:
        values = sorted(f[key] for f in figures)
        return f" (median of {runs}: {values[0]:.2f} to {values[-1]:.2f})" if runs > 1 else ""

    raw_s, ours_s = median("raw s"), median("ours s")
    print(f"children: {n}, events: {raw_events}")
    print(f"  raw read + decode : {raw_s:7.1f} s = {raw_events / raw_s:8.0f} events/s (CPU {median('raw cpu'):.1f} s)")
    print(f"  rebuild           : {ours_s:7.1f} s = {ours_events / ours_s:8.0f} events/s "
          f"(CPU {median('ours cpu'):.1f} s, and {median('reader cpu'):.1f} s in the reader process)")
    print(f"  ratio             : {median('ratio'):.2f} of raw by the clock{spread('ratio')} (target 0.5); "
          f"by CPU time {median('cpu ratio'):.2f} with the reader's, {median('cpu ratio alone'):.2f} without")
    print(f"  scorecard {PERIOD[0]}..{PERIOD[1]}: {all_ms:6.1f} ms ({cohort} children in A1); "
          f"one council: {la_ms:6.1f} ms ({la_cohort} children) (target < 100 ms)")
    print(f"  at the end: {_stores.load()}", flush=True)
    return all_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--cache-dir", type=Path, default=_stores.DEFAULT_CACHE)
    parser.add_argument("--runs", type=int, default=3,
                        help="raw reads and rebuilds per size (the figures are their medians)")
    parser.add_argument("--one-process", action="store_true",
                        help="rebuild without the reader process (what one core would give)")
    args = parser.parse_args()
    if args.one_process:
        projector.READ_AHEAD_AFTER = float("inf")
    figures = [(n, one_size(n, args.cache_dir, args.runs)) for n in args.children]
    if len(figures) > 1:
        (small, small_ms), (large, large_ms) = figures[0], figures[-1]
        print(f"scorecard at {large} / at {small}: {large_ms / small_ms:.1f}x")


if __name__ == "__main__":
    main()
