"""Loading the sample agency (`journey demo`, and `journey run` on an empty data directory)."""

from __future__ import annotations

from journey.domain.councils import Agency, Council
from journey.importers.milestones_file import import_household_rows, import_milestones, rows_from_dicts

SAMPLE_BY = "sample data"


def is_empty(app) -> bool:
    return not app.recorder.max_notification_id()


def load_demo(obj, as_of, echo=print) -> None:
    """Write the sample agency's file (unless the data directory has one) and
    import its households and children through the ordinary, rule-checked path."""
    from journey.domain import clock
    from journey.domain.errors import InvalidValue
    from journey.sample.agency import generate

    if as_of > clock.today():
        raise InvalidValue(f"the sample's date {as_of} is in the future")
    sample = generate(as_of)
    settings = obj.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not (settings.data_dir / "agency.toml").exists():
        councils = tuple(Council(c.name, c.code, (f"adoption.tracking@{c.name.lower()}.example",)) for c in sample.councils)
        Agency(sample.name, councils).write(settings.data_dir)
    app = obj.app
    app.agency = Agency.load(settings.data_dir)
    households = import_household_rows(app, rows_from_dicts(sample.household_rows), recorded_by=SAMPLE_BY)
    _refuse_problems(households)
    children = import_milestones(app, rows_from_dicts(sample.child_rows), recorded_by=SAMPLE_BY)
    _refuse_problems(children)
    echo(
        f"Loaded {sample.name} as of {as_of}: {len(sample.councils)} councils, "
        f"{children.children} children ({children.milestones_added} milestones), "
        f"{households.children} households."
    )


def _refuse_problems(report) -> None:
    if report.problems:
        from journey.domain.errors import JourneyError

        listed = "\n".join(str(p) for p in report.problems[:20])
        raise JourneyError(f"the sample data broke {len(report.problems)} rule(s):\n{listed}")
