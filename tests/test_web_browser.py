"""The web view in a real headless Chromium (Debian's, driven by Playwright): a
tracker signs in, filters the alerts, assigns one and acknowledges it, and opens
the waiting list; an auditor reads the view log; every page type passes axe-core
(WCAG 2.2 AA) and asks for nothing outside the app. Skipped, saying why, where
Chromium is absent locally; failing in CI."""

from __future__ import annotations

import re

import pytest
from browser import assert_no_axe_violations, requests_outside, serve_wsgi
from web_support import PASSWORD


@pytest.fixture
def site(web_app):
    with serve_wsgi(web_app) as base_url:
        yield base_url.rstrip("/")


def sign_in(page, site, username):
    page.goto(f"{site}/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/")


def tracker_of(app):
    return app.extensions["journey.tracker"]


def test_a_tracker_reviews_alerts_and_opens_the_waiting_list(web_app, site, browser_page):
    page = browser_page
    sign_in(page, site, "terry.tracker")
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")

    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Alerts").click()
    page.get_by_label("Level").select_option("breach")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"level=breach"))
    rows = page.locator("tbody tr")
    assert rows.count() > 0
    levels = rows.locator("td:nth-child(4)").all_inner_texts()
    assert set(levels) == {"Breach"}

    child_ref = rows.first.locator("td").first.inner_text()
    rows.first.locator("td:nth-child(3) a").click()
    page.get_by_label("Who is dealing with it").select_option("terry.tracker")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_url(re.compile(r"after=\d+"))
    banner = page.locator(".govuk-notification-banner--success")
    assert "Alert assigned to terry.tracker" in banner.inner_text()

    page.get_by_label("Note").fill("Widening family finding to the whole region")
    page.get_by_role("button", name="Acknowledge").click()
    page.locator(".govuk-notification-banner--success", has_text="Alert acknowledged").wait_for()
    assert "Alert acknowledged" in page.locator(".govuk-notification-banner--success").inner_text()
    assert "Widening family finding to the whole region" in page.locator(".app-history").inner_text()
    assert any(a["child_ref"] == child_ref and a["status"] == "acknowledged" for a in tracker_of(web_app).alerts())

    menu.get_by_role("link", name="Children waiting").click()
    page.wait_for_url(f"{site}/children/waiting")
    assert page.locator("h1").inner_text() == "Children waiting"
    council = tracker_of(web_app).councils()[0]["name"]  # terry.tracker's only council
    expected = tracker_of(web_app).waiting_page(within=[council])
    assert page.locator("tbody tr").count() == min(50, expected["total"]) > 0
    assert set(page.locator("tbody tr td:nth-child(2)").all_inner_texts()) == {council}
    page.get_by_label("Stage", exact=True).select_option("matched")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"list=matched"))
    matched = tracker_of(web_app).waiting_page(within=[council], stage="matched")["total"]
    assert page.locator("tbody tr").count() == min(50, matched)

    assert requests_outside(page, site) == []


def test_an_auditor_reads_the_view_log(web_app, site, browser_page):
    tracker = tracker_of(web_app)
    child = tracker.waiting()[0]
    tracker.child_history(child["local_authority"], child["child_ref"],
                          viewer={"username": "terry.tracker", "role": "tracker", "via": "web"})
    page = browser_page
    sign_in(page, site, "audrey.auditor")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="View log").click()
    page.wait_for_url(f"{site}/view-log")
    assert page.locator("h1").inner_text() == "View log"
    assert child["child_ref"] in page.locator("main").inner_text()
    assert requests_outside(page, site) == []


def test_every_page_type_passes_axe(web_app, site, browser_page):
    tracker = tracker_of(web_app)
    alert = next(a for a in tracker.alerts() if a["child_ref"] and a["status"] == "open")
    council = next(c for c in tracker.councils() if c["name"] == alert["local_authority"])
    page = browser_page
    page.goto(f"{site}/sign-in")
    assert_no_axe_violations(page)
    page.get_by_label("User name").fill("mo.manager")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_no_axe_violations(page)  # a refused form
    sign_in(page, site, "mo.manager")
    for path in (
        "/", "/alerts", "/alerts/mine", f"/alerts/{alert['id']}", "/alerts/weekly-review",
        "/children/waiting", "/children/waiting?list=placed&group=sibling_group",
        "/children/find", "/children/find?la=&ref=", f"/children/{council['code'] or council['name']}/{alert['child_ref']}",
        "/no-such-page",
    ):
        page.goto(f"{site}{path}")
        assert_no_axe_violations(page)
    page.goto(f"{site}/alerts/{alert['id']}")
    page.get_by_role("button", name="Acknowledge").click()  # no note: the error summary
    page.locator(".govuk-error-summary").wait_for()
    assert_no_axe_violations(page)
    assert requests_outside(page, site) == []
    auditor = page.context.browser.new_context()
    try:
        other = auditor.new_page()
        sign_in(other, site, "audrey.auditor")
        other.goto(f"{site}/view-log")
        assert_no_axe_violations(other)
        other.get_by_role("button", name="Sign out").click()
        other.wait_for_url(f"{site}/sign-in")
        sign_in(other, site, "ada.admin")
        response = other.goto(f"{site}/alerts")  # an admin sees no child's data
        assert response.status == 403
        assert_no_axe_violations(other)
    finally:
        auditor.close()
