"""The markup built in Python (web/rows.py) is the markup the design system's
macro gives: GOV.UK's pagination, rendered both ways with every kind of part
(previous and next links, the current page, an ellipsis), compared tag by tag
(the whitespace between tags aside)."""

from __future__ import annotations

import re

import pytest

from web.rows import pagination_nav


def tags(html: str) -> list[str]:
    flat = re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()
    return re.sub(r"> <", "><", flat).replace("><", ">\n<").splitlines()


@pytest.mark.parametrize("page, pages", [(1, 2), (2, 2), (5, 9), (1, 12), (12, 12)])
def test_the_pagination_is_govuk_frontends(web_app, page, pages):
    with web_app.test_request_context("/households/H-1"):
        from web import pages as web_pages

        pagination = web_pages.pagination(page, pages, pages * 20, 20, param="history", anchor="history",
                                          label="the household's history", children=2)
        macro = web_app.jinja_env.from_string(
            '{% from "govuk_frontend_jinja/components/pagination/macro.html" import govukPagination %}'
            "{{ govukPagination(pagination) }}").render(pagination=pagination)
    assert tags(pagination_nav(pagination)) == tags(macro)
    assert ("govuk-pagination__prev" in macro) == (page > 1) and ("govuk-pagination__next" in macro) == (page < pages)
    assert ("&ctdot;" in macro) == (pages > 5)  # every kind of part met


def test_no_pagination_is_no_markup():
    assert str(pagination_nav(None)) == ""
