"""An owner for each alert: assigned and cleared as events, listed and filtered,
grouped in the digest; alerts named by a unique prefix of their id."""

from __future__ import annotations

import json

import pytest
from factories import BY, LA, cli, d, row, write_milestones_csv

from journey.alerts import AlertClosed, AlertNotFound, AmbiguousAlertId, review
from journey.domain import clock
from journey.domain.errors import InvalidValue


@pytest.fixture(autouse=True)
def today():
    clock.set_today(d("2024-07-10"))
    yield
    clock.set_today(None)


@pytest.fixture
def tracker(service):
    # Two order-to-match breaches (orders 1 and 2 March: due 30 June and 1 July).
    for ref, day in (("CV-1", "2024-03-01"), ("CV-2", "2024-03-02")):
        service.record(LA, ref, "placement_order", day, {"authority": "placement_order"}, recorded_by=BY)
    return service


def alert_of(tracker, ref):
    return next(a for a in tracker.alerts() if a["child_ref"] == ref and a["rule"] == "order-to-match")


def test_an_alert_is_assigned_listed_by_owner_and_cleared(tracker):
    alert = alert_of(tracker, "CV-1")
    assert alert["owner"] is None
    done = tracker.assign_alert(alert["id"], to="sam.tracker", by="manager")
    assert done["owner"] == "sam.tracker"
    assert [a["child_ref"] for a in tracker.alerts(owner="sam.tracker")] == ["CV-1"]
    assert tracker.alerts(owner="nobody.else") == []
    tracker.assign_alert(alert["id"], to=None, by="manager")
    assert alert_of(tracker, "CV-1")["owner"] is None
    history = tracker.alert_history(alert["id"])
    assert [e["change"] for e in history][-2:] == ["assigned", "assigned"]
    assert history[-2]["by"] == "manager" and "assigned to sam.tracker" in history[-2]["sentence"]
    assert "no longer assigned to anyone" in history[-1]["sentence"]


def test_assigning_to_the_same_owner_again_records_nothing(tracker):
    alert = alert_of(tracker, "CV-1")
    tracker.assign_alert(alert["id"], to="sam", by=BY)
    events = tracker.log_length()
    tracker.assign_alert(alert["id"], to="sam", by=BY)
    assert tracker.log_length() == events


def test_a_unique_prefix_of_eight_characters_names_an_alert(tracker):
    alert = alert_of(tracker, "CV-2")
    assert tracker.assign_alert(alert["id"][:8], to="sam", by=BY)["id"] == alert["id"]
    assert tracker.alert_history(alert["id"][:10])[0]["alert_id"] == alert["id"]
    with pytest.raises(InvalidValue):
        tracker.assign_alert(alert["id"][:7], to="sam", by=BY)
    with pytest.raises(AlertNotFound):
        tracker.assign_alert("ffffffff" if not alert["id"].startswith("ffffffff") else "00000000", to="sam", by=BY)


def test_an_ambiguous_prefix_lists_the_alerts_it_matches(tracker, tmp_path, monkeypatch):
    # 17 alerts: two of them share a first hex digit (pigeonhole); with the shortest
    # prefix lowered to one character, that digit is ambiguous.
    rows = [row(f"CV-{n}", "placement_order", "2024-03-01", authority="placement_order") for n in range(10, 25)]
    tracker.import_milestones(write_milestones_csv(tmp_path / "orders.csv", rows), recorded_by=BY)
    ids = [a["id"] for a in tracker.alerts() if a["rule"] == "order-to-match"]
    assert len(ids) == 17
    digit = next(c for c in "0123456789abcdef" if sum(i.startswith(c) for i in ids) >= 2)
    monkeypatch.setattr(review, "SHORTEST_PREFIX", 1)
    with pytest.raises(AmbiguousAlertId) as ambiguous:
        tracker.assign_alert(digit, to="sam", by=BY)
    for i in ids:
        assert (i in ambiguous.value.message) == i.startswith(digit)


def test_a_closed_alert_cannot_be_assigned(tracker):
    tracker.record(LA, "CV-1", "matched", "2024-07-09", {"household": "H-1"}, recorded_by=BY)
    alert = next(a for a in tracker.alerts(status="closed") if a["rule"] == "order-to-match")
    with pytest.raises(AlertClosed):
        tracker.assign_alert(alert["id"], to="sam", by=BY)


def test_the_command_line_assigns_lists_mine_and_the_digest_groups_by_owner(tracker):
    data_dir = tracker.settings.data_dir
    alert = alert_of(tracker, "CV-1")
    done = cli(data_dir, "alerts", "assign", alert["id"][:8], "--to", "sam")
    assert done.exit_code == 0, done.output
    assert "is now assigned to sam" in done.stdout
    mine = cli(data_dir, "alerts", "list", "--mine", "--json", env={"JOURNEY_USER": "sam"})
    assert [a["child_ref"] for a in json.loads(mine.stdout)] == ["CV-1"]
    owner = cli(data_dir, "alerts", "list", "--owner", "sam")
    assert "assigned to sam" in owner.stdout
    neither = cli(data_dir, "alerts", "assign", alert["id"])
    assert neither.exit_code == 2 and "--to NAME or --clear" in neither.output
    digest = cli(data_dir, "alerts", "digest", "--la", LA)
    text = digest.stdout
    assert "Assigned to sam (1):" in text and "Not assigned (1):" in text
    assert text.index("Assigned to sam") < text.index("child CV-1") < text.index("Not assigned") < text.index("child CV-2")


def test_once_there_are_accounts_an_alert_goes_only_to_someone_who_works_on_its_councils_alerts(tracker):
    from journey.service import AlertNotAssignable

    data_dir = tracker.settings.data_dir
    password = "a password long enough"
    tracker.add_user("sam.tracker", role="tracker", councils=[LA], password=password, by=BY)
    tracker.add_user("wendy.tracker", role="tracker", councils=["Warwickshire"], password=password, by=BY)
    tracker.add_user("ann.auditor", role="auditor", password=password, by=BY)
    tracker.add_user("mo.manager", role="manager", password=password, by=BY)
    tracker.add_user("gone.tracker", role="tracker", password=password, by=BY)
    tracker.disable_user("gone.tracker", by=BY)
    alert = alert_of(tracker, "CV-1")
    assert sorted(tracker.people_for_alert(LA)) == ["mo.manager", "sam.tracker"]
    before = tracker.log_length()
    for who in ("wendy.tracker", "ann.auditor", "gone.tracker", "nobody.known"):
        with pytest.raises(AlertNotAssignable) as refused:
            tracker.assign_alert(alert["id"], to=who, by=BY)
        assert f"{who} cannot be given this alert" in refused.value.message and f"{LA}'s alerts" in refused.value.message
    assert tracker.log_length() == before and alert_of(tracker, "CV-1")["owner"] is None
    assert tracker.assign_alert(alert["id"], to="sam.tracker", by=BY)["owner"] == "sam.tracker"
    assert tracker.assign_alert(alert["id"], to=None, by=BY)["owner"] is None  # to nobody: always
    # the command line says why, and writes nothing
    refused = cli(data_dir, "alerts", "assign", alert["id"][:8], "--to", "wendy.tracker")
    assert refused.exit_code == 1 and "wendy.tracker cannot be given this alert" in refused.stderr
    assert alert_of(tracker, "CV-1")["owner"] is None
