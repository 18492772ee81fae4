"""Serving the web view with a production WSGI server (waitress), never Flask's
development server. One process, one `Tracker`, a pool of request threads."""

from __future__ import annotations

import logging
from collections.abc import Callable

from waitress.server import create_server

from journey.service import Tracker
from web import create_app


def make_server(tracker: Tracker, *, host: str, port: int, threads: int):
    """A waitress server for the web view over `tracker` (not yet running):
    `server.run()` serves until `server.close()`; `address(server)` says where."""
    app = create_app(tracker)
    logging.getLogger("waitress").setLevel(logging.WARNING)
    # The proxy headers are read by the application itself (JOURNEY_TRUSTED_PROXIES),
    # so waitress is told to leave them alone; `ident` keeps the server's name out of responses.
    return create_server(app, host=host, port=port, threads=threads, ident="", clear_untrusted_proxy_headers=False,
                         channel_timeout=60, max_request_body_size=1024 * 1024)


def address(server) -> str:
    host, port = server.effective_host, server.effective_port
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}/"


def serve(tracker: Tracker, *, host: str, port: int, threads: int, echo: Callable[[str], None] = print) -> None:
    server = make_server(tracker, host=host, port=port, threads=threads)
    echo(f"Web view on {address(server)} ({threads} threads). Ctrl-C stops it.")
    try:
        server.run()  # returns, or raises KeyboardInterrupt, on Ctrl-C
    finally:
        server.close()
        echo("Web view stopped.")
