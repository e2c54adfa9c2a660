"""Simple charts drawn on the server as SVG: no JavaScript, nothing from elsewhere.

Each chart is an image with a title and a description that reads out its figures
(`role="img"`, `aria-labelledby`), and carries its data as rows so that the page shows a table
beside it (templates/reporting/chart.html). Colours are those of the site: marks in the brand
purple (9.6:1 against white) and text in near-black, well above the 3:1 needed for graphics and
the 4.5:1 needed for text. Styling is by presentation attributes, which the strict CSP allows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from lms.i18n import _, format_decimal, format_number

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 64
INK = "#1d1b22"
MUTED = "#4f4a57"
MARK = "#5a2d82"
GRID = "#cfc8d8"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

Number = int | float


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, Number], ...]
    svg: Markup

    @property
    def is_empty(self) -> bool:
        return not any(value for _, value in self.rows)


def nice_ticks(top: Number, most: int = 5) -> list[Number]:
    """Round tick values from 0 to at least `top`, at most `most` + 1 of them."""
    if top <= 0:
        return [0, 1]
    raw = top / most
    if isinstance(top, int):
        raw = max(raw, 1)  # counts are whole numbers, and so are their ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if float(step).is_integer():
        step = int(step)
    count = math.ceil(top / step)
    return [round(step * i, 10) for i in range(count + 1)]


def _format(value: Number) -> str:
    if isinstance(value, float) and not value.is_integer():
        return format_decimal(value, "#,##0.0")
    return format_number(int(value))


def _chart_id(raw: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-") or "chart"


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "middle",
    size: int = 13,
    fill: str = INK,
    weight: str | None = None,
    extra: str = "",
) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{bold}{extra}>{escape(content)}</text>'
    )


def _frame(chart_id: str, title: str, description: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart__svg" role="img" focusable="false" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family={quoteattr(FONT)}>'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text above is escaped


def _axes(ticks: list[Number], x_label: str, y_label: str) -> tuple[list[str], float]:
    """Grid lines, y tick labels and axis titles; returns them and the pixels per unit."""
    plot_height = HEIGHT - TOP - BOTTOM
    scale = plot_height / ticks[-1]
    parts = []
    for tick in ticks:
        y = HEIGHT - BOTTOM - tick * scale
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 8, y + 4, _format(tick), anchor="end", fill=MUTED))
    parts.append(
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        f'stroke="{INK}" stroke-width="2"/>'
    )
    parts.append(_text((LEFT + WIDTH - RIGHT) / 2, HEIGHT - 12, x_label, weight="600"))
    parts.append(
        _text(
            16,
            TOP + plot_height / 2,
            y_label,
            weight="600",
            extra=f' transform="rotate(-90 16 {TOP + plot_height / 2:.1f})"',
        )
    )
    return parts, scale


def _label_every(count: int) -> int:
    return max(1, math.ceil(count / 12))


def _summary(description: str, rows: Sequence[tuple[str, Number]]) -> str:
    if not any(value for _label, value in rows):
        return _("%(description)s There is nothing to show yet.", description=description)
    figures = "; ".join(
        _("%(label)s: %(value)s", label=label, value=_format(value)) for label, value in rows
    )
    return _("%(description)s %(figures)s.", description=description, figures=figures)


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[tuple[str, Number]],
    *,
    x_label: str,
    y_label: str,
) -> Chart:
    """Vertical bars, one per (label, value), each with its value written above it."""
    chart_id = _chart_id(chart_id)
    rows = tuple((str(label), value) for label, value in bars)
    ticks = nice_ticks(max((v for _, v in rows), default=0))
    parts, scale = _axes(ticks, x_label, y_label)
    slot = (WIDTH - LEFT - RIGHT) / max(len(rows), 1)
    bar_width = min(slot * 0.7, 64)
    every = _label_every(len(rows))
    for index, (label, value) in enumerate(rows):
        centre = LEFT + slot * index + slot / 2
        height = value * scale
        top = HEIGHT - BOTTOM - height
        if height > 0:
            parts.append(
                f'<rect x="{centre - bar_width / 2:.1f}" y="{top:.1f}" width="{bar_width:.1f}" '
                f'height="{height:.1f}" fill="{MARK}"/>'
            )
        parts.append(_text(centre, top - 6, _format(value), weight="600"))
        if index % every == 0:
            parts.append(_text(centre, HEIGHT - BOTTOM + 20, label))
    if not any(v for _label, v in rows):
        parts.append(_text(WIDTH / 2, TOP + 60, _("Nothing to show yet"), fill=MUTED))
    summary = _summary(description, rows)
    return Chart(
        chart_id, title, summary, (x_label, y_label), rows, _frame(chart_id, title, summary, parts)
    )


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, Number]],
    *,
    x_label: str,
    y_label: str,
) -> Chart:
    """A line through (label, value) points in order, with a marker on each point."""
    chart_id = _chart_id(chart_id)
    rows = tuple((str(label), value) for label, value in points)
    ticks = nice_ticks(max((v for _, v in rows), default=0))
    parts, scale = _axes(ticks, x_label, y_label)
    slot = (WIDTH - LEFT - RIGHT) / max(len(rows), 1)
    every = _label_every(len(rows))
    coordinates = []
    for index, (label, value) in enumerate(rows):
        x = LEFT + slot * index + slot / 2
        y = HEIGHT - BOTTOM - value * scale
        coordinates.append((x, y))
        if index % every == 0:
            parts.append(_text(x, HEIGHT - BOTTOM + 20, label))
            parts.append(_text(x, y - 10, _format(value), weight="600"))
    if len(coordinates) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{MARK}" stroke-width="3" '
            'stroke-linejoin="round"/>'
        )
    for x, y in coordinates:
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{MARK}" stroke="#ffffff" '
            'stroke-width="2"/>'
        )
    if not any(v for _label, v in rows):
        parts.append(_text(WIDTH / 2, TOP + 60, _("Nothing to show yet"), fill=MUTED))
    summary = _summary(description, rows)
    return Chart(
        chart_id, title, summary, (x_label, y_label), rows, _frame(chart_id, title, summary, parts)
    )


# --- the data behind the franchise charts -------------------------------------------------------

PROGRESS_BANDS = ("0\u201319%", "20\u201339%", "40\u201359%", "60\u201379%", "80\u201399%", "100%")


def progress_bands(percentages: Sequence[Number]) -> list[tuple[str, int]]:
    """How many of `percentages` (0 to 100) fall in each band; 100% has a band of its own."""
    counts = [0] * len(PROGRESS_BANDS)
    for value in percentages:
        value = min(max(value, 0), 100)
        index = len(PROGRESS_BANDS) - 1 if value >= 100 else int(value // 20)
        counts[index] += 1
    return list(zip(PROGRESS_BANDS, counts, strict=True))


def progress_distribution_chart(chart_id: str, percentages: Sequence[Number]) -> Chart:
    return bar_chart(
        chart_id,
        _("How far trainees have got"),
        _("Number of trainees by the share of lessons they have completed."),
        progress_bands(percentages),
        x_label=_("Lessons completed"),
        y_label=_("Trainees"),
    )


def achievements_chart(chart_id: str, per_month: Sequence[tuple[str, int]]) -> Chart:
    """`per_month`: (month label, achievements that month) in order; drawn as a running total."""
    total = 0
    running = []
    for label, count in per_month:
        total += count
        running.append((label, total))
    return line_chart(
        chart_id,
        _("Qualifications achieved over time"),
        _("Running total of trainees who have achieved the qualification, month by month."),
        running,
        x_label=_("Month"),
        y_label=_("Achieved (running total)"),
    )
