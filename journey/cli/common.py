"""What every `journey` command shares: the context (settings, then the service
when first asked), common options, and how a refused command is worded.

Exit status: 0 done; 1 refused (the message says why; nothing was written);
2 usage error; 3 an import file with bad rows (nothing written, or children skipped);
4 the store's key refused (missing, wrong or malformed, or a key given to a plain
store: nothing was read or written).
"""

from __future__ import annotations

import datetime
import getpass
import os
import sys

import click

from journey.service import JourneyError, RulesFileError, StoreKeyRefused, Tracker
from journey.settings import Settings

EXIT_REFUSED = 1
EXIT_BAD_ROWS = 3
EXIT_KEY_REFUSED = 4

# The option a user gives for each field an error names.
OPTION_OF_FIELD = {
    "reason": "--reason",
    "event_id": "--event",
    "household": "--household",
    "by": "--by",
    "note": "--note",
    "la": "--la",
    "as_of": "--as-of",
    "period_from": "--from",
    "period_to": "--to",
    "quarter": "--quarter",
    "stage": "--stage",
    "target_data_dir": "--target-data-dir",
    "password": "--password-stdin",
    "councils": "--la",
    "adopters_number": "--adopters",
    "adopters_sex": "--adopters-sex",
    "adopters_legal_status": "--adopters-legal-status",
    "year": "--year",
    "path": "PATH",
}


class StepsShown:
    """A long command's steps on standard error, as the service tells them: a
    progress bar for a step it counts (`progress`), a line for one it does not."""

    def __init__(self) -> None:
        self._bar = None

    def step(self, words: str, total: int | None = None) -> None:
        self.close()
        if total:
            self._bar = click.progressbar(length=total, label=words, file=sys.stderr)
            self._bar.__enter__()
        else:
            click.echo(f"{words}...", err=True)

    def progress(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def __enter__(self) -> StepsShown:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Context:
    """What every command needs: settings now, the service when first asked."""

    def __init__(self, data_dir: str | None):
        self.settings = Settings.from_env(data_dir)
        self._tracker: Tracker | None = None

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            self._tracker = Tracker(self.settings)
        return self._tracker


pass_context = click.make_pass_decorator(Context)


def worded(error: JourneyError) -> str:
    """The error in the command line's words: the option that its field names."""
    option = OPTION_OF_FIELD.get(error.field or "")
    if error.field == "event_id" and error.rule == "ambiguous milestone":
        return f"{error.message}: give --household or --event"
    if error.field == "la" and error.rule == "unknown council":
        return f"{error.message} (use --la, e.g. --la Coventry)"
    if option:
        return f"{error.message} ({option})"
    return error.message


def refuse(error: JourneyError | RulesFileError):
    text = worded(error) if isinstance(error, JourneyError) else str(error)
    click.echo(f"Refused: {text}", err=True)
    sys.exit(EXIT_KEY_REFUSED if isinstance(error, StoreKeyRefused) else EXIT_REFUSED)


class Group(click.Group):
    """Turns a refused command into a clear message and exit status 1 (4 for the store's key)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (JourneyError, RulesFileError) as e:
            refuse(e)


def default_user() -> str:
    return os.environ.get("JOURNEY_USER") or getpass.getuser()


def by_option(f):
    return click.option("--by", "recorded_by", default=default_user, show_default="your user name", help="Who is recording this.")(f)


def note_option(f):
    return click.option("--note", default=None, help="A note kept with the event (no names, please).")(f)


def la_option(f):
    return click.option("--la", "la", required=True, help="The council, as you name it (e.g. Coventry); case does not matter.")(f)


def long_date(iso: str) -> str:
    return datetime.date.fromisoformat(iso).strftime("%-d %b %Y")


def say_alerts(done: dict) -> None:
    """After a command: the alerts it closed, raised or reopened (to stderr)."""
    if done.get("warning"):
        click.echo(f"Warning: {done['warning']}.", err=True)
    counts = done.get("alerts") or {}
    if counts:
        click.echo("Alerts: " + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(counts.items())) + ".", err=True)
