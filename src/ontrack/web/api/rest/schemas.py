"""What the REST endpoints return and take (pydantic, through django-ninja's ``Schema``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from ontrack.web.api.rest.common import Date, DateTime, Id, Text


class ClientOut(Schema):
    id: int
    person_id: str = Field(description="Pseudonymous identifier used in exports.")
    given_name: str
    family_name: str
    date_of_birth: Date | None
    gender: str
    ethnicity: str
    imd_decile: int | None
    first_language: str
    phone: str
    email: str
    postcode: str
    contact_preference: str
    gp_practice: str
    consent_to_treatment: bool | None
    consent_to_sms: bool | None
    consent_to_email: bool | None
    consent_to_research: bool | None
    version: int
    created_at: dt.datetime


class ClientDetails(Schema):
    """Details to set; each is checked by the same action as the client's page."""

    given_name: Text | None = None
    family_name: Text | None = None
    date_of_birth: Date | None = None
    gender: Text | None = None
    ethnicity: Text | None = None
    imd_decile: int | None = Field(None, ge=1, le=10)
    first_language: Text | None = None
    phone: Text | None = None
    email: Text | None = None
    address: Text | None = None
    postcode: Text | None = None
    contact_preference: Text | None = None
    gp_practice: Text | None = None
    consent_to_treatment: bool | None = None
    consent_to_sms: bool | None = None
    consent_to_email: bool | None = None
    consent_to_research: bool | None = None
    preferred_therapist_gender: Text | None = None
    preferred_language: Text | None = None
    needs_interpreter: bool | None = None
    therapist_preferences: Text | None = None

    def given(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ClientIn(ClientDetails):
    given_name: Text
    family_name: Text


class ReferralOut(Schema):
    id: int
    client_id: int
    external_id: str
    referral_date: Date
    source: str
    problem_descriptor: str
    step: int | None
    end_date: Date | None
    end_code: str
    status: Literal["open", "ended"]
    version: int

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return "open" if obj.end_date is None else "ended"


class ReferralIn(Schema):
    client_id: Id
    referral_date: Date
    source: Text = ""
    problem_descriptor: Text = ""
    employed: bool | None = None


class AssessmentOut(Schema):
    id: int
    referral_id: int
    contact_id: int | None
    assessed_on: Date
    assessor_id: int
    outcome: str
    problem_descriptor: str
    recommended_step: int | None


class AssessmentIn(Schema):
    assessed_on: Date
    outcome: Text
    problem_descriptor: Text = ""
    recommended_step: int | None = Field(None, ge=0, le=10)
    attendance: Text = "5"
    cons_mechanism: Text = "01"
    risk_summary: Text = ""
    notes: Text = ""


class SignalOut(Schema):
    episode_id: int
    signal: str
    reasons: list[str]
    judged_at: dt.datetime | None
    after_contact_id: int | None


class EpisodeOut(Schema):
    id: int
    referral_id: int
    client_id: int
    therapist_id: int
    step: int | None
    therapy: str
    started_on: Date
    ended_on: Date | None
    status: str
    next_session_on: Date | None
    signal: str
    version: int

    @staticmethod
    def resolve_client_id(obj: Any) -> int:
        return int(obj.referral.client_id)


class ContactOut(Schema):
    id: int
    referral_id: int
    episode_id: int | None
    external_id: str
    contact_date: Date
    app_type: str
    attendance: str
    cons_mechanism: str
    therapist_id: int | None
    therapy: str
    session_number: int | None
    entered_in_error: bool
    version: int

    @staticmethod
    def resolve_entered_in_error(obj: Any) -> bool:
        return obj.entered_in_error_at is not None


class HomeworkPlanIn(Schema):
    behaviour: Text
    rationale: Text = ""
    coping_strategy: Text = ""
    monitoring_method: Text = ""
    client_reaction: Text = ""
    obstacles: Text = ""


class HomeworkReviewIn(Schema):
    homework_id: Id
    outcome: Text
    progress_summary: Text = ""


class GoalRatingIn(Schema):
    goal_id: Id
    rating: int = Field(ge=0, le=10)


Answer = int | float | None


class SessionIn(Schema):
    """One session, as the session form records it (``record_session``)."""

    contact_date: Date
    attendance: Text = Field(description="NHS TT attendance code: 5 attended, 3 DNA, ...")
    app_type: Text = "02"
    cons_mechanism: Text = "01"
    therapy: Text | None = None
    questionnaires: dict[Text, list[Answer]] = Field(
        default_factory=dict, description="Measure code -> item answers (null = missing)."
    )
    alliance: dict[Text, list[Answer]] = Field(default_factory=dict)
    goal_ratings: list[GoalRatingIn] = Field(default_factory=list)
    homework_reviews: list[HomeworkReviewIn] = Field(default_factory=list)
    new_homework: HomeworkPlanIn | None = None
    notes: Text = ""
    next_session_on: Date | None = None


class SessionOut(Schema):
    contact: ContactOut
    signal: SignalOut
    risk_alert_ids: list[int]


class QuestionnaireOut(Schema):
    id: int
    contact_id: int
    client_id: int
    measure: str
    completed_on: Date
    items: list[Answer] | None
    total: float
    band: str
    caseness: bool | None
    risk: bool

    @staticmethod
    def resolve_client_id(obj: Any) -> int:
        return int(obj.contact.referral.client_id)

    @staticmethod
    def resolve_completed_on(obj: Any) -> dt.date:
        return obj.contact.contact_date  # type: ignore[no-any-return]


class AppointmentOut(Schema):
    id: int
    referral_id: int
    episode_id: int | None
    staff_id: int
    starts_at: dt.datetime
    minutes: int
    app_type: str
    cons_mechanism: str
    status: str
    contact_id: int | None
    version: int


class AppointmentIn(Schema):
    referral_id: Id
    staff_id: Id
    starts_at: DateTime
    minutes: int = Field(50, ge=1, le=600)
    app_type: Text = "02"
    cons_mechanism: Text = "01"


class AppointmentOutcomeIn(Schema):
    outcome: Literal["client", "service", "dna", "late_not_seen"]
    reason: Text = ""


class AlertActionOut(Schema):
    id: int
    kind: str
    note: str
    at: dt.datetime


class AlertOut(Schema):
    id: int
    referral_id: int
    client_id: int
    contact_id: int | None
    kind: str
    severity: str
    status: str
    reasons: list[str]
    opened_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acted_at: dt.datetime | None
    closed_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_client_id(obj: Any) -> int:
        return int(obj.referral.client_id)


class AlertActionIn(Schema):
    kind: Text
    note: Text = ""


class GoalOut(Schema):
    id: int
    referral_id: int
    number: int
    description: str
    agreed_on: Date
    status: str
    version: int


class GoalIn(Schema):
    referral_id: Id
    description: Text
    agreed_on: Date


class GoalChange(Schema):
    status: Text
    description: Text | None = None


class HomeworkOut(Schema):
    id: int
    referral_id: int
    set_contact_id: int
    behaviour: str
    criteria_met: int
    reviewed_contact_id: int | None
    outcome: str
    client_outcome: str
    version: int


class StaffOut(Schema):
    id: int
    name: str
    role: str
    therapist_role: str
    team_id: int | None
    practitioner_id: str
    languages: list[str]
    caseload_limit: int

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.display_name)


class TeamOut(Schema):
    id: int
    name: str


class MeasureOut(Schema):
    code: str
    name: str
    kind: str
    items: int
    min: float
    max: float
    wording_shipped: bool
    licence: str
    risk_items: list[int]
    loinc_panel: str | None
    loinc_total: str | None
    fhir_questionnaire: str


class MeOut(Schema):
    username: str
    kind: str
    service_id: int | None
    staff_id: int | None = Field(description="Their staff record (e.g. ?therapist_id=).")
    via: Literal["token", "session"]
    token_name: str | None
    scopes: list[str]
    resources: list[str]
