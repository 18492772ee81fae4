"""The web view: a Flask application over the one service object.

`create_app` makes the application: one `Tracker` per process (shared by every
request thread; each thread gets its own read-model connection), one blueprint
per area of the service, each with its templates beside it:

- `signing_in`: sign in and sign out;
- `home`: the page after signing in;
- `alerts`: delay alerts for trackers, an alert's history, the weekly review;
- `children`: the children waiting, finding a child, a child's page;
- `recording`: recording, correcting and withdrawing a child's milestones and
  amending its attributes, in forms;
- `replay`: a child's journey and the scorecard as known on a date, for auditors;
- `households`: an adoptive household's page and its own milestones' forms;
- `audit`: the view log, for auditors and admins.

Every route declares the permission it needs (`web.access.requires`); a request
to a route that declares none is refused. Security headers, sessions and CSRF
are in `web.security`. Pages call the service and nothing beneath it.
"""

from __future__ import annotations

from collections import ChainMap

from flask import Flask
from flask.templating import Environment
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from journey.service import Tracker
from journey.settings import Settings
from web import access, errors, pages, rows, security

SERVICE_NAME = "Adoption Journey Tracker"


def create_app(tracker: Tracker | None = None, *, settings: Settings | None = None, config: dict | None = None) -> Flask:
    """The web application over `tracker` (made from `settings`, or from the
    environment, when not given). `config` overrides Flask settings (tests)."""
    if tracker is None:
        tracker = Tracker(settings or Settings.from_env())
    app = Flask(__name__, static_folder="static", static_url_path="/assets")
    app.jinja_environment = _TemplateEnvironment
    app.config.update(security.default_config(tracker.settings))
    app.config.update(config or {})
    app.jinja_loader = ChoiceLoader([
        app.jinja_loader,
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    app.jinja_env.globals["service_name"] = SERVICE_NAME
    app.jinja_env.globals["govukRebrand"] = False  # GOV.UK's 2025 brand is for GOV.UK services only
    app.extensions["journey.tracker"] = tracker

    _one_reading_per_request(app, tracker)
    security.init_app(app)
    access.init_app(app)
    pages.init_app(app)
    rows.init_app(app)
    errors.init_app(app)

    from web.alerts import blueprint as alerts_pages
    from web.audit import blueprint as audit_pages
    from web.children import blueprint as children_pages
    from web.home import blueprint as home_pages
    from web.households import blueprint as household_pages
    from web.recording import blueprint as recording_pages
    from web.replay import blueprint as replay_pages
    from web.signing_in import blueprint as signing_in_pages

    for blueprint in (signing_in_pages, home_pages, alerts_pages, children_pages, recording_pages, replay_pages,
                      household_pages, audit_pages):
        app.register_blueprint(blueprint)
    return app


class _Globals(ChainMap):
    """A template's globals (its own over the environment's, as Jinja keeps them),
    whose names are listed at C speed: each `{% from ... import %}` of a page
    compares the importing template's names with these, and a ChainMap's own
    `keys()` made that a Python loop over every global, for each import of
    every page (about 15 a page)."""

    def keys(self):
        merged: dict = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()


class _TemplateEnvironment(Environment):
    def make_globals(self, d):
        return _Globals({} if d is None else d, self.globals)


def _one_reading_per_request(app: Flask, tracker: Tracker) -> None:
    """Each request catches the read models up once, at its first query, not at
    every query of the page (a write, or waiting for one, catches up again)."""
    from flask import g

    @app.before_request
    def start_reading():
        g._reading = tracker.one_reading()
        g._reading.__enter__()

    @app.teardown_request
    def end_reading(error=None):
        reading = g.pop("_reading", None)
        if reading is not None:
            reading.__exit__(None, None, None)
