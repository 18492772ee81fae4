"""The CLI commands that read the read models (registered in `journey.cli`):

    journey projections rebuild | status
    journey scorecard --from DATE --to DATE [--la NAME] [--json] [--as-known-on DATETIME]
    journey report quarterly --quarter 2018-19-Q4 [--la NAME] [--json | --csv]
    journey waiting [--la NAME] [--stage S] [--json]

Each takes `journey.cli.Context` (`obj.app`, `obj.settings`) and brings the read
models up to date first, so they are right with no scheduler running.
"""

from __future__ import annotations

import csv
import datetime
import json
import sys

import click

from journey.domain import clock
from journey.domain.measures import AverageMeasure, Scorecard, parse_quarter

from projections import projector, queries, reports
from projections.store import open_read_models


def read_models(obj):
    """The read models of this data directory, caught up with the log."""
    db = open_read_models(obj.settings.read_models_path)
    projector.catch_up(obj.app, db)
    return db


def council_name(obj, la: str | None) -> str | None:
    """The council as the tracker names it (`--la` matched like everywhere else)."""
    return obj.app.council(la).name if la else None


def parse_day(value: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2019-03-31", param_hint=option) from None


def _long(day: datetime.date) -> str:
    return day.strftime("%-d %b %Y")


# ---------------------------------------------------------------------------- projections


@click.group("projections")
def projections_group():
    """The read models (stages, waiting lists, scorecard, clocks) built from the event log."""


@projections_group.command("rebuild")
@click.pass_obj
def rebuild_command(obj):
    """Empty the read models and build them again from the whole log.

    Safe to interrupt: the next command that reads them carries on."""
    db = open_read_models(obj.settings.read_models_path)
    head = obj.app.recorder.max_notification_id() or 0
    with click.progressbar(length=head, label="Rebuilding read models", file=sys.stderr) as bar:
        position = projector.rebuild(obj.app, db, progress=bar.update)
    click.echo(f"Read models rebuilt at position {position} ({obj.settings.read_models_path}).")


@projections_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def status_command(obj, as_json):
    """Where the read models stand: position in the log and how far behind it."""
    db = open_read_models(obj.settings.read_models_path)
    state = projector.status(obj.app, db)
    if as_json:
        click.echo(json.dumps({**state.__dict__, "path": str(obj.settings.read_models_path)}, indent=2))
        return
    click.echo(f"Read models: {obj.settings.read_models_path}")
    click.echo(f"Events:      {obj.settings.describe_store()}")
    click.echo(f"Position:    {state.position} of {state.head} (lag {state.lag})")
    click.echo(f"Updated at:  {state.updated_at}")
    if state.dirty_streams:
        click.echo(f"Pending:     {state.dirty_streams} household(s) to recompute at the next catch-up")


# ---------------------------------------------------------------------------- scorecard


@click.command("scorecard")
@click.option("--from", "period_from", required=True, help="First day of the period (YYYY-MM-DD), e.g. 2016-04-01.")
@click.option("--to", "period_to", required=True, help="Last day of the period (YYYY-MM-DD), e.g. 2019-03-31.")
@click.option("--la", default=None, help="One council (default: every council).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--as-known-on", default=None,
              help="Only what had been recorded by then (ISO date or time; London time unless a zone is given).")
@click.pass_obj
def scorecard(obj, period_from, period_to, la, as_json, as_known_on):
    """The national adoption measures A1, A2, A3 and A10 for the children adopted
    from --from to --to (both included), against the thresholds for the financial
    year in which the period ends."""
    first, last = parse_day(period_from, "--from"), parse_day(period_to, "--to")
    if first > last:
        raise click.BadParameter(f"the period starts ({first}) after it ends ({last})", param_hint="--from")
    council = council_name(obj, la)
    known = None
    if as_known_on:
        from journey.store.history import parse_as_known_on

        from projections.known import scorecard_as_known_on

        known = parse_as_known_on(as_known_on)
        card = scorecard_as_known_on(obj.app, known, first, last, council)
    else:
        card = queries.scorecard_from_read_models(read_models(obj), first, last, council)
    if as_json:
        click.echo(json.dumps(card.to_json_dict(council), indent=2))
        return
    print_scorecard(card, council, known)


def print_scorecard(card: Scorecard, council: str | None, known: datetime.datetime | None) -> None:
    t = card.thresholds
    heading = f"Adoption scorecard: children adopted {_long(card.period_from)} to {_long(card.period_to)}, "
    heading += council or "all councils"
    if known:
        heading += f", as known on {known.astimezone(clock.LONDON):%d %b %Y %H:%M}"
    click.echo(heading)
    if t.financial_year:
        click.echo(f"Thresholds in force from {t.financial_year} ({t.status or 'unverified'}).")
    else:
        click.echo("No thresholds for periods ending this early.")

    def average(code: str, what: str, m: AverageMeasure) -> None:
        shown = f"{m.average_days} days" if m.average_days is not None else "no children"
        threshold = f"threshold {m.threshold_days}" if m.threshold_days is not None else "no threshold"
        met = {True: "met", False: "NOT met", None: "-"}[m.met]
        click.echo(f"  {code:<4}{what:<42}{shown:>14}  {threshold:<15} {met:<8} ({m.children} children)")

    average("A1", "entered care to placed, average", card.a1)
    average("A2", "court authority to match, average", card.a2)
    a3 = card.a3
    share = f"{a3.percent}%" if a3.percent is not None else "no children"
    click.echo(f"  {'A3':<4}{'placed within 14 months of entering care':<42}{share:>14}  "
               f"{'no threshold':<15} {'-':<8} ({a3.within_14_months} of {a3.children} children)")
    average("A10", "entered care to moving in, average", card.a10)
    if card.data_quality:
        click.echo(f"Data quality ({len(card.data_quality)} children in the cohort):")
        for p in card.data_quality:
            click.echo(f"  {p.child_ref} of {p.local_authority}: {p.problem}")


# ---------------------------------------------------------------------------- report


@click.group("report")
def report_group():
    """Reports for boards and managers."""


@report_group.command("quarterly")
@click.option("--quarter", required=True, help="A financial quarter, e.g. 2018-19-Q4 (January to March 2019).")
@click.option("--la", default=None, help="One council (default: every council). Households are the agency's.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: section, figure, value.")
@click.pass_obj
def quarterly(obj, quarter, la, as_json, as_csv):
    """The quarterly performance report to an RAA board: decisions, orders, matches,
    placements, adoption orders, reversals by reason, early permanence and
    interagency placements, disruptions; children and households waiting at the
    quarter's end and for how long; A11, A12 and the adopters' stage timeliness."""
    if as_json and as_csv:
        raise click.UsageError("--json and --csv: choose one")
    try:
        first, last = parse_quarter(quarter)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--quarter") from None
    council = council_name(obj, la)
    report = reports.quarterly_report(read_models(obj), first, last, council, today=clock.today(), quarter=quarter.strip())
    if as_json:
        click.echo(json.dumps(report, indent=2))
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("section", "figure", "value"))
        writer.writerows(reports.report_rows(report))
    else:
        print_report(report)


def print_report(report: dict) -> None:
    first, last = datetime.date.fromisoformat(report["from"]), datetime.date.fromisoformat(report["to"])
    click.echo(f"Quarterly report {report['quarter']}: {_long(first)} to {_long(last)}, "
               f"{report['local_authority'] or 'all councils'}")
    c = report["children"]
    click.echo("Children: what happened in the quarter")
    for key, label in (
        ("adm_decisions", "decisions to place for adoption"), ("placement_orders", "placement orders"),
        ("matches", "matches"), ("placements", "placements"), ("adoption_orders", "adoption orders"),
        ("decisions_reversed", "decisions reversed"), ("early_permanence_placements", "early permanence placements"),
        ("interagency_placements", "interagency placements"), ("disruptions", "disruptions"),
    ):
        click.echo(f"  {label:<40}{c[key]:>6}")
    for reason, n in c["decisions_reversed_by_reason"].items():
        click.echo(f"    reversed, {reason:<30}{n:>6}")
    w = report["children_waiting"]
    click.echo(f"Children waiting on {w['on']} (decision, not placed): {w['children']}, "
               f"average {w['average_days'] if w['average_days'] is not None else '-'} days since the decision")
    for label, n in w["by_time_since_decision"].items():
        click.echo(f"  {label:<40}{n:>6}")
    for stage, n in w["by_stage"].items():
        click.echo(f"  at stage {stage:<31}{n:>6}")
    h = report["households"]
    click.echo("Adopters (the whole agency)")
    click.echo(f"  {'households approved':<40}{h['approved']:>6}")
    a11 = h["A11"]
    click.echo(f"  {'A11 approved and waiting on ' + a11['on']:<40}{a11['households_waiting']:>6}"
               f"   ({a11['waiting_over_12_months']} over 12 months)")
    a12 = h["A12"]
    click.echo(f"  {'A12 matched after waiting 3 months+':<40}{_share(a12['waited_3_months_or_more'], a12['households_matched'], a12['percent'])}")
    for key, label, months in (
        ("registration_to_approval", "registration to approval in 6 months", 6),
        ("stage1_within_2_months", "stage 1 within 2 months", 2),
        ("stage2_within_4_months", "stage 2 within 4 months", 4),
    ):
        f = h[key]
        click.echo(f"  {label:<40}{_share(f[f'within_{months}_months'], f['households'], f['percent'])}")


def _share(part: int, whole: int, pct) -> str:
    return f"{part:>6} of {whole} ({pct}%)" if whole else f"{'-':>6} (none in the quarter)"


# ---------------------------------------------------------------------------- waiting


@click.command("waiting")
@click.option("--la", default=None, help="One council (default: every council).")
@click.option("--stage", type=click.Choice(queries.LIST_STAGES), default=None,
              help="One list: decision (no order yet), authority (order, not matched), "
                   "matched (not placed), placed (not adopted). Default: decision to matched.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def waiting(obj, la, stage, as_json):
    """Children waiting, worst first, with days (by default: every child with a
    decision to place for adoption who is not yet placed, by days since the decision)."""
    council = council_name(obj, la)
    today = clock.today()
    listed = queries.waiting_children(read_models(obj), council, stage, today)
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    what = {None: "with a decision, not yet placed", "decision": "with a decision but no placement order",
            "authority": "with a placement order, not matched", "matched": "matched, not placed",
            "placed": "placed, not adopted"}[stage]
    counted = {"decision_on": "since the decision", "order_on": "since the order",
               "matched_on": "since the match", "placed_on": "since the placement"}
    click.echo(f"Children {what} on {_long(today)}, {council or 'all councils'}: {len(listed)}")
    for e in listed:
        days = "-" if e["days"] is None else e["days"]
        groups = f"  [{', '.join(e['harder_to_place'])}]" if e["harder_to_place"] else ""
        click.echo(f"  {days:>6} days {counted[e['days_from']]:<20} {e['child_ref']} of {e['local_authority']}"
                   f"  stage {e['stage']}{groups}")
