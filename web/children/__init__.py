"""The children: those waiting (by stage, with days waiting, siblings together,
the harder-to-place groups; a page at a time, or all as CSV), finding a child by
council and reference, and a child's page (its key facts and siblings, a chart of
its journey against the timescales, its history as a timeline with its alerts'
own events, and its open alerts to assign and acknowledge).

A child of a council the user does not see is not found: the find page says
nothing exists, and the child's page is a 404."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from journey.domain.words import milestone_words
from journey.service import CLOSED, WAITING_GROUPS, WAITING_LISTS, WAITING_SORTS, ChildNotFound, UnknownCouncil
from web import pages
from web.access import requires, tracker, within
from web.alerts import people_for
from web.children import chart as journey_chart

blueprint = Blueprint("children", __name__, template_folder="templates", url_prefix="/children")

SORT_WORDS = {"days": "Longest waiting first", "reference": "Council and reference", "council": "Council, then longest waiting"}
CSV_COLUMNS = (
    "local_authority", "child_ref", "stage", "days", "days_from", "days_waiting", "decision_on", "order_on",
    "matched_on", "placed_on", "sibling_group", "harder_to_place",
)


def _filters() -> dict:
    args = request.args
    councils = {c["name"] for c in pages.visible_councils()}
    return {
        "la": args.get("la") if args.get("la") in councils else "",
        "list": args.get("list") if args.get("list") in WAITING_LISTS else "",
        "group": args.get("group") if args.get("group") in WAITING_GROUPS else "",
        "sort": args.get("sort") if args.get("sort") in WAITING_SORTS else "days",
    }


def _waiting(filters: dict, page: int, per_page: int) -> dict:
    return tracker().waiting_page(within=within(), la=filters["la"] or None, stage=filters["list"] or None,
                                  group=filters["group"] or None, sort=filters["sort"], page=page, per_page=per_page)


@blueprint.route("/waiting")
@requires("view_children")
def waiting():
    filters = _filters()
    found = _waiting(filters, pages.page_number(), pages.PER_PAGE)
    if found["page"] > found["pages"]:
        return redirect(url_for("children.waiting", **{k: v for k, v in filters.items() if v}, page=found["pages"]))
    first = (found["page"] - 1) * found["per_page"] + 1 if found["children"] else 0
    # How many are on each list, as filtered but for the stage: the list "by stage".
    counts = tracker().waiting_counts(within=within(), la=filters["la"] or None, group=filters["group"] or None)
    by_stage = [
        {"list": name, "text": pages.LIST_WORDS[name], "count": counts[name],
         "href": url_for("children.waiting", **{k: v for k, v in {**filters, "list": name}.items() if v}),
         "current": (filters["list"] or None) == name}
        for name in (None, *WAITING_LISTS)
    ]
    return render_template(
        "children/waiting.html", title="Children waiting", found=found, filters=filters, first=first,
        council_options=[(c["name"], c["name"]) for c in pages.visible_councils()],
        list_options=[(name, pages.LIST_WORDS[name]) for name in WAITING_LISTS],
        group_options=[(name, pages.GROUP_WORDS[name]) for name in WAITING_GROUPS],
        sort_options=[(name, SORT_WORDS[name]) for name in WAITING_SORTS],
        pagination=pages.pagination(found["page"], found["pages"], found["total"], found["per_page"], **filters),
        csv_url=url_for("children.waiting_csv", **{k: v for k, v in filters.items() if v}),
        list_title=pages.LIST_WORDS[filters["list"] or None], by_stage=by_stage,
    )


@blueprint.route("/waiting.csv")
@requires("view_children")
def waiting_csv():
    """Every child of the list as filtered (all its pages), as CSV."""
    filters = _filters()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    page = 1
    while True:
        found = _waiting(filters, page, 5000)
        for child in found["children"]:
            row = {**child, "harder_to_place": " ".join(child["harder_to_place"])}
            writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
        if page >= found["pages"]:
            break
        page += 1
    name = "children-waiting" + "".join(f"-{v}" for k, v in filters.items() if v and k != "sort") + f"-{found['on']}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_safe_name(name)}"'})


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in name.lower())


@blueprint.route("/find")
@requires("view_children")
def find():
    la = request.args.get("la", "").strip()
    ref = request.args.get("ref", "").strip()
    councils = pages.visible_councils()
    if len(councils) == 1 and not la:
        la = councils[0]["name"]
    errors, not_found = {}, None
    if "ref" in request.args:
        if not la:
            errors["la"] = "Choose the child's council"
        if not ref:
            errors["ref"] = "Enter the child's reference"
        if not errors:
            try:
                child = tracker().find_child(la, ref, within=within())
            except (ChildNotFound, UnknownCouncil):
                not_found = f"There is no child {ref} of {la} that you can see. Check the reference and the council."
            else:
                return redirect(pages.child_url(child["local_authority"], child["child_ref"]))
    status = 400 if errors else (404 if not_found else 200)
    return render_template("children/find.html", title="Find a child", la=la, ref=ref, errors=errors,
                           not_found=not_found, council_options=[(c["name"], c["name"]) for c in councils]), status


@blueprint.route("/<council>/<path:child_ref>")
@requires("view_children")
def child(council: str, child_ref: str):
    pages.wait_for_change()
    shown = tracker().child_page(council, child_ref, within=within(), viewer=pages.viewer())
    summary, rules, child_alerts = shown["summary"], shown["rules"], shown["alerts"]
    la, ref = summary["local_authority"], summary["child_ref"]
    open_alerts = [a for a in child_alerts if a["status"] != CLOSED]
    return render_template(
        "children/child.html", title=f"Child {ref}", child=summary, record=shown["record"], rules=rules,
        siblings=shown["siblings"], chart=shown["chart"], drawing=journey_chart.layout(shown["chart"]),
        timeline=pages.timeline(shown["history"]["entries"], child_alerts, rules), open_alerts=open_alerts,
        people=_people_for_each(open_alerts), milestone_words=milestone_words, user=g.user,
        here=pages.child_url(la, ref),
    )


def _people_for_each(open_alerts: list[dict]) -> dict[str, list[str]]:
    """Who each open alert can be given to, from one listing of the accounts."""
    if not open_alerts:
        return {}
    accounts = tracker().users()
    return {a["id"]: people_for(a, accounts) for a in open_alerts}
