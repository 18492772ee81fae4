"""`journey users ...`: the accounts through the command line (click's CliRunner),
the password read from standard input and never printed."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import BY, TODAY, make_settings, write_agency

from journey.cli import main
from journey.domain import clock
from journey.service import SignInRefused, Tracker, new_cipher_key
from journey.settings import Settings

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_today(TODAY)
    clock.set_now(datetime.datetime(2024, 6, 30, 11, 0, tzinfo=datetime.UTC))
    yield
    clock.set_now(None)
    clock.set_today(None)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    settings = make_settings(tmp_path)
    write_agency(settings.data_dir)
    return settings.data_dir


def users(data_dir: Path, *args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "users", *args], input=stdin, env={"JOURNEY_USER": BY})


def service(data_dir: Path) -> Tracker:
    return Tracker(Settings(data_dir=data_dir))


def test_add_reads_the_password_from_stdin_and_never_prints_it(data_dir):
    done = users(data_dir, "add", "Amy", "--role", "tracker", "--la", "coventry", "--la", "331", "--password-stdin",
                 stdin=PASSWORD + "\n")
    assert done.exit_code == 0, done.output
    assert done.stdout == "Added amy: tracker, Coventry.\n"
    assert PASSWORD not in done.output
    tracker = service(data_dir)
    assert tracker.sign_in("amy", PASSWORD, address="cli-test")["councils"] == ["Coventry"]
    assert tracker.user("amy")["role"] == "tracker"


def test_only_the_line_end_is_taken_off_the_password(data_dir):
    assert users(data_dir, "add", "amy", "--role", "admin", "--password-stdin", stdin=" spaces kept here \r\n").exit_code == 0
    assert service(data_dir).sign_in("amy", " spaces kept here ", address="cli-test")["role"] == "admin"


@pytest.mark.parametrize("stdin, message", [
    ("", "no password on standard input"),
    ("\n", "no password on standard input"),
    ("eleven char\n", "a password needs at least 12 characters (--password-stdin)"),
])
def test_an_empty_or_short_password_is_refused_clearly_and_nothing_written(data_dir, stdin, message):
    refused = users(data_dir, "add", "amy", "--role", "tracker", "--password-stdin", stdin=stdin)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("Refused: ") and message in refused.stderr
    assert not (data_dir / "events.sqlite3").exists()  # refused before a store was started


def test_without_password_stdin_it_is_a_usage_error(data_dir):
    refused = users(data_dir, "add", "amy", "--role", "tracker", stdin=PASSWORD + "\n")
    assert refused.exit_code == 2 and "--password-stdin" in refused.stderr
    assert not (data_dir / "events.sqlite3").exists()


def test_refusals_are_worded(data_dir):
    users(data_dir, "add", "amy", "--role", "tracker", "--password-stdin", stdin=PASSWORD)
    taken = users(data_dir, "add", "AMY", "--role", "tracker", "--password-stdin", stdin=PASSWORD)
    assert taken.exit_code == 1 and "the user name 'amy' is taken" in taken.stderr
    bad = users(data_dir, "add", "amy jones", "--role", "tracker", "--password-stdin", stdin=PASSWORD)
    assert bad.exit_code == 1 and "user name 'amy jones' is not allowed" in bad.stderr
    role = users(data_dir, "add", "bob", "--role", "boss", "--password-stdin", stdin=PASSWORD)
    assert role.exit_code == 2 and "'boss' is not one of" in role.stderr
    council = users(data_dir, "add", "bob", "--role", "tracker", "--la", "Atlantis", "--password-stdin", stdin=PASSWORD)
    assert council.exit_code == 1 and "unknown council 'Atlantis'" in council.stderr and "(--la)" in council.stderr
    unknown = users(data_dir, "disable", "ghost")
    assert unknown.exit_code == 1 and "no user 'ghost' is known" in unknown.stderr
    assert [u["username"] for u in service(data_dir).users()] == ["amy"]


def test_list_disable_enable_set_role_set_councils_and_reset_password(data_dir):
    users(data_dir, "add", "amy", "--role", "tracker", "--la", "Solihull", "--password-stdin", stdin=PASSWORD)
    users(data_dir, "add", "bob", "--role", "auditor", "--password-stdin", stdin=PASSWORD)

    assert users(data_dir, "disable", "bob", "--by", "boss").stdout == "Disabled bob: auditor, all councils, disabled.\n"
    assert users(data_dir, "enable", "bob").stdout == "Enabled bob: auditor, all councils.\n"
    assert users(data_dir, "set-role", "amy", "manager").stdout == "Changed amy: manager, Solihull.\n"
    assert users(data_dir, "set-councils", "amy", "--la", "coventry", "--la", "Solihull").stdout == "Changed amy: manager, Coventry, Solihull.\n"
    assert users(data_dir, "set-councils", "amy", "--all").stdout == "Changed amy: manager, all councils.\n"
    reset = users(data_dir, "reset-password", "amy", "--password-stdin", stdin="another long password\n")
    assert reset.exit_code == 0 and reset.stdout == "New password for amy: manager, all councils.\n"
    assert "another long password" not in reset.output

    listed = users(data_dir, "list").stdout.splitlines()
    assert listed[0] == "Users: 2"
    assert [line.split("; changed ")[0] for line in listed[1:]] == ["  amy: manager, all councils", "  bob: auditor, all councils"]
    assert all(" changed " in line for line in listed[1:])  # when, in London time (the library's own clock)
    as_json = json.loads(users(data_dir, "list", "--json").stdout)
    assert [(u["username"], u["role"], u["councils"], u["disabled"], u["credentials_version"]) for u in as_json] == [
        ("amy", "manager", [], False, 5), ("bob", "auditor", [], False, 3),
    ]
    assert all("password" not in key for u in as_json for key in u)
    tracker = service(data_dir)
    assert tracker.sign_in("amy", "another long password", address="cli-test")["username"] == "amy"
    events = tracker.store.recorder.select_notifications(start=1, limit=100)
    disabled = [tracker.store.mapper.to_domain_event(n) for n in events if n.topic.endswith("Account.Disabled")]
    assert [e.by for e in disabled] == ["boss"]


def test_set_councils_needs_la_or_all_not_both(data_dir):
    users(data_dir, "add", "amy", "--role", "tracker", "--password-stdin", stdin=PASSWORD)
    for args in ((), ("--all", "--la", "Coventry")):
        refused = users(data_dir, "set-councils", "amy", *args)
        assert refused.exit_code == 2 and "--la" in refused.stderr and "--all" in refused.stderr


def test_list_on_a_folder_with_no_tracker_data_is_refused_and_creates_nothing(data_dir):
    listed = users(data_dir, "list", "--json")
    assert listed.exit_code == 1 and "there is no tracker data in" in listed.stderr
    assert not (data_dir / "events.sqlite3").exists()


# -- the store copy --------------------------------------------------------------------------------------


def test_accounts_and_the_view_log_survive_a_store_copy(tmp_path, data_dir):
    users(data_dir, "add", "amy", "--role", "tracker", "--la", "Coventry", "--password-stdin", stdin=PASSWORD)
    users(data_dir, "set-role", "amy", "manager")
    users(data_dir, "add", "bob", "--role", "auditor", "--password-stdin", stdin=PASSWORD)
    users(data_dir, "disable", "bob")
    tracker = service(data_dir)
    tracker.record("Coventry", "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    tracker.child_history("Coventry", "CV-1", viewer={"username": "amy", "role": "manager", "via": "web"})
    before = (tracker.users(), tracker.view_log())
    tracker.close()
    tracker.store.close()

    target = tmp_path / "copy"
    key = new_cipher_key()
    done = CliRunner().invoke(main, ["--data-dir", str(data_dir), "store", "copy", str(target)],
                              env={"JOURNEY_TARGET_CIPHER_KEY": key, "JOURNEY_CIPHER_KEY": None})
    assert done.exit_code == 0, done.output
    assert "The copy holds 2 accounts and 1 viewing of histories (the view log) too." in done.stdout

    copy = Tracker(Settings(data_dir=target, cipher_key=key))
    try:
        assert copy.users() == before[0]
        assert copy.view_log() == before[1]
        assert copy.sign_in("amy", PASSWORD, address="cli-test")["role"] == "manager"
        with pytest.raises(SignInRefused):
            copy.sign_in("bob", PASSWORD, address="cli-test")
        assert b"amy" not in (target / "events.sqlite3").read_bytes()  # encrypted at rest
    finally:
        copy.close()
        copy.store.close()
