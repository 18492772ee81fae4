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


# Each stage of a child's journey (`journey.domain.stages.ORDER`) as a tracker says it.
STAGE_WORDS = {
    "pre_birth": "Tracked before birth",
    "pre_care": "Not yet in care",
    "in_care": "In care, no adoption decision",
    "decision": "Adoption decision made",
    "authority": "Placement order made",
    "matched": "Matched",
    "placed": "Placed for adoption",
    "adopted": "Adopted",
    "exited": "Left care",
}


# A child's or a household's milestone in plain English (histories, pages).
MILESTONE_WORDS = {
    "unborn_identified": "unborn baby identified for pre-birth tracking",
    "born": "born",
    "pre_proceedings_started": "pre-proceedings started",
    "care_proceedings_issued": "care proceedings issued",
    "entered_care": "entered care",
    "permanence_plan": "plan for adoption agreed",
    "early_permanence_placement": "early permanence placement",
    "adm_decision": "agency decision maker decided the child should be placed for adoption",
    "placement_order": "court authority to place",
    "family_finding_started": "family finding started",
    "register_referral": "referred to the Adoption Register",
    "link_identified": "possible adoptive household identified",
    "match_panel": "adoption panel recommended the match",
    "matched": "matched",
    "placed": "placed for adoption",
    "adoption_application": "adoption application lodged",
    "adoption_order": "adoption order made",
    "decision_reversed": "adoption decision reversed",
    "disruption": "placement disrupted",
    "left_care": "left care",
    # A household's own milestones (its matched, placed and adoption_order are the children's).
    "enquiry": "enquiry about adopting",
    "registration_of_interest": "registration of interest",
    "stage1_started": "stage 1 started",
    "stage1_completed": "stage 1 completed",
    "stage2_started": "stage 2 started",
    "approval_panel": "adoption panel recommended approval",
    "approved": "approved as adopters",
    "linked": "linked with a child",
    "withdrawn": "withdrew from the process",
    "review": "approval reviewed",
}


def milestone_words(name: str) -> str:
    """A child's or a household's milestone in plain English."""
    return MILESTONE_WORDS.get(name, name.replace("_", " "))
