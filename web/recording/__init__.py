"""Recording in the browser: record a child's milestone (choose it, then its date
and details), correct one, withdraw one, and amend the child's attributes.

Each form's schema (`web.recording.forms`) turns what was posted into the
service call's arguments or into errors by field; then the service checks the
rules. A refused change writes nothing: the form comes back with what the user
typed, the error summary saying why (each rule of order in a tracker's words,
`web.recording.words`) and the field concerned marked. A change done goes back
to the child's page (`?after=` the position it wrote), with a banner saying what
was recorded and the alerts it closed or raised.

Every route needs "record_milestones" (trackers and managers); a child of a
council the user does not see is not found (404), on GET and POST alike."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from journey.domain.words import counted
from journey.service import (
    AUTHORITIES,
    CHILD_MILESTONES,
    EARLY_PERMANENCE_KINDS,
    ETHNICITIES,
    REVERSAL_REASONS,
    ChildNotFound,
    JourneyError,
    UnknownCouncil,
)
from web import pages
from web.access import may, requires, tracker, within
from web.recording import forms, words

blueprint = Blueprint("recording", __name__, template_folder="templates", url_prefix="/children")

PERMISSION = "record_milestones"
DATE_FIELDS = ("occurred_on", "moved_in_on", "expected_due_date", "date_of_birth")


# -- what every form needs -------------------------------------------------------------------


def _child(council: str, child_ref: str) -> dict:
    """The child's summary (current milestones, open alerts); 404 when the user
    does not see it."""
    return tracker().find_child(council, child_ref, within=within())


def _milestone(child: dict, event_id: int) -> dict:
    """A current milestone of the child, by the event id that recorded it; 404 if none."""
    found = next((m for m in child["milestones"] if m["event_id"] == event_id), None)
    if found is None:
        abort(404)
    return found


def _choices(milestone: str) -> dict[str, list[tuple[str, str]]]:
    """The options of each coded detail, as (value, words) pairs."""
    return {
        "authority": [(a, words.AUTHORITY_WORDS.get(a, a)) for a in AUTHORITIES],
        "kind": [(k, words.KIND_WORDS.get(k, k)) for k in EARLY_PERMANENCE_KINDS],
        "reason": [(code, words.reversal_words(code)) for code in REVERSAL_REASONS] if milestone == "decision_reversed" else [],
        "interagency": list(words.YES_NO_WORDS.items()),
        "foster_carer_adoption": list(words.YES_NO_WORDS.items()),
        "sex": list(words.SEX_WORDS.items()),
        "ethnicity": [(code, f"{words.ETHNICITY_WORDS.get(code, code)} ({code})") for code in ETHNICITIES],
        "disability": list(words.YES_NO_WORDS.items()),
    }


def _household_options(child: dict) -> dict:
    """The households the form offers for the child (`Tracker.household_choices_for`:
    those its milestones name, then those approved and waiting to be matched), as
    (reference, words) pairs, and how many the agency has in all (any of which the
    tracker can type instead)."""
    offered = tracker().household_choices_for(child["local_authority"], child["child_ref"], within=within())
    options = [(ref, f"{ref} (named in this child's record)") for ref in offered["named"]]
    options += [(w["household_ref"], f"{w['household_ref']} (approved {pages.day(w['approved_on'])}, "
                                     f"{counted(w['days_waiting'], 'day')} waiting to be matched)") for w in offered["waiting"]]
    return {"options": options, "known": offered["known"]}


def _date_parts(name: str, value: str | None) -> dict[str, str]:
    """An ISO date as a date input's three fields, to fill a form with."""
    if not value:
        return {}
    year, month, day = value[:10].split("-")
    return {f"{name}-day": str(int(day)), f"{name}-month": str(int(month)), f"{name}-year": year}


def _form_values(values: dict) -> dict[str, str]:
    """Recorded values (details, attributes) as a form's fields."""
    form: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name in DATE_FIELDS:
            form.update(_date_parts(name, value))
        elif value is True or value is False:
            form[name] = "yes" if value else "no"
        else:
            form[name] = str(value)
    return form


def _anchor(name: str) -> str:
    return f"#{name}-day" if name in DATE_FIELDS else f"#{name}"


def _summary(errors: dict[str, list[str]]) -> list[dict]:
    """The error summary's list: each message, linked to its field."""
    listed = []
    for name, messages in errors.items():
        for message in messages:
            item = {"text": message}
            if name != "_form":
                item["href"] = _anchor(name)
            listed.append(item)
    return listed


def _refusal(error: JourneyError, *, fields: tuple[str, ...], default: str | None) -> dict[str, list[str]]:
    """A refusal from the service as errors by field: each broken rule of order in
    a tracker's words on the field concerned (a date detail that breaks it, else
    the form's own date), any other refusal on the field it names."""
    if isinstance(error, (ChildNotFound, UnknownCouncil)):
        raise error  # not found: a 404
    found = error.to_dict()
    errors: dict[str, list[str]] = {}

    def add(field: str | None, message: str) -> None:
        listed = errors.setdefault(field or "_form", [])
        if message not in listed:
            listed.append(message)

    for breach in found.get("breaches", []):
        add(breach["detail"] if breach.get("detail") in fields else default, words.breach_words(breach))
    if not found.get("breaches"):
        add(found["field"] if found.get("field") in fields else default, words.refusal_words(found))
    return errors


def _open_alerts(child: dict) -> dict[str, dict]:
    """The child's open alerts now (read by the child, not from its council's whole list)."""
    listed = tracker().open_alerts_of_child(child["local_authority"], child["child_ref"], within=within())
    return {a["id"]: a for a in listed}


def _alert_words(child: dict, done: dict, before: dict[str, dict]) -> str:
    """The alerts a change closed, raised, reopened or escalated, in words: the
    service counts them; those closed are named (the child's open alerts before
    the change that are not open after it)."""
    counts = done.get("alerts") or {}
    if not counts:
        return ""
    order = ("closed", "raised", "reopened", "escalated")
    parts = []
    for kind in sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k)):
        said = f"{counted(counts[kind], 'alert')} {kind.replace('_', ' ')}"
        if kind == "closed" and before:
            titles = {r["id"]: r["title"] for r in tracker().alert_rules()}
            still_open = _open_alerts(child)
            closed = sorted({titles.get(a["rule"], a["rule"]) for alert_id, a in before.items() if alert_id not in still_open})
            if closed:
                said += f" ({', '.join(closed)})"
        parts.append(said)
    return " " + _capital(", ".join(parts)) + "."


def _capital(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


def _done(child: dict, done: dict, said: str, before: dict[str, dict]):
    """After a change: the banner, and back to the child's page (waiting for the change)."""
    if done.get("warning"):
        flash(f"Saved, but the alerts could not be brought up to date yet ({done['warning']}).", "warning")
    flash(said + _alert_words(child, done, before), "success")
    after = {"after": done["position"]} if done.get("position") else {}
    return redirect(url_for("children.child", council=pages.council_slug(child["local_authority"]),
                            child_ref=child["child_ref"], **after))


def _render(template: str, child: dict, *, status: int = 200, errors: dict | None = None, **context):
    errors = errors or {}
    return render_template(
        f"recording/{template}", child=child, errors=errors, error_list=_summary(errors),
        child_page=pages.child_url(child["local_authority"], child["child_ref"]),
        labels=words.DETAIL_LABELS, hints=words.DETAIL_HINTS, **context,
    ), (400 if errors and status == 200 else status)


def _slugs(child: dict) -> dict[str, str]:
    return {"council": pages.council_slug(child["local_authority"]), "child_ref": child["child_ref"]}


# -- recording a milestone -------------------------------------------------------------------


@blueprint.route("/<council>/<path:child_ref>/record", methods=["GET", "POST"])
@requires(PERMISSION)
def record(council: str, child_ref: str):
    """Step 1 (GET, no milestone): choose the milestone. Step 2 (GET with
    `?milestone=`): its date and details. POST: record it."""
    child = _child(council, child_ref)
    source = request.form if request.method == "POST" else request.args
    if request.method == "GET" and "milestone" not in source and "chosen" not in source:
        return _choose(child)  # the first step (`chosen` says its form was sent, with or without a choice)
    chosen, errors = forms.load(forms.ChooseMilestoneSchema(), {"milestone": source.get("milestone", "")})
    if errors:
        return _choose(child, errors=errors)
    milestone = chosen["milestone"]
    if request.method == "GET":
        return _record_page(child, milestone, form={})
    form = request.form.to_dict()
    households = sorted(tracker().household_refs()) if "household" in forms.milestone_fields(milestone) else []  # only a household's milestone reads them
    arguments, errors = forms.load(forms.record_schema(milestone, households), request.form)
    if errors:
        return _record_page(child, milestone, form=form, errors=errors)
    before = {a["id"]: a for a in child["alerts"]}
    try:
        done = tracker().record(child["local_authority"], child["child_ref"], arguments["milestone"], arguments["occurred_on"],
                                arguments["details"], recorded_by=g.user["username"])
    except JourneyError as error:
        fields = ("occurred_on", *forms.milestone_fields(milestone))
        return _record_page(child, milestone, form=form, errors=_refusal(error, fields=fields, default="occurred_on"))
    title = words.milestone_title(milestone)
    if done.get("already_recorded"):
        said = f"Already recorded: {title} on {pages.day(done['occurred_on'])}. Nothing was added."
    else:
        said = f"Recorded: {title} on {pages.day(done['occurred_on'])}."
    return _done(child, done, said, before)


def _choose(child: dict, *, errors: dict | None = None):
    options = [(name, words.milestone_title(name)) for name in CHILD_MILESTONES]
    return _render("choose.html", child, title="Record a milestone", options=options, errors=errors,
                   action=url_for("recording.record", **_slugs(child)))


def _record_page(child: dict, milestone: str, *, form: dict, errors: dict | None = None):
    return _render(
        "record.html", child, title=f"Record {words.noun(milestone)}", milestone=milestone,
        milestone_title=words.milestone_title(milestone), details=forms.milestone_fields(milestone),
        form=form, errors=errors, choices=_choices(milestone),
        households=_household_options(child) if "household" in forms.milestone_fields(milestone) else None,
        action=url_for("recording.record", **_slugs(child)),
        change=url_for("recording.record", **_slugs(child)),
    )


# -- correcting and withdrawing one ----------------------------------------------------------


def _shown(milestone: dict) -> list[tuple[str, str]]:
    """A milestone's current values, as (label, words) rows."""
    rows = [("Milestone", words.milestone_title(milestone["milestone"])), ("Date", pages.day(milestone["occurred_on"]))]
    for name in forms.milestone_fields(milestone["milestone"]):
        rows.append((words.DETAIL_LABELS.get(name, name), words.detail_value(milestone["milestone"], name, milestone["details"].get(name))))
    return rows


@blueprint.route("/<council>/<path:child_ref>/correct/<int:event_id>", methods=["GET", "POST"])
@requires(PERMISSION)
def correct(council: str, child_ref: str, event_id: int):
    """Correct a milestone's date or details: its current values shown, the reason required."""
    child = _child(council, child_ref)
    current = _milestone(child, event_id)
    name = current["milestone"]
    if request.method == "GET":
        recorded = {("new_reason" if k == "reason" else k): v for k, v in current["details"].items() if k != "household"}
        form = {**_form_values(recorded), **_date_parts("occurred_on", current["occurred_on"])}
        return _correct_page(child, current, form=form)
    form = request.form.to_dict()
    arguments, errors = forms.load(forms.correct_schema(name), request.form)
    if errors:
        return _correct_page(child, current, form=form, errors=errors)
    before = {a["id"]: a for a in child["alerts"]}
    try:
        done = tracker().correct(child["local_authority"], child["child_ref"], name, current["occurred_on"], arguments["new_date"],
                                 reason=arguments["reason"], details=arguments["details"], event_id=event_id,
                                 recorded_by=g.user["username"])
    except JourneyError as error:
        fields = ("occurred_on", "reason", *(f for f, _ in forms.correction_fields(name)))
        return _correct_page(child, current, form=form, errors=_refusal(error, fields=fields, default="occurred_on"))
    title = words.milestone_title(name)
    if arguments["new_date"] != current["occurred_on"]:
        said = f"Corrected: {title}, now on {pages.day(arguments['new_date'])} (it was {pages.day(current['occurred_on'])})."
    else:
        said = f"Corrected: the details of {title} on {pages.day(current['occurred_on'])}."
    return _done(child, done, said, before)


def _correct_page(child: dict, current: dict, *, form: dict, errors: dict | None = None):
    name = current["milestone"]
    return _render(
        "correct.html", child, title=f"Correct {words.noun(name)}", current=current, shown=_shown(current),
        details=forms.correction_fields(name), milestone=name, form=form, errors=errors, choices=_choices(name),
        action=url_for("recording.correct", event_id=current["event_id"], **_slugs(child)),
    )


@blueprint.route("/<council>/<path:child_ref>/withdraw/<int:event_id>", methods=["GET", "POST"])
@requires(PERMISSION)
def withdraw(council: str, child_ref: str, event_id: int):
    """Withdraw a milestone recorded in error: the reason required."""
    child = _child(council, child_ref)
    current = _milestone(child, event_id)
    if request.method == "GET":
        return _withdraw_page(child, current, form={})
    form = request.form.to_dict()
    arguments, errors = forms.load(forms.WithdrawSchema(), request.form)
    if errors:
        return _withdraw_page(child, current, form=form, errors=errors)
    before = {a["id"]: a for a in child["alerts"]}
    try:
        done = tracker().withdraw(child["local_authority"], child["child_ref"], current["milestone"], current["occurred_on"],
                                  reason=arguments["reason"], event_id=event_id, recorded_by=g.user["username"])
    except JourneyError as error:
        return _withdraw_page(child, current, form=form, errors=_refusal(error, fields=("reason",), default=None))
    said = f"Withdrawn: {words.milestone_title(current['milestone'])} on {pages.day(current['occurred_on'])}."
    return _done(child, done, said, before)


def _withdraw_page(child: dict, current: dict, *, form: dict, errors: dict | None = None):
    return _render(
        "withdraw.html", child, title=f"Withdraw {words.noun(current['milestone'])}", current=current,
        shown=_shown(current), form=form, errors=errors,
        action=url_for("recording.withdraw", event_id=current["event_id"], **_slugs(child)),
    )


# -- the child's attributes ------------------------------------------------------------------


@blueprint.route("/<council>/<path:child_ref>/details", methods=["GET", "POST"])
@requires(PERMISSION)
def details(council: str, child_ref: str):
    """Amend the child's date of birth, sex, ethnicity, disability and sibling group."""
    child = _child(council, child_ref)
    if request.method == "GET":
        return _details_page(child, form=_form_values(child["attributes"]))
    form = request.form.to_dict()
    attributes, errors = forms.load(forms.AttributesSchema(), request.form)
    if errors:
        return _details_page(child, form=form, errors=errors)
    before = {a["id"]: a for a in child["alerts"]}
    try:
        done = tracker().child(child["local_authority"], child["child_ref"], attributes, recorded_by=g.user["username"])
    except JourneyError as error:
        return _details_page(child, form=form, errors=_refusal(error, fields=tuple(words.ATTRIBUTE_LABELS), default="date_of_birth"))
    changed = [name for name in words.ATTRIBUTE_LABELS if done["attributes"].get(name) != child["attributes"].get(name)]
    if not done.get("position"):
        said = "Nothing changed: the child's details are as recorded."
    else:
        said = "Child's details changed: " + ", ".join(words.ATTRIBUTE_LABELS[n].lower() for n in changed) + "."
    return _done(child, done, said, before)


def _details_page(child: dict, *, form: dict, errors: dict | None = None):
    return _render(
        "details.html", child, title=f"Change the details of child {child['child_ref']}", form=form, errors=errors,
        choices=_choices(""), attribute_labels=words.ATTRIBUTE_LABELS,
        action=url_for("recording.details", **_slugs(child)),
    )


@blueprint.app_template_global("recording_words")
def recording_words() -> object:
    """The recording forms' words, for the child page's links (`_actions.html`)."""
    return words


@blueprint.app_template_global("change_links")
def change_links(child: dict, milestone: dict) -> Markup:
    """Links to correct and withdraw one of a child's milestones, for a row of
    any list of them (a timeline, a table): `child` is the child's summary,
    `milestone` one of its `milestones`. Shown to those who record milestones only."""
    if not may(PERMISSION):
        return Markup("")
    slug = _slugs(child)
    what = f"{words.milestone_title(milestone['milestone'])} on {pages.day(milestone['occurred_on'])}"
    what = escape(what)
    correct = escape(pages.path("recording.correct", event_id=milestone["event_id"], **slug))
    withdraw = escape(pages.path("recording.withdraw", event_id=milestone["event_id"], **slug))
    return Markup(
        f'<a class="govuk-link" href="{correct}">Correct<span class="govuk-visually-hidden"> {what}</span></a>\n  '
        f'<a class="govuk-link govuk-!-margin-left-3" href="{withdraw}">Withdraw<span class="govuk-visually-hidden"> {what}</span></a>'
    )


@blueprint.app_template_global("milestone_row")
def milestone_row(child: dict, milestone: dict) -> Markup:
    """A row of the child page's table of milestones to correct or withdraw: its
    date, the milestone (and its household), and `change_links`."""
    household = (milestone.get("details") or {}).get("household")
    return Markup(
        '<tr class="govuk-table__row">\n'
        f'        <td class="govuk-table__cell">{escape(pages.day(milestone["occurred_on"]))}</td>\n'
        f'        <td class="govuk-table__cell">{escape(words.milestone_title(milestone["milestone"]))}'
        f'{f" ({escape(household)})" if household else ""}</td>\n'
        f'        <td class="govuk-table__cell">{change_links(child, milestone)}</td>\n'
        '      </tr>'
    )


@blueprint.app_template_global("recording_slug")
def recording_slug(child: dict) -> dict[str, str]:
    """The council and reference of a child's links to the forms."""
    return _slugs(child)
