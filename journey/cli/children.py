"""`journey child | record | correct | withdraw | history`: a child's record (and,
with `history --household`, a household's history)."""

from __future__ import annotations

import datetime
import json

import click

from journey.cli.common import by_option, default_user, la_option, note_option, pass_context, say_alerts
from journey.domain import clock

DETAIL_OPTIONS = [
    click.option("--household", default=None, help="The adoptive household's reference."),
    click.option("--authority", type=click.Choice(["placement_order", "freeing_order", "consent"]), default=None, help="For placement_order: the kind of authority to place."),
    click.option("--kind", type=click.Choice(["ffa", "concurrent"]), default=None, help="For early_permanence_placement."),
    REASON_DETAIL := click.option("--reason", "detail_reason", default=None, help="For decision_reversed (RD1-RD4), disruption or left_care."),
    click.option("--plan", default=None, help="For permanence_plan."),
    click.option("--legal-status", default=None, help="For entered_care: the 903 legal status (C1, C2, V2, ...)."),
    click.option("--moved-in-on", default=None, help="For placed: the date the child first lived with these carers (foster-carer adoption)."),
    click.option("--foster-carer-adoption", is_flag=True, default=None, help="For placed: the child's foster carers are adopting."),
    click.option("--interagency", is_flag=True, default=None, help="For matched: a household approved by another agency."),
    click.option("--expected-due-date", default=None, help="For unborn_identified."),
]


def detail_options(f):
    for option in reversed(DETAIL_OPTIONS):
        f = option(f)
    return f


def correction_detail_options(f):
    """As detail_options, but `--reason` is the correction's own reason, so a
    milestone's reason detail is changed with `--new-reason`."""
    for option in reversed(DETAIL_OPTIONS):
        if option is not REASON_DETAIL:
            f = option(f)
    return click.option("--new-reason", "detail_reason", default=None, help="New reason detail (decision_reversed, disruption, left_care).")(f)


def details_from(kwargs: dict) -> dict:
    names = ("household", "authority", "kind", "plan", "legal_status", "moved_in_on", "foster_carer_adoption", "interagency", "expected_due_date")
    details = {k: kwargs.get(k) for k in names}
    details["reason"] = kwargs.get("detail_reason")
    return {k: v for k, v in details.items() if v is not None}


@click.command()
@la_option
@click.argument("child_ref")
@click.option("--dob", default=None, help="Date of birth (YYYY-MM-DD).")
@click.option("--sex", type=click.Choice(["1", "2"]), default=None, help="1 male, 2 female (903 codes).")
@click.option("--ethnicity", default=None, help="903 ethnicity code (e.g. WBRI, MWBC).")
@click.option("--disability", type=click.Choice(["yes", "no"]), default=None, help="Whether the child is disabled.")
@click.option("--sibling-group", default=None, help="A reference shared by siblings to be placed together.")
@by_option
@note_option
@pass_context
def child(obj, la, child_ref, dob, sex, ethnicity, disability, sibling_group, recorded_by, note):
    """Create a child, or amend its attributes (only what differs is recorded)."""
    attributes = {"date_of_birth": dob, "sex": sex, "ethnicity": ethnicity, "disability": disability, "sibling_group": sibling_group}
    done = obj.tracker.child(la, child_ref, attributes, recorded_by=recorded_by, note=note)
    click.echo(f"Child {done['child_ref']} of {done['local_authority']}: stage {done['stage']}.")
    say_alerts(done)


@click.command()
@la_option
@click.argument("child_ref")
@click.argument("milestone")
@click.argument("date")
@detail_options
@by_option
@note_option
@pass_context
def record(obj, la, child_ref, milestone, date, recorded_by, note, **kwargs):
    """Record that MILESTONE happened to a child on DATE (YYYY-MM-DD).

    The child is created on its first milestone. Milestones: unborn_identified,
    born, pre_proceedings_started, care_proceedings_issued, entered_care,
    permanence_plan, early_permanence_placement, adm_decision, placement_order,
    family_finding_started, register_referral, link_identified, match_panel,
    matched, placed, adoption_application, adoption_order, decision_reversed,
    disruption, left_care.

    A milestone the child already has (the same milestone, date and household)
    adds nothing: it says so and exits 0, as an import does.
    """
    done = obj.tracker.record(la, child_ref, milestone, date, details_from(kwargs), recorded_by=recorded_by, note=note)
    whose = f"child {done['child_ref']} of {done['local_authority']}"
    if done["already_recorded"]:
        click.echo(f"Already recorded: {done['milestone']} on {done['occurred_on']} for {whose} (event {done['event_id']}); nothing added.")
    else:
        click.echo(f"Recorded {done['milestone']} on {done['occurred_on']} for {whose} (event {done['event_id']}).")
    say_alerts(done)


@click.command()
@la_option
@click.argument("child_ref")
@click.argument("milestone")
@click.argument("old_date")
@click.argument("new_date")
@click.option("--reason", required=True, help="Why the correction is made (kept for auditors).")
@click.option("--event", "event_id", type=int, default=None, help="The event id of the milestone, when two share a date.")
@correction_detail_options
@by_option
@note_option
@pass_context
def correct(obj, la, child_ref, milestone, old_date, new_date, reason, event_id, recorded_by, note, **kwargs):
    """Correct a milestone: OLD_DATE is its current date, NEW_DATE the right one
    (the same date when only details change). The original stays in the history."""
    details = details_from(kwargs)
    # --household picks the milestone; to move a match or placement to another
    # household, withdraw it and record it again.
    household = details.pop("household", None)
    done = obj.tracker.correct(la, child_ref, milestone, old_date, new_date, reason=reason, recorded_by=recorded_by, details=details, household=household, event_id=event_id, note=note)
    click.echo(f"Corrected event {done['corrects']} of child {done['child_ref']} of {done['local_authority']} (event {done['event_id']}).")
    say_alerts(done)


@click.command()
@la_option
@click.argument("child_ref")
@click.argument("milestone")
@click.argument("date")
@click.option("--reason", required=True, help="Why it is withdrawn (kept for auditors).")
@click.option("--household", default=None, help="Picks the milestone when two share a date.")
@click.option("--event", "event_id", type=int, default=None, help="The event id of the milestone, when two share a date.")
@by_option
@note_option
@pass_context
def withdraw(obj, la, child_ref, milestone, date, reason, household, event_id, recorded_by, note):
    """Withdraw a milestone recorded in error. The original stays in the history."""
    done = obj.tracker.withdraw(la, child_ref, milestone, date, reason=reason, recorded_by=recorded_by, household=household, event_id=event_id, note=note)
    click.echo(f"Withdrew event {done['corrects']} of child {done['child_ref']} of {done['local_authority']} (event {done['event_id']}).")
    say_alerts(done)


def viewer_option(f):
    return click.option("--by", "viewed_by", default=default_user, show_default="your user name",
                        help="Who is viewing (kept in the view log).")(f)


@click.command()
@click.option("--la", "la", default=None, help="The child's council, as you name it (e.g. Coventry); case does not matter.")
@click.argument("child_ref", required=False)
@click.option("--household", "household_ref", default=None, help="A household's history instead (its reference; no --la or CHILD_REF).")
@click.option("--as-at", default=None, help="Show the journey as it stood on this date (by what is known now).")
@click.option("--as-known-on", default=None, help="Only what had been recorded by then (ISO date or time; London time unless a zone is given).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@viewer_option
@pass_context
def history(obj, la, child_ref, household_ref, as_at, as_known_on, as_json, viewed_by):
    """A child's history (--la and CHILD_REF) or a household's (--household):
    every event in the order recorded, who recorded it and when.

    A household's history holds its own milestones and the children's matched,
    placed and adoption_order copied to it, with their corrections and withdrawals.
    Each viewing is kept in the view log (`journey views`), with who viewed it
    (--by) and when."""
    viewer = {"username": viewed_by, "role": None, "via": "command line"}
    if household_ref is not None:
        if la or child_ref:
            raise click.UsageError("--household takes no --la or CHILD_REF: give a household or a child, not both")
        found = (obj.tracker.household_journey_as_at(household_ref, as_at, as_known_on=as_known_on, viewer=viewer) if as_at
                 else obj.tracker.household_history(household_ref, as_known_on=as_known_on, viewer=viewer))
        heading = f"Household {found['household']}"
    else:
        if not la or not child_ref:
            raise click.UsageError("name a child (--la and CHILD_REF) or a household (--household)")
        found = (obj.tracker.journey_as_at(la, child_ref, as_at, as_known_on=as_known_on, viewer=viewer) if as_at
                 else obj.tracker.child_history(la, child_ref, as_known_on=as_known_on, viewer=viewer))
        heading = f"Child {found['child_ref']} of {found['local_authority']}"
    listed = found["entries"]
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    if as_at:
        heading += f": the journey as it stood on {as_at}"
    if found["as_known_on"]:
        known = datetime.datetime.fromisoformat(found["as_known_on"])
        heading += f", as known on {known.astimezone(clock.LONDON):%d %b %Y %H:%M}"
    click.echo(heading)
    if not listed:
        click.echo("  (nothing recorded)")
    for entry in listed:
        click.echo("  " + entry["sentence"])


COMMANDS = (child, record, correct, withdraw, history)
