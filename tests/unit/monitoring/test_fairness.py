"""Client groups and intervals for ``ontrack validate`` (ontrack.monitoring.fairness)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ontrack.monitoring.fairness import (
    AGE_BANDS,
    ETHNIC_GROUPS,
    group_figures,
    lead_figures,
    wilson,
)


def test_groups_are_the_analytics_breakdowns() -> None:
    from ontrack.analytics.breakdowns import AGE_BANDS as ANALYTICS_AGE_BANDS
    from ontrack.analytics.breakdowns import ETHNIC_GROUPS as ANALYTICS_ETHNIC_GROUPS

    assert AGE_BANDS == ANALYTICS_AGE_BANDS
    assert ETHNIC_GROUPS == ANALYTICS_ETHNIC_GROUPS


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_interval_holds_the_share_and_stays_in_0_1(hits: int, n: int) -> None:
    hits = min(hits, n)
    low, high = wilson(hits, n) or (None, None)
    assert low is not None
    assert high is not None
    assert 0.0 <= low <= hits / n + 1e-12 <= high + 2e-12 <= 1.0 + 2e-12


def test_wilson_of_nothing_is_none() -> None:
    assert wilson(0, 0) is None


def test_group_figures_count_each_course_once() -> None:
    labels = np.array(["a", "b", "a", "b"], dtype=object)
    early = np.array([True, False, False, True])
    failing = np.array([True, True, True, False])
    improved = ~failing
    out = group_figures(labels, early, early, failing, improved, overall=1 / 3)
    assert out["a"]["sensitivity"] == 0.5
    assert out["a"]["failing_courses"] == 2
    assert out["b"]["sensitivity"] == 0.0
    assert out["b"]["false_alarm_rate"] == 1.0


def test_lead_counts_a_flag_at_the_last_session_as_zero() -> None:
    first = np.array([2, 5, -1, 3])
    last = np.array([6, 5, 7, 3])
    out = lead_figures(first, last, np.ones(4, dtype=bool))
    assert out["median_lead_sessions"] == 0.0
    assert out["flagged_only_at_last_session"] == 2 / 3
    assert out["never_flagged"] == 0.25
