"""Bars, columns, lines and intervals: values map to lengths and positions, missing values
say so, every value is in the table, and nothing leaves the drawing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.charts.svgparse import (
    accessible_name,
    drawn,
    find,
    parse,
    points,
    size,
    within,
)

from ontrack import charts
from ontrack.charts import service

rate = st.none() | st.floats(0, 1)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def test_bar_lengths_are_proportional_to_the_values() -> None:
    bars = [charts.Bar("referred", 200), charts.Bar("assessed", 150), charts.Bar("none", None)]

    figure = charts.bar_chart(
        ident="f", title="Funnel", bars=bars, fmt=lambda v: f"{v:g}", description="d"
    )

    widths = [float(r.get("width", "0")) for r in find(parse(figure), "rect", "c-bar")]
    assert len(widths) == 2  # nothing drawn for the missing one
    assert widths[1] / widths[0] == pytest.approx(0.75, abs=0.001)
    assert figure.table.rows == (("referred", "200"), ("assessed", "150"), ("none", "n/a"))
    assert "n/a" in figure.svg


def test_column_heights_follow_the_values_on_a_fixed_maximum() -> None:
    bars = [charts.Bar(str(d), v) for d, v in ((1, 0.25), (2, 0.5), (3, None), (4, 1.0))]

    figure = charts.column_chart(
        ident="c",
        title="By decile",
        bars=bars,
        fmt=_pct,
        description="d",
        maximum=1.0,
        x_title="decile",
    )

    heights = [float(r.get("height", "0")) for r in find(parse(figure), "rect", "c-bar")]
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.1)
    assert heights[2] == pytest.approx(4 * heights[0], abs=0.1)
    assert [row[1] for row in figure.table.rows] == ["25.0%", "50.0%", "n/a", "100.0%"]


def test_line_series_differ_by_dash_and_marker_as_well_as_colour() -> None:
    series = [charts.Series(n, (0.2, None, 0.4)) for n in ("a", "b", "c", "d")]

    figure = charts.line_chart(
        ident="l",
        title="t",
        labels=["Jan", "Feb", "Mar"],
        series=series,
        fmt=_pct,
        description="d",
        maximum=1.0,
    )

    root = parse(figure)
    lines = find(root, "polyline", "c-series")
    assert len({line.get("stroke-dasharray") for line in lines}) == 4
    markers = [(e.tag, e.get("fill")) for e in drawn(root) if e.get("class") == "c-point"]
    assert len({tag for tag, _ in markers}) >= 3  # circle, square (rect), triangle/diamond (path)
    assert figure.table.rows[1] == ("Feb", "–", "–", "–", "–")  # a gap, said as a gap
    assert figure.table.columns == ("Month", "a", "b", "c", "d")


def test_interval_chart_marks_each_estimate_inside_its_interval() -> None:
    intervals = [
        charts.Interval("T1 (40)", 0.6, 0.5, 0.7, "above expected"),
        charts.Interval("T2 (12)", 0.3, 0.1, 0.45, "below expected"),
        charts.Interval("T3 (30)", 0.48, 0.4, 0.56, "within expected range"),
    ]

    figure = charts.interval_chart(
        ident="i",
        title="t",
        intervals=intervals,
        reference=0.5,
        reference_label="service 50%",
        fmt=_pct,
        description="d",
    )

    root = parse(figure)
    for line, marker in zip(
        find(root, "line", "c-interval"),
        [e for e in root.iter() if e.get("class") == "c-point"],  # in drawing order
        strict=True,
    ):
        (x1, _), (x2, _) = points(line)
        xs = [x for x, _ in points(marker)]
        assert x1 <= sum(xs) / len(xs) <= x2
    assert [row[-1] for row in figure.table.rows] == [i.verdict for i in intervals]
    assert "above the service rate" in figure.svg  # the key says it in words


@given(
    funnel=st.lists(st.none() | st.integers(0, 10**6), min_size=1, max_size=8),
    deciles=st.lists(rate, min_size=10, max_size=10),
    months=st.lists(st.tuples(rate, rate, st.none() | st.integers(0, 5000)), max_size=40),
)
def test_service_figures_stay_inside_their_drawing_for_any_figures(
    funnel: list[int | None],
    deciles: list[float | None],
    months: list[tuple[float | None, float | None, int | None]],
) -> None:
    figures = [
        service.funnel(
            [{"stage": f"s{i}", "count": c, "itt_rate": None} for i, c in enumerate(funnel)]
        ),
        service.recovery_by_decile(
            {str(d): {"recovery_rate": v} for d, v in enumerate(deciles, 1)}
        ),
        service.monthly_rates(
            [
                {
                    "group": f"m{i}",
                    "recovery_rate": r,
                    "dna_rate": d,
                    "finished_course": n,
                    "appointments": n,
                }
                for i, (r, d, n) in enumerate(months)
            ]
        ),
    ]
    for figure in figures:
        root = parse(figure)
        width, height = size(root)
        for element in drawn(root):
            if element.tag.endswith("text"):
                continue  # labels may sit in the margins, but never off the drawing:
            for point in points(element):
                assert within(point, (0, 0, width, height)), (figure.ident, point)
        for element in find(root, "text"):
            assert within(points(element)[0], (0, 0, width, height))
        assert (
            len(figure.table.rows)
            == {"chart-funnel": len(funnel), "chart-deciles": 10, "chart-month-rates": len(months)}[
                figure.ident
            ]
        )


def test_service_figures_are_images_named_in_words() -> None:
    deciles = {"1": {"recovery_rate": 0.4}, "10": {"recovery_rate": 0.52}}

    root = parse(service.recovery_by_decile(deciles))

    title, description = accessible_name(root)
    assert title.startswith("Recovery rate by IMD decile (1 = most deprived")
    assert description == "Recovery by decile: decile 1 40.0%; decile 10 52.0%."
