"""What every request and response goes through: the signed session and its
expiry, the CSRF token of every form, the security headers, and the proxy.

- **Sessions** are Flask's signed cookies, HttpOnly, SameSite=Lax, Secure when
  the request came over HTTPS, ended after `SESSION_IDLE_MINUTES` (30) without
  a request. The key is `JOURNEY_SECRET_KEY`, or a file `secret-key` in the data
  folder, made on first start and readable by its owner only.
- **CSRF**: every form carries the session's token (`csrf_token()` in a
  template); a POST without it, or with another, is refused with 400 before
  any view runs, so nothing is written.
- **Headers**: a Content-Security-Policy whose scripts need this response's
  nonce (`csp_nonce` in a template), `X-Content-Type-Options: nosniff`,
  `Referrer-Policy`, no framing, and no caching of pages about children.
- **Proxy**: `X-Forwarded-Proto` and `X-Forwarded-For` are believed only from
  the addresses in `JOURNEY_TRUSTED_PROXIES` (comma-separated), so a request
  can say it came over HTTPS only through the proxy that terminated TLS.
"""

from __future__ import annotations

import datetime
import hmac
import os
import secrets
from pathlib import Path

from flask import Flask, abort, g, request, session
from flask.sessions import SecureCookieSessionInterface

from journey.domain import clock
from journey.settings import Settings

SECRET_KEY_FILE = "secret-key"
SESSION_IDLE_MINUTES = 30
CSRF_FIELD = "csrf_token"
WRITING_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def default_config(settings: Settings) -> dict:
    return {
        "SECRET_KEY": secret_key(settings.data_dir),
        "SESSION_COOKIE_NAME": "journey_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": datetime.timedelta(minutes=SESSION_IDLE_MINUTES),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "SESSION_IDLE_MINUTES": SESSION_IDLE_MINUTES,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "TRUSTED_PROXIES": trusted_proxies(os.environ.get("JOURNEY_TRUSTED_PROXIES", "")),
        # How long a page that follows a change waits for the read models to include it.
        "PAGE_WAIT_SECONDS": 5.0,
    }


def secret_key(data_dir: Path) -> str:
    """`JOURNEY_SECRET_KEY`, or the data folder's key file (made on first start,
    owner-only, shared by every process serving that folder)."""
    given = os.environ.get("JOURNEY_SECRET_KEY")
    if given:
        return given
    path = Path(data_dir) / SECRET_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def trusted_proxies(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


class ProxiedRequests:
    """WSGI middleware: the scheme and client address a trusted proxy passes on."""

    def __init__(self, wsgi_app, trusted: frozenset[str]):
        self.wsgi_app = wsgi_app
        self.trusted = trusted

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.trusted:
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            client = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
            if client:
                environ["REMOTE_ADDR"] = client
        return self.wsgi_app(environ, start_response)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, Secure whenever the request is over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def csrf_token() -> str:
    """The session's CSRF token (made when first needed)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def refuse_forged_forms() -> None:
    """Refuse (400) a POST whose CSRF token is missing or not the session's.
    Registered after the access check, so a user whose session ended is sent to
    sign in rather than told the form expired."""
    if request.method not in WRITING_METHODS:
        return
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="This form was not sent from this service, or it has expired: go back, reload the page and try again.")


def _end_idle_sessions() -> None:
    """A session unused for SESSION_IDLE_MINUTES is ended (its user signs in again)."""
    if request.endpoint == "static":
        return  # the assets neither need a session nor keep one alive
    seen = session.get("seen")
    now = clock.now()
    if seen:
        idle = now - datetime.datetime.fromisoformat(seen)
        if idle > datetime.timedelta(minutes=current_idle_minutes()):
            signed_in = "user" in session
            session.clear()
            g.session_expired = signed_in
    session.permanent = True
    session["seen"] = now.isoformat(timespec="seconds")


def current_idle_minutes() -> int:
    from flask import current_app

    return int(current_app.config["SESSION_IDLE_MINUTES"])


def _nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(18)


def _headers(response):
    nonce = getattr(g, "csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'nonce-{nonce}' 'strict-dynamic'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    app.wsgi_app = ProxiedRequests(app.wsgi_app, app.config["TRUSTED_PROXIES"])
    app.before_request(_nonce)
    app.before_request(_end_idle_sessions)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csp_nonce": getattr(g, "csp_nonce", "")})
