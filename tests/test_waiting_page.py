"""The waiting list a page at a time (what the web view shows): the same children
as the whole list, cut into pages in SQL, siblings together, filtered by group,
and only the councils a user sees."""

from __future__ import annotations

import datetime

import pytest

from journey.domain import clock
from journey.service import InvalidValue, Tracker
from journey.settings import Settings

AS_OF = datetime.date(2025, 3, 31)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    clock.set_today(AS_OF)
    tracker = Tracker(Settings(tmp_path_factory.mktemp("waiting-page")))
    tracker.load_sample(AS_OF)
    yield tracker
    tracker.close()
    clock.set_today(None)


@pytest.fixture(autouse=True)
def today_is_the_samples():
    clock.set_today(AS_OF)
    yield
    clock.set_today(None)


def whole(tracker, **filters) -> list[dict]:
    found, page = [], 1
    while True:
        got = tracker.waiting_page(page=page, per_page=37, **filters)
        found += got["children"]
        if page >= got["pages"]:
            assert len(found) == got["total"]
            return found
        page += 1


@pytest.mark.parametrize("stage", [None, "decision", "authority", "matched", "placed"])
def test_the_pages_hold_the_children_of_the_whole_list(sample, stage):
    listed = sample.waiting(stage=stage)
    paged = whole(sample, stage=stage)
    assert listed, "the sample should have children on every list"
    key = lambda c: (c["local_authority"], c["child_ref"])  # noqa: E731
    assert sorted(map(key, paged)) == sorted(map(key, listed))
    by_ref = {key(c): c for c in listed}
    for child in paged:
        assert child["days"] == by_ref[key(child)]["days"]
        assert child["harder_to_place"] == by_ref[key(child)]["harder_to_place"]


def test_longest_waiting_first_with_siblings_together(sample):
    paged = whole(sample)
    families = []
    for child in paged:
        family = (child["local_authority"], child["sibling_group"] or child["child_ref"])
        if not families or families[-1][0] != family:
            families.append((family, child["days"]))
        else:
            families[-1] = (family, max(families[-1][1], child["days"]))
    assert len({f for f, _ in families}) == len(families), "a sibling group is split across the list"
    worst = [days for _, days in families]
    assert worst == sorted(worst, reverse=True)
    assert any(c["sibling_group"] for c in paged), "the sample should have siblings waiting"


@pytest.mark.parametrize("group", ["sibling_group", "bame", "disabled", "aged_5_plus", "waiting_18_months_plus"])
def test_a_group_keeps_its_children(sample, group):
    expected = {(c["local_authority"], c["child_ref"]) for c in sample.waiting() if group in c["harder_to_place"]}
    got = {(c["local_authority"], c["child_ref"]) for c in whole(sample, group=group)}
    assert got == expected


def test_a_user_sees_only_their_councils(sample):
    councils = [c["name"] for c in sample.councils()]
    mine = councils[:2]
    got = whole(sample, within=mine)
    assert got and {c["local_authority"] for c in got} <= set(mine)
    assert len(got) == sum(len(sample.waiting(la=la)) for la in mine)
    assert sample.waiting_page(within=mine, la=councils[3])["total"] == 0  # another council: nothing
    assert sample.waiting_page(within=mine, la=mine[1])["total"] == len(sample.waiting(la=mine[1]))


def test_sorted_by_reference(sample):
    got = whole(sample, sort="reference")
    refs = [(c["local_authority"], c["child_ref"]) for c in got]
    assert refs == sorted(refs)


@pytest.mark.parametrize("bad", [{"stage": "nowhere"}, {"group": "tall"}, {"sort": "age"}, {"page": 0}, {"per_page": 0}])
def test_unknown_choices_are_refused(sample, bad):
    with pytest.raises(InvalidValue):
        sample.waiting_page(**bad)


@pytest.mark.parametrize("group", [None, "sibling_group", "bame", "disabled", "aged_5_plus", "waiting_18_months_plus"])
def test_the_counts_of_every_list_at_once_are_each_lists_total(sample, group):
    councils = [c["name"] for c in sample.councils()]
    for within, la in ((None, None), (None, councils[0]), (councils[:2], None), (councils[:2], councils[1]),
                       (councils[:2], councils[3])):
        counts = sample.waiting_counts(within=within, la=la, group=group)
        for stage in (None, "decision", "authority", "matched", "placed"):
            total = sample.waiting_page(within=within, la=la, stage=stage, group=group, per_page=1)["total"]
            assert counts[stage] == total, (within, la, group, stage)
    assert sample.waiting_counts()[None] > 0
