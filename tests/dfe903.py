"""The DfE's 903 validation rules as an independent check of the tracker's export.

Data to Insight publishes them as `csc-validator-be-903`, which needs pandas below
2: it runs in a virtualenv of its own (`make validator903`, `.venv-903`), never
the tracker's. `validator_python()` makes that virtualenv when it is missing (the
same commands as the make target: the package and its dependencies at the exact
versions of `requirements-903.lock`) and gives its python; `validate(folder, year,
previous=...)` runs `tests/validator903/validate.py` there.

The rules that concern adoption (those the export must pass): every rule that reads AD1 or
PlacedAdoption, and codes 112 to 120, 134, 151, 175 to 177, 184, 187, 199, 217,
331, 333 to 336, 386, 390, 408, 445, 446, 451, 511, 514, 517 to 525, 551 to 561,
563, 579, 582 to 584, 601, 602 and 1003.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("VALIDATOR903_VENV", ROOT / ".venv-903"))
RUNNER = ROOT / "tests" / "validator903" / "validate.py"
PACKAGE = "csc-validator-be-903==0.1.17"
LOCK = ROOT / "requirements-903.lock"  # its dependencies' exact versions (a constraints file)

ADOPTION_CODES = frozenset(
    {str(n) for low, high in ((112, 120), (175, 177), (333, 336), (517, 525), (551, 561), (582, 584)) for n in range(low, high + 1)}
    | {"134", "151", "184", "187", "199", "217", "331", "386", "390", "408", "445", "446", "451", "511", "514", "563",
       "579", "601", "602", "1003"}
)
ADOPTION_TABLES = frozenset({"AD1", "PlacedAdoption", "AD1_last", "PlacedAdoption_last"})


class ValidatorUnavailable(Exception):
    pass


def validator_python() -> Path:
    """The python of the validator's own virtualenv, made (once) when missing."""
    python = VENV / "bin" / "python"
    if (VENV / ".installed").exists():
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True)
        subprocess.run([str(python), "-m", "pip", "install", "-c", str(LOCK), PACKAGE], check=True, capture_output=True, text=True,
                       env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    except subprocess.CalledProcessError as error:
        raise ValidatorUnavailable(f"could not install {PACKAGE} into {VENV}: {(error.stderr or '')[-500:]}") from None
    (VENV / ".installed").touch()
    return python


def validate(folder: Path, year: str, *, previous: Path | None = None) -> list[dict]:
    """Every failing row the DfE's rules for `year` find in the tables in `folder`
    (with the previous year's tables, for the rules that compare them)."""
    command = [str(validator_python()), str(RUNNER), "--year", year, str(folder)]
    if previous is not None:
        command += ["--previous", str(previous)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"the validator failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)["failures"]


def concerns_adoption(failure: dict) -> bool:
    code = "".join(ch for ch in failure["rule"] if ch.isdigit())
    return code in ADOPTION_CODES or bool(ADOPTION_TABLES & set(failure["rule_tables"]))
