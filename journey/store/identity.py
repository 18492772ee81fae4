"""Deterministic identities for children, households and accounts.

The library stores aggregate ids in plain text even when events are encrypted,
so with a cipher key the id is a keyed hash (HMAC-SHA256) of the council and the
case id: nobody holding only the database can test guesses of a child's
reference against it. Without a key, a name-based UUID is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

NAMESPACE = uuid.UUID("6f1b6c1e-3d4a-5c7e-9a53-0c2a1d9e7b41")


def child_id(council_key: str, child_ref: str, secret: bytes | None = None) -> uuid.UUID:
    """The same child (council, case id) always has the same id."""
    return _identity(f"child:{council_key}:{child_ref.strip()}", secret)


def household_id(household_ref: str, secret: bytes | None = None) -> uuid.UUID:
    return _identity(f"household:{household_ref.strip()}", secret)


def account_id(username: str, secret: bytes | None = None) -> uuid.UUID:
    """The id of the account of `username` (already normalised): keyed like a
    child's, so the database alone does not tell which user names exist."""
    return _identity(f"account:{username}", secret)


def _identity(name: str, secret: bytes | None) -> uuid.UUID:
    if secret is None:
        return uuid.uuid5(NAMESPACE, name)
    digest = hmac.new(secret, name.encode(), hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def identity_secret(cipher_key: str | None) -> bytes | None:
    """A key for identities, derived from (never equal to) the cipher key."""
    if not cipher_key:
        return None
    return hmac.new(cipher_key.encode(), b"journey identity", hashlib.sha256).digest()
