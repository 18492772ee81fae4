"""Named errors the tracker reports to its users.

Every error a user can cause is a `JourneyError`. Its message says what was
refused and why, naming the child and the rule, in words that fit any interface;
its fields (`rule`, `child_ref`, `local_authority`, `field`, `dates`) let each
interface word it its own way: the CLI names the option for `field` (`--reason`),
a web form marks the field.
"""

from __future__ import annotations


class JourneyError(Exception):
    """A command was refused; nothing was written."""

    rule = "refused"
    field: str | None = None
    child_ref: str | None = None
    local_authority: str | None = None
    dates: tuple = ()

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        child_ref: str | None = None,
        local_authority: str | None = None,
        dates: tuple = (),
    ):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field
        if child_ref is not None:
            self.child_ref = child_ref
        if local_authority is not None:
            self.local_authority = local_authority
        if dates:
            self.dates = tuple(dates)

    def to_dict(self) -> dict:
        """The error as plain values (for JSON and for interfaces to word)."""
        return {
            "error": type(self).__name__,
            "rule": self.rule,
            "message": self.message,
            "field": self.field,
            "child_ref": self.child_ref,
            "local_authority": self.local_authority,
            "dates": [d.isoformat() if hasattr(d, "isoformat") else d for d in self.dates],
        }


class RuleOfOrderBroken(JourneyError):
    """A milestone's date breaks one of the rules of order (domain.md section 2).

    `milestone` is the milestone that breaks it (None for the date of birth
    itself); `against` and `against_on` the milestone (or "date_of_birth",
    "today") and the date it is checked against; `detail` the date detail that
    breaks it (`moved_in_on`), if it is a detail rather than the milestone's date."""

    rule = "rule of order"

    def __init__(self, milestone, message: str, *, against: str | None = None, against_on=None, detail: str | None = None):
        super().__init__(message, dates=(getattr(milestone, "occurred_on", None),) if getattr(milestone, "occurred_on", None) else ())
        self.milestone = milestone
        self.against = against
        self.against_on = against_on
        self.detail = detail

    def breach_dict(self) -> dict:
        """The breach as plain values, for an interface to word."""
        occurred_on = getattr(self.milestone, "occurred_on", None)
        return {
            "rule": self.rule,
            "message": self.message,
            "milestone": getattr(self.milestone, "name", None),
            "occurred_on": occurred_on.isoformat() if occurred_on else None,
            "event_id": getattr(self.milestone, "event_id", None),
            "against": self.against,
            "against_on": self.against_on.isoformat() if hasattr(self.against_on, "isoformat") else self.against_on,
            "detail": self.detail,
        }


class OrderBeforeBirth(RuleOfOrderBroken):
    rule = "before birth"


class DecisionBeforeCare(RuleOfOrderBroken):
    rule = "decision before care"


class MatchAfterPlacement(RuleOfOrderBroken):
    rule = "match after placement"


class PlacedOnOrAfterAdoption(RuleOfOrderBroken):
    rule = "placed on or after adoption order"


class MilestoneAfterAdoption(RuleOfOrderBroken):
    rule = "after adoption order"


class MatchOrPlacementAfterReversal(RuleOfOrderBroken):
    rule = "after decision reversed"


class DateInFuture(RuleOfOrderBroken):
    rule = "date in the future"


class JourneyRulesBroken(JourneyError):
    """One command broke one or more rules of order."""

    rule = "rule of order"

    def __init__(self, subject: str, breaches: list[RuleOfOrderBroken], *, child_ref=None, local_authority=None):
        self.subject = subject
        self.breaches = breaches
        self.rule = "; ".join(dict.fromkeys(b.rule for b in breaches))
        reasons = "; ".join(b.message for b in breaches)
        dates = tuple(d for b in breaches for d in b.dates)
        super().__init__(f"{subject}: refused ({self.rule}): {reasons}", child_ref=child_ref, local_authority=local_authority, dates=dates)

    def to_dict(self) -> dict:
        """As JourneyError's, with each of the `breaches` as plain values."""
        return {**super().to_dict(), "breaches": [b.breach_dict() for b in self.breaches]}


class InvalidValue(JourneyError):
    """A milestone name, detail or attribute value is not one the tracker knows."""

    rule = "invalid value"


class ChildNotFound(JourneyError):
    rule = "unknown child"


class HouseholdNotFound(JourneyError):
    rule = "unknown household"


class MilestoneNotFound(JourneyError):
    """A correction or withdrawal names a milestone the journey does not have."""

    rule = "no such milestone"


class AmbiguousMilestone(JourneyError):
    """Two current milestones share a name and date: the user must pick one."""

    rule = "ambiguous milestone"


class CopiedFromChild(JourneyError):
    """A household's copy of a child's milestone is changed on the child, not on the copy."""

    rule = "copied from a child"


class UnknownCouncil(JourneyError):
    rule = "unknown council"


class ConcurrentChange(JourneyError):
    """Someone else kept changing the same record; retries ran out."""

    rule = "concurrent change"


class ConfigurationError(JourneyError):
    rule = "configuration"
