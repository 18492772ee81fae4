"""A user tied to councils sees only their children: lists leave the others out,
and naming another council's child or alert is "not found", exactly as one that
does not exist (never "forbidden")."""

from __future__ import annotations

import datetime

import pytest

from journey.domain import clock
from journey.service import AlertNotFound, ChildNotFound, Tracker
from journey.settings import Settings

AS_OF = datetime.date(2025, 3, 31)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    clock.set_today(AS_OF)
    tracker = Tracker(Settings(tmp_path_factory.mktemp("councils-seen")))
    tracker.load_sample(AS_OF)
    yield tracker
    tracker.close()
    clock.set_today(None)


@pytest.fixture(autouse=True)
def today_is_the_samples():
    clock.set_today(AS_OF)
    yield
    clock.set_today(None)


def councils(tracker):
    return [c["name"] for c in tracker.councils()]


def test_alerts_of_other_councils_and_households_are_left_out(sample):
    mine = councils(sample)[:1]
    every = sample.alerts()
    seen = sample.alerts(within=mine)
    assert seen and all(a["local_authority"] == mine[0] for a in seen)
    assert len(seen) == sum(1 for a in every if a["local_authority"] == mine[0])


def test_another_councils_alert_is_not_found(sample):
    mine, other = councils(sample)[:1], councils(sample)[1]
    theirs = next(a for a in sample.alerts() if a["local_authority"] == other)
    assert sample.alert(theirs["id"])["id"] == theirs["id"]
    with pytest.raises(AlertNotFound):
        sample.alert(theirs["id"], within=mine)
    with pytest.raises(AlertNotFound):
        sample.assign_alert(theirs["id"], to="someone", by="me", within=mine)
    with pytest.raises(AlertNotFound):
        sample.acknowledge_alert(theirs["id"], by="me", note="looking", within=mine)
    assert sample.alert(theirs["id"])["owner"] is None  # nothing was written


def test_an_alert_has_its_history(sample):
    alert = sample.alerts()[0]
    found = sample.alert(alert["id"][:8])
    assert found["id"] == alert["id"] and found["history"] and all(e["sentence"] for e in found["history"])


def test_another_councils_child_is_not_found_as_a_missing_one(sample):
    mine, other = councils(sample)[:1], councils(sample)[1]
    theirs = sample.waiting(la=other)[0]["child_ref"]
    assert sample.find_child(other, theirs)["child_ref"] == theirs
    with pytest.raises(ChildNotFound) as outside:
        sample.find_child(other, theirs, within=mine)
    with pytest.raises(ChildNotFound) as missing:
        sample.find_child(other, "NO-SUCH-CHILD", within=mine)
    assert str(outside.value).replace(theirs, "REF") == str(missing.value).replace("NO-SUCH-CHILD", "REF")
    with pytest.raises(ChildNotFound):
        sample.child_summary(other, theirs, within=mine)
    with pytest.raises(ChildNotFound):
        sample.find_child("Atlantis", theirs, within=None)


def test_a_childs_page_lists_its_open_alerts(sample):
    alert = next(a for a in sample.alerts() if a["child_ref"] and a["status"] != "closed")
    found = sample.find_child(alert["local_authority"], alert["child_ref"])
    assert alert["id"] in {a["id"] for a in found["alerts"]}
