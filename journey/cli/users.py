"""`journey users add | list | disable | enable | reset-password | set-role |
set-councils` and `journey views`: the web view's accounts, and who viewed
which child's history.

A password is only ever read from standard input (`--password-stdin`: one line),
never from the command line, and never printed.
"""

from __future__ import annotations

import datetime
import json
import sys

import click

from journey.cli.common import Group, by_option, pass_context
from journey.domain import clock
from journey.service import ROLES, InvalidValue


@click.group("users", cls=Group)
def users_group():
    """The web view's accounts: add them, list them, disable and enable them, and
    set their passwords, roles and councils.

    Roles: tracker (records milestones, works alerts), manager (what a tracker
    does, and replays journeys), auditor (reads everything, replay and the view
    log included; changes nothing), admin (manages users; sees no child's data).
    A user tied to councils sees only their children; one with none sees all the
    agency's. Every change is kept as an event, with who made it (--by).
    """


def password_from_stdin(given: bool) -> str:
    """One line of standard input, its line end taken off (refused when empty)."""
    if not given:
        raise click.UsageError("give the password on standard input, with --password-stdin (never on the command line)")
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise InvalidValue("no password on standard input: give it as one line", field="password")
    return password


def password_stdin_option(f):
    return click.option(
        "--password-stdin", "password_stdin", is_flag=True,
        help="Read the password from standard input (one line; at least 12 characters).",
    )(f)


def councils_words(councils: list[str]) -> str:
    return ", ".join(councils) if councils else "all councils"


def say_user(verb: str, user: dict) -> None:
    state = ", disabled" if user["disabled"] else ""
    click.echo(f"{verb} {user['username']}: {user['role']}, {councils_words(user['councils'])}{state}.")


@users_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
@click.option("--la", "councils", multiple=True, help="A council whose children the user sees (repeat for more; none: all).")
@password_stdin_option
@by_option
@pass_context
def add_command(obj, username, role, councils, password_stdin, recorded_by):
    """Add a user (a user name of lower-case letters, digits, dots, hyphens or
    underscores), with the password read from standard input."""
    password = password_from_stdin(password_stdin)
    say_user("Added", obj.tracker.add_user(username, role=role, councils=councils, password=password, by=recorded_by))


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list of objects.")
@pass_context
def list_command(obj, as_json):
    """Every user: role, councils, whether disabled, and when last changed."""
    listed = obj.tracker.users()
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    click.echo(f"Users: {len(listed)}")
    for user in listed:
        changed = datetime.datetime.fromisoformat(user["changed_at"]).astimezone(clock.LONDON)
        state = " (disabled)" if user["disabled"] else ""
        click.echo(f"  {user['username']}: {user['role']}, {councils_words(user['councils'])}{state}; changed {changed:%d %b %Y %H:%M}")


@users_group.command("disable")
@click.argument("username")
@by_option
@pass_context
def disable_command(obj, username, recorded_by):
    """Stop a user signing in (their sessions end)."""
    say_user("Disabled", obj.tracker.disable_user(username, by=recorded_by))


@users_group.command("enable")
@click.argument("username")
@by_option
@pass_context
def enable_command(obj, username, recorded_by):
    """Let a disabled user sign in again."""
    say_user("Enabled", obj.tracker.enable_user(username, by=recorded_by))


@users_group.command("reset-password")
@click.argument("username")
@password_stdin_option
@by_option
@pass_context
def reset_password_command(obj, username, password_stdin, recorded_by):
    """Give a user a new password, read from standard input (their sessions end)."""
    password = password_from_stdin(password_stdin)
    say_user("New password for", obj.tracker.reset_password(username, password=password, by=recorded_by))


@users_group.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@by_option
@pass_context
def set_role_command(obj, username, role, recorded_by):
    """Change what a user may do (ROLE: tracker, manager, auditor or admin)."""
    say_user("Changed", obj.tracker.set_role(username, role, by=recorded_by))


@users_group.command("set-councils")
@click.argument("username")
@click.option("--la", "councils", multiple=True, help="A council whose children the user sees (repeat for more).")
@click.option("--all", "all_councils", is_flag=True, help="The user sees every council's children.")
@by_option
@pass_context
def set_councils_command(obj, username, councils, all_councils, recorded_by):
    """Change the councils whose children a user sees: --la for each, or --all."""
    if bool(councils) == all_councils:
        raise click.UsageError("give the councils with --la (one or more), or --all: one or the other")
    say_user("Changed", obj.tracker.set_councils(username, [] if all_councils else list(councils), by=recorded_by))


@click.command("views")
@click.option("--la", default=None, help="Only the viewings of this council's children.")
@click.argument("child_ref", required=False)
@click.option("--by-user", "by_user", default=None, help="Only the viewings by this user.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most this many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: an object with `entries` and `total`.")
@pass_context
def views(obj, la, child_ref, by_user, limit, as_json):
    """The view log: who viewed which child's or household's history, and when
    (from the web and from `journey history`), newest first."""
    found = obj.tracker.view_log(la=la, child_ref=child_ref, by=by_user, limit=limit)
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    shown = len(found["entries"])
    click.echo(f"Viewings: {found['total']}" + (f" (the latest {shown} shown)" if shown < found["total"] else ""))
    for entry in found["entries"]:
        click.echo("  " + entry["sentence"])


COMMANDS = (users_group, views)
