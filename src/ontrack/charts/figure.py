"""What every chart is made of: an SVG canvas, its styles, and the table beside it.

A chart is a ``Figure``: accessible SVG (``role="img"``, a ``<title>`` and a ``<desc>``
that says what it shows in words) and a ``Table`` with the same numbers, for people who
cannot see the chart and for anyone who wants the exact figures. Styles are SVG
presentation attributes written on each element, so a chart looks the same on a web page
and in a self-contained report with no stylesheet; a page's CSS can still override them.
Lines differ by dash pattern and points by shape as well as by colour.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# NHS.UK palette (service-manual colours); text colours meet WCAG 2.2 AA on white.
BLUE, DARK_BLUE, BLACK, GREY_1 = "#005eb8", "#003087", "#212b32", "#4c6272"
GREY_3, GREY_4, WHITE = "#aeb7bd", "#d8dde0", "#fff"
RED, ORANGE, GREEN, PURPLE, PLUM, PALE_BLUE = (
    "#d5281b",
    "#ed8b00",
    "#007f3b",
    "#330072",
    "#7c2855",
    "#cfe1f3",
)
FONT = "Arial, Helvetica, sans-serif"

# Presentation attributes by class name: the one place a chart's look is decided.
STYLES: dict[str, dict[str, str]] = {
    "c-grid": {"stroke": GREY_4, "stroke-width": "1"},
    "c-axis": {"stroke": GREY_1, "stroke-width": "1"},
    "c-tickmark": {"stroke": GREY_1},
    "c-tick": {"fill": GREY_1, "font-size": "13"},
    "c-label": {"fill": BLACK, "font-size": "14"},
    "c-value": {"fill": BLACK, "font-size": "13"},
    "c-muted": {"fill": GREY_1, "font-size": "13"},
    "c-band": {"fill": PALE_BLUE, "opacity": "0.8"},
    "c-expected": {"fill": "none", "stroke": BLUE, "stroke-width": "2", "stroke-dasharray": "7 5"},
    "c-boundary": {
        "fill": "none",
        "stroke": RED,
        "stroke-width": "2",
        "stroke-dasharray": "2 4 10 4",
    },
    "c-caseness": {"stroke": BLACK, "stroke-width": "1.5", "stroke-dasharray": "2 3"},
    "c-rc": {"stroke": PURPLE, "stroke-width": "1.5", "stroke-dasharray": "8 3 2 3"},
    "c-actual": {"fill": "none", "stroke": BLACK, "stroke-width": "2.5"},
    "c-alliance": {"fill": "none", "stroke": GREEN, "stroke-width": "2.5"},
    "c-dot": {"fill": WHITE, "stroke": BLACK, "stroke-width": "2.5"},
    "c-dot--risk": {"fill": RED, "stroke": RED},
    "c-dot--alliance": {"stroke": GREEN},
    "c-dot--rupture": {"fill": RED, "stroke": RED},
    "c-goal": {"fill": "none", "stroke-width": "2.5"},
    "c-goal--1": {"stroke": BLUE},
    "c-goal--2": {"stroke": PURPLE, "stroke-dasharray": "8 4"},
    "c-goal--3": {"stroke": PLUM, "stroke-dasharray": "2 3"},
    "c-bar": {"fill": BLUE},
    "c-mean": {"stroke": GREY_1, "stroke-width": "1.5", "stroke-dasharray": "4 3"},
    "e-attended": {"fill": BLACK},
    "e-missed": {"stroke": RED, "stroke-width": "2.5", "fill": "none"},
    "e-not-done": {"stroke": RED, "stroke-width": "2.5", "fill": "none"},
    "e-cancelled": {"fill": WHITE, "stroke": GREY_1, "stroke-width": "2"},
    "e-other": {"fill": GREY_3},
    "e-set": {"fill": BLUE},
    "e-done": {"stroke": GREEN, "stroke-width": "3", "fill": "none"},
    "e-partly": {"stroke": ORANGE, "stroke-width": "3"},
}


def esc(value: object) -> str:
    """Escape text for SVG or HTML (attributes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def num(value: float) -> str:
    """Format a coordinate: one decimal is finer than any screen needs."""
    return f"{value:.1f}"


def label(value: float) -> str:
    """Format a value for people: no needless ".0" ("12", "12.5")."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def percent(value: float | None, digits: int = 1) -> str:
    """Format a 0-1 fraction as a percentage ("–" for none)."""
    return "–" if value is None else f"{100 * float(value):.{digits}f}%"


class Markup(str):
    """Text that is already HTML: template engines that know ``__html__`` place it as is.

    The convention of markupsafe, Jinja and Django (``conditional_escape``), without
    depending on any of them. Only this module makes it, from text it escaped itself.
    """

    __slots__ = ()

    def __html__(self) -> str:
        return self


@dataclass(frozen=True)
class Table:
    """The chart's numbers as a table: its text alternative and its exact figures.

    ``numeric`` marks the columns to align right (numbers); the first column names the row.
    """

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()

    def is_numeric(self, column: int) -> bool:
        return column < len(self.numeric) and self.numeric[column]

    def html(self) -> str:
        """Return a plain ``<table>`` (row headers scoped) for pages without a template."""
        head = "".join(f'<th scope="col">{esc(c)}</th>' for c in self.columns)
        body = []
        for row in self.rows:
            first, *rest = row
            cells = "".join(
                f'<td class="num">{esc(c)}</td>' if self.is_numeric(i) else f"<td>{esc(c)}</td>"
                for i, c in enumerate(rest, 1)
            )
            body.append(f'<tr><th scope="row">{esc(first)}</th>{cells}</tr>')
        return (
            f"<table><caption>{esc(self.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>"
        )


@dataclass(frozen=True)
class Figure:
    """A drawn chart: its SVG and the table with the same numbers.

    ``svg`` is ``Markup``, and so is the figure in a template (``{{ figure }}``): a
    template engine places it as it is; everything inside was escaped when it was drawn.
    """

    ident: str
    title: str
    description: str
    svg: Markup
    table: Table

    def __html__(self) -> str:
        return self.svg

    def __str__(self) -> str:
        return self.svg


@dataclass(frozen=True)
class Frame:
    """The drawing's size and the plot area's margins, in SVG user units."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def x0(self) -> int:
        return self.left

    @property
    def x1(self) -> int:
        return self.width - self.right

    @property
    def y0(self) -> int:
        return self.top

    @property
    def y1(self) -> int:
        return self.height - self.bottom


def attributes(css: str, extra: Mapping[str, object]) -> str:
    """Return ``class`` and the styles of its classes, then ``extra``, as attributes."""
    merged: dict[str, str] = {}
    for name in css.split():
        merged.update(STYLES.get(name, {}))
    merged.update({k.rstrip("_").replace("_", "-"): str(v) for k, v in extra.items()})
    parts = [f'class="{esc(css)}"'] if css else []
    parts += [f'{k}="{esc(v)}"' for k, v in merged.items()]
    return " ".join(parts)


@dataclass
class Canvas:
    """An SVG being drawn: add elements, then ``figure`` it."""

    frame: Frame
    parts: list[str] = field(default_factory=list)

    def element(self, tag: str, css: str = "", tip: str = "", /, **attrs: object) -> None:
        """Add an empty element; ``tip`` becomes its ``<title>`` (a tooltip)."""
        body = f"<title>{esc(tip)}</title>" if tip else ""
        self.parts.append(
            f"<{tag} {attributes(css, attrs)}>{body}</{tag}>"
            if body
            else f"<{tag} {attributes(css, attrs)}/>"
        )

    def text(self, x: float, y: float, content: str, css: str = "c-tick", **attrs: object) -> None:
        self.parts.append(
            f"<text {attributes(css, {'x': num(x), 'y': num(y), **attrs})}>{esc(content)}</text>"
        )

    def hline(self, y: float, css: str) -> None:
        f = self.frame
        self.element("line", css, x1=f.x0, x2=f.x1, y1=num(y), y2=num(y))

    def polyline(self, points: Sequence[tuple[float, float]], css: str, **attrs: object) -> None:
        if len(points) >= 2:
            coords = " ".join(f"{num(x)},{num(y)}" for x, y in points)
            self.element("polyline", css, points=coords, **attrs)

    def polygon(self, points: Sequence[tuple[float, float]], css: str) -> None:
        if len(points) >= 3:
            self.element("polygon", css, points=" ".join(f"{num(x)},{num(y)}" for x, y in points))

    def figure(
        self, *, ident: str, title: str, description: str, table: Table, css: str = ""
    ) -> Figure:
        """Wrap the drawing in its accessible ``<svg>`` and pair it with its table."""
        f, key = self.frame, esc(ident)
        head = (
            f'<svg class="{esc(("app-chart " + css).strip())}" width="{f.width}" '
            f'height="{f.height}" viewBox="0 0 {f.width} {f.height}" role="img" '
            f'aria-labelledby="{key}-title {key}-desc" xmlns="http://www.w3.org/2000/svg" '
            f'preserveAspectRatio="xMinYMin meet" font-family="{FONT}">'
            f'<title id="{key}-title">{esc(title)}</title>'
            f'<desc id="{key}-desc">{esc(description)}</desc>'
        )
        svg = Markup(head + "".join(self.parts) + "</svg>")
        return Figure(ident=ident, title=title, description=description, svg=svg, table=table)
