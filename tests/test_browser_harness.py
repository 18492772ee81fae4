"""The browser-test harness itself (tests/browser.py, the fixtures in conftest.py).

A tiny site on a local HTTP server in a thread serves a page with the built
assets from web/static at /assets/ under a nonce-based Content-Security-Policy
like the app's: the assets load, GOV.UK Frontend and MOJ Frontend initialise,
no request leaves the origin, axe-core runs under the CSP, an accessible page
passes and a deliberate violation is reported.
"""

from __future__ import annotations

import mimetypes
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import browser
from browser import (
    STATIC_DIR,
    assert_no_axe_violations,
    axe_violations,
    origin_of,
    recorded_requests,
    requests_outside,
    serve_wsgi,
)

PAGE = """<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} – Adoption Journey Tracker</title>
  <link rel="stylesheet" href="/assets/application.css">
</head>
<body class="govuk-template__body">
  <script nonce="{nonce}">document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');</script>
  <a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
  <div class="govuk-width-container">
    <main class="govuk-main-wrapper" id="main-content">
      <h1 class="govuk-heading-l">{title}</h1>
      {body}
    </main>
  </div>
  <script type="module" nonce="{nonce}">
    import {{ initAll }} from "/assets/govuk-frontend.min.js";
    import {{ initAll as initMojFrontend }} from "/assets/moj-frontend.min.js";
    initAll();
    initMojFrontend();
    window.harnessReady = true;
  </script>
  <script>window.cspIgnored = true;</script>
</body>
</html>
"""

ACCESSIBLE_BODY = """
      <p class="govuk-body">Children waiting, by stage.</p>
      <button type="button" class="govuk-button" data-module="govuk-button">Save and continue</button>
      <table class="govuk-table" data-module="moj-sortable-table">
        <caption class="govuk-table__caption govuk-table__caption--m">Children waiting</caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <th scope="col" class="govuk-table__header" aria-sort="none">Reference</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric" aria-sort="descending">Days waiting</th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          <tr class="govuk-table__row">
            <td class="govuk-table__cell">CV-123</td>
            <td class="govuk-table__cell govuk-table__cell--numeric" data-sort-value="412">412</td>
          </tr>
          <tr class="govuk-table__row">
            <td class="govuk-table__cell">CV-124</td>
            <td class="govuk-table__cell govuk-table__cell--numeric" data-sort-value="97">97</td>
          </tr>
        </tbody>
      </table>
      <img src="/assets/images/icon-document.svg" alt="A document" width="20" height="20">
"""

# An image with no text alternative: axe-core's image-alt rule (WCAG 1.1.1).
INACCESSIBLE_BODY = """
      <p class="govuk-body">This page breaks a rule on purpose.</p>
      <img src="/assets/images/icon-document.svg" width="20" height="20">
"""


class _Site(BaseHTTPRequestHandler):
    """/, /bad, /elsewhere?to=ORIGIN, and /assets/... from web/static."""

    def log_message(self, format, *args):  # keep the test output quiet
        pass

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path.startswith("/assets/"):
            return self._asset(path[len("/assets/"):])
        if path == "/":
            return self._page("Harness check", ACCESSIBLE_BODY)
        if path == "/bad":
            return self._page("A page with a fault", INACCESSIBLE_BODY)
        if path == "/elsewhere":
            # An image from another origin (the same server, named otherwise).
            other = f"http://localhost:{self.server.server_address[1]}"
            body = f'<img src="{other}/assets/images/icon-document.svg" alt="A document">'
            return self._page("An image from elsewhere", body)
        self._send(404, b"not found", "text/plain; charset=utf-8")

    def _page(self, title: str, body: str) -> None:
        nonce = secrets.token_urlsafe(16)
        html = PAGE.format(title=title, body=body, nonce=nonce).encode("utf-8")
        csp = (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'"
        )
        self._send(200, html, "text/html; charset=utf-8", {"Content-Security-Policy": csp})

    def _asset(self, relative: str) -> None:
        root = STATIC_DIR.resolve()
        target = (root / relative).resolve()
        if root not in target.parents or not target.is_file():
            return self._send(404, b"not found", "text/plain; charset=utf-8")
        kind = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}.get(
            target.suffix, mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        )
        self._send(200, target.read_bytes(), kind)

    def _send(self, status: int, data: bytes, kind: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """The tiny site's base URL, http://127.0.0.1:PORT."""
    if not (STATIC_DIR / "application.css").is_file():
        pytest.fail(f"{STATIC_DIR} is not built: run `make install` (or `make assets`)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="harness-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _open(page, url: str, *, refused: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    """Load `url` and wait for the module script; the (status, url) of every
    response. No request may fail, but those whose URLs are `refused`."""
    responses: list[tuple[int, str]] = []
    page.on("response", lambda response: responses.append((response.status, response.url)))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(f"{request.url}: {request.failure}"))
    response = page.goto(url)
    assert response is not None and response.status == 200
    page.wait_for_function("() => window.harnessReady === true")
    page.wait_for_load_state("load")
    assert failed == [f"{url}: csp" for url in refused]
    return responses


# ---------------------------------------------------------------------------
# in the browser
# ---------------------------------------------------------------------------


def test_the_built_assets_load_and_govuk_frontend_initialises(browser_page, site):
    page = browser_page
    responses = _open(page, site + "/")

    loaded = {url.removeprefix(site) for status, url in responses if status == 200}
    for asset in (
        "/assets/application.css",
        "/assets/govuk-frontend.min.js",
        "/assets/moj-frontend.min.js",
        "/assets/images/icon-document.svg",
    ):
        assert asset in loaded
    assert [r for r in responses if r[0] != 200] == []

    body_classes = page.evaluate("() => [...document.body.classList]")
    assert "js-enabled" in body_classes
    assert "govuk-frontend-supported" in body_classes
    # initAll() ran: each component marks the element it took on.
    assert page.get_attribute(".govuk-button", "data-govuk-button-init") is not None
    assert page.get_attribute("table", "data-moj-sortable-table-init") is not None
    # MOJ's sortable table put a button in each sortable heading.
    assert page.locator("th button").count() == 2

    # application.css applied: the system fonts, GOV.UK's button green.
    font = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
    assert font.startswith("system-ui")
    assert "GDS Transport" not in font
    colour = page.evaluate(
        "() => getComputedStyle(document.querySelector('.govuk-button')).backgroundColor"
    )
    assert colour == "rgb(0, 112, 60)"


def test_the_page_runs_under_its_content_security_policy(browser_page, site):
    page = browser_page
    _open(page, site + "/")
    # The inline script without the nonce was refused: no bypass_csp anywhere.
    assert page.evaluate("() => window.cspIgnored") is None
    # ... and axe-core still goes in (page.evaluate is outside the CSP).
    assert axe_violations(page) == []


def test_no_request_leaves_the_origin(browser_page, site):
    page = browser_page
    _open(page, site + "/")
    urls = recorded_requests(page)
    assert site + "/" in urls
    assert site + "/assets/application.css" in urls
    assert requests_outside(page, site) == []
    assert requests_outside(urls, site + "/some/page") == []


def test_a_request_to_another_origin_is_reported(browser_page, site):
    page = browser_page
    other = "http://localhost:" + site.rsplit(":", 1)[1] + "/assets/images/icon-document.svg"
    # The page's CSP (img-src 'self') refuses it, but the page asked for it.
    _open(page, site + "/elsewhere", refused=(other,))
    assert requests_outside(page, site) == [other]


def test_an_accessible_page_has_no_axe_violations(browser_page, site):
    page = browser_page
    _open(page, site + "/")
    assert_no_axe_violations(page)


def test_a_deliberate_violation_is_reported(browser_page, site):
    page = browser_page
    _open(page, site + "/bad")

    violations = axe_violations(page)
    assert [v["id"] for v in violations] == ["image-alt"]
    image_alt = violations[0]
    assert image_alt["impact"] == "critical"
    assert image_alt["help"] == "Images must have alternative text"
    assert image_alt["targets"] == ["img"]
    assert image_alt["nodes"][0]["html"].startswith("<img")

    with pytest.raises(pytest.fail.Exception) as failed:
        assert_no_axe_violations(page)
    message = str(failed.value)
    assert "1 accessibility rule broken on " + site + "/bad" in message
    assert "image-alt [critical]: Images must have alternative text" in message
    assert "    img    <img" in message


def test_a_flask_app_serving_web_static_at_assets(browser_page):
    # The web view's way: Flask serves web/static itself, at /assets/.
    from flask import Flask, Response

    app = Flask(__name__, static_folder=str(STATIC_DIR), static_url_path="/assets")

    @app.get("/")
    def index():
        nonce = secrets.token_urlsafe(16)
        html = PAGE.format(title="Harness check", body=ACCESSIBLE_BODY, nonce=nonce)
        response = Response(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'"
        )
        return response

    page = browser_page
    with serve_wsgi(app) as base_url:
        responses = _open(page, base_url + "/")
        assert {status for status, _ in responses} == {200}
        assert page.get_attribute("table", "data-moj-sortable-table-init") is not None
        assert "govuk-frontend-supported" in page.evaluate("() => document.body.className")
        assert requests_outside(page, base_url) == []
        assert_no_axe_violations(page)


# ---------------------------------------------------------------------------
# without a browser
# ---------------------------------------------------------------------------


def test_origins_compare_scheme_host_and_port():
    assert origin_of("http://127.0.0.1:8000/alerts?x=1") == "http://127.0.0.1:8000"
    assert origin_of("HTTP://Example.ORG/") == "http://example.org:80"
    assert origin_of("https://example.org:443/a") == "https://example.org:443"
    assert origin_of("http://[::1]:8000/") == "http://[::1]:8000"

    own = "http://127.0.0.1:8000"
    recorded = [
        "http://127.0.0.1:8000/",
        "http://127.0.0.1:8000/assets/application.css",
        "ws://127.0.0.1:8000/live",
        "data:image/svg+xml,%3Csvg%3E",
        "blob:http://127.0.0.1:8000/1234",
        "about:blank",
        "http://localhost:8000/",
        "http://127.0.0.1:8001/",
        "https://127.0.0.1:8000/",
        "https://fonts.example/font.woff2",
    ]
    assert requests_outside(recorded, own) == [
        "http://localhost:8000/",
        "http://127.0.0.1:8001/",
        "https://127.0.0.1:8000/",
        "https://fonts.example/font.woff2",
    ]


def test_a_missing_browser_skips_here_and_fails_where_required(monkeypatch):
    monkeypatch.delenv(browser.REQUIRE_VAR, raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        browser.unavailable("no chromium")

    for name, value in ((browser.REQUIRE_VAR, "1"), ("CI", "true")):
        with monkeypatch.context() as env:
            env.setenv(name, value)
            with pytest.raises(pytest.fail.Exception, match="no chromium .*so this is a failure"):
                browser.unavailable("no chromium")

    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        browser.unavailable("no chromium")


def test_chromium_is_looked_for_where_it_is_said_to_be(monkeypatch, tmp_path):
    monkeypatch.setenv(browser.CHROMIUM_VAR, str(tmp_path / "no-such-chromium"))
    assert browser.find_chromium() is None
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv(browser.CHROMIUM_VAR, str(fake))
    assert browser.find_chromium() == str(fake)
