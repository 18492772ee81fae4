"""The checks' read model works a child's problems out from the milestones named in
`record_problems.READS` and the day of the child's last milestone: the problems are
those of the whole journey, on random journeys of every milestone."""

from __future__ import annotations

import datetime
import random

from journey.domain.milestones import Milestone
from journey.domain.record_problems import READS, record_problems
from journey.domain.ssda903_codes import CollectionYear

NAMES = sorted(READS) + ["register_referral", "link_identified", "match_panel", "permanence_plan"]
ADOPTERS = {"H1": {"number": "2", "sex": "MF", "legal_status": "L11"}, "H2": {"number": "2", "sex": "M1"}}


def random_journey(rng: random.Random) -> list[Milestone]:
    day = datetime.date(2003, 1, 1) + datetime.timedelta(days=rng.randint(0, 8000))
    journey = []
    for event_id in range(1, rng.randint(0, 12) + 1):
        day += datetime.timedelta(days=rng.choice([0, 0, 1, 30, 100, 200, 400]))
        name, details = rng.choice(NAMES), {}
        if name == "entered_care" and rng.random() < 0.7:
            details["legal_status"] = rng.choice(["C1", "C2", "V2"])
        if name == "placement_order":
            details["authority"] = rng.choice(["placement_order", "freeing_order", "consent"])
        if name in ("placed", "early_permanence_placement", "adoption_order", "matched") and rng.random() < 0.8:
            details["household"] = rng.choice(["H1", "H2", "H3"])
        if name == "placed" and rng.random() < 0.4:
            details["foster_carer_adoption"] = True
            if rng.random() < 0.7:
                details["moved_in_on"] = day - datetime.timedelta(days=rng.randint(0, 500))
        if name == "left_care":
            details["reason"] = rng.choice(["returned_home", "E13", "special_guardianship", "", "died"])
        if name == "decision_reversed" and rng.random() < 0.7:
            details["reason"] = rng.choice(["RD1", "RD4"])
        journey.append(Milestone(event_id, name, day, details))
    rng.shuffle(journey)
    return journey


def test_the_milestones_read_and_the_last_day_give_the_whole_journeys_problems():
    rng = random.Random(13)
    compared = found = 0
    for n in range(3000):
        journey = random_journey(rng)
        attributes = {"date_of_birth": datetime.date(2001, 1, 1) + datetime.timedelta(days=rng.randint(0, 7000)),
                      "sex": "1", "ethnicity": "WBRI"}
        this_year = CollectionYear(rng.randint(2018, 2027))
        whole = record_problems(f"C{n}", attributes, journey, lambda h: ADOPTERS.get(h, {}), this_year)
        read = [m for m in journey if m.name in READS]
        last_day = max((m.occurred_on for m in journey), default=None)
        assert record_problems(f"C{n}", attributes, read, lambda h: ADOPTERS.get(h, {}), this_year, last_day=last_day) == whole
        compared += 1
        found += len(whole)
    assert compared == 3000 and found > 3000  # the journeys break rules, so the comparison says something
