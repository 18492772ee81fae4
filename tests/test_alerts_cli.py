"""`journey alerts sweep|list|ack|history` on real SQLite files, through the command line,
with the sweep reading the clocks read model (projections) as it will in use."""

from __future__ import annotations

import json

import pytest
from factories import LA, cli, d, make_settings, make_tracker, read_model_clock_rows

from journey.domain import clock
from journey.cli.alerts import alerts_group
from journey.service import Tracker
from journey.store.application import JourneyTracker

BY = "tester"


# `journey alerts` registered on journey.cli's main for every test (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("alerts_command_registered")


@pytest.fixture(autouse=True)
def today():
    clock.set_today(d("2024-07-10"))
    yield
    clock.set_today(None)


@pytest.fixture
def data_dir(tmp_path):
    app = make_tracker(tmp_path)
    # CV-1: placement order 1 March, warns 30 May, breached from 1 July.
    app.record(LA, "CV-1", "placement_order", "2024-03-01", {"authority": "placement_order"}, recorded_by=BY)
    # CV-2: placement order 1 April, warns 30 June.
    app.record(LA, "CV-2", "placement_order", "2024-04-01", {"authority": "placement_order"}, recorded_by=BY)
    app.close()
    return make_settings(tmp_path).data_dir


def run(data_dir, *args, code=0):
    result = cli(data_dir, "alerts", *args)
    assert result.exit_code == code, result.output
    return result


def listed(data_dir, *args):
    return json.loads(run(data_dir, "list", "--json", *args).stdout)


def test_sweep_then_sweep_again_changes_nothing(data_dir):
    first = run(data_dir, "sweep")
    assert "2 raised" in first.stdout and "1 escalated" in first.stdout
    again = run(data_dir, "sweep")
    assert "no alert changed" in again.stdout


def test_list_json_has_the_documented_keys(data_dir):
    run(data_dir, "sweep")
    found = listed(data_dir)
    assert [(a["child_ref"], a["level"], a["status"]) for a in found] == [("CV-1", "breach", "open"), ("CV-2", "warning", "open")]
    first = found[0]
    for key in ("id", "child_ref", "household", "local_authority", "rule", "level", "status", "started_on", "due_on", "raised_on"):
        assert key in first
    assert (first["rule"], first["started_on"], first["due_on"], first["raised_on"]) == ("order-to-match", "2024-03-01", "2024-06-30", "2024-05-30")
    assert first["local_authority"] == LA


def test_list_filters_and_prints_text(data_dir):
    run(data_dir, "sweep")
    assert [a["child_ref"] for a in listed(data_dir, "--level", "warning")] == ["CV-2"]
    assert listed(data_dir, "--status", "closed") == []
    assert listed(data_dir, "--la", "Solihull") == []
    text = run(data_dir, "list").stdout
    assert "Alerts on 10 Jul 2024: 2" in text
    assert "child CV-1 of Coventry" in text


def test_sweep_as_of_a_past_date_then_list_as_of(data_dir):
    run(data_dir, "sweep", "--as-of", "2024-06-05")
    assert [(a["child_ref"], a["level"]) for a in listed(data_dir, "--as-of", "2024-06-05")] == [("CV-1", "warning")]
    run(data_dir, "sweep")
    assert [(a["child_ref"], a["level"]) for a in listed(data_dir, "--as-of", "2024-06-05")] == [("CV-1", "warning")]
    assert [(a["child_ref"], a["level"]) for a in listed(data_dir, "--as-of", "2024-07-01")] == [("CV-1", "breach"), ("CV-2", "warning")]


def test_sweep_as_of_a_future_date_is_refused(data_dir):
    result = run(data_dir, "sweep", "--as-of", "2024-07-11", code=1)
    assert result.stderr.startswith("Refused: ")


def test_ack_and_history(data_dir):
    run(data_dir, "sweep")
    alert = listed(data_dir)[0]

    done = run(data_dir, "ack", alert["id"], "--by", "Sam", "--note", "family finding widened")

    assert "back for review on 2024-08-07" in done.stdout
    acked = listed(data_dir, "--status", "acknowledged")
    assert [(a["id"], a["acknowledged_by"]) for a in acked] == [(alert["id"], "Sam")]
    text = run(data_dir, "history", alert["id"]).stdout
    assert "order-to-match for child CV-1 of Coventry" in text
    assert "2024-05-30" in text and "raised at warning" in text
    assert "2024-07-01" in text and "escalated to breach" in text
    assert 'acknowledged: "family finding widened"' in text and "by Sam" in text
    entries = json.loads(run(data_dir, "history", alert["id"], "--json").stdout)
    assert [e["change"] for e in entries] == ["raised", "escalated", "acknowledged"]


def test_ack_refuses_unknown_and_closed_alerts(data_dir, tmp_path):
    run(data_dir, "sweep")
    assert "not an alert id" in run(data_dir, "ack", "nonsense", "--note", "x", code=1).stderr
    assert "no alert" in run(data_dir, "ack", "00000000-0000-0000-0000-000000000000", "--note", "x", code=1).stderr
    done = Tracker(make_settings(tmp_path)).record(LA, "CV-1", "matched", "2024-07-09", {"household": "H-1"}, recorded_by=BY)
    assert done["alerts"] == {"closed": 1}
    closed = listed(data_dir, "--status", "closed")[0]
    assert closed["stopped_by"] == "matched" and closed["closed_on"] == "2024-07-09"
    assert "is closed" in run(data_dir, "ack", closed["id"], "--note", "x", code=1).stderr


def test_the_wiring_reads_the_clocks_read_model(data_dir, tmp_path):
    app = JourneyTracker(make_settings(tmp_path))
    rows = read_model_clock_rows(app)(on=d("2024-07-01"), since=d("2024-06-30"))
    # Only CV-1 came due in the window (breached from 1 July).
    assert [(r["child_ref"], r["rule_id"]) for r in rows] == [("CV-1", "order-to-match")]


def test_today_comes_from_the_clock_seam(data_dir):
    clock.set_today(None)
    result = cli(data_dir, "alerts", "sweep", env={"JOURNEY_TODAY": "2024-06-01"})
    assert "Swept 2024-06-01: 1 raised" in result.stdout
    listed_then = cli(data_dir, "alerts", "list", env={"JOURNEY_TODAY": "2024-06-01"})
    assert "Alerts on 01 Jun 2024: 1" in listed_then.stdout


def test_a_bad_rules_file_is_refused_at_start_naming_the_file(data_dir):
    (data_dir / "timescales.toml").write_text('[[rule]]\nid = "order-to-match"\ntitle = "x"\nsubject = "child"\n'
                                             'starts_at = "placement_order"\nstopped_by = ["matched"]\n'
                                             'limit = "four months"\nsource = "x"\n')
    result = run(data_dir, "sweep", code=1)
    assert "timescales.toml" in result.stderr and "order-to-match" in result.stderr and "limit" in result.stderr


def test_every_alerts_command_is_documented():
    import click

    for name, command in alerts_group.commands.items():
        assert command.help and command.help.strip(), name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"alerts {name} {param.opts}"
