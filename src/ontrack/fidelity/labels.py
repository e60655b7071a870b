"""Each criterion in plain words, for pages, reports and the analytics (one place)."""

from __future__ import annotations

CRITERION_LABELS: dict[str, str] = {
    "measures_every_contact": "PHQ-9, GAD-7 and the paired anxiety measure at every session",
    "wsas_start_end": "WSAS at the start and at the end",
    "goals_agreed": "Goals agreed by session 2",
    "goals_rated": "Goals rated at every session",
    "homework_set": "Homework set",
    "homework_criteria": "Homework to Beck's criteria (specific, rationale, obstacles, monitoring)",
    "homework_written": "Homework written down or given as a sheet",
    "homework_reviewed": "Homework reviewed at the next session",
    "alerts_acknowledged": "Alerts acknowledged in time",
    "alerts_acted_on": "Alerts acted on in time",
    "risk_responded": "Risk responded to",
    "sessions_in_range": "Number of sessions in the recommended range",
    "change_after_no_improvement": "A change of step or approach after no reliable improvement",
    "supervision_off_track": "Off-track course discussed in supervision",
    "ending_recorded": "Ending recorded with an end code",
    "ending_review": "Ending review recorded",
}
NOTE_CRITERION_LABELS: dict[str, str] = {
    "homework_set": "Homework set",
    "specific": "Specific task (what, when, how often)",
    "rationale": "Rationale",
    "obstacles_and_coping": "Obstacles and coping, or the client's reaction",
    "monitoring": "How it will be monitored",
    "written": "Written down or given as a sheet",
    "previous_homework_reviewed": "Previous homework reviewed",
    "risk_discussed": "Risk discussed",
    "goals_discussed": "Goals discussed",
}
STATUS_LABELS: dict[str, str] = {
    "met": "Met",
    "not_met": "Not met",
    "not_applicable": "Not applicable",
    "not_recorded": "Not recorded",
}
