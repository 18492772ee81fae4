"""The page after signing in. For those who see children, the dashboard: the
scorecard of the chosen financial year and council against its thresholds, the
trend of A2 and A10 over six financial years (a chart drawn on the server, and
the same figures in a table), children by stage, open breaches by council and
rule, and the user's own open alerts. Every figure is the service's; a user
tied to councils chooses among their own. Otherwise, where to go next by role."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from web import pages
from web.access import may, requires, tracker, within
from web.home.chart import chart_svg, trend_chart

blueprint = Blueprint("home", __name__, template_folder="templates")

MEASURES = ("A1", "A2", "A3", "A10")
MEASURE_WORDS = {
    "A1": "Average days from entering care to being placed for adoption",
    "A2": "Average days from the court's authority to place to the match",
    "A3": "Children placed within 14 months of entering care",
    "A10": "Average days from entering care to moving in with the adopters",
}


def _choices() -> dict:
    """The period and council asked for, kept to those offered."""
    years = tracker().financial_years()
    councils = pages.visible_councils()
    scoped = within() is not None
    names = [c["name"] for c in councils]
    la = request.args.get("la", "")
    if la not in names:
        la = names[0] if scoped and names else ""
    year = next((y for y in years if y["financial_year"] == request.args.get("year")), years[0])
    return {"years": years, "year": year, "la": la, "councils": names, "scoped": scoped}


@blueprint.route("/")
@requires("signed_in")
def home():
    if not may("view_children"):
        return render_template("home/home.html", title="Home")
    chosen = _choices()
    service = tracker()
    la = chosen["la"] or None
    shown = service.dashboard(chosen["year"]["from"], chosen["year"]["to"], la=la, within=within(),
                              owner=g.user["username"])
    card, trend, stages, breaches, mine = (shown[k] for k in ("scorecard", "trend", "stages", "breaches", "my_alerts"))
    columns = sorted({b["local_authority"] for b in breaches if b["local_authority"]})
    if any(b["local_authority"] is None for b in breaches):
        columns.append(None)
    by_rule: dict[str, dict] = {}
    for b in breaches:
        by_rule.setdefault(b["rule"], {})[b["local_authority"]] = b["alerts"]
    rules = {r["id"]: r["title"] for r in service.alert_rules()}
    return render_template(
        "home/dashboard.html", title="Dashboard", card=card, trend=trend, stages=stages, breaches=breaches,
        breach_columns=columns, breach_rows=by_rule,
        mine=mine, rules=rules, chosen=chosen, measures=MEASURES, measure_words=MEASURE_WORDS,
        charts=[trend_chart(trend, "A2"), trend_chart(trend, "A10")], chart_svg=chart_svg,
        council_words=chosen["la"] or ("every council you see" if chosen["scoped"] else "every council of the agency"),
    )
