"""The risk rule, written once, on plain values: one open risk alert per client.

Every input path (the session form, the assessment, an online questionnaire, a FHIR
QuestionnaireResponse, a canonical import, the engine's evaluation) turns what it read
into ``Finding`` values and asks ``decide_risk_alert`` what to do with the client's risk
alerts; ``ontrack.web.records.actions.risk`` loads the alerts and writes the decision with
its audit row, and the canonical import writes it in bulk. Nothing here reads a database
or imports Django, so each rule is tested with plain values
(``tests/web/test_risk_rule.py``).

The rules (ADR 0120):

- A client has at most one open risk alert. A new finding updates it (never a second
  alert); the same finding seen again (the same answer read twice, or by the engine after
  the form) changes nothing, even after the alert was closed.
- Every positive answer makes it urgent (the charter: a positive risk answer always opens
  or updates *the urgent alert*); its level grades it within urgent: "several days" (1),
  "more than half the days" (2), "nearly every day" or a risk assessment finding high risk
  (3). Only a risk item left unanswered (level 0: "ask about it directly") is high. A
  level never goes down while the alert is open: only a review ends it (ADR 0150).
- The first reason is the headline: a finding at the alert's level, the newest such. The
  caseload shows it beside the badge, so badge and words always agree. The other findings
  follow, newest first; the last reason says what to do.
- A risk review (asked directly, safety plan, crisis contacts) closes it, unless the review
  itself found high risk: then the alert stays open, urgent, with the review as its newest
  reason. A finding after closing opens a new alert that names the one it follows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

HIGH = "high"
URGENT = "urgent"
UNANSWERED = 0  # a risk item left blank: "ask about it directly"
HIGH_RISK_FOUND = 3  # a risk assessment that found high risk counts as the worst answer

ACTION_URGENT = (
    "Review risk with the client today, whatever the total score: ask about it directly, "
    "agree a safety plan and crisis contacts."
)
ACTION_HIGH = (
    "Review risk with the client by the next working day (at the session if it was given "
    "there): ask about it directly, agree a safety plan and crisis contacts."
)
_ACTIONS = frozenset({ACTION_URGENT, ACTION_HIGH})
_FOLLOWS = "Follows risk alert "


@dataclass(frozen=True)
class Finding:
    """One thing that needs a risk review, in one sentence that says where it was seen.

    ``level``: 0 a risk item left unanswered, 1-3 the answer's level
    (``ontrack.measures.risk.RiskLevel``), 3 also for a risk assessment that found high
    risk. The sentence identifies the finding: the same sentence twice is one finding.
    """

    level: int
    sentence: str


@dataclass(frozen=True)
class RiskAlertState:
    """One of the client's risk alerts, as far as the rule needs it."""

    id: int
    external_id: str
    level: int | None
    reasons: tuple[str, ...]
    closed: bool
    closed_on: dt.date | None = None


@dataclass(frozen=True)
class RiskDecision:
    """What to write: open a new alert (``alert_id`` None) or update ``alert_id``."""

    alert_id: int | None
    severity: str
    level: int
    reasons: tuple[str, ...]
    new: tuple[Finding, ...]
    follows: int | None = None

    @property
    def opens(self) -> bool:
        return self.alert_id is None


@dataclass(frozen=True)
class Review:
    """A recorded risk review, as far as closing an alert needs it."""

    on: dt.date
    asked_directly: bool
    safety_plan: bool
    crisis_contacts: bool
    high_risk: bool
    summary: str  # one sentence: what the review found


def severity_of(level: int) -> str:
    """The alert's severity for a finding's level: any positive answer (1-3) is urgent.

    A risk item left unanswered (0) is high: nothing positive was said, but nobody knows.

    >>> [severity_of(n) for n in range(4)]
    ['high', 'urgent', 'urgent', 'urgent']
    """
    return URGENT if level >= 1 else HIGH


def decide_risk_alert(
    findings: Sequence[Finding], alerts: Sequence[RiskAlertState]
) -> RiskDecision | None:
    """Return how the client's risk alerts change for ``findings``; None when nothing new.

    ``alerts`` are all the client's risk alerts, open and closed, in the order they opened.
    """
    seen = {reason for alert in alerts for reason in alert.reasons}
    new: list[Finding] = []
    for finding in findings:
        if finding.sentence not in seen:
            seen.add(finding.sentence)
            new.append(finding)
    if not new:
        return None
    current = next((a for a in reversed(alerts) if not a.closed), None)
    if current is None:
        closed = alerts[-1] if alerts else None
        return _open(new, closed)
    return _update(current, new)


def _worst_newest(findings: Sequence[Finding]) -> Finding:
    """The finding with the highest level, the latest given winning ties."""
    return max(reversed(findings), key=lambda f: f.level)


def _open(new: Sequence[Finding], closed: RiskAlertState | None) -> RiskDecision:
    headline = _worst_newest(new)
    rest = [f.sentence for f in reversed(new) if f is not headline]
    history = []
    if closed is not None:
        when = f", closed on {closed.closed_on:%d %b %Y}" if closed.closed_on else ""
        history = [f"{_FOLLOWS}{closed.external_id}{when} after a risk review."]
    reasons = (headline.sentence, *rest, *history, _todo(headline.level))
    return RiskDecision(
        None,
        severity_of(headline.level),
        headline.level,
        reasons,
        tuple(new),
        follows=closed.id if closed is not None else None,
    )


def _update(current: RiskAlertState, new: Sequence[Finding]) -> RiskDecision:
    old = [r for r in current.reasons if r not in _ACTIONS]
    old_level = current.level if current.level is not None else 0
    headline = _worst_newest(new)
    newest_first = [f.sentence for f in reversed(new)]
    if headline.level >= old_level or not old:
        level = headline.level
        rest = [s for s in newest_first if s != headline.sentence]
        reasons = [headline.sentence, *rest, *old]
    else:
        level = old_level
        reasons = [old[0], *newest_first, *old[1:]]
    return RiskDecision(current.id, severity_of(level), level, (*reasons, _todo(level)), tuple(new))


def _todo(level: int) -> str:
    return ACTION_URGENT if severity_of(level) == URGENT else ACTION_HIGH


def review_problems(review: Review) -> dict[str, str]:
    """What a review lacks before it can close a risk alert (empty when complete)."""
    problems: dict[str, str] = {}
    if not review.asked_directly:
        problems["asked_directly"] = (
            "A risk review asks about suicidal thoughts and intent directly: tick to say you did."
        )
    if not review.safety_plan:
        problems["safety_plan"] = "Write the safety plan agreed with the client."
    if not review.crisis_contacts:
        problems["crisis_contacts"] = "Write who the client can contact in a crisis."
    return problems


def review_outcome(review: Review) -> Literal["close", "keep open"]:
    """A complete review closes the alert, unless it found high risk (then it stays open).

    >>> r = Review(dt.date(2026, 3, 2), True, True, True, False, "Low risk to self.")
    >>> review_outcome(r)
    'close'
    """
    if review_problems(review) or review.high_risk:
        return "keep open"
    return "close"
