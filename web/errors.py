"""Error pages: a plain page for each status, in the service's layout. A child,
household or alert that is not found (including one of another council, which
the service reports the same way) is a 404."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from journey.service import AlertNotFound, ChildNotFound, HouseholdNotFound, JourneyError, UnknownCouncil

TITLES = {
    400: ("Your form could not be sent", None),
    403: ("You do not have access to this page", "Your account's role does not include this page. Ask your admin if you need it."),
    404: ("Page not found", "If you typed the web address, check it is correct. A child or alert you cannot see is not shown."),
    405: ("Page not found", None),
    413: ("What you sent is too large", None),
    500: ("Sorry, there is a problem with the service", "Try again later. What you had saved is kept."),
    503: ("Sorry, the service is unavailable", "Try again in a moment."),
}


def _page(status: int, description: str | None = None):
    title, default = TITLES.get(status, (f"Error {status}", None))
    return render_template("error.html", title=title, message=description or default), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        description = error.description if error.code == 400 else None
        return _page(error.code or 500, description)

    @app.errorhandler(ChildNotFound)
    @app.errorhandler(HouseholdNotFound)
    @app.errorhandler(AlertNotFound)
    @app.errorhandler(UnknownCouncil)
    @app.errorhandler(JourneyError)
    def not_found(error):
        # Any refusal that reaches here came from the address itself (a malformed
        # or ambiguous alert id, say): not found, saying nothing more, because a
        # refusal's message may name other councils' children.
        return _page(404)

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("unexpected error")  # the traceback, never the form's contents
        return _page(500)
