"""A child's history for auditors, through `journey history`: the documented JSON
keys, the journey as it stood on a date (`--as-at`), what had been recorded by a
time (`--as-known-on`), both together, and the plain-text listing."""

from __future__ import annotations

import datetime
import json
import time
from zoneinfo import ZoneInfo

import pytest
from factories import BY, LA, cli, make_settings, make_tracker

from journey.domain.errors import InvalidValue
from journey.domain.words import MILESTONE_WORDS
from journey.store.history import parse_as_known_on

LONDON = ZoneInfo("Europe/London")
UTC = datetime.timezone.utc
BASE_KEYS = {"event_id", "type", "recorded_at", "recorded_by", "note"}


# "Today" is TODAY for every test (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("today_fixed")


@pytest.fixture
def data_dir(tmp_path):
    return make_settings(tmp_path).data_dir


def record(data_dir, *args, by="amy"):
    result = cli(data_dir, "record", "--la", LA, *args, "--by", by)
    assert result.exit_code == 0, result.output
    return result


def history(data_dir, *args, ref="CV-H"):
    result = cli(data_dir, "history", "--la", LA, ref, *args)
    assert result.exit_code == 0, result.output
    return result


def history_json(data_dir, *args, ref="CV-H") -> list[dict]:
    return json.loads(history(data_dir, "--json", *args, ref=ref).stdout)


def pause() -> datetime.datetime:
    """A UTC moment strictly between what was recorded before and what comes after."""
    time.sleep(0.01)
    moment = datetime.datetime.now(UTC)
    time.sleep(0.01)
    return moment


def build(data_dir) -> None:
    """Entered care, decision, placement order keyed late and then corrected, a
    match with a note, a link recorded in error and withdrawn."""
    record(data_dir, "CV-H", "entered_care", "2022-01-10", "--legal-status", "C2")
    record(data_dir, "CV-H", "adm_decision", "2022-04-01")
    record(data_dir, "CV-H", "placement_order", "2022-06-20")
    record(data_dir, "CV-H", "link_identified", "2022-07-01", "--household", "H-X", by="ben")
    record(data_dir, "CV-H", "matched", "2022-08-15", "--household", "H-1", "--interagency", "--note", "panel chair: JB")
    corrected = cli(data_dir, "correct", "--la", LA, "CV-H", "placement_order", "2022-06-20", "2022-06-03", "--reason", "date of the order, not of keying", "--authority", "freeing_order", "--by", "auditor")
    assert corrected.exit_code == 0, corrected.output
    withdrawn = cli(data_dir, "withdraw", "--la", LA, "CV-H", "link_identified", "2022-07-01", "--reason", "wrong child", "--by", "auditor")
    assert withdrawn.exit_code == 0, withdrawn.output


def test_history_json_has_the_documented_keys(data_dir):
    build(data_dir)

    listed = history_json(data_dir)

    assert [e["event_id"] for e in listed] == list(range(1, 9))
    assert [e["type"] for e in listed] == ["child", "milestone", "milestone", "milestone", "milestone", "milestone", "correction", "withdrawal"]
    for entry in listed:
        assert BASE_KEYS <= set(entry), entry
        recorded_at = datetime.datetime.fromisoformat(entry["recorded_at"])
        assert recorded_at.utcoffset() == datetime.timedelta(0), entry["recorded_at"]
        assert abs(datetime.datetime.now(UTC) - recorded_at) < datetime.timedelta(minutes=5)
    assert [e["recorded_by"] for e in listed] == ["amy", "amy", "amy", "amy", "ben", "amy", "auditor", "auditor"]

    entered = listed[1]
    assert {k: entered[k] for k in ("milestone", "occurred_on", "details", "note")} == {
        "milestone": "entered_care",
        "occurred_on": "2022-01-10",
        "details": {"legal_status": "C2"},
        "note": None,
    }
    matched = listed[5]
    assert (matched["milestone"], matched["occurred_on"], matched["details"], matched["note"]) == (
        "matched", "2022-08-15", {"household": "H-1", "interagency": True}, "panel chair: JB",
    )
    correction = listed[6]
    assert correction["corrects"] == {"event_id": 4, "milestone": "placement_order", "occurred_on": "2022-06-20"}
    assert correction["occurred_on"] == "2022-06-03"
    assert correction["details"] == {"authority": "freeing_order"}
    assert correction["reason"] == "date of the order, not of keying"
    withdrawal = listed[7]
    assert withdrawal["corrects"] == {"event_id": 5, "milestone": "link_identified", "occurred_on": "2022-07-01"}
    assert withdrawal["reason"] == "wrong child"
    # Timestamps follow the order recorded.
    times = [e["recorded_at"] for e in listed]
    assert times == sorted(times)


def test_as_at_applies_later_corrections_and_leaves_out_withdrawn_and_later_milestones(data_dir):
    build(data_dir)

    on_10_june = history_json(data_dir, "--as-at", "2022-06-10")
    assert [(e["milestone"], e["occurred_on"]) for e in on_10_june] == [
        ("entered_care", "2022-01-10"),
        ("adm_decision", "2022-04-01"),
        ("placement_order", "2022-06-03"),  # corrected (later) from 20 June
    ]
    assert on_10_june[2]["details"] == {"authority": "freeing_order"}
    assert on_10_june[2]["event_id"] == 4

    on_1_august = history_json(data_dir, "--as-at", "2022-08-01")
    names = [e["milestone"] for e in on_1_august]
    assert "link_identified" not in names  # withdrawn
    assert "matched" not in names  # happened later
    assert names == ["entered_care", "adm_decision", "placement_order"]
    assert [e["milestone"] for e in history_json(data_dir, "--as-at", "2022-08-15")][-1] == "matched"
    assert history_json(data_dir, "--as-at", "2022-01-09") == []


def test_as_known_on_leaves_out_what_was_recorded_later(data_dir):
    record(data_dir, "CV-H", "entered_care", "2022-01-10")
    record(data_dir, "CV-H", "placement_order", "2022-06-20")
    between = pause()
    record(data_dir, "CV-H", "matched", "2022-08-15")
    cli(data_dir, "correct", "--la", LA, "CV-H", "placement_order", "2022-06-20", "2022-06-03", "--reason", "typo")

    known = history_json(data_dir, "--as-known-on", between.isoformat())
    assert [e["type"] for e in known] == ["child", "milestone", "milestone"]
    assert [e.get("milestone") for e in known[1:]] == ["entered_care", "placement_order"]
    assert len(history_json(data_dir)) == 5

    # The same moment given with another zone, and zone-less as London time.
    in_new_york = between.astimezone(ZoneInfo("America/New_York")).isoformat()
    assert history_json(data_dir, "--as-known-on", in_new_york) == known
    london_wall_clock = between.astimezone(LONDON).replace(tzinfo=None).isoformat()
    assert history_json(data_dir, "--as-known-on", london_wall_clock) == known


def test_as_known_on_a_bare_date_means_the_end_of_that_day(data_dir):
    record(data_dir, "CV-H", "entered_care", "2022-01-10")
    record(data_dir, "CV-H", "adm_decision", "2022-04-01")
    recorded_on = datetime.datetime.fromisoformat(history_json(data_dir)[-1]["recorded_at"]).astimezone(LONDON).date()

    assert len(history_json(data_dir, "--as-known-on", recorded_on.isoformat())) == 3
    assert history_json(data_dir, "--as-known-on", (recorded_on - datetime.timedelta(days=1)).isoformat()) == []


@pytest.mark.parametrize(
    "given, meant",
    [
        # British Summer Time: London is an hour ahead of UTC.
        ("2024-07-01T00:30", "2024-06-30T23:30:00+00:00"),
        ("2024-06-30", "2024-06-30T22:59:59.999999+00:00"),
        # Winter: London time is UTC.
        ("2024-01-15T09:00:00", "2024-01-15T09:00:00+00:00"),
        ("2024-01-15", "2024-01-15T23:59:59.999999+00:00"),
        # A zone given is kept.
        ("2024-07-01T00:30+00:00", "2024-07-01T00:30:00+00:00"),
        ("2024-07-01T05:30+05:00", "2024-07-01T00:30:00+00:00"),
    ],
)
def test_as_known_on_times_are_read_as_london_time_unless_a_zone_is_given(given, meant):
    assert parse_as_known_on(given) == datetime.datetime.fromisoformat(meant)


def test_as_known_on_refuses_what_is_not_a_time(data_dir):
    with pytest.raises(InvalidValue):
        parse_as_known_on("31/03/2019")
    record(data_dir, "CV-H", "entered_care", "2022-01-10")
    result = cli(data_dir, "history", "--la", LA, "CV-H", "--as-known-on", "yesterday")
    assert result.exit_code == 1
    assert "as-known-on" in result.stderr


def test_as_at_and_as_known_on_combine(data_dir):
    record(data_dir, "CV-H", "entered_care", "2022-01-10")
    record(data_dir, "CV-H", "placement_order", "2022-06-20")
    record(data_dir, "CV-H", "link_identified", "2022-06-01", "--household", "H-X")
    before_changes = pause()
    assert cli(data_dir, "correct", "--la", LA, "CV-H", "placement_order", "2022-06-20", "2022-06-03", "--reason", "typo").exit_code == 0
    assert cli(data_dir, "withdraw", "--la", LA, "CV-H", "link_identified", "2022-06-01", "--reason", "error").exit_code == 0
    record(data_dir, "CV-H", "adm_decision", "2022-04-01")  # keyed late

    def as_at(*args):
        return [(e["milestone"], e["occurred_on"]) for e in history_json(data_dir, "--as-at", "2022-06-10", *args)]

    # What we know now about 10 June 2022.
    assert as_at() == [("entered_care", "2022-01-10"), ("adm_decision", "2022-04-01"), ("placement_order", "2022-06-03")]
    # What we knew then: no correction, no withdrawal, no late decision.
    assert as_at("--as-known-on", before_changes.isoformat()) == [("entered_care", "2022-01-10"), ("link_identified", "2022-06-01")]


def test_plain_text_history_is_one_line_an_event_in_plain_english(data_dir):
    build(data_dir)
    events = history_json(data_dir)

    text = history(data_dir).stdout
    lines = text.rstrip("\n").splitlines()

    assert lines[0] == "Child CV-H of Coventry"
    body = lines[1:]
    assert len(body) == len(events) == 8
    for line, entry in zip(body, events):
        assert line.startswith(f"  [{entry['event_id']}] ")
        recorded = datetime.datetime.fromisoformat(entry["recorded_at"]).astimezone(LONDON)
        assert f"(recorded {recorded:%d %b %Y %H:%M:%S} by {entry['recorded_by']})" in line
    assert "10 Jan 2022: entered care (legal status: C2)" in body[1]
    assert "1 Apr 2022: " + MILESTONE_WORDS["adm_decision"] in body[2]
    assert "20 Jun 2022: court authority to place" in body[3]
    assert "15 Aug 2022: matched (household: H-1, interagency: yes)" in body[5]
    assert body[5].endswith("Note: panel chair: JB")
    assert "Correction" in body[6] and "20 Jun 2022" in body[6] and "now 3 Jun 2022" in body[6]
    assert "reason: date of the order, not of keying" in body[6]
    assert "Withdrawal" in body[7] and "1 Jul 2022" in body[7] and "reason: wrong child" in body[7]
    # Milestones are named in words, not by their codes.
    for line, code in zip(body[1:6], ("entered_care", "adm_decision", "placement_order", "link_identified", "matched")):
        assert MILESTONE_WORDS[code] in line
        if "_" in code:
            assert f"2022: {code}" not in line


def test_correction_and_withdrawal_lines_name_the_milestone_in_plain_english(data_dir):
    build(data_dir)
    body = history(data_dir).stdout.splitlines()[1:]
    assert MILESTONE_WORDS["placement_order"] in body[6]
    assert MILESTONE_WORDS["link_identified"] in body[7]
    assert "placement_order" not in body[6].split("(recorded")[0].replace("authority: freeing_order", "")
    assert "link_identified" not in body[7]


def test_plain_text_as_at_and_as_known_on_headings(data_dir):
    build(data_dir)
    text = history(data_dir, "--as-at", "2022-06-10", "--as-known-on", "2100-01-01T12:00").stdout
    lines = text.splitlines()
    assert lines[0] == "Child CV-H of Coventry: the journey as it stood on 2022-06-10, as known on 01 Jan 2100 12:00"
    assert len(lines) == 4
    empty = history(data_dir, "--as-at", "2021-01-01").stdout.splitlines()
    assert empty[1].strip() == "(nothing recorded)"


def test_history_of_an_unknown_child_is_refused(data_dir):
    make_tracker(data_dir.parent)
    result = cli(data_dir, "history", "--la", LA, "CV-NOBODY")
    assert result.exit_code == 1
    assert "no child CV-NOBODY of Coventry" in result.stderr


def test_history_recorded_by_defaults_to_the_user(data_dir):
    result = cli(data_dir, "record", "--la", LA, "CV-H", "entered_care", "2022-01-10")
    assert result.exit_code == 0
    assert [e["recorded_by"] for e in history_json(data_dir)] == [BY, BY]
