"""Codes and statuses of the care records, as enums.

The national code lists mirror ``ontrack/dataset/codes.toml`` value for value and label for
label, so a record exports to the canonical dataset without translation; a test fails when
the two drift apart. OnTrack's own statuses (alert kind, concern stage, ...) live here too.
"""

from __future__ import annotations

from django.db import models


class Attendance(models.TextChoices):
    """NHS TT AttendOrDNACode."""

    CANCELLED_BY_PATIENT = "2", "Cancelled by or on behalf of the patient"
    DID_NOT_ATTEND = "3", "Did not attend, no advance warning"
    CANCELLED_BY_PROVIDER = "4", "Cancelled or postponed by the provider"
    ATTENDED_ON_TIME = "5", "Attended on time"
    ARRIVED_LATE_SEEN = "6", "Arrived late but seen"
    ARRIVED_LATE_NOT_SEEN = "7", "Arrived late, not seen"


class AppType(models.TextChoices):
    """NHS TT AppType (the kind of contact)."""

    ASSESSMENT = "01", "Assessment"
    TREATMENT = "02", "Treatment"
    ASSESSMENT_AND_TREATMENT = "03", "Assessment and treatment"
    REVIEW_AND_TREATMENT = "05", "Review and treatment"
    FOLLOW_UP = "06", "Follow-up"


class ConsMechanism(models.TextChoices):
    """NHS TT ConsMechanism (how the contact took place)."""

    FACE_TO_FACE = "01", "Face to face"
    TELEPHONE = "02", "Telephone"
    TALK_TYPE = "04", "Talk type"
    EMAIL = "05", "Email"
    SMS = "09", "SMS"
    INSTANT_MESSAGING = "10", "Instant messaging"
    VIDEO = "11", "Video"
    MESSAGE_BOARD = "12", "Message board"
    CHAT_ROOM = "13", "Chat room"
    OTHER = "98", "Other"


class EndCode(models.TextChoices):
    """NHS TT EndCode: why a referral ended."""

    NOT_SUITABLE_BACK_TO_REFERRER = "10", "Not suitable, no action / directed back to referrer"
    NOT_SUITABLE_SIGNPOSTED = "11", "Not suitable, signposted elsewhere"
    DISCHARGED_AFTER_ADVICE = "12", "Discharged by mutual agreement following advice and support"
    REFERRED_ON = "13", "Referred to another therapy service by mutual agreement"
    DECLINED_TREATMENT = "14", "Suitable but declined treatment offered"
    INCOMPLETE_ASSESSMENT = "16", "Incomplete assessment, patient dropped out (label UNVERIFIED)"
    DECEASED_NOT_TAKEN_ON = "17", "Deceased, seen but not taken on"
    NOT_KNOWN_NOT_TAKEN_ON = "95", "Not known, seen but not taken on"
    COMPLETED_TREATMENT = "46", "Mutually agreed completion of treatment"
    ENDED_EARLIER_THAN_PROFESSIONAL_PLANNED = (
        "47",
        "Termination of treatment earlier than care professional planned (label UNVERIFIED)",
    )
    ENDED_EARLIER_THAN_PATIENT_REQUESTED = (
        "48",
        "Termination of treatment earlier than patient requested (label UNVERIFIED)",
    )
    DECEASED_TAKEN_ON = "49", "Deceased, seen and taken on"
    NOT_ASSESSED = "50", "Not assessed (label UNVERIFIED)"
    NOT_KNOWN_TAKEN_ON = "96", "Not known, seen and taken on"


class ProblemDescriptor(models.TextChoices):
    """ICD-10 presenting complaint recorded at assessment."""

    DEPRESSIVE_EPISODE = "F32", "Depressive episode"
    RECURRENT_DEPRESSION = "F33", "Recurrent depressive disorder"
    AGORAPHOBIA = "F40.0", "Agoraphobia"
    SOCIAL_PHOBIA = "F40.1", "Social phobias"
    SPECIFIC_PHOBIA = "F40.2", "Specific (isolated) phobias"
    PANIC = "F41.0", "Panic disorder"
    GAD = "F41.1", "Generalised anxiety disorder"
    MIXED_ANXIETY_DEPRESSION = "F41.2", "Mixed anxiety and depressive disorder"
    OCD = "F42", "Obsessive-compulsive disorder"
    PTSD = "F43.1", "Post-traumatic stress disorder"
    OTHER_STRESS_REACTION = "F43.8", "Other reactions to severe stress (other F40-F43)"
    HEALTH_ANXIETY = "F45.2", "Hypochondriacal disorder (health anxiety)"


class Therapy(models.TextChoices):
    """SNOMED CT code of the therapy delivered (the modality)."""

    GSH_BOOK = "748051000000105", "Guided self-help (book)"
    NON_GUIDED_BOOK = "748101000000105", "Non-guided self-help (book)"
    GSH_COMPUTER = "748041000000107", "Guided self-help (computer)"
    NON_GUIDED_COMPUTER = "748091000000102", "Non-guided self-help (computer)"
    PHYSICAL_ACTIVITY = "748061000000108", "Structured physical activity"
    PEER_SUPPORT = "702545008", "Psychoeducational peer support"
    OTHER_LOW_INTENSITY = "1026111000000108", "Other low intensity"
    APPLIED_RELAXATION = "1127281000000100", "Applied relaxation"
    COUPLES = "1129471000000105", "Couples therapy for depression"
    COLLABORATIVE_CARE = "842901000000108", "Collaborative care"
    COUNSELLING_FOR_DEPRESSION = "286711000000107", "Counselling for depression"
    BRIEF_PSYCHODYNAMIC = "314034001", "Brief psychodynamic psychotherapy"
    EMDR = "449030000", "Eye movement desensitisation and reprocessing (EMDR)"
    MBCT = "933221000000107", "Mindfulness-based cognitive therapy"
    OTHER_HIGH_INTENSITY = "1026131000000100", "Other high intensity"
    CBT = "304891004", "Cognitive behavioural therapy (CBT)"
    IPT = "443730003", "Interpersonal psychotherapy (IPT)"


class Qualification(models.TextChoices):
    """NHS TT QualAttainLevelIAPT."""

    PWP = "10", "Psychological wellbeing practitioner (PWP)"
    HI_CBT = "11", "High intensity CBT therapist"
    COUNSELLOR_FOR_DEPRESSION = "12", "Counsellor for depression"
    COUPLES = "13", "Couples therapy for depression"
    DIT = "14", "Dynamic interpersonal therapy"
    IPT = "15", "Interpersonal psychotherapy"
    MBCT = "16", "Mindfulness-based cognitive therapy"
    EMDR = "17", "EMDR"


class Gender(models.TextChoices):
    """NHS Data Dictionary Person Stated Gender Code."""

    MALE = "1", "Male"
    FEMALE = "2", "Female"
    INDETERMINATE = "9", "Indeterminate"
    NOT_KNOWN = "X", "Not known"


class Ethnicity(models.TextChoices):
    """NHS Data Dictionary Ethnic Category."""

    WHITE_BRITISH = "A", "White - British"
    WHITE_IRISH = "B", "White - Irish"
    WHITE_OTHER = "C", "White - Any other White background"
    MIXED_WHITE_BLACK_CARIBBEAN = "D", "Mixed - White and Black Caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "E", "Mixed - White and Black African"
    MIXED_WHITE_ASIAN = "F", "Mixed - White and Asian"
    MIXED_OTHER = "G", "Mixed - Any other mixed background"
    ASIAN_INDIAN = "H", "Asian or Asian British - Indian"
    ASIAN_PAKISTANI = "J", "Asian or Asian British - Pakistani"
    ASIAN_BANGLADESHI = "K", "Asian or Asian British - Bangladeshi"
    ASIAN_OTHER = "L", "Asian or Asian British - Any other Asian background"
    BLACK_CARIBBEAN = "M", "Black or Black British - Caribbean"
    BLACK_AFRICAN = "N", "Black or Black British - African"
    BLACK_OTHER = "P", "Black or Black British - Any other Black background"
    CHINESE = "R", "Other Ethnic Groups - Chinese"
    OTHER = "S", "Other Ethnic Groups - Any other ethnic group"
    NOT_STATED = "Z", "Not stated"


class SourceOfReferral(models.TextChoices):
    """NHS Data Dictionary Source of Referral (the subset NHS TT uses)."""

    GP = "A1", "Primary health care: general medical practitioner practice"
    SELF = "B1", "Self referral: self"
    CARER = "B2", "Self referral: carer/relative"
    SOCIAL_SERVICES = "D1", "Local authority and other public services: social services"
    VOLUNTARY_SECTOR = "G3", "Other: voluntary sector"
    INTERNAL = "P1", "Internal referral"


class ImdDecile(models.IntegerChoices):
    """IoD2019 decile of the home LSOA: 1 = most deprived."""

    D1 = 1, "10 Most deprived"
    D2 = 2, "09"
    D3 = 3, "08"
    D4 = 4, "07"
    D5 = 5, "06"
    D6 = 6, "05"
    D7 = 7, "04"
    D8 = 8, "03"
    D9 = 9, "02"
    D10 = 10, "01 Least deprived"


class TherapistRole(models.TextChoices):
    """The kind of practitioner (canonical ``therapist.role``)."""

    PWP = "pwp", "Psychological wellbeing practitioner"
    HIGH_INTENSITY = "hi", "High intensity therapist"
    COUNSELLOR = "counsellor", "Counsellor"


class HomeworkOutcome(models.TextChoices):
    """How much of a homework task was done, judged at review."""

    DONE = "done", "Done"
    PARTLY = "partly", "Partly done"
    NOT_DONE = "not_done", "Not done"


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
    """Escalation steps of a concern or complaint (NHS complaints procedure).

    Informal resolution by the service, then a formal complaint to the provider, then the
    Parliamentary and Health Service Ombudsman.
    """

    RAISED = "raised", "Raised"
    LOCAL_RESOLUTION = "local_resolution", "Local resolution by the service"
    FORMAL_COMPLAINT = "formal_complaint", "Formal complaint to the provider"
    OMBUDSMAN = "ombudsman", "Referred to the Ombudsman"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Escalation runs forwards only; resolution or withdrawal may happen at any open stage.
CONCERN_NEXT_STAGE: dict[str, str] = {
    ConcernStage.RAISED: ConcernStage.LOCAL_RESOLUTION,
    ConcernStage.LOCAL_RESOLUTION: ConcernStage.FORMAL_COMPLAINT,
    ConcernStage.FORMAL_COMPLAINT: ConcernStage.OMBUDSMAN,
}
CONCERN_CLOSED_STAGES = frozenset({ConcernStage.RESOLVED, ConcernStage.WITHDRAWN})

# Canonical code-list name of each enum mirrored from codes.toml.
NATIONAL_CODE_LISTS: dict[str, type[models.TextChoices] | type[models.IntegerChoices]] = {
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

ATTENDED = frozenset({Attendance.ATTENDED_ON_TIME, Attendance.ARRIVED_LATE_SEEN})
TREATMENT_APP_TYPES = frozenset(
    {AppType.TREATMENT, AppType.ASSESSMENT_AND_TREATMENT, AppType.REVIEW_AND_TREATMENT}
)
