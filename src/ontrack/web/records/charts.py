"""Server-rendered SVG charts for the client timeline: no script, no network, print-ready.

Every chart shares one date axis, so scores, the alliance, goal ratings and the sessions
strip line up. Each chart is an ``<svg role="img">`` with a title and a description that
says what it shows in words; the page gives the same numbers in a table as well.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 760
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 12, 26


def _n(value: float) -> str:
    return f"{value:.1f}"


def _label(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class DateAxis:
    """Maps dates to x positions across the plot width."""

    start: dt.date
    end: dt.date

    @classmethod
    def spanning(cls, dates: Iterable[dt.date]) -> DateAxis:
        days = sorted(dates)
        if not days:
            today = dt.date.today()
            return cls(today - dt.timedelta(days=7), today + dt.timedelta(days=7))
        start, end = days[0] - dt.timedelta(days=4), days[-1] + dt.timedelta(days=4)
        if (end - start).days < 28:
            end = start + dt.timedelta(days=28)
        return cls(start, end)

    def x(self, day: dt.date) -> float:
        span = max((self.end - self.start).days, 1)
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - self.start).days / span

    def ticks(self) -> list[dt.date]:
        """Return tick dates on Mondays, every 1, 2 or 4 weeks depending on the span."""
        span = (self.end - self.start).days
        step = 7 if span <= 84 else 14 if span <= 196 else 28
        first = self.start + dt.timedelta(days=(7 - self.start.weekday()) % 7)
        return [
            first + dt.timedelta(days=d)
            for d in range(0, span + 1, step)
            if first + dt.timedelta(days=d) <= self.end
        ]


@dataclass(frozen=True)
class Scale:
    """Maps values to y positions in a plot of a given height (higher value = higher up)."""

    low: float
    high: float
    height: int

    def y(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        inner = self.height - TOP - BOTTOM
        return TOP + inner * (self.high - value) / max(self.high - self.low, 1e-9)

    def ticks(self) -> list[float]:
        span = self.high - self.low
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if span / s <= 6)
        first = math.ceil(self.low / step) * step
        return [first + i * step for i in range(int((self.high - first) / step) + 1)]


@dataclass
class Chart:
    """An SVG being drawn: collect elements, then ``render``."""

    axis: DateAxis
    scale: Scale
    title: str
    description: str
    ident: str
    parts: list[str] = field(default_factory=list)

    def frame(self, y_label: str = "") -> None:
        for value in self.scale.ticks():
            y = _n(self.scale.y(value))
            self.parts.append(
                f'<line class="c-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>'
                f'<text class="c-tick" x="{LEFT - 6}" y="{y}" dy="0.32em" '
                f'text-anchor="end">{_label(value)}</text>'
            )
        self.date_axis()
        if y_label:
            self.parts.append(
                format_html('<text class="c-ylabel" x="4" y="{}" >{}</text>', _n(TOP + 2), y_label)
            )

    def date_axis(self) -> None:
        """Draw the x axis with a tick and a date label at each of the axis's ticks."""
        height = self.scale.height
        base, below, label = _n(height - BOTTOM), _n(height - BOTTOM + 4), _n(height - 8)
        for day in self.axis.ticks():
            x = _n(self.axis.x(day))
            self.parts.append(
                f'<line class="c-tickmark" x1="{x}" x2="{x}" y1="{base}" y2="{below}"/>'
                f'<text class="c-tick" x="{x}" y="{label}" text-anchor="middle">'
                f"{day:%-d %b}</text>"
            )
        self.parts.append(
            f'<line class="c-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}"/>'
        )

    def hline(self, value: float, css: str) -> None:
        if not self.scale.low <= value <= self.scale.high:
            return
        y = _n(self.scale.y(value))
        self.parts.append(
            f'<line class="{css}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>'
        )

    def line(self, points: Sequence[tuple[dt.date, float]], css: str) -> None:
        if len(points) < 2:
            return
        coords = " ".join(f"{_n(self.axis.x(d))},{_n(self.scale.y(v))}" for d, v in points)
        self.parts.append(f'<polyline class="{css}" points="{coords}"/>')

    def band(
        self, lower: Sequence[tuple[dt.date, float]], upper: Sequence[tuple[dt.date, float]]
    ) -> None:
        if len(lower) < 2:
            return
        ring = list(upper) + list(reversed(lower))
        coords = " ".join(f"{_n(self.axis.x(d))},{_n(self.scale.y(v))}" for d, v in ring)
        self.parts.append(f'<polygon class="c-band" points="{coords}"/>')

    def dots(self, points: Sequence[tuple[dt.date, float, str, str]]) -> None:
        """Draw points as (date, value, css class, tooltip)."""
        for day, value, css, tip in points:
            self.parts.append(
                format_html(
                    '<circle class="{}" cx="{}" cy="{}" r="4.5"><title>{}</title></circle>',
                    css,
                    _n(self.axis.x(day)),
                    _n(self.scale.y(value)),
                    tip,
                )
            )

    def render(self, height_class: str = "") -> SafeString:
        ident = escape(self.ident)
        head = (
            f'<svg class="app-chart {height_class}" viewBox="0 0 {WIDTH} {self.scale.height}" '
            f'role="img" aria-labelledby="{ident}-title {ident}-desc" '
            f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
            f'<title id="{ident}-title">{escape(self.title)}</title>'
            f'<desc id="{ident}-desc">{escape(self.description)}</desc>'
        )
        return mark_safe(head + "".join(self.parts) + "</svg>")


@dataclass(frozen=True)
class ScorePoint:
    """One observed score on the timeline."""

    day: dt.date
    total: float
    session: int | None
    risk: bool = False


@dataclass(frozen=True)
class CourseLine:
    """The expected course placed on dates: (date, expected, spread, boundary)."""

    points: tuple[tuple[dt.date, float, float, float | None], ...]


def score_chart(
    *,
    ident: str,
    measure: str,
    low: float,
    high: float,
    axis: DateAxis,
    scores: Sequence[ScorePoint],
    course: CourseLine | None,
    caseness: float | None,
    reliable_change: float | None,
    intake: float | None,
    higher_is_better: bool,
    description: str,
) -> SafeString:
    """Draw one measure's scores against its expected course, band and failure boundary."""
    chart = Chart(axis, Scale(low, high, 250), f"{measure} scores over time", description, ident)
    chart.frame()
    if course is not None and course.points:
        chart.band(
            [(d, e - s) for d, e, s, _ in course.points],
            [(d, e + s) for d, e, s, _ in course.points],
        )
        chart.line([(d, e) for d, e, _, _ in course.points], "c-expected")
        chart.line([(d, b) for d, _, _, b in course.points if b is not None], "c-boundary")
    if caseness is not None:
        chart.hline(caseness, "c-caseness")
    if intake is not None and reliable_change:
        better = -reliable_change if not higher_is_better else reliable_change
        chart.hline(intake + better, "c-rc c-rc--improve")
        chart.hline(intake - better, "c-rc c-rc--worse")
    chart.line([(p.day, p.total) for p in scores], "c-actual")
    chart.dots(
        [
            (
                p.day,
                p.total,
                "c-dot c-dot--risk" if p.risk else "c-dot",
                f"{p.day:%-d %b %Y}: {measure} {_label(p.total)}"
                + (f" (session {p.session})" if p.session else " (intake)")
                + (" — risk item answered positively" if p.risk else ""),
            )
            for p in scores
        ]
    )
    return chart.render()


def alliance_chart(
    *,
    ident: str,
    measure: str,
    low: float,
    high: float,
    axis: DateAxis,
    ratings: Sequence[tuple[dt.date, float, bool]],
    cutoff: float | None,
    description: str,
) -> SafeString:
    """Draw the alliance ratings (a rupture marked) with the measure's cut-off."""
    chart = Chart(axis, Scale(low, high, 170), f"{measure} alliance ratings", description, ident)
    chart.frame()
    if cutoff is not None:
        chart.hline(cutoff, "c-caseness")
    chart.line([(d, v) for d, v, _ in ratings], "c-alliance")
    chart.dots(
        [
            (
                d,
                v,
                "c-dot c-dot--alliance" + (" c-dot--rupture" if rupture else ""),
                f"{d:%-d %b %Y}: {measure} {_label(v)}" + (" — rupture" if rupture else ""),
            )
            for d, v, rupture in ratings
        ]
    )
    return chart.render("app-chart--short")


GOAL_STYLES = ("c-goal c-goal--1", "c-goal c-goal--2", "c-goal c-goal--3")


def goals_chart(
    *,
    ident: str,
    axis: DateAxis,
    goals: Sequence[tuple[int, Sequence[tuple[dt.date, float]]]],
    description: str,
) -> SafeString:
    """Draw each goal's 0-10 ratings as its own line."""
    chart = Chart(axis, Scale(0, 10, 150), "Goal ratings (0-10)", description, ident)
    chart.frame()
    for number, points in goals:
        css = GOAL_STYLES[(number - 1) % 3]
        chart.line(list(points), css)
        chart.dots(
            [
                (d, v, f"c-dot {css}", f"{d:%-d %b %Y}: goal {number} rated {_label(v)}/10")
                for d, v in points
            ]
        )
    return chart.render("app-chart--short")


@dataclass(frozen=True)
class Event:
    """One mark on the sessions strip."""

    day: dt.date
    row: int  # 0 sessions, 1 homework
    glyph: str  # attended, missed, cancelled, other, set, done, partly, not_done
    tip: str


_GLYPHS = {
    "attended": '<circle class="e-attended" cx="{x}" cy="{y}" r="6"/>',
    "missed": '<path class="e-missed" d="M{x0} {y0}L{x1} {y1}M{x0} {y1}L{x1} {y0}"/>',
    "cancelled": '<circle class="e-cancelled" cx="{x}" cy="{y}" r="5.5"/>',
    "other": '<rect class="e-other" x="{x0}" y="{y0}" width="10" height="10"/>',
    "set": '<path class="e-set" d="M{x} {y0}L{x1} {y1}L{x0} {y1}Z"/>',
    "done": '<path class="e-done" d="M{x0} {y}L{x} {y1}L{x1} {y0}"/>',
    "partly": '<path class="e-partly" d="M{x0} {y}L{x1} {y}"/>',
    "not_done": '<path class="e-not-done" d="M{x0} {y0}L{x1} {y1}M{x0} {y1}L{x1} {y0}"/>',
}


def events_strip(
    *, ident: str, axis: DateAxis, events: Sequence[Event], description: str
) -> SafeString:
    """Draw sessions (attended, missed, cancelled) and homework (set, reviewed) on the axis."""
    height = 86
    chart = Chart(axis, Scale(0, 1, height), "Sessions and homework", description, ident)
    rows = {0: 22.0, 1: 48.0}
    chart.date_axis()
    for row, name in ((0, "Sessions"), (1, "Tasks")):
        chart.parts.append(
            f'<text class="c-tick" x="{LEFT - 6}" y="{_n(rows[row])}" dy="0.32em" '
            f'text-anchor="end">{name}</text>'
        )
    for event in events:
        x, y = axis.x(event.day), rows[event.row]
        shape = _GLYPHS[event.glyph].format(
            x=_n(x), y=_n(y), x0=_n(x - 5), x1=_n(x + 5), y0=_n(y - 5), y1=_n(y + 5)
        )
        chart.parts.append(
            shape[:-2]
            + format_html("><title>{}</title></{}>", event.tip, shape[1 : shape.index(" ")])
        )
    return chart.render("app-chart--strip")
