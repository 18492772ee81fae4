"""Who may open which page: every route declares its permission (a test walks the
URL map), each role gets what its permission table says, and a child or alert of
a council the user does not see is a 404, never a 403, on every route."""

from __future__ import annotations

import json

import pytest
from web_support import ACCOUNTS, csrf_of, sign_in

from journey.service import PERMISSIONS, can
from web.access import PUBLIC, permission_of

# Every route of the application: (endpoint, method, the permission it needs).
ROUTES = {
    "static": ("GET", PUBLIC),
    "signing_in.sign_in": ("GET", PUBLIC),
    "signing_in.sign_out": ("POST", "signed_in"),
    "home.home": ("GET", "signed_in"),
    "alerts.list_alerts": ("GET", "view_children"),
    "alerts.my_alerts": ("GET", "view_children"),
    "alerts.alert": ("GET", "view_children"),
    "alerts.assign": ("POST", "work_alerts"),
    "alerts.acknowledge": ("POST", "work_alerts"),
    "alerts.weekly_review": ("GET", "view_children"),
    "children.waiting": ("GET", "view_children"),
    "children.waiting_csv": ("GET", "view_children"),
    "children.find": ("GET", "view_children"),
    "children.child": ("GET", "view_children"),
    "recording.record": ("GET, POST", "record_milestones"),
    "recording.correct": ("GET, POST", "record_milestones"),
    "recording.withdraw": ("GET, POST", "record_milestones"),
    "recording.details": ("GET, POST", "record_milestones"),
    "replay.child": ("GET", "replay"),
    "replay.scorecard": ("GET", "replay"),
    "households.household": ("GET", "view_children"),
    "households.record": ("GET, POST", "record_milestones"),
    "households.correct": ("GET, POST", "record_milestones"),
    "households.withdraw": ("GET, POST", "record_milestones"),
    "audit.view_log": ("GET", "read_view_log"),
}


def test_every_route_declares_a_permission(web_app):
    undeclared = [r.rule for r in web_app.url_map.iter_rules() if permission_of(web_app, r.endpoint) is None]
    assert undeclared == []


def test_every_route_is_in_this_matrix_with_the_permission_it_declares(web_app):
    endpoints = {r.endpoint for r in web_app.url_map.iter_rules()}
    assert endpoints == set(ROUTES), "add the new route to ROUTES (and to the matrix below)"
    for endpoint, (_, permission) in ROUTES.items():
        assert permission_of(web_app, endpoint) == permission, endpoint


def test_a_route_without_a_permission_is_refused(web_app):
    web_app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    assert client.get("/forgotten").status_code == 403


def test_an_unknown_permission_is_an_error_when_the_route_is_written():
    from web.access import requires

    with pytest.raises(ValueError):
        requires("view_childern")


def _urls(tracker, council_index: int = 0) -> dict[str, str]:
    """A URL for each GET route, about a child and an alert of the council at `council_index`."""
    council = tracker.councils()[council_index]
    alert = next(a for a in tracker.alerts(la=council["name"]) if a["child_ref"] and a["status"] != "closed")
    child = f"/children/{council['code'] or council['name']}/{alert['child_ref']}"
    event = tracker.child_summary(council["name"], alert["child_ref"])["milestones"][-1]["event_id"]
    household, event_id = household_of(tracker, council["name"])
    return {
        "home.home": "/",
        "alerts.list_alerts": "/alerts",
        "alerts.my_alerts": "/alerts/mine",
        "alerts.alert": f"/alerts/{alert['id']}",
        "alerts.weekly_review": "/alerts/weekly-review",
        "children.waiting": "/children/waiting",
        "children.waiting_csv": "/children/waiting.csv",
        "children.find": "/children/find",
        "children.child": child,
        "recording.record": f"{child}/record",
        "recording.correct": f"{child}/correct/{event}",
        "recording.withdraw": f"{child}/withdraw/{event}",
        "recording.details": f"{child}/details",
        "replay.child": f"/replay/children/{council['code'] or council['name']}/{alert['child_ref']}",
        "replay.scorecard": "/replay/scorecard",
        "households.household": f"/households/{household}",
        "households.record": f"/households/{household}/record",
        "households.correct": f"/households/{household}/milestones/{event_id}/correct",
        "households.withdraw": f"/households/{household}/milestones/{event_id}/withdraw",
        "audit.view_log": "/view-log",
    }


# What each recording form posts: a change the service would accept, were the
# user allowed to make it (the milestone of `_urls`, corrected or withdrawn).
RECORDING_POSTS = {
    "recording.record": {"milestone": "family_finding_started", "occurred_on-day": "1", "occurred_on-month": "3",
                         "occurred_on-year": "2025"},
    "recording.correct": {"reason": "not allowed", "occurred_on-day": "1", "occurred_on-month": "1", "occurred_on-year": "2020"},
    "recording.withdraw": {"reason": "not allowed"},
    "recording.details": {"sibling_group": "NOT-ALLOWED"},
}


def household_of(tracker, council: str, *, theirs: bool = True) -> tuple[str, int]:
    """A household with one of its own milestones (its reference and the event id)
    that has a child of `council` (theirs), or none of that council's children."""
    rows = tracker.read_models().execute(
        "SELECT s.household_ref, m.details, m.event_id, m.name FROM streams s JOIN milestones m USING (stream_no)"
        " WHERE s.kind = 'household' AND m.withdrawn = 0 ORDER BY s.household_ref, m.event_id"
    ).fetchall()
    councils, own = {}, {}
    for ref, details, event_id, _name in rows:
        la = json.loads(details).get("local_authority")
        councils.setdefault(ref, set())
        if la:
            councils[ref].add(la)
        else:
            own.setdefault(ref, event_id)
    return next((ref, own[ref]) for ref in sorted(own) if (council in councils[ref]) == theirs and (councils[ref] or not theirs))


def tracker_of(app):
    return app.extensions["journey.tracker"]


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_each_role_opens_what_its_permissions_allow(web_app, username):
    role, councils = ACCOUNTS[username]
    client = web_app.test_client()
    assert sign_in(client, username).status_code == 302
    # A council-scoped user is asked about a child and an alert of their own council.
    urls = _urls(tracker_of(web_app), councils[0] if councils else 0)
    for endpoint, url in urls.items():
        permission = ROUTES[endpoint][1]
        expected = 200 if can(role, permission) else 403
        assert client.get(url).status_code == expected, (username, url)


def test_signed_out_visitors_are_sent_to_sign_in(web_app):
    client = web_app.test_client()
    for endpoint, url in _urls(tracker_of(web_app)).items():
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url
    assert client.get("/sign-in").status_code == 200
    assert client.get("/assets/application.css").status_code in (200, 404)  # public (built by the install step)


def test_another_councils_child_and_alert_are_404_on_every_route(web_app):
    tracker = tracker_of(web_app)
    client = web_app.test_client()
    sign_in(client, "terry.tracker")  # Council 0 only
    theirs = _urls(tracker, 1)
    assert client.get(theirs["children.child"]).status_code == 404
    assert client.get(theirs["alerts.alert"]).status_code == 404
    page = client.get("/alerts")
    alert_id = theirs["alerts.alert"].rsplit("/", 1)[1]
    before = tracker.log_length()
    for action, data in (("assign", {"owner": "me"}), ("acknowledge", {"note": "on it"})):
        response = client.post(f"/alerts/{alert_id}/{action}", data={**data, "csrf_token": csrf_of(page)})
        assert response.status_code == 404, action
    assert tracker.log_length() == before
    # and the lists leave them out
    other = tracker.councils()[1]["name"]
    assert other not in client.get("/alerts").get_data(as_text=True)
    assert other not in client.get("/children/waiting").get_data(as_text=True)
    assert other not in client.get("/children/waiting.csv").get_data(as_text=True)
    # a made-up filter for another council shows nothing of it either
    assert other not in client.get(f"/children/waiting?la={other}").get_data(as_text=True).split("<main", 1)[1]


def test_a_child_that_does_not_exist_is_404_too(web_app):
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    council = tracker_of(web_app).councils()[0]
    assert client.get(f"/children/{council['code'] or council['name']}/NO-SUCH-CHILD").status_code == 404
    assert client.get("/children/Atlantis/C1").status_code == 404
    assert client.get("/alerts/00000000-0000-0000-0000-000000000000").status_code == 404


def test_an_auditor_changes_no_alert(web_app):
    tracker = tracker_of(web_app)
    client = web_app.test_client()
    sign_in(client, "audrey.auditor")
    alert_url = _urls(tracker)["alerts.alert"]
    page = client.get(alert_url)
    assert page.status_code == 200 and b"/assign" not in page.data  # no forms shown
    before = tracker.log_length()
    for action, data in (("assign", {"owner": "me"}), ("acknowledge", {"note": "on it"})):
        assert client.post(f"{alert_url}/{action}", data={**data, "csrf_token": csrf_of(page)}).status_code == 403
    assert tracker.log_length() == before


@pytest.mark.parametrize("username", ["audrey.auditor", "ada.admin"])
def test_an_auditor_or_admin_gets_403_on_every_recording_form_and_writes_nothing(web_app, username):
    tracker = tracker_of(web_app)
    urls = _urls(tracker)
    client = web_app.test_client()
    sign_in(client, username)
    token = csrf_of(client.get("/"))
    page = client.get(urls["children.child"])
    assert b"/record" not in page.data  # no links to the forms
    before = tracker.log_length()
    for endpoint, data in RECORDING_POSTS.items():
        assert client.get(urls[endpoint]).status_code == 403, endpoint
        assert client.post(urls[endpoint], data={**data, "csrf_token": token}).status_code == 403, endpoint
        assert client.post(urls[endpoint], data=data).status_code == 403, endpoint  # refused before the token is read
    assert tracker.log_length() == before


def test_a_council_scoped_tracker_gets_404_for_another_councils_child_on_every_recording_form(web_app):
    tracker = tracker_of(web_app)
    client = web_app.test_client()
    sign_in(client, "terry.tracker")  # Council 0 only
    theirs = _urls(tracker, 1)
    token = csrf_of(client.get("/"))
    before = tracker.log_length()
    for endpoint, data in RECORDING_POSTS.items():
        assert client.get(theirs[endpoint]).status_code == 404, endpoint
        assert client.get(theirs[endpoint] + "?milestone=matched").status_code == 404, endpoint
        assert client.post(theirs[endpoint], data={**data, "csrf_token": token}).status_code == 404, endpoint
    assert tracker.log_length() == before
    mine = _urls(tracker, 0)
    for endpoint in RECORDING_POSTS:
        assert client.get(mine[endpoint]).status_code == 200, endpoint


def test_a_manager_records_for_any_council(web_app):
    tracker = tracker_of(web_app)
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    urls = _urls(tracker, 2)
    token = csrf_of(client.get(urls["recording.details"]))
    done = client.post(urls["recording.details"], data={**RECORDING_POSTS["recording.details"], "csrf_token": token})
    assert done.status_code == 302 and "after=" in done.headers["Location"]


def test_every_permission_is_used_by_a_route_or_kept_for_the_next_pages():
    used = {permission for _, permission in ROUTES.values()}
    assert used - {PUBLIC} <= set(PERMISSIONS)


def test_a_malformed_or_ambiguous_alert_id_is_404_and_names_no_child(web_app):
    client = web_app.test_client()
    sign_in(client, "terry.tracker")
    for given in ("not-an-id", "0", "zzzzzzzz-zzzz"):
        response = client.get(f"/alerts/{given}")
        assert response.status_code == 404, given
    # a prefix that starts many alerts: the refusal would list them, the page does not
    first = tracker_of(web_app).alerts()[0]["id"][:1]
    response = client.get(f"/alerts/{first}0000000")
    assert response.status_code == 404
    assert "child" not in response.get_data(as_text=True).split("<main", 1)[1].split("</main>")[0].lower().replace("a child or alert you cannot see", "")


def test_assets_need_no_account_and_set_no_cookie(web_app):
    response = web_app.test_client().get("/assets/application.css")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_a_household_without_their_children_is_404_on_every_route(web_app):
    tracker = tracker_of(web_app)
    client = web_app.test_client()
    sign_in(client, "terry.tracker")  # Council 0 only
    council = tracker.councils()[0]["name"]
    ref, event_id = household_of(tracker, council, theirs=False)
    mine, _ = household_of(tracker, council)
    assert client.get(f"/households/{mine}").status_code == 200
    page = client.get(f"/households/{mine}")
    views = tracker.view_log()["total"]
    before = tracker.log_length()
    assert client.get(f"/households/{ref}").status_code == 404
    assert client.get("/households/NO-SUCH-HOUSEHOLD").status_code == 404
    assert client.get(f"/households/{ref}/record").status_code == 404
    for action in ("correct", "withdraw"):
        assert client.get(f"/households/{ref}/milestones/{event_id}/{action}").status_code == 404, action
        response = client.post(f"/households/{ref}/milestones/{event_id}/{action}",
                               data={"reason": "r", "occurred_on-day": "1", "occurred_on-month": "1",
                                     "occurred_on-year": "2024", "csrf_token": csrf_of(page)})
        assert response.status_code == 404, action
    response = client.post(f"/households/{ref}/record", data={"milestone": "review", "occurred_on-day": "1",
                           "occurred_on-month": "1", "occurred_on-year": "2025", "csrf_token": csrf_of(page)})
    assert response.status_code == 404
    assert tracker.log_length() == before
    assert tracker.view_log()["total"] == views  # nothing of theirs was read


def test_an_auditor_posts_no_form(web_app):
    """Every POST route of the application (the URL map walked, its arguments
    filled with a child, an alert and a household the auditor sees) refuses an
    auditor, and nothing is written."""
    tracker = tracker_of(web_app)
    client = web_app.test_client()
    sign_in(client, "audrey.auditor")
    urls = _urls(tracker)
    page = client.get(urls["households.household"])
    assert page.status_code == 200 and b'/record"' not in page.data  # no form offered
    token = csrf_of(page)  # the sign-out form's
    council, child_ref = urls["children.child"].split("/")[2:4]
    household, _, event_id = urls["households.correct"].split("/")[2:5]
    arguments = {"alert_id": urls["alerts.alert"].rsplit("/", 1)[1], "council": council, "child_ref": child_ref,
                 "household_ref": household, "event_id": int(event_id)}
    data = {"milestone": "review", "occurred_on-day": "1", "occurred_on-month": "1", "occurred_on-year": "2025",
            "reason": "r", "note": "n", "owner": "me", "csrf_token": token}
    before = tracker.log_length()
    posted = []
    with web_app.test_request_context():
        from flask import url_for

        for rule in web_app.url_map.iter_rules():
            if "POST" not in (rule.methods or ()) or rule.endpoint.startswith("signing_in."):
                continue
            url = url_for(rule.endpoint, **{name: arguments[name] for name in rule.arguments})
            posted.append((rule.endpoint, url))
    assert {"households.record", "households.correct", "households.withdraw", "alerts.assign", "alerts.acknowledge",
            "recording.record", "recording.correct", "recording.withdraw", "recording.details"} <= {e for e, _ in posted}
    for endpoint, url in posted:
        assert client.post(url, data=data).status_code == 403, endpoint
    assert tracker.log_length() == before
