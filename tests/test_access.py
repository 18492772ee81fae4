"""The access rules (journey/domain/access.py): who may do what, which councils'
children a user sees, and the rules for user names and passwords."""

from __future__ import annotations

import pytest

from journey.domain import access
from journey.domain.errors import JourneyError

# The permission table as the web view's routes rely on it: every role, every permission.
EXPECTED = {
    "view_children": {"tracker", "manager", "auditor"},
    "work_alerts": {"tracker", "manager"},
    "record_milestones": {"tracker", "manager"},
    "replay": {"auditor", "manager"},
    "read_view_log": {"auditor", "admin"},
    "manage_users": {"admin"},
    "signed_in": {"tracker", "manager", "auditor", "admin"},
}


def test_the_roles():
    assert access.ROLES == ("tracker", "manager", "auditor", "admin")


@pytest.mark.parametrize("permission", sorted(EXPECTED))
@pytest.mark.parametrize("role", access.ROLES)
def test_the_permission_table(role, permission):
    assert access.can(role, permission) is (role in EXPECTED[permission])


def test_the_table_holds_exactly_these_permissions_and_cannot_be_changed():
    assert {p: set(r) for p, r in access.PERMISSIONS.items()} == EXPECTED
    with pytest.raises(TypeError):
        access.PERMISSIONS["view_children"] = frozenset({"admin"})  # type: ignore[index]
    with pytest.raises(AttributeError):
        access.PERMISSIONS["manage_users"].add("tracker")  # type: ignore[attr-defined]


def test_an_admin_sees_no_childs_data_and_an_auditor_changes_nothing():
    assert not any(access.can("admin", p) for p in ("view_children", "work_alerts", "record_milestones", "replay"))
    assert not any(access.can("auditor", p) for p in ("work_alerts", "record_milestones", "manage_users"))


def test_a_misspelt_permission_is_an_error_not_a_quiet_answer():
    with pytest.raises(ValueError, match="unknown permission 'view_child'"):
        access.can("tracker", "view_child")


def test_an_unknown_role_or_none_has_no_permission():
    assert not access.can("superuser", "signed_in")
    assert not access.can(None, "view_children")


def test_a_user_with_no_councils_sees_every_council_and_one_with_councils_only_theirs():
    assert access.sees_council([], "Coventry")
    assert access.sees_council((), "Anywhere")
    assert access.sees_council(["Coventry", "Solihull"], "Solihull")
    assert access.sees_council(["Coventry"], "coventry")  # councils match without regard to case
    assert not access.sees_council(["Coventry"], "Warwickshire")


@pytest.mark.parametrize("given, kept", [
    ("amy", "amy"), ("  Amy.Jones ", "amy.jones"), ("a1", "a1"), ("x_y-z.9", "x_y-z.9"), ("a" * 64, "a" * 64),
])
def test_user_names_are_kept_trimmed_and_in_lower_case(given, kept):
    assert access.normal_username(given) == kept


@pytest.mark.parametrize("given", ["", " ", "a", "a" * 65, "amy jones", "amy@example", "zoë", "amy/1", None])
def test_user_names_outside_the_rule_are_refused_naming_the_rule(given):
    with pytest.raises(access.UsernameNotAllowed) as refused:
        access.normal_username(given)
    assert isinstance(refused.value, JourneyError)
    assert refused.value.field == "username" and refused.value.rule == "user name not allowed"
    assert "lower-case letters, digits" in refused.value.message


def test_passwords_need_12_characters_and_at_most_1024():
    assert access.check_password("x" * 12) == "x" * 12
    assert access.check_password("y" * 1024) == "y" * 1024
    with pytest.raises(access.PasswordTooShort) as short:
        access.check_password("elevenchars")
    assert (short.value.field, short.value.rule) == ("password", "password too short")
    assert "elevenchars" not in short.value.message
    with pytest.raises(access.PasswordTooLong) as long:
        access.check_password("z" * 1025)
    assert (long.value.field, long.value.rule) == ("password", "password too long")
    with pytest.raises(access.PasswordTooShort):
        access.check_password("")


def test_an_unknown_role_is_refused_naming_the_roles():
    assert access.checked_role("auditor") == "auditor"
    with pytest.raises(access.UnknownRole) as refused:
        access.checked_role("Auditor")
    assert refused.value.field == "role" and "tracker, manager, auditor, admin" in refused.value.message
