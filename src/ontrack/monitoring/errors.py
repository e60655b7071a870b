"""Errors the monitoring engine raises instead of guessing.

Every error names the problem (the referral, the measure, the file) so a caller
can show it to a person. None of them is ever turned into an "on track" signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ontrack.monitoring.signals import Signal


class MonitoringError(Exception):
    """An episode could not be evaluated.

    ``risk_signals`` holds any urgent risk signals found before the failure, so a
    caller can still raise them: a risk answer is never lost to another problem.
    """

    def __init__(self, message: str, *, risk_signals: Sequence[Signal] = ()) -> None:
        super().__init__(message)
        self.risk_signals: tuple[Signal, ...] = tuple(risk_signals)


class EpisodeDataError(MonitoringError):
    """The episode's record is inconsistent (unknown contact, unsorted dates, ...)."""


class NoIntakeScoreError(MonitoringError):
    """A tracked measure has no intake (first) score, so progress cannot be judged."""


class ModelNotFoundError(MonitoringError):
    """The model bundle has no expected-response model for a tracked measure."""


class ModelFileError(MonitoringError):
    """A model file is missing, corrupt, or not an OnTrack model bundle."""


class ConfigurationError(MonitoringError):
    """A monitoring setting is out of its allowed range."""
