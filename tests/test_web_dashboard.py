"""The dashboard and a household's page, read as HTML: every figure is the
service's (the scorecard, the trend in its chart and its table, children by
stage, open breaches, my alerts); a user tied to a council sees only its
figures; a household's page shows its approval, wait, children and history
(the viewing in the view log), and its own milestones are recorded, corrected
and withdrawn through its forms, a refused change written nowhere."""

from __future__ import annotations

import pytest
from web_support import csrf_of, page_problems, post_form, sign_in, soup, text_of


def tracker_of(app):
    return app.extensions["journey.tracker"]


@pytest.fixture
def manager(web_app):
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    return client


def _int(text: str):
    return int(text) if text not in ("", None) else None


def scorecard_cells(page) -> dict:
    """What the page's scorecard table says: measure -> (children, figure, threshold, met words)."""
    found = {}
    for row in soup(page).select("#scorecard-table tbody tr"):
        figure = row.find(attrs={"data-figure": True})["data-figure"]
        threshold = row.find(attrs={"data-threshold": True})
        found[row["data-measure"]] = {
            "children": int(row.find(attrs={"data-children": True})["data-children"]),
            "figure": figure,
            "threshold": _int(threshold["data-threshold"]) if threshold else None,
            "tag": row.find(class_="govuk-tag").get_text(strip=True),
        }
    return found


def test_the_dashboard_is_a_good_page_for_each_role_that_sees_children(web_app):
    for username in ("mo.manager", "terry.tracker", "audrey.auditor"):
        client = web_app.test_client()
        sign_in(client, username)
        page = client.get("/")
        assert page.status_code == 200 and page_problems(page) == [], username
        assert soup(page).h1.get_text(strip=True) == "Dashboard"
        html = soup(page)
        assert not html.find(attrs={"style": True}), "no inline style: the CSP allows only the stylesheet"
        for svg in html.find_all("svg", class_="app-chart"):
            assert svg["role"] == "img" and svg.find("title").get_text() and svg.find("desc").get_text()
            assert set(svg["aria-labelledby"].split()) == {svg.find("title")["id"], svg.find("desc")["id"]}
    auditor = web_app.test_client()
    sign_in(auditor, "audrey.auditor")
    assert soup(auditor.get("/")).find("a", href="/view-log"), "the auditor keeps the view log's link"
    admin = web_app.test_client()
    sign_in(admin, "ada.admin")
    home = admin.get("/")
    assert home.status_code == 200 and page_problems(home) == [] and "Accounts" in text_of(home)
    assert not soup(home).find(id="scorecard-table")


@pytest.mark.parametrize("query, year, la", [("", None, None), ("?year=2022-23&la=Solihull", "2022-23", "Solihull")])
def test_the_scorecard_is_the_services_for_the_chosen_year_and_council(web_app, manager, query, year, la):
    tracker = tracker_of(web_app)
    years = tracker.financial_years()
    chosen = next(y for y in years if y["financial_year"] == year) if year else years[0]
    card = tracker.scorecard(chosen["from"], chosen["to"], la=la)
    shown = scorecard_cells(manager.get("/" + query))
    assert set(shown) == {"A1", "A2", "A3", "A10"}
    for measure in ("A1", "A2", "A10"):
        assert shown[measure]["children"] == card[measure]["children"], measure
        assert _int(shown[measure]["figure"]) == card[measure]["average_days"], measure
        assert shown[measure]["threshold"] == card[measure]["threshold_days"], measure
        words = {True: "Met", False: "Not met", None: "Not measured"}[card[measure]["met"]]
        assert shown[measure]["tag"] == words, measure
    assert shown["A3"]["children"] == card["A3"]["children"]
    assert shown["A3"]["figure"] == ("" if card["A3"]["percent"] is None else str(card["A3"]["percent"]))
    assert shown["A3"]["tag"] == "No threshold"


def test_some_measures_are_met_and_some_not_in_words(web_app, manager):
    tags = {c["tag"] for c in scorecard_cells(manager.get("/")).values()}
    assert {"Met", "Not met"} <= tags  # the sample's 2024-25: A10 met, A1 and A2 not


def test_the_trend_table_and_the_chart_hold_the_services_figures(web_app, manager):
    tracker = tracker_of(web_app)
    trend = tracker.scorecard_trend(la="Coventry")
    html = soup(manager.get("/?la=Coventry"))
    rows = html.select("#trend-table tbody tr")
    assert [r["data-year"] for r in rows] == [y["financial_year"] for y in trend] and len(rows) == 6
    for measure in ("A2", "A10"):
        table = {r["data-year"]: (_int(r.find(attrs={"data-measure": measure, "data-days": True})["data-days"]),
                                  _int(r.find(attrs={"data-measure": measure, "data-threshold": True})["data-threshold"]))
                 for r in rows}
        chart = html.find("svg", attrs={"data-measure": measure})
        bars = {b["data-year"]: (int(b["data-days"]), _int(b["data-threshold"])) for b in chart.find_all("rect")}
        assert bars == {year: figures for year, figures in table.items() if figures[0] is not None}, measure
        assert table == {y["financial_year"]: (y[measure]["average_days"], y[measure]["threshold_days"]) for y in trend}
        assert chart.find("path", class_="app-chart__threshold"), "the threshold line"
        years = [t.get_text() for t in chart.find_all("text", class_="app-chart__year")]
        assert years == [y["financial_year"] for y in trend]
        desc = chart.find("desc").get_text()
        for year in trend:
            if year[measure]["average_days"] is not None:
                assert f"{year['financial_year']}: {year[measure]['average_days']} days" in desc


def test_children_by_stage_and_open_breaches_are_the_services(web_app, manager):
    tracker = tracker_of(web_app)
    html = soup(manager.get("/"))
    stages = {r["data-stage"]: int(r.find("td").get_text()) for r in html.select("#stages-table tbody tr")}
    assert stages == tracker.stages()["stages"]
    shown = [(td["data-council"] or None, r["data-rule"], int(td.get_text(" ", strip=True).split()[0]))
             for r in html.select("#breaches-table tbody tr") for td in r.find_all("td")]
    expected = {(b["local_authority"], b["rule"]): b["alerts"] for b in tracker.open_breaches()}
    assert {(la, rule): n for la, rule, n in shown if n} == expected and expected
    breaches = [a for a in tracker.alerts() if a["status"] != "closed" and a["level"] == "breach"]
    assert sum(n for _, _, n in shown) == len(breaches)


def test_my_open_alerts_are_those_assigned_to_me(web_app, manager):
    tracker = tracker_of(web_app)
    assert "0 open alerts assigned to you" in text_of(manager.get("/"))
    alert = next(a for a in tracker.alerts() if a["child_ref"] and a["status"] == "open")
    tracker.assign_alert(alert["id"], to="mo.manager", by="mo.manager")
    html = soup(manager.get("/"))
    assert html.select_one("#my-alerts + ul a")["href"] == f"/alerts/{alert['id']}"
    assert "1 open alert assigned to you" in text_of(manager.get("/"))
    assert tracker.open_alerts_of("mo.manager") == [a for a in tracker.alerts(owner="mo.manager") if a["status"] != "closed"]


def test_a_council_user_sees_only_their_councils_figures(web_app):
    tracker = tracker_of(web_app)
    mine, other = tracker.councils()[0]["name"], tracker.councils()[1]["name"]
    client = web_app.test_client()
    sign_in(client, "terry.tracker")
    for url in ("/", f"/?la={other}"):
        page = client.get(url)
        html = soup(page)
        assert [o["value"] for o in html.select("#filter-la option")] == [mine], url
        assert other not in html.find("main").get_text(), url
        year = tracker.financial_years()[0]
        card = tracker.scorecard(year["from"], year["to"], la=mine)
        assert scorecard_cells(page)["A2"]["children"] == card["A2"]["children"]
        stages = {r["data-stage"]: int(r.find("td").get_text()) for r in html.select("#stages-table tbody tr")}
        assert stages == tracker.stages(la=mine)["stages"]
        councils = {td["data-council"] for td in html.select("#breaches-table tbody td")}
        assert councils == {mine}


def test_the_scoped_queries_refuse_outside_the_users_councils(web_app):
    from journey.service import InvalidValue, UnknownCouncil

    tracker = tracker_of(web_app)
    mine, other = tracker.councils()[0]["name"], tracker.councils()[1]["name"]
    with pytest.raises(UnknownCouncil):
        tracker.scorecard_within("2024-04-01", "2025-03-31", la=other, within=[mine])
    with pytest.raises(InvalidValue):
        tracker.scorecard_trend(within=[mine])
    assert tracker.stages_within(within=[mine])["stages"] == tracker.stages(la=mine)["stages"]
    assert all(b["local_authority"] == mine for b in tracker.open_breaches(within=[mine]))


def test_the_dashboards_one_read_is_the_separate_queries(web_app):
    tracker = tracker_of(web_app)
    mine = tracker.councils()[0]["name"]
    for la, within in ((None, None), ("Solihull", None), (mine, [mine])):
        shown = tracker.dashboard("2023-04-01", "2024-03-31", la=la, within=within, owner="mo.manager")
        assert shown["scorecard"] == tracker.scorecard_within("2023-04-01", "2024-03-31", la=la, within=within)
        assert shown["trend"] == tracker.scorecard_trend(la=la, within=within)
        assert shown["stages"]["stages"] == tracker.stages_within(la=la, within=within)["stages"]
        assert shown["breaches"] == [b for b in tracker.open_breaches(within=within) if la is None or b["local_authority"] == la]
        assert shown["my_alerts"] == tracker.open_alerts_of("mo.manager", within=within)


# ------------------------------------------------------------------ a household's page


def a_household(tracker, *, waiting: bool | None = None, council: str | None = None) -> str:
    """A household of the sample with a child (of `council`, if named), waiting or not."""
    for row in tracker.read_models().query("SELECT household_ref FROM households ORDER BY household_ref"):
        found = tracker.household_summary(row["household_ref"])
        if not found["children"] or (council and council not in {c["local_authority"] for c in found["children"]}):
            continue
        if waiting is None or bool(found["waiting"]) == waiting:
            return row["household_ref"]
    raise AssertionError("no such household in the sample")


def test_a_households_page(web_app, manager):
    tracker = tracker_of(web_app)
    ref = a_household(tracker, waiting=True)
    summary = tracker.household_summary(ref)
    views = tracker.view_log()["total"]
    page = manager.get(f"/households/{ref}")
    assert page.status_code == 200 and page_problems(page) == []
    assert soup(page).h1.get_text(strip=True) == f"Household {ref}"
    text = text_of(page)
    assert f"{summary['waiting']['days_waiting']} days waiting" in text
    for child in summary["children"]:
        assert soup(page).find("a", string=child["child_ref"]), child
    # the milestones, each copy naming its child and offering no change
    assert len(soup(page).select("#milestones + table tbody tr")) == len(summary["milestones"])
    own = next(m for m in summary["milestones"] if m["own"])
    assert soup(page).find("a", href=f"/households/{ref}/milestones/{own['event_id']}/correct")
    copied = [m for m in summary["milestones"] if not m["own"]]
    assert copied and not soup(page).find("a", href=f"/households/{ref}/milestones/{copied[0]['event_id']}/correct")
    # the history, and its viewing in the view log
    history = soup(page).select(".app-history li")
    assert history and "Household registered" in history[0].get_text()
    log = tracker.view_log()
    assert log["total"] == views + 1 and log["entries"][-1]["household_ref"] == ref
    assert log["entries"][-1]["what"] == "household history" and log["entries"][-1]["by"] == "mo.manager"


def test_an_alerts_household_is_linked_to_its_page(web_app, manager):
    alert = next(a for a in tracker_of(web_app).alerts() if a["household"] and a["status"] != "closed")
    page = manager.get("/alerts")
    assert soup(page).find("a", href=f"/households/{alert['household']}")
    assert manager.get(f"/households/{alert['household']}").status_code == 200


def matched_with(tracker, la: str, child_ref: str, household: str, on: str) -> None:
    """A child of `la` in care, with an adoption decision and a placement order, matched with `household` on `on`."""
    tracker.record(la, child_ref, "entered_care", "2024-01-02", recorded_by="tests")
    tracker.record(la, child_ref, "adm_decision", "2024-03-01", recorded_by="tests")
    tracker.record(la, child_ref, "placement_order", "2024-05-01", {"authority": "placement_order"}, recorded_by="tests")
    tracker.record(la, child_ref, "matched", on, {"household": household, "interagency": "no"}, recorded_by="tests")


def test_a_council_user_sees_a_shared_household_through_their_children_only(web_app):
    tracker = tracker_of(web_app)
    mine, other = tracker.councils()[0]["name"], tracker.councils()[1]["name"]
    ref = a_household(tracker, council=mine)
    matched_with(tracker, other, "SHARED-1", ref, "2025-01-10")  # a child of the other council, the same household
    assert "SHARED-1" in {c["child_ref"] for c in tracker.household_summary(ref)["children"]}
    client = web_app.test_client()
    sign_in(client, "terry.tracker")
    page = client.get(f"/households/{ref}")
    assert page.status_code == 200
    assert "SHARED-1" not in soup(page).find("main").find(id="children").find_next("table").get_text()
    assert "SHARED-1" not in soup(page).select_one("#milestones + table").get_text()
    shown_history = soup(page).find(id="history").find_next("ol").get_text()
    assert "SHARED-1" not in shown_history and other not in shown_history
    assert "Registered" in shown_history or "registered" in shown_history  # the household's own entries are shown
    tina = web_app.test_client()
    sign_in(tina, "tina.tracker")  # the other council's: sees it through SHARED-1 only
    seen = tina.get(f"/households/{ref}")
    assert seen.status_code == 200
    assert {a.get_text() for a in soup(seen).select("#children + table tbody a")} == {"SHARED-1"}
    assert "SHARED-1" in soup(seen).find(id="history").find_next("ol").get_text()
    # the correction of the other council's copy is left out of this council's history too
    tracker.correct(other, "SHARED-1", "matched", "2025-01-10", "2025-01-11", reason="keyed the wrong day", recorded_by="tests")
    again = soup(client.get(f"/households/{ref}")).find(id="history").find_next("ol").get_text()
    assert "SHARED-1" not in again and "keyed the wrong day" not in again and other not in again
    as_at = tracker.household_journey_as_at(ref, "2025-03-01", viewer={"username": "t", "role": "tracker", "via": "web"},
                                            within=[mine])["entries"]
    assert not any((e.get("details") or {}).get("child_ref") == "SHARED-1" for e in as_at)
    assert any((e.get("details") or {}).get("child_ref") == "SHARED-1" for e in tracker.household_journey_as_at(
        ref, "2025-03-01", viewer={"username": "t", "role": "tracker", "via": "web"})["entries"])


def test_a_households_long_lists_are_paged_each_on_its_own(web_app, manager):
    tracker = tracker_of(web_app)
    la = tracker.councils()[0]["name"]
    tracker.record_household("BIG-1", "approved", "2023-01-05", recorded_by="tests")
    for n in range(25):
        ref = f"BIG-C{n:02d}"
        tracker.record(la, ref, "entered_care", "2023-02-01", recorded_by="tests")
        tracker.record(la, ref, "adm_decision", "2023-04-01", recorded_by="tests")
        tracker.record(la, ref, "placement_order", "2023-06-01", {"authority": "placement_order"}, recorded_by="tests")
        tracker.record(la, ref, "matched", f"2024-01-{n + 1:02d}", {"household": "BIG-1", "interagency": "no"}, recorded_by="tests")
    summary = tracker.household_summary("BIG-1")
    assert len(summary["children"]) == 25 and len(summary["milestones"]) == 26
    views = tracker.view_log()["total"]
    page = manager.get("/households/BIG-1")
    assert page.status_code == 200 and page_problems(page) == []
    assert tracker.view_log()["total"] == views + 1  # one viewing, whatever page of the history is shown
    html = soup(page)
    children = [a.get_text() for a in html.select("#children ~ table")[0].select("tbody a")]
    assert children == [c["child_ref"] for c in summary["children"][:20]]
    assert "1 to 20 of 25 children shown" in text_of(page)
    navs = html.select("nav.govuk-pagination")
    assert len(navs) == 3 and len({nav["aria-label"] for nav in navs}) == 3  # each list's own, each named
    assert html.find("a", href="/households/BIG-1?children=2#children")
    history = html.find(id="history").find_next("ol")
    assert len(history.find_all("li")) == 20 and not history.get("start")
    # the children's second page keeps the history's place, and the history's keeps the children's
    second = soup(manager.get("/households/BIG-1?children=2&history=2"))
    assert [a.get_text() for a in second.select("#children ~ table")[0].select("tbody a")] == \
        [c["child_ref"] for c in summary["children"][20:]]
    assert second.find("a", href="/households/BIG-1?history=2&children=1#children")
    assert second.find("a", href="/households/BIG-1?children=2&history=1#history")
    later = second.find(id="history").find_next("ol")
    entries = tracker.household_history("BIG-1", viewer={"username": "t", "role": "manager", "via": "web"})["entries"]
    assert later["start"] == "21" and len(later.find_all("li")) == len(entries) - 20
    assert later.find_all("li")[0].get_text().startswith(entries[20]["sentence"])
    # past the end, or not a number: the last page, or the first
    assert soup(manager.get("/households/BIG-1?history=99")).find(id="history").find_next("ol")["start"] == "21"
    assert not soup(manager.get("/households/BIG-1?history=x")).find(id="history").find_next("ol").get("start")
    assert len(soup(manager.get("/households/BIG-1?milestones=2")).select("#milestones ~ table")[0].select("tbody tr")) == 6


def stage_shown(page) -> str:
    """What a household's page says in its Stage row."""
    row = next(r for r in soup(page).select(".govuk-summary-list__row")
               if r.find(class_="govuk-summary-list__key").get_text(strip=True) == "Stage")
    return " ".join(row.find(class_="govuk-summary-list__value").get_text().split())


def test_a_council_user_is_not_told_a_shared_households_stage_by_another_councils_child(web_app):
    tracker = tracker_of(web_app)
    mine, other = tracker.councils()[0]["name"], tracker.councils()[1]["name"]
    ref = a_household(tracker, council=mine)
    # a child of the other council matched and placed with it, after everything else it holds
    matched_with(tracker, other, "SHARED-2", ref, "2025-03-30")
    tracker.record(other, "SHARED-2", "placed", "2025-03-31", {"household": ref, "moved_in_on": "2025-03-31"},
                   recorded_by="tests")
    assert (tracker.household_summary(ref)["stage"], tracker.household_summary(ref)["stage_since"]) == ("placed", "2025-03-31")
    tina = web_app.test_client()
    sign_in(tina, "tina.tracker")  # the other council's: its child placed the household
    assert stage_shown(tina.get(f"/households/{ref}")) == "Placed for adoption, since 31 Mar 2025"
    terry = web_app.test_client()
    sign_in(terry, "terry.tracker")
    shown = stage_shown(terry.get(f"/households/{ref}"))
    # the stage as the household's own milestones and this council's children's give it, not the other's dates
    assert "31 Mar 2025" not in shown and "30 Mar 2025" not in shown
    assert shown and shown != "Registered", shown


def written(tracker) -> int:
    """Events in the log besides the view log's (each showing of a household's
    page puts its viewing there)."""
    return tracker.log_length() - tracker.view_log()["total"]


def _date(day: str) -> dict:
    year, month, d = day.split("-")
    return {"occurred_on-day": str(int(d)), "occurred_on-month": str(int(month)), "occurred_on-year": year}


def test_recording_correcting_and_withdrawing_a_households_milestone(web_app, manager):
    tracker = tracker_of(web_app)
    ref = a_household(tracker, waiting=True)
    url = f"/households/{ref}"
    assert soup(manager.get(url)).find("a", href=f"{url}/record")
    done = post_form(manager, f"{url}/record", f"{url}/record", {"milestone": "review", **_date("2025-03-03"), "note": "annual"})
    assert done.status_code == 302 and "after=" in done.headers["Location"]
    page = manager.get(done.headers["Location"])
    assert "Approval reviewed on 3 Mar 2025 recorded" in soup(page).find(class_="govuk-notification-banner").get_text()
    review = next(m for m in tracker.household_summary(ref)["milestones"] if m["milestone"] == "review" and m["occurred_on"] == "2025-03-03")
    # correct it: the old date shown, the reason required
    form_url = f"{url}/milestones/{review['event_id']}/correct"
    form = manager.get(form_url)
    assert form.status_code == 200 and page_problems(form) == []
    assert soup(form).find("input", attrs={"name": "occurred_on-day"})["value"] == "03"
    before = tracker.log_length()
    refused = manager.post(form_url, data={**_date("2025-03-04"), "reason": "", "csrf_token": csrf_of(form)})
    assert refused.status_code == 400 and page_problems(refused) == []
    summary = soup(refused).find(class_="govuk-error-summary")
    assert summary.find("a", href="#reason") and tracker.log_length() == before
    corrected = manager.post(form_url, data={**_date("2025-03-04"), "reason": "keyed the wrong day", "csrf_token": csrf_of(form)},
                             follow_redirects=True)
    assert "corrected to 4 Mar 2025" in text_of(corrected)
    assert any(m["milestone"] == "review" and m["occurred_on"] == "2025-03-04" for m in tracker.household_summary(ref)["milestones"])
    # withdraw it
    review = next(m for m in tracker.household_summary(ref)["milestones"] if m["milestone"] == "review" and m["occurred_on"] == "2025-03-04")
    form_url = f"{url}/milestones/{review['event_id']}/withdraw"
    form = manager.get(form_url)
    assert form.status_code == 200 and page_problems(form) == []
    withdrawn = manager.post(form_url, data={"reason": "recorded on the wrong household", "csrf_token": csrf_of(form)},
                             follow_redirects=True)
    assert "of 4 Mar 2025 withdrawn" in text_of(withdrawn)
    assert not any(m["milestone"] == "review" and m["occurred_on"] == "2025-03-04" for m in tracker.household_summary(ref)["milestones"])
    history = tracker.household_history(ref, viewer={"username": "t", "role": "manager", "via": "web"})["entries"]
    assert [e["type"] for e in history[-3:]] == ["milestone", "correction", "withdrawal"], history[-3:]


@pytest.mark.parametrize("data, field", [
    ({"milestone": "review", **_date("2025-04-02")}, "occurred_on"),  # after today (31 Mar 2025): the service refuses
    ({"milestone": "review"}, "occurred_on"),  # no date
    ({"milestone": "review", "occurred_on-day": "x", "occurred_on-month": "3", "occurred_on-year": "2025"}, "occurred_on"),
    ({"milestone": "", **_date("2025-03-01")}, "milestone"),
    ({"milestone": "matched", **_date("2025-03-01")}, "milestone"),  # a child's: recorded on the child
    ({"milestone": "withdrawn", **_date("2025-03-01")}, "reason"),
])
def test_a_refused_milestone_is_said_in_the_error_summary_and_nothing_is_written(web_app, manager, data, field):
    tracker = tracker_of(web_app)
    ref = a_household(tracker)
    before = written(tracker)
    page = post_form(manager, f"/households/{ref}", f"/households/{ref}/record", data)
    assert page.status_code == 400 and page_problems(page) == []
    summary = soup(page).find(class_="govuk-error-summary")
    assert summary and summary.find("a", href=f"#{field}"), text_of(page)[:300]
    assert soup(page).find(id=f"{field}-error"), "the field concerned is marked"
    assert written(tracker) == before


def test_a_milestone_copied_from_a_child_has_no_form_here(web_app, manager):
    tracker = tracker_of(web_app)
    ref = a_household(tracker)
    copied = next(m for m in tracker.household_summary(ref)["milestones"] if not m["own"])
    assert manager.get(f"/households/{ref}/milestones/{copied['event_id']}/correct").status_code == 404
    assert manager.get(f"/households/{ref}/milestones/{copied['event_id']}/withdraw").status_code == 404


def test_every_household_form_carries_the_csrf_token(web_app, manager):
    tracker = tracker_of(web_app)
    ref = a_household(tracker)
    own = next(m for m in tracker.household_summary(ref)["milestones"] if m["own"])
    for url in (f"/households/{ref}", f"/households/{ref}/record", f"/households/{ref}/milestones/{own['event_id']}/correct",
                f"/households/{ref}/milestones/{own['event_id']}/withdraw"):
        page = manager.get(url)
        assert page.status_code == 200 and page_problems(page) == [], url
        forms = soup(page).find_all("form", method="post")
        assert forms
        for form in forms:
            assert form.find("input", attrs={"name": "csrf_token", "type": "hidden"}), (url, form.get("action"))


def test_children_by_stage_follow_each_change(web_app, manager):
    """The counts are kept between pages only while the read models stand still."""
    tracker = tracker_of(web_app)
    mine = tracker.councils()[0]["name"]
    before = tracker.stages_within()["stages"]
    assert tracker.stages_within(within=[mine])["stages"] == tracker.stages(la=mine)["stages"]
    tracker.record(mine, "NEW-IN-CARE", "entered_care", "2025-03-01", recorded_by="tests")
    after = tracker.stages_within()["stages"]
    assert after["in_care"] == before["in_care"] + 1 and after == tracker.stages()["stages"]
    assert tracker.stages_within(within=[mine])["stages"] == tracker.stages(la=mine)["stages"]
    html = soup(manager.get("/"))
    assert int(html.select_one('#stages-table tr[data-stage="in_care"] td').get_text()) == after["in_care"]


def test_children_by_stage_are_not_counted_again_after_a_viewing_only(web_app, manager, monkeypatch):
    """Reading a child's page writes its viewings to the view log, which changes no
    child: the counts stand (not read again from every child); a milestone does not."""
    from projections import queries

    tracker = tracker_of(web_app)
    mine = tracker.councils()[0]["name"]
    counted = []
    original = queries.children_by_stage_of
    monkeypatch.setattr(queries, "children_by_stage_of", lambda *a, **k: counted.append(1) or original(*a, **k))
    before = tracker.stages_within()["stages"]
    child = tracker.waiting_page(la=mine)["children"][0]
    code = next(c["code"] or c["name"] for c in tracker.councils() if c["name"] == mine)
    assert manager.get(f"/children/{code}/{child['child_ref']}").status_code == 200  # two viewings written
    counted.clear()
    assert tracker.stages_within()["stages"] == before and counted == []
    tracker.record(mine, "NEW-AFTER-VIEW", "entered_care", "2025-03-01", recorded_by="tests")
    after = tracker.stages_within()["stages"]
    assert counted == [1] and after["in_care"] == before["in_care"] + 1 and after == tracker.stages()["stages"]
