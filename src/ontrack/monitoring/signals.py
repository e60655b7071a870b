"""What an evaluation says: signals with severity, reasons in plain words and numbers.

Signal kinds match the ``alert.kind`` codes of the canonical dataset, so the
records app opens one alert per kind and closes it when the kind is absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class SignalKind(StrEnum):
    """Kinds of signal; the first nine are the canonical ``alert.kind`` codes."""

    RISK = "risk"
    OFF_TRACK = "off_track"
    RUPTURE = "rupture"
    DROPOUT = "dropout"
    STALLED = "stalled"
    FOCUS = "focus"
    NO_GOALS = "no_goals"
    NO_HOMEWORK = "no_homework"
    CASELOAD = "caseload"
    # Notes that close or soften an alert rather than open one.
    REPAIR = "repair"
    RECOVERED = "recovered"


class Severity(StrEnum):
    """How soon someone should look; ``info`` never opens an alert."""

    URGENT = "urgent"
    HIGH = "high"
    ROUTINE = "routine"
    INFO = "info"


SEVERITY_ORDER = {Severity.URGENT: 0, Severity.HIGH: 1, Severity.ROUTINE: 2, Severity.INFO: 3}


class ProgressStatus(StrEnum):
    """Progress on one measure, or on the episode, against the expected course."""

    RECOVERED = "recovered"  # below caseness with reliable improvement
    ON_TRACK = "on_track"  # at or better than expected
    BEHIND = "behind"  # worse than expected, within the failure boundary
    OFF_TRACK = "off_track"  # beyond the failure boundary, or reliably deteriorated
    BASELINE = "baseline"  # only the intake score so far: nothing to compare yet


# Worst first: the episode's status is the worst of its measures'.
STATUS_ORDER = {
    ProgressStatus.OFF_TRACK: 0,
    ProgressStatus.BEHIND: 1,
    ProgressStatus.ON_TRACK: 2,
    ProgressStatus.RECOVERED: 3,
    ProgressStatus.BASELINE: 4,
}


class ReliableChange(StrEnum):
    IMPROVEMENT = "improvement"
    DETERIORATION = "deterioration"
    NONE = "none"


def unique_reasons(reasons: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Return the reasons in order with repeats and blanks left out (one reason, said once).

    >>> unique_reasons(("a.", "b.", "a.", ""))
    ('a.', 'b.')
    """
    return tuple(dict.fromkeys(r for r in reasons if r and r.strip()))


@dataclass(frozen=True)
class Signal:
    """One thing the therapist should know, with what was seen and the line crossed.

    ``observed`` and ``boundary`` are the numbers behind the signal (a score and the
    failure boundary, an alliance rating and the cut-off, a probability and its
    threshold); ``reasons`` say the same in plain words.
    """

    kind: SignalKind
    severity: Severity
    reasons: tuple[str, ...]
    measure: str | None = None
    session: int | None = None
    observed: float | None = None
    boundary: float | None = None
    expected: float | None = None
    contact_id: str | None = None
    details: dict[str, float | int | str | None] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reasons", unique_reasons(self.reasons))

    @property
    def opens_alert(self) -> bool:
        return self.severity is not Severity.INFO

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "reasons": list(self.reasons),
            "measure": self.measure,
            "session": self.session,
            "observed": self.observed,
            "boundary": self.boundary,
            "expected": self.expected,
            "contact_id": self.contact_id,
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class MeasureProgress:
    """Where one tracked measure stands against its expected course after a session."""

    measure: str
    status: ProgressStatus
    session: int
    intake: float
    observed: float
    expected: float | None
    spread: float | None
    failure_boundary: float | None
    reliable_change: ReliableChange
    is_case: bool
    model: str
    reasons: tuple[str, ...]
    contact_id: str
    beyond_boundary: bool = False
    failure_chance: float | None = None  # chance of ending without reliable improvement

    def __post_init__(self) -> None:
        object.__setattr__(self, "reasons", unique_reasons(self.reasons))

    def to_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "status": self.status.value,
            "session": self.session,
            "intake": self.intake,
            "observed": self.observed,
            "expected": self.expected,
            "spread": self.spread,
            "failure_boundary": self.failure_boundary,
            "reliable_change": self.reliable_change.value,
            "is_case": self.is_case,
            "model": self.model,
            "reasons": list(self.reasons),
            "contact_id": self.contact_id,
            "beyond_boundary": self.beyond_boundary,
            "failure_chance": self.failure_chance,
        }


def sort_signals(signals: list[Signal]) -> tuple[Signal, ...]:
    """Order signals most urgent first (risk is always first among urgent ones)."""
    return tuple(
        sorted(
            signals,
            key=lambda s: (SEVERITY_ORDER[s.severity], s.kind is not SignalKind.RISK),
        )
    )
