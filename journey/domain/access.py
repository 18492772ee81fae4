"""Who may do what: the roles, their permissions, which councils' children a user
sees, and the rules for user names and passwords. Written once, here; the web
view's routes and the service ask these functions, and never decide for themselves.

Pure: no storage, no clock.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping, Sequence

from journey.domain.councils import council_key
from journey.domain.errors import JourneyError

ROLES = ("tracker", "manager", "auditor", "admin")

# What each permission lets a user do, and the roles that have it.
PERMISSIONS: Mapping[str, frozenset[str]] = types.MappingProxyType({
    # children, the waiting list, alerts, a child's summary and history
    "view_children": frozenset({"tracker", "manager", "auditor"}),
    # assign and acknowledge alerts
    "work_alerts": frozenset({"tracker", "manager"}),
    # record, correct and withdraw milestones
    "record_milestones": frozenset({"tracker", "manager"}),
    # a journey as at a date, or as known on a date and time
    "replay": frozenset({"auditor", "manager"}),
    # who viewed which child's history, and when
    "read_view_log": frozenset({"auditor", "admin"}),
    # add users, disable and enable them, set their roles, councils and passwords
    "manage_users": frozenset({"admin"}),
    # any page for a user who has signed in
    "signed_in": frozenset(ROLES),
})

PASSWORD_MIN = 12
PASSWORD_MAX = 1024
USERNAME_MIN, USERNAME_MAX = 2, 64
_USERNAME = re.compile(r"[a-z0-9._-]+")


# -- the errors ------------------------------------------------------------------------------


class UnknownRole(JourneyError):
    rule = "unknown role"
    field = "role"


class UsernameNotAllowed(JourneyError):
    """A user name breaks the rule (lower-case letters, digits, dot, hyphen, underscore; 2 to 64)."""

    rule = "user name not allowed"
    field = "username"


class PasswordTooShort(JourneyError):
    rule = "password too short"
    field = "password"


class PasswordTooLong(JourneyError):
    rule = "password too long"
    field = "password"


class UsernameTaken(JourneyError):
    rule = "user name taken"
    field = "username"


class UnknownUser(JourneyError):
    rule = "unknown user"
    field = "username"


class LastAdmin(JourneyError):
    """Disabling or demoting the only enabled admin would leave nobody to manage users."""

    rule = "the last admin"
    field = "username"


def leaves_an_admin(accounts: Sequence[dict], username: str, *, role: str | None = None, disabled: bool | None = None) -> bool:
    """Whether, after `username` takes `role` and/or `disabled`, an enabled admin remains."""
    for account in accounts:
        is_them = account["username"] == username
        their_role = role if is_them and role is not None else account["role"]
        their_disabled = disabled if is_them and disabled is not None else account["disabled"]
        if their_role == "admin" and not their_disabled:
            return True
    return False


class SignInRefused(JourneyError):
    """A wrong user name, a wrong password or a disabled account: one error, one
    message, so that a refusal never tells which it was."""

    rule = "sign-in refused"


class SignInLimited(JourneyError):
    """Too many failed sign-ins for the account or from the address, lately: the
    password is not checked. `retry_at` (an aware datetime) is when to try again."""

    rule = "too many failed sign-ins"

    def __init__(self, message: str, *, retry_at, **fields):
        super().__init__(message, **fields)
        self.retry_at = retry_at


SIGN_IN_REFUSED = "the user name and password do not match an account that can sign in: check them and try again"


# -- the rules ---------------------------------------------------------------------------------


def can(role: str | None, permission: str) -> bool:
    """Whether a user with `role` has `permission`. An unknown permission raises
    ValueError (a misspelt one in a route must not quietly refuse or allow);
    an unknown role, or none, has no permission."""
    try:
        roles = PERMISSIONS[permission]
    except KeyError:
        raise ValueError(f"unknown permission {permission!r} (expected one of {', '.join(PERMISSIONS)})") from None
    return role in roles


def sees_council(councils: Sequence[str], local_authority: str) -> bool:
    """Whether a user tied to `councils` sees a child of `local_authority`; a user
    tied to no council sees every council's children."""
    if not councils:
        return True
    return council_key(local_authority or "") in {council_key(c) for c in councils}


def checked_role(role: str) -> str:
    """`role` if it is one of ROLES (`UnknownRole` otherwise)."""
    if role not in ROLES:
        raise UnknownRole(f"unknown role {role!r}: a user is one of {', '.join(ROLES)}")
    return role


def normal_username(username: str) -> str:
    """The user name as the tracker keeps it (surrounding spaces off, lower case),
    if it keeps the rule: lower-case letters, digits, dot, hyphen and underscore,
    2 to 64 of them (`UsernameNotAllowed` otherwise)."""
    name = (username or "").strip().lower()
    if not USERNAME_MIN <= len(name) <= USERNAME_MAX or not _USERNAME.fullmatch(name):
        raise UsernameNotAllowed(
            f"user name {name!r} is not allowed: use {USERNAME_MIN} to {USERNAME_MAX} lower-case letters, digits, "
            "dots, hyphens or underscores"
        )
    return name


def check_password(password: str) -> str:
    """`password` if it is long enough and not absurdly long (`PasswordTooShort`,
    `PasswordTooLong` otherwise). The message never repeats the password."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise PasswordTooShort(f"a password needs at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise PasswordTooLong(f"a password may have at most {PASSWORD_MAX} characters")
    return password
