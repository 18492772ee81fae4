"""The page after signing in: where to go next, by what the user's role does."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from web.access import may, requires, tracker, within

blueprint = Blueprint("home", __name__, template_folder="templates")


@blueprint.route("/")
@requires("signed_in")
def home():
    mine = everyone = None
    if may("view_children"):
        open_alerts = [a for a in tracker().alerts(within=within()) if a["status"] != "closed"]
        everyone = {
            "open": len(open_alerts),
            "breaches": sum(1 for a in open_alerts if a["level"] == "breach"),
            "unassigned": sum(1 for a in open_alerts if not a["owner"]),
        }
        mine = sum(1 for a in open_alerts if a["owner"] == g.user["username"])
    return render_template("home/home.html", title="Home", mine=mine, everyone=everyone)
