"""Charts of service figures: bars, columns, lines by month and intervals (forest plots).

Generic over their data: each takes labelled values and says in its table what it drew.
``ontrack.charts.service`` builds the report's and the dashboard's figures from them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ontrack.charts.figure import (
    BLUE,
    DARK_BLUE,
    GREEN,
    GREY_1,
    RED,
    Canvas,
    Figure,
    Frame,
    Table,
    esc,
    num,
)
from ontrack.charts.scales import BandAxis, LinearScale, nice_ceiling

WIDTH = 900
Format = Callable[[float], str]


@dataclass(frozen=True)
class Bar:
    """One labelled value (None: not available, drawn as "n/a"); ``note`` is shown beside it."""

    label: str
    value: float | None
    note: str = ""


def bar_chart(
    *,
    ident: str,
    title: str,
    bars: Sequence[Bar],
    fmt: Format,
    description: str,
    maximum: float | None = None,
    columns: tuple[str, str] = ("", "Value"),
) -> Figure:
    """Draw horizontal bars, each labelled with its value (and note) at its end."""
    row, top = 34, 8
    # Labels sit left of the bars, right-aligned: room for the longest (about 7.5 units a
    # character at 14px), within reason.
    left = round(min(max(120, 16 + 7.5 * max((len(b.label) for b in bars), default=0)), 340))
    frame = Frame(WIDTH, top + len(bars) * row + 4, left, 270, top, 4)
    values = [b.value for b in bars if b.value is not None]
    scale = LinearScale(0, maximum or max([*values, 0]) or 1.0, frame.x0, frame.x1)
    canvas = Canvas(frame)
    for i, bar in enumerate(bars):
        y = top + i * row
        canvas.text(left - 8, y + 18, bar.label, "c-label", text_anchor="end")
        text = "n/a" if bar.value is None else fmt(bar.value)
        end = float(left)
        if bar.value is not None:
            end = scale(bar.value)
            canvas.element("rect", "c-bar", x=left, y=y, width=num(end - left), height=26)
        note = f"{text} · {bar.note}" if bar.note else text
        canvas.text(end + 6, y + 18, note, "c-value")
    table = Table(
        caption=title,
        columns=(columns[0] or "Group", columns[1]) + (("",) if any(b.note for b in bars) else ()),
        rows=tuple(
            (b.label, "n/a" if b.value is None else fmt(b.value))
            + ((b.note,) if any(x.note for x in bars) else ())
            for b in bars
        ),
        numeric=(False, True, False),
    )
    return canvas.figure(ident=ident, title=title, description=description, table=table)


def _value_grid(canvas: Canvas, scale: LinearScale, fmt: Format, ticks: Sequence[float]) -> None:
    frame = canvas.frame
    for value in ticks:
        y = scale(value)
        canvas.hline(y, "c-grid")
        canvas.text(frame.x0 - 6, y + 4, fmt(value), text_anchor="end")


def column_chart(
    *,
    ident: str,
    title: str,
    bars: Sequence[Bar],
    fmt: Format,
    description: str,
    maximum: float,
    x_title: str,
    columns: tuple[str, str] = ("Group", "Value"),
) -> Figure:
    """Draw vertical columns with their values above them, and "n/a" where there is none."""
    frame = Frame(WIDTH, 300, 56, 10, 20, 60)
    canvas = Canvas(frame)
    scale = LinearScale(0, maximum, frame.y1, frame.y0)
    _value_grid(canvas, scale, fmt, [maximum * i / 4 for i in range(5)])
    slots = BandAxis([b.label for b in bars], frame.x0, frame.x1)
    for i, bar in enumerate(bars):
        x = slots.centre(i)
        if bar.value is None:
            canvas.text(x, frame.y1 - 4, "n/a", "c-muted", text_anchor="middle")
        else:
            y = scale(bar.value)
            width = slots.slot * 0.7
            canvas.element(
                "rect",
                "c-bar",
                x=num(x - width / 2),
                y=num(y),
                width=num(width),
                height=num(frame.y1 - y),
            )
            canvas.text(x, y - 4, fmt(bar.value), "c-value", text_anchor="middle")
        canvas.text(x, frame.y1 + 18, bar.label, "c-label", text_anchor="middle")
    canvas.text(
        (frame.x0 + frame.x1) / 2, frame.height - 14, x_title, "c-muted", text_anchor="middle"
    )
    table = Table(
        caption=title,
        columns=columns,
        rows=tuple((b.label, "n/a" if b.value is None else fmt(b.value)) for b in bars),
        numeric=(False, True),
    )
    return canvas.figure(ident=ident, title=title, description=description, table=table)


@dataclass(frozen=True)
class Series:
    """One line: a value (or None, a gap) per label of the chart."""

    name: str
    values: tuple[float | None, ...]


# Each series differs by colour, dash pattern and point shape, never by colour alone.
_LOOKS = (
    (BLUE, "", "circle"),
    (GREEN, "8 4", "square"),
    (DARK_BLUE, "2 3", "triangle"),
    (RED, "10 3 2 3", "diamond"),
    (GREY_1, "4 4", "circle"),
)


def _marker(canvas: Canvas, shape: str, x: float, y: float, colour: str, tip: str) -> None:
    if shape == "square":
        canvas.element(
            "rect", "c-point", tip, x=num(x - 3.5), y=num(y - 3.5), width=7, height=7, fill=colour
        )
    elif shape in ("triangle", "diamond"):
        d = (
            f"M{num(x)} {num(y - 5)}L{num(x + 4.5)} {num(y + 3.5)}L{num(x - 4.5)} {num(y + 3.5)}Z"
            if shape == "triangle"
            else f"M{num(x)} {num(y - 5)}L{num(x + 5)} {num(y)}L{num(x)} {num(y + 5)}"
            f"L{num(x - 5)} {num(y)}Z"
        )
        canvas.element("path", "c-point", tip, d=d, fill=colour)
    else:
        canvas.element("circle", "c-point", tip, cx=num(x), cy=num(y), r=3.5, fill=colour)


def _legend(canvas: Canvas, series: Sequence[Series], y: float) -> None:
    for i, s in enumerate(series):
        colour, dash, shape = _LOOKS[i % len(_LOOKS)]
        x = canvas.frame.x0 + i * 200
        canvas.element(
            "line",
            "c-key",
            x1=x,
            x2=x + 28,
            y1=num(y),
            y2=num(y),
            stroke=colour,
            stroke_width=2.5,
            stroke_dasharray=dash or "none",
        )
        _marker(canvas, shape, x + 14, y, colour, "")
        canvas.text(x + 34, y + 4, s.name, "c-label")


def line_chart(
    *,
    ident: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Format,
    description: str,
    maximum: float | None = None,
) -> Figure:
    """Draw each series as a line over the labels (months), with a legend below."""
    frame = Frame(WIDTH, 320, 64, 20, 20, 90)
    canvas = Canvas(frame)
    values = [v for s in series for v in s.values if v is not None]
    top = maximum if maximum is not None else nice_ceiling(max(values, default=1.0))
    scale = LinearScale(0, top, frame.y1, frame.y0)
    _value_grid(canvas, scale, fmt, [top * i / 4 for i in range(5)])
    slots = BandAxis(labels, frame.x0, frame.x1)
    every = slots.label_every(10)
    for i, name in enumerate(labels):
        if i % every == 0:
            canvas.text(slots.centre(i), frame.y1 + 18, name, text_anchor="middle")
    for index, s in enumerate(series):
        colour, dash, shape = _LOOKS[index % len(_LOOKS)]
        points = [
            (slots.centre(i), scale(v), labels[i], v)
            for i, v in enumerate(s.values)
            if v is not None
        ]
        canvas.polyline(
            [(x, y) for x, y, _, _ in points],
            "c-series",
            fill="none",
            stroke=colour,
            stroke_width=2.5,
            stroke_dasharray=dash or "none",
        )
        for x, y, name, v in points:
            _marker(canvas, shape, x, y, colour, f"{s.name}, {name}: {fmt(v)}")
    _legend(canvas, series, frame.height - 30)
    table = Table(
        caption=title,
        columns=("Month", *(s.name for s in series)),
        rows=tuple(
            (name, *("–" if s.values[i] is None else fmt(s.values[i]) for s in series))  # type: ignore[arg-type]
            for i, name in enumerate(labels)
        ),
        numeric=(False, *(True for _ in series)),
    )
    return canvas.figure(ident=ident, title=title, description=description, table=table)


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval; ``verdict`` says where it stands, in words."""

    label: str
    estimate: float
    lower: float
    upper: float
    verdict: str = ""


# Above, below or within the reference: told by colour, by shape and by the words.
_VERDICT_LOOKS = {
    "above expected": (GREEN, "triangle"),
    "below expected": (RED, "diamond"),
}


def interval_chart(
    *,
    ident: str,
    title: str,
    intervals: Sequence[Interval],
    reference: float,
    reference_label: str,
    fmt: Format,
    description: str,
) -> Figure:
    """Draw a forest plot: each estimate as a mark on its interval, a dashed reference line."""
    row, top = 20, 40
    frame = Frame(WIDTH, top + len(intervals) * row + 46, 170, 300, top, 46)
    canvas = Canvas(frame)
    low = max(0.0, min([i.lower for i in intervals] + [reference]) - 0.02)
    high = min(1.0, max([i.upper for i in intervals] + [reference]) + 0.02)
    scale = LinearScale(low, high, frame.x0, frame.x1)
    x_ref = scale(reference)
    canvas.element("line", "c-mean", x1=num(x_ref), x2=num(x_ref), y1=top - 8, y2=frame.y1)
    canvas.text(x_ref, top - 12, reference_label, "c-muted", text_anchor="middle")
    for n, item in enumerate(intervals):
        y = top + n * row + row / 2
        colour, shape = _VERDICT_LOOKS.get(item.verdict, (BLUE, "circle"))
        canvas.text(frame.x0 - 8, y + 4, item.label, "c-label", text_anchor="end")
        canvas.element(
            "line",
            "c-interval",
            x1=num(scale(item.lower)),
            x2=num(scale(item.upper)),
            y1=num(y),
            y2=num(y),
            stroke=colour,
            stroke_width=2,
        )
        tip = f"{item.label}: {fmt(item.estimate)} ({fmt(item.lower)}–{fmt(item.upper)})"
        _marker(canvas, shape, scale(item.estimate), y, colour, tip)
        canvas.text(
            frame.x1 + 12,
            y + 4,
            f"{fmt(item.estimate)} ({fmt(item.lower)}–{fmt(item.upper)}) {item.verdict}",
            "c-muted",
        )
    for i in range(5):
        value = low + (high - low) * i / 4
        canvas.text(scale(value), frame.y1 + 16, fmt(value), text_anchor="middle")
    canvas.text(
        frame.x0,
        frame.y1 + 36,
        "▲ green: interval above the service rate; ◆ red: below; ● blue: within",
        "c-muted",
    )
    table = Table(
        caption=title,
        columns=("Who", "Estimate", "Lower", "Upper", "Where it stands"),
        rows=tuple(
            (i.label, fmt(i.estimate), fmt(i.lower), fmt(i.upper), i.verdict or "–")
            for i in intervals
        ),
        numeric=(False, True, True, True, False),
    )
    return canvas.figure(ident=ident, title=title, description=description, table=table)


def slug(text: str) -> str:
    """Return an id-safe slug of ``text`` (for figure idents)."""
    out = "".join(c if c.isalnum() else "-" for c in text.lower())
    return esc("-".join(part for part in out.split("-") if part))[:48]
