"""How the tracker words what it counts and what it records, for every interface."""

from __future__ import annotations

from typing import Any

# Plurals that are not the singular plus "s".
_PLURALS = {"child": "children", "breach": "breaches", "address": "addresses", "household": "households"}

SEX = {"1": "male", "2": "female"}


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """`n` and the noun in the number it takes: "1 child", "2 children", "0 alerts"."""
    return f"{n} {singular if n == 1 else plural or _PLURALS.get(singular, singular + 's')}"


def attribute_words(name: str, value: Any) -> str:
    """A child's attribute as a tracker reads it: "sex: female", "disability: no"."""
    if name == "sex":
        value = SEX.get(str(value), value)
    elif value is True or value == "yes":
        value = "yes"
    elif value is False or value == "no":
        value = "no"
    return f"{name.replace('_', ' ')}: {value}"
