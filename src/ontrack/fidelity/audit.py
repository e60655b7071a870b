"""Audit one course, or every course of a dataset, and the rates of each criterion.

The audit is for learning and accountability: did each person get the treatment they were
offered, and is care delivered equally? It is not a league table of therapists. Rates per
therapist are for their own supervision and development, and small numbers are noisy.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ontrack.fidelity import checks, pathway
from ontrack.fidelity.course import AuditConfig, Check, Course, Status

CRITERIA = (
    "measures_every_contact",
    "wsas_start_end",
    "goals_agreed",
    "goals_rated",
    "homework_set",
    "homework_criteria",
    "homework_written",
    "homework_reviewed",
    "alerts_acknowledged",
    "alerts_acted_on",
    "risk_responded",
    "sessions_in_range",
    "change_after_no_improvement",
    "supervision_off_track",
    "ending_recorded",
    "ending_review",
)
BY_THERAPIST_FRAMING = (
    "For each therapist's own supervision and development: what was recorded in their "
    "courses, not a ranking. Small numbers of courses give unreliable rates; read each "
    "with its courses and the reasons behind it, never as a league table."
)


@dataclass(frozen=True)
class CourseAudit:
    """Every check on one course."""

    referral_id: str
    therapist_id: str | None
    imd_decile: int | None
    checks: tuple[Check, ...]

    def status(self, criterion: str) -> Status:
        """The status of one criterion."""
        return next(c.status for c in self.checks if c.criterion == criterion)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "referral_id": self.referral_id,
            "therapist_id": self.therapist_id,
            "imd_decile": self.imd_decile,
            "checks": [c.to_dict() for c in self.checks],
        }


def audit_course(
    course: Course, config: AuditConfig | None = None, *, as_of: dt.datetime | None = None
) -> CourseAudit:
    """Audit one course from plain values.

    ``as_of`` is when the audit is made (alerts still inside their window are not judged);
    by default the end of the latest date in the course.

    >>> from ontrack.fidelity.course import Contact
    >>> c = Contact("C1", dt.date(2025, 1, 6), "02", "5", therapy="304891004", session_number=1)
    >>> audit_course(Course("R1", (c,))).status("measures_every_contact").value
    'not_met'
    """
    config = config or AuditConfig()
    view = checks._View(course)
    when = as_of or _latest(course)
    results = [f(view, config) for f in checks.BASIC_CHECKS]
    results.append(checks.check_alerts(view, config, as_of=when, acted=False))
    results.append(checks.check_alerts(view, config, as_of=when, acted=True))
    results.append(checks.check_risk(view, config, as_of=when))
    results.append(pathway.check_sessions(view, config))
    results.append(pathway.check_change_after_no_improvement(view, config))
    results.append(pathway.check_supervision(view, config, as_of=when.date()))
    results.append(pathway.check_ending(view, config))
    results.append(pathway.check_ending_review(view, config))
    return CourseAudit(
        course.referral_id, _main_therapist(course), course.imd_decile, tuple(results)
    )


def _latest(course: Course) -> dt.datetime:
    dates = (
        [c.date for c in course.contacts] + [course.end_date]
        if course.end_date
        else [c.date for c in course.contacts]
    )
    stamps = [a.acted_at or a.acknowledged_at or a.opened_at for a in course.alerts or ()]
    latest = max(dates, default=dt.date(1970, 1, 1))
    moment = dt.datetime.combine(latest, dt.time(23, 59), tzinfo=dt.UTC)
    return max([moment, *stamps])


def _main_therapist(course: Course) -> str | None:
    """The therapist of most of the attended treatment contacts (the latest on a tie)."""
    seen = [
        c.therapist_id
        for c in sorted(course.contacts, key=lambda c: c.date)
        if c.is_treatment and c.therapist_id
    ]
    if not seen:
        return None
    counts = Counter(seen)
    top = max(counts.values())
    return next(t for t in reversed(seen) if counts[t] == top)


@dataclass(frozen=True)
class Rates:
    """Per criterion: courses met, not met, and the rate met / (met + not met)."""

    courses: int
    met: Mapping[str, int]
    judged: Mapping[str, int]

    def rate(self, criterion: str) -> float | None:
        """Share of judged courses that met ``criterion``; None when none was judged."""
        judged = self.judged.get(criterion, 0)
        return None if judged == 0 else round(self.met.get(criterion, 0) / judged, 4)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``courses``, ``rates`` and ``judged`` per criterion."""
        return {
            "courses": self.courses,
            "rates": {c: self.rate(c) for c in CRITERIA},
            "judged": {c: self.judged.get(c, 0) for c in CRITERIA},
        }


def rates(audits: Iterable[CourseAudit]) -> Rates:
    """Rates of each criterion over ``audits`` (not applicable and not recorded left out)."""
    met: Counter[str] = Counter()
    judged: Counter[str] = Counter()
    n = 0
    for audit in audits:
        n += 1
        for check in audit.checks:
            if check.status in (Status.MET, Status.NOT_MET):
                judged[check.criterion] += 1
                met[check.criterion] += check.status is Status.MET
    return Rates(n, dict(met), dict(judged))


@dataclass(frozen=True)
class DatasetAudit:
    """Every course's audit, overall rates, and rates by therapist and by IMD decile."""

    courses: Sequence[CourseAudit]
    overall: Rates
    by_therapist: Mapping[str, Rates]
    by_imd_decile: Mapping[str, Rates]

    def to_dict(self) -> dict[str, Any]:
        """The shape ``ontrack audit --json`` prints."""
        overall = self.overall.to_dict()
        return {
            "courses": [c.to_dict() for c in self.courses],
            "rates": overall["rates"],
            "judged": overall["judged"],
            "by_therapist": {
                "framing": BY_THERAPIST_FRAMING,
                "therapists": {t: r.to_dict() for t, r in sorted(self.by_therapist.items())},
            },
            "by_imd_decile": {
                d: r.to_dict() for d, r in sorted(self.by_imd_decile.items(), key=_decile_order)
            },
        }


def _decile_order(item: tuple[str, Rates]) -> tuple[int, str]:
    return (int(item[0]), "") if item[0].isdigit() else (99, item[0])


def audit_courses(
    courses: Iterable[Course],
    config: AuditConfig | None = None,
    *,
    as_of: dt.datetime | None = None,
) -> DatasetAudit:
    """Audit every course and gather the rates overall, by therapist and by IMD decile."""
    audits = [audit_course(c, config, as_of=as_of) for c in courses]
    therapist: dict[str, list[CourseAudit]] = defaultdict(list)
    decile: dict[str, list[CourseAudit]] = defaultdict(list)
    for audit in audits:
        therapist[audit.therapist_id or "unknown"].append(audit)
        decile["unknown" if audit.imd_decile is None else str(audit.imd_decile)].append(audit)
    return DatasetAudit(
        audits,
        rates(audits),
        {t: rates(a) for t, a in therapist.items()},
        {d: rates(a) for d, a in decile.items()},
    )
