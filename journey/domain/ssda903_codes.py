"""The DfE's SSDA903 code lists, by collection year (domain.md section 6).

The lists live in `ssda903_codes.csv` beside this module: one code a row, with the
list it belongs to, its meaning, and the first and last collection years it is
valid in (empty: from the earliest year, or still valid). A code that changed is
two rows. A collection year runs from 1 April to 31 March and is written
`2018-19`.

Where the lists changed is taken from the DfE's own validation rules as Data to
Insight publishes them (rule 146, placement types: K3 from 2024-25; H5, P2 and Z1
last in 2024-25; Z11 to Z14 from 2025-26).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import functools
import re
from pathlib import Path

CODES_FILE = Path(__file__).with_name("ssda903_codes.csv")
_YEAR = re.compile(r"(\d{4})-(\d{2})")


class NotACollectionYear(ValueError):
    """A year not written as a collection year (2018-19)."""


@dataclasses.dataclass(frozen=True)
class CollectionYear:
    """A return's year: 1 April `first` to 31 March of the year after."""

    first: int

    @classmethod
    def parse(cls, text: str) -> CollectionYear:
        """`2018-19` as a collection year; `NotACollectionYear` otherwise."""
        found = _YEAR.fullmatch((text or "").strip())
        if not found or (int(found[1]) + 1) % 100 != int(found[2]):
            raise NotACollectionYear(f"{text!r} is not a collection year: write it as 2018-19 (1 April 2018 to 31 March 2019)")
        return cls(int(found[1]))

    @classmethod
    def of(cls, day: datetime.date) -> CollectionYear:
        """The collection year `day` falls in."""
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def starts(self) -> datetime.date:
        return datetime.date(self.first, 4, 1)

    @property
    def ends(self) -> datetime.date:
        return datetime.date(self.first + 1, 3, 31)

    def holds(self, day: datetime.date) -> bool:
        return self.starts <= day <= self.ends

    def __str__(self) -> str:
        return f"{self.first}-{(self.first + 1) % 100:02d}"


@dataclasses.dataclass(frozen=True)
class Code:
    code: str
    meaning: str
    first_year: CollectionYear | None
    last_year: CollectionYear | None

    def valid_in(self, year: CollectionYear | None) -> bool:
        """Whether the code is in its list in `year` (None: in the latest year)."""
        if year is None:
            return self.last_year is None
        return (self.first_year is None or self.first_year.first <= year.first) and (
            self.last_year is None or year.first <= self.last_year.first
        )


@dataclasses.dataclass(frozen=True)
class CodeLists:
    """Every list, by its name as the return's column names it (`PLACE`, `REC`, ...)."""

    lists: dict[str, tuple[Code, ...]]

    def valid(self, name: str, code: str, year: CollectionYear | None) -> bool:
        """Whether `code` is in the list `name` in the collection year `year`."""
        return any(c.code == code and c.valid_in(year) for c in self.lists[name])

    def codes(self, name: str, year: CollectionYear | None) -> list[str]:
        """The codes of the list `name` valid in `year`, in the file's order."""
        return [c.code for c in self.lists[name] if c.valid_in(year)]

    def meaning(self, name: str, code: str) -> str | None:
        return next((c.meaning for c in self.lists[name] if c.code == code), None)

    def why_not(self, name: str, code: str, year: CollectionYear | None) -> str:
        """Why `code` is refused in `year`: not in the list at all, or not in that year's."""
        when = f" in {year}" if year else ""
        other = [c for c in self.lists[name] if c.code == code]
        if other:
            spans = "; ".join(
                f"from {c.first_year or 'the earliest year'} to {c.last_year or 'now'}" for c in other
            )
            return f"{name} {code!r} is not a code of the DfE's list{when} (it is valid {spans})"
        return f"{name} {code!r} is not a DfE code (the list{when}: {', '.join(self.codes(name, year))})"


@functools.cache
def code_lists(path: Path = CODES_FILE) -> CodeLists:
    """The code lists kept in `path` (read once)."""
    lists: dict[str, list[Code]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            first = CollectionYear.parse(row["first_year"]) if row["first_year"] else None
            last = CollectionYear.parse(row["last_year"]) if row["last_year"] else None
            lists.setdefault(row["list"], []).append(Code(row["code"], row["meaning"], first, last))
    return CodeLists({name: tuple(codes) for name, codes in lists.items()})
