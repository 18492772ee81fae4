"""The `journey` command: record, correct, replay and import children's journeys.

Exit status: 0 done; 1 refused (the message says why; nothing was written);
2 usage error; 3 an import file with bad rows (nothing written, or children skipped).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path

import click

from journey.domain import clock
from journey.settings import Settings
from journey.domain.errors import JourneyError


def sweep_after(obj, **subject) -> None:
    """After a change to a child or household, bring its alerts up to date at once."""
    from journey.cli.alerts import sweep_after as sweep

    sweep(obj, **subject)

EXIT_REFUSED = 1
EXIT_BAD_ROWS = 3


class Context:
    """What every command needs: settings now, the application when first asked."""

    def __init__(self, data_dir: str | None):
        self.settings = Settings.from_env(data_dir)
        self._app = None

    @property
    def app(self):
        if self._app is None:
            from journey.store.application import JourneyTracker

            self._app = JourneyTracker(self.settings)
        return self._app


pass_context = click.make_pass_decorator(Context)


def default_user() -> str:
    return os.environ.get("JOURNEY_USER") or getpass.getuser()


def by_option(f):
    return click.option("--by", "recorded_by", default=default_user, show_default="your user name", help="Who is recording this.")(f)


def note_option(f):
    return click.option("--note", default=None, help="A note kept with the event (no names, please).")(f)


def la_option(f):
    return click.option("--la", "la", required=True, help="The council, as you name it (e.g. Coventry); case does not matter.")(f)


DETAIL_OPTIONS = [
    click.option("--household", default=None, help="The adoptive household's reference."),
    click.option("--authority", type=click.Choice(["placement_order", "freeing_order", "consent"]), default=None, help="For placement_order: the kind of authority to place."),
    click.option("--kind", type=click.Choice(["ffa", "concurrent"]), default=None, help="For early_permanence_placement."),
    REASON_DETAIL := click.option("--reason", "detail_reason", default=None, help="For decision_reversed (RD1-RD4), disruption or left_care."),
    click.option("--plan", default=None, help="For permanence_plan."),
    click.option("--legal-status", default=None, help="For entered_care: the 903 legal status (C1, C2, V2, ...)."),
    click.option("--moved-in-on", default=None, help="For placed: the date the child first lived with these carers (foster-carer adoption)."),
    click.option("--foster-carer-adoption", is_flag=True, default=None, help="For placed: the child's foster carers are adopting."),
    click.option("--interagency", is_flag=True, default=None, help="For matched: a household approved by another agency."),
    click.option("--expected-due-date", default=None, help="For unborn_identified."),
]


def detail_options(f):
    for option in reversed(DETAIL_OPTIONS):
        f = option(f)
    return f


def correction_detail_options(f):
    """As detail_options, but `--reason` is the correction's own reason, so a
    milestone's reason detail is changed with `--new-reason`."""
    for option in reversed(DETAIL_OPTIONS):
        if option is not REASON_DETAIL:
            f = option(f)
    return click.option("--new-reason", "detail_reason", default=None, help="New reason detail (decision_reversed, disruption, left_care).")(f)


def details_from(kwargs: dict) -> dict:
    names = ("household", "authority", "kind", "plan", "legal_status", "moved_in_on", "foster_carer_adoption", "interagency", "expected_due_date")
    details = {k: kwargs.get(k) for k in names}
    details["reason"] = kwargs.get("detail_reason")
    return {k: v for k, v in details.items() if v is not None}


def refuse(error: JourneyError):
    click.echo(f"Refused: {error.message}", err=True)
    sys.exit(EXIT_REFUSED)


class Group(click.Group):
    """Turns a refused command into a clear message and exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except JourneyError as e:
            refuse(e)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False), default=None, help="Data directory (default $JOURNEY_DATA_DIR or ./var).")
@click.version_option(package_name="adoption-journey-tracker")
@click.pass_context
def main(ctx, data_dir):
    """Adoption Journey Tracker: every milestone in a child's adoption journey, kept as an event.

    Record milestones as they happen, correct them without losing what was
    recorded before, replay a child's history, and import or export CSV.
    """
    ctx.obj = Context(data_dir)


# -- children --------------------------------------------------------------------------


@main.command()
@la_option
@click.argument("child_ref")
@click.option("--dob", default=None, help="Date of birth (YYYY-MM-DD).")
@click.option("--sex", type=click.Choice(["1", "2"]), default=None, help="1 male, 2 female (903 codes).")
@click.option("--ethnicity", default=None, help="903 ethnicity code (e.g. WBRI, MWBC).")
@click.option("--disability", type=click.Choice(["yes", "no"]), default=None, help="Whether the child is disabled.")
@click.option("--sibling-group", default=None, help="A reference shared by siblings to be placed together.")
@by_option
@note_option
@pass_context
def child(obj, la, child_ref, dob, sex, ethnicity, disability, sibling_group, recorded_by, note):
    """Create a child, or amend its attributes (only what differs is recorded)."""
    attributes = {"date_of_birth": dob, "sex": sex, "ethnicity": ethnicity, "disability": disability, "sibling_group": sibling_group}
    summary = obj.app.child(la, child_ref, attributes, recorded_by=recorded_by, note=note)
    click.echo(f"Child {summary['child_ref']} of {summary['local_authority']}: stage {summary['stage']}.")


@main.command()
@la_option
@click.argument("child_ref")
@click.argument("milestone")
@click.argument("date")
@detail_options
@by_option
@note_option
@pass_context
def record(obj, la, child_ref, milestone, date, recorded_by, note, **kwargs):
    """Record that MILESTONE happened to a child on DATE (YYYY-MM-DD).

    The child is created on its first milestone. Milestones: unborn_identified,
    born, pre_proceedings_started, care_proceedings_issued, entered_care,
    permanence_plan, early_permanence_placement, adm_decision, placement_order,
    family_finding_started, register_referral, link_identified, match_panel,
    matched, placed, adoption_application, adoption_order, decision_reversed,
    disruption, left_care.
    """
    done = obj.app.record(la, child_ref, milestone, date, details_from(kwargs), recorded_by=recorded_by, note=note)
    click.echo(f"Recorded {done['milestone']} on {done['occurred_on']} for child {done['child_ref']} of {done['local_authority']} (event {done['event_id']}).")
    sweep_after(obj, la=la, child_ref=child_ref)


@main.command()
@la_option
@click.argument("child_ref")
@click.argument("milestone")
@click.argument("old_date")
@click.argument("new_date")
@click.option("--reason", required=True, help="Why the correction is made (kept for auditors).")
@click.option("--event", "event_id", type=int, default=None, help="The event id of the milestone, when two share a date.")
@correction_detail_options
@by_option
@note_option
@pass_context
def correct(obj, la, child_ref, milestone, old_date, new_date, reason, event_id, recorded_by, note, **kwargs):
    """Correct a milestone: OLD_DATE is its current date, NEW_DATE the right one
    (the same date when only details change). The original stays in the history."""
    details = details_from(kwargs)
    # --household picks the milestone; to move a match or placement to another
    # household, withdraw it and record it again.
    household = details.pop("household", None)
    done = obj.app.correct(la, child_ref, milestone, old_date, new_date, reason=reason, recorded_by=recorded_by, details=details, household=household, event_id=event_id, note=note)
    click.echo(f"Corrected event {done['corrects']} of child {done['child_ref']} of {done['local_authority']} (event {done['event_id']}).")
    sweep_after(obj, la=la, child_ref=child_ref)


@main.command()
@la_option
@click.argument("child_ref")
@click.argument("milestone")
@click.argument("date")
@click.option("--reason", required=True, help="Why it is withdrawn (kept for auditors).")
@click.option("--household", default=None, help="Picks the milestone when two share a date.")
@click.option("--event", "event_id", type=int, default=None, help="The event id of the milestone, when two share a date.")
@by_option
@note_option
@pass_context
def withdraw(obj, la, child_ref, milestone, date, reason, household, event_id, recorded_by, note):
    """Withdraw a milestone recorded in error. The original stays in the history."""
    done = obj.app.withdraw(la, child_ref, milestone, date, reason=reason, recorded_by=recorded_by, household=household, event_id=event_id, note=note)
    click.echo(f"Withdrew event {done['corrects']} of child {done['child_ref']} of {done['local_authority']} (event {done['event_id']}).")
    sweep_after(obj, la=la, child_ref=child_ref)


@main.command()
@la_option
@click.argument("child_ref")
@click.option("--as-at", default=None, help="Show the journey as it stood on this date (by what is known now).")
@click.option("--as-known-on", default=None, help="Only what had been recorded by then (ISO date or time; London time unless a zone is given).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def history(obj, la, child_ref, as_at, as_known_on, as_json):
    """A child's history: every event in the order recorded, who recorded it and when."""
    from journey.store import history as h
    from journey.domain.values import parse_date

    events = obj.app.child_events(la, child_ref)
    known = h.parse_as_known_on(as_known_on) if as_known_on else None
    if as_at:
        listed = h.journey_as_at(events, parse_date(as_at, "as-at date"), known)
    else:
        listed = h.entries(events, known)
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    first = events[0]
    heading = f"Child {first.child_ref} of {first.local_authority}"
    if as_at:
        heading += f": the journey as it stood on {as_at}"
    if known:
        heading += f", as known on {known.astimezone(clock.LONDON):%d %b %Y %H:%M}"
    click.echo(heading)
    if not listed:
        click.echo("  (nothing recorded)")
    for entry in listed:
        click.echo("  " + h.sentence(entry))


# -- households -------------------------------------------------------------------------


@main.command()
@click.argument("household_ref")
@click.option("--interagency", is_flag=True, help="Approved by another agency.")
@by_option
@note_option
@pass_context
def household(obj, household_ref, interagency, recorded_by, note):
    """Create an adoptive household (known by the agency's reference, no names)."""
    done = obj.app.household(household_ref, interagency=interagency, recorded_by=recorded_by, note=note)
    click.echo(f"Household {done['household']}{' (interagency)' if done['interagency'] else ''}.")


@main.command("record-household")
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
    done = obj.app.record_household(household_ref, milestone, date, details, recorded_by=recorded_by, note=note)
    click.echo(f"Recorded {done['milestone']} on {done['occurred_on']} for household {done['household']} (event {done['event_id']}).")
    sweep_after(obj, household=household_ref)


# -- import and export -------------------------------------------------------------------


@main.group("import")
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

    If any row breaks a rule, every bad row is listed and nothing is written
    (exit status 3). Rows already recorded add nothing.
    """
    from journey.importers.milestones_file import import_milestones, read_rows

    rows = read_rows(file)
    children = len({(r.cells.get("local_authority", "").casefold(), r.cells.get("child_ref", "")) for r in rows})
    with click.progressbar(length=children * 2, label=f"Importing {file.name}", file=sys.stderr) as bar:
        report = import_milestones(obj.app, rows, skip_invalid=skip_invalid, recorded_by=f"{default_user()} (import of {file.name})", progress=bar.update)
    print_import_report(report, skip_invalid)


def print_import_report(report, skip_invalid: bool):
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if report.problems and not report.written:
        click.echo(f"Nothing imported: {len(report.problems)} bad row(s). Fix them, or use --skip-invalid to import the other children.", err=True)
        sys.exit(EXIT_BAD_ROWS)
    click.echo(f"Imported {report.milestones_added} milestone(s) for {report.children - len(report.skipped_children)} child(ren); {report.rows_already_recorded} row(s) were already recorded.")
    if report.skipped_children:
        click.echo(f"Skipped {len(report.skipped_children)} child(ren) with bad rows: " + ", ".join(f"{c} of {la}" for c, la in report.skipped_children), err=True)
        sys.exit(EXIT_BAD_ROWS)


@main.group("export")
def export_group():
    """Export current milestones to CSV."""


@export_group.command("milestones")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def export_milestones_command(obj, file):
    """Write every child's current milestones (corrected dates, withdrawn ones left
    out) in the import format."""
    from journey.importers.milestones_file import export_rows, write_csv

    count = write_csv(export_rows(obj.app), file)
    click.echo(f"Exported {count} milestone(s) to {file}.")


# -- sample data and running ---------------------------------------------------------------


@main.command()
@click.option("--as-of", default=None, help="The sample's reference date (default today); the same date gives the same data.")
@pass_context
def demo(obj, as_of):
    """Load a realistic sample regional adoption agency (about 600 children)."""
    from journey.sample.loading import load_demo
    from journey.domain.values import parse_date

    day = parse_date(as_of, "as-of date") if as_of else clock.today()
    load_demo(obj, day, echo=click.echo)


@main.command()
@pass_context
def stages(obj):
    """How many children are at each stage today."""
    print_stages(obj)


def print_stages(obj):
    from journey.domain.stages import ORDER
    from journey.cli.figures import read_models
    from projections.queries import children_by_stage

    counts = children_by_stage(read_models(obj))
    click.echo(f"Children by stage on {clock.today():%d %b %Y} ({obj.settings.describe_store()}):")
    for stage in ORDER:
        click.echo(f"  {stage:<10} {counts.get(stage, 0):>5}")


@main.command()
@pass_context
def run(obj):
    """The tracker's main job (what `make run` starts): on an empty data directory
    load the sample agency first; show children by stage; then run the scheduler
    in the foreground (projections kept current, alerts swept) until Ctrl-C."""
    from journey.sample.loading import is_empty, load_demo
    from journey.scheduler import scheduler

    if is_empty(obj.app):
        click.echo(f"Empty data directory {obj.settings.data_dir}: loading the sample agency.")
        load_demo(obj, clock.today(), echo=click.echo)
    print_stages(obj)
    click.get_current_context().invoke(scheduler)


@main.command()
@click.option("--la", default=None, help="Only this council's children.")
@click.argument("child_ref", required=False)
@pass_context
def check(obj, la, child_ref):
    """List gaps: milestones that a later one implies but that were never recorded
    (a gap is not an error; this is the list to fill in)."""
    from journey.store.child import Child
    from journey.domain.gaps import gaps

    if child_ref:
        if not la:
            raise click.UsageError("give the council with --la when naming a child")
        journeys = [obj.app.load_child(la, child_ref)]
    else:
        wanted = obj.app.council(la).name if la else None
        journeys = [j for j in obj.app.all_journeys() if isinstance(j, Child) and wanted in (None, j.local_authority)]
    count = 0
    for journey in sorted(journeys, key=lambda j: (j.local_authority, j.child_ref)):
        for gap in gaps(journey.milestones()):
            click.echo(f"{journey.describe()}: {gap}")
            count += 1
    click.echo(f"{count} gap(s) in {len(journeys)} child(ren).")


@main.command()
def keygen():
    """Print a new AES key for JOURNEY_CIPHER_KEY (keep it safe: without it the
    events cannot be read)."""
    from eventsourcing.cipher import AESCipher

    click.echo(AESCipher.create_key(32))


def _register_commands() -> None:
    """Commands that live beside their parts: read models, reports, alerts, scheduler."""
    from journey.cli.alerts import alerts_group
    from journey.scheduler import scheduler
    from journey.cli.figures import projections_group, report_group, scorecard, waiting

    for command in (projections_group, scorecard, report_group, waiting, alerts_group, scheduler):
        main.add_command(command)


_register_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
