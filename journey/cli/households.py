"""`journey household | record-household | correct-household | withdraw-household |
household-history`: an adoptive household's record. Its history is `journey history
--household` (journey/cli/children.py); `household-history` is the same, shorter."""

from __future__ import annotations

import click

from journey.cli.children import history, viewer_option
from journey.cli.common import by_option, note_option, pass_context, refuse, say_alerts
from journey.service import AmbiguousMilestone, CopiedFromChild, JourneyError


@click.command()
@click.argument("household_ref")
@click.option("--interagency", is_flag=True, help="Approved by another agency.")
@click.option("--adopters", "number", type=click.Choice(["1", "2"]), default=None, help="How many adopters (903 NB_ADOPTR).")
@click.option("--adopters-sex", "sex", default=None, metavar="M1|F1|MM|FF|MF", help="The adopters' sex (903 SEX_ADOPTR).")
@click.option("--adopters-legal-status", "legal_status", default=None, metavar="L0|L11|L12|L2|L3|L4",
              help="The adopters' legal status (903 LS_ADOPTR): L0 single, L11 different-sex married, L12 same-sex "
                   "married, L2 civil partnership, L3 different-sex not married, L4 same-sex not married or in a civil partnership.")
@by_option
@note_option
@pass_context
def household(obj, household_ref, interagency, number, sex, legal_status, recorded_by, note):
    """Create an adoptive household (known by the agency's reference, no names), or
    record its adopters' details as the 903 return's AD1 table codes them (only
    those given change; each change is kept in its history)."""
    adopters = {"number": number, "sex": sex, "legal_status": legal_status}
    done = obj.tracker.household(household_ref, interagency=interagency, adopters=adopters, recorded_by=recorded_by, note=note)
    held = done["adopters"]
    described = f"; adopters: {held.get('number', '?')}, sex {held.get('sex', '?')}, legal status {held.get('legal_status', '?')}" if held else ""
    click.echo(f"Household {done['household']}{' (interagency)' if done['interagency'] else ''}{described}.")


@click.command("record-household")
@click.argument("household_ref")
@click.argument("milestone")
@click.argument("date")
@click.option("--reason", default=None, help="For withdrawn: why.")
@by_option
@note_option
@pass_context
def record_household(obj, household_ref, milestone, date, reason, recorded_by, note):
    """Record a household MILESTONE on DATE: enquiry, registration_of_interest,
    stage1_started, stage1_completed, stage2_started, approval_panel, approved,
    register_referral, linked, withdrawn, review. (matched, placed and
    adoption_order are recorded on the child, naming the household.)

    A milestone the household already has on that date adds nothing: it says so
    and exits 0."""
    details = {"reason": reason} if reason else {}
    done = obj.tracker.record_household(household_ref, milestone, date, details, recorded_by=recorded_by, note=note)
    if done["already_recorded"]:
        click.echo(f"Already recorded: {done['milestone']} on {done['occurred_on']} for household {done['household']} (event {done['event_id']}); nothing added.")
        return
    click.echo(f"Recorded {done['milestone']} on {done['occurred_on']} for household {done['household']} (event {done['event_id']}).")
    say_alerts(done)


def refuse_ambiguous(error: AmbiguousMilestone) -> None:
    """Two of the household's milestones share the date: only --event picks one."""
    refuse(JourneyError(f"{error.message}: give --event", dates=error.dates))


def refuse_a_copy(error: CopiedFromChild, command: str, milestone: str, dates: str) -> None:
    """A child's milestone copied to the household: say which command changes it."""
    refuse(CopiedFromChild(
        f"{error.message} (journey {command} --la {error.local_authority} {error.child_ref} {milestone} {dates} ...)",
        child_ref=error.child_ref, local_authority=error.local_authority, dates=error.dates,
    ))


@click.command("correct-household")
@click.argument("household_ref")
@click.argument("milestone")
@click.argument("old_date")
@click.argument("new_date")
@click.option("--reason", required=True, help="Why the correction is made (kept for auditors).")
@click.option("--new-reason", "detail_reason", default=None, help="New reason detail (withdrawn).")
@click.option("--event", "event_id", type=int, default=None, help="The event id of the milestone, when two share a date.")
@by_option
@note_option
@pass_context
def correct_household(obj, household_ref, milestone, old_date, new_date, reason, detail_reason, event_id, recorded_by, note):
    """Correct one of a household's own milestones: OLD_DATE is its current date,
    NEW_DATE the right one (the same date when only the reason detail changes). The
    original stays in the history.

    A matched, placed or adoption_order copied from a child is corrected on the
    child (journey correct --la ...), and the household's copy follows: it is
    refused here."""
    details = {"reason": detail_reason} if detail_reason else {}
    try:
        done = obj.tracker.correct_household(household_ref, milestone, old_date, new_date, reason=reason, recorded_by=recorded_by,
                                             details=details, event_id=event_id, note=note)
    except CopiedFromChild as error:
        refuse_a_copy(error, "correct", milestone, f"{old_date} {new_date}")
    except AmbiguousMilestone as error:
        refuse_ambiguous(error)
    click.echo(f"Corrected event {done['corrects']} of household {done['household']} (event {done['event_id']}).")
    say_alerts(done)


@click.command("withdraw-household")
@click.argument("household_ref")
@click.argument("milestone")
@click.argument("date")
@click.option("--reason", required=True, help="Why it is withdrawn (kept for auditors).")
@click.option("--event", "event_id", type=int, default=None, help="The event id of the milestone, when two share a date.")
@by_option
@note_option
@pass_context
def withdraw_household(obj, household_ref, milestone, date, reason, event_id, recorded_by, note):
    """Withdraw one of a household's own milestones recorded in error. The original
    stays in the history.

    A matched, placed or adoption_order copied from a child is withdrawn on the
    child (journey withdraw --la ...), and the household's copy follows: it is
    refused here."""
    try:
        done = obj.tracker.withdraw_household(household_ref, milestone, date, reason=reason, recorded_by=recorded_by,
                                              event_id=event_id, note=note)
    except CopiedFromChild as error:
        refuse_a_copy(error, "withdraw", milestone, date)
    except AmbiguousMilestone as error:
        refuse_ambiguous(error)
    click.echo(f"Withdrew event {done['corrects']} of household {done['household']} (event {done['event_id']}).")
    say_alerts(done)


@click.command("household-history")
@click.argument("household_ref")
@click.option("--as-at", default=None, help="Show the household's milestones as they stood on this date (by what is known now).")
@click.option("--as-known-on", default=None, help="Only what had been recorded by then (ISO date or time; London time unless a zone is given).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@viewer_option
@click.pass_context
def household_history(ctx, household_ref, as_at, as_known_on, as_json, viewed_by):
    """A household's history: the same as journey history --household HOUSEHOLD_REF."""
    ctx.invoke(history, la=None, child_ref=None, household_ref=household_ref, as_at=as_at, as_known_on=as_known_on,
               as_json=as_json, viewed_by=viewed_by)


COMMANDS = (household, record_household, correct_household, withdraw_household, household_history)
