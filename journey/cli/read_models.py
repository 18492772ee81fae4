"""`journey projections rebuild | status`: the read models built from the event log."""

from __future__ import annotations

import json
import sys

import click

from journey.cli.common import pass_context
from journey.domain.words import counted


@click.group("projections")
def projections_group():
    """The read models (stages, waiting lists, scorecard, clocks) built from the event log."""


@projections_group.command("rebuild")
@pass_context
def rebuild_command(obj):
    """Empty the read models and build them again from the whole log, then
    work out every child's findings for `journey check` again.

    Safe to interrupt: the next command that reads them carries on."""
    tracker = obj.tracker
    with click.progressbar(length=tracker.log_length(), label="Rebuilding read models", file=sys.stderr) as bar:
        done = tracker.rebuild_read_models(progress=bar.update)
    click.echo(f"Read models rebuilt at position {done['position']} ({done['path']}), and the checks' findings worked out.")


@projections_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def status_command(obj, as_json):
    """Where the read models stand: position in the log and how far behind it."""
    state = obj.tracker.read_models_status()
    if as_json:
        click.echo(json.dumps({k: v for k, v in state.items() if k != "events"}, indent=2))
        return
    click.echo(f"Read models: {state['path']}")
    click.echo(f"Events:      {state['events']}")
    click.echo(f"Position:    {state['position']} of {state['head']} (lag {state['lag']})")
    click.echo(f"Updated at:  {state['updated_at']}")
    if state["dirty_streams"]:
        click.echo(f"Pending:     {counted(state['dirty_streams'], 'household')} to recompute at the next catch-up")


COMMANDS = (projections_group,)
