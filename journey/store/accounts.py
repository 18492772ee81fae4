"""Accounts kept in the event store: adding one, changing it, listing them, and
signing in (which reads the account and writes no event).

Every function answers with plain values (an account as `Account.as_dict`,
never its password hash). The rules (roles, user names, passwords) are those of
`journey.domain.access`.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from journey.domain import access, clock
from journey.domain.errors import InvalidValue, UnknownCouncil
from journey.store.account import Account, hash_password, password_matches
from journey.store.identity import account_id
from journey.store.sign_ins import FailedSignIns

CREATED_TOPIC = get_topic(Account.Created)


def load_account(app: Any, username: str) -> Account | None:
    """The account of `username` (normalised first), or None: also for a name
    the rule does not allow, which no account can have, and with no store (`app` None)."""
    if app is None:
        return None
    try:
        name = access.normal_username(username)
    except access.UsernameNotAllowed:
        return None
    try:
        return app.repository.get(account_id(name, app.secret))
    except AggregateNotFoundError:
        return None


def existing_account(app: Any, username: str) -> Account:
    account = load_account(app, username)
    if account is None:
        raise unknown_user(username)
    return account


def unknown_user(username: str) -> access.UnknownUser:
    return access.UnknownUser(f"no user {(username or '').strip().lower()!r} is known")


def council_names(app: Any, councils: Iterable[str]) -> list[str]:
    """The agency's names of `councils` (by name, alias or code, in any case),
    each once, in the agency's order (any name, tidied, without an agency file)."""
    if isinstance(councils, str):  # one council named, not its letters
        councils = [councils]
    names = []
    for given in councils:
        try:
            name = app.council(given).name
        except UnknownCouncil as error:
            raise UnknownCouncil(error.message, field="councils") from None
        if name not in names:
            names.append(name)
    order = {c.name: i for i, c in enumerate(app.agency.councils)}
    return sorted(names, key=lambda n: (order.get(n, len(order)), n))


def add_account(app: Any, username: str, *, role: str, councils: Iterable[str] = (), password: str, by: str) -> dict:
    """A new account; refused, with nothing written, for a name the rule does not
    allow or already taken, an unknown role or council, or a password too short or long."""
    by = checked_by(by)
    name = access.normal_username(username)
    access.checked_role(role)
    names = council_names(app, councils)
    access.check_password(password)
    if load_account(app, name) is not None:
        raise _taken(name)
    account = Account.open(name, id=account_id(name, app.secret), role=role, councils=names, password_hash=hash_password(password), by=by)
    try:
        app.save(account)
    except IntegrityError:  # added by someone else since we looked
        raise _taken(name) from None
    return account.as_dict()


def change_account(app: Any, username: str, change: Callable[[Account], Any]) -> dict:
    """Apply `change` to the account and save what it recorded (again, after
    re-reading, if someone else changed the account in between)."""

    def attempt():
        account = existing_account(app, username)
        change(account)
        app.save(account)
        return account.as_dict()

    return app.retrying(f"user {(username or '').strip().lower()}", attempt)


def _taken(name: str) -> access.UsernameTaken:
    return access.UsernameTaken(f"the user name {name!r} is taken: choose another")


def checked_by(by: str) -> str:
    """Who makes a change, as recorded (refused when empty)."""
    if not isinstance(by, str) or not by.strip():
        raise InvalidValue("say who is making the change", field="by")
    return by.strip()


# -- listing -----------------------------------------------------------------------------------


class AccountIndex:
    """The ids of every account, found from the log's account creations and kept
    in memory: each listing reads only the log recorded since the last."""

    def __init__(self) -> None:
        self.ids: list[uuid.UUID] = []
        self.position = 0
        self._lock = threading.Lock()

    def catch_up(self, app: Any) -> list[uuid.UUID]:
        with self._lock:
            while True:
                found = app.recorder.select_notifications(start=self.position + 1, limit=1000, topics=[CREATED_TOPIC])
                if not found:
                    return list(self.ids)
                self.ids += [n.originator_id for n in found]
                self.position = found[-1].id


_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def all_accounts(app: Any) -> list[dict]:
    """Every account, by user name."""
    index = _INDEXES.get(app)
    if index is None:
        index = _INDEXES.setdefault(app, AccountIndex())
    accounts = [app.repository.get(i).as_dict() for i in dict.fromkeys(index.catch_up(app))]
    return sorted(accounts, key=lambda a: a["username"])


# -- signing in --------------------------------------------------------------------------------

_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash no password is known for: checked when the name is nobody's, so the
    answer takes as long as for a real account."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(uuid.uuid4().hex))
    return _DUMMY_HASH[0]


def sign_in(app: Any | None, failures: FailedSignIns, username: str, password: str, *, address: str) -> dict:
    """The account, when `password` is its password and it is not disabled.

    Otherwise `SignInRefused`, the same for a wrong name, a wrong password and a
    disabled account, and the failure counted. After too many recent failures for
    the name or from the address, `SignInLimited`, without looking at the password."""
    name = (username or "").strip().lower()[: access.USERNAME_MAX + 1]  # counted as given, if not a name
    address = (address or "").strip()[:200]
    now = clock.now()
    until = failures.limited_until(name, address, now)
    if until is not None:
        at = until.astimezone(clock.LONDON)
        raise access.SignInLimited(
            f"too many failed sign-ins: try again later, after {at:%H:%M} on {at:%-d %b %Y} (London time)",
            retry_at=until,
        )
    account = load_account(app, name)
    given = password if isinstance(password, str) and len(password) <= access.PASSWORD_MAX else ""
    matches = password_matches(given, account.password_hash if account is not None else _dummy_hash())
    if account is None or not matches or account.disabled:
        failures.add(name, address, now)
        raise access.SignInRefused(access.SIGN_IN_REFUSED)
    return account.as_dict()
