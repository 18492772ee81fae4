"""Run the DfE's 903 validation rules (Data to Insight's `csc-validator-be-903`) on
a folder of 903 tables, and print the failures as JSON.

This runs in the validator's own virtual environment (it needs pandas below 2),
never the tracker's: `make validator903` makes it, and the tests call it as
    VENV/bin/python tests/validator903/validate.py --year 2018-19 THIS_DIR [--previous PREV_DIR]
It prints {"failures": [{"rule", "table", "child", "row", "rule_tables", "message"}, ...]}, one per
failing row, with the rules run and skipped.
The validator's rule sets start at 2022-23: earlier years get the oldest.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
from pathlib import Path

from lac_validator import lac_validator
from lac_validator.report import Report
from lac_validator.utils import process_uploaded_files

FIRST_RULESET = 2022


def ruleset_of(first_year: int):
    for year in range(max(first_year, FIRST_RULESET), FIRST_RULESET - 1, -1):
        try:
            return importlib.import_module(f"lac_validator.rules.lac{year}_{(year + 1) % 100:02d}").registry
        except ModuleNotFoundError:
            continue
    raise SystemExit(f"no rule set for {first_year}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", required=True)
    parser.add_argument("this", type=Path)
    parser.add_argument("--previous", type=Path, default=None)
    parser.add_argument("--la", default="E08000026")  # Coventry's ONS code
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    first_year = int(args.year[:4])
    files = {"This year": [str(p) for p in sorted(args.this.glob("*.csv"))]}
    if args.previous:
        files["Prev year"] = [str(p) for p in sorted(args.previous.glob("*.csv"))]
    registry = ruleset_of(first_year)
    validator = lac_validator.LacValidator(
        metadata={"collectionYear": str(first_year + 1), "localAuthority": args.la},
        files=process_uploaded_files(files), registry=registry, selected_rules=None,
    )
    report = Report(validator.ds_results, registry).report
    failures = []
    for column in [c for c in report.columns if str(c).startswith("ERR_")]:
        for _, row in report[report[column] == True].iterrows():  # noqa: E712
            rule = registry.get(column[4:])
            failures.append({"rule": column[4:], "table": row["Table"], "child": str(row["CHILD"]), "row": int(row["RowID"]),
                             "rule_tables": sorted(getattr(rule, "tables", None) or []),
                             "message": getattr(rule, "message", "")})
    print(json.dumps({"failures": failures, "rules_run": sorted(validator.dones), "rules_skipped": sorted(validator.skips)}))


if __name__ == "__main__":
    main()
