"""How the recording forms word the record: milestones as the nouns a sentence
needs ("the adoption decision"), details and their values, a child's
attributes, and each rule of order the service refuses a change for, explained
in a tracker's words ("The match (3 Mar 2025) cannot come after the placement it
leads to (1 Mar 2025): check the dates").

The rules themselves are the service's; these are only their words."""

from __future__ import annotations

from journey.domain.words import MILESTONE_WORDS
from journey.service import REVERSAL_REASONS, SEXES
from web.pages import day

# Each child milestone as the noun a sentence about it needs.
MILESTONE_NOUNS = {
    "unborn_identified": "the identification of the unborn baby",
    "born": "the birth",
    "pre_proceedings_started": "the start of pre-proceedings",
    "care_proceedings_issued": "the issue of care proceedings",
    "entered_care": "the entry to care",
    "permanence_plan": "the plan for adoption",
    "early_permanence_placement": "the early permanence placement",
    "adm_decision": "the adoption decision",
    "placement_order": "the authority to place",
    "family_finding_started": "the start of family finding",
    "register_referral": "the referral to the Adoption Register",
    "link_identified": "the link with a possible household",
    "match_panel": "the match panel's recommendation",
    "matched": "the match",
    "placed": "the placement",
    "adoption_application": "the adoption application",
    "adoption_order": "the adoption order",
    "decision_reversed": "the reversal of the adoption decision",
    "disruption": "the disruption of the placement",
    "left_care": "leaving care",
}

DETAIL_LABELS = {
    "household": "Adoptive household",
    "household_other": "Or another household's reference",
    "authority": "Authority to place",
    "kind": "Kind of early permanence placement",
    "reason": "Reason",
    "new_reason": "Reason",
    "plan": "Plan",
    "legal_status": "Legal status",
    "moved_in_on": "Date the child moved in",
    "foster_carer_adoption": "Adopted by the child's foster carers",
    "interagency": "Household approved by another agency (interagency)",
    "expected_due_date": "Expected due date",
}
DETAIL_HINTS = {
    "household": "The households named in the child's record, then those approved and waiting to be matched, longest waiting first.",
    "legal_status": "The 903 legal status code, for example C1 (interim care order), C2 (full care order) or V2.",
    "moved_in_on": "For a foster-carer adoption: the day the child began to live with these carers. For example, 27 3 2024.",
    "expected_due_date": "For example, 27 3 2025.",
    "reason": "Why it happened, in a few words.",
    "new_reason": "Why it happened, in a few words.",
}
AUTHORITY_WORDS = {"placement_order": "Placement order", "freeing_order": "Freeing order", "consent": "Consent to placement (section 19)"}
KIND_WORDS = {"ffa": "Fostering for adoption", "concurrent": "Concurrent planning"}
YES_NO_WORDS = {"yes": "Yes", "no": "No"}

ATTRIBUTE_LABELS = {
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "ethnicity": "Ethnicity",
    "disability": "Disabled",
    "sibling_group": "Sibling group",
}
SEX_WORDS = {code: word.capitalize() for code, word in SEXES.items()}
# The DfE's 903 ethnicity codes in words.
ETHNICITY_WORDS = {
    "WBRI": "White British", "WIRI": "White Irish", "WIRT": "Traveller of Irish heritage",
    "WOTH": "Any other White background", "WROM": "Gypsy or Roma",
    "MWBC": "White and Black Caribbean", "MWBA": "White and Black African", "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian", "APKN": "Pakistani", "ABAN": "Bangladeshi", "AOTH": "Any other Asian background",
    "BCRB": "Caribbean", "BAFR": "African", "BOTH": "Any other Black background",
    "CHNE": "Chinese", "OOTH": "Any other ethnic group",
    "REFU": "Refused", "NOBT": "Information not yet obtained",
}


def milestone_title(name: str) -> str:
    """A milestone as a form's heading says it: "Placed for adoption"."""
    words = MILESTONE_WORDS.get(name, name.replace("_", " "))
    return words[0].upper() + words[1:]


def noun(name: str | None) -> str:
    return MILESTONE_NOUNS.get(name or "", (name or "the milestone").replace("_", " "))


def reversal_words(code: str) -> str:
    words = REVERSAL_REASONS.get(code, "")
    return f"{code}: {words[0].upper() + words[1:]}" if words else code


def detail_value(milestone: str, name: str, value) -> str:
    """A detail's value as a tracker reads it."""
    if value is None or value == "":
        return "Not recorded"
    if name == "authority":
        return AUTHORITY_WORDS.get(value, value)
    if name == "kind":
        return KIND_WORDS.get(value, value)
    if name == "reason" and milestone == "decision_reversed":
        return reversal_words(value)
    if value is True or value is False:
        return "Yes" if value else "No"
    if name in ("moved_in_on", "expected_due_date"):
        return day(value)
    return str(value)


def attribute_value(name: str, value) -> str:
    if value is None or value == "":
        return "Not recorded"
    if name == "date_of_birth":
        return day(value)
    if name == "sex":
        return SEX_WORDS.get(str(value), str(value))
    if name == "ethnicity":
        return f"{ETHNICITY_WORDS.get(value, value)} ({value})"
    if value is True or value is False:
        return "Yes" if value else "No"
    return str(value)


def _capital(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


def _when(breach: dict) -> str:
    return f" ({day(breach['occurred_on'])})" if breach.get("occurred_on") else ""


def _before_birth(b: dict) -> str:
    return f"{_capital(noun(b['milestone']))}{_when(b)} cannot come before the child's date of birth ({day(b['against_on'])}): check the dates"


def _decision_before_care(b: dict) -> str:
    return (f"The adoption decision{_when(b)} cannot come before the child entered care ({day(b['against_on'])}) "
            "for the period of care it belongs to: check the dates")


def _match_after_placement(b: dict) -> str:
    return f"The match{_when(b)} cannot come after the placement it leads to ({day(b['against_on'])}): check the dates"


def _placed_on_or_after_adoption(b: dict) -> str:
    return f"The placement{_when(b)} cannot be on or after the adoption order ({day(b['against_on'])}): check the dates"


def _after_adoption(b: dict) -> str:
    return f"{_capital(noun(b['milestone']))}{_when(b)} cannot come after the adoption order ({day(b['against_on'])}): check the dates"


def _after_reversal(b: dict) -> str:
    return (f"{_capital(noun(b['milestone']))}{_when(b)} cannot follow the reversal of the adoption decision "
            f"({day(b['against_on'])}) unless a new adoption decision is recorded between them: check the dates")


def _in_future(b: dict) -> str:
    today = day(b["against_on"])
    if b.get("detail") == "date_of_birth" or b.get("milestone") is None:
        return f"The date of birth cannot be in the future: today is {today}"
    if b.get("detail"):
        return f"{DETAIL_LABELS.get(b['detail'], b['detail'])} for {noun(b['milestone'])} cannot be in the future: today is {today}"
    return f"{_capital(noun(b['milestone']))}{_when(b)} cannot be in the future: today is {today}"


# Each rule of order (its `rule`, as the service names it) in a tracker's words.
RULE_WORDS = {
    "before birth": _before_birth,
    "decision before care": _decision_before_care,
    "match after placement": _match_after_placement,
    "placed on or after adoption order": _placed_on_or_after_adoption,
    "after adoption order": _after_adoption,
    "after decision reversed": _after_reversal,
    "date in the future": _in_future,
}


def breach_words(breach: dict) -> str:
    """A broken rule of order (one of a refusal's `breaches`) in a tracker's words."""
    words = RULE_WORDS.get(breach["rule"])
    return words(breach) if words else _capital(breach["message"])


# Refusals other than the rules of order, in a tracker's words (by rule).
REFUSAL_WORDS = {
    "no such milestone": "This milestone is not on the child's record any more: it may have been withdrawn since you opened the form",
    "ambiguous milestone": "Two milestones share this name and date: open the one to change from the child's page",
    "concurrent change": "Someone else was changing this child's record at the same moment: nothing was saved, try again",
}


def refusal_words(error: dict) -> str:
    """A refusal that is not a rule of order (`JourneyError.to_dict()`), in words."""
    if error["rule"] in REFUSAL_WORDS:
        return REFUSAL_WORDS[error["rule"]]
    message = error["message"]
    if message.endswith("the correction changes nothing"):
        return "The correction changes nothing: change the date or a detail"
    if error.get("child_ref") and message.startswith("child ") and ": " in message:
        message = message.split(": ", 1)[1]
    return _capital(message)
