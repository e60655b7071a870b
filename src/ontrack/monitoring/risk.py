"""Risk: a positive answer on any risk item raises an urgent signal, every time.

This module takes no configuration and no model, and ``evaluate_episode`` runs
it before anything else, so no setting, missing model or bad file can silence it.
"""

from __future__ import annotations

from ontrack.monitoring.episode import EpisodeHistory, RiskAnswer
from ontrack.monitoring.signals import Severity, Signal, SignalKind


def risk_signals(episode: EpisodeHistory) -> list[Signal]:
    """Return risk signals from the latest contact at which risk items were asked.

    Positive → urgent; a risk item left blank → high ("ask directly"). Earlier
    positive answers are listed in the reasons so they are not lost from view.

    >>> import datetime as dt
    >>> from ontrack.monitoring.episode import Contact, ScoreRecord
    >>> c = Contact("c1", dt.date(2025, 1, 6), "02", "5", session_number=1)
    >>> ep = EpisodeHistory("r1", dt.date(2025, 1, 1), (c,),
    ...     scores=(ScoreRecord("c1", "PHQ-9", 14, RiskAnswer.POSITIVE),))
    >>> [s.severity.value for s in risk_signals(ep)]
    ['urgent']
    """
    asked = [s for s in episode.scores if s.risk is not RiskAnswer.NOT_RECORDED]
    if not asked:
        return []
    latest_position = max(episode.position(s.contact_id) for s in asked)
    latest = [s for s in asked if episode.position(s.contact_id) == latest_position]
    contact = episode.contacts[latest_position]
    when = (
        f"session {contact.session_number}"
        if contact.session_number is not None
        else f"the contact on {contact.date.isoformat()}"
    )
    earlier = sorted(
        {
            episode.contacts[episode.position(s.contact_id)].date.isoformat()
            for s in asked
            if s.risk is RiskAnswer.POSITIVE and episode.position(s.contact_id) < latest_position
        }
    )
    history = (f"Risk items were also positive on {', '.join(earlier)}.",) if earlier else ()
    signals: list[Signal] = []
    for score in latest:
        if score.risk is RiskAnswer.POSITIVE:
            signals.append(
                Signal(
                    kind=SignalKind.RISK,
                    severity=Severity.URGENT,
                    reasons=(
                        f"A risk item on the {score.measure} was answered above zero at {when}. "
                        "Ask about it today and follow the service's risk procedure.",
                        *history,
                    ),
                    measure=score.measure,
                    session=contact.session_number,
                    observed=float(score.total),
                    contact_id=score.contact_id,
                )
            )
        elif score.risk is RiskAnswer.UNANSWERED:
            signals.append(
                Signal(
                    kind=SignalKind.RISK,
                    severity=Severity.HIGH,
                    reasons=(
                        f"A risk item on the {score.measure} was left unanswered at {when}. "
                        "Ask about it directly.",
                        *history,
                    ),
                    measure=score.measure,
                    session=contact.session_number,
                    contact_id=score.contact_id,
                )
            )
    return signals
