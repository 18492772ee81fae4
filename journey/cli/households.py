"""`journey household | record-household | household-history`: an adoptive household's record."""

from __future__ import annotations

import json

import click

from journey.cli.common import by_option, note_option, pass_context, say_alerts


@click.command()
@click.argument("household_ref")
@click.option("--interagency", is_flag=True, help="Approved by another agency.")
@by_option
@note_option
@pass_context
def household(obj, household_ref, interagency, recorded_by, note):
    """Create an adoptive household (known by the agency's reference, no names)."""
    done = obj.tracker.household(household_ref, interagency=interagency, recorded_by=recorded_by, note=note)
    click.echo(f"Household {done['household']}{' (interagency)' if done['interagency'] else ''}.")


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
    adoption_order are recorded on the child, naming the household.)"""
    details = {"reason": reason} if reason else {}
    done = obj.tracker.record_household(household_ref, milestone, date, details, recorded_by=recorded_by, note=note)
    click.echo(f"Recorded {done['milestone']} on {done['occurred_on']} for household {done['household']} (event {done['event_id']}).")
    say_alerts(done)


@click.command("household-history")
@click.argument("household_ref")
@click.option("--as-known-on", default=None, help="Only what had been recorded by then (ISO date or time; London time unless a zone is given).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def household_history(obj, household_ref, as_known_on, as_json):
    """A household's history: its own milestones and the children's copied to it, in the order recorded."""
    found = obj.tracker.household_history(household_ref, as_known_on=as_known_on)
    if as_json:
        click.echo(json.dumps(found["entries"], indent=2))
        return
    click.echo(f"Household {found['household']}")
    for entry in found["entries"]:
        click.echo("  " + entry["sentence"])


COMMANDS = (household, record_household, household_history)
