"""A model bundle: everything evaluation needs, fitted on one history, in one file.

The file is a NumPy ``.npz`` archive (no pickles): a ``meta`` entry holding JSON
(measure facts, curve coefficients, calibrated boundaries, the dropout model,
therapist effects, provenance) and two arrays per nearest-neighbour model
(reference intake features and change trajectories). ``load_bundle`` checks
every part and raises ModelFileError naming the problem; it never returns a
half-read bundle.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ontrack.monitoring.config import ModelChoice
from ontrack.monitoring.errors import ModelFileError, ModelNotFoundError
from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.models.base import FEATURES
from ontrack.monitoring.models.curve import CurveModel
from ontrack.monitoring.models.dropout import DropoutModel
from ontrack.monitoring.models.failure import FailureModel
from ontrack.monitoring.models.neighbours import NeighbourModel

FORMAT = "ontrack-monitoring-bundle"
VERSION = 1
DEFAULT_BUNDLE_FILE = "default_bundle.npz"
DEFAULT_LABEL = (
    "Default parameters fitted on simulated data calibrated to national figures "
    "(NHS Talking Therapies 2024-25); not fitted on any real service. Run "
    "`ontrack calibrate` on your own history to fit your service's own."
)


@dataclass(frozen=True)
class AllianceNorms:
    """An alliance measure's facts and the service's typical within-client spread."""

    facts: MeasureFacts
    within_sd: float
    scale_max: float
    typical_first: float | None = None  # median first rating in the service

    def to_json(self) -> dict[str, Any]:
        return {
            "facts": self.facts.to_json(),
            "within_sd": self.within_sd,
            "scale_max": self.scale_max,
            "typical_first": self.typical_first,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AllianceNorms:
        within = float(data["within_sd"])
        scale_max = float(data["scale_max"])
        if not within > 0 or not scale_max > 0:
            raise ValueError("alliance within_sd and scale_max must be positive")
        typical = data.get("typical_first")
        return cls(
            MeasureFacts.from_json(data["facts"]),
            within,
            scale_max,
            None if typical is None else float(typical),
        )


PROBLEM_GROUPS = {"F32": "depression", "F33": "depression", "F41.2": "depression", "F43.1": "ptsd"}


def problem_group(descriptor: str | None) -> str:
    """Return the problem group therapist effects are kept for (depression, ptsd, anxiety).

    >>> problem_group("F33"), problem_group("F40.1"), problem_group(None)
    ('depression', 'anxiety', 'unknown')
    """
    if descriptor is None:
        return "unknown"
    return PROBLEM_GROUPS.get(descriptor, "anxiety")


@dataclass(frozen=True)
class TherapistEffect:
    """A therapist's shrunken outcome relative to expected (positive = worse), in SD units."""

    effect: float
    episodes: int


@dataclass
class ModelBundle:
    """Fitted models and calibrated boundaries for every tracked measure."""

    label: str
    measures: dict[str, MeasureFacts]
    curves: dict[str, CurveModel]
    neighbours: dict[str, NeighbourModel]
    boundary_z: dict[str, float]
    alliance: dict[str, AllianceNorms] = field(default_factory=dict)
    # Per model kind: failure models by measure ("*" = any other measure) and threshold p*.
    failure: dict[str, dict[str, FailureModel]] = field(default_factory=dict)
    failure_threshold: dict[str, float] = field(default_factory=dict)
    dropout: DropoutModel | None = None
    therapist_effects: dict[str, TherapistEffect] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)

    def facts(self, measure: str) -> MeasureFacts:
        try:
            return self.measures[measure]
        except KeyError:
            raise ModelNotFoundError(
                f"the model bundle has no facts or model for measure {measure!r} "
                f"(it has: {', '.join(sorted(self.measures)) or 'none'})"
            ) from None

    def model_for(self, measure: str, choice: ModelChoice) -> CurveModel | NeighbourModel:
        """Return the chosen model for a measure, falling back from knn to the curve.

        The fallback is for measures too rare for a neighbour reference; the
        returned model's ``name`` says which answered. No model at all raises.
        """
        if choice is ModelChoice.KNN and measure in self.neighbours:
            return self.neighbours[measure]
        if measure in self.curves:
            return self.curves[measure]
        raise ModelNotFoundError(
            f"the model bundle has no expected-response model for measure {measure!r} "
            f"(curves: {', '.join(sorted(self.curves)) or 'none'}); "
            "run `ontrack calibrate` on a history that includes it"
        )

    def failure_for(self, measure: str, choice: ModelChoice) -> FailureModel | None:
        """Return the failure model for a measure under a model kind, if the bundle has one."""
        models = self.failure.get(choice.value, {})
        return models.get(measure) or models.get("*")

    def threshold_for(self, choice: ModelChoice) -> float | None:
        return self.failure_threshold.get(choice.value)

    def z_for(self, choice: ModelChoice) -> float:
        try:
            return self.boundary_z[choice.value]
        except KeyError:
            raise ModelNotFoundError(
                f"the model bundle has no calibrated boundary for the {choice.value} model"
            ) from None


def _meta(bundle: ModelBundle) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "label": bundle.label,
        "source": bundle.source,
        "measures": {k: v.to_json() for k, v in bundle.measures.items()},
        "curves": {k: v.to_json() for k, v in bundle.curves.items()},
        "neighbours": {k: v.meta_json() for k, v in bundle.neighbours.items()},
        "boundary_z": bundle.boundary_z,
        "failure": {
            kind: {code: m.to_json() for code, m in models.items()}
            for kind, models in bundle.failure.items()
        },
        "failure_threshold": bundle.failure_threshold,
        "alliance": {k: v.to_json() for k, v in bundle.alliance.items()},
        "dropout": None if bundle.dropout is None else bundle.dropout.to_json(),
        "therapist_effects": {
            k: {"effect": v.effect, "episodes": v.episodes}
            for k, v in bundle.therapist_effects.items()
        },
        "calibration": bundle.calibration,
        "features": list(FEATURES),
    }


def save_bundle(bundle: ModelBundle, path: Path) -> None:
    """Write the bundle to ``path`` atomically (a temporary file, then a rename)."""
    arrays: dict[str, np.ndarray[Any, Any]] = {
        "meta": np.frombuffer(json.dumps(_meta(bundle)).encode("utf-8"), dtype=np.uint8)
    }
    for code, model in bundle.neighbours.items():
        arrays[f"knn_features::{code}"] = model.features.astype(np.float64)
        arrays[f"knn_change::{code}"] = model.change.astype(np.float32)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)


def _read_archive(
    data: bytes, where: str
) -> tuple[dict[str, Any], dict[str, np.ndarray[Any, Any]]]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise ModelFileError(f"{where} is not a readable OnTrack model bundle ({exc})") from None
    if "meta" not in arrays:
        raise ModelFileError(f"{where} is not an OnTrack model bundle (no 'meta' entry)")
    try:
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{where}: the bundle's metadata is not valid JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{where} is not an OnTrack model bundle (wrong format marker)")
    if meta.get("version") != VERSION:
        raise ModelFileError(
            f"{where} is bundle version {meta.get('version')!r}; "
            f"this OnTrack reads version {VERSION}"
        )
    return meta, arrays


def _neighbour_model(code: str, meta: dict[str, Any], arrays: dict[str, Any]) -> NeighbourModel:
    features = np.asarray(arrays[f"knn_features::{code}"], dtype=np.float64)
    change = np.asarray(arrays[f"knn_change::{code}"], dtype=np.float32)
    center = np.asarray(meta["center"], dtype=np.float64)
    scale = np.asarray(meta["scale"], dtype=np.float64)
    weights = np.asarray(meta["weights"], dtype=np.float64)
    width = len(FEATURES)
    if features.ndim != 2 or features.shape[1] != width or change.ndim != 2:
        raise ValueError("reference arrays have the wrong shape")
    if change.shape[0] != features.shape[0] or features.shape[0] < 2:
        raise ValueError("reference features and trajectories do not match")
    if center.shape != (width,) or scale.shape != (width,) or weights.shape != (width,):
        raise ValueError("feature scaling arrays have the wrong length")
    if np.any(scale <= 0) or not np.all(np.isfinite(weights)):
        raise ValueError("feature scales must be positive")
    return NeighbourModel(
        measure=code,
        features=features,
        change=change,
        center=center,
        scale=scale,
        weights=weights,
        k=int(meta["k"]),
        backend=str(meta.get("backend", "kdtree")),
    )


def bundle_from_bytes(data: bytes, where: str = "the model file") -> ModelBundle:
    """Parse a bundle from bytes; ``where`` names it in error messages."""
    meta, arrays = _read_archive(data, where)
    part = "metadata"
    try:
        part = "measure facts"
        measures = {k: MeasureFacts.from_json(v) for k, v in meta["measures"].items()}
        part = "curve models"
        curves = {k: CurveModel.from_json(v) for k, v in meta["curves"].items()}
        part = "nearest-neighbour models"
        neighbours = {k: _neighbour_model(k, v, arrays) for k, v in meta["neighbours"].items()}
        part = "boundaries"
        boundary_z = {str(k): float(v) for k, v in meta["boundary_z"].items()}
        if not all(np.isfinite(list(boundary_z.values()))):
            raise ValueError("boundaries must be finite")
        part = "failure boundaries"
        failure = {
            str(kind): {str(code): FailureModel.from_json(m) for code, m in models.items()}
            for kind, models in meta.get("failure", {}).items()
        }
        thresholds = {str(k): float(v) for k, v in meta.get("failure_threshold", {}).items()}
        if not all(0.0 < v < 1.0 for v in thresholds.values()):
            raise ValueError("failure thresholds must lie strictly between 0 and 1")
        part = "alliance norms"
        alliance = {k: AllianceNorms.from_json(v) for k, v in meta.get("alliance", {}).items()}
        part = "dropout model"
        dropout = None if meta.get("dropout") is None else DropoutModel.from_json(meta["dropout"])
        part = "therapist effects"
        effects = {
            str(k): TherapistEffect(float(v["effect"]), int(v["episodes"]))
            for k, v in meta.get("therapist_effects", {}).items()
        }
        label = str(meta["label"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{where}: the bundle's {part} are damaged ({exc!r})") from None
    for code in list(curves) + list(neighbours):
        if code not in measures:
            raise ModelFileError(f"{where}: a model for {code!r} has no measure facts")
    return ModelBundle(
        label=label,
        measures=measures,
        curves=curves,
        neighbours=neighbours,
        boundary_z=boundary_z,
        alliance=alliance,
        failure=failure,
        failure_threshold=thresholds,
        dropout=dropout,
        therapist_effects=effects,
        calibration=dict(meta.get("calibration", {})),
        source=dict(meta.get("source", {})),
    )


def load_bundle(path: str | Path) -> ModelBundle:
    """Load a bundle written by ``ontrack calibrate``.

    Raises ModelFileError naming the file and what is wrong with it.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc.strerror or exc}") from None
    return bundle_from_bytes(data, where=f"model file {path}")


@cache
def default_bundle() -> ModelBundle:
    """Return the shipped default bundle (fitted on simulated data; see its ``label``)."""
    resource = resources.files("ontrack.monitoring").joinpath("data", DEFAULT_BUNDLE_FILE)
    try:
        data = resource.read_bytes()
    except OSError:
        raise ModelFileError(
            "the shipped default model bundle is missing from ontrack/monitoring/data; "
            "reinstall OnTrack or pass a bundle from `ontrack calibrate`"
        ) from None
    return bundle_from_bytes(data, where="the shipped default model bundle")
