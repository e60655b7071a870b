from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ontrack.analytics import Period
from ontrack.analytics.measures import measures_from_counts
from ontrack.analytics.reference import reference_report
from ontrack.analytics.spec import tables_from_spec
from ontrack.analytics.suppression import round_count, suppress_measures


@pytest.mark.parametrize(
    ("count", "published"),
    [(0, None), (1, None), (4, None), (5, 5), (7, 5), (8, 10), (12, 10), (13, 15), (1002, 1000)],
)
def test_round_count_withholds_below_5_and_rounds_to_nearest_5(count, published):
    assert round_count(count) == published


@given(st.integers(5, 10**9))
def test_round_count_is_a_multiple_of_5_within_2(count):
    published = round_count(count)

    assert published is not None
    assert published % 5 == 0
    assert abs(published - count) <= 2


def test_rates_with_a_small_numerator_or_denominator_are_withheld():
    row = measures_from_counts(
        {
            "recovered": 4,
            "recovery_denominator": 40,
            "reliable_improvement": 20,
            "finished_course": 41,
        }
    )

    published = suppress_measures(row)

    assert published["recovery_rate"] is None  # numerator 4
    assert published["reliable_improvement_rate"] == 20 / 41  # from unrounded counts
    assert published["finished_course"] == 40
    assert published["recovered"] is None


def test_publication_report_suppresses_every_table():
    tables = tables_from_spec(
        """
        referral
        referral_id | referral_date | end_date   | imd_decile
        r1          | 2024-04-01    | 2024-06-30 | 1
        r2          | 2024-04-01    | 2024-06-30 | 1

        contact
        contact_id | referral_id | contact_date
        c1         | r1          | 2024-04-10
        c2         | r1          | 2024-05-10
        """
    )
    report = reference_report(tables, Period(dt.date(2024, 4, 1), dt.date(2025, 3, 31)))

    published = report.to_dict(publication=True)
    internal = report.to_dict()

    assert internal["referrals"] == 2
    assert published["referrals"] is None
    assert published["by_imd_decile"]["1"]["referrals"] is None
    assert all(row["count"] is None for row in published["funnel"])
    assert all(r["referrals"] is None for r in published["breakdowns"]["month"])
    assert published["suppression_rule"].startswith("Publication rule")
    assert published["therapist_effects"] == []
