"""The early-warning engine: expected response, off-track signals, ruptures, risk,
dropout, and the "why is this failing" review. No Django; see docs/monitoring.md.

>>> from ontrack.monitoring import evaluate_episode, why_review
>>> from ontrack.monitoring.testing import toy_bundle, weekly_episode
>>> episode = weekly_episode(phq9=[18, 18, 21, 24], gad7=[12, 12, 14, 16],
...                          alliance=[None, 37, 30, 29])
>>> evaluate_episode(episode, toy_bundle()).status.value
'off_track'
>>> why_review(episode, toy_bundle()).reasons[0].title
'Ruptured relationship'
"""

from ontrack.monitoring.bundle import ModelBundle, default_bundle, load_bundle, save_bundle
from ontrack.monitoring.config import (
    BoundaryKind,
    ModelChoice,
    MonitoringConfig,
    RuptureSensitivity,
)
from ontrack.monitoring.course import CoursePoint, ExpectedCourse, expected_course
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
from ontrack.monitoring.errors import (
    ConfigurationError,
    EpisodeDataError,
    ModelFileError,
    ModelNotFoundError,
    MonitoringError,
    NoIntakeScoreError,
)
from ontrack.monitoring.evaluate import Evaluation, evaluate_episode
from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.reasons import Reason
from ontrack.monitoring.review import (
    Decision,
    ReasonAssessment,
    ReviewDecision,
    WhyReview,
    why_review,
)
from ontrack.monitoring.risk import risk_signals
from ontrack.monitoring.signals import (
    MeasureProgress,
    ProgressStatus,
    ReliableChange,
    Severity,
    Signal,
    SignalKind,
    unique_reasons,
)

__all__ = [
    "AllianceRecord",
    "BoundaryKind",
    "CircumstanceRecord",
    "ConfigurationError",
    "Contact",
    "CoursePoint",
    "Decision",
    "EpisodeDataError",
    "EpisodeHistory",
    "Evaluation",
    "ExpectedCourse",
    "GoalRating",
    "HomeworkRecord",
    "MeasureFacts",
    "MeasureProgress",
    "ModelBundle",
    "ModelChoice",
    "ModelFileError",
    "ModelNotFoundError",
    "MonitoringConfig",
    "MonitoringError",
    "NoIntakeScoreError",
    "ProgressStatus",
    "Reason",
    "ReasonAssessment",
    "ReliableChange",
    "ReviewDecision",
    "RiskAnswer",
    "RuptureSensitivity",
    "ScoreRecord",
    "Severity",
    "Signal",
    "SignalKind",
    "WhyReview",
    "default_bundle",
    "evaluate_episode",
    "expected_course",
    "load_bundle",
    "risk_signals",
    "save_bundle",
    "unique_reasons",
    "why_review",
]
