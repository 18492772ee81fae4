"""The web view's security: CSRF on every form (a post without the token writes
nothing), sessions that end after 30 idle minutes or when the account changes,
the sign-in limits, one message for every failed sign-in, the cookie's flags,
the headers, and the proxy believed only when named."""

from __future__ import annotations

import datetime
import re

from web_support import PASSWORD, csrf_of, sign_in, soup, text_of

from journey.domain import clock


def tracker_of(app):
    return app.extensions["journey.tracker"]


def an_open_alert(app):
    return next(a for a in tracker_of(app).alerts() if a["child_ref"] and a["status"] == "open")


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(web_app):
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    alert = an_open_alert(web_app)
    before = tracker_of(web_app).log_length()
    for data in ({"note": "on it"}, {"note": "on it", "csrf_token": "forged"}):
        response = client.post(f"/alerts/{alert['id']}/acknowledge", data=data)
        assert response.status_code == 400
        assert "not sent from this service" in text_of(response)
    assert tracker_of(web_app).log_length() == before
    assert tracker_of(web_app).alert(alert["id"])["status"] == "open"


def test_sign_in_itself_needs_the_token(web_app):
    client = web_app.test_client()
    client.get("/sign-in")
    response = client.post("/sign-in", data={"username": "mo.manager", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not signed in


def test_signing_out_is_a_posted_form(web_app):
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    assert client.get("/sign-out").status_code == 405
    home = client.get("/")
    form = soup(home).find("form", attrs={"action": "/sign-out"})
    assert form is not None and form["method"] == "post"
    assert client.post("/sign-out", data={"csrf_token": csrf_of(home)}).status_code == 302
    assert client.get("/").status_code == 302


def test_a_failed_sign_in_says_nothing_about_which_part_was_wrong(web_app):
    client = web_app.test_client()
    wrong_password = sign_in(client, "mo.manager", "not the password at all")
    no_such_user = sign_in(client, "nobody.here", PASSWORD)
    assert wrong_password.status_code == no_such_user.status_code == 400
    messages = [soup(r).select_one(".govuk-error-summary").get_text(" ", strip=True) for r in (wrong_password, no_such_user)]
    assert messages[0] == messages[1]
    assert "mo.manager" not in messages[0]


def test_five_failures_for_an_account_stop_even_the_right_password(web_app):
    client = web_app.test_client()
    for _ in range(5):
        assert sign_in(client, "tina.tracker", "wrong password, again").status_code == 400
    blocked = sign_in(client, "tina.tracker")
    assert blocked.status_code == 400 and "try again" in text_of(blocked).lower()
    # another account from the same address is not blocked by this one's failures
    assert sign_in(client, "mo.manager").status_code == 302


def test_twenty_failures_from_an_address_stop_it(web_app):
    client = web_app.test_client()
    for n in range(20):
        sign_in(client, f"guess.{n}", "wrong password, again")
    assert "try again" in text_of(sign_in(client, "mo.manager")).lower()
    other = web_app.test_client()
    assert other.post("/sign-in", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 400  # no token, but not limited
    page = other.get("/sign-in", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    done = other.post("/sign-in", data={"username": "mo.manager", "password": PASSWORD, "csrf_token": csrf_of(page)},
                      environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert done.status_code == 302


def test_a_session_ends_after_30_minutes_without_a_request(web_app):
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    assert client.get("/alerts").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = (clock.now() - datetime.timedelta(minutes=31)).isoformat(timespec="seconds")
    response = client.get("/alerts")
    assert response.status_code == 302 and "expired=1" in response.headers["Location"]
    assert "30 minutes without activity" in text_of(client.get(response.headers["Location"]))
    assert client.get("/alerts").status_code == 302  # still signed out


def test_a_session_used_within_30_minutes_goes_on(web_app):
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    with client.session_transaction() as session:
        session["seen"] = (clock.now() - datetime.timedelta(minutes=29)).isoformat(timespec="seconds")
    assert client.get("/alerts").status_code == 200


def test_a_disabled_account_is_signed_out_at_its_next_request(web_app):
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    assert client.get("/").status_code == 200
    tracker_of(web_app).disable_user("mo.manager", by="ada.admin")
    assert client.get("/").status_code == 302
    assert sign_in(client, "mo.manager").status_code == 400


def test_a_new_password_ends_the_sessions_made_before_it(web_app):
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    tracker_of(web_app).reset_password("mo.manager", password="another long password", by="ada.admin")
    assert client.get("/").status_code == 302


def test_cookies_are_httponly_lax_and_secure_over_https(web_app):
    client = web_app.test_client()
    response = sign_in(client, "mo.manager")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = web_app.test_client()
    page = secure.get("/sign-in", base_url="https://tracker.example")
    assert "Secure" in page.headers["Set-Cookie"]


def test_the_proxy_is_believed_only_when_named(web_sample, tmp_path):
    from web_support import copy_folder

    from journey.service import Tracker
    from journey.settings import Settings
    from web import create_app

    tracker = Tracker(Settings(copy_folder(web_sample, tmp_path / "data")))
    try:
        trusting = create_app(tracker, config={"TESTING": True, "TRUSTED_PROXIES": frozenset({"10.1.1.1"})})
        headers = {"X-Forwarded-Proto": "https"}
        by_proxy = trusting.test_client().get("/sign-in", headers=headers, environ_base={"REMOTE_ADDR": "10.1.1.1"})
        assert "Secure" in by_proxy.headers["Set-Cookie"] and "Strict-Transport-Security" in by_proxy.headers
        by_anyone = trusting.test_client().get("/sign-in", headers=headers, environ_base={"REMOTE_ADDR": "10.9.9.9"})
        assert "Secure" not in by_anyone.headers["Set-Cookie"]
    finally:
        tracker.close()


def test_every_response_has_the_security_headers_and_scripts_carry_its_nonce(web_app):
    visitor = web_app.test_client()
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    for url in ("/sign-in", "/", "/alerts", "/children/waiting", "/no-such-page"):
        response = (visitor if url == "/sign-in" else client).get(url)
        assert response.status_code in (200, 404), url
        policy = response.headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        assert "script-src 'nonce-" in policy and "'unsafe-inline'" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]
        scripts = soup(response).find_all("script")
        assert scripts, url
        assert all(s.get("nonce") == nonce for s in scripts), url
        assert "js-enabled" in scripts[0].get_text()
    again = client.get("/")
    assert re.search(r"'nonce-([^']+)'", again.headers["Content-Security-Policy"]).group(1) != nonce


def test_signing_in_goes_back_only_to_a_page_of_this_site(web_app):
    client = web_app.test_client()
    start = client.get("/children/waiting")
    assert "next=/children/waiting" in start.headers["Location"]
    page = client.get(start.headers["Location"])
    done = client.post("/sign-in", data={"username": "mo.manager", "password": PASSWORD, "next": "/children/waiting",
                                         "csrf_token": csrf_of(page)})
    assert done.headers["Location"].endswith("/children/waiting")
    other = web_app.test_client()
    page = other.get("/sign-in")
    done = other.post("/sign-in", data={"username": "mo.manager", "password": PASSWORD, "next": "//evil.example/",
                                        "csrf_token": csrf_of(page)})
    assert done.headers["Location"] == "/"


def test_signing_in_writes_no_event(web_app):
    before = tracker_of(web_app).log_length()
    client = web_app.test_client()
    sign_in(client, "mo.manager")
    sign_in(web_app.test_client(), "mo.manager", "wrong password, again")
    assert tracker_of(web_app).log_length() == before
