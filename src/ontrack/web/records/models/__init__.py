"""Care records: one module per aggregate (client, care, measures, alerts, concerns)."""

from ontrack.web.records.models.alerts import Alert, AlertAction
from ontrack.web.records.models.appointments import Appointment, AppointmentStatus
from ontrack.web.records.models.care import Assessment, Contact, Episode, Referral
from ontrack.web.records.models.clients import Client
from ontrack.web.records.models.concerns import Concern, ConcernStep
from ontrack.web.records.models.measures import (
    AllianceResponse,
    Goal,
    GoalRating,
    Homework,
    QuestionnaireResponse,
)
from ontrack.web.records.models.online import OnlineSettings, OnlineSubmission, SubmissionSource
from ontrack.web.records.models.reviews import ReviewDecision, SupervisionNote

__all__ = [
    "Alert",
    "AlertAction",
    "AllianceResponse",
    "Appointment",
    "AppointmentStatus",
    "Assessment",
    "Client",
    "Concern",
    "ConcernStep",
    "Contact",
    "Episode",
    "Goal",
    "GoalRating",
    "Homework",
    "OnlineSettings",
    "OnlineSubmission",
    "QuestionnaireResponse",
    "Referral",
    "ReviewDecision",
    "SubmissionSource",
    "SupervisionNote",
]
