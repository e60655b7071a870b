"""Evaluate one episode after a session: every signal, from data up to then only."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ontrack.monitoring.alliance import AllianceState, alliance_signals, assess_alliance
from ontrack.monitoring.bundle import ModelBundle, default_bundle
from ontrack.monitoring.config import BoundaryKind, MonitoringConfig
from ontrack.monitoring.engagement import (
    caseload_signals,
    dropout_features,
    dropout_signals,
    focus_signals,
    goals_signals,
    homework_signals,
    stalled_signals,
)
from ontrack.monitoring.episode import EpisodeHistory
from ontrack.monitoring.errors import ModelNotFoundError, MonitoringError
from ontrack.monitoring.exposure import REASON as EXPOSURE_REASON
from ontrack.monitoring.exposure import hi_cbt_sessions, in_exposure_phase
from ontrack.monitoring.progress import Boundary, assess_measure, combine, intake_features
from ontrack.monitoring.risk import risk_signals
from ontrack.monitoring.signals import (
    MeasureProgress,
    ProgressStatus,
    Severity,
    Signal,
    SignalKind,
    sort_signals,
)

PHQ9 = "PHQ-9"
GAD7 = "GAD-7"


@dataclass(frozen=True)
class Evaluation:
    """Everything monitoring says about an episode after its latest contact."""

    referral_id: str
    contact_id: str | None
    sessions_attended: int
    status: ProgressStatus
    progress: tuple[MeasureProgress, ...]
    signals: tuple[Signal, ...]  # most urgent first; risk always first
    dropout_probability: float | None
    alliance: AllianceState | None
    tracked_measures: tuple[str, ...]
    anxiety_measure: str
    model: str
    boundary_z: float
    failure_threshold: float | None
    bundle_label: str

    @property
    def needs_review(self) -> bool:
        """Return whether the why-review applies (off track, or stalled)."""
        return self.status is ProgressStatus.OFF_TRACK or self.has(SignalKind.STALLED)

    def has(self, kind: SignalKind) -> bool:
        return any(s.kind is kind for s in self.signals)

    def of_kind(self, kind: SignalKind) -> tuple[Signal, ...]:
        return tuple(s for s in self.signals if s.kind is kind)

    @property
    def alerts(self) -> tuple[Signal, ...]:
        """Return the signals that should open or keep open an alert."""
        return tuple(s for s in self.signals if s.opens_alert)

    def to_json(self) -> dict[str, Any]:
        return {
            "referral_id": self.referral_id,
            "contact_id": self.contact_id,
            "sessions_attended": self.sessions_attended,
            "status": self.status.value,
            "progress": [p.to_json() for p in self.progress],
            "signals": [s.to_json() for s in self.signals],
            "dropout_probability": self.dropout_probability,
            "alliance": None if self.alliance is None else self.alliance.to_json(),
            "tracked_measures": list(self.tracked_measures),
            "anxiety_measure": self.anxiety_measure,
            "model": self.model,
            "boundary_z": self.boundary_z,
            "failure_threshold": self.failure_threshold,
            "needs_review": self.needs_review,
            "bundle_label": self.bundle_label,
        }


def _library_anxiety_measure(descriptor: str | None) -> str:
    try:
        nhstt = importlib.import_module("ontrack.measures.nhstt")
    except ImportError:
        return GAD7
    chooser: Callable[[str | None], object] | None = getattr(nhstt, "anxiety_measure_for", None)
    if chooser is None:
        return GAD7
    try:
        choice = chooser(descriptor)
    except (KeyError, LookupError, ValueError):
        return GAD7
    code = getattr(choice, "code", choice)
    return str(code) if code else GAD7


def anxiety_measure(episode: EpisodeHistory) -> str:
    """Return the NHS TT anxiety measure for the problem, or GAD-7 where it was not used."""
    code = _library_anxiety_measure(episode.problem_descriptor)
    return code if code in episode.measures else GAD7


def tracked_measures(episode: EpisodeHistory, config: MonitoringConfig) -> tuple[str, ...]:
    if config.tracked_measures is not None:
        return config.tracked_measures
    return (PHQ9, anxiety_measure(episode))


def partner_measures(
    measure: str, tracked: tuple[str, ...], episode: EpisodeHistory, config: MonitoringConfig
) -> tuple[str, ...]:
    """Return the measures whose intake may fill the ``other`` feature, in order."""
    if config.tracked_measures is not None:
        return tuple(m for m in tracked if m != measure)
    if measure == PHQ9:
        return (_library_anxiety_measure(episode.problem_descriptor), GAD7)
    return (PHQ9,)


def evaluate_episode(
    episode: EpisodeHistory,
    models: ModelBundle | None = None,
    config: MonitoringConfig | None = None,
    *,
    as_of: str | None = None,
) -> Evaluation:
    """Evaluate an episode as it stood after its latest contact (or after ``as_of``).

    Only data up to that contact is read: ``as_of`` cuts the episode first.
    Risk is judged before anything else; if a later step fails the raised
    MonitoringError carries the risk signals in ``risk_signals``.

    >>> import datetime as dt
    >>> from ontrack.monitoring.episode import Contact, ScoreRecord, RiskAnswer
    >>> from ontrack.monitoring.testing import toy_bundle
    >>> days = [dt.date(2025, 1, d) for d in (6, 13, 20)]
    >>> contacts = (Contact("a", days[0], "01", "5"),
    ...             Contact("s1", days[1], "02", "5", session_number=1),
    ...             Contact("s2", days[2], "02", "5", session_number=2))
    >>> scores = tuple(ScoreRecord(c, m, t) for c, m, t in [
    ...     ("a", "PHQ-9", 18), ("a", "GAD-7", 14), ("s1", "PHQ-9", 16),
    ...     ("s1", "GAD-7", 12), ("s2", "PHQ-9", 28), ("s2", "GAD-7", 13)])
    >>> ep = EpisodeHistory("r1", dt.date(2025, 1, 1), contacts, scores=scores)
    >>> result = evaluate_episode(ep, toy_bundle())
    >>> result.status.value, result.signals[0].kind.value
    ('off_track', 'off_track')
    >>> evaluate_episode(ep, toy_bundle(), as_of="s1").status.value
    'on_track'
    """
    if as_of is not None:
        episode = episode.up_to(as_of)
    risk = risk_signals(episode)
    try:
        bundle = models if models is not None else default_bundle()
        return _evaluate(episode, bundle, config or MonitoringConfig(), risk)
    except MonitoringError as exc:
        exc.risk_signals = tuple(risk) + exc.risk_signals
        raise


def _evaluate(
    episode: EpisodeHistory,
    bundle: ModelBundle,
    config: MonitoringConfig,
    risk: list[Signal],
) -> Evaluation:
    tracked = tracked_measures(episode, config)
    z = config.boundary_z if config.boundary_z is not None else bundle.z_for(config.model)
    threshold = config.failure_threshold or bundle.threshold_for(config.model)
    use_failure = config.boundary is BoundaryKind.FAILURE and threshold is not None
    progress: list[MeasureProgress] = []
    names: set[str] = set()
    for measure in tracked:
        facts = bundle.facts(measure)
        model = bundle.model_for(measure, config.model)
        names.add(model.name)
        partners = tuple(
            (m, bundle.measures.get(m)) for m in partner_measures(measure, tracked, episode, config)
        )
        features = intake_features(episode, measure, partners)
        failure = bundle.failure_for(measure, config.model) if use_failure else None
        line = Boundary(failure, threshold if threshold is not None else 0.5, z)
        progress.append(
            assess_measure(
                episode,
                measure,
                facts,
                model,
                features,
                line,
                config.min_session_for_boundary,
                config.deterioration,
            )
        )
    status, progress_t = combine(tuple(progress))
    signals: list[Signal] = list(risk)
    signals += _progress_signals(progress_t, status, _exposure_note(episode))
    alliance = _alliance(episode, bundle, config, signals)
    probability = None
    if bundle.dropout is not None:
        first = tracked[0]
        norms = next(iter(bundle.alliance.values()), None)
        row = dropout_features(
            episode, first, bundle.measures.get(first), norms.scale_max if norms else None
        )
        probability = bundle.dropout.probability(row)
    signals += dropout_signals(episode, probability, config)
    signals += stalled_signals(episode, progress_t, config)
    anxiety = anxiety_measure(episode)
    signals += focus_signals(episode, bundle, anxiety, config)
    signals += goals_signals(episode, config)
    signals += homework_signals(episode, config)
    signals += caseload_signals(episode, config)
    last = episode.last_attended_contact or episode.last_contact
    return Evaluation(
        referral_id=episode.referral_id,
        contact_id=last.contact_id if last else None,
        sessions_attended=episode.sessions_attended,
        status=status,
        progress=progress_t,
        signals=sort_signals(signals),
        dropout_probability=probability,
        alliance=alliance,
        tracked_measures=tracked,
        anxiety_measure=anxiety,
        model="+".join(sorted(names)),
        boundary_z=z,
        failure_threshold=threshold if use_failure else None,
        bundle_label=bundle.label,
    )


def _exposure_note(episode: EpisodeHistory) -> tuple[str, ...]:
    """The therapy-aware note for an off-track signal in the exposure phase (else none)."""
    sessions = episode.treatment_sessions
    if not sessions:
        return ()
    position = episode.position(sessions[-1].contact_id)
    if in_exposure_phase(episode.problem_descriptor, hi_cbt_sessions(episode, position)):
        return (EXPOSURE_REASON,)
    return ()


def _progress_signals(
    progress: tuple[MeasureProgress, ...], status: ProgressStatus, note: tuple[str, ...] = ()
) -> list[Signal]:
    out: list[Signal] = []
    for p in progress:
        if p.status is ProgressStatus.OFF_TRACK:
            out.append(
                Signal(
                    kind=SignalKind.OFF_TRACK,
                    severity=Severity.HIGH,
                    reasons=(*p.reasons, *note),
                    measure=p.measure,
                    session=p.session,
                    observed=p.observed,
                    boundary=p.failure_boundary,
                    expected=p.expected,
                    contact_id=p.contact_id,
                    details={"intake": p.intake, "model": p.model, "spread": p.spread},
                )
            )
    if status is ProgressStatus.RECOVERED:
        out.append(
            Signal(
                kind=SignalKind.RECOVERED,
                severity=Severity.INFO,
                reasons=tuple(r for p in progress for r in p.reasons),
            )
        )
    return out


def _alliance(
    episode: EpisodeHistory,
    bundle: ModelBundle,
    config: MonitoringConfig,
    signals: list[Signal],
) -> AllianceState | None:
    if not episode.alliance:
        return None
    measure = episode.alliance[-1].measure
    norms = bundle.alliance.get(measure)
    if norms is None:
        raise ModelNotFoundError(
            f"referral {episode.referral_id}: the model bundle has no norms for the alliance "
            f"measure {measure!r} (it has: {', '.join(sorted(bundle.alliance)) or 'none'}), "
            "so ruptures cannot be judged; run `ontrack calibrate` on a history that uses it"
        )
    kept = episode.alliance_series(measure)
    ratings = tuple(t for _, t in kept)
    sessions = tuple(episode.contacts[p].session_number for p, _ in kept)
    state = assess_alliance(ratings, norms, config)
    signals += alliance_signals(state, config, sessions)
    return state
