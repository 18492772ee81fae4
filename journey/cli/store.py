"""`journey store copy`: the event store copied whole into an empty one (to encrypt
it, change its key, take the key off, or move it to PostgreSQL)."""

from __future__ import annotations

import sys

import click

from journey.cli.common import pass_context
from journey.domain.words import counted
from journey.settings import Settings


@click.group("store")
def store_group():
    """The event store itself: copy it whole into an empty store."""


@store_group.command("copy")
@click.argument("target")
@click.option(
    "--target-data-dir", type=click.Path(file_okay=False), default=None,
    help="With a postgresql:// TARGET: the copy's data folder (its agency file and read models); an empty one.",
)
@pass_context
def copy_command(obj, target, target_data_dir):
    """Copy the whole event log into an empty store TARGET: a data folder, or a
    postgresql://user:pass@host:port/db[?schema=s] URL (with --target-data-dir).

    The copy is encrypted with JOURNEY_TARGET_CIPHER_KEY (unset: not encrypted),
    whatever this store's JOURNEY_CIPHER_KEY: this is how a plain store is
    encrypted, a key changed or taken off, or SQLite moved to PostgreSQL. Every
    event keeps its order and the time it was recorded; the ids derived from the
    key are derived again from the target's. The agency and timescales files go
    with it. A target that holds events or read models is refused, and nothing is
    written. Stop the tracker's other processes first: what they record during
    the copy is not in it."""
    settings = Settings.copy_target(target, data_dir=target_data_dir)
    tracker = obj.tracker
    with click.progressbar(length=tracker.log_length(), label="Copying events", file=sys.stderr) as bar:
        done = tracker.copy_store(settings, progress=bar.update)
    kind = "encrypted with JOURNEY_TARGET_CIPHER_KEY" if done["encrypted"] else "not encrypted"
    click.echo(
        f"Copied {counted(done['events'], 'event')} ({counted(done['children'], 'child')}, "
        f"{counted(done['households'], 'household')}, {counted(done['alerts'], 'alert')}) to {done['target']}, {kind}."
    )
    if done.get("accounts") or done.get("viewings"):
        click.echo(f"The copy holds {counted(done['accounts'], 'account')} and {counted(done['viewings'], 'viewing')} of histories (the view log) too.")
    click.echo(f"Its data folder is {done['data_dir']}; its read models are built by the first command that reads it.")


COMMANDS = (store_group,)
