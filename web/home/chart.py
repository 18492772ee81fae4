"""The dashboard's trend chart, drawn on the server as SVG: one bar per
financial year (its average days), the threshold of each year as a line across
it. The geometry is worked out here, and the SVG written as plain markup (every
value escaped); the figures are the service's."""

from __future__ import annotations

from markupsafe import Markup, escape

from journey.domain.words import counted

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48


def _nice_top(value: int) -> int:
    """The top of the scale: the next round number above `value` (at least 100)."""
    step = 100 if value <= 1000 else 250
    return max(step, -(-int(value * 1.1) // step) * step)


def trend_chart(trend: list[dict], measure: str) -> dict:
    """What the template draws for `measure` ("A2" or "A10") over `trend` (the
    service's `scorecard_trend`, oldest year first): bars, threshold segments,
    grid lines and labels, in SVG coordinates."""
    figures = [year[measure] for year in trend]
    highest = max([f["average_days"] or 0 for f in figures] + [f["threshold_days"] or 0 for f in figures] + [1])
    top = _nice_top(highest)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(trend))

    def y(days: int) -> float:
        return round(TOP + plot_h - plot_h * days / top, 1)

    bars, thresholds = [], []
    for i, (year, figure) in enumerate(zip(trend, figures)):
        x = round(LEFT + i * slot, 1)
        days = figure["average_days"]
        bar = {"year": year["financial_year"], "days": days, "children": figure["children"],
               "threshold": figure["threshold_days"], "met": figure["met"],
               "label_x": round(x + slot / 2, 1), "label_y": HEIGHT - BOTTOM + 20}
        if days is not None:
            bar.update(x=round(x + slot * 0.2, 1), width=round(slot * 0.6, 1), y=y(days), height=round(y(0) - y(days), 1),
                       value_y=max(TOP + 12, y(days) - 6))
        else:
            bar.update(x=None, value_y=y(0) - 6)
        bars.append(bar)
        if figure["threshold_days"] is not None:
            thresholds.append({"x1": x, "x2": round(x + slot, 1), "y": y(figure["threshold_days"])})
    path = ""
    for segment in thresholds:
        path += (f" L {segment['x1']} {segment['y']}" if path else f"M {segment['x1']} {segment['y']}") + f" L {segment['x2']} {segment['y']}"
    grid = [{"days": d, "y": y(d)} for d in range(0, top + 1, top // 4)]
    return {"measure": measure, "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
            "bottom": y(0), "bars": bars, "thresholds": thresholds, "threshold_path": path, "grid": grid}


def _bar_words(bar: dict) -> str:
    if bar["days"] is not None:
        said = f"{bar['year']}: {counted(bar['days'], 'day')} ({counted(bar['children'], 'child', 'children')})"
    else:
        said = f"{bar['year']}: no child adopted"
    if bar["threshold"] is not None:
        said += f", threshold {bar['threshold']} days"
        if bar["met"] is not None:
            said += ", met" if bar["met"] else ", not met"
    return said + ". "


def chart_svg(chart: dict) -> Markup:
    """The chart (`trend_chart`'s) as SVG: a title and a description that says
    every bar in words, for those who cannot see it."""
    m = escape(chart["measure"])
    parts = [
        f'<svg class="app-chart" viewBox="0 0 {chart["width"]} {chart["height"]}" role="img"'
        f' aria-labelledby="chart-{m}-title chart-{m}-desc" data-measure="{m}">',
        f'<title id="chart-{m}-title">{m}: average days by financial year, with the threshold</title>',
        f'<desc id="chart-{m}-desc">{escape("".join(_bar_words(bar) for bar in chart["bars"]))}</desc>',
    ]
    for line in chart["grid"]:
        parts.append(f'<line class="app-chart__grid" x1="{chart["left"]}" x2="{chart["right"]}" y1="{line["y"]}" y2="{line["y"]}"></line>')
        parts.append(f'<text class="app-chart__scale" x="{chart["left"] - 6}" y="{line["y"] + 4}" text-anchor="end">{line["days"]}</text>')
    for bar in chart["bars"]:
        year = escape(bar["year"])
        if bar["x"] is not None:
            kind = "app-chart__bar--met" if bar["met"] else "app-chart__bar--not-met"
            threshold = "" if bar["threshold"] is None else escape(bar["threshold"])
            parts.append(f'<rect class="app-chart__bar {kind}" x="{bar["x"]}" y="{bar["y"]}" width="{bar["width"]}"'
                         f' height="{bar["height"]}" data-year="{year}" data-days="{escape(bar["days"])}" data-threshold="{threshold}"></rect>')
            parts.append(f'<text class="app-chart__value" x="{bar["label_x"]}" y="{bar["value_y"]}" text-anchor="middle">{escape(bar["days"])}</text>')
        else:
            parts.append(f'<text class="app-chart__value" x="{bar["label_x"]}" y="{bar["value_y"]}" text-anchor="middle">none</text>')
        parts.append(f'<text class="app-chart__year" x="{bar["label_x"]}" y="{bar["label_y"]}" text-anchor="middle">{year}</text>')
    if chart["threshold_path"]:
        parts.append(f'<path class="app-chart__threshold" d="{escape(chart["threshold_path"])}"></path>')
    parts.append(f'<line class="app-chart__axis" x1="{chart["left"]}" x2="{chart["right"]}" y1="{chart["bottom"]}" y2="{chart["bottom"]}"></line>')
    parts.append("</svg>")
    return Markup("\n      ".join(parts))
