"""Recording in the browser, read as HTML: recording a milestone (chosen, then its
date and details), correcting one, withdrawing one and changing a child's details.
Each page is a good page; a change done goes back to the child's page with a
banner saying what was recorded and the alert it closed; a refused change writes
nothing and comes back with the user's input, the error summary (each rule of
order in a tracker's words) and the field concerned marked."""

from __future__ import annotations

import pytest
from web_support import page_problems, post_form, sign_in, soup, text_of

from journey.service import CHILD_MILESTONES, RULES_OF_ORDER

LA = "Coventry"  # the sample's first council: terry.tracker's
SLUG = "331"
NEW = "FORM-1"  # a child each test makes for itself
BY = "tests"


def tracker_of(app):
    return app.extensions["journey.tracker"]


@pytest.fixture
def tracker(web_app):
    return tracker_of(web_app)


@pytest.fixture
def terry(web_app):
    client = web_app.test_client()
    sign_in(client, "terry.tracker")
    return client


def child_path(ref: str = NEW) -> str:
    return f"/children/{SLUG}/{ref}"


def date_fields(name: str, iso: str) -> dict:
    year, month, day = iso.split("-")
    return {f"{name}-day": str(int(day)), f"{name}-month": str(int(month)), f"{name}-year": year}


def record(client, milestone: str, on: str, ref: str = NEW, **details):
    path = child_path(ref)
    return post_form(client, f"{path}/record?milestone={milestone}", f"{path}/record",
                     {"milestone": milestone, **date_fields("occurred_on", on), **details})


def milestone_of(tracker, name: str, ref: str = NEW) -> dict:
    return next(m for m in tracker.child_summary(LA, ref)["milestones"] if m["milestone"] == name)


def summary_items(page) -> list[tuple[str, str]]:
    return [(a.get_text(" ", strip=True), a.get("href")) for a in soup(page).select(".govuk-error-summary li a")]


def marked(page, field: str) -> bool:
    """Whether the field's form group is marked with its error."""
    element = soup(page).find(id=field) or soup(page).find(id=f"{field}-day")
    group = element.find_parent(class_="govuk-form-group")
    return "govuk-form-group--error" in group["class"] and group.select_one(".govuk-error-message") is not None


def banner(page) -> str:
    found = soup(page).select_one(".govuk-notification-banner--success")
    return " ".join(found.get_text(" ").split()) if found else ""


def a_child_with_an_open_alert_closed_by_a_match(tracker):
    """A child of LA with an open order-to-match alert and no placement running."""
    for alert in tracker.alerts(la=LA):
        if alert["rule"] != "order-to-match" or alert["status"] != "open" or not alert["child_ref"]:
            continue
        names = [m["milestone"] for m in tracker.child_summary(LA, alert["child_ref"])["milestones"]]
        if "placed" not in names or names[-1] == "disruption" or "disruption" in names[names.index("placed"):]:
            return alert
    raise AssertionError("the sample has no such child")


def an_approved_household(tracker) -> str:
    return next(h["household_ref"] for h in tracker.household_choices() if h["stage"] == "approved")


# -- the pages ---------------------------------------------------------------------------------


def test_every_recording_page_is_a_good_page(web_app, tracker, terry):
    tracker.record(LA, NEW, "placed", "2024-05-01", {"household": an_approved_household(tracker), "foster_carer_adoption": "yes"},
                   recorded_by=BY)
    placed = milestone_of(tracker, "placed")
    urls = [f"{child_path()}/record", f"{child_path()}/record?milestone=nope", f"{child_path()}/details",
            f"{child_path()}/correct/{placed['event_id']}", f"{child_path()}/withdraw/{placed['event_id']}"]
    urls += [f"{child_path()}/record?milestone={name}" for name in CHILD_MILESTONES]
    for url in urls:
        page = terry.get(url)
        assert page.status_code in (200, 400), url
        assert page_problems(page) == [], url
        for form in soup(page).find_all("form"):
            if form.get("method", "get").lower() == "post":
                assert form.find("input", attrs={"name": "csrf_token", "type": "hidden"}), (url, form.get("action"))


def test_the_milestones_are_offered_in_journey_order_in_a_trackers_words(terry, tracker):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    page = terry.get(f"{child_path()}/record")
    radios = soup(page).select("input[name=milestone]")
    assert [r["value"] for r in radios] == list(CHILD_MILESTONES)
    label = soup(page).find("label", attrs={"for": radios[7]["id"]}).get_text(strip=True)
    assert label == "Agency decision maker decided the child should be placed for adoption"
    assert soup(page).find("main").find("form")["method"] == "get"  # the second step works without JavaScript


def test_the_second_step_asks_for_the_chosen_milestones_details_only(terry, tracker):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    page = terry.get(f"{child_path()}/record?milestone=placed")
    names = {f["name"] for f in soup(page).find_all(["input", "select", "textarea"]) if f.get("type") != "hidden"}
    assert names == {"occurred_on-day", "occurred_on-month", "occurred_on-year", "household", "household_other", "moved_in_on-day",
                     "moved_in_on-month", "moved_in_on-year", "foster_carer_adoption"}
    options = [o["value"] for o in soup(page).select("select#household option")]
    offered = tracker.household_choices_for(LA, NEW)
    assert offered["named"] == [] and offered["known"] > len(offered["waiting"]) > 0
    assert options[0] == "" and options[1:] == [w["household_ref"] for w in offered["waiting"]]
    reversal = terry.get(f"{child_path()}/record?milestone=decision_reversed")
    assert [r["value"] for r in soup(reversal).select("input[name=reason]")] == ["RD1", "RD2", "RD3", "RD4"]
    assert "RD2: The court did not make a placement order" in text_of(reversal)
    for query in ("milestone=nope", "chosen=1"):
        choose = terry.get(f"{child_path()}/record?{query}")
        assert choose.status_code == 400 and summary_items(choose) == [("Choose the milestone to record", "#milestone")]


def test_the_household_list_offers_the_childs_households_then_those_waiting_and_any_other_can_be_typed(terry, tracker):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    waiting = [w["household_ref"] for w in tracker.household_choices_for(LA, NEW)["waiting"]]
    every = sorted(tracker.household_refs())
    assert 0 < len(waiting) < len(every)
    tracker.record(LA, NEW, "adm_decision", "2024-03-01", recorded_by=BY)
    tracker.record(LA, NEW, "placement_order", "2024-05-01", {"authority": "placement_order"}, recorded_by=BY)
    other = next(ref for ref in every if ref not in waiting)  # not in the list: matched, withdrawn or never approved
    assert record(terry, "matched", "2024-09-02", household=waiting[-1]).status_code == 302
    page = terry.get(f"{child_path()}/record?milestone=placed")
    assert page.status_code == 200 and page_problems(page) == []
    options = [o["value"] for o in soup(page).select("select#household option")][1:]
    assert options == [waiting[-1]] + [ref for ref in waiting if ref != waiting[-1]]  # the child's match first
    assert "named in this child's record" in soup(page).select("select#household option")[1].get_text()
    assert f"any of the agency's {len(every)} households" in text_of(page)
    # another household, typed: recorded with it
    done = record(terry, "link_identified", "2024-08-01", household_other=f"  {other.lower()} ")  # as typed: any case
    assert done.status_code == 302, text_of(done)
    assert milestone_of(tracker, "link_identified")["details"]["household"] == other
    # one never recorded, or two households at once: refused, nothing written, the typed field marked
    before = tracker.log_length()
    unknown = record(terry, "match_panel", "2024-08-20", household_other="NO-SUCH-HH")
    assert unknown.status_code == 400 and tracker.log_length() == before
    assert summary_items(unknown) == [("No household NO-SUCH-HH is recorded: check the reference, or choose one from the list",
                                      "#household_other")]
    assert marked(unknown, "household_other")
    both = record(terry, "match_panel", "2024-08-20", household=waiting[0], household_other=other)
    assert both.status_code == 400 and tracker.log_length() == before
    assert summary_items(both)[0][1] == "#household_other"


def test_the_child_page_links_to_the_forms_for_trackers_only(web_app, tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    event = milestone_of(tracker, "entered_care")["event_id"]
    page = terry.get(child_path())
    links = {a["href"] for a in soup(page).select("a")}
    assert {f"{child_path()}/record", f"{child_path()}/details", f"{child_path()}/correct/{event}",
            f"{child_path()}/withdraw/{event}"} <= links
    auditor = web_app.test_client()
    sign_in(auditor, "audrey.auditor")
    assert f"{child_path()}/record" not in auditor.get(child_path()).get_data(as_text=True)


# -- recording: done ---------------------------------------------------------------------------


def test_recording_a_match_goes_to_the_child_page_with_a_banner_naming_the_alert_it_closed(web_app, tracker, terry):
    alert = a_child_with_an_open_alert_closed_by_a_match(tracker)
    household = an_approved_household(tracker)
    before = tracker.log_length()
    done = record(terry, "matched", "2025-03-20", alert["child_ref"], household=household)
    assert done.status_code == 302
    location = done.headers["Location"]
    assert location.startswith(f"{child_path(alert['child_ref'])}?after=")
    assert int(location.rsplit("=", 1)[1]) == tracker.log_length() > before
    page = terry.get(location)
    rule = next(r["title"] for r in tracker.alert_rules() if r["id"] == "order-to-match")
    assert banner(page).startswith("Done Recorded: Matched on 20 Mar 2025.")
    assert "alert closed" in banner(page) and rule in banner(page)
    assert alert["id"] not in open_alerts_section(page)
    matched = [m for m in tracker.child_summary(LA, alert["child_ref"])["milestones"] if m["occurred_on"] == "2025-03-20"]
    assert [(m["milestone"], m["details"]) for m in matched] == [("matched", {"household": household})]
    assert next(a for a in tracker.alerts(status="closed") if a["id"] == alert["id"])["stopped_by"] == "matched"


def test_recording_with_details_passes_them_to_the_service(tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    done = record(terry, "placement_order", "2024-03-01", authority="consent")
    assert done.status_code == 302
    assert milestone_of(tracker, "placement_order")["details"] == {"authority": "consent"}
    done = record(terry, "decision_reversed", "2024-04-01", reason="RD3")
    assert done.status_code == 302
    assert milestone_of(tracker, "decision_reversed")["details"] == {"reason": "RD3"}


def test_recording_what_is_already_recorded_adds_nothing_and_says_so(tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    before = tracker.log_length()
    done = record(terry, "entered_care", "2024-01-10")
    assert done.status_code == 302 and "after=" not in done.headers["Location"]
    assert tracker.log_length() == before
    page = terry.get(done.headers["Location"])
    assert "Already recorded: Entered care on 10 Jan 2024. Nothing was added." in banner(page)


# -- recording: refused ------------------------------------------------------------------------


def test_the_form_checks_its_fields_and_keeps_what_was_typed(tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    before = tracker.log_length()
    page = record(terry, "placed", "2024-02-30", household="NO-SUCH-HOUSEHOLD", **{"moved_in_on-day": "4"})
    assert page.status_code == 400 and tracker.log_length() == before
    assert summary_items(page) == [
        ("The date it happened must be a real date", "#occurred_on-day"),
        ("Choose a household from the list", "#household"),
        ("The date the child moved in must include a month and a year", "#moved_in_on-day"),
    ]
    assert marked(page, "occurred_on") and marked(page, "household") and marked(page, "moved_in_on")
    assert soup(page).find(id="occurred_on-day")["value"] == "30" and soup(page).find(id="moved_in_on-day")["value"] == "4"
    assert page_problems(page) == []
    empty = post_form(terry, f"{child_path()}/record?milestone=adm_decision", f"{child_path()}/record", {"milestone": "adm_decision"})
    assert summary_items(empty) == [("Enter the date it happened", "#occurred_on-day")]


# Each rule of order: what the child's record holds first, the milestone the form
# records, and what the error summary says (today is the sample's 31 Mar 2025).
RULE_CASES = {
    "before birth": (
        [("attributes", {"date_of_birth": "2024-01-10"})],
        ("entered_care", "2024-01-01", {}),
        "The entry to care (1 Jan 2024) cannot come before the child's date of birth (10 Jan 2024): check the dates",
    ),
    "decision before care": (
        [("entered_care", "2024-03-01", {})],
        ("adm_decision", "2024-02-01", {}),
        "The adoption decision (1 Feb 2024) cannot come before the child entered care (1 Mar 2024) for the period of "
        "care it belongs to: check the dates",
    ),
    "match after placement": (
        [("placed", "2024-05-01", {"household": "HOUSEHOLD"})],
        ("matched", "2024-06-01", {"household": "HOUSEHOLD"}),
        "The match (1 Jun 2024) cannot come after the placement it leads to (1 May 2024): check the dates",
    ),
    "placed on or after adoption order": (
        [("adoption_order", "2024-06-01", {})],
        ("placed", "2024-06-01", {}),
        "The placement (1 Jun 2024) cannot be on or after the adoption order (1 Jun 2024): check the dates",
    ),
    "after adoption order": (
        [("adoption_order", "2024-06-01", {})],
        ("family_finding_started", "2024-07-01", {}),
        "The start of family finding (1 Jul 2024) cannot come after the adoption order (1 Jun 2024): check the dates",
    ),
    "after decision reversed": (
        [("adm_decision", "2024-01-01", {}), ("decision_reversed", "2024-02-01", {"reason": "RD1"})],
        ("matched", "2024-03-01", {}),
        "The match (1 Mar 2024) cannot follow the reversal of the adoption decision (1 Feb 2024) unless a new "
        "adoption decision is recorded between them: check the dates",
    ),
    "date in the future": (
        [("entered_care", "2025-01-10", {})],
        ("adm_decision", "2025-04-10", {}),
        "The adoption decision (10 Apr 2025) cannot be in the future: today is 31 Mar 2025",
    ),
}


def test_every_rule_of_order_has_a_case_here():
    assert set(RULE_CASES) == set(RULES_OF_ORDER)


@pytest.mark.parametrize("rule", RULES_OF_ORDER)
def test_each_rule_of_order_refuses_the_form_in_a_trackers_words(tracker, terry, rule):
    first, (milestone, on, details), words = RULE_CASES[rule]
    household = an_approved_household(tracker)
    fill = {"HOUSEHOLD": household}
    for step in first:
        if step[0] == "attributes":
            tracker.child(LA, NEW, step[1], recorded_by=BY)
        else:
            name, day, given = step
            tracker.record(LA, NEW, name, day, {k: fill.get(v, v) for k, v in given.items()}, recorded_by=BY)
    before = tracker.log_length()
    page = record(terry, milestone, on, **{k: fill.get(v, v) for k, v in details.items()})
    assert page.status_code == 400
    assert tracker.log_length() == before  # nothing written
    assert summary_items(page) == [(words, "#occurred_on-day")]
    assert marked(page, "occurred_on")
    assert soup(page).find(id="occurred_on-year")["value"] == on[:4]  # what was typed is kept
    assert soup(page).select_one("input[name=milestone]")["value"] == milestone
    assert page_problems(page) == []


def test_a_date_detail_that_breaks_a_rule_is_the_field_marked(tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    before = tracker.log_length()
    page = record(terry, "placed", "2025-03-01", household=an_approved_household(tracker), **date_fields("moved_in_on", "2025-05-01"))
    assert page.status_code == 400 and tracker.log_length() == before
    assert summary_items(page) == [
        ("Date the child moved in for the placement cannot be in the future: today is 31 Mar 2025", "#moved_in_on-day")]
    assert marked(page, "moved_in_on") and not marked(page, "occurred_on")


# -- correcting --------------------------------------------------------------------------------


def test_correcting_a_date_shows_the_old_values_and_needs_a_reason(tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", {"legal_status": "C2"}, recorded_by=BY)
    event = milestone_of(tracker, "entered_care")["event_id"]
    url = f"{child_path()}/correct/{event}"
    page = terry.get(url)
    current = " ".join(soup(page).find(id="current").get_text(" ").split())
    assert "Date 10 Jan 2024" in current and "Legal status C2" in current
    assert soup(page).find(id="occurred_on-day")["value"] == "10" and soup(page).find(id="legal_status")["value"] == "C2"
    before = tracker.log_length()
    refused = post_form(terry, url, url, {**date_fields("occurred_on", "2024-01-12"), "legal_status": "C2"})
    assert refused.status_code == 400 and tracker.log_length() == before
    assert summary_items(refused) == [("Enter the reason for the correction", "#reason")] and marked(refused, "reason")
    assert soup(refused).find(id="occurred_on-day")["value"] == "12"
    done = post_form(terry, url, url, {**date_fields("occurred_on", "2024-01-12"), "legal_status": "C1",
                                        "reason": "keyed from the wrong letter"})
    assert done.status_code == 302 and "after=" in done.headers["Location"]
    page = terry.get(done.headers["Location"])
    assert "Corrected: Entered care, now on 12 Jan 2024 (it was 10 Jan 2024)." in banner(page)
    corrected = milestone_of(tracker, "entered_care")
    assert (corrected["occurred_on"], corrected["details"]) == ("2024-01-12", {"legal_status": "C1"})


def test_a_correction_that_breaks_a_rule_writes_nothing_and_says_why(tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    tracker.record(LA, NEW, "adm_decision", "2024-03-01", recorded_by=BY)
    event = milestone_of(tracker, "entered_care")["event_id"]
    url = f"{child_path()}/correct/{event}"
    before = tracker.log_length()
    page = post_form(terry, url, url, {**date_fields("occurred_on", "2024-04-01"), "reason": "wrong year"})
    assert page.status_code == 400 and tracker.log_length() == before
    assert summary_items(page) == [(
        "The adoption decision (1 Mar 2024) cannot come before the child entered care (1 Apr 2024) for the period of "
        "care it belongs to: check the dates", "#occurred_on-day")]
    assert marked(page, "occurred_on") and soup(page).find(id="reason").get_text() .strip() == "wrong year"
    nothing = post_form(terry, url, url, {**date_fields("occurred_on", "2024-01-10"), "reason": "no change"})
    assert nothing.status_code == 400 and tracker.log_length() == before
    assert summary_items(nothing) == [("The correction changes nothing: change the date or a detail", "#occurred_on-day")]


def test_a_reversal_reason_is_corrected_as_new_reason(tracker, terry):
    tracker.record(LA, NEW, "adm_decision", "2024-01-01", recorded_by=BY)
    tracker.record(LA, NEW, "decision_reversed", "2024-02-01", {"reason": "RD1"}, recorded_by=BY)
    event = milestone_of(tracker, "decision_reversed")["event_id"]
    url = f"{child_path()}/correct/{event}"
    page = terry.get(url)
    assert soup(page).select_one("input[name=new_reason][checked]")["value"] == "RD1"
    done = post_form(terry, url, url, {**date_fields("occurred_on", "2024-02-01"), "new_reason": "RD4", "reason": "misread"})
    assert done.status_code == 302
    assert milestone_of(tracker, "decision_reversed")["details"] == {"reason": "RD4"}
    assert "Corrected: the details of Adoption decision reversed on 1 Feb 2024." in banner(terry.get(done.headers["Location"]))


def test_a_milestone_that_is_not_current_is_not_found(tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    assert terry.get(f"{child_path()}/correct/999").status_code == 404
    assert terry.get(f"{child_path()}/withdraw/999").status_code == 404


# -- withdrawing -------------------------------------------------------------------------------


def test_withdrawing_needs_a_reason_and_then_says_what_it_withdrew(tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    tracker.record(LA, NEW, "family_finding_started", "2024-02-10", recorded_by=BY)
    event = milestone_of(tracker, "family_finding_started")["event_id"]
    url = f"{child_path()}/withdraw/{event}"
    page = terry.get(url)
    assert "Start of family finding" not in text_of(page) and "Family finding started" in text_of(page)
    before = tracker.log_length()
    refused = post_form(terry, url, url, {"reason": "  "})
    assert refused.status_code == 400 and tracker.log_length() == before
    assert summary_items(refused) == [("Enter why the milestone is withdrawn", "#reason")] and marked(refused, "reason")
    done = post_form(terry, url, url, {"reason": "recorded against the wrong child"})
    assert done.status_code == 302
    assert "Withdrawn: Family finding started on 10 Feb 2024." in banner(terry.get(done.headers["Location"]))
    assert [m["milestone"] for m in tracker.child_summary(LA, NEW)["milestones"]] == ["entered_care"]


def test_a_withdrawal_that_breaks_a_rule_writes_nothing_and_says_why(tracker, terry):
    for name, day, details in (("adm_decision", "2024-01-01", {}), ("decision_reversed", "2024-02-01", {"reason": "RD1"}),
                               ("adm_decision", "2024-03-01", {}), ("matched", "2024-04-01", {})):
        tracker.record(LA, NEW, name, day, details, recorded_by=BY)
    second = [m for m in tracker.child_summary(LA, NEW)["milestones"] if m["milestone"] == "adm_decision"][1]
    url = f"{child_path()}/withdraw/{second['event_id']}"
    before = tracker.log_length()
    page = post_form(terry, url, url, {"reason": "keyed twice"})
    assert page.status_code == 400 and tracker.log_length() == before
    listed = [li.get_text(" ", strip=True) for li in soup(page).select(".govuk-error-summary li")]
    assert listed == ["The match (1 Apr 2024) cannot follow the reversal of the adoption decision (1 Feb 2024) unless a "
                      "new adoption decision is recorded between them: check the dates"]
    assert soup(page).find(id="reason").get_text().strip() == "keyed twice"
    assert page_problems(page) == []


# -- the child's details -----------------------------------------------------------------------


def test_changing_the_childs_details(tracker, terry):
    tracker.child(LA, NEW, {"date_of_birth": "2022-05-01", "sex": "1"}, recorded_by=BY)
    url = f"{child_path()}/details"
    page = terry.get(url)
    assert soup(page).find(id="date_of_birth-day")["value"] == "1"
    assert soup(page).select_one("input[name=sex][checked]")["value"] == "1"
    done = post_form(terry, url, url, {**date_fields("date_of_birth", "2022-05-01"), "sex": "2", "ethnicity": "MWBC",
                                        "disability": "no", "sibling_group": "SG-9"})
    assert done.status_code == 302
    assert "Child's details changed: sex, ethnicity, disabled, sibling group." in banner(terry.get(done.headers["Location"]))
    assert tracker.child_summary(LA, NEW)["attributes"] == {
        "date_of_birth": "2022-05-01", "sex": "2", "ethnicity": "MWBC", "disability": False, "sibling_group": "SG-9"}
    again = post_form(terry, url, url, {"sex": "2"})
    assert "Nothing changed" in banner(terry.get(again.headers["Location"]))


def test_a_date_of_birth_after_a_milestone_is_refused_on_that_field(tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    url = f"{child_path()}/details"
    before = tracker.log_length()
    page = post_form(terry, url, url, {**date_fields("date_of_birth", "2024-02-01"), "ethnicity": "WBRI"})
    assert page.status_code == 400 and tracker.log_length() == before
    assert summary_items(page) == [(
        "The entry to care (10 Jan 2024) cannot come before the child's date of birth (1 Feb 2024): check the dates",
        "#date_of_birth-day")]
    assert marked(page, "date_of_birth") and soup(page).select_one("#ethnicity option[selected]")["value"] == "WBRI"
    future = post_form(terry, url, url, date_fields("date_of_birth", "2025-06-01"))
    assert ("The date of birth cannot be in the future: today is 31 Mar 2025", "#date_of_birth-day") in summary_items(future)
    wrong = post_form(terry, url, url, {**date_fields("date_of_birth", "2024-02-01"), "sex": "3"})
    assert ("Choose male or female", "#sex") in summary_items(wrong) and tracker.log_length() == before


# -- forged forms ------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(tracker, terry):
    tracker.record(LA, NEW, "entered_care", "2024-01-10", recorded_by=BY)
    event = milestone_of(tracker, "entered_care")["event_id"]
    before = tracker.log_length()
    posts = {
        "record": {"milestone": "adm_decision", **date_fields("occurred_on", "2024-03-01")},
        f"correct/{event}": {**date_fields("occurred_on", "2024-01-11"), "reason": "forged"},
        f"withdraw/{event}": {"reason": "forged"},
        "details": {"sex": "2"},
    }
    for action, data in posts.items():
        assert terry.post(f"{child_path()}/{action}", data=data).status_code == 400, action
        assert terry.post(f"{child_path()}/{action}", data={**data, "csrf_token": "made-up"}).status_code == 400, action
    assert tracker.log_length() == before


def test_the_forms_have_words_for_every_milestone_detail_code_and_rule():
    from journey.service import AUTHORITIES, CHILD_MILESTONE_DETAILS, EARLY_PERMANENCE_KINDS, ETHNICITIES
    from web.recording import words

    assert set(words.MILESTONE_NOUNS) == set(CHILD_MILESTONES)
    assert {d for details in CHILD_MILESTONE_DETAILS.values() for d in details} <= set(words.DETAIL_LABELS)
    assert set(words.AUTHORITY_WORDS) == set(AUTHORITIES) and set(words.KIND_WORDS) == set(EARLY_PERMANENCE_KINDS)
    assert set(words.ETHNICITY_WORDS) == set(ETHNICITIES)
    assert set(words.RULE_WORDS) == set(RULES_OF_ORDER)


def open_alerts_section(page) -> str:
    """The HTML of the child page's "Open alerts" section (to the next heading of its level)."""
    heading = soup(page).find("h2", id="open-alerts")
    assert heading is not None
    parts = []
    for sibling in heading.find_next_siblings():
        if sibling.name == "h2":
            break
        parts.append(str(sibling))
    return "".join(parts)
