"""Charts drawn on the server as small SVG: the schedule timeline and the model survival curve.

Why: a plotting library's browser bundle is about 5 MB (1.5 MB compressed) on every plot
lesson, for a class of 60 on one access point that is most of a lesson's weight. These charts
are simple (bars on a day axis, one curve), so the kernel draws them as SVG: a few KB, no
JavaScript, sharp at any width (viewBox, 100% wide on a phone), with each bar's details in a
<title> that browsers show on hover and screen readers read. A timeline bar is also focusable: a
tap (phones have no hover) or the Tab key focuses it and CSS (`style.RESPONSIVE_CSS`) shows its
details on a line under the axis, so touch and keyboard users read what a mouse user points at.
Pure functions: tested as text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
from collections.abc import Sequence

from alledu.widgets.common import PALETTE

WIDTH = 1000  # viewBox units; the SVG scales to the page width
LANE = 34  # height of one lane, label line included
LEFT, RIGHT, TOP = 10, 10, 30
TIP_SIZE = 13  # font size of the details line under the axis
TIP_CHARS = 118  # about what fits on one details line; longer details wrap onto a second


@dataclasses.dataclass(frozen=True)
class Span:
    """One bar (or, with length 0, one mark) on a lane, in days of the course."""

    start: int  # course day (1-based)
    length: int
    text: str  # hover / screen-reader text


@dataclasses.dataclass(frozen=True)
class Lane:
    label: str
    style: str  # "dose", "infusion", "free", "hospital", "premed"
    spans: tuple[Span, ...]


STYLES = {
    "dose": f'fill="{PALETTE["dose"]}" stroke="#fff" stroke-width="1"',
    "infusion": f'fill="{PALETTE["infusion"]}" stroke="#fff" stroke-width="1"',  # white edge: where a dose steps up
    "free": 'fill="url(#alledu-free)" stroke="#777" stroke-width="0.5"',
    "hospital": f'fill="url(#alledu-hospital)" stroke="{PALETTE["hospital"]}" stroke-width="0.8"',
    "premed": f'fill="{PALETTE["premed"]}"',
}
DEFS = (
    "<defs>"
    '<pattern id="alledu-free" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
    '<rect width="6" height="6" fill="#e6e6e6"/><line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="2"/>'
    "</pattern>"
    '<pattern id="alledu-hospital" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect width="6" height="6" fill="#f6d5c2"/><path d="M0 0L6 6M6 0L0 6" stroke="#D55E00" stroke-width="1"/>'
    "</pattern></defs>"
)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def nice_step(span_days: int, most: int = 10) -> int:
    """A tick spacing in days (7, 14, 28, 42...) giving at most `most` ticks."""
    for step in (1, 7, 14, 21, 28, 42, 56, 84, 112, 168, 336):
        if span_days / step <= most:
            return step
    return math.ceil(span_days / most)


def tip_lines(text: str) -> list[str]:
    """The details split at a word into lines of at most TIP_CHARS (a long line leaves the chart)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= TIP_CHARS:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def tip(text: str, bar_x: float, top: float) -> str:
    """A bar's details under the axis, starting at the bar but kept inside the chart; hidden
    (by attribute, so also where the page's CSS is missing) until the bar is focused or hovered."""
    lines = tip_lines(text)
    wide = max(len(line) for line in lines) * TIP_SIZE * 0.56  # a sans-serif character is ~0.56 em
    tx = max(LEFT, min(bar_x, WIDTH - RIGHT - wide))
    spans = "".join(
        f'<tspan x="{tx:.1f}" dy="{0 if i == 0 else TIP_SIZE + 3}">{esc(line)}</tspan>' for i, line in enumerate(lines)
    )
    return f'<text class="alledu-tip" visibility="hidden" y="{top}" font-size="{TIP_SIZE}" fill="#111">{spans}</text>'


def bar(text: str, bar_x: float, tip_top: float, shape: str) -> str:
    """One focusable bar: its details as <title> (hover, screen readers) and as a tip line (tap, Tab)."""
    return (
        f'<g class="alledu-bar" tabindex="0" role="img" aria-label="{esc(text)}"><title>{esc(text)}</title>'
        f"{shape}</g>{tip(text, bar_x, tip_top)}"  # beside the bar, not in it: a tap lands on the bar
    )


def timeline_svg(lanes: Sequence[Lane], last_day: int, start: dt.date | None, title: str) -> str:
    """Lanes of bars on one day axis; dates on the axis when a start date is given; a details
    line under the axis for the focused (tapped) bar."""
    last_day = max(last_day, 1)
    usable = WIDTH - LEFT - RIGHT

    def x(day: float) -> float:
        return LEFT + (day - 1) / last_day * usable

    axis = TOP + LANE * len(lanes) + 4
    tip_top = axis + 40
    height = tip_top + 2 * (TIP_SIZE + 3) + 4
    out = [
        f'<svg class="alledu-chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="group" '
        f'aria-label="{esc(title)}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">',
        f"<title>{esc(title)}</title>",
        DEFS,
        f'<text x="{LEFT}" y="18" font-size="15" font-weight="bold">{esc(title)}</text>',
    ]
    for i, lane in enumerate(lanes):
        top = TOP + i * LANE
        out.append(f'<text x="{LEFT}" y="{top + 12}" font-size="12" fill="#222">{esc(lane.label)}</text>')
        out.append(
            f'<line x1="{LEFT}" y1="{top + 30}" x2="{WIDTH - RIGHT}" y2="{top + 30}" stroke="#ddd" stroke-width="0.5"/>'
        )
        for s in lane.spans:
            if lane.style == "premed":
                cx, cy = x(s.start + 0.5), top + 22
                shape = (
                    f'<path d="M{cx - 6:.1f} {cy - 6} L{cx + 6:.1f} {cy - 6} L{cx:.1f} {cy + 6} Z" {STYLES["premed"]}/>'
                )
                out.append(bar(s.text, cx - 6, tip_top, shape))
                continue
            w = max(s.length / last_day * usable, 1.5)
            shape = f'<rect x="{x(s.start):.1f}" y="{top + 16}" width="{w:.1f}" height="12" {STYLES[lane.style]}/>'
            out.append(bar(s.text, x(s.start), tip_top, shape))
    out.append(f'<line x1="{LEFT}" y1="{axis}" x2="{WIDTH - RIGHT}" y2="{axis}" stroke="#444"/>')
    step = nice_step(last_day)
    for day in range(1, last_day + 1, step):
        label = (start + dt.timedelta(days=day - 1)).isoformat() if start else f"day {day}"
        anchor = "start" if day == 1 else "middle"
        out.append(f'<line x1="{x(day):.1f}" y1="{axis}" x2="{x(day):.1f}" y2="{axis + 5}" stroke="#444"/>')
        out.append(
            f'<text x="{x(day):.1f}" y="{axis + 18}" font-size="11" text-anchor="{anchor}" fill="#222">{label}</text>'
        )
    out.append(
        f'<text class="alledu-tip-hint" x="{LEFT}" y="{tip_top}" font-size="{TIP_SIZE}" fill="#444">'
        "Tap a bar (or reach it with Tab) to read its details here.</text>"
    )
    out.append("</svg>")
    return "".join(out)


def curve_svg(
    curve: Sequence[tuple[float, float]],
    points: Sequence[tuple[float, float, str]],
    title: str,
    x_label: str,
    y_label: str,
    curve_label: str,
) -> str:
    """A labelled model curve (dashed) through published points (diamonds), 0-100% on y."""
    w, h, left, bottom, top = WIDTH, 420, 70, 50, 40
    max_x = max(x for x, _ in curve)

    def px(x: float) -> float:
        return left + x / max_x * (w - left - 20)

    def py(y: float) -> float:
        return top + (1 - y) * (h - top - bottom)

    path = " ".join(f"{'M' if i == 0 else 'L'}{px(x):.1f} {py(y):.1f}" for i, (x, y) in enumerate(curve))
    out = [
        f'<svg class="alledu-chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{esc(title)}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">',
        f"<title>{esc(title)}</title>",
        f'<text x="{left}" y="22" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    for frac in (0, 0.25, 0.5, 0.75, 1):
        y = py(frac)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - 20}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end">{frac:.0%}</text>')
    for month in range(0, int(max_x) + 1, 12):
        out.append(
            f'<text x="{px(month):.1f}" y="{h - bottom + 18}" font-size="12" text-anchor="middle">{month}</text>'
        )
    out.append(f'<text x="{(w + left) / 2:.0f}" y="{h - 8}" font-size="12" text-anchor="middle">{esc(x_label)}</text>')
    out.append(
        f'<text transform="translate(16 {(h - bottom + top) / 2:.0f}) rotate(-90)" font-size="12" '
        f'text-anchor="middle">{esc(y_label)}</text>'
    )
    out.append(
        f'<g><title>{esc(curve_label)}</title><path d="{path}" fill="none" stroke="{PALETTE["model"]}" '
        'stroke-width="3" '
        'stroke-dasharray="8 5"/></g>'
    )
    for x, y, label in points:
        cx, cy = px(x), py(y)
        near_right = cx > w - 300  # put the label on the left so it stays inside the chart
        tx, anchor = (cx - 11, "end") if near_right else (cx + 11, "start")
        out.append(
            f"<g><title>{esc(label)}: {y:.0%} at {x:g} months</title>"
            f'<path d="M{cx:.1f} {cy - 8:.1f} L{cx + 8:.1f} {cy:.1f} L{cx:.1f} {cy + 8:.1f} L{cx - 8:.1f} {cy:.1f} Z" '
            f'fill="{PALETTE["dose"]}"/><text x="{tx:.1f}" y="{cy - 10:.1f}" font-size="12" text-anchor="{anchor}">'
            f"{esc(label)} ({y:.0%})</text></g>"
        )
    legend_y = h - bottom - 12
    out.append(
        f'<line x1="{w - 380}" y1="{legend_y}" x2="{w - 350}" y2="{legend_y}" stroke="{PALETTE["model"]}" '
        'stroke-width="3" '
        f'stroke-dasharray="8 5"/><text x="{w - 344}" y="{legend_y + 4}" font-size="12">{esc(curve_label)}</text>'
    )
    out.append("</svg>")
    return "".join(out)
