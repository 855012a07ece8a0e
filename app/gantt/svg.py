"""The Gantt chart as SVG: one bar per milestone, dependency arrows, the critical path, today.

Built with ElementTree, so every name is escaped by the serializer (a milestone called
`<script>` stays text), never by string formatting. Only presentation attributes are used, no
`<style>` element, so the chart can be inlined in the share page under a strict
Content-Security-Policy. Text never shrinks: rows have a fixed height and font size, and a large
plan makes a taller (and, over a long span, wider) chart that the viewer scrolls. A chart given a
`fit_width` (the customer's share page) squeezes its days instead, so the whole plan fits.
A chart draws at most as many bars as a project may have milestones, and says how many it left
out: a project that grew past the limit before it existed still gets its chart, promptly.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID
from xml.etree.ElementTree import Element, SubElement, tostring

from app.core.moments import drawable
from app.core.printable import printable
from app.milestones.schemas import MAX_MILESTONES_PER_PROJECT, TimelineMilestone
from app.models import MilestoneStatus

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
ROW_HEIGHT = 28
BAR_HEIGHT = 16
FONT_SIZE = 12
LABEL_WIDTH = 260
LABEL_CHARACTERS = 38
STATE_WIDTH = 120
HEADER_HEIGHT = 46
LEGEND_HEIGHT = 40
MARGIN = 12
# Days get at least this many pixels, and at most the second figure: a one-week plan stays
# readable without ballooning, a three-year plan scrolls sideways instead of squeezing.
MIN_DAY_WIDTH = 2.0
MAX_DAY_WIDTH = 28.0
TARGET_PLOT_WIDTH = 900.0
MIN_BAR_WIDTH = 4.0  # a one-day milestone stays visible however many days a pixel holds
MONTH_LABEL_WIDTH = 58.0  # "Sep 2027" at FONT_SIZE, with room to breathe
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK = "#1f2933"
CRITICAL = "#c62828"
MAX_BARS = MAX_MILESTONES_PER_PROJECT


class BarState(StrEnum):
    """What a person reads off a bar; each has its own fill pattern and a written label."""

    done = "done"
    late = "late"
    in_progress = "in progress"
    upcoming = "upcoming"


# Fill (by pattern id) and label per state: distinguishable in greyscale and to colour-blind
# readers, because the pattern and the words differ, not only the hue.
_FILLS = {
    BarState.done: "url(#done)",
    BarState.late: "url(#late)",
    BarState.in_progress: "url(#in-progress)",
    BarState.upcoming: "#8fb8de",
}
STATE_LABELS = {
    BarState.done: "✓ done",
    BarState.late: "! late",
    BarState.in_progress: "▶ in progress",
    BarState.upcoming: "upcoming",
}


@dataclass(frozen=True, slots=True)
class Baseline:
    """Where a milestone's bar was first planned: drawn as a thin ghost bar under the real one."""

    start: date
    due: date


def state_of(bar: TimelineMilestone, today: date) -> BarState:
    """Done is done; missed, or open past its due date, is late; then in progress or upcoming."""
    if bar.status is MilestoneStatus.done:
        return BarState.done
    if bar.status is MilestoneStatus.missed or bar.due < today:
        return BarState.late
    if bar.status is MilestoneStatus.in_progress:
        return BarState.in_progress
    return BarState.upcoming


def _shortened(name: str) -> str:
    return name if len(name) <= LABEL_CHARACTERS else name[: LABEL_CHARACTERS - 1] + "…"


class _Scale:
    """Days to x positions: the chart spans every bar (and baseline), padded by a day. With a
    `fit_width`, the days share what the labels leave of it, however long the plan."""

    def __init__(self, days: Sequence[date], fit_width: float | None = None) -> None:
        self.first = drawable(min(days)) - timedelta(days=1)
        self.last = drawable(max(days)) + timedelta(days=2)
        span = (self.last - self.first).days
        if fit_width is None:
            self.day_width = min(MAX_DAY_WIDTH, max(MIN_DAY_WIDTH, TARGET_PLOT_WIDTH / span))
        else:
            plot = fit_width - LABEL_WIDTH - STATE_WIDTH - MARGIN
            self.day_width = min(MAX_DAY_WIDTH, plot / span)
        self.width = span * self.day_width

    def x(self, day: date) -> float:
        return round(LABEL_WIDTH + (drawable(day) - self.first).days * self.day_width, 1)

    def months(self) -> list[date]:
        first = date(self.first.year, self.first.month, 1)
        found = []
        while first <= self.last:
            if first >= self.first:
                found.append(first)
            first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return found


def _attributes(**values: object) -> dict[str, str]:
    return {name.rstrip("_").replace("_", "-"): str(value) for name, value in values.items()}


def _add(parent: Element, tag: str, text: str | None = None, **values: object) -> Element:
    element = SubElement(parent, tag, _attributes(**values))
    if text is not None:
        element.text = text
    return element


def _defs(svg: Element) -> None:
    defs = _add(svg, "defs")
    for pattern_id, background, lines in (
        ("done", "#cfe8d4", "M0,8 L8,0"),  # diagonal hatching
        ("late", "#f6d2cc", "M0,0 L8,8 M0,8 L8,0"),  # cross-hatching
        ("in-progress", "#fbe7b5", "M4,0 L4,8"),  # vertical stripes
    ):
        pattern = _add(
            defs, "pattern", id=pattern_id, width=8, height=8, patternUnits="userSpaceOnUse"
        )
        _add(pattern, "rect", width=8, height=8, fill=background)
        _add(pattern, "path", d=lines, stroke=INK, stroke_width=1, stroke_opacity=0.55)
    marker = _add(
        defs,
        "marker",
        id="arrow",
        viewBox="0 0 10 10",
        refX=9,
        refY=5,
        markerWidth=8,
        markerHeight=8,
        markerUnits="userSpaceOnUse",
        orient="auto-start-reverse",
    )
    _add(marker, "path", d="M0,0 L10,5 L0,10 z", fill="#52606d")


def _axis(svg: Element, scale: _Scale, height: float) -> None:
    axis = _add(svg, "g", class_="axis", font_size=FONT_SIZE, fill=INK)
    # Every month gets its line; labels skip months when they would overlap (a squeezed plan).
    every = max(1, math.ceil(MONTH_LABEL_WIDTH / (30 * scale.day_width)))
    for index, month in enumerate(scale.months()):
        x = scale.x(month)
        _add(axis, "line", x1=x, x2=x, y1=HEADER_HEIGHT - 8, y2=height, stroke="#d9e2ec")
        if index % every == 0:
            _add(axis, "text", f"{month:%b %Y}", x=x + 4, y=HEADER_HEIGHT - 14)


def _today(svg: Element, scale: _Scale, today: date, height: float) -> None:
    if not scale.first <= today <= scale.last:
        return
    x = scale.x(today)
    line = _add(svg, "g", class_="today")
    _add(line, "line", x1=x, x2=x, y1=HEADER_HEIGHT - 30, y2=height, stroke=INK, stroke_width=1.5)
    _add(
        line,
        "text",
        f"today {today:%d %b}",
        x=x + 4,
        y=HEADER_HEIGHT - 32,
        font_size=FONT_SIZE,
        font_weight="bold",
        fill=INK,
    )


def _legend(svg: Element, y: float, with_baseline: bool) -> None:
    legend = _add(svg, "g", class_="legend", font_size=FONT_SIZE, fill=INK)
    x = float(MARGIN)
    for state in BarState:
        _add(
            legend,
            "rect",
            x=x,
            y=y,
            width=28,
            height=BAR_HEIGHT,
            fill=_FILLS[state],
            stroke=INK,
            stroke_width=0.5,
        )
        _add(legend, "text", STATE_LABELS[state], x=x + 34, y=y + BAR_HEIGHT - 4)
        x += 140
    _add(
        legend,
        "rect",
        x=x,
        y=y,
        width=28,
        height=BAR_HEIGHT,
        fill="none",
        stroke=CRITICAL,
        stroke_width=3,
    )
    _add(legend, "text", "critical path", x=x + 34, y=y + BAR_HEIGHT - 4)
    if not with_baseline:
        return
    x += 140
    _add(
        legend,
        "rect",
        x=x,
        y=y + BAR_HEIGHT / 2 - 2,
        width=28,
        height=4,
        fill="#9aa5b1",
        fill_opacity=0.6,
    )
    _add(legend, "text", "baseline", x=x + 34, y=y + BAR_HEIGHT - 4)


def render_gantt(
    title: str,
    bars: Sequence[TimelineMilestone],
    today: date,
    baselines: Mapping[UUID, Baseline] | None = None,
    *,
    fit_width: float | None = None,
) -> str:
    """The chart as an SVG document (UTF-8 text), bars in the order given; at most `fit_width`
    pixels wide when given (the whole plan in view), else as wide as its days need. Only the
    first MAX_BARS bars are drawn; a last line says how many more there are.

    `baselines` (optional) maps a milestone to its first-planned dates; only milestones whose
    baseline differs from their current dates get a ghost bar. Dependencies on milestones that
    are not among `bars` (hidden from a customer, say) are not drawn.
    """
    left_out = max(0, len(bars) - MAX_BARS)
    bars = bars[:MAX_BARS]
    drawn = {bar.id: (bar.start, bar.due) for bar in bars}
    baselines = {
        milestone_id: baseline
        for milestone_id, baseline in (baselines or {}).items()
        if milestone_id in drawn and drawn[milestone_id] != (baseline.start, baseline.due)
    }
    days = [today]
    for bar in bars:
        days += [bar.start, bar.due]
    for baseline in baselines.values():
        days += [baseline.start, baseline.due]
    scale = _Scale(days, fit_width)
    plot_bottom = HEADER_HEIGHT + (max(len(bars), 1) + bool(left_out)) * ROW_HEIGHT
    width = LABEL_WIDTH + scale.width + STATE_WIDTH + MARGIN
    height = plot_bottom + LEGEND_HEIGHT + MARGIN
    svg = Element(
        "svg",
        _attributes(
            xmlns=SVG_NAMESPACE,
            width=round(width),
            height=height,
            viewBox=f"0 0 {round(width)} {height}",
            role="img",
            font_family=FONT,
        ),
    )
    _add(svg, "title", f"Timeline of {title}")
    _defs(svg)
    _add(svg, "rect", width="100%", height="100%", fill="#ffffff")
    _add(svg, "text", title, x=MARGIN, y=16, font_size=14, font_weight="bold", fill=INK)
    _axis(svg, scale, plot_bottom)
    if not bars:
        _note(svg, 0, "No milestones yet.")
    rows = {bar.id: index for index, bar in enumerate(bars)}
    arrows = _add(svg, "g", class_="dependencies", fill="none", stroke="#52606d")
    bar_group = _add(svg, "g", class_="bars", font_size=FONT_SIZE, fill=INK)
    for index, bar in enumerate(bars):
        top = HEADER_HEIGHT + index * ROW_HEIGHT
        _bar(bar_group, bar, state_of(bar, today), scale, top, baselines.get(bar.id))
        for needed in bar.depends_on:
            if needed in rows:
                _arrow(arrows, bars[rows[needed]], rows[needed], bar, index, scale)
    if left_out:
        _note(svg, len(bars), f"{left_out} more milestones are not drawn.", class_="left-out")
    _today(svg, scale, today, plot_bottom)
    _legend(svg, plot_bottom + 14, with_baseline=bool(baselines))
    return printable(tostring(svg, encoding="unicode", xml_declaration=False))


def _note(svg: Element, row: int, text: str, **values: object) -> None:
    """A line of text in the chart's rows, where a bar would be."""
    y = HEADER_HEIGHT + row * ROW_HEIGHT + 18
    _add(svg, "text", text, x=MARGIN, y=y, font_size=FONT_SIZE, fill=INK, **values)


def _row_middle(row: int) -> float:
    return HEADER_HEIGHT + row * ROW_HEIGHT + ROW_HEIGHT / 2


def _bar(
    parent: Element,
    bar: TimelineMilestone,
    state: BarState,
    scale: _Scale,
    top: float,
    baseline: Baseline | None,
) -> None:
    classes = ["milestone", state.name] + (["critical"] if bar.on_critical_path else [])
    row = _add(
        parent, "g", class_=" ".join(classes), data_milestone_id=bar.id, data_state=state.name
    )
    critical = " — on the critical path" if bar.on_critical_path else ""
    _add(
        row,
        "title",
        f"{bar.name}: {bar.start:%d %b %Y} → {bar.due:%d %b %Y}, {STATE_LABELS[state]}{critical}",
    )
    if bar.on_critical_path:
        _add(row, "rect", x=MARGIN - 6, y=top + 4, width=3, height=ROW_HEIGHT - 8, fill=CRITICAL)
    _add(
        row,
        "text",
        _shortened(bar.name),
        x=MARGIN,
        y=top + ROW_HEIGHT / 2 + 4,
        font_weight="bold" if bar.on_critical_path else "normal",
    )
    if baseline is not None:
        _add(
            row,
            "rect",
            class_="baseline",
            x=scale.x(baseline.start),
            y=top + ROW_HEIGHT - 7,
            width=max(
                scale.x(baseline.due) - scale.x(baseline.start), scale.day_width, MIN_BAR_WIDTH
            ),
            height=4,
            fill="#9aa5b1",
            fill_opacity=0.6,
        )
    x = scale.x(bar.start)
    width = max(scale.x(bar.due) - x, scale.day_width, MIN_BAR_WIDTH)
    _add(
        row,
        "rect",
        class_="bar",
        x=x,
        y=top + (ROW_HEIGHT - BAR_HEIGHT) / 2,
        width=width,
        height=BAR_HEIGHT,
        rx=3,
        fill=_FILLS[state],
        stroke=CRITICAL if bar.on_critical_path else INK,
        stroke_width=3 if bar.on_critical_path else 0.5,
    )
    _add(
        row,
        "text",
        STATE_LABELS[state],
        class_="state",
        x=x + width + 6,
        y=top + ROW_HEIGHT / 2 + 4,
    )


def _arrow(
    parent: Element,
    needed: TimelineMilestone,
    needed_row: int,
    bar: TimelineMilestone,
    row: int,
    scale: _Scale,
) -> None:
    """Down from the end of what is needed, then right into the start of what needs it, so
    that arrows stay clear of the labels written after the bars."""
    x1 = scale.x(needed.due) - 4
    y1 = _row_middle(needed_row) + (BAR_HEIGHT / 2 if row > needed_row else -BAR_HEIGHT / 2)
    x2, y2 = scale.x(bar.start), _row_middle(row)
    critical = needed.on_critical_path and bar.on_critical_path
    _add(
        parent,
        "path",
        class_="dependency critical" if critical else "dependency",
        d=f"M{x1},{y1} V{y2} H{x2}",
        stroke=CRITICAL if critical else "#52606d",
        stroke_width=2 if critical else 1,
        marker_end="url(#arrow)",
        data_from=needed.id,
        data_to=bar.id,
    )
