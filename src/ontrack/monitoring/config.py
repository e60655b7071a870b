"""Monitoring settings: every threshold, with its documented default.

There is deliberately no setting for risk: a positive risk answer always raises
an urgent signal, whatever is configured here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from ontrack.monitoring.deterioration import DEFAULT_RULE, DeteriorationRule
from ontrack.monitoring.errors import ConfigurationError


class ModelChoice(StrEnum):
    """Which expected-response model judges progress."""

    KNN = "knn"  # the k most similar past clients on intake features
    CURVE = "curve"  # log-session growth curve conditioned on intake


class BoundaryKind(StrEnum):
    """How the failure boundary is drawn."""

    # Where past clients like this one mostly ended without reliable improvement
    # (calibrated failure model); falls back to SPREAD if the bundle has none.
    FAILURE = "failure"
    # Expected score + z predictive spreads (the classic expected-treatment-response band).
    SPREAD = "spread"


class RuptureSensitivity(StrEnum):
    """How far below a client's own running alliance level counts as a rupture."""

    SENSITIVE = "sensitive"  # 1 SD
    STRICT = "strict"  # 2 SD

    @property
    def sds(self) -> float:
        return 1.0 if self is RuptureSensitivity.SENSITIVE else 2.0


@dataclass(frozen=True)
class MonitoringConfig:
    """Thresholds for every rule; defaults are those documented in docs/monitoring.md.

    >>> MonitoringConfig(stalled_after_sessions=8).stalled_after_sessions
    8
    >>> MonitoringConfig(stalled_after_sessions=0)
    Traceback (most recent call last):
    ...
    ontrack.monitoring.errors.ConfigurationError: stalled_after_sessions must be at least 1, got 0
    """

    # The curve validated slightly better than nearest neighbours (docs/validation.md).
    model: ModelChoice = ModelChoice.CURVE
    boundary: BoundaryKind = BoundaryKind.FAILURE
    # Chance of failure at which the failure boundary lies. None = the bundle's calibrated one.
    failure_threshold: float | None = None
    # Spread boundary = expected + z * spread. None = the z the bundle was calibrated to.
    boundary_z: float | None = None
    # None = the NHS Talking Therapies pair: PHQ-9 and the anxiety measure for the problem.
    tracked_measures: tuple[str, ...] | None = None
    min_session_for_boundary: int = 1
    rupture_sensitivity: RuptureSensitivity = RuptureSensitivity.SENSITIVE
    alliance_fall_points: float = 3.0
    alliance_drop_min_points: float = 2.0
    alliance_own_sd_after: int = 4
    repair_within_sessions: int = 2
    stalled_after_sessions: int = 6
    goals_by_session: int = 2
    homework_gap_sessions: int = 3
    dropout_threshold: float = 0.5
    missed_in_a_row: int = 2
    focus_margin: float = 0.5
    caseload_tolerance: int = 0
    # When a measure counts as deteriorated: confirmed, from intake or the best so far
    # (ADR 0127). ``deterioration.SINGLE_READING`` is the NHS TT single-reading rule.
    deterioration: DeteriorationRule = DEFAULT_RULE

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "model", ModelChoice(self.model))
            object.__setattr__(self, "boundary", BoundaryKind(self.boundary))
            object.__setattr__(
                self, "rupture_sensitivity", RuptureSensitivity(self.rupture_sensitivity)
            )
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        if self.tracked_measures is not None:
            if not self.tracked_measures:
                raise ConfigurationError("tracked_measures must name at least one measure")
            object.__setattr__(self, "tracked_measures", tuple(self.tracked_measures))
        if self.failure_threshold is not None and not 0.0 < self.failure_threshold < 1.0:
            raise ConfigurationError(
                f"failure_threshold must lie strictly between 0 and 1, got {self.failure_threshold}"
            )
        if self.boundary_z is not None and not math.isfinite(self.boundary_z):
            raise ConfigurationError(f"boundary_z must be a finite number, got {self.boundary_z}")
        for name, low in (
            ("min_session_for_boundary", 1),
            ("alliance_own_sd_after", 2),
            ("repair_within_sessions", 1),
            ("stalled_after_sessions", 1),
            ("goals_by_session", 1),
            ("homework_gap_sessions", 1),
            ("missed_in_a_row", 1),
            ("caseload_tolerance", 0),
        ):
            value = getattr(self, name)
            if value < low:
                raise ConfigurationError(f"{name} must be at least {low}, got {value}")
        for name in ("alliance_fall_points", "alliance_drop_min_points", "focus_margin"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ConfigurationError(f"{name} must be a number of at least 0, got {value}")
        if not 0.0 < self.dropout_threshold < 1.0:
            raise ConfigurationError(
                f"dropout_threshold must lie strictly between 0 and 1, got {self.dropout_threshold}"
            )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, DeteriorationRule):
                value = {"confirm": value.confirm, "wide": value.wide,
                         "from_best": value.from_best}  # fmt: skip
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out
