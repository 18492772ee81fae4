"""Shared pytest fixtures for the Adoption Journey Tracker.

Add other fixtures in their own clearly marked sections below/above; the
PostgreSQL section is owned by packaging/CI (see docs/postgres.md).
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

# ===========================================================================
# PostgreSQL (packaging/CI section — see docs/postgres.md)
#
#   postgres_url  (session)  the URL in JOURNEY_TEST_DATABASE_URL, after
#                            checking the server answers; otherwise the test
#                            is SKIPPED with the reason printed (pytest -ra).
#   postgres_env  (function) a fresh, empty schema per test; yields the
#                            eventsourcing env vars for it plus
#                            JOURNEY_DATABASE_URL=<url>?schema=<name>;
#                            drops the schema (CASCADE) afterwards.
#
# .ci/run starts a private server and sets JOURNEY_TEST_DATABASE_URL. It also
# sets JOURNEY_REQUIRE_POSTGRES=1, which turns "unset/unreachable" into a test
# FAILURE instead of a skip, so CI can never go green by silently skipping.
# ===========================================================================

POSTGRES_URL_VAR = "JOURNEY_TEST_DATABASE_URL"
POSTGRES_REQUIRED_VAR = "JOURNEY_REQUIRE_POSTGRES"
POSTGRES_CONNECT_TIMEOUT = 5  # seconds


def _redact(url: str) -> str:
    """The URL with any password replaced by ***, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get(POSTGRES_REQUIRED_VAR, "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} [{POSTGRES_REQUIRED_VAR} is set, so this is a failure]")
    pytest.skip(reason)


def _url_with_schema(url: str, schema: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "schema"]
    query.append(("schema", schema))
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL_VAR, "").strip()
    if not url:
        _postgres_unavailable(
            "PostgreSQL tests skipped: JOURNEY_TEST_DATABASE_URL is not set "
            "(.ci/run starts a server and sets it)"
        )
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a pinned dependency
        _postgres_unavailable(f"PostgreSQL tests skipped: cannot import psycopg: {exc}")
    try:
        with psycopg.connect(url, connect_timeout=POSTGRES_CONNECT_TIMEOUT) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        detail = " ".join(str(exc).split())
        _postgres_unavailable(
            f"PostgreSQL tests skipped: JOURNEY_TEST_DATABASE_URL is set "
            f"({_redact(url)}) but the server does not answer: "
            f"{type(exc).__name__}: {detail}"
        )
    return url


@pytest.fixture
def postgres_env(postgres_url: str) -> Iterator[dict[str, str]]:
    """A new empty schema for this test, and the env vars that point at it.

    eventsourcing.postgres never creates the schema named by POSTGRES_SCHEMA
    (it only qualifies its CREATE TABLE/TYPE/FUNCTION statements with it), so
    the schema is created here first.
    """
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(
        postgres_url, autocommit=True, connect_timeout=POSTGRES_CONNECT_TIMEOUT
    ) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))

    params = conninfo_to_dict(postgres_url)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname") or ""),
        "POSTGRES_HOST": str(params.get("host") or "localhost"),
        "POSTGRES_PORT": str(params.get("port") or "5432"),
        "POSTGRES_USER": str(params.get("user") or ""),
        "POSTGRES_PASSWORD": str(params.get("password") or ""),
        "POSTGRES_SCHEMA": schema,
        "JOURNEY_DATABASE_URL": _url_with_schema(postgres_url, schema),
    }
    try:
        yield env
    finally:
        try:
            with psycopg.connect(
                postgres_url, autocommit=True, connect_timeout=POSTGRES_CONNECT_TIMEOUT
            ) as conn:
                conn.execute("SET lock_timeout = '30s'")
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                        sql.Identifier(schema)
                    )
                )
        except Exception as exc:  # leave it behind rather than fail the test
            warnings.warn(f"could not drop test schema {schema!r}: {exc}", stacklevel=1)


# ===========================================================================
# end of PostgreSQL section
# ===========================================================================


# ===========================================================================
# The `journey alerts` command group (shared test setup)
#
#   alerts_command_registered  (function) adds `alerts_group` to journey.cli's
#                              `main` as journey/cli.py registers it, if it is
#                              not there already, and takes it off again after
#                              the test. Modules that drive `journey alerts ...`
#                              through the command line use it for every test:
#                              pytestmark = pytest.mark.usefixtures("alerts_command_registered")
# ===========================================================================


@pytest.fixture
def alerts_command_registered() -> Iterator[None]:
    """The group as journey/cli.py registers it (`main.add_command(alerts_group)`)."""
    from journey.cli.alerts import alerts_group
    from journey.cli import main

    added = "alerts" not in main.commands
    if added:
        main.add_command(alerts_group)
    yield
    if added:
        main.commands.pop("alerts", None)


# ===========================================================================
# end of the `journey alerts` section
# ===========================================================================


# ===========================================================================
# Today and a tracker (shared test setup; see tests/factories.py)
#
#   today_fixed  (function) "today" is factories.TODAY (2024-06-30) through the
#                clock seam for the test, then back to the real date. Modules
#                whose every test needs it say
#                pytestmark = pytest.mark.usefixtures("today_fixed")
#   tracker      (function) factories.make_tracker(tmp_path), closed afterwards.
# ===========================================================================


@pytest.fixture
def today_fixed() -> Iterator[None]:
    from factories import TODAY

    from journey.domain import clock

    clock.set_today(TODAY)
    yield
    clock.set_today(None)


@pytest.fixture
def tracker(tmp_path):
    from factories import make_tracker

    tracker = make_tracker(tmp_path)
    yield tracker
    tracker.close()


# ===========================================================================
# end of the today-and-a-tracker section
# ===========================================================================


# ===========================================================================
# A tracker and its read models on the module's own `settings` (shared setup)
#
#   settings_tracker  (function) JourneyTracker(settings), closed afterwards;
#                     `settings` is whatever fixture of that name the test's
#                     module defines.
#   read_models       (function) projections.open_read_models on
#                     settings.read_models_path, closed afterwards.
# ===========================================================================


@pytest.fixture
def settings_tracker(settings):
    from journey.store.application import JourneyTracker

    app = JourneyTracker(settings)
    yield app
    app.close()


@pytest.fixture
def read_models(settings):
    from projections import open_read_models

    db = open_read_models(settings.read_models_path)
    yield db
    db.close()


# ===========================================================================
# end of the tracker-and-read-models section
# ===========================================================================


@pytest.fixture
def service(tmp_path):
    """The service (`journey.service.Tracker`) on a fresh data directory whose agency
    file lists Coventry, Warwickshire and Solihull; its connections closed after."""
    from factories import make_settings, write_agency

    from journey.service import Tracker

    settings = make_settings(tmp_path)
    write_agency(settings.data_dir)
    tracker = Tracker(settings)
    yield tracker
    tracker.close()
    if tracker._store is not None:
        tracker.store.close()



# ===========================================================================
# The web view on the sample agency (tests/web_support.py)
#
#   web_sample   (session)  the sample agency with one account per role, made once
#   web_app      (function) the Flask app on a copy of it (writes are the test's own)
#   client       (function) a test client of web_app
# ===========================================================================


@pytest.fixture(scope="session")
def web_sample(tmp_path_factory):
    from web_support import make_sample_folder

    return make_sample_folder(tmp_path_factory.mktemp("web-sample") / "data")


@pytest.fixture
def web_app(web_sample, tmp_path):
    from web_support import AS_OF, copy_folder

    from journey.domain import clock
    from journey.service import Tracker
    from journey.settings import Settings
    from web import create_app

    clock.set_today(AS_OF)
    tracker = Tracker(Settings(copy_folder(web_sample, tmp_path / "data")))
    app = create_app(tracker, config={"TESTING": True, "PAGE_WAIT_SECONDS": 2.0})
    yield app
    tracker.close()
    if tracker._store is not None:
        tracker.store.close()
    clock.set_today(None)


@pytest.fixture
def client(web_app):
    return web_app.test_client()


# ===========================================================================
# end of the web view section
# ===========================================================================


# ===========================================================================
# Browser tests (see tests/browser.py for the helpers)
#
#   chromium      (session)  a headless Chromium (playwright.sync_api.Browser):
#                            $JOURNEY_CHROMIUM, else Debian's `chromium` (or
#                            `chromium-browser`), through Playwright's
#                            executable_path; closed at the end of the session.
#   browser_page  (function) a new context and page (playwright.sync_api.Page),
#                            closed after the test; every request it makes is
#                            recorded: browser.recorded_requests(page),
#                            browser.requests_outside(page, origin).
#
# Without Chromium the test is SKIPPED with the reason printed (pytest -ra);
# .ci/run sets JOURNEY_REQUIRE_BROWSER=1 (so does CI=true), which makes that a
# FAILURE. The context is never created with bypass_csp: pages run under the
# app's own Content-Security-Policy (axe-core goes in through page.evaluate).
# ===========================================================================


@pytest.fixture(scope="session")
def chromium():
    import browser

    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a pinned test dependency
        browser.unavailable(f"browser tests skipped: cannot import playwright: {exc}")
    playwright = sync_playwright().start()
    try:
        instance = browser.launch_chromium(playwright)
    except BaseException:
        playwright.stop()
        raise
    try:
        yield instance
    finally:
        try:
            instance.close()
        finally:
            playwright.stop()


@pytest.fixture
def browser_page(chromium):
    import browser

    context = chromium.new_context(
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(browser.DEFAULT_TIMEOUT_MS)
    try:
        page = context.new_page()
        browser.record_requests(context, page)
        yield page
    finally:
        context.close()


# ===========================================================================
# end of the browser-tests section
# ===========================================================================
