"""The recording forms' schemas: each turns the posted fields into the arguments
of one service call, or into errors by field, in a tracker's words.

A schema checks only the form: that a date is a real date, that a choice is one
the form offered, that a required reason is there. The rules of order (and every
other rule of the record) are the service's: it refuses what breaks them.

Dates come as GOV.UK date inputs: `NAME-day`, `NAME-month` and `NAME-year`.
"""

from __future__ import annotations

import datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validate

from journey.service import (
    AUTHORITIES,
    CHILD_MILESTONE_DETAILS,
    CHILD_MILESTONES,
    EARLY_PERMANENCE_KINDS,
    ETHNICITIES,
    REVERSAL_REASONS,
    SEXES,
)

DATE_PARTS = ("day", "month", "year")
YES_NO = ("yes", "no")
TEXT_MAX = 200
REASON_MAX = 2000

# What each date field is called in its error messages.
DATE_NAMES = {
    "occurred_on": "the date it happened",
    "moved_in_on": "the date the child moved in",
    "expected_due_date": "the expected due date",
    "date_of_birth": "the date of birth",
}


class DateParts(fields.Field):
    """A GOV.UK date input's day, month and year (a dict of the three texts) as
    an ISO date; missing when all three are empty."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.what = DATE_NAMES.get(name, "the date")

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        parts = {p: str((value or {}).get(p) or "").strip() for p in DATE_PARTS}
        missing = [p for p in DATE_PARTS if not parts[p]]
        what = self.what[0].upper() + self.what[1:]
        if len(missing) == 3:
            raise ValidationError(f"Enter {self.what}")
        if missing:
            raise ValidationError(f"{what} must include a {' and a '.join(missing)}")
        if not all(parts[p].isdigit() for p in DATE_PARTS):
            raise ValidationError(f"{what} must be a real date, in numbers: for example 27 3 2024")
        if len(parts["year"]) != 4:
            raise ValidationError(f"The year of {self.what} must include 4 numbers")
        try:
            return datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"])).isoformat()
        except ValueError:
            raise ValidationError(f"{what} must be a real date") from None


class FormSchema(Schema):
    """What every form's schema does first: the CSRF token and any field it does
    not know are left out, texts are trimmed, empty ones are missing, and each
    date input's three parts are gathered under its name."""

    class Meta:
        unknown = EXCLUDE

    date_fields: tuple[str, ...] = ()

    @pre_load
    def gather(self, data: Any, **kwargs: Any) -> dict:
        given = {k: v.strip() if isinstance(v, str) else v for k, v in dict(data).items() if k != "csrf_token"}
        for name, field in self.fields.items():
            if isinstance(field, DateParts):
                parts = {p: given.pop(f"{name}-{p}", "") for p in DATE_PARTS}
                if any(parts.values()):
                    given[name] = parts
                elif field.required:
                    given[name] = parts  # "Enter the date", not marshmallow's own words
        return {k: v for k, v in given.items() if v not in ("", None)}


def _choice(options, message: str, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(list(options), error=message), **kwargs)


def _text(limit: int = TEXT_MAX, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=limit, error=f"Enter {limit:,} characters or fewer"), **kwargs)


def detail_field(milestone: str, name: str, households: list[str]) -> fields.Field:
    """The form field of one of a milestone's details."""
    if name == "household":
        return _choice(households, "Choose a household from the list")
    if name == "authority":
        return _choice(AUTHORITIES, "Choose the kind of authority to place")
    if name == "kind":
        return _choice(EARLY_PERMANENCE_KINDS, "Choose fostering for adoption or concurrent planning")
    if name == "reason" and milestone == "decision_reversed":
        return _choice(REVERSAL_REASONS, "Choose the reason the decision was reversed")
    if name in ("interagency", "foster_carer_adoption"):
        return _choice(YES_NO, "Choose yes or no")
    if name in ("moved_in_on", "expected_due_date"):
        return DateParts(name)
    return _text()


def milestone_fields(milestone: str) -> tuple[str, ...]:
    """The details a form for `milestone` asks for, in the order the form shows them."""
    return tuple(CHILD_MILESTONE_DETAILS.get(milestone, ()))


def _details(milestone: str, data: dict, names: tuple[str, ...]) -> dict:
    return {name: data[name] for name in names if name in data}


def record_schema(milestone: str, households: list[str]) -> Schema:
    """The form that records `milestone`: its date and its details. Loads to
    {"milestone", "occurred_on", "details"} (`Tracker.record`'s arguments)."""
    if milestone not in CHILD_MILESTONES:
        raise ValueError(f"unknown milestone {milestone!r}")
    names = milestone_fields(milestone)
    declared: dict[str, fields.Field] = {"occurred_on": DateParts("occurred_on", required=True)}
    declared.update({name: detail_field(milestone, name, households) for name in names})
    exact = set(households)
    known = {ref.casefold(): ref for ref in households}  # a reference typed in any case
    if "household" in names:
        declared["household_other"] = _text(limit=100)

    class RecordSchema(FormSchema.from_dict(declared)):  # type: ignore[misc]
        @post_load
        def arguments(self, data: dict, **kwargs: Any) -> dict:
            other = data.pop("household_other", None)
            if other:  # a household not in the list, by its reference
                if other.casefold() not in known:
                    raise ValidationError(f"No household {other} is recorded: check the reference, or choose one from the list",
                                          "household_other")
                other = other if other in exact else known[other.casefold()]
                if data.get("household") not in (None, other):
                    raise ValidationError("Choose a household from the list or type another household's reference, not both",
                                          "household_other")
                data["household"] = other
            return {"milestone": milestone, "occurred_on": data["occurred_on"], "details": _details(milestone, data, names)}

    return RecordSchema()


# In a correction's form the milestone's own reason detail is `new_reason`:
# `reason` is the correction's.
CORRECTION_DETAIL_NAMES = {"reason": "new_reason"}


def correction_fields(milestone: str) -> tuple[tuple[str, str], ...]:
    """The details a correction's form can change, as (form field, detail) pairs:
    all but the household (which picks the milestone; to move it to another
    household, withdraw it and record it again), the reason detail as `new_reason`."""
    return tuple((CORRECTION_DETAIL_NAMES.get(n, n), n) for n in milestone_fields(milestone) if n != "household")


def correct_schema(milestone: str) -> Schema:
    """The form that corrects a milestone: the new date, the details that change,
    and the reason (required). Loads to {"new_date", "details", "reason"}."""
    pairs = correction_fields(milestone)
    declared: dict[str, fields.Field] = {
        "occurred_on": DateParts("occurred_on", required=True),
        "reason": _text(REASON_MAX, required=True, error_messages={"required": "Enter the reason for the correction"}),
    }
    declared.update({name: detail_field(milestone, detail, []) for name, detail in pairs})

    class CorrectSchema(FormSchema.from_dict(declared)):  # type: ignore[misc]
        @post_load
        def arguments(self, data: dict, **kwargs: Any) -> dict:
            details = {detail: data[name] for name, detail in pairs if name in data}
            return {"new_date": data["occurred_on"], "details": details, "reason": data["reason"]}

    return CorrectSchema()


class WithdrawSchema(FormSchema):
    """The form that withdraws a milestone recorded in error: the reason (required)."""

    reason = _text(REASON_MAX, required=True, error_messages={"required": "Enter why the milestone is withdrawn"})


class AttributesSchema(FormSchema):
    """The form that amends a child's attributes. Loads to the attributes given
    (`Tracker.child`'s `attributes`); an empty field leaves the attribute as it is."""

    date_of_birth = DateParts("date_of_birth")
    sex = _choice(SEXES, "Choose male or female")
    ethnicity = _choice(ETHNICITIES, "Choose an ethnicity from the list")
    disability = _choice(YES_NO, "Choose yes or no")
    sibling_group = _text(64)


class ChooseMilestoneSchema(FormSchema):
    """The first step of recording: which milestone."""

    milestone = _choice(CHILD_MILESTONES, "Choose the milestone to record", required=True,
                        error_messages={"required": "Choose the milestone to record"})


def load(schema: Schema, form: Any) -> tuple[dict | None, dict[str, list[str]]]:
    """The schema's arguments from the posted `form`, or None and the errors by field."""
    try:
        return schema.load(form.to_dict() if hasattr(form, "to_dict") else dict(form)), {}
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_form": error.messages}
        return None, {name: list(found) if isinstance(found, list) else [str(found)] for name, found in messages.items()}
