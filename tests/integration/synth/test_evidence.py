"""Every planted cause of failure leaves evidence in the observable tables.

These are the traces an early-warning engine or a why-review can look for; the truth table
says which referrals carry which cause (primary first) and from which session.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ontrack.synth import simulate

# 12,000 referrals: enough of each planted cause to see its trace.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    tables = simulate(referrals=12_000, seed=77)
    return {name: table.to_pandas() for name, table in tables.items()}


def _with_cause(frames, cause: str, *, primary: bool = False) -> pd.DataFrame:
    truth = frames["truth"]
    if primary:
        return truth[truth.causes.str.split(";").str[0] == cause]
    return truth[truth.causes.str.split(";").apply(lambda c: cause in c)]


def _clean(frames) -> pd.DataFrame:
    truth = frames["truth"]
    treated = frames["contact"].dropna(subset=["session_number"]).referral_id.unique()
    return truth[(truth.causes == "") & truth.referral_id.isin(treated)]


def _by_session(frames, table: str, measure: str | None = None) -> pd.DataFrame:
    data = frames[table]
    if measure is not None:
        data = data[data.measure == measure]
    sessions = frames["contact"][["contact_id", "session_number", "contact_date", "therapist_id"]]
    return data.merge(sessions, on="contact_id")


def test_rupture_shows_as_a_fall_in_the_session_rating_that_stays(frames):
    ruptured = _with_cause(frames, "rupture", primary=True)
    rating = _by_session(frames, "alliance").merge(ruptured[["referral_id", "onset_session"]])
    before = rating[rating.session_number == rating.onset_session - 1].set_index("referral_id")
    at = rating[rating.session_number == rating.onset_session].set_index("referral_id")
    after = rating[rating.session_number > rating.onset_session].groupby("referral_id").total.mean()
    both = before.join(at, suffixes=("_before", "_at"), how="inner")

    drop = both.total_before - both.total_at
    later = after.reindex(both.index).dropna()
    assert len(both) > 50
    assert (drop >= 5).mean() > 0.8
    assert (later < both.total_before.loc[later.index]).mean() > 0.85


def test_social_stressor_is_recorded_and_raises_scores_when_it_arrives(frames):
    stressed = _with_cause(frames, "social_stressor", primary=True)
    stressed = stressed[stressed.onset_session >= 2]
    phq = _by_session(frames, "score", "PHQ-9").merge(stressed[["referral_id", "onset_session"]])
    before = phq[phq.session_number == phq.onset_session - 1].set_index("referral_id").total
    at = phq[phq.session_number == phq.onset_session].set_index("referral_id").total
    rise = (at - before).dropna()
    recorded = frames["circumstance"].referral_id.isin(stressed.referral_id).sum()

    assert len(rise) > 30
    assert rise.mean() >= 3
    assert recorded / len(stressed) > 0.6


def test_overloaded_therapist_cancels_more_and_carries_more_cases(frames):
    overloaded = set(_with_cause(frames, "overloaded_therapist").referral_id)
    contact = frames["contact"]
    treatment = contact[contact.app_type.isin(["02", "03", "05"])]
    in_case = treatment.referral_id.isin(overloaded)
    provider_cancelled = treatment.attendance == "4"

    assert provider_cancelled[in_case].mean() > 1.5 * provider_cancelled[~in_case].mean()


def test_wrong_focus_is_depression_recorded_while_anxiety_is_the_elevated_measure(frames):
    wrong = _with_cause(frames, "wrong_focus")
    referral = frames["referral"].set_index("referral_id").loc[wrong.referral_id]
    first = (
        _by_session(frames, "score")
        .sort_values("contact_date")
        .groupby(["referral_id", "measure"])
        .total.first()
        .unstack()
        .reindex(wrong.referral_id)
    )

    assert referral.problem_descriptor.isin(["F32", "F33"]).all()
    assert (first["GAD-7"] / 21 > first["PHQ-9"] / 27).mean() > 0.8
    assert (first["GAD-7"] >= 8).mean() > 0.9


def test_wrong_therapy_is_visible_in_the_therapy_codes(frames):
    wrong = set(_with_cause(frames, "wrong_therapy").referral_id)
    contact = frames["contact"]
    mismatched = {"286711000000107", "1127281000000100", "748101000000105"}
    used = contact[contact.referral_id.isin(wrong)].groupby("referral_id").therapy.agg(set)

    share = used.apply(lambda codes: bool(codes & mismatched)).mean()
    assert share > 0.9


def test_no_goals_means_no_goal_ratings(frames):
    without = set(_with_cause(frames, "no_goals").referral_id)
    rated = set(frames["goal_rating"].referral_id)

    assert without
    assert not (without & rated)


def test_no_homework_shows_as_tasks_not_done(frames):
    lacking = set(_with_cause(frames, "no_homework").referral_id)
    homework = frames["homework"].dropna(subset=["outcome"])
    done = homework.outcome == "done"

    assert (
        done[homework.referral_id.isin(lacking)].mean()
        < 0.5 * done[~homework.referral_id.isin(lacking)].mean()
    )


def test_wrong_pace_shows_as_long_gaps_between_sessions(frames):
    slow = set(_with_cause(frames, "wrong_pace").referral_id)
    sessions = (
        frames["contact"]
        .dropna(subset=["session_number"])
        .sort_values(["referral_id", "contact_date"])
    )
    sessions["day"] = pd.to_datetime(sessions.contact_date)
    gaps = sessions.groupby("referral_id").day.apply(lambda d: d.diff().dt.days.median())

    assert gaps[gaps.index.isin(slow)].median() >= 21
    assert gaps[~gaps.index.isin(slow)].median() <= 14


def test_poor_match_starts_with_a_weaker_alliance(frames):
    poor = _with_cause(frames, "poor_match")
    clean = _clean(frames)
    first = (
        _by_session(frames, "alliance")
        .sort_values("contact_date")
        .groupby("referral_id")
        .total.first()
    )

    assert first.reindex(poor.referral_id).mean() < first.reindex(clean.referral_id).mean() - 1.5


def test_clean_courses_mostly_improve_and_caused_ones_mostly_do_not(frames):
    truth = frames["truth"]
    treated = frames["contact"].dropna(subset=["session_number"]).referral_id.unique()
    truth = truth[truth.referral_id.isin(treated)]
    responders = truth.trajectory_class.isin(["steady", "early", "sudden_gain"])
    caused = truth.causes != ""

    assert responders[~caused].mean() > 0.75
    assert responders[caused].mean() < 0.35
    assert truth.would_improve[caused].mean() > 0.6  # most would have improved without the cause
    assert np.isin(
        truth.trajectory_class.unique(),
        ["steady", "early", "sudden_gain", "sudden_loss", "slow", "non_responder", "deteriorator"],
    ).all()
