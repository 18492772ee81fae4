"""`journey alerts sweep | list | ack | history | digest`: delay alerts and the weekly review."""

from __future__ import annotations

import datetime
import json

import click

from journey.cli.common import Group, default_user, pass_context
from journey.domain import clock
from journey.service import ACKNOWLEDGED, ALERT_LEVELS, ALERT_STATUSES, CLOSED


@click.group("alerts", cls=Group)
def alerts_group():
    """Delay alerts: a child's or household's next step that is late, or soon will be.

    Each timescale (for example, matched within 121 days of the placement order)
    raises a warning as its time limit nears, if it has a warning point, and a
    breach once the limit has passed; the alert closes by itself when the step is
    recorded. A council can change the timescales in timescales.toml in its data
    directory. `journey scheduler` sweeps daily; acknowledge an alert with
    `journey alerts ack` to note what is being done about it.
    """


@alerts_group.command("sweep")
@click.option("--as-of", default=None, help="Sweep for this past date (YYYY-MM-DD; default today): only milestones that had occurred by then count.")
@pass_context
def sweep_command(obj, as_of):
    """Raise, escalate, close and reopen alerts, from the last date swept to today
    (or --as-of). Running it again changes nothing."""
    click.echo(obj.tracker.sweep_alerts(as_of)["description"])


@alerts_group.command("list")
@click.option("--la", default=None, help="Only this council's children (households are left out).")
@click.option("--status", type=click.Choice(ALERT_STATUSES), default=None, help="Only alerts with this status.")
@click.option("--level", type=click.Choice(ALERT_LEVELS), default=None, help="Only alerts at this level.")
@click.option("--owner", default=None, help="Only the alerts assigned to this person.")
@click.option("--mine", is_flag=True, help="Only the alerts assigned to you ($JOURNEY_USER, or your login name).")
@click.option("--as-of", default=None, help="The alerts as they stood on this date (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of objects.")
@pass_context
def list_command(obj, la, status, level, owner, mine, as_of, as_json):
    """The alerts as they stood on a date: breaches first, then by due date."""
    if owner and mine:
        raise click.UsageError("--owner and --mine: choose one")
    listed = obj.tracker.alerts(on=as_of, la=la, status=status, level=level, owner=default_user() if mine else owner)
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    day = datetime.date.fromisoformat(as_of.strip()) if as_of else clock.today()
    click.echo(f"Alerts on {day:%d %b %Y}: {len(listed)}")
    for a in listed:
        who = f"child {a['child_ref']} of {a['local_authority']}" if a["subject"] == "child" else f"household {a['household']}"
        extra = ""
        if a["status"] == ACKNOWLEDGED and a.get("acknowledged_by"):
            extra = f", acknowledged by {a['acknowledged_by']}, review {a['review_on']}"
        elif a["status"] == CLOSED and a.get("stopped_by"):
            extra = f", stopped by {a['stopped_by']} on {a['closed_on']}"
        if a.get("owner"):
            extra += f", assigned to {a['owner']}"
        if a.get("closed_in_time"):
            extra += " (in time: never breached)"
        click.echo(
            f"  {a['level'] or '-':<7} {a['status']:<12} {a['rule']:<24} {who}: started {a['started_on']}, "
            f"due {a['due_on']}, raised {a['raised_on']}{extra}  [{a['id']}]"
        )


@alerts_group.command("ack")
@click.argument("alert_id")
@click.option("--by", "by", default=default_user, show_default="your user name", help="Who acknowledges the alert.")
@click.option("--note", required=True, help="What is being done about the delay (no names, please).")
@pass_context
def ack_command(obj, alert_id, by, note):
    """Acknowledge an open alert with a note; it comes back for review after 28 days
    (review_after_days in timescales.toml) if its clock still runs. ALERT_ID may be
    the first 8 or more characters of the id."""
    done = obj.tracker.acknowledge_alert(alert_id, by=by, note=note)
    click.echo(f"Acknowledged alert {done['id']} ({done['rule']}); back for review on {done['review_on']} if still running.")


@alerts_group.command("assign")
@click.argument("alert_id")
@click.option("--to", "to", default=None, help="Who is dealing with it (their user name).")
@click.option("--clear", is_flag=True, help="Assign it to nobody.")
@click.option("--by", "by", default=default_user, show_default="your user name", help="Who assigns it.")
@pass_context
def assign_command(obj, alert_id, to, clear, by):
    """Give an open alert to the person dealing with it (--to NAME), or to nobody
    (--clear). ALERT_ID may be the first 8 or more characters of the id."""
    if bool(to) == clear:
        raise click.UsageError("give --to NAME or --clear")
    done = obj.tracker.assign_alert(alert_id, to=None if clear else to, by=by)
    owner = f"assigned to {done['owner']}" if done["owner"] else "assigned to nobody"
    click.echo(f"Alert {done['id']} ({done['rule']}, child {done['child_ref'] or done['household']}) is now {owner}.")


@alerts_group.command("history")
@click.argument("alert_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def history_command(obj, alert_id, as_json):
    """Every change to an alert in the order recorded: the date it took effect, when and by whom it was recorded."""
    entries = obj.tracker.alert_history(alert_id)
    if as_json:
        click.echo(json.dumps(entries, indent=2))
        return
    first = entries[0]
    who = f"child {first['child_ref']} of {first['local_authority']}" if first.get("child_ref") else f"household {first.get('household_ref')}"
    click.echo(f"Alert {first['alert_id']}: {first['rule_id']} for {who}")
    for entry in entries:
        click.echo("  " + entry["sentence"])


@alerts_group.command("digest")
@click.option("--la", default=None, help="Only this council's digest.")
@click.option("--as-of", default=None, help="The week ending on this date (default today).")
@pass_context
def digest_command(obj, la, as_of):
    """The weekly review, per council: the last 7 days' new breaches and every alert
    still open. Sent by SMTP to the council's digest_to addresses (agency.toml) when
    JOURNEY_SMTP_HOST is set; printed otherwise."""
    for line in obj.tracker.send_digests(on=as_of, la=la, echo=click.echo):
        click.echo(line, err=True)


COMMANDS = (alerts_group,)
