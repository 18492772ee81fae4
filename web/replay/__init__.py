"""Replay, for auditors and managers: a child's journey as at a date (by what
is known now) or as known on a date and time (only what had been recorded by
then), beside today's, with what changed since marked in words; and the
scorecard as known on a date beside the current one, for a period and council.

The service replays and records each replay in the view log; the pages
check the dates typed and say what is wrong in the error-summary pattern. A
user tied to councils replays only their children and their councils'
scorecards (another council's child is not found, a 404)."""

from __future__ import annotations

import datetime
import re

from flask import Blueprint, abort, render_template, request

from journey.domain import clock
from journey.service import InvalidValue, journey_differences
from web import pages
from web.access import requires, tracker, within

blueprint = Blueprint("replay", __name__, template_folder="templates", url_prefix="/replay")

TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)(:[0-5]\d)?")


def _date(errors: dict, field: str, text: str, what: str, *, required: bool = False, past: bool = True) -> datetime.date | None:
    text = text.strip()
    if not text:
        if required:
            errors[field] = f"Enter {what}"
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        errors[field] = f"{what.capitalize()} must be a real date, written as year-month-day, for example 2024-06-30"
        return None
    if past and day > clock.today():
        errors[field] = f"{what.capitalize()} must be today or in the past"
        return None
    return day


def _known_on(errors: dict, args) -> str | None:
    """The 'as known on' moment typed (a date, and perhaps a time), as the service takes it."""
    # A moment after the last event is harmless (it knows everything): no "in the past" check.
    day = _date(errors, "known_on", args.get("known_on", ""), "the date it was known on", past=False)
    time_text = args.get("known_time", "").strip()
    if time_text and not TIME.fullmatch(time_text):
        errors["known_time"] = "Enter the time as 24-hour hours and minutes (and seconds if you need them), for example 14:30"
        return None
    if time_text and day is None and "known_on" not in errors:
        errors["known_on"] = "Enter the date it was known on, to go with the time"
        return None
    if day is None:
        return None
    if time_text:
        hours, minutes, *seconds = (int(part) for part in time_text.split(":"))
        return datetime.datetime.combine(day, datetime.time(hours, minutes, *seconds)).isoformat()
    return day.isoformat()


@blueprint.route("/children/<council>/<path:child_ref>")
@requires("replay")
def child(council: str, child_ref: str):
    found = tracker().child_record(council, child_ref, within=within())  # a child the user cannot see: a 404
    la, ref = found["local_authority"], found["child_ref"]
    args = request.args
    form = {name: args.get(name, "").strip() for name in ("as_at", "known_on", "known_time")}
    errors: dict[str, str] = {}
    result = None
    if "as_at" in args or "known_on" in args:
        as_at = _date(errors, "as_at", form["as_at"], "the date to replay the journey as at")
        known_on = _known_on(errors, args)
        if not errors and as_at is None and known_on is None:
            errors["as_at"] = "Enter a date to replay the journey as at, or a date it was known on, or both"
        if not errors:
            viewer = pages.viewer()
            day = as_at or clock.today()
            try:
                then = tracker().journey_as_at(la, ref, day, as_known_on=known_on, viewer=viewer, within=within())
                now = tracker().journey_as_at(la, ref, clock.today(), viewer=viewer, within=within())
                history = (tracker().child_history(la, ref, as_known_on=known_on, viewer=viewer, within=within())
                           if known_on else None)
            except InvalidValue as error:
                errors["known_on" if known_on else "as_at"] = error.message
            else:
                result = {"then": then, "now": now, "history": history, "differences": journey_differences(then, now)}
    status = 400 if errors else 200
    return render_template(
        "replay/child.html", title=f"Replay child {ref}", child=found, form=form, errors=errors, result=result,
        back=pages.child_url(la, ref),
    ), status


def _default_period() -> tuple[str, str]:
    """The three financial years ending on the last 31 March before today."""
    today = clock.today()
    end_year = today.year if today >= datetime.date(today.year, 3, 31) else today.year - 1
    return datetime.date(end_year - 3, 4, 1).isoformat(), datetime.date(end_year, 3, 31).isoformat()


@blueprint.route("/scorecard")
@requires("replay")
def scorecard():
    args = request.args
    councils = pages.visible_councils()
    scoped = within() is not None
    first, last = _default_period()
    form = {
        "period_from": args.get("period_from", first).strip(), "period_to": args.get("period_to", last).strip(),
        "la": args.get("la", councils[0]["name"] if scoped and councils else "").strip(),
        "known_on": args.get("known_on", "").strip(), "known_time": args.get("known_time", "").strip(),
    }
    names = {c["name"] for c in councils}
    if form["la"] and form["la"] not in names:
        abort(404)  # another council's scorecard is not found
    if scoped and not form["la"]:
        form["la"] = councils[0]["name"] if councils else ""
    errors: dict[str, str] = {}
    result = None
    if "known_on" in args:
        period_from = _date(errors, "period_from", form["period_from"], "the period's first day", required=True)
        period_to = _date(errors, "period_to", form["period_to"], "the period's last day", required=True)
        if period_from and period_to and period_from > period_to:
            errors["period_to"] = "The period's last day must be on or after its first day"
        known_on = _known_on(errors, args)
        if known_on is None and "known_on" not in errors and "known_time" not in errors:
            errors["known_on"] = "Enter the date the scorecard was known on"
        if not errors:
            la = form["la"] or None
            now = tracker().scorecard(period_from, period_to, la=la, within=within())
            then = tracker().scorecard(period_from, period_to, la=la, as_known_on=known_on, viewer=pages.viewer(),
                                       within=within())
            result = {"now": now, "then": then}
    status = 400 if errors else 200
    return render_template(
        "replay/scorecard.html", title="Replay the scorecard", form=form, errors=errors, result=result,
        council_options=[(c["name"], c["name"]) for c in councils], scoped=scoped,
    ), status
