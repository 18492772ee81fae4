"""Where the timescales used to live, kept so that existing imports work.

Import from the modules that hold them now:

- `journey.domain.timescale_rules`: the rules (`Rule`, `Limit`, `WarnAt`,
  `Timescales`, `load_timescales`, `RulesFileError`) and the rules file;
- `journey.domain.clocks`: the clocks of a journey (`Clock`, `Stop`,
  `child_clocks`, `household_clocks`, the clock tuples);
- `journey.domain.calendar`: months and England's working days.

Nothing is defined here.
"""

from journey.domain.calendar import add_months, add_working_days, bank_holidays_in, is_working_day
from journey.domain.clocks import (
    Clock,
    Level,
    Stop,
    child_clocks,
    clock_tuples_of_journey,
    clocks_of_journey,
    household_clocks,
)
from journey.domain.timescale_rules import (
    DEFAULT_REVIEW_AFTER_DAYS,
    DETAILS_OF,
    MILESTONES_OF,
    PERIOD_BOUNDARIES,
    REOPENERS,
    RULES_FILE_NAME,
    SUBJECTS,
    UNITS,
    Limit,
    Rule,
    RulesFileError,
    Timescales,
    WarnAt,
    due_date,
    load_rules,
    load_timescales,
    parse_limit,
    parse_warn_at,
    warning_date,
)

__all__ = [
    "add_months", "add_working_days", "bank_holidays_in", "is_working_day",
    "Clock", "Level", "Stop", "child_clocks", "clock_tuples_of_journey", "clocks_of_journey", "household_clocks",
    "DEFAULT_REVIEW_AFTER_DAYS", "DETAILS_OF", "MILESTONES_OF", "PERIOD_BOUNDARIES", "REOPENERS",
    "RULES_FILE_NAME", "SUBJECTS", "UNITS", "Limit", "Rule", "RulesFileError", "Timescales", "WarnAt",
    "due_date", "load_rules", "load_timescales", "parse_limit", "parse_warn_at", "warning_date",
]
