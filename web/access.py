"""Who may open which page.

Every route declares the permission it needs with `@requires(permission)`:
`"public"` (signing in, the assets) or one of the permissions of
`journey.domain.access` by role. Before any view runs, the request's route is
looked up: a route that declares nothing is refused (so a new page cannot be
left open by mistake; a test walks the URL map too), a visitor who is not
signed in is sent to sign in, and a role without the permission is refused with
403. A child or alert of a council the user does not see is never 403: the
service answers "not found", and the page is a 404.

`g.user` is the signed-in account (a dict from the service), loaded on every
request, so a disabled account, or one whose password, role or councils
changed, is signed out at its next request.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for

from journey.service import PERMISSIONS, can
from web import security

PUBLIC = "public"
# Flask's own route for the assets folder, which no decorator can mark.
BUILT_IN_PUBLIC = frozenset({"static"})


def requires(permission: str) -> Callable:
    """Mark a view with the permission it needs (checked before it runs)."""
    if permission != PUBLIC and permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}: use {PUBLIC!r} or one of {', '.join(PERMISSIONS)}")

    def mark(view: Callable) -> Callable:
        view.permission = permission
        return view

    return mark


def permission_of(app: Flask, endpoint: str) -> str | None:
    if endpoint in BUILT_IN_PUBLIC:
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "permission", None)


def tracker():
    return current_app.extensions["journey.tracker"]


def within() -> list[str] | None:
    """The councils the signed-in user sees (None: every council of the agency)."""
    user = g.get("user")
    if user is None:
        return []
    return list(user["councils"]) or None


def _signed_in_user() -> dict | None:
    name = session.get("user")
    if not name:
        return None
    account = tracker().user(name)
    if account is None or account["disabled"] or account["credentials_version"] != session.get("credentials_version"):
        session.clear()
        g.signed_out_by_change = True
        return None
    return account


def _check_access():
    if request.endpoint is None:
        return None  # no such route: a 404 follows
    if request.endpoint in BUILT_IN_PUBLIC:
        return None  # the assets: no account is loaded for them
    needed = permission_of(current_app, request.endpoint)
    if needed is None:
        current_app.logger.error("route %s declares no permission: refused", request.endpoint)
        abort(403)
    g.user = _signed_in_user() if needed != PUBLIC or "user" in session else None
    if needed == PUBLIC:
        return None
    if g.user is None:
        expired = "1" if g.get("session_expired") else None
        return redirect(url_for("signing_in.sign_in", next=safe_next(request.full_path), expired=expired))
    if not can(g.user["role"], needed):
        abort(403)
    return None


def safe_next(target: str | None) -> str | None:
    """A place to go back to after signing in: a path of this site only."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target.rstrip("?") or None


def may(permission: str) -> bool:
    """Whether the signed-in user has `permission` (for templates)."""
    user = g.get("user")
    return bool(user) and can(user["role"], permission)


def init_app(app: Flask) -> None:
    app.before_request(_check_access)
    app.before_request(security.refuse_forged_forms)
    app.jinja_env.globals["may"] = may
    app.context_processor(lambda: {"current_user": g.get("user")})
