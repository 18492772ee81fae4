"""A user's account: one stream of events per user name, so that every change to
who may do what is kept with who made it and when (and several servers on one
store share the accounts).

The password is never stored: only its scrypt hash, as one string
"scrypt$n$r$p$salt$hash" (salt and hash in base64) that names its own
parameters, so they can be raised later and old hashes still verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

from eventsourcing.domain import Aggregate

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
_MAXMEM = 64 * 1024 * 1024


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """The password's scrypt hash with a new random salt, as one string."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES, maxmem=_MAXMEM)
    return "$".join(("scrypt", str(n), str(r), str(p), _b64(salt), _b64(digest)))


def password_matches(password: str, encoded: str) -> bool:
    """Whether `password` is the one `encoded` (from `hash_password`) was made from;
    compared in constant time. A malformed hash matches nothing."""
    try:
        scheme, n, r, p, salt, expected = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected_bytes = base64.b64decode(expected)
        digest = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected_bytes), maxmem=_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected_bytes)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class Account(Aggregate):
    """A user of the web view: name, role, councils, password hash, and whether disabled."""

    TOPIC = "journey.account:Account"

    class Created(Aggregate.Created):
        TOPIC = "journey.account:Account.Created"
        class_version = 1
        username: str
        role: str
        councils: list
        password_hash: str
        by: str

    class RoleChanged(Aggregate.Event):
        TOPIC = "journey.account:Account.RoleChanged"
        class_version = 1
        role: str
        by: str

        def apply(self, account: Account) -> None:
            account.role = self.role
            account.credentials_version = self.originator_version

    class CouncilsChanged(Aggregate.Event):
        """The councils whose children the user sees (none: all the agency's)."""

        TOPIC = "journey.account:Account.CouncilsChanged"
        class_version = 1
        councils: list
        by: str

        def apply(self, account: Account) -> None:
            account.councils = list(self.councils)
            account.credentials_version = self.originator_version

    class PasswordChanged(Aggregate.Event):
        TOPIC = "journey.account:Account.PasswordChanged"
        class_version = 1
        password_hash: str
        by: str

        def apply(self, account: Account) -> None:
            account.password_hash = self.password_hash
            account.credentials_version = self.originator_version

    class Disabled(Aggregate.Event):
        TOPIC = "journey.account:Account.Disabled"
        class_version = 1
        by: str

        def apply(self, account: Account) -> None:
            account.disabled = True
            account.credentials_version = self.originator_version

    class Enabled(Aggregate.Event):
        TOPIC = "journey.account:Account.Enabled"
        class_version = 1
        by: str

        def apply(self, account: Account) -> None:
            account.disabled = False
            account.credentials_version = self.originator_version

    def __init__(self, username: str, role: str, councils: list, password_hash: str, by: str) -> None:
        self.username = username
        self.role = role
        self.councils = list(councils)
        self.password_hash = password_hash
        self.disabled = False
        # The version at the last change to what a session was granted on: a
        # session made before it is ended.
        self.credentials_version = 1

    @classmethod
    def open(cls, username: str, *, id: uuid.UUID, role: str, councils: list[str], password_hash: str, by: str) -> Account:
        """A new account, its `id` from `identity.account_id` (keyed on an encrypted store)."""
        return cls._create(
            cls.Created, id=id, username=username, role=role, councils=list(councils),
            password_hash=password_hash, by=by,
        )

    # Each change below records an event only when it changes something (but a
    # new password, which always gets a new salt).

    def set_role(self, role: str, *, by: str) -> bool:
        if role == self.role:
            return False
        self.trigger_event(self.RoleChanged, role=role, by=by)
        return True

    def set_councils(self, councils: list[str], *, by: str) -> bool:
        if list(councils) == self.councils:
            return False
        self.trigger_event(self.CouncilsChanged, councils=list(councils), by=by)
        return True

    def set_password_hash(self, password_hash: str, *, by: str) -> None:
        self.trigger_event(self.PasswordChanged, password_hash=password_hash, by=by)

    def disable(self, *, by: str) -> bool:
        if self.disabled:
            return False
        self.trigger_event(self.Disabled, by=by)
        return True

    def enable(self, *, by: str) -> bool:
        if not self.disabled:
            return False
        self.trigger_event(self.Enabled, by=by)
        return True

    def as_dict(self) -> dict:
        """The account as plain values (never its password hash)."""
        return {
            "username": self.username,
            "role": self.role,
            "councils": list(self.councils),
            "disabled": self.disabled,
            "created_at": self.created_on.isoformat(),
            "changed_at": self.modified_on.isoformat(),
            "credentials_version": self.credentials_version,
        }

