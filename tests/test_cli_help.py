"""The `journey` command documents itself: every command and subcommand answers
`--help`, has a help text, and every option says what it is for. And `correct`
(and `withdraw`) refuse to guess between two milestones that share a date."""

from __future__ import annotations

import json
import re

import click
import pytest
from factories import LA, TODAY, cli, event_count, make_settings, make_tracker, milestones_of

from journey.domain import clock
from journey.store.application import JourneyTracker
from journey.cli import main


@pytest.fixture(autouse=True)
def fixed_today():
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


def walk(command: click.Command, path: tuple[str, ...] = ()):
    """(path, command) of the group and every command below it."""
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(click.Context(command))):
            yield from walk(command.get_command(click.Context(command), name), path + (name,))


COMMANDS = list(walk(main))
IDS = [" ".join(path) or "journey" for path, _ in COMMANDS]


def test_the_walk_finds_every_command():
    names = {" ".join(path) for path, _ in COMMANDS}
    for expected in ("child", "record", "correct", "withdraw", "history", "household", "record-household",
                     "import", "import milestones", "export", "export milestones", "demo", "stages", "run", "keygen"):
        assert expected in names
    assert len(COMMANDS) >= 16


@pytest.mark.parametrize("path, command", COMMANDS, ids=IDS)
def test_help_exits_0_and_shows_the_commands_help(tmp_path, path, command):
    result = cli(tmp_path / "var", *path, "--help")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    first_line = (command.help or "").strip().splitlines()[0] if command.help else ""
    assert first_line and first_line[:40] in " ".join(result.stdout.split())
    # Asking for help writes nothing.
    assert not (tmp_path / "var" / "events.sqlite3").exists()


@pytest.mark.parametrize("path, command", COMMANDS, ids=IDS)
def test_every_command_has_a_help_text(path, command):
    assert command.help and command.help.strip(), f"journey {' '.join(path)} has no help text"
    assert command.get_short_help_str().strip()


@pytest.mark.parametrize("path, command", COMMANDS, ids=IDS)
def test_every_option_has_help(path, command):
    context = click.Context(command)
    for param in command.get_params(context):
        if isinstance(param, click.Option):
            assert param.help and param.help.strip(), f"journey {' '.join(path)} {param.opts} has no help"


def test_short_help_flag_too(tmp_path):
    result = cli(tmp_path / "var", "record", "-h")
    assert result.exit_code == 0
    assert "MILESTONE" in result.stdout


# -- two milestones on one date ---------------------------------------------------------------


@pytest.fixture
def two_referrals(tmp_path):
    """A child referred to the Adoption Register twice on one day (recording the same
    milestone again adds nothing, so the second is corrected onto the first's date)."""
    app = make_tracker(tmp_path)
    app.record(LA, "CV-2", "entered_care", "2022-01-01", recorded_by="amy")
    first = app.record(LA, "CV-2", "register_referral", "2022-03-01", recorded_by="amy")["event_id"]
    second = app.record(LA, "CV-2", "register_referral", "2022-03-08", recorded_by="amy")["event_id"]
    app.correct(LA, "CV-2", "register_referral", "2022-03-08", "2022-03-01", reason="the same day", recorded_by="amy")
    app.close()
    return make_settings(tmp_path).data_dir, first, second


def reopen(data_dir) -> JourneyTracker:
    return JourneyTracker(make_settings(data_dir.parent, name=data_dir.name))


def test_correct_refuses_when_two_milestones_share_the_date_and_lists_both(two_referrals):
    data_dir, first, second = two_referrals
    before = event_count(reopen(data_dir))

    result = cli(data_dir, "correct", "--la", LA, "CV-2", "register_referral", "2022-03-01", "2022-03-02", "--reason", "typo")

    assert result.exit_code == 1
    assert result.stderr.startswith("Refused: ")
    assert f"event {first}" in result.stderr and f"event {second}" in result.stderr
    assert "--event" in result.stderr
    assert "child CV-2 of Coventry" in result.stderr
    assert event_count(reopen(data_dir)) == before


def test_correct_with_event_picks_one(two_referrals):
    data_dir, first, second = two_referrals

    result = cli(data_dir, "correct", "--la", LA, "CV-2", "register_referral", "2022-03-01", "2022-03-02", "--reason", "typo", "--event", str(second))

    assert result.exit_code == 0, result.output
    assert re.search(rf"Corrected event {second} of child CV-2 of Coventry \(event \d+\)", result.stdout)
    app = reopen(data_dir)
    by_event = {m["event_id"]: m["occurred_on"] for m in app.summary(LA, "CV-2")["milestones"]}
    assert by_event[first] == "2022-03-01"
    assert by_event[second] == "2022-03-02"
    # Now there is one on each date, and no need to say which.
    again = cli(data_dir, "correct", "--la", LA, "CV-2", "register_referral", "2022-03-01", "2022-02-28", "--reason", "typo")
    assert again.exit_code == 0, again.output
    assert ("register_referral", "2022-02-28") in milestones_of(reopen(data_dir), LA, "CV-2")


def test_event_that_is_not_that_milestone_is_refused(two_referrals):
    data_dir, first, second = two_referrals
    result = cli(data_dir, "correct", "--la", LA, "CV-2", "register_referral", "2022-03-01", "2022-03-02", "--reason", "typo", "--event", "1")
    assert result.exit_code == 1
    assert "no current register_referral on 2022-03-01 with event id 1" in result.stderr


def test_withdraw_refuses_when_two_share_the_date_and_event_picks_one(two_referrals):
    data_dir, first, second = two_referrals

    refused = cli(data_dir, "withdraw", "--la", LA, "CV-2", "register_referral", "2022-03-01", "--reason", "duplicate")
    assert refused.exit_code == 1
    assert f"event {first}" in refused.stderr and f"event {second}" in refused.stderr

    done = cli(data_dir, "withdraw", "--la", LA, "CV-2", "register_referral", "2022-03-01", "--reason", "duplicate", "--event", str(second))
    assert done.exit_code == 0, done.output
    assert [m["event_id"] for m in reopen(data_dir).summary(LA, "CV-2")["milestones"] if m["milestone"] == "register_referral"] == [first]


def test_household_picks_between_two_matches_on_one_date(tmp_path):
    app = make_tracker(tmp_path)
    app.record(LA, "CV-3", "link_identified", "2022-03-01", {"household": "H-1"}, recorded_by="amy")
    app.record(LA, "CV-3", "link_identified", "2022-03-01", {"household": "H-2"}, recorded_by="amy")
    data_dir = make_settings(tmp_path).data_dir

    refused = cli(data_dir, "correct", "--la", LA, "CV-3", "link_identified", "2022-03-01", "2022-03-04", "--reason", "typo")
    assert refused.exit_code == 1
    assert "household H-1" in refused.stderr and "household H-2" in refused.stderr

    done = cli(data_dir, "correct", "--la", LA, "CV-3", "link_identified", "2022-03-01", "2022-03-04", "--reason", "typo", "--household", "H-2")
    assert done.exit_code == 0, done.output
    history = json.loads(cli(data_dir, "history", "--la", LA, "CV-3", "--json", "--as-at", "2022-03-31").stdout)
    assert [(e["occurred_on"], e["details"]["household"]) for e in history] == [("2022-03-01", "H-1"), ("2022-03-04", "H-2")]
