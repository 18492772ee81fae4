"""An adoptive household's page: its stage, approval and how long it has waited
to be matched, the children matched or placed with it, its milestones and its
history (each viewing in the view log), and, each on its own page, forms for
its own milestones (record, correct, withdraw). A child's milestone copied to the household is
changed on the child's record.

A user tied to councils sees a household only through their own children: one
with none of theirs is a 404, as one never recorded."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from journey.domain.words import milestone_words
from journey.service import HOUSEHOLD_OWN_MILESTONES, JourneyError
from web import pages
from web.access import requires, tracker, within

blueprint = Blueprint("households", __name__, template_folder="templates", url_prefix="/households")

DATE_PARTS = ("day", "month", "year")


def _viewer() -> dict:
    return {"username": g.user["username"], "role": g.user["role"], "via": "web"}


def _date_of(form, name: str) -> tuple[str | None, str | None]:
    """The ISO date of a GOV.UK date input's three fields, or why there is none
    (the service checks the date itself: real, not in the future)."""
    parts = [form.get(f"{name}-{part}", "").strip() for part in DATE_PARTS]
    if not any(parts):
        return None, "Enter the date"
    if not all(p.isdigit() for p in parts):
        return None, "The date must be a real date, in numbers: day, month and year"
    day, month, year = (int(p) for p in parts)
    if year < 1000:
        return None, "The year must have 4 numbers"
    return f"{year:04d}-{month:02d}-{day:02d}", None


def _date_values(form, name: str) -> dict:
    return {part: form.get(f"{name}-{part}", "") for part in DATE_PARTS}


def _error_field(error: JourneyError, default: str) -> str:
    field = getattr(error, "field", None)
    if field is None and getattr(error, "dates", ()):
        return "occurred_on"  # a rule of order or a date in the future: the date is what to change
    return {"occurred_on": "occurred_on", "new_date": "occurred_on", "reason": "reason", "note": "note",
            "milestone": "milestone"}.get(field or "", default)


PER_PAGE = 20  # of each of the page's lists: its children, its milestones, its history
LISTS = ("children", "milestones", "history")  # each paged by a parameter of its own name


def _paged(name: str, total: int, chosen: dict[str, int]) -> dict:
    """Where the page's list `name` stands: its page (past the last: the last),
    the first item shown, and GOV.UK's pagination, whose links keep the other
    lists' pages."""
    last = pages.page_count(total, PER_PAGE)
    page = min(chosen[name], last)
    others = {other: n for other, n in chosen.items() if other != name and n > 1}
    return {"page": page, "first": (page - 1) * PER_PAGE, "total": total,
            "pagination": pages.pagination(page, last, total, PER_PAGE, param=name, anchor=name,
                                           label=f"the household's {name}", **others)}


@blueprint.route("/<path:household_ref>")
@requires("view_children")
def household(household_ref: str):
    pages.wait_for_change()
    summary = tracker().household_summary(household_ref, within=within())  # a 404 before anything is logged
    chosen = {name: pages.page_number(name) for name in LISTS}
    children = _paged("children", len(summary["children"]), chosen)
    milestones = _paged("milestones", len(summary["milestones"]), chosen)
    history = tracker().household_history(summary["household_ref"], viewer=_viewer(), within=within(),
                                          offset=(chosen["history"] - 1) * PER_PAGE, limit=PER_PAGE)
    chosen["history"] = history["offset"] // PER_PAGE + 1  # (past its last page: the last)
    return render_template(
        "households/household.html", title=f"Household {summary['household_ref']}", household=summary,
        children=dict(children, rows=summary["children"][children["first"]:children["first"] + PER_PAGE]),
        milestones=dict(milestones, rows=summary["milestones"][milestones["first"]:milestones["first"] + PER_PAGE]),
        history=dict(_paged("history", history["total"], chosen), rows=history["entries"]),
        milestone_words=milestone_words)


def _record_page(summary: dict, *, errors: dict | None = None, form: dict | None = None, status: int = 200):
    return render_template(
        "households/record.html", title=f"Record a milestone of household {summary['household_ref']}",
        household=summary, errors=errors or {}, form=form or {}, milestone_words=milestone_words,
        milestone_options=[(m, milestone_words(m).capitalize()) for m in HOUSEHOLD_OWN_MILESTONES],
    ), status


@blueprint.route("/<path:household_ref>/record", methods=["GET", "POST"])
@requires("record_milestones")
def record(household_ref: str):
    summary = tracker().household_summary(household_ref, within=within())
    if request.method == "GET":
        return _record_page(summary)
    form = request.form
    milestone = form.get("milestone", "")
    reason = form.get("reason", "").strip()
    note = form.get("note", "").strip()
    kept = {"milestone": milestone, "reason": reason, "note": note, "occurred_on": _date_values(form, "occurred_on")}
    errors = {}
    if milestone not in HOUSEHOLD_OWN_MILESTONES:
        errors["milestone"] = "Choose the milestone"
    occurred_on, problem = _date_of(form, "occurred_on")
    if problem:
        errors["occurred_on"] = problem
    if milestone == "withdrawn" and not reason:
        errors["reason"] = "Enter why the household withdrew"
    if len(note) > 2000 or len(reason) > 2000:
        errors["note"] = "The note and the reason must be 2,000 characters or fewer"
    if not errors:
        details = {"reason": reason} if milestone == "withdrawn" else {}
        try:
            done = tracker().record_household(summary["household_ref"], milestone, occurred_on, details,
                                              recorded_by=g.user["username"], note=note or None)
        except JourneyError as error:
            errors[_error_field(error, "milestone")] = _sentence(error.message)
        else:
            return _done(summary, done, f"{milestone_words(milestone).capitalize()} on {pages.day(occurred_on)} recorded")
    return _record_page(summary, errors=errors, form=kept, status=400)


def _own_milestone(summary: dict, event_id: int) -> dict:
    found = next((m for m in summary["milestones"] if m["event_id"] == event_id and m["own"]), None)
    if found is None:
        from werkzeug.exceptions import NotFound

        raise NotFound()
    return found


def _change_page(kind: str, summary: dict, milestone: dict, *, errors: dict | None = None, form: dict | None = None,
                 status: int = 200):
    words = milestone_words(milestone["milestone"])
    title = f"{'Correct' if kind == 'correct' else 'Withdraw'} the {words} of household {summary['household_ref']}"
    return render_template(f"households/{kind}.html", title=title, household=summary, milestone=milestone,
                           words=words, errors=errors or {}, form=form or {}), status


@blueprint.route("/<path:household_ref>/milestones/<int:event_id>/correct", methods=["GET", "POST"])
@requires("record_milestones")
def correct(household_ref: str, event_id: int):
    summary = tracker().household_summary(household_ref, within=within())
    milestone = _own_milestone(summary, event_id)
    if request.method == "GET":
        old = milestone["occurred_on"].split("-")
        return _change_page("correct", summary, milestone, form={"occurred_on": dict(zip(("year", "month", "day"), old))})
    form = request.form
    reason = form.get("reason", "").strip()
    kept = {"reason": reason, "occurred_on": _date_values(form, "occurred_on")}
    errors = {}
    new_date, problem = _date_of(form, "occurred_on")
    if problem:
        errors["occurred_on"] = problem
    if not reason:
        errors["reason"] = "Enter the reason for the correction"
    elif len(reason) > 2000:
        errors["reason"] = "The reason must be 2,000 characters or fewer"
    if not errors:
        try:
            done = tracker().correct_household(summary["household_ref"], milestone["milestone"], milestone["occurred_on"],
                                               new_date, reason=reason, recorded_by=g.user["username"], event_id=event_id)
        except JourneyError as error:
            errors[_error_field(error, "occurred_on")] = _sentence(error.message)
        else:
            return _done(summary, done, f"{milestone_words(milestone['milestone']).capitalize()} corrected to {pages.day(new_date)}")
    return _change_page("correct", summary, milestone, errors=errors, form=kept, status=400)


@blueprint.route("/<path:household_ref>/milestones/<int:event_id>/withdraw", methods=["GET", "POST"])
@requires("record_milestones")
def withdraw(household_ref: str, event_id: int):
    summary = tracker().household_summary(household_ref, within=within())
    milestone = _own_milestone(summary, event_id)
    if request.method == "GET":
        return _change_page("withdraw", summary, milestone)
    reason = request.form.get("reason", "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Enter why the milestone is withdrawn"
    elif len(reason) > 2000:
        errors["reason"] = "The reason must be 2,000 characters or fewer"
    if not errors:
        try:
            done = tracker().withdraw_household(summary["household_ref"], milestone["milestone"], milestone["occurred_on"],
                                                reason=reason, recorded_by=g.user["username"], event_id=event_id)
        except JourneyError as error:
            errors[_error_field(error, "reason")] = _sentence(error.message)
        else:
            return _done(summary, done, f"{milestone_words(milestone['milestone']).capitalize()} of {pages.day(milestone['occurred_on'])} withdrawn")
    return _change_page("withdraw", summary, milestone, errors=errors, form={"reason": reason}, status=400)


def _sentence(message: str) -> str:
    text = message.strip()
    return (text[:1].upper() + text[1:]) if text else "The change was refused"


def _done(summary: dict, done: dict, what: str):
    changes = done.get("alerts") or {}
    said = [what]
    if done.get("already_recorded"):
        said = [f"{what}: it was already recorded, so nothing was added"]
    for kind, n in sorted(changes.items()):
        if n:
            said.append(f"alerts {kind.replace('_', ' ')}: {n}")
    if done.get("warning"):
        said.append(done["warning"])
    flash(". ".join(said[:1]) + ("; " + "; ".join(said[1:]) if said[1:] else "") + ".", "success")
    return redirect(url_for("households.household", household_ref=summary["household_ref"], after=done.get("position")))
