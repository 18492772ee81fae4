"""The pages trackers use every week, read as HTML: each has one h1 that the
title starts with, labelled fields and no id twice; the alerts filter, assign
and acknowledge (the result shown at once, in a banner); the waiting list by
stage, in pages, and as CSV; finding a child."""

from __future__ import annotations

import csv
import io

import pytest
from web_support import PASSWORD, csrf_of, page_problems, post_form, sign_in, soup, text_of


def tracker_of(app):
    return app.extensions["journey.tracker"]


@pytest.fixture
def manager(web_app):
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    return client


def an_open_alert(app, **filters):
    return next(a for a in tracker_of(app).alerts(**filters) if a["child_ref"] and a["status"] == "open")


def council_slug(app, index=0):
    council = tracker_of(app).councils()[index]
    return council["code"] or council["name"]


def test_the_sign_in_page(client):
    page = client.get("/sign-in")
    assert page.status_code == 200 and page_problems(page) == []
    assert soup(page).find("input", attrs={"name": "password", "type": "password"})


def test_every_page_type_is_a_good_page(web_app, manager):
    alert = an_open_alert(web_app)
    urls = [
        "/", "/alerts", "/alerts/mine", f"/alerts/{alert['id']}", "/alerts/weekly-review",
        "/children/waiting", "/children/waiting?list=placed&group=sibling_group&sort=reference", "/children/waiting?page=2",
        "/children/find", f"/children/find?la={alert['local_authority']}&ref=NOPE",
        f"/children/{council_slug(web_app)}/{alert['child_ref']}", "/no-such-page",
    ]
    for url in urls:
        page = manager.get(url)
        assert page.status_code in (200, 404), url
        assert page_problems(page) == [], url
        for form in soup(page).find_all("form"):  # every form that writes carries the token
            if form.get("method", "get").lower() == "post":
                assert form.find("input", attrs={"name": "csrf_token", "type": "hidden"}), (url, form.get("action"))
    auditor = web_app.test_client()
    sign_in(auditor, "audrey.auditor")
    assert page_problems(auditor.get("/view-log")) == []


def test_no_crown_no_gov_uk_logo_and_nothing_from_elsewhere(web_app, manager):
    html = manager.get("/alerts").get_data(as_text=True)
    assert "govuk-logo" not in html and "crown" not in html.lower() and "GOV.UK" not in html
    page = soup(manager.get("/alerts"))
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
        for element in page.find_all(tag):
            if element.get(attr):
                assert element[attr].startswith(("/", "data:")), element


def test_alerts_worst_first_and_filtered(web_app, manager):
    tracker = tracker_of(web_app)
    rows = soup(manager.get("/alerts")).select("tbody tr")
    assert rows
    levels = [row.select("td")[3].get_text(strip=True) for row in rows]
    assert levels == sorted(levels, key=lambda level: level != "Breach")
    council = tracker.councils()[2]["name"]
    filtered = soup(manager.get(f"/alerts?la={council}&level=breach")).select("tbody tr")
    assert filtered and all(r.select("td")[1].get_text(strip=True) == council for r in filtered)
    assert all(r.select("td")[3].get_text(strip=True) == "Breach" for r in filtered)
    rule = an_open_alert(web_app)["rule"]
    by_rule = soup(manager.get(f"/alerts?rule={rule}")).select("tbody tr")
    expected = [a for a in tracker.alerts(rule=rule) if a["status"] != "closed"]
    assert len(by_rule) == min(50, len(expected))


def test_assign_then_acknowledge_shows_each_result_at_once(web_app, manager):
    tracker = tracker_of(web_app)
    alert = an_open_alert(web_app)
    url = f"/alerts/{alert['id']}"
    done = post_form(manager, url, f"{url}/assign", {"owner": "me"})
    assert done.status_code == 302 and "after=" in done.headers["Location"]
    page = manager.get(done.headers["Location"])
    assert "Alert assigned to mo.manager" in text_of(page)
    assert soup(page).select_one(".govuk-notification-banner--success")
    assert "assigned to mo.manager" in text_of(page).lower()  # and in its history
    mine = text_of(manager.get("/alerts/mine"))
    assert alert["child_ref"] in mine
    done = post_form(manager, url, f"{url}/acknowledge", {"note": "Family finding widened to the region"})
    page = manager.get(done.headers["Location"])
    assert "Alert acknowledged" in text_of(page) and "Family finding widened to the region" in text_of(page)
    assert tracker.alert(alert["id"])["status"] == "acknowledged"


def test_acknowledging_without_a_note_is_refused_in_the_error_summary(web_app, manager):
    tracker = tracker_of(web_app)
    alert = an_open_alert(web_app)
    before = tracker.log_length()
    refused = post_form(manager, f"/alerts/{alert['id']}", f"/alerts/{alert['id']}/acknowledge", {"note": "  "})
    assert refused.status_code == 400
    summary = soup(refused).select_one(".govuk-error-summary")
    assert summary and summary.find("a", href="#note")
    assert soup(refused).select_one("#note-error")
    assert tracker.log_length() == before and page_problems(refused) == []


def test_assigning_to_someone_who_does_not_work_that_council_is_refused(web_app, manager):
    tracker = tracker_of(web_app)
    other = tracker.councils()[1]["name"]
    alert = an_open_alert(web_app, la=other)
    before = tracker.log_length()
    refused = post_form(manager, f"/alerts/{alert['id']}", f"/alerts/{alert['id']}/assign", {"owner": "terry.tracker"})
    assert refused.status_code == 400 and tracker.log_length() == before
    said = soup(refused).select_one(".govuk-error-summary").get_text(" ", strip=True)
    assert "terry.tracker cannot be given this alert" in said and f"{other}'s alerts" in said  # the service's rule, worded once
    options = [o["value"] for o in soup(manager.get(f"/alerts/{alert['id']}")).select("#owner option")]
    assert "tina.tracker" in options and "terry.tracker" not in options and "audrey.auditor" not in options


def test_a_page_that_cannot_catch_up_says_so(web_app, manager):
    web_app.config["PAGE_WAIT_SECONDS"] = 0.2
    alert = an_open_alert(web_app)
    page = manager.get(f"/alerts/{alert['id']}?after=999999999")
    assert page.status_code == 200
    assert "may not show your last change yet" in text_of(page)
    assert "may not show" not in text_of(manager.get(f"/alerts/{alert['id']}"))


def test_the_weekly_review(web_app, manager):
    page = manager.get("/alerts/weekly-review")
    text = text_of(page)
    for council in tracker_of(web_app).councils():
        assert council["name"] in text
    assert "New breaches this week" in text and "Still open" in text


def test_a_council_user_reviews_their_councils_week_only(web_app):
    tracker = tracker_of(web_app)
    mine, other = tracker.councils()[0]["name"], tracker.councils()[1]["name"]
    theirs = {a["child_ref"] for a in tracker.alerts(la=other) if a["status"] != "closed"}
    terry = web_app.test_client()
    sign_in(terry, "terry.tracker")
    for query in ("", f"?la={other}"):
        main = soup(terry.get(f"/alerts/weekly-review{query}")).find("main").get_text(" ")
        assert other not in main and not any(ref in main for ref in theirs), query
    assert mine in soup(terry.get("/alerts/weekly-review")).find("main").get_text(" ")
    assert [d.council for d in tracker.digests(within=[mine])] == [mine]
    assert tracker.digests(la=other, within=[mine]) == []


def test_the_waiting_list_in_pages(web_app, manager):
    tracker = tracker_of(web_app)
    first = soup(manager.get("/children/waiting"))
    total = tracker.waiting_page()["total"]
    assert total > 50, "the sample should need more than one page"
    assert len(first.select("tbody tr")) == 50
    nav = first.select_one("nav.govuk-pagination")
    assert nav is not None
    for link in nav.find_all("a"):
        assert ".csv" not in link["href"] and not link.has_attr("download")
    second = soup(manager.get("/children/waiting?page=2"))
    refs_1 = [r.select_one("td a").get_text(strip=True) for r in first.select("tbody tr")]
    refs_2 = [r.select_one("td a").get_text(strip=True) for r in second.select("tbody tr")]
    assert not set(refs_1) & set(refs_2)
    last = manager.get("/children/waiting?page=9999")
    assert last.status_code == 302


def test_the_waiting_list_filtered_by_stage_and_group(web_app, manager):
    tracker = tracker_of(web_app)
    page = soup(manager.get("/children/waiting?list=matched&group=sibling_group"))
    expected = tracker.waiting_page(stage="matched", group="sibling_group")
    assert len(page.select("tbody tr")) == min(50, expected["total"])
    for row in page.select("tbody tr"):
        assert "In a sibling group" in row.get_text()


def test_the_csv_is_what_the_list_shows(web_app, manager):
    tracker = tracker_of(web_app)
    page = soup(manager.get("/children/waiting?list=authority"))
    link = page.find("a", attrs={"download": True})
    assert link is not None and "list=authority" in link["href"]
    response = manager.get(link["href"])
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    expected = tracker.waiting_page(stage="authority", per_page=10_000)
    assert [r["child_ref"] for r in rows] == [c["child_ref"] for c in expected["children"]]


def test_finding_a_child(web_app, manager):
    alert = an_open_alert(web_app)
    found = manager.get(f"/children/find?la={alert['local_authority']}&ref={alert['child_ref']}")
    assert found.status_code == 302
    page = manager.get(found.headers["Location"])
    assert page.status_code == 200 and alert["child_ref"] in text_of(page)
    assert alert["id"] in page.get_data(as_text=True)  # its open alert is linked
    missing = manager.get(f"/children/find?la={alert['local_authority']}&ref=NOPE-1")
    assert missing.status_code == 404 and "There is no child NOPE-1" in text_of(missing)
    empty = manager.get("/children/find?la=&ref=")
    assert empty.status_code == 400 and soup(empty).select_one(".govuk-error-summary")


def test_finding_another_councils_child_tells_nothing(web_app):
    tracker = tracker_of(web_app)
    client = web_app.test_client()
    sign_in(client, "terry.tracker")
    other = tracker.councils()[1]["name"]
    theirs = tracker.waiting(la=other)[0]["child_ref"]
    response = client.get(f"/children/find?la={other}&ref={theirs}")
    assert response.status_code == 404
    assert f"There is no child {theirs}" in text_of(response)


def test_the_view_log_lists_who_read_a_childs_history(web_app):
    tracker = tracker_of(web_app)
    alert = an_open_alert(web_app)
    tracker.child_history(alert["local_authority"], alert["child_ref"],
                          viewer={"username": "mo.manager", "role": "manager", "via": "web"})
    client = web_app.test_client()
    sign_in(client, "audrey.auditor")
    page = client.get("/view-log")
    assert page.status_code == 200 and alert["child_ref"] in text_of(page) and "mo.manager" in text_of(page)
    tracker_client = web_app.test_client()
    sign_in(tracker_client, "terry.tracker")
    assert tracker_client.get("/view-log").status_code == 403


def test_an_auditor_tied_to_a_council_reads_only_its_childrens_viewings(web_app):
    tracker = tracker_of(web_app)
    mine, other = tracker.councils()[0]["name"], tracker.councils()[1]["name"]
    tracker.add_user("alex.auditor", role="auditor", councils=[mine], password=PASSWORD, by="tests")
    manager = {"username": "mo.manager", "role": "manager", "via": "web"}
    ours = an_open_alert(web_app, la=mine)["child_ref"]
    theirs = an_open_alert(web_app, la=other)["child_ref"]
    tracker.child_history(mine, ours, viewer=manager)
    tracker.child_history(other, theirs, viewer=manager)
    household = next(a for a in tracker.alerts() if a["household"])["household"]
    tracker.household_history(household, viewer=manager)
    tracker.scorecard("2023-04-01", "2024-03-31", la=other, as_known_on="2024-06-30", viewer=manager)
    client = web_app.test_client()
    sign_in(client, "alex.auditor")
    shown = " ".join(li.get_text() for li in soup(client.get("/view-log")).select(".app-history li"))
    assert f"child {ours} of {mine}" in shown
    assert other not in shown and theirs not in shown and household not in shown
    found = client.get(f"/view-log?ref={theirs}")
    assert not soup(found).select(".app-history li") and "Nothing matches" in text_of(found)
    # an auditor of every council reads them all
    everyone = web_app.test_client()
    sign_in(everyone, "audrey.auditor")
    shown = " ".join(li.get_text() for li in soup(everyone.get("/view-log")).select(".app-history li"))
    assert f"child {theirs} of {other}" in shown and household in shown


def test_signed_in_home_says_who_and_links_on(web_app, manager):
    page = manager.get("/")
    assert "mo.manager" in text_of(page)
    assert soup(page).find("a", href="/alerts/mine")
    admin = web_app.test_client()
    sign_in(admin, "ada.admin")
    home = admin.get("/")
    assert home.status_code == 200 and not soup(home).find("a", href="/children/waiting")
    assert csrf_of(home)


def test_opening_a_childs_page_is_in_the_view_log(web_app, manager):
    tracker = tracker_of(web_app)
    alert = an_open_alert(web_app)
    before = tracker.view_log()["total"]
    assert manager.get(f"/children/{council_slug(web_app, 0)}/NOPE").status_code == 404
    assert tracker.view_log()["total"] == before  # nothing viewed
    council = next(c for c in tracker.councils() if c["name"] == alert["local_authority"])
    assert manager.get(f"/children/{council['code'] or council['name']}/{alert['child_ref']}").status_code == 200
    history, record = tracker.view_log(limit=2)["entries"]  # the page shows its record and its history
    for latest in (history, record):
        assert latest["child_ref"] == alert["child_ref"] and latest["by"] == "mo.manager" and latest["via"] == "web"
    assert "viewed the record of child" in record["sentence"]
    assert "viewed the history of child" in history["sentence"]
    assert tracker.child_history(alert["local_authority"], alert["child_ref"],
                                 viewer={"username": "x", "role": None, "via": "command line"})["entries"]


def test_the_waiting_list_counts_each_stage(web_app, manager):
    tracker = tracker_of(web_app)
    nav = soup(manager.get("/children/waiting")).find("nav", attrs={"aria-label": "Lists by stage"})
    items = [li.get_text(" ", strip=True) for li in nav.find_all("li")]
    assert len(items) == 5
    assert items[0].endswith(f": {tracker.waiting_page()['total']}")
    assert items[3].endswith(f": {tracker.waiting_page(stage='matched')['total']}")


@pytest.mark.parametrize("value", ["CV-123", "with space", "a/b", "50%", "é ü", "q?x#y&z=1", "{brace}", "'quote'\"", "+plus"])
def test_links_built_without_the_router_are_the_routers(web_app, value):
    """`pages.path` (the rows' links) gives what url_for gives, however the values are written."""
    from flask import url_for

    from web.pages import path

    with web_app.test_request_context("/"):
        assert path("children.child", council=value, child_ref=value) == url_for("children.child", council=value, child_ref=value)
        assert path("recording.correct", council=value, child_ref="R1", event_id=12) == url_for(
            "recording.correct", council=value, child_ref="R1", event_id=12)
        assert path("households.household", household_ref=value) == url_for("households.household", household_ref=value)
        query = {"la": value, "rule": None, "level": "breach"}
        assert path("alerts.list_alerts", query=query) == url_for("alerts.list_alerts", **query)
        assert path("alerts.list_alerts", query={"la": None}) == url_for("alerts.list_alerts", la=None)
