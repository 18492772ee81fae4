"""The alert sweep's cost follows the number of clocks due, not the number of children.

    .venv/bin/python bench/alerts.py [--children 100000 10000] [--due 1000]

For each size it writes a clocks read model (the projection's `clocks` table
and indexes, see migrations/read_models.py) with two clocks per child
(order-to-match and care-to-placement) of which `--due` came due on the sweep
day (half reach their warning date, half are breached that day), and times,
against a fresh SQLite event store:

1. the read-model query alone (what came due, by the warn_on/due_on indexes);
2. the daily sweep that raises those alerts (events saved, alerts table updated);
3. the same sweep again (nothing new: idempotent);
4. the next day's sweep: the open alerts are re-read, and the few clocks that
   reach their warning date that day are raised (more of them with more children).

The children themselves are not in the event store: the daily sweep never reads
them, only the read model's rows.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from journey import alerts  # noqa: E402
from journey.domain import clock  # noqa: E402
from journey.store.application import JourneyTracker  # noqa: E402
from journey.settings import Settings  # noqa: E402

SWEEP_DAY = datetime.date(2026, 6, 3)
COUNCILS = ("Coventry", "Solihull", "Warwickshire", "Worcestershire", "Herefordshire")
DAY = datetime.timedelta(days=1)

# The projection's table (migrations/read_models.py, m001), as the sweep reads it.
CLOCKS_TABLE = """
CREATE TABLE IF NOT EXISTS clocks (
    stream_id TEXT NOT NULL, subject TEXT NOT NULL, child_ref TEXT, local_authority TEXT, la_key TEXT,
    household_ref TEXT, rule_id TEXT NOT NULL, started_on TEXT NOT NULL, due_on TEXT NOT NULL, warn_on TEXT,
    alert_from TEXT NOT NULL, stopped_on TEXT, stopped_by TEXT, running INTEGER NOT NULL, stops TEXT NOT NULL,
    PRIMARY KEY (stream_id, rule_id, started_on));
CREATE INDEX IF NOT EXISTS clocks_by_due ON clocks (due_on);
CREATE INDEX IF NOT EXISTS clocks_by_warn ON clocks (warn_on);
CREATE INDEX IF NOT EXISTS clocks_running_by_alert ON clocks (running, alert_from);
CREATE INDEX IF NOT EXISTS clocks_by_stop ON clocks (stopped_on);
"""


def clock_row(stream_id, ref, la, rule_id, started, limit_days, warn_days, stop_after=None, stopped_by="matched"):
    due = started + datetime.timedelta(days=limit_days)
    warn = started + datetime.timedelta(days=warn_days)
    stopped = started + datetime.timedelta(days=stop_after) if stop_after is not None else None
    stops = [[stopped.isoformat(), stopped_by, None]] if stopped else []
    return (
        stream_id, "child", ref, la, la.lower(), None, rule_id, started.isoformat(), due.isoformat(), warn.isoformat(),
        warn.isoformat(), stopped.isoformat() if stopped else None, stopped_by if stopped else None,
        0 if stopped else 1, json.dumps(stops),
    )


def write_read_model(path: Path, children: int, due: int, seed: int = 11) -> int:
    """Two clocks per child; exactly `due` of them come due on SWEEP_DAY. Returns the rows written."""
    rng = random.Random(seed)
    rows = []
    for i in range(children):
        stream_id, ref, la = str(uuid.UUID(int=i + 1)), f"C{i:06d}", COUNCILS[i % len(COUNCILS)]
        if i < due // 2:
            started = SWEEP_DAY - 90 * DAY  # order-to-match warns today
            rows.append(clock_row(stream_id, ref, la, "order-to-match", started, 121, 90))
        elif i < due:
            started = SWEEP_DAY - 122 * DAY  # order-to-match breached from today
            rows.append(clock_row(stream_id, ref, la, "order-to-match", started, 121, 90))
        elif rng.random() < 0.1:
            started = SWEEP_DAY - rng.randint(1, 89) * DAY  # running, not yet warning
            rows.append(clock_row(stream_id, ref, la, "order-to-match", started, 121, 90))
        else:
            started = SWEEP_DAY - rng.randint(200, 3000) * DAY  # long since matched
            rows.append(clock_row(stream_id, ref, la, "order-to-match", started, 121, 90, stop_after=rng.randint(20, 180)))
        care = SWEEP_DAY - rng.randint(500, 3500) * DAY  # placed long ago
        rows.append(clock_row(stream_id, ref, la, "care-to-placement", care, 426, 365, stop_after=rng.randint(100, 420), stopped_by="placed"))
    conn = sqlite3.connect(path)
    conn.executescript(CLOCKS_TABLE)
    conn.executemany(f"INSERT INTO clocks VALUES ({', '.join('?' * 15)})", rows)
    conn.commit()
    conn.close()
    return len(rows)


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def run(children: int, due: int, base: Path) -> dict:
    data_dir = base / f"children-{children}"
    settings = Settings(data_dir=data_dir)
    data_dir.mkdir(parents=True)
    rows_written = write_read_model(settings.read_models_path, children, due)
    app = JourneyTracker(settings)
    conn = sqlite3.connect(settings.read_models_path)

    def rows(**query):
        return alerts.clock_rows_from_read_model(conn, **query)

    def stream_rows(stream_ids):
        return alerts.clock_rows_of_streams_from_read_model(conn, stream_ids)

    since = SWEEP_DAY - DAY
    found, query_s = timed(lambda: rows(on=SWEEP_DAY, since=since, keys=()))
    first, first_s = timed(lambda: alerts.sweep(app, rows, on=SWEEP_DAY, since=since, stream_clock_rows=stream_rows))
    again, again_s = timed(lambda: alerts.sweep(app, rows, on=SWEEP_DAY, since=since, stream_clock_rows=stream_rows))
    clock.set_today(SWEEP_DAY + DAY)
    nxt, next_s = timed(lambda: alerts.sweep(app, rows, on=SWEEP_DAY + DAY, stream_clock_rows=stream_rows))
    clock.set_today(None)
    conn.close()
    app.close()
    return {
        "children": children,
        "clock rows": rows_written,
        "due": len(found),
        "query ms": query_s * 1000,
        "sweep s": first_s,
        "changes": first.changes,
        "again s": again_s,
        "again changes": again.changes,
        "next day s": next_s,
        "next day changes": nxt.changes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, nargs="+", default=[100_000, 10_000])
    parser.add_argument("--due", type=int, default=1000, help="clocks that come due on the sweep day")
    args = parser.parse_args()
    clock.set_today(SWEEP_DAY)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp:
        for n in args.children:
            clock.set_today(SWEEP_DAY)
            results.append(run(n, args.due, Path(tmp)))
    print(f"Alert sweep for {SWEEP_DAY}: {args.due} clocks due (SQLite event store and read model)")
    header = (
        f"{'children':>9} {'clock rows':>10} {'due':>5} {'query':>9} {'sweep':>8} {'changes':>7} "
        f"{'again':>8} {'changes':>7} {'next day':>9} {'changes':>7}"
    )
    print(header)
    for r in results:
        print(
            f"{r['children']:>9,} {r['clock rows']:>10,} {r['due']:>5} {r['query ms']:>7.1f}ms {r['sweep s']:>7.2f}s "
            f"{r['changes']:>7} {r['again s']:>7.2f}s {r['again changes']:>7} {r['next day s']:>8.2f}s {r['next day changes']:>7}"
        )
    if len(results) >= 2:
        big, small = results[0], results[1]
        print(
            f"{big['children']:,} vs {small['children']:,} children with the same number due: "
            f"sweep time ratio {big['sweep s'] / small['sweep s']:.2f}, query time ratio {big['query ms'] / small['query ms']:.2f} "
            f"(children ratio {big['children'] / small['children']:.0f})"
        )


if __name__ == "__main__":
    main()
