"""Charts drawn on the server as SVG (the site's CSP allows no inline script or style).

Positions along the width are percentages of the chart's own width and text sizes are pixels,
so a chart as wide as its page keeps its labels at the size of the text around them (a scaled
viewBox made 14-unit labels larger than the headings on a desktop and tiny on a phone).
"""

from dataclasses import dataclass

from library.numbers import number, percent, whole_percent

ROW = 48  # px per horizontal bar: its label's line, then the bar
BAR = 20
VALUE_COLUMN = 84  # px kept right of the bars for their figures, clear of every target mark
COLUMNS_HEIGHT = 140  # px of the tallest column
COLUMN_GAP = 12  # % of a column's slot left empty
TOP = 32  # px above the tallest column for its figure (two lines of them on a phone)


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the bar's figure as the reader's language writes it
    width: float  # % of the bar area
    y: int
    marks: tuple = ()  # (% of the bar area, the mark's own figure)


def hbars(items: list[tuple[str, float]], maximum: float | None = None, marks=None, pct=False):
    """Horizontal bars (label, value), each under its full label, its figure right of the bar
    area; optional target marks per bar (values on the same scale as the bars)."""
    top = maximum or max([v for _, v in items] + [1])
    bars = [
        Bar(
            label,
            percent(value) if pct else number(value),
            _share(value, top),
            i * ROW,
            tuple((_share(m, top), whole_percent(m)) for m in (marks[i] if marks else ())),
        )
        for i, (label, value) in enumerate(items)
    ]
    return {"bars": bars, "height": len(bars) * ROW, "bar": BAR, "value_column": VALUE_COLUMN}


def columns(items: list[tuple[str, int]]) -> dict:
    """Vertical columns for a time series, one per equal slot of the width (as the table
    below it has one column per month), each with its figure above it."""
    top = max([v for _, v in items] + [1])
    slot = 100 / max(len(items), 1)
    cols = [
        {
            "label": label,
            "text": number(value),
            "x": round(i * slot + slot * COLUMN_GAP / 200, 3),
            "w": round(slot * (1 - COLUMN_GAP / 100), 3),
            "middle": round((i + 0.5) * slot, 3),
            "h": round(COLUMNS_HEIGHT * value / top, 1),
            "y": round(TOP + COLUMNS_HEIGHT - COLUMNS_HEIGHT * value / top, 1),
        }
        for i, (label, value) in enumerate(items)
    ]
    return {"cols": cols, "height": TOP + COLUMNS_HEIGHT, "base": TOP + COLUMNS_HEIGHT}


def _share(value: float, top: float) -> float:
    return round(100 * min(max(value, 0), top) / top, 2)
