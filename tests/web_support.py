"""What the web view's tests share: the sample agency with one account of each
role, loaded once per test session and copied for each test (so a test's writes
are its own), signing in through the real form, and checks of a page's HTML."""

from __future__ import annotations

import datetime
import re
import shutil
from collections import Counter
from pathlib import Path

from bs4 import BeautifulSoup

AS_OF = datetime.date(2025, 3, 31)
PASSWORD = "correct horse battery staple"
# user name -> (role, councils by their index in the sample agency's list)
ACCOUNTS = {
    "terry.tracker": ("tracker", [0]),
    "tina.tracker": ("tracker", [1]),
    "mo.manager": ("manager", []),
    "audrey.auditor": ("auditor", []),
    "ada.admin": ("admin", []),
}


def make_sample_folder(folder: Path) -> Path:
    """The sample agency as of AS_OF, with the ACCOUNTS, in `folder`."""
    from journey.domain import clock
    from journey.service import Tracker
    from journey.settings import Settings

    clock.set_today(AS_OF)
    try:
        tracker = Tracker(Settings(folder))
        tracker.load_sample(AS_OF)
        names = [c["name"] for c in tracker.councils()]
        for username, (role, councils) in ACCOUNTS.items():
            tracker.add_user(username, role=role, councils=[names[i] for i in councils], password=PASSWORD, by="tests")
        tracker.close()
        tracker.store.close()
    finally:
        clock.set_today(None)
    return folder


def copy_folder(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def csrf_of(response) -> str:
    field = soup(response).find("input", attrs={"name": "csrf_token"})
    assert field is not None, "the page has no form with a CSRF token"
    return field["value"]


def sign_in(client, username: str, password: str = PASSWORD, *, follow: bool = False):
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"username": username, "password": password, "csrf_token": csrf_of(page)},
                       follow_redirects=follow)


def post_form(client, page_url: str, action: str, data: dict, *, follow: bool = False):
    """Post `data` to `action` with the CSRF token of the form on `page_url`, as a browser would."""
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    return client.post(action, data={**data, "csrf_token": csrf_of(page)}, follow_redirects=follow)


def page_problems(response) -> list[str]:
    """What is wrong with a page as a page: not one h1, a title that does not
    start with it, a field without a label, an id used twice."""
    html = soup(response)
    problems = []
    h1s = html.find_all("h1")
    if len(h1s) != 1:
        problems.append(f"{len(h1s)} h1 elements")
    else:
        heading = " ".join(h1s[0].get_text().split())
        title = " ".join(html.title.get_text().split()) if html.title else ""
        if not title.startswith(heading):
            problems.append(f"title {title!r} does not start with the h1 {heading!r}")
    ids = Counter(tag["id"] for tag in html.find_all(id=True))
    problems += [f"id {name!r} used {n} times" for name, n in ids.items() if n > 1]
    for field in html.find_all(["input", "select", "textarea"]):
        if field.name == "input" and field.get("type") in ("hidden", "submit", "button"):
            continue
        named = field.get("aria-label") or field.get("aria-labelledby")
        labelled = field.get("id") and html.find("label", attrs={"for": field["id"]})
        if not (named or labelled or field.find_parent("label")):
            problems.append(f"{field.name} {field.get('name')!r} has no label")
    return problems


def text_of(response) -> str:
    return re.sub(r"\s+", " ", soup(response).get_text(" ")).strip()
