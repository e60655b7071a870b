"""What was delivered: a fidelity audit of each course of treatment, from the structured
records and from free-text notes (docs/fidelity.md).

For learning and accountability, never a league table.

>>> classify_note("Agreed to walk 20 minutes daily.").value("homework_set")
True
"""

from ontrack.fidelity.audit import (
    BY_THERAPIST_FRAMING,
    CRITERIA,
    CourseAudit,
    DatasetAudit,
    Rates,
    audit_course,
    audit_courses,
    rates,
)
from ontrack.fidelity.course import (
    Alert,
    AuditConfig,
    Check,
    Contact,
    Course,
    Evidence,
    GoalRating,
    Homework,
    Score,
    Status,
    Supervision,
    load_therapy_rules,
    therapy_rule,
)
from ontrack.fidelity.labels import CRITERION_LABELS, NOTE_CRITERION_LABELS, STATUS_LABELS
from ontrack.fidelity.load import (
    classify_note_table,
    courses_from_tables,
    read_fidelity_tables,
    read_optional_table,
)
from ontrack.fidelity.notes import (
    CRITERIA as NOTE_CRITERIA,
)
from ontrack.fidelity.notes import (
    Finding,
    NoteClassification,
    classify_note,
    classify_notes,
)

__all__ = [
    "BY_THERAPIST_FRAMING",
    "CRITERIA",
    "CRITERION_LABELS",
    "NOTE_CRITERIA",
    "NOTE_CRITERION_LABELS",
    "STATUS_LABELS",
    "Alert",
    "AuditConfig",
    "Check",
    "Contact",
    "Course",
    "CourseAudit",
    "DatasetAudit",
    "Evidence",
    "Finding",
    "GoalRating",
    "Homework",
    "NoteClassification",
    "Rates",
    "Score",
    "Status",
    "Supervision",
    "audit_course",
    "audit_courses",
    "classify_note",
    "classify_note_table",
    "classify_notes",
    "courses_from_tables",
    "load_therapy_rules",
    "rates",
    "read_fidelity_tables",
    "read_optional_table",
    "therapy_rule",
]
