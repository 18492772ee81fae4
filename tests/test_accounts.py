"""Accounts kept as events, through the service: adding, changing and listing them,
signing in (no event; failures counted outside the store, and limited), and the
sample's accounts. Real SQLite files in tmp_path."""

from __future__ import annotations

import base64
import datetime
import sqlite3
import stat
import tomllib

import pytest
from factories import BY, LA, TODAY

from journey.domain import clock
from journey.service import (
    InvalidValue,
    NoTrackerData,
    PasswordTooLong,
    PasswordTooShort,
    SignInLimited,
    SignInRefused,
    Tracker,
    UnknownCouncil,
    UnknownRole,
    UnknownUser,
    UsernameNotAllowed,
    UsernameTaken,
)
from journey.store.identity import account_id

PASSWORD = "correct horse battery"
NOON = datetime.datetime(2024, 6, 30, 11, 0, tzinfo=datetime.UTC)
ADDRESS = "192.0.2.10"
USER_KEYS = {"username", "role", "councils", "disabled", "created_at", "changed_at", "credentials_version"}


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_today(TODAY)
    clock.set_now(NOON)
    yield
    clock.set_now(None)
    clock.set_today(None)


def at(minutes: float) -> None:
    """Move the clock to `minutes` after NOON."""
    clock.set_now(NOON + datetime.timedelta(minutes=minutes))


def stored_events(service: Tracker) -> list[tuple[str, bytes]]:
    conn = sqlite3.connect(service.settings.events_path)
    try:
        return conn.execute("SELECT topic, state FROM stored_events ORDER BY rowid").fetchall()
    finally:
        conn.close()


# -- adding, listing -----------------------------------------------------------------------------


def test_a_user_is_added_as_an_event_and_listed_without_its_password(service):
    user = service.add_user("  Amy.Jones ", role="tracker", councils=["coventry city council"], password=PASSWORD, by=BY)
    assert set(user) == USER_KEYS
    assert (user["username"], user["role"], user["councils"], user["disabled"]) == ("amy.jones", "tracker", [LA], False)
    assert user["credentials_version"] == 1
    assert datetime.datetime.fromisoformat(user["created_at"]) == datetime.datetime.fromisoformat(user["changed_at"])
    assert service.user("AMY.JONES") == user
    assert service.users() == [user]
    [(topic, state)] = stored_events(service)
    assert topic == "journey.account:Account.Created"
    assert PASSWORD.encode() not in state and b"scrypt$16384$8$1$" in state
    assert b'"by":"tester"' in state.replace(b" ", b"")


def test_users_are_listed_by_name_and_an_unknown_one_is_none(service):
    for name in ("zoe", "amy", "mo"):
        service.add_user(name, role="auditor", password=PASSWORD, by=BY)
    assert [u["username"] for u in service.users()] == ["amy", "mo", "zoe"]
    assert service.user("nobody") is None
    assert service.user("not a name!") is None


def test_no_store_yet_means_no_user_and_nothing_created(service):
    assert service.user("amy") is None
    with pytest.raises(NoTrackerData):
        service.users()
    assert not service.settings.events_path.exists()


def test_the_stored_hash_is_scrypt_with_its_parameters_and_a_salt_of_its_own(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    service.add_user("bob", role="tracker", password=PASSWORD, by=BY)
    hashes = [service.store.repository.get(account_id(name, service.store.secret)).password_hash for name in ("amy", "bob")]
    for encoded in hashes:
        scheme, n, r, p, salt, digest = encoded.split("$")
        assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
        assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
    assert hashes[0] != hashes[1]  # the same password, another salt


@pytest.mark.parametrize("change, error", [
    (dict(username="a"), UsernameNotAllowed),
    (dict(username="amy jones"), UsernameNotAllowed),
    (dict(role="superuser"), UnknownRole),
    (dict(password="short"), PasswordTooShort),
    (dict(password="p" * 1025), PasswordTooLong),
    (dict(councils=["Atlantis"]), UnknownCouncil),
    (dict(by=" "), InvalidValue),
], ids=["name too short", "name with a space", "role", "password too short", "password too long", "council", "nobody"])
def test_a_refused_user_writes_nothing_and_names_the_field(service, change, error):
    service.add_user("first", role="admin", password=PASSWORD, by=BY)
    before = service.log_length()
    args = {"username": "amy", "role": "tracker", "councils": (), "password": PASSWORD, "by": BY, **change}
    with pytest.raises(error) as refused:
        service.add_user(args.pop("username"), **args)
    assert refused.value.field in {"username", "role", "password", "councils", "by"}
    assert service.log_length() == before
    if "password" in change:
        assert change["password"] not in refused.value.message


def test_a_name_already_taken_is_refused_whatever_its_case(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    before = service.log_length()
    with pytest.raises(UsernameTaken) as taken:
        service.add_user(" AMY", role="admin", password=PASSWORD, by=BY)
    assert taken.value.field == "username" and "'amy' is taken" in taken.value.message
    assert service.log_length() == before
    assert service.user("amy")["role"] == "tracker"


def test_councils_are_kept_by_the_agencys_names_in_its_order(service):
    user = service.add_user("amy", role="tracker", councils=["334", "coventry", "Coventry City Council"], password=PASSWORD, by=BY)
    assert user["councils"] == ["Coventry", "Solihull"]


# -- changes ---------------------------------------------------------------------------------------


def test_every_change_is_an_event_with_who_made_it_and_moves_the_credentials_version(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    versions = [1]
    steps = [
        (lambda: service.set_role("amy", "manager", by="boss"), "RoleChanged"),
        (lambda: service.set_councils("amy", ["Solihull"], by="boss"), "CouncilsChanged"),
        (lambda: service.reset_password("amy", password="a new long password", by="boss"), "PasswordChanged"),
        (lambda: service.disable_user("amy", by="boss"), "Disabled"),
        (lambda: service.enable_user("amy", by="boss"), "Enabled"),
    ]
    for step, name in steps:
        user = step()
        assert set(user) == USER_KEYS and user == service.user("amy")
        assert user["credentials_version"] > versions[-1]
        versions.append(user["credentials_version"])
        topic, state = stored_events(service)[-1]
        assert topic == f"journey.account:Account.{name}" and b'"boss"' in state
    assert service.user("amy") | {"changed_at": None, "created_at": None} == {
        "username": "amy", "role": "manager", "councils": ["Solihull"], "disabled": False,
        "created_at": None, "changed_at": None, "credentials_version": 6,
    }
    assert service.sign_in("amy", "a new long password", address=ADDRESS)["username"] == "amy"


def test_a_change_that_changes_nothing_writes_nothing(service):
    service.add_user("amy", role="tracker", councils=[LA], password=PASSWORD, by=BY)
    before = service.log_length()
    assert service.set_role("amy", "tracker", by=BY)["credentials_version"] == 1
    assert service.set_councils("amy", ["coventry"], by=BY)["credentials_version"] == 1
    assert service.enable_user("amy", by=BY)["credentials_version"] == 1
    assert service.log_length() == before


def test_no_councils_means_all_the_agencys(service):
    service.add_user("amy", role="tracker", councils=[LA, "Solihull"], password=PASSWORD, by=BY)
    assert service.set_councils("amy", [], by=BY)["councils"] == []


@pytest.mark.parametrize("change", [
    lambda s: s.disable_user("ghost", by=BY),
    lambda s: s.enable_user("ghost", by=BY),
    lambda s: s.reset_password("ghost", password=PASSWORD, by=BY),
    lambda s: s.set_role("ghost", "admin", by=BY),
    lambda s: s.set_councils("ghost", [LA], by=BY),
], ids=["disable", "enable", "reset-password", "set-role", "set-councils"])
def test_changing_an_unknown_user_is_refused(service, change):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    before = service.log_length()
    with pytest.raises(UnknownUser) as unknown:
        change(service)
    assert unknown.value.field == "username" and "ghost" in unknown.value.message
    assert service.log_length() == before


def test_changes_are_checked_before_anything_is_written(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    before = service.log_length()
    with pytest.raises(UnknownRole):
        service.set_role("amy", "owner", by=BY)
    with pytest.raises(UnknownCouncil) as council:
        service.set_councils("amy", ["Atlantis"], by=BY)
    assert council.value.field == "councils"
    with pytest.raises(PasswordTooShort):
        service.reset_password("amy", password="tiny", by=BY)
    assert service.log_length() == before


# -- signing in ----------------------------------------------------------------------------------------


def test_signing_in_answers_the_user_and_writes_no_event(service):
    added = service.add_user("amy", role="tracker", councils=[LA], password=PASSWORD, by=BY)
    before = service.log_length()
    assert service.sign_in(" Amy ", PASSWORD, address=ADDRESS) == added
    for password in ("wrong password!!", PASSWORD.upper()):
        with pytest.raises(SignInRefused):
            service.sign_in("amy", password, address=ADDRESS)
    assert service.log_length() == before


def test_a_wrong_name_a_wrong_password_and_a_disabled_account_are_refused_alike(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    service.add_user("gone", role="tracker", password=PASSWORD, by=BY)
    service.disable_user("gone", by=BY)
    refusals = []
    for name, password in (("nobody", PASSWORD), ("amy", "not the password"), ("gone", PASSWORD), ("", ""),
                           ("Not a name!", PASSWORD), ("amy", "x" * 5000)):
        with pytest.raises(SignInRefused) as refused:
            service.sign_in(name, password, address=ADDRESS)
        refusals.append((type(refused.value), refused.value.message, refused.value.rule, refused.value.field))
    assert len(set(refusals)) == 1
    message = refusals[0][1]
    assert "user name and password" in message
    for word in ("disabled", "unknown", "no user", "wrong password"):
        assert word not in message


def test_five_failures_for_an_account_limit_it_for_15_minutes_without_checking_the_password(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    for minute in range(5):
        at(minute)
        with pytest.raises(SignInRefused):
            service.sign_in("amy", "not the password", address=f"198.51.100.{minute}")
    at(5)
    with pytest.raises(SignInLimited) as limited:
        service.sign_in("amy", PASSWORD, address="203.0.113.1")  # the right password, from anywhere
    assert "try again later" in limited.value.message
    # The oldest failure leaves the window 15 minutes after it: 11:15 UTC is 12:15 in London in June.
    assert limited.value.retry_at == NOON + datetime.timedelta(minutes=15)
    assert "12:15" in limited.value.message and "30 Jun 2024" in limited.value.message
    at(14.9)
    with pytest.raises(SignInLimited):
        service.sign_in("amy", PASSWORD, address="203.0.113.1")
    at(15.1)
    assert service.sign_in("amy", PASSWORD, address="203.0.113.1")["username"] == "amy"


def test_another_account_is_not_limited_by_one_accounts_failures(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    service.add_user("bob", role="tracker", password=PASSWORD, by=BY)
    for _ in range(5):
        with pytest.raises(SignInRefused):
            service.sign_in("amy", "not the password", address=ADDRESS)
    assert service.sign_in("bob", PASSWORD, address=ADDRESS)["username"] == "bob"


def test_twenty_failures_from_one_address_limit_it_for_15_minutes(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    for n in range(20):
        at(n / 2)
        with pytest.raises(SignInRefused):
            service.sign_in(f"guess{n}", PASSWORD, address=ADDRESS)  # names nobody has: one failure each
    at(10)
    with pytest.raises(SignInLimited) as limited:
        service.sign_in("amy", PASSWORD, address=ADDRESS)
    assert limited.value.retry_at == NOON + datetime.timedelta(minutes=15)
    assert service.sign_in("amy", PASSWORD, address="198.51.100.7")["username"] == "amy"  # another address
    at(15.1)
    assert service.sign_in("amy", PASSWORD, address=ADDRESS)["username"] == "amy"


def test_attempts_while_limited_are_not_counted(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    for _ in range(5):
        with pytest.raises(SignInRefused):
            service.sign_in("amy", "not the password", address=ADDRESS)
    at(10)
    for _ in range(10):
        with pytest.raises(SignInLimited):
            service.sign_in("amy", "still not it!", address=ADDRESS)
    at(15.1)
    assert service.sign_in("amy", PASSWORD, address=ADDRESS)["username"] == "amy"


def test_failures_are_counted_in_an_owner_only_file_beside_the_store(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    with pytest.raises(SignInRefused):
        service.sign_in("amy", "not the password", address=ADDRESS)
    path = service.settings.data_dir / "sign-ins.sqlite3"
    for file in service.settings.data_dir.glob("sign-ins.sqlite3*"):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT username, address FROM failed_sign_ins").fetchall()
    finally:
        conn.close()
    assert rows == [("amy", ADDRESS)]
    assert b"not the password" not in path.read_bytes()


def test_signing_in_on_a_folder_with_no_store_creates_no_store(service):
    with pytest.raises(SignInRefused):
        service.sign_in("amy", PASSWORD, address=ADDRESS)
    assert not service.settings.events_path.exists()


# -- what else reads the log ----------------------------------------------------------------------------


def test_accounts_are_no_records_and_the_read_models_ignore_them(service):
    service.add_user("amy", role="tracker", password=PASSWORD, by=BY)
    service.set_role("amy", "manager", by=BY)
    assert not service.holds_records()
    assert sum(service.stages()["stages"].values()) == 0  # the read models caught up past them
    assert service.read_models_status()["position"] == service.log_length()
    service.record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    assert service.holds_records()
    assert service.stages()["stages"]["in_care"] == 1
    assert service.rebuild_read_models()["position"] == service.log_length()
    assert service.stages()["stages"]["in_care"] == 1
    assert service.check()["children"] == 1
    assert service.export_milestones(service.settings.data_dir.parent / "out.csv")["milestones"] == 1


# -- the sample's accounts ------------------------------------------------------------------------------


def test_the_sample_accounts_are_one_per_role_with_random_passwords_in_an_owner_only_file(service):
    made = service.create_sample_accounts()
    assert [(a["username"], a["role"], a["councils"]) for a in made] == [
        ("sample.tracker", "tracker", ["Coventry"]), ("sample.manager", "manager", []),
        ("sample.auditor", "auditor", []), ("sample.admin", "admin", []),
    ]
    assert len({a["password"] for a in made}) == 4 and all(len(a["password"]) >= 12 for a in made)
    path = service.settings.data_dir / "sample-accounts.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text())["accounts"] == made
    assert service.sample_accounts() == made
    for account in made:
        assert service.sign_in(account["username"], account["password"], address=ADDRESS)["role"] == account["role"]
    before = service.log_length()
    assert service.create_sample_accounts() == made  # those that exist are left as they are
    assert service.log_length() == before


def test_no_sample_accounts_file_lists_none(service):
    assert service.sample_accounts() == []


def test_on_an_encrypted_store_an_accounts_id_is_keyed(tmp_path):
    """As a child's: the database alone does not tell which user names exist."""
    from journey.service import Tracker, new_cipher_key
    from journey.settings import Settings

    key = new_cipher_key()
    tracker = Tracker(Settings(tmp_path / "data", cipher_key=key))
    tracker.add_user("amy", role="tracker", password="a long enough password", by="tests")
    ids = {str(n.originator_id) for n in tracker.store.recorder.select_notifications(start=1, limit=100)}
    assert str(account_id("amy")) not in ids
    assert str(account_id("amy", tracker.store.secret)) in ids
    assert tracker.sign_in("amy", "a long enough password", address="127.0.0.1")["username"] == "amy"
    tracker.close()


def test_the_last_enabled_admin_is_neither_disabled_nor_demoted(service):
    from journey.service import LastAdmin

    service.add_user("ada", role="admin", password="a long enough password", by="tests")
    service.add_user("amy", role="tracker", password="a long enough password", by="tests")
    before = service.log_length()
    with pytest.raises(LastAdmin):
        service.disable_user("ada", by="ada")
    with pytest.raises(LastAdmin):
        service.set_role("ada", "manager", by="ada")
    assert service.log_length() == before and service.user("ada")["role"] == "admin"
    service.set_role("amy", "admin", by="ada")  # with a second admin, the first may go
    assert service.disable_user("ada", by="amy")["disabled"]
    with pytest.raises(LastAdmin):
        service.set_role("amy", "tracker", by="amy")
    assert service.set_role("amy", "admin", by="amy")["role"] == "admin"  # no change of an admin's role to admin is refused
