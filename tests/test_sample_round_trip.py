"""Nothing lost: the sample agency exported (`journey export milestones`) and imported
into an empty data folder with the same agency file gives, to the byte, the same
`--json` board report for every quarter the sample covers and the same scorecard,
for every financial year and the whole span. The household milestones travel in
the file as rows with no child_ref or local_authority."""

from __future__ import annotations

import csv
import datetime
import json
import shutil

import pytest
from factories import TODAY, cli, make_settings

from journey.domain import clock
from journey.domain.calendar import financial_year_of
from journey.service import Tracker


def quarters(first: datetime.date, last: datetime.date) -> list[str]:
    """The financial quarters (2018-19-Q4) from the one holding `first` to the one holding `last`."""
    found = []
    day = datetime.date(first.year, first.month, 1)
    while day <= last:
        quarter = (day.month - 4) % 12 // 3 + 1
        found.append(f"{financial_year_of(day)}-Q{quarter}")
        day = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return list(dict.fromkeys(found))


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(the sample's data folder, the one its export was imported into, the export's rows)."""
    root = tmp_path_factory.mktemp("round-trip")
    clock.set_today(TODAY)
    try:
        first = make_settings(root, name="first")
        Tracker(first).load_sample()
        exported = root / "sample.csv"
        result = cli(first.data_dir, "export", "milestones", str(exported))
        assert result.exit_code == 0, result.output
        second = make_settings(root, name="second")
        second.data_dir.mkdir()
        shutil.copy(first.data_dir / "agency.toml", second.data_dir / "agency.toml")
        imported = cli(second.data_dir, "import", "milestones", str(exported))
        assert imported.exit_code == 0, imported.output
        again = root / "again.csv"
        assert cli(second.data_dir, "export", "milestones", str(again)).exit_code == 0
        with open(exported, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        yield first.data_dir, second.data_dir, rows, exported.read_bytes(), again.read_bytes()
    finally:
        clock.set_today(None)


@pytest.fixture(autouse=True)
def fixed_today():
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


def first_day(rows) -> datetime.date:
    return min(datetime.date.fromisoformat(r["occurred_on"]) for r in rows)


def test_the_export_carries_the_households_own_milestones(stores):
    _, _, rows, exported, again = stores
    households = [r for r in rows if not r["child_ref"] and not r["local_authority"]]
    approved = [r for r in households if r["milestone"] == "approved"]
    assert len(approved) > 50 and {r["household"] for r in households} >= {r["household"] for r in approved}
    assert {r["milestone"] for r in households} >= {"enquiry", "registration_of_interest", "stage1_started", "approved", "withdrawn"}
    # A child's copies are on the child's rows only.
    assert not {r["milestone"] for r in households} & {"matched", "placed", "adoption_order"}
    assert exported == again  # the imported store exports the same file


SAMPLE_SPAN = quarters(TODAY - datetime.timedelta(days=6 * 365), TODAY)


@pytest.mark.parametrize("quarter", SAMPLE_SPAN)
def test_every_quarters_board_report_is_the_same(stores, quarter):
    first, second, _, _, _ = stores
    before = cli(first, "report", "quarterly", "--quarter", quarter, "--json")
    after = cli(second, "report", "quarterly", "--quarter", quarter, "--json")
    assert before.exit_code == after.exit_code == 0, before.output + after.output
    assert after.stdout == before.stdout


def test_the_span_is_every_quarter_the_sample_covers(stores):
    _, _, rows, _, _ = stores
    assert SAMPLE_SPAN == quarters(first_day(rows), TODAY)
    households = [json.loads(cli(stores[0], "report", "quarterly", "--quarter", q, "--json").stdout)["households"] for q in SAMPLE_SPAN]
    assert sum(h["approved"] for h in households) > 50  # not a report of nothing


def scorecard_periods(rows) -> list[tuple[str, str]]:
    start, end = (int(financial_year_of(day)[:4]) for day in (first_day(rows), TODAY))
    years = [(datetime.date(y, 4, 1), datetime.date(y + 1, 3, 31)) for y in range(start, end + 1)]
    periods = [(a.isoformat(), min(b, TODAY).isoformat()) for a, b in years]
    return periods + [(first_day(rows).isoformat(), TODAY.isoformat())]


def test_the_scorecard_is_the_same_for_every_year_and_the_whole_span(stores):
    first, second, rows, _, _ = stores
    adopted = 0
    for period_from, period_to in scorecard_periods(rows):
        before = cli(first, "scorecard", "--from", period_from, "--to", period_to, "--json")
        after = cli(second, "scorecard", "--from", period_from, "--to", period_to, "--json")
        assert before.exit_code == after.exit_code == 0, before.output + after.output
        assert after.stdout == before.stdout, (period_from, period_to)
        adopted = max(adopted, json.loads(before.stdout)["A1"]["children"])
    assert adopted > 100
