"""The rows of the long lists, as plain HTML: an alert of the alerts page, a
child of the waiting list, an item of a child's timeline, a household's
children, milestones and history, and the dashboard's open breaches and trend;
and the pages of a list (GOV.UK's pagination).

A page's template keeps its layout and calls these for each row: a row in the
template costs many times more (each value looked up, escaped and joined by
the template engine, each call through it), and these lists are what most of
their pages' time went on. Each gives exactly the markup its template's loop
gave (classes, attributes, hidden text for screen readers, whitespace), every
value escaped."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape

from journey.domain.words import STAGE_WORDS, counted, milestone_words
from web.pages import (
    DAYS_FROM_WORDS, GROUP_WORDS, child_url, day, level_tag, met_tag, moment, path, status_tag, subject_link,
)


def alert_row(alert: dict, rule_titles: dict[str, str]) -> Markup:
    """A row of the alerts page's table."""
    aid = alert["id"]
    title = rule_titles.get(alert["rule"], alert["rule"])
    return Markup(
        '<tr class="govuk-table__row">\n'
        f'          <td class="govuk-table__cell app-nowrap">{subject_link(alert)}</td>\n'
        f'          <td class="govuk-table__cell">{escape(alert["local_authority"] or "")}</td>\n'
        f'          <td class="govuk-table__cell"><a class="govuk-link" href="{escape(path("alerts.alert", alert_id=aid))}">'
        f'{escape(title)}<span class="govuk-visually-hidden"> (alert {escape(aid[:8])})</span></a></td>\n'
        f'          <td class="govuk-table__cell" data-sort-value="{0 if alert["level"] == "breach" else 1}">{level_tag(alert["level"])}</td>\n'
        f'          <td class="govuk-table__cell" data-sort-value="{escape(alert["due_on"])}">{escape(day(alert["due_on"]))}</td>\n'
        f'          <td class="govuk-table__cell">{escape(alert["owner"] or "Nobody")}</td>\n'
        f'          <td class="govuk-table__cell">{status_tag(alert["status"])}</td>\n'
        '        </tr>'
    )


def waiting_row(child: dict) -> Markup:
    """A row of the waiting list's table."""
    days = child["days"]
    groups = "".join(f'<strong class="govuk-tag govuk-tag--grey app-group-tag">{escape(GROUP_WORDS.get(g, g))}</strong> '
                     for g in child["harder_to_place"])
    return Markup(
        f'<tr class="govuk-table__row{" app-sibling-row" if child["sibling_group"] else ""}">\n'
        f'          <td class="govuk-table__cell app-nowrap"><a class="govuk-link" href="{escape(child_url(child["local_authority"], child["child_ref"]))}">'
        f'{escape(child["child_ref"])}</a></td>\n'
        f'          <td class="govuk-table__cell">{escape(child["local_authority"])}</td>\n'
        f'          <td class="govuk-table__cell">{escape(STAGE_WORDS.get(child["stage"], child["stage"]))}</td>\n'
        f'          <td class="govuk-table__cell govuk-table__cell--numeric" data-sort-value="{escape(days if days is not None else -1)}">'
        f'{escape(days if days is not None else "")}<span class="govuk-visually-hidden"> days {escape(DAYS_FROM_WORDS.get(child["days_from"], ""))}</span></td>\n'
        f'          <td class="govuk-table__cell">{escape(child["sibling_group"] or "")}</td>\n'
        '          <td class="govuk-table__cell">\n'
        f'            {groups}\n'
        '          </td>\n'
        '        </tr>'
    )


def timeline_item(item: dict) -> Markup:
    """An item of a child's timeline (`web.pages.timeline`)."""
    tag = f' <strong class="govuk-tag {escape(item["tag"][1])}">{escape(item["tag"][0])}</strong>' if item["tag"] else ""
    happened = item["happened_on"]
    when = (f'Happened <time datetime="{escape(happened)}">{escape(day(happened))}</time>; recorded' if happened
            else "Recorded")
    lines = "".join(f'<p class="govuk-body">{escape(line)}</p>' for line in item["lines"])
    note = f'<p class="govuk-body">Note: {escape(item["note"])}</p>' if item["note"] else ""
    changes = ""
    if item["changes"]:
        listed = "".join(f'<li>{escape(c["text"])} (<a class="govuk-link" href="{escape(c["href"])}">see it</a>)</li>'
                         for c in item["changes"])
        changes = f'\n      <ul class="govuk-list app-timeline-changes">\n        {listed}\n      </ul>\n      '
    link = (f'<p class="govuk-body"><a class="govuk-link" href="{escape(item["link"]["href"])}">{escape(item["link"]["text"])}</a></p>'
            if item["link"] else "")
    return Markup(
        f'<div class="moj-timeline__item" id="{escape(item["id"])}">\n'
        '    <div class="moj-timeline__header">\n'
        f'      <h3 class="moj-timeline__title">{escape(item["title"])}{tag}</h3>\n'
        f'      <p class="moj-timeline__byline">recorded by {escape(item["by"])}</p>\n'
        '    </div>\n'
        '    <p class="moj-timeline__date">\n'
        f'      {when}\n'
        f'      <time datetime="{escape(item["recorded_at"])}">{escape(moment(item["recorded_at"]))}</time>\n'
        '    </p>\n'
        '    <div class="moj-timeline__description">\n'
        f'      {lines}\n'
        f'      {note}\n'
        f'      {changes}\n'
        f'      {link}\n'
        '    </div>\n'
        '  </div>'
    )


def household_child_row(child: dict) -> Markup:
    """A row of a household's children."""
    return Markup(
        '<tr class="govuk-table__row">\n'
        f'      <td class="govuk-table__cell"><a class="govuk-link" href="{escape(child_url(child["local_authority"], child["child_ref"]))}">'
        f'{escape(child["child_ref"])}</a></td>\n'
        f'      <td class="govuk-table__cell">{escape(child["local_authority"])}</td>\n'
        f'      <td class="govuk-table__cell">{escape(day(child["matched_on"]))}</td>\n'
        f'      <td class="govuk-table__cell">{escape(day(child["placed_on"]))}</td>\n'
        f'      <td class="govuk-table__cell">{escape(day(child["adoption_order_on"]))}</td>\n'
        '    </tr>'
    )


def household_milestone_row(household_ref: str, m: dict, may_record: bool) -> Markup:
    """A row of a household's milestones (its own, with links to change them
    for those who record milestones, and the children's copied to it)."""
    words = milestone_words(m["milestone"])
    reason = (m.get("details") or {}).get("reason")
    what = f'{escape(words.capitalize())}{f": {escape(reason)}" if reason else ""}'
    if m["own"]:
        whose = "The household's record"
    else:
        whose = (f'<a class="govuk-link" href="{escape(child_url(m["local_authority"], m["child_ref"]))}">'
                 f'Child {escape(m["child_ref"])}</a> of {escape(m["local_authority"])}')
    change = ""
    if may_record:
        if m["own"]:
            hidden = f'<span class="govuk-visually-hidden"> the {escape(words)} of {escape(day(m["occurred_on"]))}</span>'
            correct = escape(path("households.correct", household_ref=household_ref, event_id=m["event_id"]))
            withdraw = escape(path("households.withdraw", household_ref=household_ref, event_id=m["event_id"]))
            cell = (f'<a class="govuk-link" href="{correct}">Correct{hidden}</a> · '
                    f'<a class="govuk-link" href="{withdraw}">Withdraw{hidden}</a>')
        else:
            cell = "On the child's record"
        change = f'\n      <td class="govuk-table__cell">{cell}</td>\n      '
    return Markup(
        '<tr class="govuk-table__row">\n'
        f'      <td class="govuk-table__cell">{escape(day(m["occurred_on"]))}</td>\n'
        f'      <td class="govuk-table__cell">{what}</td>\n'
        f'      <td class="govuk-table__cell">{whose}</td>\n'
        f'      {change}\n'
        '    </tr>'
    )


def history_item(entry: dict) -> Markup:
    """An item of a household's history."""
    note = f' Note: {escape(entry["note"])}' if entry.get("note") else ""
    return Markup(f'<li>{escape(entry["sentence"])}{note}</li>')


def breach_row(rule: str, counts: dict, columns: list, rule_titles: dict[str, str]) -> Markup:
    """A row of the dashboard's open breaches: one timescale's count in each
    council's column (None: the adoptive households'), each linked to those alerts."""
    title = escape(rule_titles.get(rule, rule))
    cells = []
    for la in columns:
        n = counts.get(la)
        if n:
            href = escape(path("alerts.list_alerts", query={"la": la, "rule": rule, "level": "breach"}))
            words = f'{"breach" if n == 1 else "breaches"}: {title}, {escape(la or "adoptive households")}'
            shown = f'<a class="govuk-link" href="{href}">{n}<span class="govuk-visually-hidden"> {words}</span></a>'
        else:
            shown = "0"
        cells.append(f'<td class="govuk-table__cell govuk-table__cell--numeric" data-council="{escape(la or "")}">{shown}</td>')
    return Markup(
        f'<tr class="govuk-table__row" data-rule="{escape(rule)}">\n'
        f'      <th scope="row" class="govuk-table__header">{title}</th>\n      '
        + "\n      ".join(cells) + "\n    </tr>"
    )


def trend_row(year: dict) -> Markup:
    """A row of the dashboard's table of A2 and A10 by financial year."""
    cells = []
    for m in ("A2", "A10"):
        f = year[m]
        days = f["average_days"]
        shown = (f'{escape(days)} <span class="govuk-body-s">({escape(counted(f["children"], "child", "children"))})</span>'
                 if days is not None else "None adopted")
        threshold = f["threshold_days"]
        cells.append(
            f'<td class="govuk-table__cell govuk-table__cell--numeric" data-measure="{m}" data-days="{escape("" if days is None else days)}">{shown}</td>\n'
            f'      <td class="govuk-table__cell govuk-table__cell--numeric" data-measure="{m}" data-threshold="{escape("" if threshold is None else threshold)}">'
            f'{escape("None set" if threshold is None else threshold)}</td>\n'
            f'      <td class="govuk-table__cell">{met_tag(f["met"])}</td>'
        )
    to_date = " (to date)" if year.get("to_date") else ""
    return Markup(
        f'<tr class="govuk-table__row" data-year="{escape(year["financial_year"])}">\n'
        f'      <th scope="row" class="govuk-table__header">{escape(year["financial_year"])}{to_date}</th>\n      '
        + "\n      ".join(cells) + "\n    </tr>"
    )


_ARROW_PREVIOUS = (
    '<svg class="govuk-pagination__icon govuk-pagination__icon--prev" xmlns="http://www.w3.org/2000/svg" height="13" width="15"'
    ' aria-hidden="true" focusable="false" viewBox="0 0 15 13">\n'
    '      <path d="m6.5938-0.0078125-6.7266 6.7266 6.7441 6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293-1.414-1.414z"></path>\n'
    '    </svg>'
)
_ARROW_NEXT = (
    '<svg class="govuk-pagination__icon govuk-pagination__icon--next" xmlns="http://www.w3.org/2000/svg" height="13" width="15"'
    ' aria-hidden="true" focusable="false" viewBox="0 0 15 13">\n'
    '      <path d="m8.107-0.0078125-1.4136 1.414 4.2926 4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062-6.7246-6.7266z"></path>\n'
    '    </svg>'
)


def pagination_nav(pagination: dict | None) -> Markup:
    """GOV.UK's pagination component (the markup of its `govukPagination` macro, as
    `pages.pagination` fills it in: numbered items, previous and next), written
    here: the macro cost about a third of a millisecond a list."""
    if not pagination:
        return Markup("")
    parts = [f'<nav class="govuk-pagination" aria-label="{escape(pagination["landmarkLabel"] or "Pagination")}">']
    previous, following = pagination.get("previous"), pagination.get("next")
    if previous and previous.get("href"):
        parts.append(f'  <div class="govuk-pagination__prev">\n    <a class="govuk-link govuk-pagination__link" href="{escape(previous["href"])}" rel="prev">'
                     f'{_ARROW_PREVIOUS}\n      <span class="govuk-pagination__link-title">\n        '
                     'Previous<span class="govuk-visually-hidden"> page</span>\n      </span>\n    </a>\n  </div>')
    parts.append('  <ul class="govuk-pagination__list">')
    for item in pagination["items"]:
        if item.get("ellipsis"):
            parts.append('    <li class="govuk-pagination__item govuk-pagination__item--ellipsis">\n      &ctdot;\n    </li>')
            continue
        kind, marked = (" govuk-pagination__item--current", ' aria-current="page"') if item.get("current") else ("", "")
        parts.append(
            f'    <li class="govuk-pagination__item{kind}">'
            f'<a class="govuk-link govuk-pagination__link" href="{escape(item["href"])}" aria-label="Page {escape(item["number"])}"'
            f'{marked}>\n      {escape(item["number"])}\n    </a></li>')
    parts.append("  </ul>")
    if following and following.get("href"):
        parts.append(f'  <div class="govuk-pagination__next">\n    <a class="govuk-link govuk-pagination__link" href="{escape(following["href"])}" rel="next">'
                     '\n      <span class="govuk-pagination__link-title">\n        Next<span class="govuk-visually-hidden"> page</span>\n      </span>'
                     f'{_ARROW_NEXT}\n    </a>\n  </div>')
    parts.append("</nav>")
    return Markup("\n".join(parts))


def init_app(app: Flask) -> None:
    """Each row and part, a function the templates call."""
    app.jinja_env.globals.update(
        alert_row=alert_row, waiting_row=waiting_row, timeline_item=timeline_item,
        household_child_row=household_child_row, household_milestone_row=household_milestone_row,
        history_item=history_item, breach_row=breach_row, trend_row=trend_row, pagination_nav=pagination_nav,
    )
