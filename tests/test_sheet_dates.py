"""Dates as teams type them in their spreadsheet trackers: day first, always."""

from __future__ import annotations

import datetime

import pytest

from journey.domain import clock
from journey.domain.sheet_dates import NotADate, sheet_date

JAN_3_2018 = datetime.date(2018, 1, 3)


@pytest.fixture(autouse=True)
def this_year_2025():
    clock.set_today(datetime.date(2025, 3, 31))
    yield
    clock.set_today(None)


@pytest.mark.parametrize("cell", [
    "03/01/2018", "3/1/18", "3 Jan 2018", "3.1.18", "2018-01-03", "3/1/2018", "03-01-2018", "3 January 2018",
    "3rd Jan 18", "03-Jan-18", " 03/01/2018 ", "03/01/2018 00:00:00", "2018-01-03T00:00:00",
    datetime.datetime(2018, 1, 3), JAN_3_2018, 43103, 43103.0, "43103",
])
def test_every_form_teams_type_is_the_3rd_of_january_2018(cell):
    assert sheet_date(cell) == JAN_3_2018


@pytest.mark.parametrize("cell", [None, "", "  ", "N/A", "n/a", "-", "TBC", "tbc", "NA"])
def test_blank_and_the_words_for_not_known_are_no_date(cell):
    assert sheet_date(cell) is None


def test_a_two_digit_year_is_20yy_unless_that_is_after_this_year():
    assert sheet_date("1/2/25") == datetime.date(2025, 2, 1)
    assert sheet_date("1/2/26") == datetime.date(1926, 2, 1)
    assert sheet_date("1 Feb 99") == datetime.date(1999, 2, 1)
    assert sheet_date("1.2.00") == datetime.date(2000, 2, 1)
    clock.set_today(datetime.date(2026, 1, 1))
    assert sheet_date("1/2/26") == datetime.date(2026, 2, 1)


def test_the_day_comes_first_whatever_the_numbers():
    assert sheet_date("04/05/2019") == datetime.date(2019, 5, 4)
    assert sheet_date("12/1/19") == datetime.date(2019, 1, 12)


@pytest.mark.parametrize("cell", ["31/02/2018", "1/13/2018", "soon", "3/1", "2018", "Jan 2018", "3 Smarch 2018",
                                  "03/01-2018", 3.5, 2018, True, "Placement Order"])
def test_anything_else_is_not_a_date_and_never_guessed(cell):
    with pytest.raises(NotADate) as refused:
        sheet_date(cell)
    assert refused.value.rule == "not a date"
    assert repr(cell) in refused.value.message or str(cell) in refused.value.message
