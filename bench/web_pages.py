"""What each page of the web view costs served one at a time (no concurrency):
the Flask test client over the bench's application (bench/_web_server.py, with
its empty page), on the sample agency, the same pages as bench/web.py.

    .venv/bin/python bench/web_pages.py [--times 40] [--profile PAGE] [--data-dir DIR] [--save DIR]

Prints each page's median and minimum in ms of the whole request (sign-in
check, read-model catch-up, queries, template), and the median of the CPU time
the request took (less changed by other work on the machine). Under bench/web.py's 8 clients
a page's latency is about its own CPU times the queue, so these figures are the
ones to cut. `--profile "child page"` prints that page's cProfile (by own time
and by cumulative time). `--data-dir` serves a copy of a store already made
(e.g. /tmp/journey-bench-projections/100000) instead of the sample agency.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import pstats
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import _stores  # noqa: F401  (puts the repository first on the import path)
from _stores import TODAY, close
from _web_server import bench_app

from journey.domain import clock
from journey.service import Tracker
from journey.settings import Settings

_spec = importlib.util.spec_from_file_location("bench_web", Path(__file__).with_name("web.py"))
bench_web = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_web)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--times", type=int, default=40, help="requests of each page (default 40)")
    parser.add_argument("--profile", metavar="PAGE", help=f"profile one page: one of {', '.join(bench_web.PAGES)}")
    parser.add_argument("--callers", metavar="NAME", help="with --profile: who calls the functions matching NAME")
    parser.add_argument("--data-dir", type=Path, help="a store to copy and serve instead of the sample agency")
    parser.add_argument("--save", metavar="DIR", type=Path,
                        help="write each page (its first address) to DIR, to compare a page's markup before and after a change")
    args = parser.parse_args()
    clock.set_today(TODAY)
    scratch = Path(tempfile.mkdtemp(prefix="journey-bench-pages-"))
    try:
        folder = scratch / "store"
        if args.data_dir:
            shutil.copytree(args.data_dir, folder)
            tracker = Tracker(Settings(data_dir=folder))
        else:
            tracker = Tracker(Settings(data_dir=folder))
            tracker.load_sample(TODAY)
        tracker.read_models()
        user = bench_web.add_accounts(tracker)[0]
        urls = bench_web.page_urls(tracker)
        client = bench_app(tracker).test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        signed = client.post("/sign-in", data={"username": user, "password": bench_web.PASSWORD,
                                                "csrf_token": TOKEN.search(page).group(1)})
        assert signed.status_code == 302, signed.status_code
        for paths in urls.values():  # templates compiled, connections opened
            for path in paths:
                assert client.get(path).status_code == 200, path
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            for name, paths in urls.items():
                html = client.get(paths[0]).get_data(as_text=True)
                (args.save / f"{name.replace(' ', '-')}.html").write_text(re.sub(r'(nonce|value)="[^"]{20,}"', r'\1=""', html))
            print(f"pages written to {args.save}")
        if args.profile:
            profile = cProfile.Profile()
            paths = urls[args.profile]
            profile.enable()
            for n in range(args.times):
                client.get(paths[n % len(paths)])
            profile.disable()
            stats = pstats.Stats(profile)
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(60)
            if args.callers:
                stats.print_callers(args.callers)
            return
        print(f"one request at a time, {args.times} of each page (test client)")
        print(f"  {'page':<18}{'median':>8}{'min':>8}{'CPU':>8}  ms (CPU: this thread's, median)")
        for name in bench_web.PAGES:
            paths, took, cpu = urls[name], [], []
            for n in range(args.times):
                started, started_cpu = time.perf_counter(), time.thread_time()
                client.get(paths[n % len(paths)])
                took.append(time.perf_counter() - started)
                cpu.append(time.thread_time() - started_cpu)
            print(f"  {name:<18}{statistics.median(took) * 1000:8.1f}{min(took) * 1000:8.1f}"
                  f"{statistics.median(cpu) * 1000:8.1f}")
        close(tracker)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
