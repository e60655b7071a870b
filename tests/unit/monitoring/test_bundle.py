"""Model bundles: round trip, the shipped default, and clear errors for bad files."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import numpy as np
import pytest

from ontrack.monitoring import (
    ModelChoice,
    ModelFileError,
    ModelNotFoundError,
    MonitoringConfig,
    NoIntakeScoreError,
    ProgressStatus,
    default_bundle,
    evaluate_episode,
    load_bundle,
    save_bundle,
)
from ontrack.monitoring.episode import AllianceRecord
from ontrack.monitoring.models.dropout import DROPOUT_FEATURES, DropoutModel
from ontrack.monitoring.testing import toy_bundle, weekly_episode

EPISODE = weekly_episode(phq9=[16, 15, 14, 12], gad7=[12, 12, 11, 10], alliance=[None, 35, 36, 30])


def _bundle_file(tmp_path: Path) -> Path:
    bundle = toy_bundle(knn=True, failure=True)
    width = len(DROPOUT_FEATURES)
    bundle.dropout = DropoutModel((0.0,) * width, (1.0,) * width, (0.1,) * width, -1.0, {"x": 1.0})
    path = tmp_path / "models.npz"
    save_bundle(bundle, path)
    return path


def test_saved_bundle_gives_identical_evaluations(tmp_path: Path) -> None:
    path = _bundle_file(tmp_path)
    original = toy_bundle(knn=True, failure=True)
    original.dropout = load_bundle(path).dropout

    loaded = load_bundle(path)

    for model in ModelChoice:
        config = MonitoringConfig(model=model)
        assert evaluate_episode(EPISODE, loaded, config).to_json() == (
            evaluate_episode(EPISODE, original, config).to_json()
        )


def test_shipped_default_bundle_is_labelled_as_simulated() -> None:
    bundle = default_bundle()

    assert "simulated data calibrated to national figures" in bundle.label
    assert {"PHQ-9", "GAD-7"} <= set(bundle.curves) & set(bundle.neighbours)
    assert bundle.threshold_for(ModelChoice.KNN) is not None


def test_default_bundle_evaluates_an_episode() -> None:
    result = evaluate_episode(EPISODE)

    assert result.status is not ProgressStatus.BASELINE
    assert "simulated data" in result.bundle_label


def test_missing_model_file_raises_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=r"cannot read model file .*absent\.npz"):
        load_bundle(tmp_path / "absent.npz")


@pytest.mark.parametrize(
    "content",
    [b"", b"not a zip file at all", b"PK\x03\x04" + b"\x00" * 40],
    ids=["empty", "text", "broken-zip"],
)
def test_corrupt_model_file_raises(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(content)

    with pytest.raises(ModelFileError, match=r"bad\.npz"):
        load_bundle(path)


def test_truncated_model_file_raises(tmp_path: Path) -> None:
    path = _bundle_file(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(ModelFileError, match="not a readable OnTrack model bundle"):
        load_bundle(path)


def _rewrite_meta(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(arrays["meta"].tobytes())
    change(meta)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(format="something-else"), "wrong format marker"),
        (lambda m: m.update(version=99), "version 99"),
        (lambda m: m["curves"]["PHQ-9"].update(sd_by_session=[-1.0]), "curve models"),
        (lambda m: m.pop("measures"), "measure facts"),
        (lambda m: m["failure_threshold"].update(knn=1.5), "failure boundaries"),
    ],
)
def test_damaged_bundle_metadata_raises_naming_the_part(tmp_path: Path, change, message) -> None:  # type: ignore[no-untyped-def]
    path = _bundle_file(tmp_path)
    _rewrite_meta(path, change)

    with pytest.raises(ModelFileError, match=message):
        load_bundle(path)


def test_file_without_metadata_raises(tmp_path: Path) -> None:
    path = tmp_path / "plain.npz"
    np.savez(path, x=np.zeros(3))

    with pytest.raises(ModelFileError, match="no 'meta' entry"):
        load_bundle(path)


def test_measure_with_no_model_raises_naming_it() -> None:
    with pytest.raises(ModelNotFoundError, match="'CORE-10'"):
        evaluate_episode(EPISODE, toy_bundle(), MonitoringConfig(tracked_measures=("CORE-10",)))


def test_anxiety_measure_with_no_model_raises() -> None:
    with pytest.raises(ModelNotFoundError, match="'GAD-7'"):
        evaluate_episode(EPISODE, toy_bundle(with_gad7=False))


def test_alliance_measure_with_no_norms_raises() -> None:
    other = dataclasses.replace(EPISODE, alliance=(AllianceRecord("c1", "SRS", 38.0),))

    with pytest.raises(ModelNotFoundError, match="'SRS'"):
        evaluate_episode(other, toy_bundle())


def test_episode_without_intake_never_reports_on_track() -> None:
    episode = weekly_episode(phq9=[None, 12, 11], gad7=[None, 10, 9])

    with pytest.raises(NoIntakeScoreError):
        evaluate_episode(episode.up_to("a"), toy_bundle())


def test_dropout_model_from_before_adr_0128_loads_with_the_new_features_at_zero() -> None:
    from ontrack.monitoring.models.dropout import LEGACY_DROPOUT_FEATURES

    width = len(LEGACY_DROPOUT_FEATURES)
    legacy = {
        "features": list(LEGACY_DROPOUT_FEATURES),
        "mean": [0.0] * width,
        "scale": [1.0] * width,
        "coef": [0.5] + [0.0] * (width - 1),
        "intercept": -1.0,
    }
    model = DropoutModel.from_json(legacy)
    row = np.zeros(len(DROPOUT_FEATURES))
    row[0] = 2.0
    row[width:] = 7.0  # the newer features carry no weight in a legacy model

    assert len(model.coef) == len(DROPOUT_FEATURES)
    assert model.probability(row) == pytest.approx(0.5)


def test_dropout_model_with_unknown_features_is_refused() -> None:
    width = len(DROPOUT_FEATURES)
    data = DropoutModel((0.0,) * width, (1.0,) * width, (0.1,) * width, -1.0, {}).to_json()
    data["features"] = [*data["features"][:-1], "shoe_size"]

    with pytest.raises(ValueError, match="do not match"):
        DropoutModel.from_json(data)
