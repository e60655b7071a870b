"""The likely-wait rule: people ahead over the recent pace of allocation, honest when
there is no pace to go by."""

from __future__ import annotations

import pytest

from ontrack.pathway.waits import WaitEstimate, estimate_wait


def test_ahead_over_the_pace_rounded_up() -> None:
    # 6 allocated in 12 weeks: one every two weeks; 4 ahead, so the 5th: about 10 weeks.
    found = estimate_wait(ahead=4, recent_waits_days=[70, 70, 84, 84, 98, 98])
    assert (found.allocated, found.weeks, found.median_recent_weeks) == (6, 10, 12)
    assert found.per_week == pytest.approx(0.5)


def test_first_in_line_at_a_fast_pace_is_a_week_or_less() -> None:
    found = estimate_wait(ahead=0, recent_waits_days=[3] * 48)
    assert found.weeks == 1
    assert "a week or less" in found.words(you=True)


def test_nobody_allocated_gives_no_figure_and_says_so() -> None:
    found = estimate_wait(ahead=7, recent_waits_days=[])
    assert found.weeks is None
    words = found.words(you=True)
    assert "7 people are waiting ahead of you" in words
    assert "cannot honestly say" in words


def test_words_for_staff_and_client_give_the_same_figure() -> None:
    found = WaitEstimate(ahead=1, allocated=3, window_days=84, weeks=8, median_recent_weeks=9)
    assert "about 8 weeks" in found.words()
    assert "about 8 weeks" in found.words(you=True)
    assert "1 person is waiting ahead of someone joining now" in found.words()
    assert "not a promise" in found.words()


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="ahead"):
        estimate_wait(ahead=-1, recent_waits_days=[])
