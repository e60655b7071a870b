"""The pathway's own statuses and groups (national codes stay in ``common.codes``)."""

from __future__ import annotations

from django.db import models


class CircumstanceKind(models.TextChoices):
    """Social and personal circumstances asked about at assessment.

    The groups of NHS TT's IDS011 social and personal circumstances that bear on whether
    now is the right time (docs/reference); each maps onto the canonical ``circumstance``
    code it is exported as (``CANONICAL_CIRCUMSTANCE``).
    """

    HOUSING = "housing", "Housing (homelessness, insecure or poor housing)"
    DEBT = "debt", "Debt or money worries"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    EMPLOYMENT = "employment", "Employment (job loss, work problems)"
    CARING = "caring", "Caring responsibilities"
    LEGAL = "legal", "Legal problems (court, immigration, police)"
    SUBSTANCE = "substance", "Alcohol or drug use"
    BEREAVEMENT = "bereavement", "Bereavement"
    RELATIONSHIP = "relationship", "Relationship breakdown or family conflict"
    HEALTH = "health", "Physical illness or injury"


# The canonical circumstance code each is exported as (dataset codes.toml [circumstance]).
CANONICAL_CIRCUMSTANCE: dict[str, str] = {
    CircumstanceKind.HOUSING: "housing",
    CircumstanceKind.DEBT: "debt",
    CircumstanceKind.DOMESTIC_ABUSE: "safety",
    CircumstanceKind.EMPLOYMENT: "employment",
    CircumstanceKind.CARING: "caring",
    CircumstanceKind.LEGAL: "legal",
    CircumstanceKind.SUBSTANCE: "substance",
    CircumstanceKind.BEREAVEMENT: "bereavement",
    CircumstanceKind.RELATIONSHIP: "relationship",
    CircumstanceKind.HEALTH: "health",
}
# And back: the loader reads every canonical circumstance code into one of these.
FROM_CANONICAL_CIRCUMSTANCE: dict[str, str] = {v: k for k, v in CANONICAL_CIRCUMSTANCE.items()}


class RiskLevel(models.TextChoices):
    """The assessor's judgement of a risk."""

    NONE = "none", "No risk identified"
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


class Readiness(models.TextChoices):
    """Is this the right time for therapy?"""

    READY = "ready", "Ready to start now"
    NOT_NOW = "not_now", "Not the right time (for example, a crisis at home comes first)"
    UNSURE = "unsure", "Unsure: talk it through again"


class Decision(models.TextChoices):
    """What the assessment decided."""

    OFFER_TREATMENT = "offer", "Offer treatment"
    SIGNPOST = "signpost", "Signpost to other help"
    REFER_ELSEWHERE = "refer", "Refer elsewhere"
    NOT_SUITABLE = "not_suitable", "Not suitable for this service"


# The records' assessment outcome, and the end code, each decision leads to.
DECISION_OUTCOME = {
    Decision.OFFER_TREATMENT: "suitable",
    Decision.SIGNPOST: "signposted",
    Decision.REFER_ELSEWHERE: "not_suitable",
    Decision.NOT_SUITABLE: "not_suitable",
}
DECISION_END_CODE = {
    Decision.SIGNPOST: "11",
    Decision.REFER_ELSEWHERE: "13",
    Decision.NOT_SUITABLE: "10",
}


class PreferenceKind(models.TextChoices):
    """What a client may ask for in their therapist or therapy."""

    GENDER = "gender", "Therapist's gender"
    LANGUAGE = "language", "Language"
    INTERPRETER = "interpreter", "Needs an interpreter for"
    CULTURE = "culture", "Cultural background"
    AGE = "age", "Therapist's age (range, e.g. 40-60)"
    MODALITY = "modality", "Kind of therapy"
    FORMAT = "format", "Face to face, phone, video or text"
    TIMES = "times", "Times they can come"


class SelfReferralStatus(models.TextChoices):
    """Where a self-referral from the public form stands."""

    NEW = "new", "Waiting to be checked"
    ACCEPTED = "accepted", "Registered as a referral"
    DECLINED = "declined", "Not taken forward"


class LeftWaitingList(models.TextChoices):
    """Why someone left the waiting list."""

    ALLOCATED = "allocated", "Allocated to a therapist"
    ENDED = "ended", "Referral ended"


class AttemptMethod(models.TextChoices):
    PHONE = "phone", "Telephone call"
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Opt-in letter"


class AttemptOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", "No answer"
    MESSAGE_LEFT = "message_left", "Message left"
    SPOKE = "spoke", "Spoke to the client"
    SENT = "sent", "Sent"


class CourseChangeKind(models.TextChoices):
    STEP_UP = "step_up", "Step up"
    STEP_DOWN = "step_down", "Step down"
    MODALITY = "modality", "Change the kind of therapy"
    THERAPIST = "therapist", "Move to another therapist"
    BACK_TO_WAITING = "waiting", "Back on the waiting list"


class ClientsChoice(models.TextChoices):
    """At an early ending: whose choice is it?"""

    CLIENT = "client", "The client chose to end now"
    AGREED = "agreed", "Agreed together"
    SERVICE = "service", "The service's decision"


class Considered(models.TextChoices):
    """At an early ending: was something else considered?"""

    STEP_UP = "step_up", "Stepping up was considered and offered"
    OTHER_APPROACH = "other_approach", "Another approach was considered and offered"
    NOT_WANTED = "not_wanted", "Both were talked through; the client does not want either"
    NOT_SUITABLE = "not_suitable", "Neither would serve the client better (reason given)"
