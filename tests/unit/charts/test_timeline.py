"""The timeline's charts: values land where they should, the tables hold every point, and
nothing is drawn outside the chart whatever the scores."""

from __future__ import annotations

import datetime as dt

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
from ontrack.charts.timeline import BOTTOM, LEFT, RIGHT, TOP, WIDTH

START = dt.date(2026, 3, 2)


def _weekly(totals: list[float]) -> list[charts.ScorePoint]:
    return [
        charts.ScorePoint(START + dt.timedelta(days=7 * i), t, i or None)
        for i, t in enumerate(totals)
    ]


def _course(n: int) -> list[charts.CoursePoint]:
    return [
        charts.CoursePoint(START + dt.timedelta(days=7 * i), 18 - i, 3, 21 - i / 2)
        for i in range(1, n + 1)
    ]


def _phq9(scores: list[charts.ScorePoint], course: list[charts.CoursePoint]) -> charts.Figure:
    axis = charts.date_axis([s.day for s in scores] + [c.day for c in course])
    return charts.score_chart(
        ident="chart-phq9",
        measure="PHQ-9",
        low=0,
        high=27,
        axis=axis,
        scores=scores,
        course=course,
        caseness=10,
        reliable_change=6,
        intake=scores[0].total if scores else None,
        description="PHQ-9 over time.",
    )


def test_score_dots_sit_at_their_date_and_value() -> None:
    scores = _weekly([18, 15, 12])
    figure = _phq9(scores, [])
    root = parse(figure)
    axis = charts.date_axis([s.day for s in scores])
    height = size(root)[1]

    dots = [points(c)[0] for c in find(root, "circle", "c-dot")]

    inner = height - TOP - BOTTOM
    expected = [(axis.x(s.day), TOP + inner * (27 - s.total) / 27) for s in scores]
    assert dots == [pytest.approx(p, abs=0.05) for p in expected]


def test_the_table_holds_every_score_and_every_course_point() -> None:
    scores, course = _weekly([18, 15, 12]), _course(5)

    table = _phq9(scores, course).table

    days = {row[0] for row in table.rows}
    assert days == {f"{d:%-d %b %Y}" for d in [s.day for s in scores] + [c.day for c in course]}
    by_day = {row[0]: row for row in table.rows}
    assert by_day["2 Mar 2026"][1:3] == ("intake", "18")
    assert by_day["16 Mar 2026"][1:] == ("2", "12", "16 ± 3", "20")
    assert by_day["6 Apr 2026"][2:] == ("–", "13 ± 3", "18.5")  # projected, not yet seen


def test_course_band_expected_and_boundary_are_drawn_with_their_own_dashes() -> None:
    root = parse(_phq9(_weekly([18, 15]), _course(4)))

    band = find(root, "polygon", "c-band")
    expected = find(root, "polyline", "c-expected")
    boundary = find(root, "polyline", "c-boundary")

    assert len(band) == len(expected) == len(boundary) == 1
    assert len(points(band[0])) == 8  # upper edge out, lower edge back
    assert expected[0].get("stroke-dasharray") != boundary[0].get("stroke-dasharray")
    assert len(find(root, "line", "c-caseness")) == 1
    assert len(find(root, "line", "c-rc")) == 2


def test_chart_is_an_image_with_a_title_and_a_description() -> None:
    root = parse(_phq9(_weekly([18]), []))

    assert root.get("role") == "img"
    assert accessible_name(root) == ("PHQ-9 scores over time", "PHQ-9 over time.")


def test_text_is_escaped_not_trusted() -> None:
    axis = charts.date_axis([START])
    figure = charts.score_chart(
        ident='x"><script>',
        measure="<b>M&M</b>",
        low=0,
        high=10,
        axis=axis,
        scores=[charts.ScorePoint(START, 3, None)],
        description="<script>alert(1)</script>",
    )

    assert "<script>" not in figure.svg
    assert "<b>" not in figure.svg
    assert accessible_name(parse(figure))[0] == "<b>M&M</b> scores over time"


def test_risk_answers_are_marked_by_more_than_colour() -> None:
    scores = [charts.ScorePoint(START, 20, None, risk=True)]
    figure = _phq9(scores, [])

    dot = find(parse(figure), "circle", "c-dot--risk")

    assert len(dot) == 1
    assert "risk item answered positively" in figure.svg  # the dot's own title
    assert figure.table.rows[0][2] == "20 (risk)"


@given(
    totals=st.lists(st.floats(-50, 80, allow_nan=False), min_size=1, max_size=25),
    offsets=st.lists(st.integers(-3, 400), min_size=1, max_size=25),
)
def test_nothing_is_drawn_outside_the_chart(totals: list[float], offsets: list[int]) -> None:
    scores = [
        charts.ScorePoint(START + dt.timedelta(days=o), t, i or None)
        for i, (t, o) in enumerate(zip(totals, offsets, strict=False))
    ]
    course = [charts.CoursePoint(s.day, s.total + 5, abs(s.total) + 1, s.total * 2) for s in scores]
    root = parse(_phq9(scores, course))
    width, height = size(root)

    for element in drawn(root):
        for point in points(element):
            assert within(point, (0, 0, width, height)), (element.get("class"), point)
    for element in [*find(root, "circle"), *find(root, "polyline"), *find(root, "polygon")]:
        for point in points(element):
            assert within(point, (LEFT, TOP, WIDTH - RIGHT, height - BOTTOM)), point


def test_charts_share_the_axis_so_dates_line_up() -> None:
    scores = _weekly([18, 15, 12])
    axis = charts.date_axis([s.day for s in scores])
    alliance = charts.alliance_chart(
        ident="chart-alliance",
        measure="SRS",
        low=0,
        high=40,
        axis=axis,
        ratings=[(s.day, 30.0 + i, i == 2) for i, s in enumerate(scores)],
        cutoff=36,
        description="SRS.",
    )
    phq9 = charts.score_chart(
        ident="p", measure="PHQ-9", low=0, high=27, axis=axis, scores=scores, description="."
    )

    xs = [points(c)[0][0] for c in find(parse(alliance), "circle")]

    assert xs == [points(c)[0][0] for c in find(parse(phq9), "circle")]
    assert [row[2] for row in alliance.table.rows] == ["no", "no", "yes"]
    assert len(find(parse(alliance), "circle", "c-dot--rupture")) == 1


def test_goals_each_have_their_own_line_and_table_rows() -> None:
    axis = charts.date_axis([START, START + dt.timedelta(days=14)])
    goals = [
        (1, [(START, 2.0), (START + dt.timedelta(days=14), 5.0)]),
        (2, [(START + dt.timedelta(days=7), 4.0)]),
    ]

    figure = charts.goals_chart(ident="g", axis=axis, goals=goals, description="Goals.")

    root = parse(figure)
    assert len(find(root, "polyline", "c-goal--1")) == 1  # one rating draws no line
    assert len(find(root, "circle", "c-goal--2")) == 1
    assert sorted(figure.table.rows) == sorted(
        [("2 Mar 2026", "1", "2"), ("16 Mar 2026", "1", "5"), ("9 Mar 2026", "2", "4")]
    )


def test_events_strip_draws_a_distinct_shape_per_kind_and_lists_each() -> None:
    axis = charts.date_axis([START, START + dt.timedelta(days=21)])
    homework = {"set", "done", "partly", "not_done"}
    kinds = ["attended", "missed", "cancelled", "other", "set", "done", "partly", "not_done"]
    events = [
        charts.Event(START + dt.timedelta(days=3 * i), int(k in homework), k, f"{k} event")
        for i, k in enumerate(kinds)
    ]

    figure = charts.events_strip(ident="e", axis=axis, events=events, description="Events.")

    root = parse(figure)
    shapes = {}
    for kind in kinds:
        (mark,) = [e for e in drawn(root) if e.get("class") == "e-" + kind.replace("_", "-")]
        outline = "".join(c for c in mark.get("d", "") if c.isalpha())  # "MLLZ": a triangle
        shapes[kind] = (mark.tag, outline, mark.get("r"), mark.get("fill"))
        assert mark.find("{http://www.w3.org/2000/svg}title").text == f"{kind} event"
    # Told apart by shape, not only colour: missed and not done share the cross, in two rows.
    assert len(set(shapes.values())) == len(kinds) - 1
    assert [row[2] for row in figure.table.rows] == [f"{k} event" for k in kinds]
    assert {row[1] for row in figure.table.rows} == {"Session", "Homework"}
