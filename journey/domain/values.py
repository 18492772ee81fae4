"""Turning what users type (CLI options, CSV cells, web forms) into checked values.

Every function raises `InvalidValue` with a message that names the value and says
what would be accepted.
"""

from __future__ import annotations

import datetime
from typing import Any

from journey.domain.errors import InvalidValue
from journey.domain.ssda903_codes import code_lists
from journey.domain.milestones import (
    AUTHORITIES,
    CHILD_MILESTONE_DETAILS,
    CHILD_MILESTONES,
    DATE_DETAILS,
    EARLY_PERMANENCE_KINDS,
    ETHNICITIES,
    HOUSEHOLD_MILESTONE_DETAILS,
    HOUSEHOLD_MILESTONES,
    REVERSAL_REASONS,
    SEXES,
    YES_NO_DETAILS,
    authority_of,
)

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def parse_date(value: Any, what: str = "date") -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidValue(f"{what} {value!r} is not a date: use YYYY-MM-DD, e.g. 2019-03-31") from None


def parse_yes_no(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InvalidValue(f"{what} {value!r} must be yes or no")


def child_milestone(name: str) -> str:
    name = (name or "").strip()
    if name not in CHILD_MILESTONES:
        raise InvalidValue(f"unknown milestone {name!r}: use one of {', '.join(CHILD_MILESTONES)}")
    return name


def household_milestone(name: str) -> str:
    name = (name or "").strip()
    if name not in HOUSEHOLD_MILESTONES:
        raise InvalidValue(
            f"unknown household milestone {name!r}: use one of {', '.join(HOUSEHOLD_MILESTONES)}"
        )
    return name


def milestone_details(milestone: str, given: dict[str, Any], *, household_stream: bool = False) -> dict[str, Any]:
    """The details of a milestone, checked and typed; empty values are left out."""
    allowed = (HOUSEHOLD_MILESTONE_DETAILS if household_stream else CHILD_MILESTONE_DETAILS).get(milestone, ())
    details: dict[str, Any] = {}
    for key, value in given.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if key not in allowed:
            accepted = ", ".join(allowed) or "no details"
            raise InvalidValue(f"{milestone} does not take {key} (it takes {accepted})")
        details[key] = _detail(milestone, key, value)
    if milestone == "placement_order":
        details["authority"] = authority_of(details)
    return details


def _detail(milestone: str, key: str, value: Any) -> Any:
    if key in DATE_DETAILS:
        return parse_date(value, key)
    if key in YES_NO_DETAILS:
        return parse_yes_no(value, key)
    text = str(value).strip()
    if key == "authority" and text not in AUTHORITIES:
        raise InvalidValue(f"authority {text!r} must be one of {', '.join(AUTHORITIES)}")
    if key == "kind" and text not in EARLY_PERMANENCE_KINDS:
        raise InvalidValue(f"kind {text!r} must be one of {', '.join(EARLY_PERMANENCE_KINDS)}")
    if key == "reason" and milestone == "decision_reversed" and text.upper() not in REVERSAL_REASONS:
        raise InvalidValue(f"reason {text!r} for decision_reversed must be one of {', '.join(REVERSAL_REASONS)}")
    if key == "reason" and milestone == "decision_reversed":
        return text.upper()
    return text


def child_attributes(given: dict[str, Any]) -> dict[str, Any]:
    """Child attributes, checked and typed; empty values are left out."""
    attributes: dict[str, Any] = {}
    for key, value in given.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        text = str(value).strip() if not isinstance(value, (datetime.date, bool)) else value
        if key == "date_of_birth":
            attributes[key] = parse_date(value, "date of birth")
        elif key == "sex":
            if text not in SEXES:
                raise InvalidValue(f"sex {value!r} must be 1 (male) or 2 (female), as in the 903 return")
            attributes[key] = text
        elif key == "ethnicity":
            if str(text).upper() not in ETHNICITIES:
                raise InvalidValue(f"ethnicity {value!r} is not a DfE 903 code (e.g. WBRI, MWBC, BAFR)")
            attributes[key] = str(text).upper()
        elif key == "disability":
            attributes[key] = parse_yes_no(value, "disability")
        elif key == "sibling_group":
            attributes[key] = text
        else:
            raise InvalidValue(f"unknown child attribute {key!r}")
    return attributes


# The adopters' details a household keeps for the 903's AD1 table: detail -> the
# DfE code list (journey/domain/ssda903_codes.csv).
ADOPTERS_DETAILS = {"number": "NB_ADOPTR", "sex": "SEX_ADOPTR", "legal_status": "LS_ADOPTR"}


def adopters_details(given: dict[str, Any]) -> dict[str, str]:
    """The adopters' details (`number`, `sex`, `legal_status`), checked against the
    DfE's current code lists; empty values are left out."""
    codes = code_lists()
    details = {}
    for key, value in given.items():
        if value is None or not str(value).strip():
            continue
        if key not in ADOPTERS_DETAILS:
            raise InvalidValue(f"unknown adopters' detail {key!r} (accepted: {', '.join(ADOPTERS_DETAILS)})", field=f"adopters_{key}")
        code = str(value).strip().upper()
        if not codes.valid(ADOPTERS_DETAILS[key], code, None):
            listed = ", ".join(codes.codes(ADOPTERS_DETAILS[key], None))
            raise InvalidValue(f"adopters' {key.replace('_', ' ')} {value!r} is not a DfE 903 code (one of {listed})",
                               field=f"adopters_{key}")
        details[key] = code
    if details.get("number") and details.get("sex") and (details["sex"] in ("M1", "F1")) != (details["number"] == "1"):
        raise InvalidValue(f"{details['number']} adopter(s) cannot have the sex code {details['sex']}", field="adopters_sex")
    return details
