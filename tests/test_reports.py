"""The quarterly board report and the waiting lists, from the read models, against
hand-computed figures (domain.md section 4). The quarter is 2018-19 Q4:
1 January to 31 March 2019."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from click.testing import CliRunner

from journey.domain import clock
from projections import catch_up, open_read_models
from projections.reports import quarterly_report

from factories import make_two_council_settings, projections_cli

d = datetime.date.fromisoformat
TODAY = d("2019-06-30")
Q4 = (d("2019-01-01"), d("2019-03-31"))


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
    """A tracker on `settings` (tests/conftest.py), with the agency's journeys recorded."""
    record_agency(settings_tracker)
    return settings_tracker


def child(app, ref, *steps, la="Coventry"):
    for step in steps:
        app.record(la, ref, step[0], step[1], step[2] if len(step) > 2 else None, recorded_by="test")


def household(app, ref, *steps):
    for milestone, day in steps:
        app.record_household(ref, milestone, day, recorded_by="test")


def record_agency(app):
    household(app, "HH-1", ("registration_of_interest", "2018-01-10"), ("stage1_started", "2018-02-01"),
              ("stage1_completed", "2018-03-20"), ("stage2_started", "2018-04-02"), ("approved", "2018-09-03"))
    household(app, "HH-5", ("registration_of_interest", "2018-06-01"), ("stage1_started", "2018-07-02"),
              ("stage1_completed", "2019-01-15"), ("stage2_started", "2019-01-16"), ("approved", "2019-03-11"))
    household(app, "HH-6", ("stage1_started", "2018-12-01"), ("stage1_completed", "2019-01-31"))
    household(app, "HH-7", ("approved", "2018-01-15"))
    # Decision, order, match (interagency) and placement in the quarter.
    child(app, "A", ("entered_care", "2018-01-02"), ("adm_decision", "2019-01-10"), ("placement_order", "2019-02-01"),
          ("matched", "2019-03-01", {"household": "HH-1", "interagency": "yes"}),
          ("placed", "2019-03-15", {"household": "HH-1"}))
    # Adopted in the quarter.
    child(app, "B", ("entered_care", "2017-06-01"), ("adm_decision", "2017-09-01"), ("placement_order", "2017-11-01"),
          ("matched", "2018-05-01", {"household": "HH-2"}), ("placed", "2018-06-01", {"household": "HH-2"}),
          ("adoption_order", "2019-02-20", {}))
    # Decision reversed in the quarter: adopters could not be found.
    child(app, "C", ("entered_care", "2018-03-01"), ("adm_decision", "2018-06-01"),
          ("decision_reversed", "2019-03-05", {"reason": "RD3"}))
    # Fostering for adoption in the quarter; consent (not a placement order). Waiting.
    child(app, "D", ("entered_care", "2018-04-02"), ("adm_decision", "2018-08-01"),
          ("early_permanence_placement", "2019-01-15", {"kind": "ffa", "household": "HH-3"}),
          ("placement_order", "2019-02-10", {"authority": "consent"}))
    # Disrupted in the quarter: waiting again.
    child(app, "E", ("entered_care", "2017-01-02"), ("adm_decision", "2017-04-03"), ("placement_order", "2017-06-01"),
          ("matched", "2017-10-02", {"household": "HH-4"}), ("placed", "2017-11-01", {"household": "HH-4"}),
          ("disruption", "2019-01-20", {"reason": "carers' health"}))
    # Another council's decision in the quarter.
    child(app, "F", ("entered_care", "2018-10-01"), ("adm_decision", "2019-02-01"), la="Solihull")


def test_the_quarterly_report(app, settings):
    db = open_read_models(settings.read_models_path)
    catch_up(app, db)
    report = quarterly_report(db, *Q4, today=TODAY, quarter="2018-19-Q4")
    assert report["children"] == {
        "adm_decisions": 2,  # A, F
        "placement_orders": 1,  # A (D's consent is not a placement order)
        "matches": 1,
        "placements": 1,
        "adoption_orders": 1,  # B
        "decisions_reversed": 1,
        "decisions_reversed_by_reason": {"RD3": 1},
        "early_permanence_placements": 1,  # D
        "interagency_placements": 1,  # A, matched with HH-1 interagency
        "disruptions": 1,  # E
    }
    # Waiting on 31 March 2019 since the decision:
    # D 2018-08-01 -> 2019-03-31 = 242; E 2017-04-03 -> 2019-03-31 = 730 - 3 = 727;
    # F 2019-02-01 -> 2019-03-31 = 58. (242 + 727 + 58) / 3 = 342.33 -> 342.
    assert report["children_waiting"] == {
        "on": "2019-03-31",
        "children": 3,
        "average_days": 342,
        "longest_days": 727,
        "by_stage": {"authority": 2, "decision": 1},
        "by_time_since_decision": {"under 6 months": 1, "6 to 12 months": 1, "12 to 18 months": 0, "18 months or more": 1},
    }
    h = report["households"]
    assert h["approved"] == 1  # HH-5
    # A11 on 2019-03-31: HH-5 (approved 2019-03-11, 20 days) and HH-7 (2018-01-15, 365 + 16 + 28 + 31 = 440).
    assert h["A11"] == {"on": "2019-03-31", "households_waiting": 2, "average_days": 230, "waiting_over_12_months": 1}
    # A12: HH-1 matched 2019-03-01 after approval 2018-09-03: 5 whole months.
    assert h["A12"] == {"households_matched": 1, "waited_3_months_or_more": 1, "percent": 100.0}
    # HH-5: 2018-06-01 -> 2019-03-11 = 273 + 10 = 283 days, not within 6 months.
    assert h["registration_to_approval"] == {"households": 1, "within_6_months": 0, "percent": 0.0, "average_days": 283}
    # HH-5: 2018-07-02 -> 2019-01-15 = 197 (late); HH-6: 2018-12-01 -> 2019-01-31 = 61 (within). 129 on average.
    assert h["stage1_within_2_months"] == {"households": 2, "within_2_months": 1, "percent": 50.0, "average_days": 129}
    # HH-5: 2019-01-16 -> 2019-03-11 = 54 days.
    assert h["stage2_within_4_months"] == {"households": 1, "within_4_months": 1, "percent": 100.0, "average_days": 54}


def test_one_councils_report_rounds_the_wait_half_up(app, settings):
    db = open_read_models(settings.read_models_path)
    catch_up(app, db)
    report = quarterly_report(db, *Q4, la="Coventry", today=TODAY)
    assert report["children"]["adm_decisions"] == 1
    # D 242 and E 727: 484.5 -> 485.
    assert (report["children_waiting"]["children"], report["children_waiting"]["average_days"]) == (2, 485)


cli = projections_cli  # the projection commands on their own group (tests/factories.py)


def test_cli_quarterly_report_json_csv_and_text(app, settings):
    runner = CliRunner()
    args = ["--data-dir", str(settings.data_dir), "report", "quarterly", "--quarter", "2018-19-Q4"]
    as_json = runner.invoke(cli(), [*args, "--json", "--la", "solihull"])
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.output)
    assert (report["quarter"], report["from"], report["to"], report["local_authority"]) == ("2018-19-Q4", "2019-01-01", "2019-03-31", "Solihull")
    assert report["children"]["adm_decisions"] == 1

    as_csv = runner.invoke(cli(), [*args, "--csv"])
    rows = list(csv.reader(io.StringIO(as_csv.output)))
    assert rows[0] == ["section", "figure", "value"]
    assert ["children", "decisions_reversed_by_reason.RD3", "1"] in rows
    assert ["households", "A11.households_waiting", "2"] in rows

    text = runner.invoke(cli(), args)
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[0] == "Quarterly report 2018-19-Q4: 1 Jan 2019 to 31 Mar 2019, all councils"

    bad = runner.invoke(cli(), ["--data-dir", str(settings.data_dir), "report", "quarterly", "--quarter", "2018-19-Q5"])
    assert bad.exit_code == 2 and "Q1, Q2, Q3 or Q4" in bad.output
    unknown = runner.invoke(cli(), [*args, "--la", "Narnia"])
    assert unknown.exit_code == 1 and "unknown council" in unknown.output


def test_cli_waiting_worst_first(app, settings):
    runner = CliRunner()
    result = runner.invoke(cli(), ["--data-dir", str(settings.data_dir), "waiting", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    # On 2019-06-30, since the decision: E 2017-04-03 = 818; D 2018-08-01 = 333; F 2019-02-01 = 149.
    assert [(e["child_ref"], e["days"]) for e in listed] == [("E", 818), ("D", 333), ("F", 149)]
    placed = json.loads(runner.invoke(cli(), ["--data-dir", str(settings.data_dir), "waiting", "--stage", "placed", "--json"]).output)
    # A placed 2019-03-15: 16 + 30 + 31 + 30 = 107 days on 2019-06-30.
    assert [(e["child_ref"], e["days"]) for e in placed] == [("A", 107)]
    text = runner.invoke(cli(), ["--data-dir", str(settings.data_dir), "waiting", "--la", "Coventry"])
    lines = text.output.splitlines()
    assert lines[0] == "Children with a decision, not yet placed on 30 Jun 2019, Coventry: 2"
    assert lines[1].split()[:2] == ["818", "days"] and "E of Coventry" in lines[1]
