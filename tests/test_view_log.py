"""The view log: every history query records who viewed it, as an event of its own
stream (never on the child's), and the log is read from a table of its own caught
up from the events."""

from __future__ import annotations

import datetime
import json
import sqlite3

import pytest
from factories import BY, LA, TODAY, cli

from journey.domain import clock
from journey.service import InvalidValue, NoTrackerData, Tracker, UnknownRole
from journey.store.view_log import ViewLogTable

WEB = {"username": "amy", "role": "auditor", "via": "web"}
NOON = datetime.datetime(2024, 6, 30, 11, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    clock.set_today(TODAY)
    clock.set_now(NOON)
    yield
    clock.set_now(None)
    clock.set_today(None)


@pytest.fixture
def recorded(service):
    service.record(LA, "CV-1", "matched", "2024-06-20", {"household": "H-1"}, recorded_by=BY)
    service.record("Solihull", "SH-1", "entered_care", "2024-02-01", recorded_by=BY)
    return service


def topics(service: Tracker) -> list[str]:
    conn = sqlite3.connect(service.settings.events_path)
    try:
        return [row[0] for row in conn.execute("SELECT topic FROM stored_events ORDER BY rowid")]
    finally:
        conn.close()


QUERIES = {
    "history": (lambda s, v: s.child_history(LA, "CV-1", viewer=v),
                {"what": "history", "local_authority": LA, "child_ref": "CV-1", "household_ref": None, "as_at": None}),
    "journey as at": (lambda s, v: s.journey_as_at("coventry", "CV-1", "2024-06-25", viewer=v),
                      {"what": "journey as at 2024-06-25", "local_authority": LA, "child_ref": "CV-1", "as_at": "2024-06-25"}),
    "household history": (lambda s, v: s.household_history("H-1", viewer=v),
                          {"what": "household history", "local_authority": None, "child_ref": None, "household_ref": "H-1"}),
    "household journey as at": (lambda s, v: s.household_journey_as_at("H-1", "2024-06-25", viewer=v),
                                {"what": "household journey as at 2024-06-25", "household_ref": "H-1", "as_at": "2024-06-25"}),
}


@pytest.mark.parametrize("name", QUERIES)
def test_each_history_query_records_its_viewing(recorded, name):
    query, expected = QUERIES[name]
    before = recorded.log_length()
    query(recorded, WEB)
    assert recorded.log_length() == before + 1
    assert topics(recorded)[-1] == "journey.view_log:Viewing.Recorded"
    log = recorded.view_log()
    assert log["total"] == 1
    [entry] = log["entries"]
    assert {k: entry[k] for k in expected} == expected
    assert (entry["by"], entry["role"], entry["via"], entry["at"]) == ("amy", "auditor", "web", NOON.isoformat())


def test_as_known_on_is_in_the_viewing_and_its_sentence(recorded):
    recorded.child_history(LA, "CV-1", as_known_on="2024-06-29T12:00", viewer=WEB)
    [entry] = recorded.view_log()["entries"]
    assert entry["what"].startswith("history as known on 2024-06-29T11:00:00")  # noon in London is 11:00 UTC in June
    assert entry["as_known_on"].startswith("2024-06-29T11:00:00")
    assert entry["sentence"] == (
        "30 Jun 2024 12:00: amy (auditor) viewed the history of child CV-1 of Coventry, as known on 29 Jun 2024 12:00, on the web"
    )


def test_the_viewer_is_required_and_checked(recorded):
    with pytest.raises(TypeError):
        recorded.child_history(LA, "CV-1")  # type: ignore[call-arg]
    before = recorded.log_length()
    for viewer, error in (({"username": " ", "role": None, "via": "web"}, InvalidValue),
                          ({"username": "amy", "role": "boss", "via": "web"}, UnknownRole),
                          ({"username": "amy", "role": None, "via": "telepathy"}, InvalidValue),
                          ("amy", InvalidValue)):
        with pytest.raises(error):
            recorded.child_history(LA, "CV-1", viewer=viewer)
    assert recorded.log_length() == before


def test_a_child_that_is_not_there_is_not_a_viewing(recorded):
    before = recorded.log_length()
    with pytest.raises(Exception, match="no child CV-404"):
        recorded.child_history(LA, "CV-404", viewer=WEB)
    assert recorded.log_length() == before


def test_viewings_are_never_in_the_childs_or_households_history(recorded):
    first = recorded.child_history(LA, "CV-1", viewer=WEB)
    household = recorded.household_history("H-1", viewer=WEB)
    for _ in range(3):
        recorded.journey_as_at(LA, "CV-1", "2024-06-30", viewer=WEB)
    assert recorded.child_history(LA, "CV-1", viewer=WEB) == first
    assert recorded.household_history("H-1", viewer=WEB) == household
    child = recorded.store.load_child(LA, "CV-1")
    assert child.version == len(first["entries"])
    assert recorded.view_log()["total"] == 7
    assert recorded.check()["children"] == 2  # what replays every stream counts no viewing as a child


def test_the_log_is_newest_first_filtered_and_paged(recorded):
    viewers = [{"username": name, "role": role, "via": via}
               for name, role, via in (("amy", "auditor", "web"), ("bob", None, "command line"), ("amy", "auditor", "web"))]
    for minute, viewer in enumerate(viewers):
        clock.set_now(NOON + datetime.timedelta(minutes=minute))
        recorded.child_history(LA, "CV-1", viewer=viewer)
    clock.set_now(NOON + datetime.timedelta(minutes=5))
    recorded.child_history("Solihull", "SH-1", viewer=viewers[1])

    everything = recorded.view_log()
    assert everything["total"] == 4
    assert [(e["by"], e["child_ref"]) for e in everything["entries"]] == [("bob", "SH-1"), ("amy", "CV-1"), ("bob", "CV-1"), ("amy", "CV-1")]
    assert recorded.view_log(la="coventry")["total"] == 3
    assert recorded.view_log(la=LA, child_ref="CV-1", by="bob")["total"] == 1
    assert recorded.view_log(child_ref="SH-1")["entries"][0]["local_authority"] == "Solihull"
    assert recorded.view_log(by="amy")["total"] == 2
    page = recorded.view_log(limit=2, offset=1)
    assert page["total"] == 4 and [e["by"] for e in page["entries"]] == ["amy", "bob"]
    assert everything["entries"][2]["sentence"] == (
        "30 Jun 2024 12:01: bob viewed the history of child CV-1 of Coventry, from the command line"
    )
    assert json.loads(json.dumps(everything)) == everything


def test_the_table_is_caught_up_from_where_it_stopped_not_from_the_start(recorded):
    recorded.child_history(LA, "CV-1", viewer=WEB)
    recorded.view_log()
    table = ViewLogTable.of(recorded.store)
    assert table.catch_up(recorded.store) == 0  # nothing new: nothing read again
    recorded.child_history(LA, "CV-1", viewer=WEB)
    assert table.catch_up(recorded.store) == 1
    # Deleted, the table is built again from the events.
    conn = table.connection()
    conn.execute("DELETE FROM view_log")
    conn.execute("DELETE FROM view_log_positions")
    assert recorded.view_log()["total"] == 2


def test_viewings_are_no_records_and_the_read_models_ignore_them(service):
    service.record(LA, "CV-1", "entered_care", "2024-01-10", recorded_by=BY)
    service.child_history(LA, "CV-1", viewer=WEB)
    assert service.stages()["stages"]["in_care"] == 1
    assert service.read_models_status()["position"] == service.log_length()
    assert service.rebuild_read_models()["position"] == service.log_length()
    assert service.stages()["stages"]["in_care"] == 1


def test_a_folder_with_no_tracker_data_is_refused_and_nothing_created(service):
    with pytest.raises(NoTrackerData):
        service.view_log()
    assert not service.settings.events_path.exists()


# -- the command line ------------------------------------------------------------------------------------


def test_journey_history_records_who_viewed_it_from_the_command_line(recorded):
    data_dir = recorded.settings.data_dir
    assert cli(data_dir, "history", "--la", LA, "CV-1").exit_code == 0
    assert cli(data_dir, "history", "--la", LA, "CV-1", "--as-at", "2024-06-25", "--by", "carol").exit_code == 0
    assert cli(data_dir, "history", "--household", "H-1", "--json").exit_code == 0
    assert cli(data_dir, "household-history", "H-1", "--as-at", "2024-06-25", "--by", "carol").exit_code == 0
    entries = recorded.view_log()["entries"]
    assert [(e["by"], e["role"], e["via"], e["what"]) for e in entries] == [
        ("carol", None, "command line", "household journey as at 2024-06-25"),
        (BY, None, "command line", "household history"),
        ("carol", None, "command line", "journey as at 2024-06-25"),
        (BY, None, "command line", "history"),
    ]
    # and the child's history, as printed, holds none of it
    shown = json.loads(cli(data_dir, "history", "--la", LA, "CV-1", "--json").stdout)
    assert [e["type"] for e in shown] == ["child", "milestone"]


def test_journey_views_prints_the_log(recorded):
    data_dir = recorded.settings.data_dir
    cli(data_dir, "history", "--la", LA, "CV-1", "--by", "carol")
    recorded.child_history("Solihull", "SH-1", viewer=WEB)

    shown = cli(data_dir, "views")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines() == [
        "Viewings: 2",
        "  30 Jun 2024 12:00: amy (auditor) viewed the history of child SH-1 of Solihull, on the web",
        "  30 Jun 2024 12:00: carol viewed the history of child CV-1 of Coventry, from the command line",
    ]
    one = json.loads(cli(data_dir, "views", "--la", "Coventry", "CV-1", "--by-user", "carol", "--json").stdout)
    assert one["total"] == 1 and one["entries"][0]["by"] == "carol"
    assert json.loads(cli(data_dir, "views", "--by-user", "nobody", "--json").stdout) == {"entries": [], "total": 0}
    limited = cli(data_dir, "views", "--limit", "1")
    assert limited.stdout.splitlines()[0] == "Viewings: 2 (the latest 1 shown)"
    unknown = cli(data_dir, "views", "--la", "Atlantis")
    assert unknown.exit_code == 1 and "unknown council 'Atlantis'" in unknown.stderr


def test_a_scorecard_replayed_with_a_viewer_is_a_viewing(recorded):
    before = recorded.view_log()["total"]
    recorded.scorecard("2021-04-01", "2024-03-31", la="coventry")
    recorded.scorecard("2021-04-01", "2024-03-31", la="coventry", as_known_on="2024-06-01", viewer=None)
    assert recorded.view_log()["total"] == before  # no viewer, or no replay: nothing recorded
    recorded.scorecard("2021-04-01", "2024-03-31", la="coventry", as_known_on="2024-06-01", viewer=WEB)
    recorded.scorecard("2021-04-01", "2024-03-31", as_known_on="2024-06-01T09:30", viewer=WEB)
    every, one = recorded.view_log(limit=2)["entries"]
    assert one["local_authority"] == LA and one["child_ref"] is None and one["household_ref"] is None
    assert one["what"].startswith("scorecard from 2021-04-01 to 2024-03-31 as known on")
    assert "amy (auditor) viewed the scorecard of Coventry for children adopted from 2021-04-01 to 2024-03-31, as known on 1 Jun 2024" in one["sentence"]
    assert "the scorecard of every council" in every["sentence"]
    with pytest.raises(InvalidValue):
        recorded.scorecard("2021-04-01", "2024-03-31", as_known_on="2024-06-01", viewer={"username": ""})
