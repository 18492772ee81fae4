"""Delay alerts for trackers: the open alerts worst first (filtered by council,
rule, level and owner), "my alerts", an alert's page (its history in plain
English; assign it, acknowledge it with a note) and the weekly review.

A closed alert is shown only on its own page, through its history."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from journey.service import ACKNOWLEDGED, ALERT_LEVELS, JourneyError
from web import pages
from web.access import requires, safe_next, tracker, within

blueprint = Blueprint("alerts", __name__, template_folder="templates", url_prefix="/alerts")

OPEN_STATUSES = ("open", ACKNOWLEDGED)


def _filters() -> dict:
    args = request.args
    councils = {c["name"] for c in pages.visible_councils()}
    rules = {r["id"] for r in _rules()}
    return {
        "la": args.get("la") if args.get("la") in councils else "",
        "rule": args.get("rule") if args.get("rule") in rules else "",
        "level": args.get("level") if args.get("level") in ALERT_LEVELS else "",
        "status": args.get("status") if args.get("status") in OPEN_STATUSES else "",
        "owner": args.get("owner", "").strip()[:64],
    }


def _rules() -> list[dict]:
    """The timescales in force, read once a request."""
    rules = g.get("_alert_rules")
    if rules is None:
        rules = g._alert_rules = tracker().alert_rules()
    return rules


def _listing(title: str, filters: dict, *, mine: bool):
    owner = g.user["username"] if mine else (filters["owner"] or None)
    found = tracker().alerts(la=filters["la"] or None, level=filters["level"] or None, owner=owner,
                             status=filters["status"] or None, rule=filters["rule"] or None, within=within(),
                             statuses=OPEN_STATUSES)
    rules = _rules()
    page = pages.page_number()
    per_page = pages.PER_PAGE
    shown = found[(page - 1) * per_page: page * per_page]
    count = pages.page_count(len(found), per_page)
    return render_template(
        "alerts/list.html", title=title, alerts=shown, total=len(found), filters=filters, mine=mine,
        council_options=[(c["name"], c["name"]) for c in pages.visible_councils()],
        rule_options=[(r["id"], r["title"]) for r in rules], rule_titles={r["id"]: r["title"] for r in rules},
        level_options=[(level, pages.LEVEL_TAGS[level][0]) for level in ALERT_LEVELS],
        status_options=[(status, pages.STATUS_TAGS[status][0]) for status in OPEN_STATUSES],
        pagination=pages.pagination(page, count, len(found), per_page, **filters),
        first=(page - 1) * per_page + 1 if shown else 0,
    )


@blueprint.route("")
@requires("view_children")
def list_alerts():
    return _listing("Alerts", _filters(), mine=False)


@blueprint.route("/mine")
@requires("view_children")
def my_alerts():
    return _listing("My alerts", {**_filters(), "owner": ""}, mine=True)


def people_for(alert: dict, accounts: list[dict] | None = None) -> list[str]:
    """Who an alert can be given to (`Tracker.people_for_alert`; of `accounts`,
    when a page has them already: one listing a page)."""
    return tracker().people_for_alert(alert["local_authority"], accounts=accounts)


def _alert_page(alert_id: str, *, errors: dict | None = None, note: str = "", status: int = 200):
    alert = tracker().alert(alert_id, within=within())
    return render_template(
        "alerts/alert.html", title=_alert_title(alert), alert=alert, people=people_for(alert),
        errors=errors or {}, note=note, rules={r["id"]: r["title"] for r in tracker().alert_rules()},
    ), status


def _alert_title(alert: dict) -> str:
    who = f"child {alert['child_ref']}" if alert["child_ref"] else f"household {alert['household']}"
    return f"Alert for {who}"


@blueprint.route("/<alert_id>")
@requires("view_children")
def alert(alert_id: str):
    pages.wait_for_change()
    return _alert_page(alert_id)


@blueprint.route("/<alert_id>/assign", methods=["POST"])
@requires("work_alerts")
def assign(alert_id: str):
    choice = request.form.get("owner", "")
    if choice == "me":
        choice = g.user["username"]
    current = tracker().alert(alert_id, within=within())
    try:
        done = tracker().assign_alert(current["id"], to=choice or None, by=g.user["username"], within=within())
    except JourneyError as error:
        return _alert_page(alert_id, errors={"owner": error.message}, status=400)
    flash(f"Alert assigned to {choice}." if choice else "Alert no longer assigned to anyone.", "success")
    return redirect(_back_to(current["id"], done["position"]))


@blueprint.route("/<alert_id>/acknowledge", methods=["POST"])
@requires("work_alerts")
def acknowledge(alert_id: str):
    note = request.form.get("note", "").strip()
    current = tracker().alert(alert_id, within=within())
    if not note:
        return _alert_page(alert_id, errors={"note": "Enter a note: what is being done about the delay"}, status=400)
    if len(note) > 2000:
        return _alert_page(alert_id, errors={"note": "The note must be 2,000 characters or fewer"}, note=note, status=400)
    try:
        done = tracker().acknowledge_alert(current["id"], by=g.user["username"], note=note, within=within())
    except JourneyError as error:
        return _alert_page(alert_id, errors={"note": error.message}, note=note, status=400)
    flash(f"Alert acknowledged. It comes back for review on {pages.day(done.get('review_on'))}.", "success")
    return redirect(_back_to(current["id"], done["position"]))


def _back_to(alert_id: str, position: int) -> str:
    """Where a form of an alert goes back to: the page it was posted from (`next`:
    a child's page, a path of this site with no query), else the alert's page;
    either waits for the change (`after`)."""
    target = safe_next(request.form.get("next", ""))
    if target and target.startswith("/children/") and "?" not in target and "#" not in target:
        return f"{target}?{urlencode({'after': position})}"
    return url_for("alerts.alert", alert_id=alert_id, after=position)


@blueprint.route("/weekly-review")
@requires("view_children")
def weekly_review():
    visible = {c["name"] for c in pages.visible_councils()}
    chosen = request.args.get("la") if request.args.get("la") in visible else None
    digests = tracker().digests(la=chosen, within=within())
    return render_template("alerts/weekly_review.html", title="Weekly review of delay alerts", digests=digests,
                           councils=pages.visible_councils(), chosen=chosen,
                           rule_titles={r["id"]: r["title"] for r in tracker().alert_rules()})
