"""Score one completed questionnaire: total, subscales, band, caseness, risk, screens.

One engine for every measure: the behaviour comes from the ``Measure`` definition. Bad input
raises ``MeasureError`` and produces no result, but a risk answer is never lost: the error
message carries it, and ``risk_answers`` checks risk items on any partial set of answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ontrack.measures.definition import (
    CasenessRule,
    Measure,
    MissingMethod,
    ScoringMethod,
    is_beyond,
)
from ontrack.measures.errors import MeasureError
from ontrack.measures.registry import resolve

Answer = int | float | None


@dataclass(frozen=True)
class ScoreResult:
    """The scored questionnaire. ``total`` is on the measure's own scale (``Measure.min..max``).

    ``risk`` is True when any risk item was answered at or above its threshold; it is reported
    whatever the total, and ``notes`` says which item.
    """

    measure: str
    total: float
    band: str | None
    caseness: bool | None
    risk: bool
    prorated: bool
    missing: int
    subscales: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    risk_items: tuple[int, ...] = ()
    risk_unanswered: tuple[int, ...] = ()
    not_applicable: tuple[int, ...] = ()
    max: float = 0.0
    screen: str | None = None
    item_scores: tuple[float | None, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        out = asdict(self)
        for key in ("risk_items", "risk_unanswered", "not_applicable", "item_scores"):
            out[key] = list(out[key])
        return out


def score(measure: str | Measure, answers: Sequence[Answer]) -> ScoreResult:
    """Score one set of answers (item 1 first; ``None`` for a missing answer).

    >>> r = score("PHQ-9", [1, 2, 1, 2, 1, 1, 0, 1, 1])
    >>> r.total, r.band, r.caseness, r.risk
    (10.0, 'moderate', True, True)
    >>> score("phq9", [1, 2, 1, 2, 1, 1, 0, None, 0]).total  # 9 items from 8: 8 × 9 / 8
    9.0
    """
    m = resolve(measure)
    values = _check_answers(m, answers)
    not_applicable = tuple(i for i in m.optional_items if values[i - 1] is None)
    missing_items = [
        i for i, v in enumerate(values, start=1) if v is None and i not in not_applicable
    ]
    risk_items, risk_unanswered = _risk(m, values)
    answered_count = sum(v is not None for v in values)
    if len(missing_items) > m.max_missing or answered_count == 0:
        raise MeasureError(_too_many_missing(m, missing_items, risk_items))

    item_scores = tuple(None if v is None else _keyed(m, i, v) for i, v in enumerate(values, 1))
    applicable = m.n_items - len(not_applicable)
    answered = [s for s in item_scores if s is not None]
    prorated = bool(missing_items)
    if m.method is ScoringMethod.SUM:
        raw = sum(answered)
        total = raw * applicable / len(answered) if prorated else raw
        range_max = m.item_max * applicable * m.multiplier
        total *= m.multiplier
    else:
        total = sum(answered) / len(answered) * m.multiplier
        range_max = m.item_max * m.multiplier

    notes: list[str] = []
    if prorated:
        notes.append(_proration_note(m, missing_items))
    if not_applicable and m.method is ScoringMethod.SUM:
        word = "item" if len(not_applicable) == 1 else "items"
        notes.append(
            f"{word} {_list(not_applicable)} not applicable (left blank): total is out of "
            f"{_num(range_max)}, not {_num(m.max)}"
        )
    for item in risk_items:
        notes.append(
            f"risk: item {item} answered {_num(values[item - 1] or 0)}; review risk today, "
            "whatever the total"
        )
    for item in risk_unanswered:
        notes.append(f"risk item {item} was not answered: ask about it")

    total = _clean(total)
    screen = _screen(m, values, notes)
    return ScoreResult(
        measure=m.code,
        total=total,
        band=m.band(total),
        caseness=_caseness(m, total, values),
        risk=bool(risk_items),
        prorated=prorated,
        missing=len(missing_items),
        subscales=_subscales(m, item_scores, not_applicable, notes),
        notes=notes,
        risk_items=risk_items,
        risk_unanswered=risk_unanswered,
        not_applicable=not_applicable,
        max=_clean(range_max),
        screen=screen,
        item_scores=item_scores,
    )


def risk_answers(measure: str | Measure, answers: Sequence[Answer]) -> tuple[int, ...]:
    """Return the risk items answered at or above threshold, however many answers are missing.

    Use this where a questionnaire is incomplete and cannot be scored, so that a risk answer
    still raises its flag.

    >>> risk_answers("PHQ-9", [None] * 8 + [1])
    (9,)
    """
    m = resolve(measure)
    return _risk(m, _check_answers(m, answers))[0]


def _check_answers(m: Measure, answers: Sequence[Answer]) -> list[float | None]:
    if isinstance(answers, str | bytes):
        raise MeasureError(f"{m.code}: answers must be a list of numbers, not text")
    if len(answers) != m.n_items:
        raise MeasureError(f"{m.code} needs {m.n_items} answers, got {len(answers)}")
    values: list[float | None] = []
    for number, answer in enumerate(answers, start=1):
        if answer is None:
            values.append(None)
            continue
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            raise MeasureError(f"{m.code} item {number}: {answer!r} is not a number")
        if not math.isfinite(answer):
            raise MeasureError(f"{m.code} item {number}: {answer} is not a finite number")
        if not m.item_min <= answer <= m.item_max:
            raise MeasureError(
                f"{m.code} item {number}: {_num(answer)} is out of range {m.item_min}..{m.item_max}"
            )
        steps = (answer - m.item_min) / m.item_step
        if abs(steps - round(steps)) > 1e-6:
            grain = "a whole number" if m.item_step == 1 else f"a multiple of {m.item_step}"
            raise MeasureError(f"{m.code} item {number}: {_num(answer)} must be {grain}")
        values.append(float(answer))
    return values


def _keyed(m: Measure, item: int, value: float) -> float:
    """Reverse a positively worded item so every item points the same way."""
    if item in m.reverse_items:
        return m.item_min + m.item_max - value
    return value


def _risk(m: Measure, values: Sequence[float | None]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    flagged = tuple(
        i for i in m.risk_items if (v := values[i - 1]) is not None and v >= m.risk_at_least
    )
    unanswered = tuple(i for i in m.risk_items if values[i - 1] is None)
    return flagged, unanswered


def _too_many_missing(m: Measure, missing: list[int], risk_items: tuple[int, ...]) -> str:
    if m.max_missing == 0:
        rule = "every answer is required"
    else:
        rule = f"at most {m.max_missing} may be missing"
    message = f"{m.code}: {len(missing)} answers missing (items {_list(missing)}); {rule}"
    if risk_items:
        message += f"; RISK: item {_list(risk_items)} answered positively, review urgently"
    return message


def _proration_note(m: Measure, missing: list[int]) -> str:
    n = len(missing)
    plural = "item" if n == 1 else "items"
    if m.method is ScoringMethod.SUM and m.missing_method is MissingMethod.PRORATE:
        how = f"{n} missing {plural} replaced by the mean of the answered items"
    else:
        how = f"mean of the answered items ({n} missing {plural})"
    return f"prorated: {how} ({plural} {_list(missing)})"


def _caseness(m: Measure, total: float, values: Sequence[float | None]) -> bool | None:
    if m.clinical_cutoff is None:
        return None
    if m.caseness_rule is CasenessRule.ANY_ITEM:
        cutoff = m.clinical_cutoff
        return any(
            v is not None and is_beyond(v, cutoff, m.cutoff_inclusive, m.higher_is_better)
            for v in values
        )
    return m.is_case(total)


def _subscales(
    m: Measure,
    item_scores: Sequence[float | None],
    not_applicable: tuple[int, ...],
    notes: list[str],
) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, numbers in m.subscales.items():
        applicable = [i for i in numbers if i not in not_applicable]
        answered = [s for i in applicable if (s := item_scores[i - 1]) is not None]
        if not applicable:
            continue  # e.g. a goal that was never set
        if not answered:
            notes.append(f"subscale {name} not scored: none of its items answered")
            continue
        if m.subscale_method is ScoringMethod.MEAN:
            out[name] = _clean(sum(answered) / len(answered))
        else:
            out[name] = _clean(sum(answered) * len(applicable) / len(answered))
    return out


def _screen(m: Measure, values: Sequence[float | None], notes: list[str]) -> str | None:
    """Run the measure's item-level screening algorithm, if it declares one."""
    if m.screen is None:
        return None
    if any(v is None for i, v in enumerate(values, 1) if i not in m.optional_items):
        notes.append(f"{m.screen} screen not run: it needs every item answered")
        return None
    v = [0.0 if x is None else x for x in values]
    if m.screen == "phq9_depression":
        # CamCOPS phq9.py: a symptom is an item >= 2, except item 9 counts at >= 1.
        symptoms = [i for i in range(1, 10) if v[i - 1] >= (1 if i == 9 else 2)]
        core = any(i in symptoms for i in (1, 2))
        if core and len(symptoms) >= 5:
            return "major depressive syndrome"
        if core and len(symptoms) >= 2:
            return "other depressive syndrome"
        return "no depressive syndrome"
    if m.screen == "pcl5_dsm5":
        # DSM-5 provisional rule (CamCOPS pcl5.py): items rated >= 2 ("moderately") count.
        def count(first: int, last: int) -> int:
            return sum(v[i - 1] >= 2 for i in range(first, last + 1))

        met = count(1, 5) >= 1 and count(6, 7) >= 1 and count(8, 14) >= 2 and count(15, 20) >= 2
        return "provisional PTSD diagnosis" if met else "DSM-5 symptom criteria not met"
    if m.screen == "phq15_somatic":
        # Three or more symptoms rated 2 ("bothered a lot") suggest somatoform disorder.
        high = sum(x >= 2 for x in v)
        return "somatoform disorder suggested" if high >= 3 else "fewer than 3 severe symptoms"
    raise MeasureError(f"{m.code}: unknown screen {m.screen!r}")  # loader already refuses this


def _clean(value: float) -> float:
    """Round away float noise from 0.1-step answers and proration (1e-6 is far below any
    clinically meaningful difference)."""
    return float(round(value, 6))


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _list(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers)
