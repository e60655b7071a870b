"""Questionnaire definitions, scoring, reliable change and NHS Talking Therapies outcomes.

No web framework here: the library is plain, typed Python.

>>> from ontrack.measures import get_measure, score, reliable_change
>>> score("GAD-7", [2, 2, 1, 1, 0, 1, 1]).caseness
True
>>> reliable_change("GAD-7", 14, 9).reliable
'improvement'
"""

from __future__ import annotations

from ontrack.measures import nhstt
from ontrack.measures.change import (
    ChangeCategory,
    ChangeResult,
    CutoffCriteria,
    cutoff_criteria,
    reliable_change,
)
from ontrack.measures.definition import Measure, jacobson_truax_threshold
from ontrack.measures.errors import MeasureError
from ontrack.measures.loader import ENV_DIR, clear_cache, load_file
from ontrack.measures.registry import all_measures, canonical_code, get_measure
from ontrack.measures.response import ResponseError, load_response, read_response
from ontrack.measures.risk import RiskGrade, RiskLevel, grade_risk, risk_level
from ontrack.measures.scoring import ScoreResult, risk_answers, score

__all__ = [
    "ENV_DIR",
    "ChangeCategory",
    "ChangeResult",
    "CutoffCriteria",
    "Measure",
    "MeasureError",
    "ResponseError",
    "RiskGrade",
    "RiskLevel",
    "ScoreResult",
    "all_measures",
    "canonical_code",
    "clear_cache",
    "cutoff_criteria",
    "get_measure",
    "grade_risk",
    "jacobson_truax_threshold",
    "load_file",
    "load_response",
    "nhstt",
    "read_response",
    "reliable_change",
    "risk_answers",
    "risk_level",
    "score",
]
