"""Browser tests: Debian's Chromium driven by Playwright, and axe-core.

The fixtures live in conftest.py (section "Browser tests"):

    chromium      (session)  a headless Chromium (playwright.sync_api.Browser):
                             Debian's `chromium`, or $JOURNEY_CHROMIUM, launched
                             through Playwright's `executable_path` (Playwright's
                             own browser download cannot work here).
    browser_page  (function) a new context and page (playwright.sync_api.Page)
                             for the test, closed after; every request it makes
                             is recorded: `recorded_requests(page)`,
                             `requests_outside(page, origin)`.

Helpers (import them: `from browser import axe_violations, ...`):

    recorded_requests(page) -> list[str]
    requests_outside(page_or_urls, origin) -> list[str]
    origin_of(url) -> str
    axe_violations(page, tags=AXE_TAGS) -> list[dict]
    format_axe_violations(violations) -> str
    assert_no_axe_violations(page, tags=AXE_TAGS) -> None
    serve_wsgi(app) -> context manager giving the base URL, http://127.0.0.1:PORT,
                      of a WSGI app (a Flask app) served from threads

Where Chromium (or node_modules/axe-core) is missing the test is SKIPPED with
the reason printed (pytest -ra), unless JOURNEY_REQUIRE_BROWSER=1 or CI is set:
then it FAILS, so CI cannot go green by skipping (.ci/run sets it).

axe-core is run through `page.evaluate`, which the page's Content-Security-
Policy does not apply to: the context is never created with bypass_csp, so
every test runs the app's own CSP exactly as a browser would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socketserver
import threading
import weakref
from collections.abc import Iterable, Iterator
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
STATIC_DIR = ROOT / "web" / "static"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"

REQUIRE_VAR = "JOURNEY_REQUIRE_BROWSER"
CHROMIUM_VAR = "JOURNEY_CHROMIUM"

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

# A page's actions and waits fail after this long (Playwright's own is 30 s).
DEFAULT_TIMEOUT_MS = 15_000

# WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

# Schemes that are not a request to anywhere.
_LOCAL_SCHEMES = frozenset({"data", "blob", "about", "javascript"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


# ---------------------------------------------------------------------------
# skip here, fail in CI
# ---------------------------------------------------------------------------


def browser_required() -> bool:
    """True where browser tests must not skip: JOURNEY_REQUIRE_BROWSER=1, or CI."""
    if os.environ.get(REQUIRE_VAR, "").strip().lower() in ("1", "true", "yes"):
        return True
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """Skip the test with `reason`; fail it instead where browser tests are required."""
    if browser_required():
        pytest.fail(f"{reason} [{REQUIRE_VAR}=1 or CI is set, so this is a failure]")
    pytest.skip(reason)


def find_chromium() -> str | None:
    """$JOURNEY_CHROMIUM (a path or a command), else `chromium` or `chromium-browser`."""
    wanted = os.environ.get(CHROMIUM_VAR, "").strip()
    if wanted:
        return shutil.which(wanted)
    return shutil.which("chromium") or shutil.which("chromium-browser")


# ---------------------------------------------------------------------------
# launching (used by the fixtures in conftest.py)
# ---------------------------------------------------------------------------


def launch_chromium(playwright):
    """A headless Chromium from `playwright.chromium`, or skip/fail saying why.

    Playwright gives each launch a fresh, empty profile of its own in a
    temporary folder (and removes it on close), so none is passed here.
    """
    executable = find_chromium()
    if executable is None:
        wanted = os.environ.get(CHROMIUM_VAR, "").strip()
        where = (
            f"{CHROMIUM_VAR}={wanted!r} is not an executable"
            if wanted
            else "no `chromium` (or `chromium-browser`) on PATH"
        )
        unavailable(
            f"browser tests skipped: {where}; install Debian's chromium "
            f"(apt-get install chromium) or set {CHROMIUM_VAR}"
        )
    try:
        return playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=list(CHROMIUM_ARGS),
        )
    except Exception as exc:
        detail = " ".join(str(exc).split())[:500]
        unavailable(f"browser tests skipped: {executable} did not start: {detail}")


# A page's recorded requests, by page (weakly: the list goes with the page).
_REQUESTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def record_requests(context, page) -> list[str]:
    """Record the URL of every request `context` makes (its pages, their
    frames and workers) and every WebSocket `page` opens, in order."""
    recorded: list[str] = []
    context.on("request", lambda request: recorded.append(request.url))
    page.on("websocket", lambda socket: recorded.append(socket.url))
    _REQUESTS[page] = recorded
    return recorded


# ---------------------------------------------------------------------------
# requests outside the app
# ---------------------------------------------------------------------------


def recorded_requests(page) -> list[str]:
    """Every URL `page` (a `browser_page`) and its context requested so far."""
    try:
        return _REQUESTS[page]
    except KeyError:
        raise LookupError("this page's requests are not recorded: use the browser_page fixture") from None


def origin_of(url: str) -> str:
    """scheme://host:port of `url`, lower case, with the scheme's default port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or _DEFAULT_PORTS.get(scheme)
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


def requests_outside(recorded, origin: str) -> list[str]:
    """The recorded URLs not on `origin` (ws:// counts as http://'s own).

    `recorded` is a `browser_page` or a list of URLs; `origin` an origin or
    any URL on it (e.g. the live server's base URL). data:, blob:, about:
    and javascript: URLs are not requests to anywhere and are left out.
    """
    urls: Iterable[str] = recorded if isinstance(recorded, (list, tuple)) else recorded_requests(recorded)
    own = {origin_of(origin)}
    for a, b in (("http", "ws"), ("https", "wss")):
        for o in list(own):
            if o.startswith(f"{a}://"):
                own.add(b + o[len(a):])
    outside = []
    for url in urls:
        if urlsplit(url).scheme.lower() in _LOCAL_SCHEMES:
            continue
        if origin_of(url) not in own:
            outside.append(url)
    return outside


# ---------------------------------------------------------------------------
# axe-core
# ---------------------------------------------------------------------------


def axe_source() -> str:
    """node_modules/axe-core/axe.min.js (the pinned npm axe-core), or skip/fail."""
    try:
        return AXE_JS.read_text(encoding="utf-8")
    except OSError as exc:
        unavailable(
            f"accessibility tests skipped: cannot read {AXE_JS.relative_to(ROOT)} "
            f"({exc.strerror}): run `make install` (npm ci)"
        )


_AXE_RUN = """
async (tags) => {
  const results = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    help_url: v.helpUrl,
    tags: v.tags,
    nodes: v.nodes.map((n) => ({
      target: n.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : String(t))).join(" | "),
      html: n.html,
      summary: n.failureSummary || "",
    })),
  }));
}
"""


def axe_violations(page, tags: Iterable[str] = AXE_TAGS) -> list[dict]:
    """Run axe-core on `page` as it is now; its violations of the WCAG `tags`.

    Each violation: {"id", "impact", "help", "help_url", "tags", "targets":
    [CSS selector, ...], "nodes": [{"target", "html", "summary"}, ...]}.

    axe.min.js is read from disk and evaluated with `page.evaluate`, which
    the page's Content-Security-Policy does not apply to (a <script> tag
    added to the page would be refused by a nonce-based CSP).
    """
    if not page.evaluate("() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        page.evaluate(axe_source())
        if not page.evaluate("() => typeof window.axe === 'object'"):
            raise RuntimeError(f"axe-core did not load into {page.url}")
    violations = page.evaluate(_AXE_RUN, list(tags))
    for violation in violations:
        violation["targets"] = [node["target"] for node in violation["nodes"]]
    return violations


def format_axe_violations(violations: list[dict]) -> str:
    """A readable list: rule, impact, what it asks, then each failing node."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} [{v['impact']}]: {v['help']} ({v['help_url']})")
        for node in v["nodes"]:
            lines.append(f"    {node['target']}    {node['html'][:160]}")
            for line in node["summary"].splitlines():
                if line.strip():
                    lines.append(f"        {line.strip()}")
    return "\n".join(lines)


def assert_no_axe_violations(page, tags: Iterable[str] = AXE_TAGS) -> None:
    """Fail, listing them, if axe-core finds violations of `tags` on `page`."""
    tags = list(tags)
    violations = axe_violations(page, tags)
    if violations:
        count = len(violations)
        pytest.fail(
            f"{count} accessibility rule{'s' if count != 1 else ''} broken on {page.url} "
            f"(axe-core, {', '.join(tags)}):\n{format_axe_violations(violations)}",
            pytrace=False,
        )


# ---------------------------------------------------------------------------
# a live server for a page to load
# ---------------------------------------------------------------------------


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # keep the test output quiet
        pass


@contextlib.contextmanager
def serve_wsgi(app, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the WSGI `app` on a free port of `host`, a thread per request,
    until the block ends; gives its base URL, e.g. http://127.0.0.1:40123."""
    server = make_server(
        host, 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
