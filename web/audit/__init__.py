"""The view log, for auditors and admins: who read which child's history, when,
and how (from the web or the command line). Reading it is not itself logged.
A user tied to councils reads only the viewings of their councils' children
and scorecards (the service leaves the others out)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from web import pages
from web.access import requires, tracker, within

blueprint = Blueprint("audit", __name__, template_folder="templates", url_prefix="/view-log")


@blueprint.route("")
@requires("read_view_log")
def view_log():
    filters = {
        "ref": request.args.get("ref", "").strip()[:64],
        "by": request.args.get("by", "").strip()[:64],
    }
    page = pages.page_number()
    found = tracker().view_log(child_ref=filters["ref"] or None, by=filters["by"] or None, within=within(),
                               limit=pages.PER_PAGE, offset=(page - 1) * pages.PER_PAGE)
    count = pages.page_count(found["total"])
    return render_template(
        "audit/view_log.html", title="View log", entries=found["entries"], total=found["total"], filters=filters,
        pagination=pages.pagination(page, count, found["total"], pages.PER_PAGE, **filters),
        first=(page - 1) * pages.PER_PAGE + 1 if found["entries"] else 0,
    )
