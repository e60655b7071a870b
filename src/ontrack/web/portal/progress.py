"""The client's progress in plain words, with a chart of their own scores.

Only what the client gave: their questionnaire totals, goal ratings and (if their therapist
allows) session ratings. No expected course, failure boundary, signal or alert: those are
decision support for staff, not verdicts to hand a client.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ontrack.charts import DateAxis, Figure, ScorePoint, alliance_chart, date_axis, score_chart
from ontrack.measures import MeasureError, get_measure, reliable_change
from ontrack.web.records.models import AllianceResponse, QuestionnaireResponse, Referral


@dataclass(frozen=True)
class MeasureProgress:
    """One questionnaire's course for the client: the words, the chart, the numbers."""

    code: str
    name: str
    words: str
    chart: Figure
    points: tuple[tuple[dt.date, float], ...]


def _what_scores_mean(higher_is_better: bool) -> str:
    return (
        "Higher scores mean feeling better."
        if higher_is_better
        else ("Lower scores mean fewer symptoms.")
    )


def progress_words(code: str, first: float, last: float, n: int) -> str:
    """Say how a measure has moved since the start, as the NHS TT rules judge it.

    >>> progress_words("PHQ-9", 18, 11, 5)
    'Your PHQ-9 has gone from 18 to 11 since you started: that is a reliable improvement.'
    >>> progress_words("PHQ-9", 12, 4, 6).endswith("usual line for depression symptoms (10).")
    True
    """
    m = get_measure(code)
    if n < 2:
        return f"Your first {m.code} score was {first:g}. {_what_scores_mean(m.higher_is_better)}"
    result = reliable_change(m, first, last)
    start = f"Your {m.code} has gone from {first:g} to {last:g} since you started"
    if result.reliable == "improvement":
        if result.category is not None and result.category.value == "recovered":
            line = f"{m.clinical_cutoff:g}" if m.clinical_cutoff is not None else ""
            return (
                f"{start}: that is a reliable improvement, and it is now below the usual line "
                f"for {m.construct.split(' (')[0]} symptoms ({line})."
            )
        return f"{start}: that is a reliable improvement."
    if result.reliable == "deterioration":
        return (
            f"{start}: that is a reliable change for the worse. It is worth talking about "
            "with your therapist: you can decide together what might help."
        )
    return (
        f"{start}: not yet a reliable change (that takes a change of "
        f"{result.threshold:g} points or more). {_what_scores_mean(m.higher_is_better)}"
    )


def _chart(code: str, points: list[ScorePoint], axis: DateAxis) -> Figure:
    m = get_measure(code)
    return score_chart(
        ident=f"my-{code.lower().replace('-', '')}",
        measure=m.code,
        low=m.min,
        high=m.max,
        axis=axis,
        scores=points,
        caseness=m.clinical_cutoff,
        higher_is_better=m.higher_is_better,
        description=f"Your {m.code} scores on each date: "
        + ", ".join(f"{p.day:%-d %b} {p.total:g}" for p in points)
        + ".",
    )


def measure_progress(referral: Referral) -> list[MeasureProgress]:
    """Each outcome questionnaire the client completed in this referral, oldest first."""
    rows = (
        QuestionnaireResponse.unscoped.filter(contact__referral=referral)
        .order_by("contact__contact_date", "pk")
        .values_list("measure", "total", "contact__contact_date", "contact__session_number")
    )
    by_measure: dict[str, list[ScorePoint]] = {}
    for code, total, day, session in rows:
        by_measure.setdefault(code, []).append(ScorePoint(day, total, session))
    days = [p.day for pts in by_measure.values() for p in pts]
    axis = date_axis(days)
    out = []
    for code, points in by_measure.items():
        try:
            m = get_measure(code)
        except MeasureError:
            continue
        words = progress_words(code, points[0].total, points[-1].total, len(points))
        out.append(
            MeasureProgress(
                m.code,
                m.name,
                words,
                _chart(code, points, axis),
                tuple((p.day, p.total) for p in points),
            )
        )
    return out


def alliance_progress(referral: Referral) -> tuple[Figure | None, list[tuple[dt.date, float]]]:
    """The client's session ratings (a chart and the numbers), for a client allowed them."""
    rows = list(
        AllianceResponse.unscoped.filter(contact__referral=referral)
        .order_by("contact__contact_date")
        .values_list("measure", "total", "contact__contact_date")
    )
    if not rows:
        return None, []
    m = get_measure(rows[-1][0])
    ratings = [(day, total) for code, total, day in rows if code == m.code]
    chart = alliance_chart(
        ident="my-alliance",
        measure=m.code,
        low=m.min,
        high=m.max,
        axis=date_axis([d for d, _ in ratings]),
        ratings=[(d, v, False) for d, v in ratings],
        cutoff=None,
        description=f"Your {m.code} ratings of your sessions: "
        + ", ".join(f"{d:%-d %b} {v:g}" for d, v in ratings)
        + ".",
    )
    return chart, ratings
