"""The canonical dataset: tables, columns, types and code lists.

One row per referral, contact, score, alliance rating, goal rating, homework task,
therapist, service, and (from the records app) alert; the simulator adds a ``truth``
table of ground truth. Columns follow the NHS Talking Therapies data set v2.1
(IDS101 referral, IDS201 care contact, IDS202 care activity, IDS606/607 scored
assessments, IDS902 practitioner qualification) wherever it has them; the ``nhstt``
field of each column names the national field it maps to, so a real extract can be
loaded field by field. ``docs/dataset.md`` documents every column.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    """One column: its Arrow type, whether it may be null, its code list and meaning."""

    name: str
    type: pa.DataType
    description: str
    nullable: bool = False
    codes: str | None = None  # name of a code list in codes.toml
    references: str | None = None  # "table.column" this column must match
    nhstt: str | None = None  # the NHS TT v2.1 field it maps to
    # A dataset may leave out an optional column; it then reads as all null. Columns added
    # after the first release are optional so that older exports stay valid.
    optional: bool = False
    minimum: float | None = None  # inclusive bounds checked by validate()
    maximum: float | None = None


@dataclass(frozen=True)
class Table:
    """One canonical table; ``key`` is its primary key column."""

    name: str
    description: str
    key: str | None
    columns: tuple[Column, ...]
    required: bool = True
    date_order: tuple[tuple[str, str], ...] = field(default=())  # (earlier, later) pairs

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")


STR = pa.string()
INT = pa.int32()
BIGINT = pa.int64()
FLOAT = pa.float64()
DATE = pa.date32()
TIMESTAMP = pa.timestamp("s", tz="UTC")
BOOL = pa.bool_()

SERVICE = Table(
    "service",
    "A talking-therapy service (NHS TT provider, counselling centre or practice).",
    key="service_id",
    columns=(
        Column("service_id", STR, "Service identifier.", nhstt="OrgID_Provider"),
        Column("name", STR, "Service name."),
        Column("region", STR, "Region or commissioner area.", nullable=True, nhstt="OrgIDComm"),
    ),
)

THERAPIST = Table(
    "therapist",
    "A practitioner who delivers contacts.",
    key="therapist_id",
    columns=(
        Column(
            "therapist_id", STR, "Practitioner identifier (pseudonymous).", nhstt="CareProfLocalId"
        ),
        Column("service_id", STR, "Employing service.", references="service.service_id"),
        Column("role", STR, "pwp, hi or counsellor.", codes="therapist_role"),
        Column(
            "qualification",
            STR,
            "QualAttainLevelIAPT code (10 = PWP, 11 = HI CBT, ...).",
            codes="qualification",
            nhstt="IDS902CarePersQual.QualAttainLevelIAPT",
        ),
        Column("gender", STR, "Person stated gender code.", codes="gender", nullable=True),
        Column(
            "caseload_limit", INT, "Maximum open cases agreed for this practitioner.", minimum=0
        ),
        Column(
            "effect_depression",
            FLOAT,
            "Simulator ground truth: planted effect in the depression domain (log-odds "
            "of a good course); beyond +/-0.66 the pair is planted effective/ineffective.",
            nullable=True,
            optional=True,
        ),
        Column(
            "effect_generalised_anxiety",
            FLOAT,
            "Simulator ground truth: planted effect in the generalised anxiety domain (log-odds "
            "of a good course); beyond +/-0.66 the pair is planted effective/ineffective.",
            nullable=True,
            optional=True,
        ),
        Column(
            "effect_social_anxiety",
            FLOAT,
            "Simulator ground truth: planted effect in the social anxiety domain (log-odds "
            "of a good course); beyond +/-0.66 the pair is planted effective/ineffective.",
            nullable=True,
            optional=True,
        ),
        Column(
            "effect_ptsd",
            FLOAT,
            "Simulator ground truth: planted effect in the ptsd domain (log-odds "
            "of a good course); beyond +/-0.66 the pair is planted effective/ineffective.",
            nullable=True,
            optional=True,
        ),
        Column(
            "effect_ocd",
            FLOAT,
            "Simulator ground truth: planted effect in the ocd domain (log-odds "
            "of a good course); beyond +/-0.66 the pair is planted effective/ineffective.",
            nullable=True,
            optional=True,
        ),
        Column(
            "effect_panic",
            FLOAT,
            "Simulator ground truth: planted effect in the panic domain (log-odds "
            "of a good course); beyond +/-0.66 the pair is planted effective/ineffective.",
            nullable=True,
            optional=True,
        ),
        Column(
            "effect_health_anxiety",
            FLOAT,
            "Simulator ground truth: planted effect in the health anxiety domain (log-odds "
            "of a good course); beyond +/-0.66 the pair is planted effective/ineffective.",
            nullable=True,
            optional=True,
        ),
        Column(
            "effect_agoraphobia",
            FLOAT,
            "Simulator ground truth: planted effect in the agoraphobia domain (log-odds "
            "of a good course); beyond +/-0.66 the pair is planted effective/ineffective.",
            nullable=True,
            optional=True,
        ),
        Column(
            "effect_functioning",
            FLOAT,
            "Simulator ground truth: planted effect in the functioning domain (log-odds "
            "of a good course); beyond +/-0.66 the pair is planted effective/ineffective.",
            nullable=True,
            optional=True,
        ),
    ),
)

REFERRAL = Table(
    "referral",
    "One referral (pathway) of one person to one service; the unit of NHS TT outcomes.",
    key="referral_id",
    columns=(
        Column("referral_id", STR, "Referral (pathway) identifier.", nhstt="PathwayID"),
        Column("person_id", STR, "Pseudonymous person identifier.", nhstt="Person_ID"),
        Column(
            "service_id",
            STR,
            "Receiving service.",
            references="service.service_id",
            nhstt="OrgID_Provider",
        ),
        Column(
            "referral_date",
            DATE,
            "Date the referral request was received.",
            nhstt="ReferralRequestReceivedDate",
        ),
        Column(
            "source_of_referral",
            STR,
            "Source of referral code.",
            codes="source_of_referral",
            nullable=True,
            nhstt="SourceOfReferralIAPT",
        ),
        Column(
            "age",
            INT,
            "Age in years at referral.",
            nhstt="Age_ReferralRequest_ReceivedDate",
            minimum=16,
            maximum=120,
        ),
        Column(
            "gender", STR, "Person stated gender code.", codes="gender", nhstt="IDS001MPI.Gender"
        ),
        Column(
            "ethnicity",
            STR,
            "Ethnic category code (Z = not stated).",
            codes="ethnicity",
            nhstt="IDS001MPI.EthnicCategory",
        ),
        Column(
            "imd_decile",
            INT,
            "IoD2019 decile of the home LSOA: 1 = most deprived, 10 = least deprived "
            "(published label '10 Most deprived' for 1). Null = not known.",
            nullable=True,
            codes="imd_decile",
            nhstt="IMD_Decile (via IDS001MPI.LSOA)",
        ),
        Column(
            "problem_descriptor",
            STR,
            "ICD-10 presenting complaint recorded at assessment; null = not stated.",
            nullable=True,
            codes="problem_descriptor",
            nhstt="IDS603PresentingComplaints / PresentingComplaintLowerCategory",
        ),
        Column(
            "employed",
            BOOL,
            "In paid employment at referral (WSAS item 1 applies).",
            nullable=True,
            nhstt="IDS004EmpStatus",
        ),
        Column(
            "end_date",
            DATE,
            "Date the referral was discharged; null = still open.",
            nullable=True,
            nhstt="ServDischDate",
        ),
        Column(
            "end_code",
            STR,
            "Why the referral ended; null while open.",
            nullable=True,
            codes="end_code",
            nhstt="EndCode",
        ),
        Column(
            "therapist_gender_preference",
            STR,
            "Gender of therapist the client asked for at assessment; null = no preference "
            "stated. OnTrack extension (not in NHS TT v2.1), used by matching.",
            nullable=True,
            codes="gender",
            optional=True,
        ),
    ),
    date_order=(("referral_date", "end_date"),),
)

CONTACT = Table(
    "contact",
    "One appointment of any kind and outcome (attended, DNA, cancelled).",
    key="contact_id",
    columns=(
        Column("contact_id", STR, "Care contact identifier.", nhstt="CareContactId"),
        Column(
            "referral_id", STR, "Referral.", references="referral.referral_id", nhstt="PathwayID"
        ),
        Column(
            "therapist_id",
            STR,
            "Practitioner.",
            references="therapist.therapist_id",
            nullable=True,
            nhstt="IDS202CareActivity.CareProfLocalId",
        ),
        Column("contact_date", DATE, "Appointment date.", nhstt="CareContDate"),
        Column(
            "app_type",
            STR,
            "01 assessment, 02 treatment, 03 assessment and treatment, "
            "05 review and treatment, 06 follow-up.",
            codes="app_type",
            nhstt="AppType",
        ),
        Column(
            "attendance",
            STR,
            "AttendOrDNACode 2-7 (5, 6 = attended).",
            codes="attendance",
            nhstt="AttendOrDNACode",
        ),
        Column(
            "cons_mechanism",
            STR,
            "Consultation mechanism.",
            codes="cons_mechanism",
            nhstt="ConsMechanism",
        ),
        Column(
            "planned",
            BOOL,
            "Planned contact (false = unplanned).",
            nhstt="PlannedCareContIndicator",
        ),
        Column(
            "therapy",
            STR,
            "SNOMED CT code of the therapy delivered; null for assessment "
            "and non-attended contacts.",
            nullable=True,
            codes="therapy",
            nhstt="IDS202CareActivity.CodeProcAndProcStatus",
        ),
        Column(
            "step",
            INT,
            "Step of care: 2 low intensity, 3 high intensity.",
            nullable=True,
            minimum=2,
            maximum=3,
        ),
        Column(
            "session_number",
            INT,
            "Ordinal of this attended treatment contact within the "
            "referral (1 = first treatment session); null otherwise.",
            nullable=True,
            minimum=1,
        ),
        Column(
            "contact_time",
            STR,
            "Time of day the contact started, 24-hour 'HH:MM' or 'HH:MM:SS'; orders two "
            "contacts of one referral on the same day. Null = not recorded.",
            nullable=True,
            nhstt="CareContTime",
            optional=True,
        ),
    ),
)

SCORE = Table(
    "score",
    "One outcome measure completed at one contact.",
    key=None,
    columns=(
        Column(
            "contact_id",
            STR,
            "Contact at which it was completed.",
            references="contact.contact_id",
            nhstt="IDS607.CareActId",
        ),
        Column(
            "referral_id",
            STR,
            "Referral (denormalised for speed).",
            references="referral.referral_id",
            nhstt="PathwayID",
        ),
        Column(
            "measure",
            STR,
            "OnTrack measure code (PHQ-9, GAD-7, WSAS, SPIN, ...).",
            nhstt="CodedAssToolType (SNOMED, mapped)",
        ),
        Column("total", FLOAT, "Scored total as defined by the measure.", nhstt="PersScore"),
        Column(
            "items", STR, "Item answers in order, comma-separated, '-' for missing.", nullable=True
        ),
    ),
)

ALLIANCE = Table(
    "alliance",
    "One alliance (relationship) rating completed at one contact.",
    key=None,
    columns=(
        Column("contact_id", STR, "Contact rated.", references="contact.contact_id"),
        Column("referral_id", STR, "Referral.", references="referral.referral_id"),
        Column("measure", STR, "Alliance measure code (ARM-5, SRS, WAI-SR, ...)."),
        Column("total", FLOAT, "Scored total (higher = stronger alliance)."),
        Column("items", STR, "Item answers, comma-separated.", nullable=True),
    ),
)

GOAL_RATING = Table(
    "goal_rating",
    "A rating (0-10) of progress towards one agreed goal at one contact (GBO).",
    key=None,
    columns=(
        Column(
            "contact_id", STR, "Contact at which it was rated.", references="contact.contact_id"
        ),
        Column("referral_id", STR, "Referral.", references="referral.referral_id"),
        Column("goal_number", INT, "Goal 1, 2 or 3.", minimum=1, maximum=3),
        Column("rating", INT, "0 = no progress, 10 = goal reached.", minimum=0, maximum=10),
    ),
)

HOMEWORK = Table(
    "homework",
    "A between-session task set at one contact and reviewed at a later one.",
    key="homework_id",
    columns=(
        Column("homework_id", STR, "Homework identifier."),
        Column("referral_id", STR, "Referral.", references="referral.referral_id"),
        Column(
            "set_contact_id", STR, "Contact at which it was set.", references="contact.contact_id"
        ),
        Column(
            "reviewed_contact_id",
            STR,
            "Contact at which it was reviewed; null = never.",
            nullable=True,
            references="contact.contact_id",
        ),
        Column(
            "criteria_met",
            INT,
            "How many of Beck's six criteria the plan recorded "
            "(behaviour, rationale, coping strategy, monitoring, reaction, obstacles).",
            minimum=0,
            maximum=6,
        ),
        Column(
            "outcome",
            STR,
            "done, partly or not_done at review.",
            nullable=True,
            codes="homework_outcome",
        ),
    ),
)

ALERT = Table(
    "alert",
    "An early-warning alert from the records app and what was done about it.",
    key="alert_id",
    required=False,
    columns=(
        Column("alert_id", STR, "Alert identifier."),
        Column("referral_id", STR, "Referral.", references="referral.referral_id"),
        Column(
            "contact_id",
            STR,
            "Contact after which it opened.",
            nullable=True,
            references="contact.contact_id",
        ),
        Column(
            "kind",
            STR,
            "risk, off_track, rupture, dropout, stalled, focus, no_goals, no_homework, caseload.",
        ),
        Column("severity", STR, "urgent, high or routine."),
        Column("opened_at", TIMESTAMP, "When it opened."),
        Column("acknowledged_at", TIMESTAMP, "When first acknowledged.", nullable=True),
        Column("acted_at", TIMESTAMP, "When an action was recorded.", nullable=True),
        Column("closed_at", TIMESTAMP, "When closed.", nullable=True),
        Column("action", STR, "What was done (free text or an action code).", nullable=True),
    ),
    date_order=(("opened_at", "acknowledged_at"), ("opened_at", "closed_at")),
)

TRUTH = Table(
    "truth",
    "Simulator ground truth per referral; absent from real extracts.",
    key="referral_id",
    required=False,
    columns=(
        Column("referral_id", STR, "Referral.", references="referral.referral_id"),
        Column("trajectory_class", STR, "Latent course shape.", codes="trajectory_class"),
        Column(
            "course_shape",
            STR,
            "The course's most telling shape: relapse, exposure_spike or high_variability "
            "where it has one, else its trajectory class.",
            codes="course_shape",
            nullable=True,
            optional=True,
        ),
        Column(
            "course_features",
            STR,
            "Shapes the course shows, ';'-separated (exposure_spike, relapse, "
            "high_variability); empty when none.",
            nullable=True,
            optional=True,
        ),
        Column(
            "causes",
            STR,
            "Planted causes of failure, ';'-separated, primary first; empty when none.",
            nullable=True,
        ),
        Column(
            "would_improve",
            BOOL,
            "Whether the latent course reliably improves given a full course of treatment.",
        ),
        Column(
            "onset_session",
            INT,
            "Treatment session at which the primary planted cause began (0 = before the "
            "first treatment session); null when there is no cause.",
            nullable=True,
            optional=True,
            minimum=0,
        ),
        Column(
            "prognosis",
            FLOAT,
            "Log-odds of a good course before the therapist's effect and the modality "
            "response (treated referrals); for ontrack match-validate.",
            nullable=True,
            optional=True,
        ),
        Column(
            "true_domain",
            STR,
            "Problem domain of the true presenting problem (whose therapist effect applies).",
            nullable=True,
            optional=True,
        ),
        Column(
            "response_li",
            FLOAT,
            "Log-odds shift of a good course if treated with low intensity only "
            "(treated referrals).",
            nullable=True,
            optional=True,
        ),
        Column(
            "response_cbt",
            FLOAT,
            "Log-odds shift of a good course if treated with CBT (treated referrals).",
            nullable=True,
            optional=True,
        ),
        Column(
            "response_counselling",
            FLOAT,
            "Log-odds shift of a good course if treated with counselling for depression "
            "(treated referrals).",
            nullable=True,
            optional=True,
        ),
    ),
)

CIRCUMSTANCE = Table(
    "circumstance",
    "A social or personal circumstance (housing, debt, bereavement, ...) recorded at a contact.",
    key=None,
    required=False,
    columns=(
        Column("referral_id", STR, "Referral.", references="referral.referral_id"),
        Column(
            "contact_id",
            STR,
            "Contact at which it was recorded.",
            references="contact.contact_id",
        ),
        Column(
            "kind",
            STR,
            "What kind of circumstance.",
            codes="circumstance",
            nhstt="IDS011SocPerCircumstances (SNOMED, mapped)",
        ),
    ),
)

IET_ACTIVITY = Table(
    "iet_activity",
    "A log of internet-enabled therapy (a digital programme the client works through, "
    "supported by a practitioner): one row per log entry (IDS205InternetTherLog).",
    key=None,
    required=False,
    date_order=(("start_date", "end_date"),),
    columns=(
        Column(
            "referral_id",
            STR,
            "Referral.",
            references="referral.referral_id",
            nhstt="IDS205InternetTherLog.PathwayID",
        ),
        Column(
            "programme",
            STR,
            "The internet-enabled therapy programme, as recorded.",
            nullable=True,
            nhstt="IDS205InternetTherLog.IntEnabledTherProg",
        ),
        Column(
            "start_date",
            DATE,
            "First day of the period the log entry covers.",
            nhstt="IDS205InternetTherLog.StartDateIntEnabledTherLog",
        ),
        Column(
            "end_date",
            DATE,
            "Last day of the period the log entry covers (null while open).",
            nullable=True,
            nhstt="IDS205InternetTherLog.EndDateIntEnabledTherLog",
        ),
        Column(
            "duration_minutes",
            INT,
            "Minutes of internet-enabled therapy logged for the period, as recorded "
            "(DurationIntEnabledTher; the meaning of the minutes is UNVERIFIED against the "
            "v2.1 specification).",
            nullable=True,
            nhstt="IDS205InternetTherLog.DurationIntEnabledTher",
            minimum=0,
        ),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        SERVICE,
        THERAPIST,
        REFERRAL,
        CONTACT,
        SCORE,
        ALLIANCE,
        GOAL_RATING,
        HOMEWORK,
        ALERT,
        TRUTH,
        CIRCUMSTANCE,
        IET_ACTIVITY,
    )
}

ATTENDED = frozenset({"5", "6"})  # AttendOrDNACode values that count as seen
TREATMENT_APP_TYPES = frozenset({"02", "03", "05"})  # 06 follow-up and 01 assessment excluded
FOLLOW_UP = "06"  # AppType of a follow-up; the only contact allowed after the end_date
# 'HH:MM' or 'HH:MM:SS', 24-hour (CareContTime); checked by validate().
CONTACT_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def is_seen(attendance: str | None, planned: bool | None) -> bool:
    """Whether a contact counts as seen: attended (5, 6) or unplanned.

    NHS England counts a treatment contact when ``AttendOrDNACode IN ('5','6') OR
    PlannedCareContIndicator = 'N'`` (KM SQL; PDT ``2.19 Average_Waits_Base_Table``).

    >>> is_seen("5", True), is_seen("3", True), is_seen("3", False)
    (True, False, True)
    """
    return attendance in ATTENDED or planned is False


@cache
def code_lists() -> dict[str, dict[str, str]]:
    """Return every code list as {list name: {code: label}} (without the source note)."""
    text = resources.files("ontrack.dataset").joinpath("codes.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    return {
        name: {k: v for k, v in entries.items() if k != "source"} for name, entries in raw.items()
    }


@cache
def code_sources() -> dict[str, str]:
    """Return the source note of every code list."""
    text = resources.files("ontrack.dataset").joinpath("codes.toml").read_text("utf-8")
    return {name: entries["source"] for name, entries in tomllib.loads(text).items()}
