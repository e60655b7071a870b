"""The client timeline's charts: scores against the expected course, band and failure
boundary; the alliance; goal ratings; and the sessions and homework strip.

Every chart takes the page's one ``DateAxis`` and has the same width, so a page that gives
each the same width lines their dates up. The table of each figure lists every point drawn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from ontrack.charts.figure import Canvas, Figure, Frame, Table, label, num
from ontrack.charts.scales import DateAxis, LinearScale

WIDTH = 760
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 12, 26


def date_axis(dates: Sequence[dt.date]) -> DateAxis:
    """Return the axis a timeline's charts share, spanning ``dates``."""
    return DateAxis.spanning(dates, LEFT, WIDTH - RIGHT)


def _day(day: dt.date) -> str:
    return f"{day:%-d %b %Y}"


@dataclass(frozen=True)
class ScorePoint:
    """One observed score on the timeline (``session`` None: the intake)."""

    day: dt.date
    total: float
    session: int | None
    risk: bool = False


@dataclass(frozen=True)
class CoursePoint:
    """The expected course at one date: expected score, spread and failure boundary."""

    day: dt.date
    expected: float
    spread: float
    boundary: float | None


@dataclass
class _Plot:
    """A canvas with a value scale over a shared date axis."""

    canvas: Canvas
    axis: DateAxis
    scale: LinearScale

    @classmethod
    def over(cls, axis: DateAxis, low: float, high: float, height: int) -> _Plot:
        frame = Frame(WIDTH, height, LEFT, RIGHT, TOP, BOTTOM)
        return cls(Canvas(frame), axis, LinearScale(low, high, frame.y1, frame.y0))

    def point(self, day: dt.date, value: float) -> tuple[float, float]:
        return self.axis.x(day), self.scale(value)

    def grid(self) -> None:
        """Draw the value gridlines with their labels, then the date axis."""
        for value in self.scale.ticks():
            y = self.scale(value)
            self.canvas.hline(y, "c-grid")
            self.canvas.text(LEFT - 6, y, label(value), dy="0.32em", text_anchor="end")
        self.dates()

    def dates(self) -> None:
        canvas, base = self.canvas, self.canvas.frame.y1
        for day in self.axis.ticks():
            x = self.axis.x(day)
            canvas.element("line", "c-tickmark", x1=num(x), x2=num(x), y1=base, y2=base + 4)
            canvas.text(x, canvas.frame.height - 8, f"{day:%-d %b}", text_anchor="middle")
        canvas.element("line", "c-axis", x1=LEFT, x2=WIDTH - RIGHT, y1=base, y2=base)

    def level(self, value: float | None, css: str) -> None:
        """Draw a horizontal reference line, if its value is on the scale."""
        if value is not None and self.scale.contains(value):
            self.canvas.hline(self.scale(value), css)

    def line(self, points: Sequence[tuple[dt.date, float]], css: str) -> None:
        self.canvas.polyline([self.point(d, v) for d, v in points], css)

    def dots(self, points: Sequence[tuple[dt.date, float, str, str]]) -> None:
        """Draw points as (date, value, css classes, tooltip)."""
        for day, value, css, tip in points:
            x, y = self.point(day, value)
            self.canvas.element("circle", css, tip, cx=num(x), cy=num(y), r="4.5")


def _score_table(
    measure: str, scores: Sequence[ScorePoint], course: Sequence[CoursePoint]
) -> Table:
    rows: dict[dt.date, list[str]] = {}
    for p in scores:
        when = "intake" if p.session is None else str(p.session)
        rows[p.day] = [_day(p.day), when, label(p.total) + (" (risk)" if p.risk else ""), "–", "–"]
    for c in course:
        row = rows.setdefault(c.day, [_day(c.day), "", "–", "–", "–"])
        row[3] = f"{label(c.expected)} ± {label(c.spread)}"
        row[4] = "–" if c.boundary is None else label(c.boundary)
    columns: tuple[str, ...] = ("Date", "Session", measure, "Expected ± spread", "Failure boundary")
    if not course:
        columns, rows = columns[:3], {d: r[:3] for d, r in rows.items()}
    return Table(
        caption=f"{measure} scores" + (" with the expected course" if course else ""),
        columns=columns,
        rows=tuple(tuple(rows[d]) for d in sorted(rows)),
        numeric=(False, True, True, True, True),
    )


def score_chart(
    *,
    ident: str,
    measure: str,
    low: float,
    high: float,
    axis: DateAxis,
    scores: Sequence[ScorePoint],
    course: Sequence[CoursePoint] = (),
    caseness: float | None = None,
    reliable_change: float | None = None,
    intake: float | None = None,
    higher_is_better: bool = False,
    description: str,
) -> Figure:
    """Draw one measure's scores against its expected course, band and failure boundary."""
    plot = _Plot.over(axis, low, high, 250)
    plot.grid()
    if course:
        upper = [plot.point(c.day, c.expected + c.spread) for c in course]
        lower = [plot.point(c.day, c.expected - c.spread) for c in course]
        plot.canvas.polygon(upper + lower[::-1], "c-band")
        plot.line([(c.day, c.expected) for c in course], "c-expected")
        plot.line([(c.day, c.boundary) for c in course if c.boundary is not None], "c-boundary")
    plot.level(caseness, "c-caseness")
    if intake is not None and reliable_change:
        better = reliable_change if higher_is_better else -reliable_change
        plot.level(intake + better, "c-rc c-rc--improve")
        plot.level(intake - better, "c-rc c-rc--worse")
    plot.line([(p.day, p.total) for p in scores], "c-actual")
    plot.dots(
        [
            (
                p.day,
                p.total,
                "c-dot c-dot--risk" if p.risk else "c-dot",
                f"{_day(p.day)}: {measure} {label(p.total)}"
                + (f" (session {p.session})" if p.session else " (intake)")
                + (" — risk item answered positively" if p.risk else ""),
            )
            for p in scores
        ]
    )
    return plot.canvas.figure(
        ident=ident,
        title=f"{measure} scores over time",
        description=description,
        table=_score_table(measure, scores, course),
    )


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
) -> Figure:
    """Draw the alliance ratings (ruptures marked) with the measure's cut-off."""
    plot = _Plot.over(axis, low, high, 170)
    plot.grid()
    plot.level(cutoff, "c-caseness")
    plot.line([(d, v) for d, v, _ in ratings], "c-alliance")
    plot.dots(
        [
            (
                d,
                v,
                "c-dot c-dot--alliance" + (" c-dot--rupture" if rupture else ""),
                f"{_day(d)}: {measure} {label(v)}" + (" — rupture" if rupture else ""),
            )
            for d, v, rupture in ratings
        ]
    )
    table = Table(
        caption=f"{measure} ratings",
        columns=("Date", "Rating", "Rupture"),
        rows=tuple((_day(d), label(v), "yes" if r else "no") for d, v, r in ratings),
        numeric=(False, True, False),
    )
    return plot.canvas.figure(
        ident=ident,
        title=f"{measure} alliance ratings",
        description=description,
        table=table,
        css="app-chart--short",
    )


GOAL_STYLES = ("c-goal--1", "c-goal--2", "c-goal--3")


def goals_chart(
    *,
    ident: str,
    axis: DateAxis,
    goals: Sequence[tuple[int, Sequence[tuple[dt.date, float]]]],
    description: str,
) -> Figure:
    """Draw each goal's 0-10 ratings as its own line (each goal its own dash pattern)."""
    plot = _Plot.over(axis, 0, 10, 150)
    plot.grid()
    for number, points in goals:
        css = GOAL_STYLES[(number - 1) % len(GOAL_STYLES)]
        plot.line(list(points), f"c-goal {css}")
        plot.dots(
            [
                (d, v, f"c-goal c-dot {css}", f"{_day(d)}: goal {number} rated {label(v)}/10")
                for d, v in points
            ]
        )
    table = Table(
        caption="Goal ratings (0-10)",
        columns=("Date", "Goal", "Rating"),
        rows=tuple(
            (_day(d), str(number), label(v))
            for d, number, v in sorted((d, n, v) for n, pts in goals for d, v in pts)
        ),
        numeric=(False, True, True),
    )
    return plot.canvas.figure(
        ident=ident,
        title="Goal ratings (0-10)",
        description=description,
        table=table,
        css="app-chart--short",
    )


@dataclass(frozen=True)
class Event:
    """One mark on the sessions strip: ``row`` 0 for sessions, 1 for homework."""

    day: dt.date
    row: int
    glyph: str  # attended, missed, cancelled, other, set, done, partly, not_done
    tip: str


# Each glyph is its own shape, so the strip reads without colour.
_GLYPHS = {
    "attended": ("circle", {"cx": "{x}", "cy": "{y}", "r": "6"}),
    "missed": ("path", {"d": "M{x0} {y0}L{x1} {y1}M{x0} {y1}L{x1} {y0}"}),
    "cancelled": ("circle", {"cx": "{x}", "cy": "{y}", "r": "5.5"}),
    "other": ("rect", {"x": "{x0}", "y": "{y0}", "width": "10", "height": "10"}),
    "set": ("path", {"d": "M{x} {y0}L{x1} {y1}L{x0} {y1}Z"}),
    "done": ("path", {"d": "M{x0} {y}L{x} {y1}L{x1} {y0}"}),
    "partly": ("path", {"d": "M{x0} {y}L{x1} {y}"}),
    "not_done": ("path", {"d": "M{x0} {y0}L{x1} {y1}M{x0} {y1}L{x1} {y0}"}),
}
_ROWS = ((22.0, "Sessions"), (48.0, "Tasks"))


def events_strip(
    *, ident: str, axis: DateAxis, events: Sequence[Event], description: str
) -> Figure:
    """Draw sessions (attended, missed, cancelled) and homework (set, reviewed) by date."""
    plot = _Plot.over(axis, 0, 1, 86)
    plot.dates()
    for y, name in _ROWS:
        plot.canvas.text(LEFT - 6, y, name, dy="0.32em", text_anchor="end")
    for event in events:
        x, y = axis.x(event.day), _ROWS[event.row][0]
        at = {"x": num(x), "y": num(y), "x0": num(x - 5), "x1": num(x + 5)}
        at |= {"y0": num(y - 5), "y1": num(y + 5)}
        tag, shape = _GLYPHS[event.glyph]
        css = "e-" + event.glyph.replace("_", "-")
        plot.canvas.element(tag, css, event.tip, **{k: v.format(**at) for k, v in shape.items()})
    table = Table(
        caption="Sessions and homework",
        columns=("Date", "Kind", "What happened"),
        rows=tuple(
            (_day(e.day), _ROWS[e.row][1][:-1].replace("Task", "Homework"), e.tip)
            for e in sorted(events, key=lambda e: (e.day, e.row))
        ),
    )
    return plot.canvas.figure(
        ident=ident,
        title="Sessions and homework",
        description=description,
        table=table,
        css="app-chart--strip",
    )
