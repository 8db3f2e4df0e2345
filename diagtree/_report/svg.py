"""Hand-written SVG charts for the report page: no chart library, no script, nothing fetched.

`bars` draws a horizontal bar chart (a label and a value per row), `columns` a vertical one
(e.g. deadlines per day). Every chart is an ``<svg>`` with an explicit width and height, a
``<title>`` and ``role="img"``, so it renders the same anywhere, offline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Final

__all__ = ["bars", "columns"]

WIDTH: Final = 720
ROW: Final = 22
LABEL: Final = 260
COLOURS: Final = ("#4a6fa5", "#d84315", "#2e7d57", "#7e57c2", "#b7791f", "#616161")


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1%}"


def _cut(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def bars(title: str, labels: Sequence[str], values: Sequence[float], *,
         shown: Callable[[float], str] = _number, colour: str = COLOURS[0],
         limit: float | None = None) -> str:
    """A horizontal bar chart; `limit` is the value of a full bar (default: the largest)."""
    most = limit if limit is not None else max([*values, 0]) or 1
    height = 34 + ROW * max(len(labels), 1) + 8
    plot = WIDTH - LABEL - 80
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
           f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img">',
           f"<title>{escape(title)}</title>",
           f'<text x="0" y="18" class="chart-title">{escape(title)}</text>']
    if not labels:
        out.append(f'<text x="0" y="{34 + ROW - 6}" class="empty">(nothing to show)</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 34 + i * ROW
        w = max(1.0, plot * (float(value) / most)) if value else 0.0
        out.append(f'<text x="{LABEL - 6}" y="{y + 15}" text-anchor="end">'
                   f"<title>{escape(label)}</title>{escape(_cut(label))}</text>")
        out.append(f'<rect x="{LABEL}" y="{y + 3}" width="{w:.1f}" height="{ROW - 6}" '
                   f'fill="{colour}"/>')
        out.append(f'<text x="{LABEL + w + 4:.1f}" y="{y + 15}">{escape(shown(value))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def columns(title: str, labels: Sequence[str], values: Sequence[float], *,
            colour: str = COLOURS[1]) -> str:
    """A vertical bar chart, one column per label (labels written below, turned)."""
    height, top, bottom = 260, 30, 70
    plot_h = height - top - bottom
    n = max(len(labels), 1)
    step = max(4.0, (WIDTH - 50) / n)
    width = int(max(WIDTH, 50 + step * n))
    most = max([*values, 0]) or 1
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" role="img">',
           f"<title>{escape(title)}</title>",
           f'<text x="0" y="18" class="chart-title">{escape(title)}</text>',
           f'<text x="0" y="{top + 10}" class="axis">{escape(_number(most))}</text>',
           f'<line x1="44" y1="{top + plot_h}" x2="{width}" y2="{top + plot_h}" '
           'stroke="#999"/>']
    if not labels:
        out.append(f'<text x="50" y="{top + plot_h // 2}" class="empty">(nothing to show)'
                   "</text>")
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = 50 + i * step
        h = plot_h * float(value) / most
        out.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.8:.1f}" '
                   f'height="{h:.1f}" fill="{colour}"><title>{escape(label)}: '
                   f"{escape(_number(value))}</title></rect>")
        if n <= 40 or i % max(1, n // 40) == 0:
            lx, ly = x + step * 0.4, top + plot_h + 8
            out.append(f'<text x="{lx:.1f}" y="{ly}" class="axis" '
                       f'transform="rotate(60 {lx:.1f} {ly})">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)
