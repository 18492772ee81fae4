"""`journey import milestones | export milestones`: CSV in and out."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from journey.cli.common import EXIT_BAD_ROWS, StepsShown, default_user, pass_context, say_alerts
from journey.domain.words import counted


@click.group("import")
def import_group():
    """Import milestones from CSV, a council's SSDA903 return or its spreadsheet tracker (checked whole before anything is written)."""


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
    with StepsShown() as shown:
        shown.step(f"Importing {file.name}", children * 2)
        report = tracker.import_milestones(file, skip_invalid=skip_invalid, recorded_by=f"{default_user()} (import of {file.name})",
                                           progress=shown.progress, steps=shown)
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


@import_group.command("ssda903")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--la", "la", required=True, help="The council whose return it is (e.g. Coventry).")
@click.option("--year", default=None, metavar="2018-19", help="The return's collection year (default: the tables may hold many years).")
@click.option("--skip-invalid", is_flag=True, help="Import the children whose rows are all good; skip (and report) the others.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every problem, warning and difference to this CSV file.")
@pass_context
def import_ssda903_command(obj, path, la, year, skip_invalid, report_file):
    """Load a council's SSDA903 return: PATH is a folder of its CSV tables (Header,
    Episodes, AD1, PlacedAdoption; Missing, OC2 and OC3 are read for nothing), each
    recognised by its columns, whatever the file is called. Dates are dd/mm/YYYY.

    The milestones the 903 carries are derived from the tables (periods of care,
    placement orders, early permanence and adoption placements, disruptions,
    decisions and their reversals, matches, adoption orders, leaving care); each
    adoptive placement is given a household of its own (903-<council code>-<child>-
    <the day the child moved in>), which keeps AD1's adopters' details.

    Codes outside the DfE's lists for the year a row falls in (or --year's),
    malformed dates and the rules of order refuse the child: every problem is
    listed with its file, row, child and rule, and nothing is written (exit status
    3) unless --skip-invalid. The DfE's validation rules only warn. A milestone
    already held adds nothing; a date that changed since an earlier return is
    corrected, the reason naming the return; a correction made in the tracker is
    kept, and the difference reported; a milestone of an earlier return that this
    one no longer holds is reported, not withdrawn.
    """
    with StepsShown() as shown:
        done = obj.tracker.import_ssda903(path, la=la, year=year, skip_invalid=skip_invalid,
                                          recorded_by=default_user(), report_file=report_file,
                                          progress=shown.progress, steps=shown)
    print_load_notes(done)
    click.echo(f"Imported the {done['year'] or ''}{' ' if done['year'] else ''}903 return of {done['local_authority']}: "
               f"{counted(done['milestones_added'], 'milestone')} added and {counted(done['corrections'], 'correction')} "
               f"for {counted(done['children_imported'], 'child')}; {counted(done['already_recorded'], 'milestone')} "
               f"already recorded; {counted(len(done['warnings']), 'warning')}, "
               f"{counted(len(done['differences']), 'difference')} from the tracker kept, "
               f"{counted(len(done['not_held']), 'milestone')} no longer in the return.")
    print_load_end(done, report_file)


def print_load_notes(done: dict) -> None:
    """A paired load's problems, warnings and differences; refused: exit status 3."""
    for key in ("problems", "warnings", "differences", "not_held"):
        for note in done[key]:
            click.echo(note["text"], err=True)
    if done["problems"] and not done["written"]:
        click.echo(f"Nothing imported: {counted(len(done['problems']), 'problem')} in "
                   f"{counted(len(set(p['child_ref'] for p in done['problems'])), 'child')}. Fix them, or use "
                   "--skip-invalid to import the other children.", err=True)
        sys.exit(EXIT_BAD_ROWS)


def print_load_end(done: dict, report_file: Path | None) -> None:
    if report_file:
        click.echo(f"Report written to {report_file}.")
    say_alerts(done)
    if done["skipped_children"]:
        click.echo(f"Skipped {counted(len(done['skipped_children']), 'child')} with problems: "
                   + ", ".join(done["skipped_children"]), err=True)
        sys.exit(EXIT_BAD_ROWS)


@import_group.command("tracker")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The TOML file saying which column holds what (see examples/tracker-mapping.toml).")
@click.option("--la", "la", default=None, help="The council whose sheet it is (default: the mapping's).")
@click.option("--skip-invalid", is_flag=True, help="Import the children whose rows are good; skip (and report) the others.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every problem and difference to this CSV file.")
@pass_context
def import_tracker_command(obj, file, mapping, la, skip_invalid, report_file):
    """Load a council's spreadsheet tracker: FILE is a CSV or .xlsx sheet of one row
    a child, a column a milestone's date, read by the MAPPING (the sheet and header
    row, the council or the column naming it, the child's reference column, which
    column holds which milestone date, milestone detail or child attribute, columns
    ignored, value maps). Every column of the header must be mapped or ignored.

    Dates are read day first: 03/01/2018, 3/1/18, 3 Jan 2018, 3.1.18, 2018-01-03,
    Excel date cells and serial numbers; a two-digit year is 20YY unless that is
    after this year, then 19YY; blank, N/A, n/a, - and TBC are no date.

    A cell that is not a date or not a code, a child on two rows and the rules of
    order refuse the child: every problem is listed with its sheet, row, column,
    child and rule, and nothing is written (exit status 3) unless --skip-invalid.
    Loading the sheet again adds nothing; a date changed in the sheet is corrected,
    the reason naming the file, sheet, row and column; a correction made in the
    tracker is kept, and the difference reported.
    """
    with StepsShown() as shown:
        done = obj.tracker.import_tracker_sheet(file, mapping=mapping, la=la, skip_invalid=skip_invalid,
                                                recorded_by=default_user(), report_file=report_file,
                                                progress=shown.progress, steps=shown)
    print_load_notes(done)
    click.echo(f"Imported the tracker {file.name} of {done['local_authority']}: "
               f"{counted(done['milestones_added'], 'milestone')} added and {counted(done['corrections'], 'correction')} "
               f"for {counted(done['children_imported'], 'child')}; {counted(done['already_recorded'], 'milestone')} "
               f"already recorded; {counted(len(done['differences']), 'difference')} from the tracker kept.")
    print_load_end(done, report_file)


@click.group("export")
def export_group():
    """Export current milestones to CSV, or a council's 903 adoption tables."""


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


@export_group.command("ssda903")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--year", required=True, metavar="2018-19", help="The return's collection year.")
@click.option("--la", "la", required=True, help="The council whose return it is (e.g. Coventry).")
@pass_context
def export_ssda903_command(obj, out_dir, year, la):
    """Write the council's 903 adoption tables for the year (Header, Episodes, AD1,
    PlacedAdoption, dates dd/mm/YYYY) into OUT_DIR, which is made when missing and
    holds only the tables. The episodes are rebuilt from the milestones; what the
    tracker does not hold (postcodes, URN, provider, category of need, UPN) is
    written as a documented placeholder, and left_care reasons are mapped to REC
    codes (an unmapped reason is reported and written as E8).

    Each child is first checked against the DfE's adoption rules: if any fails,
    nothing is written, every failing child is listed with the rule and what to
    record, and the exit status is 1."""
    done = obj.tracker.export_ssda903(out_dir, la=la, year=year)
    for note in done["notes"]:
        click.echo(f"child {note['child_ref']}: {note['note']}", err=True)
    if not done["written"]:
        for f in done["failures"]:
            click.echo(f"child {f['child_ref']} of {f['local_authority']}: rule {f['rule']}: {f['message']}: record {f['to_record']}", err=True)
        children = len({f["child_ref"] for f in done["failures"]})
        click.echo(f"Nothing written: {counted(children, 'child')} of {done['children']} break the DfE's adoption rules.", err=True)
        sys.exit(1)
    rows = done["rows"]
    click.echo(f"Wrote the {done['year']} 903 tables of {done['local_authority']} to {done['path']}: "
               f"{counted(done['children'], 'child')}, {counted(rows['Episodes'], 'episode')}, "
               f"{counted(rows['AD1'], 'AD1 row')}, {counted(rows['PlacedAdoption'], 'PlacedAdoption row')}.")
