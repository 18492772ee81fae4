"""What many pages share: words for the service's values, links to a child,
pages of a long list, and waiting for a change to reach the read models."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, current_app, g, request, url_for
from markupsafe import Markup, escape

from journey.domain.words import SEX, STAGE_WORDS, attribute_words, counted, milestone_words

LIST_WORDS = {
    None: "Waiting (decision made, not yet placed)",
    "decision": "Decision made, no placement order",
    "authority": "Placement order, not yet matched",
    "matched": "Matched, not yet placed",
    "placed": "Placed, not yet adopted",
}
DAYS_FROM_WORDS = {
    "decision_on": "since the adoption decision",
    "order_on": "since the placement order",
    "matched_on": "since the match",
    "placed_on": "since the placement",
}
GROUP_WORDS = {
    "sibling_group": "In a sibling group",
    "bame": "Black, Asian or minority ethnic",
    "disabled": "Disabled",
    "aged_5_plus": "Aged 5 or over at the decision",
    "waiting_18_months_plus": "In care 18 months or more",
}
LEVEL_TAGS = {"breach": ("Breach", "govuk-tag--red"), "warning": ("Warning", "govuk-tag--yellow")}
STATUS_TAGS = {
    "open": ("Open", "govuk-tag--blue"),
    "acknowledged": ("Acknowledged", "govuk-tag--grey"),
    "closed": ("Closed", "govuk-tag--green"),
}
PER_PAGE = 50


def day(value: str | datetime.date | None) -> str:
    """A date as people write it: 1 Dec 2026."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    return f"{value.day} {value:%b %Y}"


def moment(value: str | None) -> str:
    """A recorded time, in England's time: 1 Dec 2026 at 14:05."""
    if not value:
        return ""
    from journey.domain.clock import LONDON

    when = datetime.datetime.fromisoformat(value).astimezone(LONDON)
    return f"{when.day} {when:%b %Y} at {when:%H:%M}"


def council_slug(name: str | None) -> str:
    """How a council appears in a link: its DfE code when the agency file gives one."""
    slugs = g.get("_council_slugs")
    if slugs is None:
        slugs = g._council_slugs = {}
        for council in councils():
            slugs.setdefault(council["name"], council["code"] or council["name"])
    return slugs.get(name, name or "")


def councils() -> list[dict]:
    cached = g.get("_councils")
    if cached is None:
        cached = g._councils = current_app.extensions["journey.tracker"].councils()
    return cached


def visible_councils() -> list[dict]:
    """The agency's councils the signed-in user sees."""
    user = g.get("user")
    mine = set(user["councils"]) if user and user["councils"] else None
    return [c for c in councils() if mine is None or c["name"] in mine]


# What the router leaves unquoted in a path segment (werkzeug's converters' `to_url`).
SEGMENT_SAFE = "!$&'()*+,/:;=@"


# And what it leaves unquoted in a query string's values.
QUERY_SAFE = "!$'()*,/:;?@"


def path(endpoint: str, query: dict | None = None, **values: str | int) -> str:
    """`url_for(endpoint, **values, **query)` for a route whose `values` all go in
    its path (strings, and numbers as they are written), and `query` in its query
    string (a None left out, as url_for leaves it). The route is built once a
    request with stand-ins for the values, which each link then fills in, quoted
    as the router quotes them: the same link, without the router's work for each
    row of a long list."""
    if query:
        kept = [(name, value) for name, value in query.items() if value is not None]
        base = path(endpoint, **values)
        return f"{base}?{urlencode(kept, safe=QUERY_SAFE)}" if kept else base
    patterns = g.get("_paths")
    if patterns is None:
        patterns = g._paths = {}
    key = (endpoint, *values)
    pattern = patterns.get(key)
    if pattern is None:
        marks = {name: str(7_300_000_001 + n * 1_000_003) for n, name in enumerate(values)}
        pattern = url_for(endpoint, **marks).replace("{", "{{").replace("}", "}}")
        for name, mark in marks.items():
            if pattern.count(mark) != 1:
                raise ValueError(f"{endpoint}: {name} is not one segment of its path")
            pattern = pattern.replace(mark, "{" + name + "}")
        patterns[key] = pattern
    return pattern.format(**{name: _segment(value) for name, value in values.items()})


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def _segment(value: str | int) -> str:
    """A value as the router quotes it in a path segment (most need no quoting)."""
    text = str(value)
    return text if _PLAIN.fullmatch(text) else quote(text, safe=SEGMENT_SAFE)


def child_url(local_authority: str, child_ref: str) -> str:
    return path("children.child", council=council_slug(local_authority), child_ref=child_ref)


# Small pieces many pages show in every row of a list: plain functions (a
# template's macro costs many times more to call), the same markup.

def _tag(text: str, classes: str) -> Markup:
    return Markup(f'<strong class="govuk-tag {escape(classes)}">{escape(text)}</strong>')


LEVEL_TAG_HTML = {level: _tag(text, classes) for level, (text, classes) in LEVEL_TAGS.items()}
STATUS_TAG_HTML = {status: _tag(text, classes) for status, (text, classes) in STATUS_TAGS.items()}


def level_tag(level: str) -> Markup:
    return LEVEL_TAG_HTML.get(level) or _tag(level, "govuk-tag--grey")


def status_tag(status: str) -> Markup:
    return STATUS_TAG_HTML.get(status) or _tag(status, "govuk-tag--grey")


def subject_link(alert: dict) -> Markup:
    """A link to the child or household an alert is about."""
    if alert.get("child_ref"):
        href, text = child_url(alert["local_authority"], alert["child_ref"]), escape(alert["child_ref"])
    else:
        href, text = path("households.household", household_ref=alert["household"]), f"Household {escape(alert['household'])}"
    return Markup(f'<a class="govuk-link" href="{escape(href)}">{text}</a>')


def met_tag(met: bool | None) -> Markup:
    """Whether a scorecard measure met its threshold, in words (never colour alone)."""
    if met is None:
        return Markup('<strong class="govuk-tag govuk-tag--grey">Not measured</strong>')
    if met:
        return Markup('<strong class="govuk-tag govuk-tag--green">Met</strong>')
    return Markup('<strong class="govuk-tag govuk-tag--red">Not met</strong>')


def page_number(name: str = "page") -> int:
    try:
        number = int(request.args.get(name, "1"))
    except ValueError:
        return 1
    return max(1, number)


def pagination(page: int, pages: int, total: int, per_page: int, *, param: str = "page", anchor: str = "",
               label: str = "the list", **args: Any) -> dict | None:
    """The parameters of GOV.UK's pagination component for a list of `pages`,
    each link keeping the list's filters (`args`); None for a single page. A page
    with several lists pages each by its own `param`, its links going to the
    list (`anchor`, the id of its heading)."""
    if pages <= 1:
        return None

    def link(number: int) -> str:
        kept = {k: v for k, v in args.items() if v not in (None, "")}
        return f"{request.path}?{urlencode({**kept, param: number})}" + (f"#{anchor}" if anchor else "")

    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    items, last = [], 0
    for number in shown:
        if number - last > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": link(number), "current": number == page})
        last = number
    first_shown = (page - 1) * per_page + 1
    return {
        "items": items,
        "previous": {"href": link(page - 1)} if page > 1 else None,
        "next": {"href": link(page + 1)} if page < pages else None,
        "landmarkLabel": f"Pages of {label}: {first_shown} to {min(total, page * per_page)} of {total} shown",
    }


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    return max(1, math.ceil(total / per_page))


def wait_for_change() -> bool:
    """On a page that follows a change (`?after=POSITION`, the position the
    service said it wrote), wait for the read models to include it. False (and
    `g.stale` set, which the layout says in a warning) when they did not within
    PAGE_WAIT_SECONDS: the page is then not passed off as current."""
    after = request.args.get("after", "")
    if not after.isdigit():
        return True
    tracker = current_app.extensions["journey.tracker"]
    caught_up = tracker.wait_for(int(after), timeout=float(current_app.config["PAGE_WAIT_SECONDS"]))
    g.stale = not caught_up
    return caught_up


def pair(value: str) -> tuple[str, str]:
    return (value, value)


def error_link(error: tuple[str, str]) -> dict:
    """An error of a form, for the error summary: its message, linked to its field."""
    field, message = error
    return {"text": message, "href": f"#{field}"}


def person_option(name: str, current: str | None) -> dict:
    return {"value": name, "text": name, "selected": name == current}


def viewer() -> dict:
    """The signed-in user as the service's view log names a viewer."""
    return {"username": g.user["username"], "role": g.user["role"], "via": "web"}


ALERT_CHANGE_WORDS = {
    "raised": "Alert raised", "escalated": "Alert escalated to breach", "acknowledged": "Alert acknowledged",
    "returned_for_review": "Alert back for review", "closed": "Alert closed", "reopened": "Alert reopened",
    "assigned": "Alert assigned", "rescheduled": "Alert's due date corrected",
}


def details_words(details: dict) -> str:
    shown = {k: v for k, v in (details or {}).items() if k not in ("child_id", "child_event_id")}
    return ", ".join(f"{k.replace('_', ' ')}: {'yes' if v is True else 'no' if v is False else v}" for k, v in shown.items())


def timeline(entries: list[dict], alerts: list[dict], rules: dict) -> list[dict]:
    """A child's history and its alerts' events as the items of a timeline, newest
    first: what happened in plain English, when it happened, who recorded it and
    when; each correction and withdrawal shown on the milestone it changes too."""
    changes: dict[int, list[dict]] = {}
    for entry in entries:
        if entry["type"] in ("correction", "withdrawal"):
            changes.setdefault(entry["corrects"]["event_id"], []).append(entry)
    items = []
    for entry in entries:
        kind = entry["type"]
        item = {"id": f"event-{entry['event_id']}", "recorded_at": entry["recorded_at"], "by": entry["recorded_by"],
                "happened_on": entry.get("occurred_on"), "lines": [], "changes": [], "link": None, "tag": None,
                "note": entry.get("note")}
        if kind == "milestone":
            item["title"] = milestone_words(entry["milestone"]).capitalize()
            if details_words(entry["details"]):
                item["lines"].append(f"Details: {details_words(entry['details'])}.")
            for change in changes.get(entry["event_id"], []):
                when = f"{moment(change['recorded_at'])} by {change['recorded_by']}"
                if change["type"] == "correction":
                    more = f" ({details_words(change['details'])})" if details_words(change["details"]) else ""
                    words = f"Corrected on {when}: now {day(change['occurred_on'])}{more}. Reason: {change['reason']}"
                    item["tag"] = item["tag"] or ("Corrected", "govuk-tag--yellow")
                else:
                    words = f"Withdrawn on {when}. Reason: {change['reason']}"
                    item["tag"] = ("Withdrawn", "govuk-tag--grey")
                item["changes"].append({"text": words, "href": f"#event-{change['event_id']}"})
        elif kind == "correction":
            c = entry["corrects"]
            item["title"] = f"Correction of {milestone_words(c['milestone'])}"
            item["happened_on"] = None
            more = f" ({details_words(entry['details'])})" if details_words(entry["details"]) else ""
            item["lines"].append(f"It was dated {day(c['occurred_on'])}; now {day(entry['occurred_on'])}{more}.")
            item["lines"].append(f"Reason: {entry['reason']}")
            item["link"] = {"href": f"#event-{c['event_id']}", "text": "The milestone it corrects"}
        elif kind == "withdrawal":
            c = entry["corrects"]
            item["title"] = f"Withdrawal of {milestone_words(c['milestone'])}"
            item["happened_on"] = None
            item["lines"].append(f"The milestone of {day(c['occurred_on'])} was recorded in error.")
            item["lines"].append(f"Reason: {entry['reason']}")
            item["link"] = {"href": f"#event-{c['event_id']}", "text": "The milestone it withdraws"}
        else:
            item["title"] = "Child registered" if entry.get("change") == "registered" else "Details amended"
            item["happened_on"] = None
            attributes = entry.get("attributes") or {}
            item["lines"].append("; ".join(attribute_words(k, v) for k, v in attributes.items()).capitalize() or "No details.")
        items.append(item)
    for alert in alerts:
        title = rules.get(alert["rule"], alert["rule"])
        for event in alert["history"]:
            items.append({
                "id": f"alert-{alert['id']}-{event['version']}", "recorded_at": event["recorded_at"], "by": event["by"],
                "happened_on": event["effective_on"], "title": f"{ALERT_CHANGE_WORDS.get(event['change'], 'Alert')}: {title}",
                "lines": [event["sentence"]], "changes": [], "tag": None, "note": None,
                "link": {"href": path("alerts.alert", alert_id=alert["id"]), "text": "The alert"},
            })
    items.sort(key=lambda item: item["recorded_at"], reverse=True)
    return items


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(day=day, moment=moment, pair=pair, error_link=error_link, person_option=person_option)
    app.jinja_env.globals.update(
        STAGE_WORDS=STAGE_WORDS, LIST_WORDS=LIST_WORDS, GROUP_WORDS=GROUP_WORDS, DAYS_FROM_WORDS=DAYS_FROM_WORDS,
        LEVEL_TAGS=LEVEL_TAGS, STATUS_TAGS=STATUS_TAGS, child_url=child_url, counted=counted, SEX_WORDS=SEX,
        milestone_words=milestone_words, level_tag=level_tag, status_tag=status_tag, subject_link=subject_link,
        met_tag=met_tag, path=path,
    )
