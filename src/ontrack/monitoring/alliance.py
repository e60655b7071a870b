"""Alliance ruptures and repairs from session-by-session alliance ratings.

A rating is a rupture when it is below the measure's cut-off, when it falls
beyond the client's own running level (mean of earlier ratings minus k SD; k = 1
sensitive, 2 strict; the service's typical within-client SD until the client has
enough ratings of their own), or when it falls since the last rating by at least
the configured number of points. A rupture is repaired when a later rating comes
back to within one SD of the level before the rupture (Stiles et al. 2004;
Eubanks, Muran & Safran 2018).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from ontrack.monitoring.bundle import AllianceNorms
from ontrack.monitoring.config import MonitoringConfig
from ontrack.monitoring.signals import Severity, Signal, SignalKind


@dataclass(frozen=True)
class RatingVerdict:
    """Whether one alliance rating was a rupture, and why."""

    index: int  # position in the client's alliance series
    total: float
    level_before: float | None
    sd_used: float
    below_cutoff: bool
    below_level: bool
    fell: bool
    reasons: tuple[str, ...]
    line: float | None = None  # the line crossed: cut-off, running-level margin or fall

    @property
    def rupture(self) -> bool:
        return self.below_cutoff or self.below_level or self.fell


@dataclass(frozen=True)
class AllianceState:
    """The alliance as it stands after the latest rating."""

    measure: str
    ratings: tuple[float, ...]
    verdicts: tuple[RatingVerdict, ...]
    last_rupture: int | None  # index of the most recent rupture
    repaired_at: int | None  # index of the rating that repaired it, if any
    direction: float = -1.0  # alliance measures: higher is better

    @property
    def ruptures(self) -> int:
        """Return how many ruptures began (consecutive rupture ratings count once)."""
        starts = 0
        for j, verdict in enumerate(self.verdicts):
            if verdict.rupture and (j == 0 or not self.verdicts[j - 1].rupture):
                starts += 1
        return starts

    @property
    def unrepaired(self) -> bool:
        return self.last_rupture is not None and self.repaired_at is None

    @property
    def latest(self) -> float | None:
        return self.ratings[-1] if self.ratings else None

    def to_json(self) -> dict[str, object]:
        return {
            "measure": self.measure,
            "ratings": list(self.ratings),
            "ruptures": self.ruptures,
            "rupture_at": [v.index for v in self.verdicts if v.rupture],
            "last_rupture": self.last_rupture,
            "repaired_at": self.repaired_at,
            "unrepaired": self.unrepaired,
        }


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def judge_ratings(
    ratings: tuple[float, ...], norms: AllianceNorms, config: MonitoringConfig
) -> tuple[RatingVerdict, ...]:
    """Judge every rating against the ratings before it (never after)."""
    code = norms.facts.code
    k = config.rupture_sensitivity.sds
    verdicts: list[RatingVerdict] = []
    for j, total in enumerate(ratings):
        prior = ratings[:j]
        reasons: list[str] = []
        below_cutoff = norms.facts.clinical_cutoff is not None and norms.facts.is_case(total)
        if below_cutoff:
            reasons.append(
                f"{code} {_fmt(total)} is below the cut-off of "
                f"{_fmt(norms.facts.clinical_cutoff or 0)}."
            )
        level = statistics.fmean(prior) if prior else None
        sd = norms.within_sd
        if len(prior) >= config.alliance_own_sd_after:
            own = statistics.stdev(prior)
            sd = own if own > 0 else norms.within_sd
        below_level = False
        if level is not None:
            margin = max(k * sd, config.alliance_drop_min_points)
            below_level = norms.facts.worsening(level, total) >= margin
            if below_level:
                reasons.append(
                    f"{code} {_fmt(total)} is {_fmt(abs(level - total))} points below the "
                    f"client's own running level of {_fmt(level)} "
                    f"(more than {_fmt(k)} SD = {_fmt(margin)} points)."
                )
        fell = False
        if prior:
            drop = norms.facts.worsening(prior[-1], total)
            fell = drop >= config.alliance_fall_points
            if fell:
                reasons.append(
                    f"{code} fell {_fmt(drop)} points since the last rating "
                    f"({_fmt(prior[-1])} to {_fmt(total)})."
                )
        line: float | None = None
        d = norms.facts.direction
        if below_cutoff:
            line = norms.facts.clinical_cutoff
        elif below_level and level is not None:
            line = level + d * max(k * sd, config.alliance_drop_min_points)
        elif fell:
            line = prior[-1] + d * config.alliance_fall_points
        verdicts.append(
            RatingVerdict(
                j, total, level, sd, below_cutoff, below_level, fell, tuple(reasons), line
            )
        )
    return tuple(verdicts)


def assess_alliance(
    ratings: tuple[float, ...], norms: AllianceNorms, config: MonitoringConfig
) -> AllianceState:
    """Find the latest rupture and whether a later rating repaired it."""
    verdicts = judge_ratings(ratings, norms, config)
    last = max((v.index for v in verdicts if v.rupture), default=None)
    repaired_at: int | None = None
    if last is not None:
        before = verdicts[last]
        level = before.level_before
        for later in verdicts[last + 1 :]:
            if later.rupture:
                continue
            start = level if level is not None else before.total
            target = start + norms.facts.direction * before.sd_used
            restored = norms.facts.worsening(target, later.total) <= 0
            not_case = norms.facts.clinical_cutoff is None or not norms.facts.is_case(later.total)
            if restored and not_case:
                repaired_at = later.index
                break
    return AllianceState(
        norms.facts.code, ratings, verdicts, last, repaired_at, norms.facts.direction
    )


def alliance_signals(
    state: AllianceState, config: MonitoringConfig, sessions: tuple[int | None, ...]
) -> list[Signal]:
    """Turn the alliance state into rupture or repair signals.

    ``sessions`` gives the treatment session of each rating (None if not numbered).
    """
    if state.last_rupture is None or not state.verdicts:
        return []
    latest = state.verdicts[-1]
    rupture = state.verdicts[state.last_rupture]
    session = sessions[state.last_rupture]
    where = f"session {session}" if session is not None else "the last rated contact"
    details: dict[str, float | int | str | None] = {
        "ruptures": state.ruptures,
        "rupture_session": session,
        "level_before": rupture.level_before,
    }
    if state.repaired_at is not None:
        if state.repaired_at != latest.index:
            return []
        return [
            Signal(
                kind=SignalKind.REPAIR,
                severity=Severity.INFO,
                reasons=(
                    f"The alliance is back near its earlier level ({_fmt(latest.total)}) "
                    f"after the rupture at {where}: a repair.",
                ),
                measure=state.measure,
                observed=latest.total,
                boundary=rupture.level_before,
                details=details,
            )
        ]
    repair_line = (
        None
        if rupture.level_before is None
        else rupture.level_before + state.direction * rupture.sd_used
    )
    cutoff = latest.line if latest.rupture else repair_line
    if latest.rupture:
        strict = latest.below_cutoff or (
            latest.below_level and config.rupture_sensitivity.sds >= 2.0
        )
        severity = Severity.HIGH if strict else Severity.ROUTINE
        reasons = latest.reasons
    else:
        since = latest.index - state.last_rupture
        severity = Severity.HIGH if since >= config.repair_within_sessions else Severity.ROUTINE
        reasons = (
            f"The rupture at {where} is not yet repaired: {since} rating(s) since, and the "
            f"alliance ({_fmt(latest.total)}) has not come back to its earlier level.",
        )
    if state.ruptures > 1:
        reasons = (*reasons, f"{state.ruptures} separate ruptures in this episode so far.")
    return [
        Signal(
            kind=SignalKind.RUPTURE,
            severity=severity,
            reasons=tuple(reasons),
            measure=state.measure,
            session=session,
            observed=latest.total,
            boundary=cutoff,
            details=details,
        )
    ]
