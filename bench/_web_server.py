"""The web bench's server, in a process of its own (as `journey serve` runs):
the application of `bench/web.py` (with its empty page) over a data folder,
served by waitress on a free port, which it prints; it serves until killed.

    python bench/_web_server.py DATA_DIR THREADS TODAY
"""

from __future__ import annotations

import datetime
import logging
import sys
from pathlib import Path

import _stores  # noqa: F401  (puts the repository first on the import path)
from flask import render_template
from waitress.server import create_server

from journey.domain import clock
from journey.service import Tracker
from journey.settings import Settings
from web import create_app
from web.access import requires


def bench_app(tracker: Tracker):
    """The web view, with one more page: the base template and no data, behind
    the same sign-in check (the bench's baseline)."""
    app = create_app(tracker)

    @requires("signed_in")
    def bench_empty():
        return render_template("layout.html", title="Empty page")

    app.add_url_rule("/bench-empty", "bench_empty", bench_empty)
    return app


def main() -> None:
    data_dir, threads, today = Path(sys.argv[1]), int(sys.argv[2]), datetime.date.fromisoformat(sys.argv[3])
    clock.set_today(today)
    logging.getLogger("waitress").setLevel(logging.ERROR)  # not "Task queue depth": the clients queue by design
    tracker = Tracker(Settings(data_dir=data_dir))
    server = create_server(bench_app(tracker), host="127.0.0.1", port=0, threads=threads, ident="",
                           clear_untrusted_proxy_headers=False, channel_timeout=120)
    print(server.effective_port, flush=True)
    server.run()


if __name__ == "__main__":
    main()
