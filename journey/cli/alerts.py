"""`journey alerts ...`: sweep, list, acknowledge and replay delay alerts; the weekly digest.

Registered in journey/cli.py with `main.add_command(alerts_group)` (the group is
named "alerts"). This module is part of the outermost layer: `due_clock_rows` and
`catch_up_read_models` are where the alert sweep is wired to the read models.
"""

from __future__ import annotations

import datetime
import getpass
import json
import os
import sqlite3
import sys
from typing import Any

import click

from journey import alerts
from journey.domain import clock
from journey.domain.errors import InvalidValue, JourneyError
from journey.domain.timescales import RulesFileError

EXIT_REFUSED = 1


# -- wiring: the one place the sweep meets the read models -------------------------------


def catch_up_read_models(obj: Any) -> None:
    """Bring the read models (the projections, then the alerts table) up to the end of the log."""
    try:
        from projections.projector import catch_up
        from projections.store import open_read_models
    except ImportError:  # the projections are not installed: the alerts table is all there is
        pass
    else:
        db = open_read_models(obj.settings.read_models_path)
        try:
            catch_up(obj.app, db)
        finally:
            db.conn.close()
    alerts.AlertTable.of(obj.app).catch_up(obj.app)


def due_clock_rows(obj: Any, *, on: datetime.date, since: datetime.date | None, keys=()) -> list[dict]:
    """The clock rows a sweep for (`since`, `on`] reads: those that came due, and those of `keys`.

    From the clocks read model (caught up first) by its due_on and warn_on
    indexes; without the projections package, by replaying every stream.
    """
    try:
        from projections.projector import catch_up
        from projections.store import open_read_models
    except ImportError:
        return alerts.clock_rows_by_replay(obj.app, on=on, since=since, keys=keys)
    db = open_read_models(obj.settings.read_models_path)
    try:
        catch_up(obj.app, db)
        return alerts.clock_rows_from_read_model(db.conn, on=on, since=since, keys=keys)
    finally:
        db.conn.close()


def run_sweep(obj: Any, on: datetime.date | None = None, **kwargs: Any) -> alerts.SweepReport:
    """The daily sweep for `on` (default today) from the last date swept, over the read models."""
    alerts.timescales_of(obj.app)  # a bad rules file is refused before anything is read

    def rows(**query: Any) -> list[dict]:
        return due_clock_rows(obj, **query)

    return alerts.sweep(obj.app, rows, on=on, **kwargs)


def sweep_after(obj: Any, *, la: str | None = None, child_ref: str | None = None, household: str | None = None, echo=None) -> alerts.SweepReport | None:
    """Sweep the child (or household) a command has just changed, and say what changed.

    For journey/cli.py to call after `record`, `correct` and `withdraw` (with `la`
    and `child_ref`) and after `record-household` (with `household`). The
    command's own work is already saved: a failure here is reported as a warning
    and the scheduler's catch-up sweeps the child within seconds.
    """
    echo = echo or (lambda text: click.echo(text, err=True))
    try:
        if child_ref is not None:
            report = alerts.sweep_child(obj.app, la, child_ref)
        elif household is not None:
            report = alerts.sweep_household(obj.app, household)
        else:
            return None
    except (JourneyError, RulesFileError, OSError, sqlite3.Error) as error:
        echo(f"Warning: alerts not updated ({getattr(error, 'message', error)}); the scheduler will catch up.")
        return None
    if report.changes:
        done = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(report.counts.items()))
        echo(f"Alerts: {done}.")
    return report


# -- the commands -----------------------------------------------------------------------


def _default_user() -> str:
    return os.environ.get("JOURNEY_USER") or getpass.getuser()


def _parse_day(text: str | None, what: str) -> datetime.date | None:
    from journey.domain.values import parse_date

    return parse_date(text, what) if text else None


class AlertsGroup(click.Group):
    """A refused command says why and exits 1 (also when the group is used on its own)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except JourneyError as e:
            click.echo(f"Refused: {e.message}", err=True)
            sys.exit(EXIT_REFUSED)
        except RulesFileError as e:
            click.echo(f"Refused: {e}", err=True)
            sys.exit(EXIT_REFUSED)


@click.group("alerts", cls=AlertsGroup)
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
@click.pass_obj
def sweep_command(obj, as_of):
    """Raise, escalate, close and reopen alerts, from the last date swept to today
    (or --as-of). Running it again changes nothing."""
    on = _parse_day(as_of, "as-of date")
    if on is not None and on > clock.today():
        raise InvalidValue(f"as-of date {on} is in the future")
    report = run_sweep(obj, on)
    click.echo(report.describe())


@alerts_group.command("list")
@click.option("--la", default=None, help="Only this council's children (households are left out).")
@click.option("--status", type=click.Choice(alerts.STATUSES), default=None, help="Only alerts with this status.")
@click.option("--level", type=click.Choice(alerts.LEVELS), default=None, help="Only alerts at this level.")
@click.option("--as-of", default=None, help="The alerts as they stood on this date (default today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of objects.")
@click.pass_obj
def list_command(obj, la, status, level, as_of, as_json):
    """The alerts as they stood on a date: breaches first, then by due date."""
    on = _parse_day(as_of, "as-of date")
    listed = alerts.list_alerts(obj.app, on=on, la=la, status=status, level=level)
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    day = on or clock.today()
    click.echo(f"Alerts on {day:%d %b %Y}: {len(listed)}")
    for a in listed:
        who = f"child {a['child_ref']} of {a['local_authority']}" if a["subject"] == "child" else f"household {a['household']}"
        extra = ""
        if a["status"] == alerts.ACKNOWLEDGED and a.get("acknowledged_by"):
            extra = f", acknowledged by {a['acknowledged_by']}, review {a['review_on']}"
        elif a["status"] == alerts.CLOSED and a.get("stopped_by"):
            extra = f", stopped by {a['stopped_by']} on {a['closed_on']}"
        click.echo(
            f"  {a['level']:<7} {a['status']:<12} {a['rule']:<24} {who}: started {a['started_on']}, "
            f"due {a['due_on']}, raised {a['raised_on']}{extra}  [{a['id']}]"
        )


@alerts_group.command("ack")
@click.argument("alert_id")
@click.option("--by", "by", default=_default_user, show_default="your user name", help="Who acknowledges the alert.")
@click.option("--note", required=True, help="What is being done about the delay (no names, please).")
@click.pass_obj
def ack_command(obj, alert_id, by, note):
    """Acknowledge an open alert with a note; it comes back for review after 28 days
    (review_after_days in timescales.toml) if its clock still runs."""
    done = alerts.acknowledge(obj.app, alert_id, by=by, note=note)
    click.echo(f"Acknowledged alert {done['id']} ({done['rule']}); back for review on {done['review_on']} if still running.")


@alerts_group.command("history")
@click.argument("alert_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def history_command(obj, alert_id, as_json):
    """Every change to an alert in the order recorded: the date it took effect, when and by whom it was recorded."""
    entries = alerts.alert_history(obj.app, alert_id)
    if as_json:
        click.echo(json.dumps(entries, indent=2))
        return
    first = entries[0]
    who = f"child {first['child_ref']} of {first['local_authority']}" if first.get("child_ref") else f"household {first.get('household_ref')}"
    click.echo(f"Alert {alert_id.strip()}: {first['rule_id']} for {who}")
    for entry in entries:
        click.echo("  " + alerts.history_sentence(entry))


@alerts_group.command("digest")
@click.option("--la", default=None, help="Only this council's digest.")
@click.option("--as-of", default=None, help="The week ending on this date (default today).")
@click.pass_obj
def digest_command(obj, la, as_of):
    """The weekly review, per council: the last 7 days' new breaches and every alert
    still open. Sent by SMTP to the council's digest_to addresses (agency.toml) when
    JOURNEY_SMTP_HOST is set; printed otherwise."""
    from journey.alerts import digest

    on = _parse_day(as_of, "as-of date")
    digests = digest.weekly_digests(obj.app, on=on, la=la)
    smtp = digest.SmtpSettings.from_env()
    for line in digest.deliver(digests, smtp, echo=click.echo):
        click.echo(line, err=True)
