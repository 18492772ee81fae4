"""`journey scorecard | report quarterly | waiting | stages`: the figures, from the read models.

Each asks the service, which brings the read models up to date first, so the
figures are right with no scheduler running.
"""

from __future__ import annotations

import csv
import datetime
import json
import sys

import click

from journey.cli.common import long_date, pass_context
from journey.domain import clock
from journey.service import REVERSAL_REASONS, WAITING_LISTS, InvalidValue, report_rows


def parse_day(value: str, option: str) -> str:
    try:
        return datetime.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2019-03-31", param_hint=option) from None


# ---------------------------------------------------------------------------- scorecard


@click.command("scorecard")
@click.option("--from", "period_from", required=True, help="First day of the period (YYYY-MM-DD), e.g. 2016-04-01.")
@click.option("--to", "period_to", required=True, help="Last day of the period (YYYY-MM-DD), e.g. 2019-03-31.")
@click.option("--la", default=None, help="One council (default: every council).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--as-known-on", default=None,
              help="Only what had been recorded by then (ISO date or time; London time unless a zone is given).")
@pass_context
def scorecard(obj, period_from, period_to, la, as_json, as_known_on):
    """The national adoption measures A1, A2, A3 and A10 for the children adopted
    from --from to --to (both included), against the thresholds for the financial
    year in which the period ends."""
    first, last = parse_day(period_from, "--from"), parse_day(period_to, "--to")
    if first > last:
        raise click.BadParameter(f"the period starts ({first}) after it ends ({last})", param_hint="--from")
    card = obj.tracker.scorecard(first, last, la=la, as_known_on=as_known_on)
    if as_json:
        click.echo(json.dumps({k: v for k, v in card.items() if k not in ("thresholds", "as_known_on")}, indent=2))
        return
    print_scorecard(card)


def print_scorecard(card: dict) -> None:
    t = card["thresholds"]
    heading = f"Adoption scorecard: children adopted {long_date(card['from'])} to {long_date(card['to'])}, "
    heading += card["local_authority"] or "all councils"
    if card["as_known_on"]:
        known = datetime.datetime.fromisoformat(card["as_known_on"])
        heading += f", as known on {known.astimezone(clock.LONDON):%d %b %Y %H:%M}"
    click.echo(heading)
    if t["financial_year"]:
        click.echo(f"Thresholds in force from {t['financial_year']} ({t['status'] or 'unverified'}).")
    else:
        click.echo("No thresholds for periods ending this early.")

    def average(code: str, what: str, m: dict) -> None:
        shown = f"{m['average_days']} days" if m["average_days"] is not None else "no children"
        threshold = f"threshold {m['threshold_days']}" if m["threshold_days"] is not None else "no threshold"
        met = {True: "met", False: "NOT met", None: "-"}[m["met"]]
        click.echo(f"  {code:<4}{what:<42}{shown:>14}  {threshold:<15} {met:<8} ({m['children']} children)")

    average("A1", "entered care to placed, average", card["A1"])
    average("A2", "court authority to match, average", card["A2"])
    a3 = card["A3"]
    share = f"{a3['percent']}%" if a3["percent"] is not None else "no children"
    click.echo(f"  {'A3':<4}{'placed within 14 months of entering care':<42}{share:>14}  "
               f"{'no threshold':<15} {'-':<8} ({a3['within_14_months']} of {a3['children']} children)")
    average("A10", "entered care to moving in, average", card["A10"])
    if card["data_quality"]:
        click.echo(f"Data quality ({len(card['data_quality'])} children in the cohort):")
        for p in card["data_quality"]:
            click.echo(f"  {p['child_ref']} of {p['local_authority']}: {p['problem']}")


# ---------------------------------------------------------------------------- report


@click.group("report")
def report_group():
    """Reports for boards and managers."""


@report_group.command("quarterly")
@click.option("--quarter", required=True, help="A financial quarter, e.g. 2018-19-Q4 (January to March 2019).")
@click.option("--la", default=None, help="One council (default: every council). Households are the agency's.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: section, figure, value.")
@pass_context
def quarterly(obj, quarter, la, as_json, as_csv):
    """The quarterly performance report to an RAA board: decisions, orders, matches,
    placements, adoption orders, reversals by reason, early permanence and
    interagency placements, disruptions; children and households waiting at the
    quarter's end and for how long; A11, A12 and the adopters' stage timeliness."""
    if as_json and as_csv:
        raise click.UsageError("--json and --csv: choose one")
    try:
        report = obj.tracker.quarterly_report(quarter, la=la)
    except InvalidValue as error:
        if error.field != "quarter":
            raise
        raise click.BadParameter(error.message, param_hint="--quarter") from None
    if as_json:
        click.echo(json.dumps(report, indent=2))
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("section", "figure", "value"))
        writer.writerows(report_rows(report))
    else:
        print_report(report)


def print_report(report: dict) -> None:
    click.echo(f"Quarterly report {report['quarter']}: {long_date(report['from'])} to {long_date(report['to'])}, "
               f"{report['local_authority'] or 'all councils'}")
    c = report["children"]
    click.echo("Children: what happened in the quarter")
    for key, label in (
        ("adm_decisions", "decisions to place for adoption"), ("placement_orders", "placement orders"),
        ("matches", "matches"), ("placements", "placements"), ("adoption_orders", "adoption orders"),
        ("early_permanence_placements", "early permanence placements"),
        ("interagency_placements", "interagency placements"), ("disruptions", "disruptions"),
    ):
        click.echo(f"  {label:<40}{c[key]:>6}")
    click.echo(f"Decisions reversed in the quarter: {c['decisions_reversed']}")
    for reason, n in c["decisions_reversed_by_reason"].items():
        click.echo(f"  {reason} {REVERSAL_REASONS.get(reason, ''):<36}{n:>6}")
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


# ---------------------------------------------------------------------------- waiting and stages


@click.command("waiting")
@click.option("--la", default=None, help="One council (default: every council).")
@click.option("--stage", type=click.Choice(WAITING_LISTS), default=None,
              help="One list: decision (no order yet), authority (order, not matched), "
                   "matched (not placed), placed (not adopted). Default: decision to matched.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def waiting(obj, la, stage, as_json):
    """Children waiting, worst first, with days (by default: every child with a
    decision to place for adoption who is not yet placed, by days since the decision)."""
    tracker = obj.tracker
    listed = tracker.waiting(la=la, stage=stage)
    if as_json:
        click.echo(json.dumps(listed, indent=2))
        return
    what = {None: "with a decision, not yet placed", "decision": "with a decision but no placement order",
            "authority": "with a placement order, not matched", "matched": "matched, not placed",
            "placed": "placed, not adopted"}[stage]
    counted = {"decision_on": "since the decision", "order_on": "since the order",
               "matched_on": "since the match", "placed_on": "since the placement"}
    click.echo(f"Children {what} on {clock.today():%-d %b %Y}, {tracker.council_name(la) or 'all councils'}: {len(listed)}")
    for e in listed:
        days = "-" if e["days"] is None else e["days"]
        groups = f"  [{', '.join(e['harder_to_place'])}]" if e["harder_to_place"] else ""
        click.echo(f"  {days:>6} days {counted[e['days_from']]:<20} {e['child_ref']} of {e['local_authority']}"
                   f"  stage {e['stage']}{groups}")


@click.command()
@click.option("--la", default=None, help="One council (default: every council).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def stages(obj, la, as_json):
    """How many children are at each stage today."""
    found = obj.tracker.stages(la=la)
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    print_stages(obj, found)


def print_stages(obj, found: dict) -> None:
    click.echo(f"Children by stage on {long_date(found['on'])} ({obj.tracker.describe_store()}):")
    for stage, n in found["stages"].items():
        click.echo(f"  {stage:<10} {n:>5}")


COMMANDS = (scorecard, report_group, waiting, stages)
