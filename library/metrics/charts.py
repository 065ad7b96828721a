"""Charts drawn on the server as SVG (the site's CSP allows no inline script or style)."""

from dataclasses import dataclass

BAR_HEIGHT = 24
WIDTH = 300


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    width: float
    y: int
    marks: tuple = ()


def hbars(items: list[tuple[str, float]], maximum: float | None = None, marks=None) -> dict:
    """Horizontal bars (label, value) scaled to the width, with optional target marks (x%)."""
    top = maximum or max([v for _, v in items] + [1])
    bars = [
        Bar(
            label,
            value,
            round(WIDTH * min(value, top) / top, 1),
            i * (BAR_HEIGHT + 8),
            tuple(round(WIDTH * m / top, 1) for m in (marks[i] if marks else ())),
        )
        for i, (label, value) in enumerate(items)
    ]
    return {"bars": bars, "width": WIDTH, "height": len(bars) * (BAR_HEIGHT + 8), "bar": BAR_HEIGHT}


def columns(items: list[tuple[str, int]], height: int = 140) -> dict:
    """Vertical columns for a time series (one per month)."""
    top = max([v for _, v in items] + [1])
    step = WIDTH / max(len(items), 1)
    cols = [
        {
            "label": label,
            "value": value,
            "x": round(i * step + 2, 1),
            "w": round(step - 4, 1),
            "h": round(height * value / top, 1),
            "y": round(height - height * value / top, 1),
        }
        for i, (label, value) in enumerate(items)
    ]
    return {"cols": cols, "width": WIDTH, "height": height}
