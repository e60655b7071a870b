"""Codes and statuses of the care records, as enums.

The national code lists come from ``ontrack/dataset/codes.toml`` and nowhere else: each
member below names its code, and its label is read from the TOML, so a record exports to
the canonical dataset without translation. Importing this module fails, naming the code,
when a member's code is not in the TOML or the TOML has a code no member names (see
docs/adr/0045). OnTrack's own statuses (alert kind, concern stage, ...) are plain enums here.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from ontrack.dataset import schema
from ontrack.dataset.schema import code_lists


def _label(code_list: str, code: str) -> str:
    labels = code_lists().get(code_list)
    if labels is None:
        raise ImproperlyConfigured(f"codes.toml has no code list [{code_list}]")
    if code not in labels:
        raise ImproperlyConfigured(f"codes.toml [{code_list}] has no code {code!r}")
    return labels[code]


def _code(code_list: str, code: str) -> tuple[str, str]:
    """Return a text code and its label from ``codes.toml``."""
    return code, _label(code_list, code)


def _number(code_list: str, code: int) -> tuple[int, str]:
    """Return a numeric code and its label from ``codes.toml`` (keys there are text)."""
    return code, _label(code_list, str(code))


class Attendance(models.TextChoices):
    """NHS TT AttendOrDNACode."""

    CANCELLED_BY_PATIENT = _code("attendance", "2")
    DID_NOT_ATTEND = _code("attendance", "3")
    CANCELLED_BY_PROVIDER = _code("attendance", "4")
    ATTENDED_ON_TIME = _code("attendance", "5")
    ARRIVED_LATE_SEEN = _code("attendance", "6")
    ARRIVED_LATE_NOT_SEEN = _code("attendance", "7")


class AppType(models.TextChoices):
    """NHS TT AppType (the kind of contact)."""

    ASSESSMENT = _code("app_type", "01")
    TREATMENT = _code("app_type", "02")
    ASSESSMENT_AND_TREATMENT = _code("app_type", "03")
    REVIEW_AND_TREATMENT = _code("app_type", "05")
    FOLLOW_UP = _code("app_type", "06")


class ConsMechanism(models.TextChoices):
    """NHS TT ConsMechanism (how the contact took place)."""

    FACE_TO_FACE = _code("cons_mechanism", "01")
    TELEPHONE = _code("cons_mechanism", "02")
    TALK_TYPE = _code("cons_mechanism", "04")
    EMAIL = _code("cons_mechanism", "05")
    SMS = _code("cons_mechanism", "09")
    INSTANT_MESSAGING = _code("cons_mechanism", "10")
    VIDEO = _code("cons_mechanism", "11")
    MESSAGE_BOARD = _code("cons_mechanism", "12")
    CHAT_ROOM = _code("cons_mechanism", "13")
    OTHER = _code("cons_mechanism", "98")


class EndCode(models.TextChoices):
    """NHS TT EndCode: why a referral ended."""

    NOT_SUITABLE_BACK_TO_REFERRER = _code("end_code", "10")
    NOT_SUITABLE_SIGNPOSTED = _code("end_code", "11")
    DISCHARGED_AFTER_ADVICE = _code("end_code", "12")
    REFERRED_ON = _code("end_code", "13")
    DECLINED_TREATMENT = _code("end_code", "14")
    INCOMPLETE_ASSESSMENT = _code("end_code", "16")
    DECEASED_NOT_TAKEN_ON = _code("end_code", "17")
    NOT_KNOWN_NOT_TAKEN_ON = _code("end_code", "95")
    COMPLETED_TREATMENT = _code("end_code", "46")
    ENDED_EARLIER_THAN_PROFESSIONAL_PLANNED = _code("end_code", "47")
    ENDED_EARLIER_THAN_PATIENT_REQUESTED = _code("end_code", "48")
    DECEASED_TAKEN_ON = _code("end_code", "49")
    NOT_ASSESSED = _code("end_code", "50")
    NOT_KNOWN_TAKEN_ON = _code("end_code", "96")


class ProblemDescriptor(models.TextChoices):
    """ICD-10 presenting complaint recorded at assessment."""

    DEPRESSIVE_EPISODE = _code("problem_descriptor", "F32")
    RECURRENT_DEPRESSION = _code("problem_descriptor", "F33")
    AGORAPHOBIA = _code("problem_descriptor", "F40.0")
    SOCIAL_PHOBIA = _code("problem_descriptor", "F40.1")
    SPECIFIC_PHOBIA = _code("problem_descriptor", "F40.2")
    PANIC = _code("problem_descriptor", "F41.0")
    GAD = _code("problem_descriptor", "F41.1")
    MIXED_ANXIETY_DEPRESSION = _code("problem_descriptor", "F41.2")
    OCD = _code("problem_descriptor", "F42")
    PTSD = _code("problem_descriptor", "F43.1")
    OTHER_STRESS_REACTION = _code("problem_descriptor", "F43.8")
    HEALTH_ANXIETY = _code("problem_descriptor", "F45.2")


class Therapy(models.TextChoices):
    """SNOMED CT code of the therapy delivered (the modality)."""

    GSH_BOOK = _code("therapy", "748051000000105")
    NON_GUIDED_BOOK = _code("therapy", "748101000000105")
    GSH_COMPUTER = _code("therapy", "748041000000107")
    NON_GUIDED_COMPUTER = _code("therapy", "748091000000102")
    PHYSICAL_ACTIVITY = _code("therapy", "748061000000108")
    PEER_SUPPORT = _code("therapy", "702545008")
    OTHER_LOW_INTENSITY = _code("therapy", "1026111000000108")
    APPLIED_RELAXATION = _code("therapy", "1127281000000100")
    COUPLES = _code("therapy", "1129471000000105")
    COLLABORATIVE_CARE = _code("therapy", "842901000000108")
    COUNSELLING_FOR_DEPRESSION = _code("therapy", "286711000000107")
    BRIEF_PSYCHODYNAMIC = _code("therapy", "314034001")
    EMDR = _code("therapy", "449030000")
    MBCT = _code("therapy", "933221000000107")
    OTHER_HIGH_INTENSITY = _code("therapy", "1026131000000100")
    CBT = _code("therapy", "304891004")
    IPT = _code("therapy", "443730003")


class Qualification(models.TextChoices):
    """NHS TT QualAttainLevelIAPT."""

    PWP = _code("qualification", "10")
    HI_CBT = _code("qualification", "11")
    COUNSELLOR_FOR_DEPRESSION = _code("qualification", "12")
    COUPLES = _code("qualification", "13")
    DIT = _code("qualification", "14")
    IPT = _code("qualification", "15")
    MBCT = _code("qualification", "16")
    EMDR = _code("qualification", "17")


class Gender(models.TextChoices):
    """NHS Data Dictionary Person Stated Gender Code."""

    MALE = _code("gender", "1")
    FEMALE = _code("gender", "2")
    INDETERMINATE = _code("gender", "9")
    NOT_KNOWN = _code("gender", "X")


class Ethnicity(models.TextChoices):
    """NHS Data Dictionary Ethnic Category."""

    WHITE_BRITISH = _code("ethnicity", "A")
    WHITE_IRISH = _code("ethnicity", "B")
    WHITE_OTHER = _code("ethnicity", "C")
    MIXED_WHITE_BLACK_CARIBBEAN = _code("ethnicity", "D")
    MIXED_WHITE_BLACK_AFRICAN = _code("ethnicity", "E")
    MIXED_WHITE_ASIAN = _code("ethnicity", "F")
    MIXED_OTHER = _code("ethnicity", "G")
    ASIAN_INDIAN = _code("ethnicity", "H")
    ASIAN_PAKISTANI = _code("ethnicity", "J")
    ASIAN_BANGLADESHI = _code("ethnicity", "K")
    ASIAN_OTHER = _code("ethnicity", "L")
    BLACK_CARIBBEAN = _code("ethnicity", "M")
    BLACK_AFRICAN = _code("ethnicity", "N")
    BLACK_OTHER = _code("ethnicity", "P")
    CHINESE = _code("ethnicity", "R")
    OTHER = _code("ethnicity", "S")
    NOT_STATED = _code("ethnicity", "Z")


class SourceOfReferral(models.TextChoices):
    """NHS Data Dictionary Source of Referral (the subset NHS TT uses)."""

    GP = _code("source_of_referral", "A1")
    SELF = _code("source_of_referral", "B1")
    CARER = _code("source_of_referral", "B2")
    SOCIAL_SERVICES = _code("source_of_referral", "D1")
    VOLUNTARY_SECTOR = _code("source_of_referral", "G3")
    INTERNAL = _code("source_of_referral", "P1")


class ImdDecile(models.IntegerChoices):
    """IoD2019 decile of the home LSOA: 1 = most deprived."""

    D1 = _number("imd_decile", 1)
    D2 = _number("imd_decile", 2)
    D3 = _number("imd_decile", 3)
    D4 = _number("imd_decile", 4)
    D5 = _number("imd_decile", 5)
    D6 = _number("imd_decile", 6)
    D7 = _number("imd_decile", 7)
    D8 = _number("imd_decile", 8)
    D9 = _number("imd_decile", 9)
    D10 = _number("imd_decile", 10)


class TherapistRole(models.TextChoices):
    """The kind of practitioner (canonical ``therapist.role``)."""

    PWP = _code("therapist_role", "pwp")
    HIGH_INTENSITY = _code("therapist_role", "hi")
    COUNSELLOR = _code("therapist_role", "counsellor")


class HomeworkOutcome(models.TextChoices):
    """How much of a homework task was done, judged at review."""

    DONE = _code("homework_outcome", "done")
    PARTLY = _code("homework_outcome", "partly")
    NOT_DONE = _code("homework_outcome", "not_done")


# -- OnTrack's own statuses (not national codes) ---------------------------------------------


class Step(models.IntegerChoices):
    """Step of care."""

    LOW_INTENSITY = 2, "Step 2 (low intensity)"
    HIGH_INTENSITY = 3, "Step 3 (high intensity)"


class AssessmentOutcome(models.TextChoices):
    """What the assessment decided."""

    SUITABLE = "suitable", "Suitable for treatment in this service"
    SIGNPOSTED = "signposted", "Not suitable: signposted elsewhere"
    NOT_SUITABLE = "not_suitable", "Not suitable: back to referrer"
    DECLINED = "declined", "Suitable but declined treatment"


class EpisodeStatus(models.TextChoices):
    """Whether an episode of care is under way."""

    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ContactPreference(models.TextChoices):
    """How the client prefers to be contacted."""

    PHONE = "phone", "Telephone"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class GoalStatus(models.TextChoices):
    """Where an agreed goal stands."""

    ACTIVE = "active", "Working on it"
    ACHIEVED = "achieved", "Achieved"
    DROPPED = "dropped", "No longer a goal"


class AlertKind(models.TextChoices):
    """What an early-warning alert is about (canonical ``alert.kind``)."""

    RISK = "risk", "Risk"
    OFF_TRACK = "off_track", "Off track"
    RUPTURE = "rupture", "Alliance rupture"
    DROPOUT = "dropout", "Dropout risk"
    STALLED = "stalled", "Stalled progress"
    FOCUS = "focus", "Focus"
    NO_GOALS = "no_goals", "No agreed goals"
    NO_HOMEWORK = "no_homework", "No homework"
    CASELOAD = "caseload", "Caseload"


class AlertSeverity(models.TextChoices):
    """How soon someone must look (canonical ``alert.severity``)."""

    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    ROUTINE = "routine", "Routine"


class AlertStatus(models.TextChoices):
    """An alert's life: opened, acknowledged, acted on, closed."""

    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACTED_ON = "acted_on", "Acted on"
    CLOSED = "closed", "Closed"


class AlertActionKind(models.TextChoices):
    """What was done about an alert."""

    DISCUSSED_WITH_CLIENT = "discussed_with_client", "Discussed with the client"
    RISK_ASSESSMENT = "risk_assessment", "Risk assessed and safety plan reviewed"
    CRISIS_REFERRAL = "crisis_referral", "Referred to crisis or emergency services"
    SUPERVISION = "supervision", "Discussed in supervision"
    CHANGED_APPROACH = "changed_approach", "Changed focus, pace or approach"
    STEPPED = "stepped", "Stepped up or down"
    CHANGED_THERAPIST = "changed_therapist", "Changed therapist"
    SIGNPOSTED = "signposted", "Signposted or referred on"
    CONTACTED_CLIENT = "contacted_client", "Contacted the client"
    NO_ACTION_NEEDED = "no_action_needed", "Reviewed: no action needed"
    WHY_REVIEW = "why_review", "Reviewed why therapy is not working, and decided what to change"
    OTHER = "other", "Other (see note)"


class SignalStatus(models.TextChoices):
    """An episode's progress signal after its latest evaluation (``ontrack.monitoring``).

    ``unknown`` means the early-warning checks could not judge progress (no intake score,
    no model for the measure, an error); its reasons say why. It is never shown as on track.
    """

    UNKNOWN = "unknown", "Not judged"
    BASELINE = "baseline", "Intake only"
    OFF_TRACK = "off_track", "Off track"
    BEHIND = "behind", "Behind"
    ON_TRACK = "on_track", "On track"
    RECOVERED = "recovered", "Recovered"


class ReviewDecisionKind(models.TextChoices):
    """What therapist and client decided at a why-review (``ontrack.monitoring`` Decision)."""

    CONTINUE = "continue", "Carry on as planned and review again"
    CHANGE_FOCUS = "change_focus", "Change the focus"
    CHANGE_PACE = "change_pace", "Change the pace"
    CHANGE_APPROACH = "change_approach", "Change the approach"
    CHANGE_STEP = "change_step", "Step up or down"
    CHANGE_THERAPIST = "change_therapist", "Offer another therapist"
    REPAIR_ALLIANCE = "repair_alliance", "Work on the relationship"
    AGREE_GOALS = "agree_goals", "Agree goals together"
    SET_HOMEWORK = "set_homework", "Set and review homework"
    PAUSE = "pause", "Pause, with a planned return"
    SIGNPOST = "signpost", "Signpost to other help"
    END = "end", "End the episode"


class ConcernKind(models.TextChoices):
    """What the client raised."""

    CONCERN = "concern", "Concern"
    COMPLAINT = "complaint", "Complaint"
    CHANGE_THERAPIST = "change_therapist", "Request for another therapist"


class ConcernStage(models.TextChoices):
    """The steps a concern or complaint goes through (``CONCERN_ROUTES`` orders them).

    NHS services (the NHS complaints procedure): raised with the service, local resolution
    by the service manager, a formal complaint to PALS or the integrated care board, then
    the Parliamentary and Health Service Ombudsman. Private practice: raised with the
    therapist, then their professional body. Resolved or withdrawn may end any open step.
    """

    RAISED = "raised", "Raised with the service"
    LOCAL_RESOLUTION = "local_resolution", "Local resolution by the service manager"
    FORMAL_COMPLAINT = "formal_complaint", "Formal complaint to PALS or the integrated care board"
    OMBUDSMAN = "ombudsman", "Referred to the Parliamentary and Health Service Ombudsman"
    PROFESSIONAL_BODY = "professional_body", "Referred to the therapist's professional body"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ConcernRoute(models.TextChoices):
    """The complaints route a service follows."""

    NHS = "nhs", "NHS complaints procedure"
    PRIVATE = "private", "Private practice: the therapist, then their professional body"


class ConcernAddressee(models.TextChoices):
    """Who the client asked to deal with their concern first."""

    THERAPIST = "therapist", "My therapist"
    MANAGER = "manager", "The service manager"


# Each route's steps in order; escalation runs forwards only, and resolution or withdrawal
# may happen at any open step.
CONCERN_ROUTES: dict[str, tuple[str, ...]] = {
    ConcernRoute.NHS: (
        ConcernStage.RAISED,
        ConcernStage.LOCAL_RESOLUTION,
        ConcernStage.FORMAL_COMPLAINT,
        ConcernStage.OMBUDSMAN,
    ),
    ConcernRoute.PRIVATE: (ConcernStage.RAISED, ConcernStage.PROFESSIONAL_BODY),
}


def next_concern_stage(route: str, stage: str) -> str | None:
    """Return the step after ``stage`` on ``route``; None at the last step or when closed."""
    steps = CONCERN_ROUTES.get(route, CONCERN_ROUTES[ConcernRoute.NHS])
    if stage not in steps or stage == steps[-1]:
        return None
    return steps[steps.index(stage) + 1]


# The NHS route as a mapping (kept for callers written before routes were configurable).
CONCERN_NEXT_STAGE: dict[str, str] = {
    ConcernStage.RAISED: ConcernStage.LOCAL_RESOLUTION,
    ConcernStage.LOCAL_RESOLUTION: ConcernStage.FORMAL_COMPLAINT,
    ConcernStage.FORMAL_COMPLAINT: ConcernStage.OMBUDSMAN,
}
CONCERN_CLOSED_STAGES = frozenset({ConcernStage.RESOLVED, ConcernStage.WITHDRAWN})


class OnlineFrequency(models.TextChoices):
    """How often a client is asked to complete their questionnaires online."""

    EVERY_SESSION = "every_session", "Before every session"
    EVERY_OTHER_SESSION = "every_other_session", "Before every other session"
    WEEKLY = "weekly", "Once a week"
    FORTNIGHTLY = "fortnightly", "Once a fortnight"
    FOUR_WEEKLY = "four_weekly", "Once every four weeks"
    NEVER = "never", "Not online: only at sessions"


# The codes.toml list each national enum is built from.
NATIONAL_CODE_LISTS: dict[str, type[models.Choices]] = {
    "attendance": Attendance,
    "app_type": AppType,
    "cons_mechanism": ConsMechanism,
    "end_code": EndCode,
    "problem_descriptor": ProblemDescriptor,
    "therapy": Therapy,
    "qualification": Qualification,
    "gender": Gender,
    "ethnicity": Ethnicity,
    "source_of_referral": SourceOfReferral,
    "imd_decile": ImdDecile,
    "therapist_role": TherapistRole,
    "homework_outcome": HomeworkOutcome,
}


def _require_every_code(lists: dict[str, type[models.Choices]]) -> None:
    """Refuse to start when ``codes.toml`` has a code that no member names."""
    for name, enum in lists.items():
        missing = set(code_lists()[name]) - {str(value) for value in enum.values}
        if missing:
            raise ImproperlyConfigured(
                f"codes.toml [{name}] has code(s) {', '.join(sorted(missing))} that "
                f"{enum.__name__} does not name: add a member for each"
            )


_require_every_code(NATIONAL_CODE_LISTS)

# The contacts that count as seen, and as treatment (``ontrack.dataset.schema`` decides).
ATTENDED = frozenset(Attendance(code) for code in schema.ATTENDED)
TREATMENT_APP_TYPES = frozenset(AppType(code) for code in schema.TREATMENT_APP_TYPES)
