"""Shared by the benchmarks: the generated journeys, and the stores made from them.

A store of N children is what `Tracker.import_milestones` leaves in an empty
data directory given a file of `journey_rows(N)`: events, read models and
alerts. `bench/import.py` times exactly that; `bench/projections.py` needs such
a store to rebuild from. Both keep one per size in the cache directory
(default /tmp/journey-bench-projections/<N>): whichever benchmark makes it
first leaves it there (`keep`), and later runs of either reuse it
(`event_store`), so a store of 100,000 children is imported once.

Files starting with "_" are helpers: `make bench` does not run them.
"""

from __future__ import annotations

import datetime
import os
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path[:1] != [str(ROOT)]:
    sys.path.insert(0, str(ROOT))  # before bench/, whose projections.py is not the package

from journey.domain import clock  # noqa: E402
from journey.importers import milestones_file  # noqa: E402
from journey.service import Tracker  # noqa: E402
from journey.settings import Settings  # noqa: E402
from projections import projector  # noqa: E402

TODAY = datetime.date(2026, 11, 1)
COUNCILS = ("Coventry", "Solihull", "Warwickshire", "Worcestershire", "Herefordshire")
DEFAULT_CACHE = Path("/tmp/journey-bench-projections")
RECORDED_BY = "bench"
# Written into a cached store's marker: a store made another way (before the
# import was a unit of work, or from other rows) is made again.
STORE_KIND = "Tracker.import_milestones of journey_rows(seed 7), today 2026-11-01"
MARKER = "complete"


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


def write_file(rows: list[dict[str, str]], path: Path) -> Path:
    """The rows as a milestones file (the import's CSV format)."""
    milestones_file.write_csv(rows, path)
    return path


def import_file(tracker: Tracker, path: Path) -> dict:
    """The unit of work: the file imported into the tracker's (empty) store; returns its answer."""
    done = tracker.import_milestones(path, recorded_by=RECORDED_BY)
    assert not done["problems"], done["problems"][:3]
    assert done["written"] and not done.get("warning"), done.get("warning")
    return done


def cached(children: int, cache_dir: Path = DEFAULT_CACHE) -> Path | None:
    """The cached data directory of this many children, if one was made and finished."""
    data_dir = cache_dir / str(children)
    marker = data_dir / MARKER
    if marker.exists() and marker.read_text().startswith(STORE_KIND):
        return data_dir
    return None


def keep(children: int, data_dir: Path, rows: int, cache_dir: Path = DEFAULT_CACHE) -> bool:
    """Move a data directory just made by `import_file` into the cache, unless the
    cache has one of that size already; True if it was kept (moved)."""
    if cached(children, cache_dir) is not None:
        return False
    target = cache_dir / str(children)
    if target.exists():
        shutil.rmtree(target)  # unfinished, or made another way
    cache_dir.mkdir(parents=True, exist_ok=True)
    shutil.move(str(data_dir), str(target))
    (target / MARKER).write_text(f"{STORE_KIND}\n{rows} rows\n")
    return True


def event_store(children: int, cache_dir: Path = DEFAULT_CACHE) -> Path:
    """A data directory holding `children` generated children, imported by the
    tracker's unit of work (made once, then reused by every benchmark)."""
    found = cached(children, cache_dir)
    if found is not None:
        return found
    work = cache_dir / f"{children}.making"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    clock.set_today(TODAY)
    print(f"generating {children} children into {cache_dir / str(children)} (once; later runs reuse it) ...", flush=True)
    started = time.perf_counter()
    rows = journey_rows(children)
    path = write_file(rows, work / "milestones.csv")
    tracker = Tracker(Settings(data_dir=work / "data"))
    try:
        import_file(tracker, path)
    finally:
        close(tracker)
    keep(children, work / "data", len(rows), cache_dir)
    shutil.rmtree(work)
    print(f"  imported {len(rows)} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return cache_dir / str(children)


def close(tracker: Tracker) -> None:
    """Close the tracker's read-model and event-store connections."""
    tracker.close()
    tracker.store.close()


def raw_read(app, batch: int = projector.BATCH_NOTIFICATIONS) -> tuple[int, float, float]:
    """Read and decode the whole log with the library alone (`select_notifications`
    + `mapper.to_domain_event`, in batches as the projection reads): (events,
    wall s, CPU s)."""
    started, cpu = time.perf_counter(), time.process_time()
    count, start = 0, 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=batch)
        if not notifications:
            break
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id + 1
    return count, time.perf_counter() - started, time.process_time() - cpu


def load() -> str:
    """The machine's load averages and cores, to read the figures by (others' jobs slow a run)."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"
