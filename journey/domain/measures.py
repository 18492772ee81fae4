"""Where the national measures used to live, kept so that existing imports work.

The measures are now in small modules, each named for what it holds; import from
them:

- `journey.domain.calendar`: months, working days, financial periods;
- `journey.domain.measure_dates`: an adopted child's measure dates;
- `journey.domain.waiting`: the current period of care, and who is waiting;
- `journey.domain.scorecard`: A1, A2, A3, A10, thresholds, averages, percents;
- `journey.domain.adopters`: approvals' waits, A11, A12;
- `journey.domain.board`: the board report's context counts.

Nothing is defined here.
"""

from journey.domain.adopters import (
    A12_MONTHS,
    A12Measure,
    AdopterWait,
    a12,
    approval_waits,
    households_waiting,
    waited_months,
)
from journey.domain.board import BoardCounts, board_counts
from journey.domain.calendar import (
    add_months,
    financial_year_of,
    parse_financial_year,
    parse_period,
    parse_quarter,
)
from journey.domain.measure_dates import (
    LAST_PLACEMENT_DISRUPTED,
    NO_ENTRY_TO_CARE,
    NO_MATCH,
    NO_PLACEMENT,
    NO_PLACEMENT_ORDER,
    ChildMeasureDates,
    MeasureDates,
    child_measure_dates,
    measure_dates,
    measure_dates_of_journey,
)
from journey.domain.scorecard import (
    A3_MONTHS,
    THRESHOLDS_FILE,
    AverageMeasure,
    DataQualityProblem,
    Scorecard,
    Thresholds,
    ThresholdTable,
    WithinMeasure,
    a1_days,
    a2_days,
    a10_days,
    average_days,
    in_cohort,
    load_thresholds,
    percent,
    placed_within_14_months,
    scorecard,
    thresholds_from_toml,
)
from journey.domain.waiting import CurrentDates, current_dates, current_dates_of_journey, days_waiting

__all__ = [
    "A12_MONTHS", "A12Measure", "AdopterWait", "a12", "approval_waits", "households_waiting", "waited_months",
    "BoardCounts", "board_counts",
    "add_months", "financial_year_of", "parse_financial_year", "parse_period", "parse_quarter",
    "LAST_PLACEMENT_DISRUPTED", "NO_ENTRY_TO_CARE", "NO_MATCH", "NO_PLACEMENT", "NO_PLACEMENT_ORDER",
    "ChildMeasureDates", "MeasureDates", "child_measure_dates", "measure_dates", "measure_dates_of_journey",
    "A3_MONTHS", "THRESHOLDS_FILE", "AverageMeasure", "DataQualityProblem", "Scorecard", "Thresholds",
    "ThresholdTable", "WithinMeasure", "a1_days", "a2_days", "a10_days", "average_days", "in_cohort",
    "load_thresholds", "percent", "placed_within_14_months", "scorecard", "thresholds_from_toml",
    "CurrentDates", "current_dates", "current_dates_of_journey", "days_waiting",
]
