"""A child's page and replay, read as HTML: the key facts, the siblings linked,
the journey chart (SVG with a title and description, the same dates in a
table), the history as a timeline with corrections and withdrawals beside what
they change and the alerts' own events, its open alerts assigned and
acknowledged from the page; the replay of a child's journey (as known before a
correction it shows the old date) and of the scorecard; who may replay what."""

from __future__ import annotations

import datetime
import time
import urllib.parse

import pytest
from web_support import page_problems, post_form, sign_in, soup, text_of

from journey.domain.clock import LONDON


def tracker_of(app):
    return app.extensions["journey.tracker"]


def slug(app, la: str) -> str:
    council = next(c for c in tracker_of(app).councils() if c["name"] == la)
    return council["code"] or council["name"]


def child_url(app, child: dict) -> str:
    return f"/children/{slug(app, child['local_authority'])}/{child['child_ref']}"


def replay_url(app, child: dict) -> str:
    return f"/replay/children/{slug(app, child['local_authority'])}/{child['child_ref']}"


def a_child(app, *, council_index: int = 0, siblings: bool = False, open_alert: bool = False) -> dict:
    """A waiting child of the council at `council_index` (in a sibling group, or with an open alert)."""
    tracker = tracker_of(app)
    la = tracker.councils()[council_index]["name"]
    open_refs = {a["child_ref"] for a in tracker.alerts(la=la) if a["child_ref"] and a["status"] == "open"}
    for child in tracker.waiting_page(la=la, per_page=500)["children"]:
        if siblings and not tracker.siblings(la, child["child_ref"]):
            continue
        if open_alert and child["child_ref"] not in open_refs:
            continue
        return child
    raise AssertionError("the sample has no such child")


def signed_in(app, username: str):
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


@pytest.fixture
def manager(web_app):
    return signed_in(web_app, "mo.manager")


@pytest.fixture
def auditor(web_app):
    return signed_in(web_app, "audrey.auditor")


def no_inline_styles(page) -> bool:
    return not soup(page).find(attrs={"style": True})


# -- the child's page ---------------------------------------------------------------


def test_the_childs_page_has_its_key_facts_and_is_a_good_page(web_app, manager):
    child = a_child(web_app, siblings=True)
    page = manager.get(child_url(web_app, child))
    assert page.status_code == 200 and page_problems(page) == [] and no_inline_styles(page)
    facts = {row.select_one(".govuk-summary-list__key").get_text(strip=True): " ".join(row.select_one(".govuk-summary-list__value").get_text(" ").split())
             for row in soup(page).select(".govuk-summary-list__row")}
    for key in ("Council", "Reference", "Date of birth", "Sex", "Ethnicity", "Disability", "Sibling group", "Stage", "Harder to place"):
        assert key in facts, key
    assert facts["Council"] == child["local_authority"] and facts["Reference"] == child["child_ref"]
    record = tracker_of(web_app).child_record(child["local_authority"], child["child_ref"])
    assert f"{record['days_in_stage']} days" in facts["Stage"]
    assert "In a sibling group" in facts["Harder to place"]
    for form in soup(page).find_all("form", method="post"):
        assert form.find("input", attrs={"name": "csrf_token", "type": "hidden"})


def test_the_siblings_are_linked(web_app, manager):
    child = a_child(web_app, siblings=True)
    siblings = tracker_of(web_app).siblings(child["local_authority"], child["child_ref"])
    assert siblings and all(s["child_ref"] != child["child_ref"] for s in siblings)
    page = soup(manager.get(child_url(web_app, child)))
    links = [a["href"] for a in page.select(".app-siblings a")]
    assert links == [child_url(web_app, s) for s in siblings]
    assert manager.get(links[0]).status_code == 200


def test_siblings_are_of_the_same_council_and_group_only(web_app):
    tracker = tracker_of(web_app)
    child = a_child(web_app, siblings=True)
    group = tracker.child_summary(child["local_authority"], child["child_ref"])["attributes"]["sibling_group"]
    for sibling in tracker.siblings(child["local_authority"], child["child_ref"]):
        assert sibling["local_authority"] == child["local_authority"]
        assert tracker.child_summary(sibling["local_authority"], sibling["child_ref"])["attributes"]["sibling_group"] == group
    other = tracker.councils()[1]["name"]
    from journey.service import ChildNotFound

    with pytest.raises(ChildNotFound):
        tracker.siblings(child["local_authority"], child["child_ref"], within=[other])


def test_the_journey_chart_is_an_svg_with_a_title_and_description_and_its_dates_are_in_the_table(web_app, manager):
    child = a_child(web_app)
    chart = tracker_of(web_app).journey_chart(child["local_authority"], child["child_ref"])
    assert chart["stages"] and chart["stages"][-1]["ended_on"] is None
    page = soup(manager.get(child_url(web_app, child)))
    svg = page.select_one("svg.app-chart")
    assert svg is not None and svg["role"] == "img"
    labelled = svg["aria-labelledby"].split()
    assert [svg.find(id=name).name for name in labelled] == ["title", "desc"]
    assert child["child_ref"] in svg.find("title").get_text()
    assert len(svg.select("rect.app-chart__stage")) == len(chart["stages"])
    timescales = [c for s in chart["stages"] for c in s["timescales"]]
    assert len(svg.select("rect.app-chart__allowed")) == len(timescales)
    rows = page.select("table.app-journey-table tbody tr.app-journey-table__stage")
    assert len(rows) == len(chart["stages"])
    for row, stage in zip(rows, chart["stages"]):
        dates = [t["datetime"] for t in row.find_all("time")]
        assert dates == [stage["started_on"]] + ([stage["ended_on"]] if stage["ended_on"] else [])
        assert row.select("td")[3].get_text(strip=True) == str(stage["days"])
    table = page.select_one("table.app-journey-table")
    shown = {t["datetime"] for t in table.find_all("time")}
    for clock in timescales:
        assert {clock["started_on"], clock["due_on"]} <= shown


def test_the_chart_compares_each_timescale_with_its_due_date(web_app):
    tracker = tracker_of(web_app)
    child = a_child(web_app, open_alert=True)
    chart = tracker.journey_chart(child["local_authority"], child["child_ref"])
    running = [c for c in chart["timescales"] if c["running"]]
    assert running
    for clock in chart["timescales"]:
        started = datetime.date.fromisoformat(clock["started_on"])
        assert clock["days_allowed"] == (datetime.date.fromisoformat(clock["due_on"]) - started).days
        if clock["running"]:
            assert clock["in_time"] is None
        else:
            assert clock["in_time"] == (clock["stopped_on"] <= clock["due_on"])


def test_the_history_is_a_timeline_with_corrections_and_withdrawals_beside_what_they_change(web_app, manager):
    tracker = tracker_of(web_app)
    child = a_child(web_app)
    la, ref = child["local_authority"], child["child_ref"]
    first = tracker.record(la, ref, "family_finding_started", "2025-02-03", recorded_by="mo.manager")
    tracker.correct(la, ref, "family_finding_started", "2025-02-03", "2025-02-10", reason="keyed on the wrong day",
                    recorded_by="mo.manager")
    second = tracker.record(la, ref, "register_referral", "2025-03-03", recorded_by="mo.manager")
    tracker.withdraw(la, ref, "register_referral", "2025-03-03", reason="recorded on the wrong child", recorded_by="mo.manager")
    page = manager.get(child_url(web_app, child))
    assert page_problems(page) == []
    timeline = soup(page).select_one(".moj-timeline")
    items = timeline.select(".moj-timeline__item")
    assert len(items) >= len(tracker.child_history(la, ref, viewer={"username": "t", "role": None, "via": "command line"})["entries"])
    original = timeline.find(id=f"event-{first['event_id']}")
    words = " ".join(original.get_text(" ").split())
    assert "Family finding started" in words and "Corrected on" in words and "now 10 Feb 2025" in words
    assert "keyed on the wrong day" in words and "recorded by mo.manager" in words
    assert original.select_one(".moj-timeline__date time")["datetime"] == "2025-02-03"  # as it was recorded; the correction beside it
    withdrawn = " ".join(timeline.find(id=f"event-{second['event_id']}").get_text(" ").split())
    assert "Withdrawn on" in withdrawn and "recorded on the wrong child" in withdrawn
    correction = next(i for i in items if "Correction of family finding started" in i.get_text())
    assert correction.find("a", href=f"#event-{first['event_id']}")
    assert "It was dated 3 Feb 2025; now 10 Feb 2025" in " ".join(correction.get_text(" ").split())
    assert any("withdrawal of referred to the adoption register" in i.get_text().lower() for i in items)
    recorded = [i.select("time")[-1]["datetime"] for i in items]
    assert recorded == sorted(recorded, reverse=True)  # newest first


def test_the_timeline_holds_the_childs_alerts_own_events(web_app, manager):
    tracker = tracker_of(web_app)
    child = a_child(web_app, open_alert=True)
    alerts = tracker.child_alerts(child["local_authority"], child["child_ref"])
    assert alerts and all(a["history"] for a in alerts)
    page = soup(manager.get(child_url(web_app, child)))
    for alert in alerts:
        for event in alert["history"]:
            item = page.find(id=f"alert-{alert['id']}-{event['version']}")
            assert item is not None and item.find("a", href=f"/alerts/{alert['id']}")


def test_reading_the_page_puts_the_history_read_in_the_view_log(web_app, manager):
    tracker = tracker_of(web_app)
    child = a_child(web_app)
    manager.get(child_url(web_app, child))
    whats = {e["what"] for e in tracker.view_log(child_ref=child["child_ref"])["entries"] if e["by"] == "mo.manager"}
    assert {"record", "history"} <= whats


def test_an_open_alert_is_assigned_and_acknowledged_from_the_childs_page(web_app):
    tracker = tracker_of(web_app)
    terry = signed_in(web_app, "terry.tracker")
    child = a_child(web_app, open_alert=True)
    url = child_url(web_app, child)
    page = terry.get(url)
    alert = next(a for a in tracker.child_alerts(child["local_authority"], child["child_ref"]) if a["status"] == "open")
    form = soup(page).find("form", action=f"/alerts/{alert['id']}/assign")
    assert form.find("input", attrs={"name": "next"})["value"] == url
    assert soup(page).find("label", attrs={"for": f"owner-{alert['id']}"})
    done = post_form(terry, url, f"/alerts/{alert['id']}/assign", {"owner": "me", "next": url})
    assert done.status_code == 302 and done.headers["Location"].startswith(f"{url}?after=")
    back = terry.get(done.headers["Location"])
    assert "Alert assigned to terry.tracker" in text_of(back) and page_problems(back) == []
    done = post_form(terry, url, f"/alerts/{alert['id']}/acknowledge", {"note": "Family finding widened", "next": url})
    assert done.headers["Location"].startswith(f"{url}?after=")
    back = terry.get(done.headers["Location"])
    assert "Alert acknowledged" in text_of(back) and "Family finding widened" in text_of(back)
    assert tracker.alert(alert["id"])["status"] == "acknowledged"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/alerts?x=1", "/children/a/b?c=d"])
def test_a_next_that_is_not_a_childs_page_goes_to_the_alert(web_app, manager, target):
    alert = next(a for a in tracker_of(web_app).alerts() if a["child_ref"] and a["status"] == "open")
    done = post_form(manager, f"/alerts/{alert['id']}", f"/alerts/{alert['id']}/assign", {"owner": "me", "next": target})
    assert done.status_code == 302 and done.headers["Location"].startswith(f"/alerts/{alert['id']}?after=")


def test_an_auditor_sees_no_alert_forms_on_a_childs_page(web_app, auditor):
    child = a_child(web_app, open_alert=True)
    page = auditor.get(child_url(web_app, child))
    assert page.status_code == 200 and not soup(page).find("form", action=lambda a: a and a.startswith("/alerts/"))
    assert soup(page).find("a", href=replay_url(web_app, child))


# -- replay ----------------------------------------------------------------------------


def _recorded_then_corrected(app) -> tuple[dict, dict, str]:
    """A milestone recorded, then corrected a few seconds later: the child, the
    record's answer, and a London time between the two (to the second)."""
    tracker = tracker_of(app)
    child = a_child(app)
    la, ref = child["local_authority"], child["child_ref"]
    recorded = tracker.record(la, ref, "family_finding_started", "2025-02-03", recorded_by="terry.tracker")
    time.sleep(1.1)
    between = datetime.datetime.now(LONDON).replace(microsecond=0)
    time.sleep(1.1)
    tracker.correct(la, ref, "family_finding_started", "2025-02-03", "2025-02-10", reason="keyed on the wrong day",
                    recorded_by="terry.tracker")
    return child, recorded, between.isoformat()


def test_replayed_as_known_before_a_correction_the_old_date_is_shown(web_app, auditor):
    tracker = tracker_of(web_app)
    child, recorded, between = _recorded_then_corrected(web_app)
    day, moment = between[:10], between[11:19]
    before = tracker.view_log()["total"]
    page = auditor.get(f"{replay_url(web_app, child)}?as_at=&known_on={day}&known_time={moment}")
    assert page.status_code == 200 and page_problems(page) == [] and no_inline_styles(page)
    html = soup(page)
    then = html.select_one("#journey-then").find("tr", attrs={"data-event-id": str(recorded["event_id"])})
    now = html.select_one("#journey-now").find("tr", attrs={"data-event-id": str(recorded["event_id"])})
    assert then.find("time")["datetime"] == "2025-02-03" and now.find("time")["datetime"] == "2025-02-10"
    for row in (then, now):  # marked in words, not by colour alone
        assert "Corrected" in row.get_text() and "was 3 Feb 2025, now 10 Feb 2025" in " ".join(row.get_text(" ").split())
    recorded_then = html.select_one("#recorded-by-then + ol").get_text()
    assert "Family finding started".lower() in recorded_then.lower() and "Correction" not in recorded_then
    logged = tracker.view_log(child_ref=child["child_ref"])["entries"]
    assert tracker.view_log()["total"] > before
    assert any(e["by"] == "audrey.auditor" and e["as_known_on"] and e["what"].startswith("journey") for e in logged)


def test_replayed_as_at_a_date_the_later_milestones_are_marked_added(web_app, auditor):
    tracker = tracker_of(web_app)
    child = a_child(web_app)
    chart = tracker.journey_chart(child["local_authority"], child["child_ref"])
    as_at = chart["stages"][-1]["started_on"]
    day_before = (datetime.date.fromisoformat(as_at) - datetime.timedelta(days=1)).isoformat()
    page = auditor.get(f"{replay_url(web_app, child)}?as_at={day_before}&known_on=&known_time=")
    assert page.status_code == 200 and page_problems(page) == []
    now_rows = soup(page).select("#journey-now tbody tr")
    added = [r for r in now_rows if "Added" in r.get_text()]
    assert added and all(r.find("time")["datetime"] > day_before for r in added)
    assert all(r.find("time")["datetime"] <= day_before for r in soup(page).select("#journey-then tbody tr") if r.find("time"))
    entries = tracker.view_log(child_ref=child["child_ref"])["entries"]
    assert any(e["as_at"] == day_before and e["by"] == "audrey.auditor" for e in entries)


@pytest.mark.parametrize("query, field", [
    ("as_at=2024-13-01&known_on=&known_time=", "as_at"),
    ("as_at=&known_on=&known_time=", "as_at"),
    ("as_at=2999-01-01&known_on=&known_time=", "as_at"),
    ("as_at=&known_on=yesterday&known_time=", "known_on"),
    ("as_at=&known_on=2025-01-01&known_time=25:00", "known_time"),
    ("as_at=&known_on=&known_time=10:00", "known_on"),
])
def test_a_replay_with_a_date_that_is_not_one_is_refused_in_the_error_summary(web_app, auditor, query, field):
    tracker = tracker_of(web_app)
    child = a_child(web_app)
    before = tracker.view_log()["total"]
    page = auditor.get(f"{replay_url(web_app, child)}?{query}")
    assert page.status_code == 400 and page_problems(page) == []
    summary = soup(page).select_one(".govuk-error-summary")
    assert summary and summary.find("a", href=f"#{field}")
    assert soup(page).select_one(f"#{field}-error")
    assert tracker.view_log()["total"] == before  # nothing replayed


def test_the_replay_form_alone_is_a_good_page(web_app, auditor):
    page = auditor.get(replay_url(web_app, a_child(web_app)))
    assert page.status_code == 200 and page_problems(page) == []
    assert not soup(page).select("#journey-then")


def test_the_scorecard_as_known_on_a_date_beside_the_current_one(web_app, auditor):
    tracker = tracker_of(web_app)
    la = tracker.councils()[0]["name"]
    page = auditor.get(f"/replay/scorecard?la={la}&period_from=2021-04-01&period_to=2025-03-31&known_on=2020-01-01&known_time=")
    assert page.status_code == 200 and page_problems(page) == [] and no_inline_styles(page)
    table = soup(page).select_one("#scorecard-replay")
    now = tracker.scorecard("2021-04-01", "2025-03-31", la=la)
    assert now["A1"]["children"] > 0
    rows = {r.th.get_text(strip=True)[:3].rstrip(":"): [td.get_text(" ", strip=True) for td in r.select("td")] for r in table.select("tbody tr")}
    assert f"{now['A1']['average_days']} days ({now['A1']['children']} children)" in rows["A1"][1]
    assert rows["A1"][0].startswith("No children")  # nothing had been recorded by 2020
    assert "Changed" in rows["A1"][3]
    assert la in table.caption.get_text()
    latest = tracker.view_log(limit=1)["entries"][0]  # the replay is in the view log
    assert latest["by"] == "audrey.auditor" and latest["as_known_on"] and latest["local_authority"] == la
    assert f"viewed the scorecard of {la} for children adopted from 2021-04-01 to 2025-03-31, as known on 1 Jan 2020" in latest["sentence"]


def test_the_scorecard_replay_refuses_bad_dates(web_app, auditor):
    page = auditor.get("/replay/scorecard?la=&period_from=2024-04-01&period_to=2023-03-31&known_on=&known_time=")
    assert page.status_code == 400 and page_problems(page) == []
    summary = soup(page).select_one(".govuk-error-summary")
    assert summary.find("a", href="#period_to") and summary.find("a", href="#known_on")
    assert page_problems(auditor.get("/replay/scorecard")) == []


# -- who may replay ---------------------------------------------------------------------


def test_a_tracker_may_not_replay(web_app):
    terry = signed_in(web_app, "terry.tracker")
    child = a_child(web_app)
    assert terry.get(replay_url(web_app, child)).status_code == 403
    assert terry.get("/replay/scorecard").status_code == 403
    page = terry.get(child_url(web_app, child))
    assert not soup(page).find("a", href=replay_url(web_app, child))


def test_a_council_scoped_tracker_gets_404_for_another_councils_child(web_app):
    terry = signed_in(web_app, "terry.tracker")  # the first council only
    theirs = a_child(web_app, council_index=1)
    assert terry.get(child_url(web_app, theirs)).status_code == 404


def test_a_council_scoped_auditor_replays_only_their_councils(web_app):
    tracker = tracker_of(web_app)
    names = [c["name"] for c in tracker.councils()]
    tracker.set_councils("audrey.auditor", [names[0]], by="tests")
    auditor = signed_in(web_app, "audrey.auditor")
    mine, theirs = a_child(web_app, council_index=0), a_child(web_app, council_index=1)
    before = tracker.view_log()["total"]
    assert auditor.get(f"{replay_url(web_app, theirs)}?as_at=2024-01-01&known_on=&known_time=").status_code == 404
    assert auditor.get(child_url(web_app, theirs)).status_code == 404
    assert tracker.view_log()["total"] == before
    assert auditor.get(f"{replay_url(web_app, mine)}?as_at=2024-01-01&known_on=&known_time=").status_code == 200
    assert auditor.get(f"/replay/scorecard?la={names[1]}").status_code == 404
    page = auditor.get("/replay/scorecard")
    assert page.status_code == 200
    options = [o.get("value") for o in soup(page).select("#la option")]
    assert options == [names[0]]  # no "all councils" either
    shown = auditor.get("/replay/scorecard?la=&period_from=2021-04-01&period_to=2025-03-31&known_on=2025-03-31&known_time=")
    assert names[0] in soup(shown).select_one("#scorecard-replay caption").get_text()


def test_a_childs_alerts_read_by_its_stream_are_the_councils_list_for_that_child(web_app):
    tracker = tracker_of(web_app)
    la = tracker.councils()[0]["name"]
    children = {a["child_ref"] for a in tracker.alerts(la=la) if a["child_ref"]}
    for ref in sorted(children)[:25]:
        listed = [a for a in tracker.alerts(la=la) if a["child_ref"] == ref]
        assert [{k: v for k, v in a.items() if k != "history"} for a in tracker.child_alerts(la, ref)] == sorted(
            listed, key=lambda a: (a["started_on"], a["rule"]))
        assert tracker.find_child(la, ref)["alerts"] == [a for a in listed if a["status"] != "closed"]


def test_replayed_as_known_before_a_withdrawal_the_milestone_is_shown_marked_withdrawn(web_app, auditor):
    tracker = tracker_of(web_app)
    child = a_child(web_app)
    la, ref = child["local_authority"], child["child_ref"]
    recorded = tracker.record(la, ref, "register_referral", "2025-03-03", recorded_by="terry.tracker")
    time.sleep(1.1)
    between = datetime.datetime.now(LONDON).replace(microsecond=0).isoformat()
    time.sleep(1.1)
    tracker.withdraw(la, ref, "register_referral", "2025-03-03", reason="recorded on the wrong child", recorded_by="terry.tracker")
    page = auditor.get(f"{replay_url(web_app, child)}?as_at=&known_on={between[:10]}&known_time={between[11:19]}")
    assert page.status_code == 200 and page_problems(page) == []
    html = soup(page)
    row = html.select_one("#journey-then").find("tr", attrs={"data-event-id": str(recorded["event_id"])})
    assert row.find("time")["datetime"] == "2025-03-03" and "Withdrawn since" in row.get_text()
    assert not html.select_one("#journey-now").find("tr", attrs={"data-event-id": str(recorded["event_id"])})


# -- what people type is shown as text ------------------------------------------------

MARKUP = '<script>alert("x")</script><b onmouseover="y">bold</b>'


def test_what_people_type_is_shown_as_text_on_every_list_built_row_by_row(web_app, manager):
    """Notes, reasons, a household's reference and an alert's acknowledgement, typed
    with markup in them, come back as the text typed: no element of theirs on the
    child's page (timeline and milestones), the household's page or the alerts list.
    (The household's reference has a slash in it, as some councils' have: its page
    is found.)"""
    tracker = tracker_of(web_app)
    child = a_child(web_app, open_alert=True)
    la, ref = child["local_authority"], child["child_ref"]
    household = 'H<i>"x"</i>'
    tracker.household(household, recorded_by="mo.manager", note=MARKUP)
    tracker.record(la, ref, "family_finding_started", "2025-02-03", recorded_by="mo.manager", note=MARKUP)
    tracker.correct(la, ref, "family_finding_started", "2025-02-03", "2025-02-10", reason=MARKUP, recorded_by="mo.manager")
    tracker.record(la, ref, "matched", "2025-03-03", {"household": household}, recorded_by="mo.manager")
    alert = next(a for a in tracker.alerts(la=la) if a["child_ref"] == ref and a["status"] == "open")
    tracker.assign_alert(alert["id"], to="mo.manager", by="mo.manager")
    tracker.acknowledge_alert(alert["id"], by="mo.manager", note=MARKUP)
    pages = {
        "child": manager.get(child_url(web_app, child)),
        "household": manager.get("/households/" + urllib.parse.quote(household)),
        "alerts": manager.get("/alerts?status=acknowledged"),
        "alert": manager.get(f"/alerts/{alert['id']}"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        html = soup(page)
        assert not html.find("script", string=lambda s: s and 'alert("x")' in s), name
        assert not html.find("b", attrs={"onmouseover": True}), name
        assert not html.find("i", string='"x"'), name
        assert "<" not in "".join(a.get("href", "") for a in html.find_all("a")), name
    assert MARKUP in text_of(pages["child"])  # the note and the reason, as typed
    assert household in text_of(pages["child"]) and household in text_of(pages["household"])
    assert MARKUP in text_of(pages["alert"])


def test_a_child_whose_reference_has_slashes_has_its_pages(web_app, manager):
    """Some councils' references have slashes (CV/2019/42): the child's page, its
    forms and its replay are found by the links the pages give."""
    tracker = tracker_of(web_app)
    la = tracker.councils()[0]["name"]
    done = tracker.record(la, "CV/2019/42", "entered_care", "2025-01-06", recorded_by="mo.manager")
    child = {"local_authority": la, "child_ref": "CV/2019/42"}
    page = manager.get(child_url(web_app, child))
    assert page.status_code == 200 and "CV/2019/42" in text_of(page)
    links = {a["href"] for a in soup(page).find_all("a") if "CV/2019/42" in a.get("href", "")}
    assert any(href.endswith("/record") for href in links)
    assert any(f"/correct/{done['event_id']}" in href for href in links)
    for href in links:
        assert manager.get(href.split("#")[0]).status_code == 200, href
    assert manager.get(replay_url(web_app, child)).status_code == 200
