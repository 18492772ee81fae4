"""The dashboard and a household's page in a real headless Chromium (Debian's,
driven by Playwright): the chart is drawn and styled under the app's CSP (its
colours come from the stylesheet, none from the page), a manager chooses a year
and council, opens a household from its alert and records one of its
milestones through the form; both pages pass axe-core (WCAG 2.2 AA), a refused
form too, and a household's page with its three lists paged; they ask for
nothing outside the app. Skipped, saying why, where
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


def test_the_dashboard_draws_its_chart_and_passes_axe(web_app, site, browser_page):
    page = browser_page
    sign_in(page, site, "mo.manager")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
    chart = page.get_by_role("img", name=re.compile(r"^A2: average days by financial year"))
    assert chart.is_visible() and chart.bounding_box()["width"] > 200
    bar = chart.locator("rect").first
    fill = bar.evaluate("element => getComputedStyle(element).fill")
    assert fill not in ("", "rgb(0, 0, 0)"), "the bars are coloured by the stylesheet"
    assert chart.locator("path.app-chart__threshold").evaluate("element => getComputedStyle(element).strokeDasharray") != "none"
    assert_no_axe_violations(page)

    page.get_by_label("Financial year", exact=True).select_option("2022-23")
    page.get_by_label("Council", exact=True).select_option("Solihull")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"year=2022-23&la=Solihull"))
    assert "Scorecard, 2022-23: Solihull" in page.get_by_role("heading", name=re.compile("Scorecard")).inner_text()
    assert_no_axe_violations(page)
    assert requests_outside(page, site) == []


def test_a_council_tracker_sees_their_dashboard(web_app, site, browser_page):
    page = browser_page
    sign_in(page, site, "terry.tracker")
    mine = tracker_of(web_app).councils()[0]["name"]
    assert page.get_by_label("Council", exact=True).locator("option").all_inner_texts() == [mine]
    assert_no_axe_violations(page)


def test_a_manager_records_a_households_milestone_through_the_form(web_app, site, browser_page):
    tracker = tracker_of(web_app)
    household = next(a["household"] for a in tracker.alerts() if a["household"] and a["status"] != "closed")
    page = browser_page
    sign_in(page, site, "mo.manager")
    page.goto(f"{site}/alerts")
    page.get_by_role("link", name=f"Household {household}").first.click()
    page.wait_for_url(f"{site}/households/{household}")
    assert page.get_by_role("heading", level=1).inner_text() == f"Household {household}"
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Record a milestone of the household").click()
    page.wait_for_url(f"{site}/households/{household}/record")
    assert_no_axe_violations(page)
    page.get_by_label("Milestone").select_option("review")
    page.get_by_role("button", name="Record the milestone").click()  # no date: refused
    page.locator(".govuk-error-summary").wait_for()
    assert "Enter the date" in page.locator(".govuk-error-summary").inner_text()
    assert_no_axe_violations(page)

    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Record the milestone").click()
    page.wait_for_url(re.compile(r"after=\d+"))
    banner = page.locator(".govuk-notification-banner--success")
    assert "Approval reviewed on 3 Mar 2025 recorded" in banner.inner_text()
    assert page.locator("#milestones + table").get_by_text("3 Mar 2025").count() >= 1
    assert_no_axe_violations(page)

    page.locator("#milestones + table").get_by_role("link", name=re.compile(r"^Correct")).first.click()
    page.wait_for_url(re.compile(r"/correct$"))
    page.get_by_role("heading", level=1).wait_for()
    assert page.title().startswith("Correct the")
    assert_no_axe_violations(page)
    page.go_back()
    page.locator("#milestones + table").get_by_role("link", name=re.compile(r"^Withdraw")).first.click()
    page.get_by_role("button", name="Withdraw the milestone").click()  # no reason: refused
    page.locator(".govuk-error-summary").wait_for()
    assert_no_axe_violations(page)
    assert requests_outside(page, site) == []


def test_a_households_long_lists_page_through_and_pass_axe(web_app, site, browser_page):
    tracker = tracker_of(web_app)
    la = tracker.councils()[0]["name"]
    tracker.record_household("BIG-AXE", "approved", "2023-01-05", recorded_by="tests")
    for n in range(22):
        ref = f"AXE-{n:02d}"
        tracker.record(la, ref, "entered_care", "2023-02-01", recorded_by="tests")
        tracker.record(la, ref, "adm_decision", "2023-04-01", recorded_by="tests")
        tracker.record(la, ref, "placement_order", "2023-06-01", {"authority": "placement_order"}, recorded_by="tests")
        tracker.record(la, ref, "matched", f"2024-01-{n + 1:02d}", {"household": "BIG-AXE", "interagency": "no"},
                       recorded_by="tests")
    page = browser_page
    sign_in(page, site, "mo.manager")
    page.goto(f"{site}/households/BIG-AXE")
    assert page.get_by_role("navigation", name=re.compile(r"^Pages of the household's children")).is_visible()
    assert_no_axe_violations(page)  # three lists, each with its pages, each named
    page.get_by_role("navigation", name=re.compile(r"^Pages of the household's history")).get_by_role("link", name="Page 2").click()
    page.wait_for_url(re.compile(r"history=2#history$"))
    assert page.locator("ol.app-history").get_attribute("start") == "21"
    assert_no_axe_violations(page)
    assert requests_outside(page, site) == []
