"""The `journey` command: record, correct, replay and import children's journeys.

One module per area (children, households, files, figures, alerts, read models,
running, the store, users); each command parses its options, calls the service
(`journey.service.Tracker`) and prints what it returns. Nothing here writes,
sweeps or computes a rule of its own.

Exit status: 0 done; 1 refused (the message says why; nothing was written);
2 usage error; 3 an import file with bad rows (nothing written, or children skipped);
4 the store's key refused (missing, wrong or malformed, or a key given to a plain
store: nothing was read or written).
"""

from __future__ import annotations

import click

from journey.cli import alerts, children, figures, files, households, read_models, running, store, users
from journey.cli.common import Context, Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help="Data directory (default $JOURNEY_DATA_DIR or ./var).")
@click.version_option(package_name="adoption-journey-tracker")
@click.pass_context
def main(ctx, data_dir):
    """Adoption Journey Tracker: every milestone in a child's adoption journey, kept as an event.

    Record milestones as they happen, correct them without losing what was
    recorded before, replay a child's history, and import or export CSV.

    Exit status: 0 done; 1 refused (nothing written); 2 usage error; 3 an import
    file with bad rows; 4 the store's key refused (JOURNEY_CIPHER_KEY missing,
    wrong or not a key, or set for a plain store; nothing read or written).
    """
    ctx.obj = Context(data_dir)


for area in (children, households, files, figures, alerts, read_models, running, store, users):
    for command in area.COMMANDS:
        main.add_command(command)


__all__ = ["Context", "Group", "main"]
