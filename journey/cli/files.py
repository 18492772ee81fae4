"""`journey import milestones | export milestones`: CSV in and out."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from journey.cli.common import EXIT_BAD_ROWS, default_user, pass_context, say_alerts
from journey.domain.words import counted


@click.group("import")
def import_group():
    """Import milestones from CSV (checked whole before anything is written)."""


@import_group.command("milestones")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the children whose rows are all good; skip (and report) the others.")
@pass_context
def import_milestones_command(obj, file, skip_invalid):
    """Import one milestone a row. Required columns: child_ref, local_authority,
    milestone, occurred_on. Optional: date_of_birth, sex, ethnicity, disability,
    sibling_group, household, kind, authority, reason, plan, legal_status,
    moved_in_on, foster_carer_adoption, interagency, expected_due_date, recorded_by.

    A row with child_ref and local_authority empty is a milestone of the household
    its household column names (enquiry, registration_of_interest, ..., approved,
    withdrawn with its reason, review); it fills only household, milestone,
    occurred_on, reason, interagency (yes: approved by another agency) and
    recorded_by. A child's matched, placed or adoption_order naming a household is
    copied to the household: it is not repeated on a household's row.

    The file must be UTF-8, its header must name each column once (names match
    without regard to case and surrounding spaces), and every row must have as
    many cells as the header: otherwise it is refused, naming the row (the header
    is row 1), and nothing is written (exit status 1). A leading ' before =, +, -
    or @ (put there by export, so that a spreadsheet does not run the cell) is
    dropped.

    If any row breaks a rule, every bad row is listed and nothing is written
    (exit status 3). Rows already recorded add nothing. The imported children's
    and households' alerts are raised when it ends.
    """
    tracker = obj.tracker
    children = tracker.count_children_in(file)
    with click.progressbar(length=children * 2, label=f"Importing {file.name}", file=sys.stderr) as bar:
        report = tracker.import_milestones(file, skip_invalid=skip_invalid, recorded_by=f"{default_user()} (import of {file.name})", progress=bar.update)
    print_import_report(report)


def print_import_report(report: dict) -> None:
    for problem in report["problems"]:
        click.echo(problem["text"], err=True)
    if report["problems"] and not report["written"]:
        click.echo(f"Nothing imported: {counted(len(report['problems']), 'bad row')}. Fix them, or use --skip-invalid to import the other children.", err=True)
        sys.exit(EXIT_BAD_ROWS)
    skipped, skipped_households = report["skipped_children"], report["skipped_households"]
    whose = counted(report["children_imported"], "child")
    if report["households"]:
        whose += f" and {counted(report['households_imported'], 'household')}"
    already = report["rows_already_recorded"]
    click.echo(f"Imported {counted(report['milestones_added'], 'milestone')} for {whose}; "
               f"{counted(already, 'row')} {'was' if already == 1 else 'were'} already recorded.")
    say_alerts(report)
    if skipped:
        click.echo(f"Skipped {counted(len(skipped), 'child')} with bad rows: " + ", ".join(f"{c['child_ref']} of {c['local_authority']}" for c in skipped), err=True)
    if skipped_households:
        click.echo(f"Skipped {counted(len(skipped_households), 'household')} with bad rows: " + ", ".join(skipped_households), err=True)
    if skipped or skipped_households:
        sys.exit(EXIT_BAD_ROWS)


@click.group("export")
def export_group():
    """Export current milestones to CSV."""


@export_group.command("milestones")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@pass_context
def export_milestones_command(obj, file):
    """Write every child's and every household's current milestones (corrected
    dates, withdrawn ones left out) in the import format, to FILE (readable by you
    only), or to standard output with -. A household's own milestones are rows with
    child_ref and local_authority empty. A cell starting with =, +, - or @ is
    written with a ' before it, so that a spreadsheet does not run it as a formula;
    the import drops it again."""
    if str(file) == "-":
        # UTF-8 and the file's own line ends, whatever the terminal's settings.
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            done = obj.tracker.write_milestones(out)
        finally:
            out.detach()
        click.echo(f"Exported {counted(done['milestones'], 'milestone')} to standard output.", err=True)
        return
    done = obj.tracker.export_milestones(file)
    click.echo(f"Exported {counted(done['milestones'], 'milestone')} to {file}.")


COMMANDS = (import_group, export_group)
