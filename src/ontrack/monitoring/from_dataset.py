"""Build ``EpisodeHistory`` objects from a canonical dataset (via ``ServiceHistory``).

Contacts keep the order of the vectorised history (date, then dataset order), and
risk answers are read from the item answers with ``ontrack.measures``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from ontrack.monitoring.episode import (
    AllianceRecord,
    CircumstanceRecord,
    Contact,
    EpisodeHistory,
    GoalRating,
    HomeworkRecord,
    RiskAnswer,
    ScoreRecord,
)
from ontrack.monitoring.history import ServiceHistory

EPOCH = dt.date(1970, 1, 1)


def parse_items(text: str | None) -> list[int | float | None] | None:
    """Parse the canonical ``items`` text ("1,2,-,0") into answers, '-' = missing.

    >>> parse_items("1,2,-,0")
    [1, 2, None, 0]
    """
    if text is None:
        return None
    out: list[int | float | None] = []
    for part in text.split(","):
        part = part.strip()
        if part in {"-", ""}:
            out.append(None)
            continue
        value = float(part)
        out.append(int(value) if value.is_integer() else value)
    return out


@cache
def _risk_items(measure: str) -> tuple[int, ...]:
    measures = importlib.import_module("ontrack.measures")
    try:
        return tuple(measures.get_measure(measure).risk_items)
    except measures.MeasureError:
        return ()


def risk_answer(measure: str, items: str | None) -> RiskAnswer:
    """Classify a questionnaire's risk items from its item answers."""
    risk_items = _risk_items(measure)
    answers = parse_items(items)
    if not risk_items or answers is None:
        return RiskAnswer.NOT_RECORDED
    measures = importlib.import_module("ontrack.measures")
    try:
        positive = measures.risk_answers(measure, answers)
    except measures.MeasureError:
        return RiskAnswer.NOT_RECORDED
    if positive:
        return RiskAnswer.POSITIVE
    if any(answers[i - 1] is None for i in risk_items if i - 1 < len(answers)):
        return RiskAnswer.UNANSWERED
    return RiskAnswer.NEGATIVE


class _Grouped:
    """One table's columns as Python lists sorted by referral, sliced per referral."""

    def __init__(self, history: ServiceHistory, table: str, columns: tuple[str, ...]) -> None:
        self.columns: dict[str, list[Any]] = {}
        self.starts = np.zeros(history.size + 1, dtype=np.int64)
        if table not in history.tables or history.tables[table].num_rows == 0:
            return
        frame = history.tables[table].to_pandas()
        index = pd.Index(history.referral_ids)
        ref = index.get_indexer(frame["referral_id"].astype(str))
        order = np.argsort(ref, kind="stable")
        for name in columns:
            if name in frame.columns:
                values = frame[name].to_numpy(dtype=object)[order]
                missing = pd.isna(values)
                values[missing] = None
                self.columns[name] = values.tolist()
            else:
                self.columns[name] = [None] * len(frame)
        self.starts = np.searchsorted(ref[order], np.arange(history.size + 1)).astype(np.int64)

    def rows(self, ref: int) -> list[tuple[Any, ...]]:
        """Return the referral's rows as tuples in the order of ``columns``."""
        start, stop = int(self.starts[ref]), int(self.starts[ref + 1])
        if start == stop:
            return []
        return list(zip(*(col[start:stop] for col in self.columns.values()), strict=True))


def _opt_int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


def _opt_str(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


class EpisodeBuilder:
    """Build episodes for chosen referrals of a history (lay the tables out once)."""

    def __init__(self, history: ServiceHistory) -> None:
        self.history = history
        self._scores = _Grouped(history, "score", ("contact_id", "measure", "total", "items"))
        self._alliance = _Grouped(history, "alliance", ("contact_id", "measure", "total"))
        self._goals = _Grouped(history, "goal_rating", ("contact_id", "goal_number", "rating"))
        self._homework = _Grouped(
            history,
            "homework",
            ("homework_id", "set_contact_id", "reviewed_contact_id", "criteria_met", "outcome"),
        )
        self._circumstances = _Grouped(history, "circumstance", ("contact_id", "kind"))
        c = history.contacts
        self._contacts = list(
            zip(
                *(
                    c[name].to_numpy(dtype=object).tolist()
                    for name in (
                        "contact_id", "day", "app_type", "attendance", "therapist_id",
                        "therapy", "step", "session_number", "caseload", "caseload_limit",
                        "therapist_gender",
                    )
                ),
                strict=True,
            )
        )  # fmt: skip

    def build(self, ref: int) -> EpisodeHistory:
        """Return the full episode of referral index ``ref``."""
        h = self.history
        start, stop = int(h.contact_start[ref]), int(h.contact_start[ref + 1])
        contacts = tuple(
            Contact(
                contact_id=str(cid),
                date=EPOCH + dt.timedelta(days=int(day)),
                app_type=str(app),
                attendance=str(att),
                therapist_id=_opt_str(ther),
                therapy=_opt_str(therapy),
                step=_opt_int(step),
                session_number=_opt_int(number),
                therapist_caseload=_opt_int(load),
                therapist_caseload_limit=_opt_int(limit),
                therapist_gender=_opt_str(gender),
            )
            for cid, day, app, att, ther, therapy, step, number, load, limit, gender in (
                self._contacts[start:stop]
            )
        )
        scores = tuple(
            ScoreRecord(str(cid), str(m), float(t), risk_answer(str(m), _opt_str(items)))
            for cid, m, t, items in self._scores.rows(ref)
        )
        alliance = tuple(
            AllianceRecord(str(cid), str(m), float(t)) for cid, m, t in self._alliance.rows(ref)
        )
        goals = tuple(GoalRating(str(cid), int(g), int(r)) for cid, g, r in self._goals.rows(ref))
        homework = tuple(
            HomeworkRecord(
                str(hid), str(set_at), _opt_str(reviewed), _opt_int(met) or 0, _opt_str(outcome)
            )
            for hid, set_at, reviewed, met, outcome in self._homework.rows(ref)
        )
        circumstances = tuple(
            CircumstanceRecord(str(cid), str(kind)) for cid, kind in self._circumstances.rows(ref)
        )
        age, imd = h.age[ref], h.imd[ref]
        return EpisodeHistory(
            referral_id=str(h.referral_ids[ref]),
            referral_date=EPOCH + dt.timedelta(days=int(h.referral_days[ref])),
            contacts=contacts,
            scores=scores,
            alliance=alliance,
            goal_ratings=goals,
            homework=homework,
            circumstances=circumstances,
            age=None if np.isnan(age) else int(age),
            imd_decile=None if np.isnan(imd) else int(imd),
            problem_descriptor=h.descriptor[ref],
            therapist_gender_preference=h.gender_preference[ref],
        )

    def build_many(self, refs: Sequence[int]) -> list[EpisodeHistory]:
        return [self.build(int(r)) for r in refs]
