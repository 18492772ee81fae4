"""Named errors the tracker reports to its users.

Every error a user can cause is a `JourneyError`; its message says what was
refused and why, naming the child and the rule, so the CLI and the web can show
it as it is.
"""

from __future__ import annotations


class JourneyError(Exception):
    """A command was refused; nothing was written."""

    rule = "refused"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RuleOfOrderBroken(JourneyError):
    """A milestone's date breaks one of the rules of order (domain.md section 2)."""

    rule = "rule of order"

    def __init__(self, milestone, message: str):
        super().__init__(message)
        self.milestone = milestone


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

    def __init__(self, subject: str, breaches: list[RuleOfOrderBroken]):
        self.subject = subject
        self.breaches = breaches
        self.rule = "; ".join(dict.fromkeys(b.rule for b in breaches))
        reasons = "; ".join(b.message for b in breaches)
        super().__init__(f"{subject}: refused ({self.rule}): {reasons}")


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


class UnknownCouncil(JourneyError):
    rule = "unknown council"


class ConcurrentChange(JourneyError):
    """Someone else kept changing the same record; retries ran out."""

    rule = "concurrent change"


class ConfigurationError(JourneyError):
    rule = "configuration"
