"""The SSDA903 import as a unit of work, against the milestones import of the same journeys.

    .venv/bin/python bench/ssda903.py [--children 10000] [--runs 3]

Generates N children's journeys of the milestones the 903 carries (entered care,
decision, placement order, match, placement, adoption order; one in five
fostered for adoption first, then adopted by those carers), and writes them both
as a milestones file and as a council's 903 history (Header, Episodes, AD1 and
PlacedAdoption, the episodes rebuilt from the milestones as the export rebuilds
them). Each run, into empty data directories, times until each returns:

- `Tracker.import_milestones` of the file (the baseline);
- `Tracker.import_ssda903` of the tables (every row checked against the year's
  code lists, the milestones derived, paired with the tracker's, the whole
  journeys checked, written, read models caught up, alerts swept).

Both write the same milestones, households and households' copies (the 903 import
also each household's adopters' details), so the figure is events per second;
the target is at least 0.8 of the milestones import's. Then `journey check` (the
service's) over the 903 import's store: the first, which works out every child's
findings into their read model, again (a query), and after one more milestone
(that child worked out again); target under 5 s. Prints each run, then min /
median / max.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]
import _stores  # noqa: E402

from journey.domain import clock  # noqa: E402
from journey.domain.milestones import Milestone  # noqa: E402
from journey.domain.ssda903_episodes import date903, episodes_of  # noqa: E402
from journey.importers.ssda903_tables import TABLE_COLUMNS  # noqa: E402
from journey.service import Tracker  # noqa: E402
from journey.settings import Settings  # noqa: E402

COUNCIL = "Coventry"


def journeys(n: int, seed: int = 903) -> list[tuple[str, datetime.date, list[tuple]]]:
    """(child_ref, date of birth, steps): the milestones the 903 carries, in order."""
    rng = random.Random(seed)
    found = []
    for i in range(n):
        ref, household = f"C{i:06d}", f"H{i:06d}"
        day = _stores.TODAY - datetime.timedelta(days=rng.randint(900, 3000))
        born = day - datetime.timedelta(days=rng.randint(0, 1500))
        fostered = i % 5 == 0
        steps = [("entered_care", {"legal_status": "C1"})]
        if fostered:
            steps.append(("early_permanence_placement", {"household": household}))
        steps += [("adm_decision", {}), ("placement_order", {"authority": "placement_order"}),
                  ("matched", {"household": household}),
                  ("placed", {"household": household, "foster_carer_adoption": fostered})]
        dated = []
        for name, details in steps:
            day += datetime.timedelta(days=rng.randint(5, 60))
            dated.append((name, day, details))
        day += datetime.timedelta(days=rng.randint(100, 200))
        dated.append(("adoption_order", min(day, _stores.TODAY), {"household": household}))
        if fostered:  # moved in with the carers when they fostered
            name, placed_on, details = dated[-2]
            dated[-2] = (name, placed_on, {**details, "moved_in_on": dated[1][1]})
        found.append((ref, born, dated))
    return found


def milestones_file(children, path: Path) -> Path:
    rows = []
    for ref, born, steps in children:
        for name, day, details in steps:
            rows.append({"child_ref": ref, "local_authority": COUNCIL, "milestone": name, "occurred_on": day.isoformat(),
                         "date_of_birth": born.isoformat(), "sex": "1", "ethnicity": "WBRI",
                         **{k: (v.isoformat() if isinstance(v, datetime.date) else "yes" if v is True else "no" if v is False else v)
                            for k, v in details.items()}})
    return _stores.write_file(rows, path)


def return_tables(children, folder: Path) -> Path:
    """The journeys as a 903 history: every episode once, every decision, every adoption's AD1."""
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[dict]] = {t: [] for t in ("Header", "Episodes", "AD1", "PlacedAdoption")}
    for ref, born, steps in children:
        journey = [Milestone(i, name, day, details) for i, (name, day, details) in enumerate(steps, start=1)]
        dob = date903(born)
        tables["Header"].append({"CHILD": ref, "SEX": "1", "DOB": dob, "ETHNIC": "WBRI", "UPN": "UN4", "MOTHER": "", "MC_DOB": ""})
        episodes, _ = episodes_of(journey, lambda reason: "E8")
        for e in episodes:
            tables["Episodes"].append({"CHILD": ref, "DECOM": date903(e.decom), "RNE": e.rne, "LS": e.ls, "CIN": "N1",
                                       "PLACE": e.place, "PLACE_PROVIDER": "PR1", "DEC": date903(e.dec), "REC": e.rec,
                                       "REASON_PLACE_CHANGE": "", "HOME_POST": "", "PL_POST": "", "URN": "XXXXXXX"})
        on = {name: day for name, day, _ in steps}
        tables["PlacedAdoption"].append({"CHILD": ref, "DOB": dob, "DATE_PLACED": date903(on["adm_decision"]),
                                         "DATE_PLACED_CEASED": "", "REASON_PLACED_CEASED": ""})
        tables["AD1"].append({"CHILD": ref, "DOB": dob, "DATE_INT": date903(on["adm_decision"]), "DATE_MATCH": date903(on["matched"]),
                              "FOSTER_CARE": "1" if "early_permanence_placement" in on else "0",
                              "NB_ADOPTR": "2", "SEX_ADOPTR": "MF", "LS_ADOPTR": "L11"})
    for table, rows in tables.items():
        with open(folder / f"{table.lower()}.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(TABLE_COLUMNS[table]))
            writer.writeheader()
            writer.writerows(rows)
    return folder


def timed(what, data_dir: Path) -> dict:
    (data_dir).mkdir(parents=True)
    (data_dir / "agency.toml").write_text('name = "Bench"\n\n[[councils]]\nname = "Coventry"\ncode = "331"\n')
    service = Tracker(Settings(data_dir=data_dir))
    started = time.perf_counter()
    done = what(service)
    seconds = time.perf_counter() - started
    events = service.log_length()
    assert not done.get("problems"), done["problems"][:5]
    _stores.close(service)
    return {"seconds": seconds, "events": events, "rate": events / seconds, "done": done}


def one_run(file: Path, tables: Path, tmp: Path, n: int) -> dict:
    base = timed(lambda s: s.import_milestones(file, recorded_by="bench"), tmp / f"milestones-{n}")
    ours = timed(lambda s: s.import_ssda903(tables, la=COUNCIL, recorded_by="bench"), tmp / f"ssda903-{n}")
    return {"base": base, "ours": ours, "ratio": ours["rate"] / base["rate"], **checks(tmp / f"ssda903-{n}")}


def checks(data_dir: Path) -> dict:
    """`journey check` (the service's) over the imported store: the first (which works
    out every child's findings), then again, then after one more milestone."""
    service = Tracker(Settings(data_dir=data_dir))
    figures = {}
    for label in ("check, first", "check, again", "check, one more milestone"):
        if label.endswith("milestone"):
            service.record(COUNCIL, "C000001", "register_referral", "2020-01-01", recorded_by="bench")
        started = time.perf_counter()
        found = service.check()
        figures[label] = time.perf_counter() - started
    figures["checked"], figures["problems"] = found["children"], len(found["problems"])
    _stores.close(service)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    clock.set_today(_stores.TODAY)
    children = journeys(args.children)
    with tempfile.TemporaryDirectory(prefix="bench-ssda903-") as tmp:
        tmp = Path(tmp)
        file = milestones_file(children, tmp / "milestones.csv")
        tables = return_tables(children, tmp / "return")
        rows = sum(1 for p in tables.glob("*.csv") for _ in open(p)) - 4
        print(f"children: {args.children}, 903 rows: {rows}, runs: {args.runs}; {_stores.load()}", flush=True)
        runs = []
        for n in range(1, args.runs + 1):
            r = one_run(file, tables, tmp, n)
            runs.append(r)
            print(f"run {n}: milestones import {r['base']['seconds']:.1f} s ({r['base']['events']} events, "
                  f"{r['base']['rate']:.0f}/s); 903 import {r['ours']['seconds']:.1f} s ({r['ours']['events']} events, "
                  f"{r['ours']['rate']:.0f}/s): {r['ratio']:.2f}; journey check over {r['checked']} children: first "
                  f"{r['check, first']:.1f} s, again {r['check, again']:.2f} s, after one more milestone "
                  f"{r['check, one more milestone']:.2f} s ({r['problems']} problems)", flush=True)
    r = runs[0]["ours"]["done"]
    print(f"the 903 import: {r['milestones_added']} milestones, {r['households_described']} households' adopters, "
          f"{len(r['warnings'])} warnings")

    def line(label: str, values: list[float], fmt: str, unit: str) -> None:
        values = sorted(values)
        print(f"  {label:<34} {values[0]:{fmt}} {statistics.median(values):{fmt}} {values[-1]:{fmt}} {unit}")

    print(f"  {'':<34} {'min':>7} {'median':>7} {'max':>7}")
    line("milestones import", [x["base"]["seconds"] for x in runs], "7.1f", "s")
    line("903 import", [x["ours"]["seconds"] for x in runs], "7.1f", "s")
    line("milestones import, events/s", [x["base"]["rate"] for x in runs], "7.0f", "")
    line("903 import, events/s", [x["ours"]["rate"] for x in runs], "7.0f", "")
    line("903 / milestones (events/s)", [x["ratio"] for x in runs], "7.2f", "")
    for label in ("check, first", "check, again", "check, one more milestone"):
        line(f"journey {label}", [x[label] for x in runs], "7.2f", "s")
    print(f"ratio: {statistics.median(x['ratio'] for x in runs):.2f} (median of {len(runs)}) of the milestones import's "
          f"events per second (target 0.8)")
    print(f"at the end: {_stores.load()}")


if __name__ == "__main__":
    main()
