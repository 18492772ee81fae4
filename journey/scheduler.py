"""The scheduler: the tracker's own long-running process (never inside the web app),
started by `journey scheduler` and `journey run`. It calls the service and nothing beneath it.

Every few seconds it brings the read models up to the end of the log and sweeps
the children and households recorded since (so an alert closes within seconds of
its stopping milestone, whoever recorded it). Once a day, and at start, it runs
the alert sweep from the last date swept to today: after being down for days it
raises each alert that fell due exactly once, dated the day it fell due.

APScheduler 3 `BlockingScheduler` in Europe/London time; missed runs are
coalesced into one and still run within `MISFIRE_GRACE_SECONDS` (a laptop that
slept through midnight sweeps when it wakes). One worker thread, so the
catch-up and the sweep never run at once. Ctrl-C (or `stop_event`) stops the
scheduler and waits for the job in hand to finish.
"""

from __future__ import annotations

import datetime
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from journey.service import Tracker

log = logging.getLogger("journey.scheduler")

CATCH_UP_SECONDS = 5
DAILY_SWEEP_AT = datetime.time(0, 5)  # just after midnight: today's alerts are there by morning
MISFIRE_GRACE_SECONDS = 12 * 3600
TIMEZONE = "Europe/London"


# -- the jobs (plain functions: tests call them with the clock set) -----------------------------


def catch_up(tracker: Tracker) -> dict:
    """Bring the read models up to date, then sweep the streams recorded since the last catch-up."""
    report = tracker.follow_changes()
    if report["changes"]:
        log.info("catch-up: %s", _counts(report))
    return report


def daily_sweep(tracker: Tracker) -> dict:
    """The sweep from the last date swept to today."""
    report = tracker.sweep_alerts()
    log.info("daily sweep for %s: %s", report["on"], _counts(report) or "no change")
    return report


def _counts(report: dict) -> str:
    # Counts only: the log never names a child.
    return ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(report["counts"].items()))


def _guarded(job: Callable[[Tracker], Any], tracker: Tracker) -> Callable[[], None]:
    def run() -> None:
        try:
            job(tracker)
        except Exception:  # keep the scheduler alive; the next run tries again
            log.exception("%s failed", job.__name__)

    run.__name__ = job.__name__
    return run


# -- the process ------------------------------------------------------------------------------


def build_scheduler(tracker: Tracker) -> BlockingScheduler:
    """The scheduler with its two jobs (not started)."""
    job_defaults = {"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1}
    scheduler = BlockingScheduler(
        timezone=TIMEZONE,
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults=job_defaults,
    )
    scheduler.add_job(
        _guarded(catch_up, tracker),
        IntervalTrigger(seconds=CATCH_UP_SECONDS, timezone=TIMEZONE),
        id="catch-up",
        name="read models catch-up and sweep of what was recorded",
        **job_defaults,
    )
    scheduler.add_job(
        _guarded(daily_sweep, tracker),
        CronTrigger(hour=DAILY_SWEEP_AT.hour, minute=DAILY_SWEEP_AT.minute, timezone=TIMEZONE),
        id="daily-sweep",
        name="daily alert sweep",
        **job_defaults,
    )
    return scheduler


def run_scheduler(tracker: Tracker, stop_event: threading.Event | None = None, *, on_started: Callable[[], None] | None = None) -> None:
    """Sweep at start, then run the scheduler in the foreground until Ctrl-C or `stop_event` is set.

    Returns once everything it started has stopped. A bad rules file stops it at
    start (`RulesFileError`, saying why).
    """
    tracker.timescales()
    tracker.start_following_changes()
    catch_up(tracker)
    daily_sweep(tracker)
    if stop_event is not None and stop_event.is_set():
        return
    scheduler = build_scheduler(tracker)
    finished = threading.Event()

    def started(_event: Any) -> None:
        if stop_event is not None:
            watcher = threading.Thread(target=_stop_when_set, args=(scheduler, stop_event, finished), name="scheduler-stop", daemon=True)
            watcher.start()
        if on_started is not None:
            on_started()

    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    previous = _stop_on_sigterm()
    log.info("scheduler started: catch-up every %ss, sweep daily at %s (%s)", CATCH_UP_SECONDS, DAILY_SWEEP_AT, TIMEZONE)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("stopping: waiting for the job in hand")
        if scheduler.running:
            scheduler.shutdown(wait=True)
    finally:
        finished.set()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        tracker.close()
    log.info("scheduler stopped")


def _stop_on_sigterm() -> Any:
    """A `kill` (SIGTERM) stops the scheduler as Ctrl-C does; returns the handler it replaced
    (None off the main thread, where handlers cannot be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _exit_on_signal)


def _exit_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def _stop_when_set(scheduler: BlockingScheduler, stop_event: threading.Event, finished: threading.Event) -> None:
    """Stop the scheduler when `stop_event` is set; give up once it has stopped some other way."""
    while not stop_event.wait(0.5):
        if finished.is_set():
            return
    if scheduler.running:
        scheduler.shutdown(wait=True)
