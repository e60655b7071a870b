"""``validate`` on a small simulated service: the report, and no leakage between folds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from ontrack.monitoring import validation
from ontrack.monitoring.calibrate import CalibrationSettings
from ontrack.monitoring.history import build_history
from ontrack.monitoring.validation import ValidationSettings, validate

# Cross-validated calibration on 2,500 referrals: seconds per fold.
pytestmark = pytest.mark.slow

SETTINGS = ValidationSettings(folds=3, review_sample=90, calibration=CalibrationSettings())


@pytest.fixture(scope="module")
def report(service) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return validate(service, SETTINGS)


def test_report_has_every_headline_figure(report: dict[str, Any]) -> None:
    for key in (
        "episodes", "sensitivity", "deterioration_sensitivity", "false_alarm_rate",
        "median_lead_sessions", "by_imd_decile", "trade_off", "cause_in_top_two", "dropout",
    ):  # fmt: skip
        assert key in report
    assert report["episodes"] > 500
    for key in ("sensitivity", "deterioration_sensitivity", "false_alarm_rate"):
        assert 0.0 <= report[key] <= 1.0


def test_report_breaks_figures_down_by_every_imd_decile(report: dict[str, Any]) -> None:
    deciles = report["by_imd_decile"]

    assert set(deciles) == {str(d) for d in range(1, 11)} | {"unknown"}
    assert all({"sensitivity", "false_alarm_rate"} <= set(v) for v in deciles.values())


def test_trade_off_gives_flags_by_session_3_matching_the_headline(
    report: dict[str, Any],
) -> None:
    calibrated = next(p for p in report["trade_off"] if p["shift"] == 0.0)
    by_three = [p["deterioration_flagged_by_session_3"] for p in report["trade_off"]]

    assert calibrated["deterioration_flagged_by_session_3"] == pytest.approx(
        report["deterioration_flagged_by_session_3"]
    )
    assert by_three == sorted(by_three, reverse=True)


def test_report_has_issue_16_figures(report: dict[str, Any]) -> None:
    for key in ("deterioration_flagged_by_session_3", "flagged_by_session_3", "dropout_auc"):
        assert 0.0 <= report[key] <= 1.0
    # Flagged by session 3 is a subset of flagged at all, so never above sensitivity's cohort
    # share of ever-flagged deteriorations.
    early = report["early_flags"]["deterioration_flagged_by_session_3"]
    assert early["interval"][0] <= early["share"] <= early["interval"][1]
    calibration = report["dropout"]["calibration"]
    assert 0.5 < calibration["slope"] < 1.5
    assert len(calibration["by_decile_of_prediction"]) == 10
    assert report["relapse"]["courses"] > 0


@pytest.mark.parametrize("key", ["by_ethnicity", "by_age_band", "by_gender", "by_course_shape"])
def test_every_client_group_has_sensitivity_with_an_interval(
    report: dict[str, Any], key: str
) -> None:
    groups = report[key]
    assert len(groups) >= 2
    for figures in groups.values():
        if figures["failing_courses"]:
            low, high = figures["sensitivity_interval"]
            assert low <= figures["sensitivity"] <= high
        assert figures["failing_courses"] >= 0
        assert figures["improved_courses"] >= 0
    assert sum(g["failing_courses"] for g in groups.values()) == report["counts"]["failing_courses"]


def test_false_alarms_are_broken_down_by_ground_truth_course_shape(
    report: dict[str, Any],
) -> None:
    shapes = report["false_alarm_by_course_shape"]
    assert {"steady", "slow"} <= set(shapes)


def test_trade_off_moves_the_right_way(report: dict[str, Any]) -> None:
    curve = report["trade_off"]
    sensitivity = [point["sensitivity"] for point in curve]
    alarms = [point["false_alarm_rate"] for point in curve]

    assert sensitivity == sorted(sensitivity, reverse=True)
    assert alarms == sorted(alarms, reverse=True)


def test_report_compares_models_and_boundaries(report: dict[str, Any]) -> None:
    assert set(report["models"]) == {"knn", "curve"}
    assert set(report["models"]["knn"]) == {"failure", "spread"}


def test_why_review_accuracy_is_reported_with_truth(report: dict[str, Any]) -> None:
    assert report["reviews"] > 0
    assert 0.0 <= report["cause_in_top_two"] <= 1.0
    assert report["cause_by_kind"]


def test_models_are_fitted_on_other_folds_only(service, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[np.ndarray] = []
    real = validation.calibrate

    def recording(history, rows=None, settings=None):  # type: ignore[no-untyped-def]
        seen.append(np.asarray(rows))
        return real(history, rows, settings)

    monkeypatch.setattr(validation, "calibrate", recording)
    folds = validation._folds(service, 3, 0)
    persons = service.tables["referral"].column("person_id").to_pandas().astype(str).to_numpy()

    validate(service, ValidationSettings(folds=3, review_sample=0))

    assert len(seen) == 3
    for fold, train in enumerate(seen):
        test = np.nonzero(folds == fold)[0]
        assert np.intersect1d(train, test).size == 0
        assert np.union1d(train, test).size == service.size
        assert not set(persons[train]) & set(persons[test])


def test_validate_without_truth_table_skips_the_review_figure(service_tables) -> None:  # type: ignore[no-untyped-def]
    tables = {k: v for k, v in service_tables.items() if k != "truth"}

    report = validate(build_history(tables), ValidationSettings(folds=2, review_sample=20))

    assert report["cause_in_top_two"] is None
    assert report["sensitivity"] is not None


def test_validate_rejects_one_fold(service) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="at least 2 folds"):
        validate(service, ValidationSettings(folds=1))
