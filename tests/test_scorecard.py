"""The scorecard end to end: milestones recorded through the application, projected
into the read models, and read back by `journey scorecard` (domain.md section 4).

Every expected number is written out by hand; the comment beside it shows the
arithmetic (whole days between two dates, the first not counted).
"""

from __future__ import annotations

import datetime
import json

import pytest
from click.testing import CliRunner

from journey.domain import clock
from journey.domain.measure_dates import ChildMeasureDates
from journey.domain.scorecard import scorecard
from projections import catch_up, scorecard_from_read_models
from projections.known import scorecard_as_known_on

from factories import make_two_council_settings, projections_cli

d = datetime.date.fromisoformat
TODAY = d("2019-06-30")
PERIOD = (d("2016-04-01"), d("2019-03-31"))


@pytest.fixture(autouse=True)
def fixed_today():
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


@pytest.fixture
def settings(tmp_path):
    return make_two_council_settings(tmp_path)


@pytest.fixture
def app(settings_tracker):
    """A tracker on `settings` (tests/conftest.py)."""
    return settings_tracker


@pytest.fixture
def db(read_models):
    """The read models beside `settings` (tests/conftest.py)."""
    return read_models


def journey(app, ref: str, *steps, la: str = "Coventry") -> None:
    """Record (milestone, "YYYY-MM-DD"[, details]) for one child, in order."""
    for step in steps:
        details = step[2] if len(step) > 2 else None
        app.record(la, ref, step[0], step[1], details, recorded_by="test")


def measure_row(db, ref: str) -> dict:
    return next(db.query("SELECT * FROM measure_dates WHERE child_ref = ?", [ref]))


cli = projections_cli  # the projection commands on their own group (tests/factories.py)


def record_cohort(app) -> None:
    """Coventry's children, one per rule of section 4."""
    # On time. A1 2016-01-01 -> 2016-07-01 = 182; A2 2016-04-01 -> 2016-06-01 = 61.
    journey(app, "ON-TIME", ("entered_care", "2016-01-01"), ("adm_decision", "2016-03-01"),
            ("placement_order", "2016-04-01"), ("matched", "2016-06-01"), ("placed", "2016-07-01"),
            ("adoption_order", "2017-01-10"))
    # Re-entry to care: counts from the second entry. A1 2016-02-01 -> 2016-09-01 = 213;
    # A2 2016-05-02 -> 2016-08-01 = 91.
    journey(app, "RE-ENTRY", ("entered_care", "2015-01-05"), ("left_care", "2015-06-01"),
            ("entered_care", "2016-02-01"), ("adm_decision", "2016-03-01"), ("placement_order", "2016-05-02"),
            ("matched", "2016-08-01"), ("placed", "2016-09-01"), ("adoption_order", "2017-03-01"))
    # Matched before the placement order: A2 counts 0. A1 2016-01-04 -> 2016-06-01 = 149.
    journey(app, "MATCH-FIRST", ("entered_care", "2016-01-04"), ("adm_decision", "2016-02-01"),
            ("matched", "2016-05-02"), ("placement_order", "2016-05-16"), ("placed", "2016-06-01"),
            ("adoption_order", "2017-02-01"))
    # Consent only: out of A2. A1 2016-01-04 -> 2016-04-15 = 102.
    journey(app, "CONSENT", ("entered_care", "2016-01-04"), ("adm_decision", "2016-02-01"),
            ("placement_order", "2016-03-01", {"authority": "consent"}), ("matched", "2016-04-01"),
            ("placed", "2016-04-15"), ("adoption_order", "2016-12-01"))
    # A freeing order is court authority. A2 2016-03-01 -> 2016-05-01 = 61; A1 2016-01-04 -> 2016-06-01 = 149.
    journey(app, "FREEING", ("entered_care", "2016-01-04"), ("adm_decision", "2016-02-01"),
            ("placement_order", "2016-03-01", {"authority": "freeing_order"}), ("matched", "2016-05-01"),
            ("placed", "2016-06-01"), ("adoption_order", "2017-01-05"))
    # Foster carers adopt: moved in 2016-03-01. A1 2016-01-04 -> 2016-09-01 = 241;
    # A10 2016-01-04 -> 2016-03-01 = 57; A2 2016-04-01 -> 2016-08-01 = 122.
    journey(app, "FOSTER-CARER", ("entered_care", "2016-01-04"), ("adm_decision", "2016-02-15"),
            ("placement_order", "2016-04-01"), ("matched", "2016-08-01", {"household": "HH-F"}),
            ("placed", "2016-09-01", {"household": "HH-F", "moved_in_on": "2016-03-01", "foster_carer_adoption": "yes"}),
            ("adoption_order", "2017-05-02"))
    # Fostering for adoption with the adopters: A10 from the FfA placement,
    # 2016-01-04 -> 2016-02-01 = 28; A1 2016-01-04 -> 2016-10-03 = 273; A2 2016-04-01 -> 2016-09-01 = 153.
    journey(app, "FFA", ("entered_care", "2016-01-04"),
            ("early_permanence_placement", "2016-02-01", {"kind": "ffa", "household": "HH-FFA"}),
            ("adm_decision", "2016-02-15"), ("placement_order", "2016-04-01"),
            ("matched", "2016-09-01", {"household": "HH-FFA"}), ("placed", "2016-10-03", {"household": "HH-FFA"}),
            ("adoption_order", "2017-04-03"))
    # Disrupted, then placed again: the second match and placement count.
    # A1 2016-01-04 -> 2016-11-01 = 302; A2 2016-03-01 -> 2016-10-03 = 216.
    journey(app, "DISRUPTED", ("entered_care", "2016-01-04"), ("adm_decision", "2016-02-01"),
            ("placement_order", "2016-03-01"), ("matched", "2016-04-01", {"household": "HH-A"}),
            ("placed", "2016-05-02", {"household": "HH-A"}), ("disruption", "2016-08-01"),
            ("matched", "2016-10-03", {"household": "HH-B"}), ("placed", "2016-11-01", {"household": "HH-B"}),
            ("adoption_order", "2017-06-01"))
    # Placed exactly 14 months after entering care: not within. A1 2016-01-15 -> 2017-03-15 = 425
    # (2016-01-15 -> 2017-01-15 = 366, + 31 + 28); A2 2016-06-01 -> 2017-03-01 = 273.
    journey(app, "FOURTEEN", ("entered_care", "2016-01-15"), ("adm_decision", "2016-03-01"),
            ("placement_order", "2016-06-01"), ("matched", "2017-03-01"), ("placed", "2017-03-15"),
            ("adoption_order", "2017-09-01"))
    # Both ends of the period count; the days either side do not.
    # FIRST-DAY: A1 2015-04-01 -> 2015-12-01 = 244; A2 2015-08-03 -> 2015-11-02 = 91.
    journey(app, "FIRST-DAY", ("entered_care", "2015-04-01"), ("adm_decision", "2015-06-01"),
            ("placement_order", "2015-08-03"), ("matched", "2015-11-02"), ("placed", "2015-12-01"),
            ("adoption_order", "2016-04-01"))
    # LAST-DAY: A1 2017-05-01 -> 2018-06-01 = 396; A2 2017-10-02 -> 2018-04-02 = 182.
    journey(app, "LAST-DAY", ("entered_care", "2017-05-01"), ("adm_decision", "2017-07-03"),
            ("placement_order", "2017-10-02"), ("matched", "2018-04-02"), ("placed", "2018-06-01"),
            ("adoption_order", "2019-03-31"))
    journey(app, "DAY-BEFORE", ("entered_care", "2015-04-01"), ("placed", "2015-10-01"),
            ("adoption_order", "2016-03-31"))
    journey(app, "DAY-AFTER", ("entered_care", "2017-05-01"), ("placed", "2018-06-01"),
            ("adoption_order", "2019-04-01"))
    # Adopted with no placement recorded: out of every measure, listed.
    journey(app, "NO-PLACED", ("entered_care", "2016-01-04"), ("adm_decision", "2016-02-01"),
            ("placement_order", "2016-03-01"), ("matched", "2016-05-02"), ("adoption_order", "2017-01-03"))


# A1 days of the twelve Coventry children counted (all but NO-PLACED, DAY-BEFORE, DAY-AFTER).
A1_DAYS = {
    "ON-TIME": 182, "RE-ENTRY": 213, "MATCH-FIRST": 149, "CONSENT": 102, "FREEING": 149,
    "FOSTER-CARER": 241, "FFA": 273, "DISRUPTED": 302, "FOURTEEN": 425, "FIRST-DAY": 244,
    "LAST-DAY": 396,
}
A2_DAYS = {
    "ON-TIME": 61, "RE-ENTRY": 91, "MATCH-FIRST": 0, "FREEING": 61, "FOSTER-CARER": 122,
    "FFA": 153, "DISRUPTED": 216, "FOURTEEN": 273, "FIRST-DAY": 91, "LAST-DAY": 182,
}
A10_DAYS = dict(A1_DAYS, **{"FOSTER-CARER": 57, "FFA": 28})


def test_each_childs_days_per_measure(app, db):
    record_cohort(app)
    catch_up(app, db)
    for ref, days in A1_DAYS.items():
        row = measure_row(db, ref)
        assert (row["a1_days"], row["a2_days"], row["a10_days"]) == (days, A2_DAYS.get(ref), A10_DAYS[ref]), ref
    assert measure_row(db, "FOURTEEN")["within_14_months"] == 0  # on the day is not before it
    assert measure_row(db, "LAST-DAY")["within_14_months"] == 1  # 2018-06-01 < 2018-07-01
    assert measure_row(db, "RE-ENTRY")["entered_care_on"] == "2016-02-01"
    assert measure_row(db, "DISRUPTED")["matched_on"] == "2016-10-03"
    assert measure_row(db, "FOSTER-CARER")["moved_in_on"] == "2016-03-01"
    assert measure_row(db, "FFA")["moved_in_on"] == "2016-02-01"
    no_placed = measure_row(db, "NO-PLACED")
    assert no_placed["a1_days"] is None and no_placed["a2_days"] is None and no_placed["data_quality"] == "adopted with no placement"


def test_the_scorecard_for_2016_19(app, db):
    record_cohort(app)
    catch_up(app, db)
    card = scorecard_from_read_models(db, *PERIOD, la="coventry")
    # A1: 11 children; 182+213+149+102+149+241+273+302+425+244+396 = 2676; 2676/11 = 243.27 -> 243.
    assert (card.a1.children, card.a1.average_days, card.a1.threshold_days, card.a1.met) == (11, 243, 426, True)
    # A2: 10 children (not CONSENT); 61+91+0+61+122+153+216+273+91+182 = 1250; 125.0 -> 125 > 121.
    assert (card.a2.children, card.a2.average_days, card.a2.threshold_days, card.a2.met) == (10, 125, 121, False)
    # A3: all but FOURTEEN within 14 months: 10 of 11 = 90.909 -> 90.9.
    assert (card.a3.children, card.a3.within_14_months, str(card.a3.percent)) == (11, 10, "90.9")
    # A10: 2676 - 241 + 57 - 273 + 28 = 2247; 2247/11 = 204.27 -> 204.
    assert (card.a10.children, card.a10.average_days, card.a10.met) == (11, 204, True)
    assert [(p.child_ref, p.problem) for p in card.data_quality] == [("NO-PLACED", "adopted with no placement")]


def test_the_read_models_agree_with_the_pure_scorecard(app, db):
    """The SQL sums give exactly what journey.domain.scorecard.scorecard gives from the rows."""
    record_cohort(app)
    journey(app, "S1", ("entered_care", "2016-01-01"), ("placed", "2017-02-05"), ("adoption_order", "2018-01-01"), la="Solihull")
    catch_up(app, db)
    rows = [
        ChildMeasureDates(r["child_ref"], r["local_authority"], *(d(r[k]) if r[k] else None for k in (
            "adoption_order_on", "placed_on", "entered_care_on", "moved_in_on", "authority_on", "matched_on")),
            r["data_quality"])
        for r in db.query("SELECT * FROM measure_dates")
    ]
    for period in (PERIOD, (d("2017-04-01"), d("2018-03-31")), (d("2010-04-01"), d("2011-03-31"))):
        assert scorecard_from_read_models(db, *period) == scorecard(rows, *period)


def test_averages_round_half_up(app, db):
    # 400 and 401 days: 400.5 -> 401 (half up; rounding half to even would give 400).
    journey(app, "R1", ("entered_care", "2016-01-01"), ("placed", "2017-02-04"), ("adoption_order", "2017-06-01"), la="Solihull")
    journey(app, "R2", ("entered_care", "2016-01-01"), ("placed", "2017-02-05"), ("adoption_order", "2017-06-01"), la="Solihull")
    catch_up(app, db)
    card = scorecard_from_read_models(db, *PERIOD, la="Solihull")
    assert [measure_row(db, r)["a1_days"] for r in ("R1", "R2")] == [400, 401]
    assert card.a1.average_days == 401
    assert card.a2.children == 0 and card.a2.average_days is None and card.a2.met is None


def test_cli_scorecard_json(app, settings):
    record_cohort(app)
    result = CliRunner().invoke(
        cli(), ["--data-dir", str(settings.data_dir), "scorecard", "--from", "2016-04-01", "--to", "2019-03-31",
                "--la", "COVENTRY", "--json"],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out == {
        "from": "2016-04-01",
        "to": "2019-03-31",
        "local_authority": "Coventry",
        "A1": {"children": 11, "average_days": 243, "threshold_days": 426, "met": True},
        "A2": {"children": 10, "average_days": 125, "threshold_days": 121, "met": False},
        "A3": {"children": 11, "within_14_months": 10, "percent": 90.9},
        "A10": {"children": 11, "average_days": 204, "threshold_days": 426, "met": True},
        "data_quality": [{"child_ref": "NO-PLACED", "local_authority": "Coventry", "problem": "adopted with no placement"}],
    }


def test_cli_scorecard_table_and_empty_period(app, settings):
    record_cohort(app)
    runner = CliRunner()
    result = runner.invoke(cli(), ["--data-dir", str(settings.data_dir), "scorecard", "--from", "2016-04-01", "--to", "2019-03-31"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Adoption scorecard: children adopted 1 Apr 2016 to 31 Mar 2019, all councils"
    a2 = next(line for line in lines if line.strip().startswith("A2 "))
    assert "125 days" in a2 and "threshold 121" in a2 and "NOT met" in a2 and "(10 children)" in a2
    assert "NO-PLACED of Coventry: adopted with no placement" in result.output

    empty = runner.invoke(cli(), ["--data-dir", str(settings.data_dir), "scorecard", "--from", "2012-04-01", "--to", "2013-03-31", "--json"])
    out = json.loads(empty.output)
    assert out["A1"] == {"children": 0, "average_days": None, "threshold_days": 608, "met": None}
    assert out["A3"] == {"children": 0, "within_14_months": 0, "percent": None}

    bad = runner.invoke(cli(), ["--data-dir", str(settings.data_dir), "scorecard", "--from", "2019-04-01", "--to", "2016-03-31"])
    assert bad.exit_code == 2 and "after it ends" in bad.output


def test_as_known_on_shows_the_figure_before_a_later_correction(app, db, settings):
    journey(app, "K1", ("entered_care", "2016-01-01"), ("adm_decision", "2016-02-01"),
            ("placement_order", "2016-03-01"), ("matched", "2016-05-02"), ("placed", "2016-06-01"),
            ("adoption_order", "2017-01-10"))
    known = app.child_events("Coventry", "K1")[-1].timestamp
    # The placement was really on 2016-09-01: A1 2016-01-01 -> 2016-06-01 = 152 becomes 244.
    app.correct("Coventry", "K1", "placed", "2016-06-01", "2016-09-01", reason="date keyed wrongly", recorded_by="test")
    assert app.child_events("Coventry", "K1")[-1].timestamp > known

    catch_up(app, db)
    assert scorecard_from_read_models(db, *PERIOD).a1.average_days == 244
    assert scorecard_as_known_on(app, known, *PERIOD).a1.average_days == 152

    result = CliRunner().invoke(cli(), [
        "--data-dir", str(settings.data_dir), "scorecard", "--from", "2016-04-01", "--to", "2019-03-31",
        "--json", "--as-known-on", known.isoformat(),
    ])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["A1"]["average_days"] == 152
    before_anything = CliRunner().invoke(cli(), [
        "--data-dir", str(settings.data_dir), "scorecard", "--from", "2016-04-01", "--to", "2019-03-31",
        "--json", "--as-known-on", "2000-01-01",
    ])
    assert json.loads(before_anything.output)["A1"]["children"] == 0
