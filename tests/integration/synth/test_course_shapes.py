"""Course shapes beyond the trajectory classes leave the traces they describe (issue 16).

Worse before better during exposure work, relapse after improvement, high week-to-week
variability, and missed appointments that follow circumstances and deprivation; the truth
table names each referral's shape (``course_shape``) and features (``course_features``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ontrack.monitoring.history import ServiceHistory, build_history
from ontrack.synth import simulate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def service() -> ServiceHistory:
    return build_history(simulate(referrals=20_000, seed=91))


def _shape(service: ServiceHistory, name: str) -> np.ndarray:
    truth = service.truth
    assert truth is not None
    features = truth["course_features"].fillna("").str.split(";")
    return np.asarray(features.apply(lambda f: name in f).to_numpy(), dtype=bool)


def _treated(service: ServiceHistory, minimum: int = 4) -> np.ndarray:
    return np.asarray(service.sessions_attended >= minimum)


def _scores(service: ServiceHistory, code: str) -> np.ndarray:
    arrays = service.measure(code)
    assert arrays is not None
    return arrays.by_session[:, 1:]


def test_truth_names_every_shape(service: ServiceHistory) -> None:
    truth = service.truth
    assert truth is not None
    shapes = set(truth["course_shape"].unique())
    assert {"exposure_spike", "relapse", "high_variability", "steady", "early"} <= shapes


def test_exposure_work_rises_before_the_course_improves(service: ServiceHistory) -> None:
    gad = _scores(service, "GAD-7")
    rise = np.nanmax(np.diff(gad[:, :12], axis=1), axis=1, initial=-np.inf)
    end = service.measure("GAD-7").placed_last - service.measure("GAD-7").placed_first  # type: ignore[union-attr]
    spike = _shape(service, "exposure_spike") & _treated(service, 6)
    volatile = _shape(service, "high_variability")
    others = _treated(service, 6) & ~spike & ~volatile & ~_shape(service, "relapse")

    assert spike.sum() > 150
    assert np.mean(rise[spike]) > np.mean(rise[others]) + 0.7
    # ... and then improves about as much as everyone else: worse before better.
    assert np.nanmean(end[spike]) < np.nanmean(end[others]) + 1.0


def test_a_relapse_loses_the_gains_made_earlier(service: ServiceHistory) -> None:
    phq = _scores(service, "PHQ-9")
    arrays = service.measure("PHQ-9")
    assert arrays is not None
    best = arrays.intake - np.nanmin(np.where(np.isnan(phq), np.inf, phq), axis=1)
    final = arrays.placed_last - arrays.intake
    relapse = _shape(service, "relapse") & _treated(service, 6)
    steady = _treated(service, 6) & (service.truth["course_shape"] == "steady").to_numpy()  # type: ignore[index]

    assert relapse.sum() > 100
    assert np.nanmean(best[relapse]) > 5  # improved first ...
    assert np.nanmean(final[relapse]) > np.nanmean(final[steady]) + 5  # ... then lost it


def test_volatile_clients_swing_more_from_week_to_week(service: ServiceHistory) -> None:
    phq = _scores(service, "PHQ-9")
    swing = pd.DataFrame(np.diff(phq[:, :10], axis=1)).std(axis=1).to_numpy()
    volatile = _shape(service, "high_variability") & _treated(service, 6)
    usual = _treated(service, 6) & (service.truth["course_features"].fillna("") == "").to_numpy()  # type: ignore[index]

    assert np.nanmean(swing[volatile]) > 1.3 * np.nanmean(swing[usual])


def test_missed_appointments_follow_circumstances_and_deprivation(service: ServiceHistory) -> None:
    contacts = service.contacts
    missed = contacts["attendance"].isin(["2", "3", "7"]).to_numpy()
    per_ref = np.bincount(contacts["ref"].to_numpy(), weights=missed, minlength=service.size)
    treated = _treated(service, 4)
    stressed = service.truth["causes"].fillna("").str.contains("social_stressor").to_numpy()  # type: ignore[index]
    stalled = service.truth["trajectory_class"].isin(["non_responder", "deteriorator"])  # type: ignore[index]
    stalled = stalled.to_numpy()
    plain = treated & ~stressed & ~stalled & ~_shape(service, "relapse")
    imd = service.imd

    rate = pd.Series(per_ref / np.maximum(service.sessions_attended, 1))
    assert rate[treated & stressed].mean() > rate[plain].mean() * 1.2
    assert rate[treated & stalled & ~stressed].mean() > rate[plain].mean() * 1.1
    assert rate[plain & (imd <= 2)].mean() > rate[plain & (imd >= 9)].mean()
