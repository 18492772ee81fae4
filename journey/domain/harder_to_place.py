"""The groups of children RAAs report as harder to place (domain.md section 2).

In a sibling group; black, Asian or minority ethnic (any 903 ethnicity code but the
white and unknown ones); disabled; aged 5 or over at the latest `adm_decision`;
waiting 18 months or more since entering care.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from journey.domain.calendar import add_months
from journey.domain.milestones import WHITE_OR_UNKNOWN_ETHNICITIES, Milestone

AGE_AT_DECISION_YEARS = 5
MONTHS_IN_CARE = 18


def black_asian_or_minority_ethnic(ethnicity: str | None) -> bool:
    """Whether a 903 ethnicity code is neither a white code nor unknown (REFU, NOBT)."""
    return bool(ethnicity) and ethnicity not in WHITE_OR_UNKNOWN_ETHNICITIES


def aged_5_or_over_at_decision(date_of_birth: datetime.date | None, journey: Sequence[Milestone]) -> bool:
    """Whether the child was 5 or over at the latest `adm_decision` of `journey`
    (milestones in journey order); False without a date of birth or a decision."""
    if not date_of_birth:
        return False
    for m in reversed(journey):  # the latest decision, found from the end
        if m.name == "adm_decision":
            return add_months(date_of_birth, 12 * AGE_AT_DECISION_YEARS) <= m.occurred_on
    return False


def waiting_18_months_or_more(entered_care_on: datetime.date | None, waiting: bool, on: datetime.date) -> bool:
    """Whether a waiting child had been in care 18 months or more on `on`."""
    return bool(entered_care_on and waiting and add_months(entered_care_on, MONTHS_IN_CARE) <= on)
