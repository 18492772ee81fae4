"""A child's page and replay in a real headless Chromium (Debian's, driven by
Playwright): a tracker opens a child from the waiting list, sees the journey
chart, the timeline and the siblings, and assigns an open alert from the
child's page; an auditor replays a child as known before a correction and sees
the old date; every new page type passes axe-core (WCAG 2.2 AA), a refused
replay included, and asks for nothing outside the app. Skipped, saying why,
where Chromium is absent locally; failing in CI."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from browser import assert_no_axe_violations, requests_outside, serve_wsgi
from web_support import PASSWORD

from journey.domain.clock import LONDON


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


def slug(app, la):
    council = next(c for c in tracker_of(app).councils() if c["name"] == la)
    return council["code"] or council["name"]


def child_with_siblings_and_an_open_alert(app, la):
    tracker = tracker_of(app)
    open_refs = {a["child_ref"] for a in tracker.alerts(la=la) if a["child_ref"] and a["status"] == "open"}
    for child in tracker.waiting_page(la=la, per_page=500)["children"]:
        if child["child_ref"] in open_refs and tracker.siblings(la, child["child_ref"]):
            return child
    raise AssertionError("no such child in the sample")


def test_a_tracker_works_an_alert_from_a_childs_page(web_app, site, browser_page):
    tracker = tracker_of(web_app)
    la = tracker.councils()[0]["name"]  # terry.tracker's council
    child = child_with_siblings_and_an_open_alert(web_app, la)
    page = browser_page
    sign_in(page, site, "terry.tracker")
    page.goto(f"{site}/children/find")
    page.get_by_label("Child's reference").fill(child["child_ref"])
    page.get_by_role("button", name="Find").click()
    page.wait_for_url(re.compile(rf"/children/[^/]+/{re.escape(child['child_ref'])}$"))
    assert page.locator("h1").inner_text() == f"Child {child['child_ref']}"
    chart = page.get_by_role("img", name=re.compile(r"Journey of child"))
    assert chart.is_visible()
    assert page.locator(".moj-timeline .moj-timeline__item").count() > 0
    sibling = tracker.siblings(la, child["child_ref"])[0]
    assert page.locator(".app-siblings").get_by_role("link", name=f"Child {sibling['child_ref']}").is_visible()

    alert = next(a for a in tracker.child_alerts(la, child["child_ref"]) if a["status"] == "open")
    page.locator(f"#owner-{alert['id']}").select_option("terry.tracker")
    page.locator(f"form[action='/alerts/{alert['id']}/assign']").get_by_role("button", name="Assign").click()
    page.wait_for_url(re.compile(rf"/children/[^/]+/{re.escape(child['child_ref'])}\?after=\d+"))
    assert "Alert assigned to terry.tracker" in page.locator(".govuk-notification-banner--success").inner_text()
    assert tracker.alert(alert["id"])["owner"] == "terry.tracker"
    assert requests_outside(page, site) == []


def test_an_auditor_replays_a_child_as_known_before_a_correction(web_app, site, browser_page):
    tracker = tracker_of(web_app)
    la = tracker.councils()[0]["name"]
    child = tracker.waiting_page(la=la)["children"][0]
    recorded = tracker.record(la, child["child_ref"], "family_finding_started", "2025-02-03", recorded_by="terry.tracker")
    time.sleep(1.1)
    between = datetime.datetime.now(LONDON).replace(microsecond=0)
    time.sleep(1.1)
    tracker.correct(la, child["child_ref"], "family_finding_started", "2025-02-03", "2025-02-10",
                    reason="keyed on the wrong day", recorded_by="terry.tracker")
    page = browser_page
    sign_in(page, site, "audrey.auditor")
    page.goto(f"{site}/children/{slug(web_app, la)}/{child['child_ref']}")
    page.get_by_role("link", name=re.compile("Replay this child's journey")).click()
    page.wait_for_url(re.compile(r"/replay/children/"))
    assert_no_axe_violations(page)  # the form alone
    page.get_by_label("As known on (date)").fill(between.date().isoformat())
    page.get_by_label("Time on that date (optional)").fill(between.strftime("%H:%M:%S"))
    page.get_by_role("button", name="Replay").click()
    page.wait_for_url(re.compile(r"known_time="))
    then = page.locator(f"#journey-then tr[data-event-id='{recorded['event_id']}']")
    assert "3 Feb 2025" in then.inner_text() and "Corrected" in then.inner_text()
    now = page.locator(f"#journey-now tr[data-event-id='{recorded['event_id']}']")
    assert "10 Feb 2025" in now.inner_text()
    assert_no_axe_violations(page)  # a replay, differences marked
    entries = tracker.view_log(child_ref=child["child_ref"])["entries"]
    assert any(e["by"] == "audrey.auditor" and e["as_known_on"] for e in entries)
    assert requests_outside(page, site) == []


def test_every_new_page_type_passes_axe(web_app, site, browser_page):
    tracker = tracker_of(web_app)
    la = tracker.councils()[0]["name"]
    child = child_with_siblings_and_an_open_alert(web_app, la)
    child_path = f"/children/{slug(web_app, la)}/{child['child_ref']}"
    page = browser_page
    sign_in(page, site, "mo.manager")
    for path in (
        child_path,
        f"/replay{child_path}?as_at=2024-06-30&known_on=&known_time=",
        f"/replay{child_path}?as_at=2024-13-45&known_on=&known_time=99",  # refused: the error summary
        "/replay/scorecard",
        f"/replay/scorecard?la={la}&period_from=2021-04-01&period_to=2025-03-31&known_on=2025-01-01&known_time=12:00",
        "/replay/scorecard?la=&period_from=2025-04-01&period_to=2021-03-31&known_on=&known_time=",  # refused
    ):
        page.goto(f"{site}{path}")
        assert page.locator("h1").count() == 1, path
        assert_no_axe_violations(page)
    assert requests_outside(page, site) == []
