"""Scales map values and dates to positions inside their range, whatever the input."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import given
from hypothesis import strategies as st

from ontrack.charts import DateAxis, LinearScale, nice_ceiling, nice_step

finite = st.floats(-1e6, 1e6, allow_nan=False)


def test_linear_scale_maps_its_ends_and_middle() -> None:
    scale = LinearScale(0, 27, 238, 12)  # a value axis: higher values higher up

    assert (scale(0), scale(27), scale(13.5)) == (238, 12, 125)


@given(value=finite, low=st.floats(-100, 100), span=st.floats(0.1, 1000))
def test_linear_scale_never_leaves_its_range(value: float, low: float, span: float) -> None:
    scale = LinearScale(low, low + span, 10, 500)

    assert 10 <= scale(value) <= 500


@given(low=st.floats(-100, 100), span=st.floats(0.01, 10_000))
def test_ticks_are_round_inside_the_scale_and_few(low: float, span: float) -> None:
    scale = LinearScale(low, low + span, 0, 100)

    ticks = scale.ticks()

    assert 2 <= len(ticks) <= 7
    assert all(scale.low - 1e-6 * span <= t <= scale.high + 1e-6 * span for t in ticks)
    step = ticks[1] - ticks[0]
    assert math.isclose(step, nice_step(span), rel_tol=1e-6)


@given(span=st.floats(1e-3, 1e9))
def test_nice_step_is_one_two_two_and_a_half_or_five_times_ten(span: float) -> None:
    step = nice_step(span)

    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-12)
    assert any(math.isclose(mantissa, m) for m in (1, 2, 2.5, 5))
    assert span / step <= 6 + 1e-9


@given(value=st.floats(1e-3, 1e9))
def test_nice_ceiling_is_at_least_the_value_and_under_double_and_a_half(value: float) -> None:
    ceiling = nice_ceiling(value)

    assert value <= ceiling * (1 + 1e-9)
    assert ceiling <= 2.5 * value


def test_date_axis_spans_at_least_four_weeks_with_margins() -> None:
    day = dt.date(2026, 3, 4)

    axis = DateAxis.spanning([day])

    assert axis.start == day - dt.timedelta(days=4)
    assert (axis.end - axis.start).days == 28


@given(
    days=st.lists(st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)), min_size=1, max_size=30),
    probe=st.dates(dt.date(2015, 1, 1), dt.date(2035, 1, 1)),
)
def test_date_axis_keeps_every_date_inside_and_in_order(
    days: list[dt.date], probe: dt.date
) -> None:
    axis = DateAxis.spanning(days, 64, 744)

    xs = [axis.x(d) for d in sorted(days)]

    assert all(64 <= x <= 744 for x in [*xs, axis.x(probe)])
    assert xs == sorted(xs)
    ticks = axis.ticks()
    assert all(t.weekday() == 0 and axis.start <= t <= axis.end for t in ticks)
