"""Checks on the course as a whole: its length, a change after no improvement,
supervision of off-track courses, and its ending."""

from __future__ import annotations

import datetime as dt

from ontrack.fidelity.checks import (
    MET,
    NOT_APPLICABLE,
    NOT_IN_DATASET,
    NOT_MET,
    NOT_RECORDED,
    _View,
)
from ontrack.fidelity.course import AuditConfig, Check, Evidence, therapy_rule
from ontrack.measures.change import reliable_change
from ontrack.measures.errors import MeasureError

AGREED_COMPLETION = "46"


def check_sessions(v: _View, config: AuditConfig) -> Check:
    """Number of treatment sessions within the recommended range for the therapy."""
    name = "sessions_in_range"
    if v.course.end_date is None or not v.treatment:
        return Check(name, NOT_APPLICABLE, "course not ended" if v.treatment else "no treatment")
    therapies = [c.therapy for c in v.treatment if c.therapy]
    main = max(set(therapies), key=therapies.count) if therapies else None
    rule = therapy_rule(main, v.course.problem_descriptor, config)
    if rule is None or rule.min_sessions is None or rule.max_sessions is None:
        return Check(name, NOT_APPLICABLE, "no recommended range for this therapy")
    n = len(v.treatment)
    seen = (
        Evidence(
            f"{n} sessions; {rule.min_sessions}-{rule.max_sessions} recommended ({rule.source})"
        ),
    )
    if rule.min_sessions <= n <= rule.max_sessions:
        return Check(
            name,
            MET,
            f"{n} sessions of {rule.name}, within {rule.min_sessions}-{rule.max_sessions}",
            seen,
        )
    if n < rule.min_sessions and v.course.end_code == AGREED_COMPLETION:
        return Check(name, MET, f"{n} sessions, ended early by mutual agreement", seen)
    side = "fewer" if n < rule.min_sessions else "more"
    return Check(
        name,
        NOT_MET,
        f"{n} sessions of {rule.name}: {side} than {rule.min_sessions}-{rule.max_sessions}",
        seen,
    )


def check_change_after_no_improvement(v: _View, config: AuditConfig) -> Check:
    """No reliable improvement by the configured session: the step or therapy changed, or
    the course ended, within the next few sessions."""
    name = "change_after_no_improvement"
    at = config.stalled_after_sessions
    if len(v.treatment) < at:
        return Check(name, NOT_APPLICABLE, f"fewer than {at} treatment sessions")
    upto = v.treatment[:at]
    if _improved(v, [c.contact_id for c in upto]):
        return Check(name, NOT_APPLICABLE, f"reliable improvement by session {at}")
    stalled = upto[-1]
    later = v.treatment[at : at + config.change_within_sessions]
    seen = [v.evidence(stalled, f"no reliable improvement by session {at}")]
    for contact in later:
        if (contact.therapy, contact.step) != (stalled.therapy, stalled.step):
            seen.append(
                v.evidence(contact, f"changed to therapy {contact.therapy}, step {contact.step}")
            )
            return Check(
                name, MET, "therapy or step changed after no reliable improvement", tuple(seen)
            )
    if len(v.treatment) <= at + config.change_within_sessions:
        if v.course.end_date is not None:
            return Check(name, MET, "course ended after no reliable improvement", tuple(seen))
        return Check(name, NOT_APPLICABLE, "too early to judge")
    more = len(v.treatment) - at
    reason = f"same therapy and step for {more} more sessions after no reliable improvement"
    return Check(name, NOT_MET, reason, tuple(seen))


def _improved(v: _View, contact_ids: list[str]) -> bool:
    for measure in ("PHQ-9", v.anxiety):
        series = [v.measures[c][measure] for c in contact_ids if measure in v.measures.get(c, {})]
        if len(series) < 2:
            continue
        try:
            if any(
                reliable_change(measure, series[0], s).reliable == "improvement" for s in series[1:]
            ):
                return True
        except MeasureError:
            continue
    return False


def check_supervision(v: _View, config: AuditConfig, *, as_of: dt.date | None = None) -> Check:
    """Each off-track alert followed by supervision of the case within the window; an alert
    whose window is still open on ``as_of`` (and not yet supervised) is not judged yet."""
    name = "supervision_off_track"
    if v.course.supervisions is None:
        return Check(name, NOT_RECORDED, f"supervision is {NOT_IN_DATASET}")
    if v.course.alerts is None:
        return Check(name, NOT_RECORDED, f"off-track alerts are {NOT_IN_DATASET}")
    off_track = [a for a in v.course.alerts if a.kind == "off_track"]
    if not off_track:
        return Check(name, NOT_APPLICABLE, "never off track")
    missed = []
    pending = 0
    for alert in off_track:
        opened = alert.opened_at.date()
        if not any(
            opened <= s.date <= opened + dt.timedelta(days=config.supervision_days)
            for s in v.course.supervisions
        ):
            if as_of is not None and as_of <= opened + dt.timedelta(days=config.supervision_days):
                pending += 1
                continue
            missed.append(
                Evidence(
                    f"off track from {opened}: unsupervised for {config.supervision_days} days",
                    alert.contact_id,
                    opened,
                )
            )
    if missed:
        return Check(
            name,
            NOT_MET,
            f"{len(missed)} of {len(off_track)} off-track alerts not supervised in time",
            tuple(missed),
        )
    if pending == len(off_track):
        return Check(
            name,
            NOT_APPLICABLE,
            f"off track; supervision due within {config.supervision_days} days",
        )
    return Check(name, MET, f"all {len(off_track) - pending} off-track alerts due supervised")


def check_ending(v: _View, config: AuditConfig) -> Check:
    """An ended referral has an end code."""
    name = "ending_recorded"
    if v.course.end_date is None:
        return Check(name, NOT_APPLICABLE, "course not ended")
    seen = (
        Evidence(
            f"ended {v.course.end_date} with code {v.course.end_code}", date=v.course.end_date
        ),
    )
    if v.course.end_code:
        return Check(name, MET, f"end code {v.course.end_code}", seen)
    return Check(name, NOT_MET, "ended without an end code", seen)


def check_ending_review(v: _View, config: AuditConfig) -> Check:
    """An ending review (progress, relapse prevention) recorded for an ended course."""
    name = "ending_review"
    if v.course.end_date is None:
        return Check(name, NOT_APPLICABLE, "course not ended")
    if v.course.ending_reviewed is None:
        return Check(name, NOT_RECORDED, f"ending reviews are {NOT_IN_DATASET}")
    if v.course.ending_reviewed:
        return Check(name, MET, "ending review recorded")
    return Check(name, NOT_MET, "no ending review recorded")
