"""The 903 code lists by collection year, and the return's tables recognised by their columns."""

from __future__ import annotations

import datetime

import pytest

from journey.domain.ssda903_codes import CollectionYear, NotACollectionYear, code_lists
from journey.importers.ssda903_tables import TABLE_COLUMNS, TablesRefused, read_tables, recognise


def test_a_collection_year_runs_from_april_to_march():
    year = CollectionYear.parse("2018-19")
    assert (year.starts, year.ends, str(year)) == (datetime.date(2018, 4, 1), datetime.date(2019, 3, 31), "2018-19")
    assert CollectionYear.of(datetime.date(2019, 3, 31)) == year and CollectionYear.of(datetime.date(2019, 4, 1)) == CollectionYear(2019)
    for wrong in ("2018-20", "2018", "18-19", "2018/19"):
        with pytest.raises(NotACollectionYear):
            CollectionYear.parse(wrong)


def test_placement_types_changed_by_year():
    codes = code_lists()
    y2324, y2425, y2526 = (CollectionYear.parse(y) for y in ("2023-24", "2024-25", "2025-26"))
    assert codes.valid("PLACE", "A5", y2324) and codes.valid("PLACE", "A5", y2526)
    assert not codes.valid("PLACE", "K3", y2324) and codes.valid("PLACE", "K3", y2425)
    assert codes.valid("PLACE", "Z1", y2425) and not codes.valid("PLACE", "Z1", y2526)
    assert not codes.valid("PLACE", "Z11", y2425) and codes.valid("PLACE", "Z11", y2526)
    assert "valid from the earliest year to 2024-25" in codes.why_not("PLACE", "Z1", y2526)
    assert "not a DfE code" in codes.why_not("PLACE", "A2", y2526)


@pytest.mark.parametrize("name, good, bad", [
    ("LS", "E1", "E2"), ("RNE", "S", "X"), ("REC", "E11", "E10"), ("REASON_PLACED_CEASED", "RD4", "RD5"),
    ("ETHNIC", "MWBC", "WHIT"), ("SEX", "2", "0"), ("FOSTER_CARE", "1", "2"), ("NB_ADOPTR", "2", "3"),
    ("SEX_ADOPTR", "MF", "FM"), ("LS_ADOPTR", "L12", "L1"),
])
def test_each_list_holds_its_codes_and_no_others(name, good, bad):
    codes = code_lists()
    year = CollectionYear.parse("2018-19")
    assert codes.valid(name, good, year) and not codes.valid(name, bad, year)


def write(path, header, *rows):
    path.write_text("\n".join([",".join(header), *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")


def test_tables_are_recognised_by_their_columns_whatever_the_files_are_called(tmp_path):
    for table, columns in TABLE_COLUMNS.items():
        assert recognise([c.lower() for c in columns]) == table
    write(tmp_path / "SSDA903_2018_episodes.csv", TABLE_COLUMNS["Episodes"])
    write(tmp_path / "kids.csv", TABLE_COLUMNS["Header"], ["C1", "1", "01/02/2017", "WBRI", "", "", ""])
    write(tmp_path / "missing.csv", ("CHILD", "MISSING", "MIS_START", "MIS_END"), ["C1", "M", "01/01/2018", ""])
    (tmp_path / "notes.txt").write_text("not a table")
    tables = read_tables(tmp_path)
    assert tables.files == {"Episodes": "SSDA903_2018_episodes.csv", "Header": "kids.csv", "Missing": "missing.csv"}
    assert [(r.file, r.number, r["DOB"]) for r in tables.of("Header")] == [("kids.csv", 2, "01/02/2017")]
    assert tables.of("Missing") == [] and tables.of("AD1") == []


def test_a_folder_that_is_not_a_return_is_refused_naming_the_file(tmp_path):
    write(tmp_path / "episodes.csv", TABLE_COLUMNS["Episodes"])
    with pytest.raises(TablesRefused, match="no Header table"):
        read_tables(tmp_path)
    write(tmp_path / "header.csv", TABLE_COLUMNS["Header"])
    write(tmp_path / "other.csv", ("CHILD", "NAME"))
    with pytest.raises(TablesRefused, match="other.csv: row 1: its columns are those of no table"):
        read_tables(tmp_path)
    (tmp_path / "other.csv").unlink()
    write(tmp_path / "header2.csv", TABLE_COLUMNS["Header"])
    with pytest.raises(TablesRefused, match="header2.csv: is the Header table, as header.csv is"):
        read_tables(tmp_path)
    write(tmp_path / "header2.csv", ("CHILD", "SEX", "DOB", "ETHNIC", "SEX"))
    with pytest.raises(TablesRefused, match="header2.csv: row 1: the header names SEX more than once"):
        read_tables(tmp_path)
    write(tmp_path / "header2.csv", TABLE_COLUMNS["AD1"], ["C1", "1"])
    with pytest.raises(TablesRefused, match="header2.csv: row 2: 2 cells, but the header names 8 columns"):
        read_tables(tmp_path)
    (tmp_path / "header2.csv").write_bytes(b"CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\nC\xe91,,,,\n")
    with pytest.raises(TablesRefused, match="header2.csv: row 2: not UTF-8"):
        read_tables(tmp_path)
