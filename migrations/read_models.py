"""The read models' schema, one sqlite-utils migration at a time.

Dates are ISO text (`YYYY-MM-DD`), so they sort and compare as dates. Nothing
here depends on today: days in a stage and days waiting are computed when a
query runs, from the start dates stored here.

Tables:

- `tracking`: the projection's position in the event log (last notification id
  applied) and `generation`, bumped when the read models are emptied for a
  rebuild (so a process that was catching up notices it was overtaken).
- `streams`: one row per child or household stream: `stream_id` (the event
  store's originator id) and `stream_no`, the projection's own number for it in
  the order first seen, which keys every other table (so a rebuild appends rows
  in log order instead of scattering them by random ids); who it is; a child's
  attributes as JSON.
- `milestones`: every milestone of every stream as it currently stands
  (corrections applied; `withdrawn` 1 for a milestone recorded in error).
- `dirty_streams`: households whose derived rows wait to be recomputed (written
  in the same transaction as their milestones; emptied by the end of a catch-up).
- `children`: each child's stage, the dates of the current period of care, and
  the "harder to place" flags that do not depend on today.
- `measure_dates`: each adopted child's scorecard dates and days per measure.
- `scorecard_days` (m002): those days summed by council and day of adoption
  order (triggers on `measure_dates` keep it), which is what a scorecard reads.
- `households`: each household's pipeline stage and latest dates.
- `approvals`: each approval of a household and its match or withdrawal (A11, A12).
- `clocks`: every timescale clock (domain.md section 5) of every stream.
- `deferred_indexes`: secondary indexes dropped while a long catch-up (a
  rebuild) runs, with the SQL that recreates them when it ends.
- `check_findings`, `check_children`, `household_adopters` (m003): what `journey
  check` lists, kept by a projection of its own (`projections/checks.py`).
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("journey_read_models")

PROJECTION = "read_models"

# Tables a replay from the start empties (everything the log is projected into).
PROJECTED_TABLES = (
    "streams",
    "milestones",
    "dirty_streams",
    "children",
    "measure_dates",
    "scorecard_days",
    "households",
    "approvals",
    "clocks",
)


@MIGRATIONS()
def m001_read_models(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE tracking (
            projection TEXT PRIMARY KEY,
            position INTEGER NOT NULL,
            generation INTEGER NOT NULL,
            rules TEXT,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE streams (
            stream_no INTEGER PRIMARY KEY,
            stream_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('child', 'household')),
            local_authority TEXT,
            la_key TEXT,
            child_ref TEXT,
            household_ref TEXT,
            interagency INTEGER,
            attributes TEXT NOT NULL
        );

        CREATE TABLE milestones (
            stream_no INTEGER NOT NULL,
            event_id INTEGER NOT NULL,
            name TEXT NOT NULL,
            occurred_on TEXT NOT NULL,
            details TEXT NOT NULL,
            withdrawn INTEGER NOT NULL,
            PRIMARY KEY (stream_no, event_id)
        ) WITHOUT ROWID;
        CREATE INDEX milestones_by_name ON milestones (name, occurred_on);

        CREATE TABLE dirty_streams (
            stream_no INTEGER PRIMARY KEY
        );

        CREATE TABLE children (
            stream_no INTEGER PRIMARY KEY,
            stream_id TEXT NOT NULL,
            local_authority TEXT NOT NULL,
            la_key TEXT NOT NULL,
            child_ref TEXT NOT NULL,
            date_of_birth TEXT,
            sex TEXT,
            ethnicity TEXT,
            disability INTEGER,
            sibling_group TEXT,
            stage TEXT NOT NULL,
            stage_since TEXT,
            entered_care_on TEXT,
            decision_on TEXT,
            order_on TEXT,
            authority_on TEXT,
            matched_on TEXT,
            placed_on TEXT,
            left_care_on TEXT,
            adoption_order_on TEXT,
            waiting INTEGER NOT NULL,
            in_sibling_group INTEGER NOT NULL,
            bame INTEGER NOT NULL,
            disabled INTEGER NOT NULL,
            aged_5_plus_at_decision INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX children_by_ref ON children (la_key, child_ref);
        CREATE INDEX children_by_stage ON children (stage, la_key);

        CREATE TABLE measure_dates (
            stream_no INTEGER PRIMARY KEY,
            local_authority TEXT NOT NULL,
            la_key TEXT NOT NULL,
            child_ref TEXT NOT NULL,
            adoption_order_on TEXT NOT NULL,
            placed_on TEXT,
            entered_care_on TEXT,
            moved_in_on TEXT,
            authority_on TEXT,
            matched_on TEXT,
            data_quality TEXT,
            a1_days INTEGER,
            a2_days INTEGER,
            a10_days INTEGER,
            within_14_months INTEGER
        );
        -- Covering indexes: a scorecard is a range scan of one of them.
        CREATE INDEX measure_dates_by_order ON measure_dates
            (adoption_order_on, a1_days, a2_days, a10_days, within_14_months);
        CREATE INDEX measure_dates_by_la_order ON measure_dates
            (la_key, adoption_order_on, a1_days, a2_days, a10_days, within_14_months);

        CREATE TABLE households (
            stream_no INTEGER PRIMARY KEY,
            stream_id TEXT NOT NULL,
            household_ref TEXT NOT NULL,
            interagency INTEGER NOT NULL,
            stage TEXT,
            stage_since TEXT,
            registration_of_interest_on TEXT,
            stage1_started_on TEXT,
            stage1_completed_on TEXT,
            stage2_started_on TEXT,
            approved_on TEXT,
            matched_on TEXT,
            placed_on TEXT,
            adoption_order_on TEXT,
            withdrawn_on TEXT,
            waiting_since TEXT
        );
        CREATE INDEX households_by_stage ON households (stage);

        CREATE TABLE approvals (
            stream_no INTEGER NOT NULL,
            household_ref TEXT NOT NULL,
            approved_on TEXT NOT NULL,
            matched_on TEXT,
            withdrawn_on TEXT,
            PRIMARY KEY (stream_no, approved_on)
        ) WITHOUT ROWID;
        CREATE INDEX approvals_by_matched ON approvals (matched_on);

        CREATE TABLE clocks (
            stream_no INTEGER NOT NULL,
            stream_id TEXT NOT NULL,
            subject TEXT NOT NULL CHECK (subject IN ('child', 'household')),
            child_ref TEXT,
            local_authority TEXT,
            la_key TEXT,
            household_ref TEXT,
            rule_id TEXT NOT NULL,
            started_on TEXT NOT NULL,
            due_on TEXT NOT NULL,
            warn_on TEXT,
            alert_from TEXT NOT NULL,
            stopped_on TEXT,
            stopped_by TEXT,
            running INTEGER NOT NULL,
            stops TEXT NOT NULL,
            PRIMARY KEY (stream_no, rule_id, started_on)
        ) WITHOUT ROWID;
        CREATE INDEX clocks_by_due ON clocks (due_on);
        CREATE INDEX clocks_by_warn ON clocks (warn_on);
        CREATE INDEX clocks_running_by_alert ON clocks (running, alert_from);
        CREATE INDEX clocks_by_stop ON clocks (stopped_on);

        CREATE TABLE deferred_indexes (
            name TEXT PRIMARY KEY,
            sql TEXT NOT NULL
        );
        """
    )
    db.execute(
        "INSERT INTO tracking (projection, position, generation, rules, updated_at)"
        " VALUES (?, 0, 1, NULL, datetime('now'))",
        [PROJECTION],
    )


@MIGRATIONS()
def m002_scorecard_by_day(db: Database) -> None:
    """A scorecard sums days, not children: `scorecard_days`, kept by triggers and
    filled here from the rows already held; the data-quality list gets its own
    small index; an alert's clock is found by stream id, rule and start."""
    # A rebuild may have dropped these for now: forget the old definitions.
    db.execute(
        "DELETE FROM deferred_indexes WHERE name IN ('measure_dates_by_order', 'measure_dates_by_la_order')"
    )
    db.executescript(
        """
        DROP INDEX IF EXISTS measure_dates_by_order;
        DROP INDEX IF EXISTS measure_dates_by_la_order;
        CREATE INDEX measure_dates_by_order ON measure_dates (adoption_order_on);
        -- The few children whose record changes the measures, found without a scan
        -- (the index of a scorecard's data-quality list, with or without a council).
        CREATE INDEX measure_dates_with_problems ON measure_dates (adoption_order_on, la_key)
            WHERE data_quality IS NOT NULL;

        -- Each measure's children and days summed by day of adoption order, per
        -- council and (la_key '') for all councils: a scorecard sums at most one
        -- row a day of its period, however many children the read models hold.
        CREATE TABLE scorecard_days (
            la_key TEXT NOT NULL,
            adoption_order_on TEXT NOT NULL,
            children INTEGER NOT NULL,
            a1_children INTEGER NOT NULL,
            a1_days INTEGER NOT NULL,
            a2_children INTEGER NOT NULL,
            a2_days INTEGER NOT NULL,
            a10_children INTEGER NOT NULL,
            a10_days INTEGER NOT NULL,
            a3_children INTEGER NOT NULL,
            a3_within INTEGER NOT NULL,
            PRIMARY KEY (la_key, adoption_order_on)
        ) WITHOUT ROWID;
        -- An alert names its clock by stream id, rule and start.
        CREATE INDEX clocks_by_stream ON clocks (stream_id, rule_id, started_on);
        """
    )
    sums = (
        "count(*), count(a1_days), coalesce(sum(a1_days), 0), count(a2_days), coalesce(sum(a2_days), 0),"
        " count(a10_days), coalesce(sum(a10_days), 0), count(within_14_months), coalesce(sum(within_14_months), 0)"
    )
    db.execute(f"INSERT INTO scorecard_days SELECT la_key, adoption_order_on, {sums} FROM measure_dates GROUP BY 1, 2")
    db.execute(f"INSERT INTO scorecard_days SELECT '', adoption_order_on, {sums} FROM measure_dates GROUP BY 2")
    for event in ("INSERT", "DELETE"):
        for la_key in ("la_key", "''"):
            db.executescript(_scorecard_trigger(event, la_key))


@MIGRATIONS()
def m003_record_checks(db: Database) -> None:
    """What `journey check` lists, kept by a projection of its own (`checks` in
    `tracking`, caught up by every command, `journey check` and the scheduler, after
    the read models it reads): each child's problems to fix (`check_findings`: year '' for the
    gaps and the adopters' details, a collection year for the DfE's adoption
    rules), the household each child's findings read the adopters of
    (`check_children`), and each household's adopters' details (`household_adopters`).
    Keyed by stream id; emptied and made again when the read models are rebuilt
    (their `generation` moves)."""
    db.executescript(
        """
        CREATE TABLE check_findings (
            stream_id TEXT NOT NULL,
            local_authority TEXT NOT NULL,
            la_key TEXT NOT NULL,
            child_ref TEXT NOT NULL,
            year TEXT NOT NULL,
            rule TEXT NOT NULL,
            message TEXT NOT NULL,
            to_record TEXT NOT NULL
        );
        CREATE INDEX check_findings_by_stream ON check_findings (stream_id);
        CREATE INDEX check_findings_by_la ON check_findings (la_key, child_ref);
        CREATE TABLE check_children (
            stream_id TEXT PRIMARY KEY,
            household_ref TEXT
        );
        CREATE INDEX check_children_by_household ON check_children (household_ref);
        CREATE TABLE household_adopters (
            household_ref TEXT PRIMARY KEY,
            number TEXT,
            sex TEXT,
            legal_status TEXT
        );
        INSERT INTO tracking (projection, position, generation, rules, updated_at)
            VALUES ('checks', 0, -1, NULL, datetime('now'));
        """
    )


def _scorecard_trigger(event: str, la_key: str) -> str:
    """A trigger adding (INSERT) or taking away (DELETE) a measure_dates row's part
    in `scorecard_days`, for its council or (la_key '') for all councils."""
    measures = ("a1_days", "a2_days", "a10_days")
    name = f"scorecard_days_{event.lower()}_{'council' if la_key == 'la_key' else 'all'}"
    if event == "INSERT":
        values = ", ".join(
            [f"NEW.{la_key}" if la_key == "la_key" else "''", "NEW.adoption_order_on", "1"]
            + [f"NEW.{m} IS NOT NULL, coalesce(NEW.{m}, 0)" for m in measures]
            + ["NEW.within_14_months IS NOT NULL", "coalesce(NEW.within_14_months, 0)"]
        )
        sums = ", ".join(
            f"{c} = {c} + excluded.{c}"
            for c in ("children", "a1_children", "a1_days", "a2_children", "a2_days",
                      "a10_children", "a10_days", "a3_children", "a3_within")
        )
        body = f"INSERT INTO scorecard_days VALUES ({values}) ON CONFLICT (la_key, adoption_order_on) DO UPDATE SET {sums};"
    else:
        key = f"la_key = {'OLD.la_key' if la_key == 'la_key' else chr(39) * 2} AND adoption_order_on = OLD.adoption_order_on"
        takes = ", ".join(
            ["children = children - 1"]
            + [f"{m[:-5]}_children = {m[:-5]}_children - (OLD.{m} IS NOT NULL), {m} = {m} - coalesce(OLD.{m}, 0)" for m in measures]
            + ["a3_children = a3_children - (OLD.within_14_months IS NOT NULL)",
               "a3_within = a3_within - coalesce(OLD.within_14_months, 0)"]
        )
        body = f"UPDATE scorecard_days SET {takes} WHERE {key}; DELETE FROM scorecard_days WHERE {key} AND children = 0;"
    return f"\n        CREATE TRIGGER {name} AFTER {event} ON measure_dates BEGIN {body} END;\n"


def replay_from_start(db: Database) -> None:
    """Empty every projected table and set the position back to 0 (in the caller's
    transaction): the next catch-up rebuilds the read models from the log."""
    for table in PROJECTED_TABLES:
        db.execute(f"DELETE FROM {table}")
    db.execute(
        "UPDATE tracking SET position = 0, generation = generation + 1, rules = NULL,"
        " updated_at = datetime('now') WHERE projection = ?",
        [PROJECTION],
    )
