"""The journey chart's drawing: where each bar of a child's stages and their
timescales goes in the SVG, from the dates the service gives (`journey_chart`).
Positions only: what a stage or a timescale is, and whether it was met, is the
service's."""

from __future__ import annotations

import datetime

WIDTH = 960
LABEL_WIDTH = 250
RIGHT = 20
STAGE_HEIGHT = 18
CLOCK_HEIGHT = 8
GAP = 6
TOP = 10
AXIS_HEIGHT = 30


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def layout(chart: dict) -> dict:
    """Rows of bars in SVG units: each stage's bar (start to end, or today), and
    under it each timescale that started in the stage: its allowance (start to
    due date) and its run (start to its stop, or today); year ticks on the axis."""
    today = _day(chart["on"])
    starts = [_day(s["started_on"]) for s in chart["stages"]] + [_day(c["started_on"]) for c in chart["timescales"]]
    ends = [today] + [_day(c["due_on"]) for c in chart["timescales"]]
    if not starts:
        return {"rows": [], "ticks": [], "height": TOP + AXIS_HEIGHT, "width": WIDTH, "today_x": None, "label_width": LABEL_WIDTH}
    first, last = min(starts), max(ends)
    first = datetime.date(first.year, 1, 1) if first.month == 1 and first.day < 15 else first
    span = max(1, (last - first).days)
    plot = WIDTH - LABEL_WIDTH - RIGHT

    def x(day: datetime.date) -> float:
        return round(LABEL_WIDTH + plot * (day - first).days / span, 1)

    def bar(start: datetime.date, end: datetime.date) -> tuple[float, float]:
        left = x(start)
        return left, max(2.0, round(x(end) - left, 1))

    rows, y = [], TOP
    for stage in chart["stages"]:
        start = _day(stage["started_on"])
        end = _day(stage["ended_on"]) if stage["ended_on"] else today
        left, width = bar(start, end)
        rows.append({"kind": "stage", "stage": stage, "y": y, "x": left, "width": width, "height": STAGE_HEIGHT,
                     "text_y": y + STAGE_HEIGHT - 4, "current": stage["ended_on"] is None})
        y += STAGE_HEIGHT + GAP
        for clock in stage["timescales"]:
            c_start = _day(clock["started_on"])
            allowed_x, allowed_w = bar(c_start, _day(clock["due_on"]))
            ran_to = _day(clock["stopped_on"]) if clock["stopped_on"] else today
            taken_x, taken_w = bar(c_start, ran_to)
            late = clock["in_time"] is False or clock["level"] == "breach"
            rows.append({"kind": "timescale", "clock": clock, "y": y, "height": CLOCK_HEIGHT, "text_y": y + CLOCK_HEIGHT,
                         "allowed_x": allowed_x, "allowed_width": allowed_w, "due_x": round(allowed_x + allowed_w, 1),
                         "taken_x": taken_x, "taken_width": taken_w, "late": late})
            y += CLOCK_HEIGHT + GAP
    ticks = []
    for year in range(first.year + (0 if first == datetime.date(first.year, 1, 1) else 1), last.year + 1):
        ticks.append({"x": x(datetime.date(year, 1, 1)), "text": str(year)})
    return {"rows": rows, "ticks": ticks, "height": y + AXIS_HEIGHT, "axis_y": y + 4, "width": WIDTH,
            "today_x": x(today), "label_width": LABEL_WIDTH, "top": TOP}
