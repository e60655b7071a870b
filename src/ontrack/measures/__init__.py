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
from ontrack.measures.registry import all_measures, get_measure
from ontrack.measures.scoring import ScoreResult, risk_answers, score

__all__ = [
    "ENV_DIR",
    "ChangeCategory",
    "ChangeResult",
    "CutoffCriteria",
    "Measure",
    "MeasureError",
    "ScoreResult",
    "all_measures",
    "clear_cache",
    "cutoff_criteria",
    "get_measure",
    "jacobson_truax_threshold",
    "load_file",
    "nhstt",
    "reliable_change",
    "risk_answers",
    "score",
]
