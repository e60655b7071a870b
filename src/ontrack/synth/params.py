"""Every assumption of the simulator, with where it comes from.

"Reference" means /work/shared/reference/measures.md (section numbers as there) and
"evidence" /work/shared/reference/evidence.md. Values marked CALIBRATED were tuned so that
a national-year run reproduces the published 2024-25 figures (docs/simulator.md shows the
comparison); they are properties of the simulator, not findings. Values marked ASSUMED are
plausible choices without a published anchor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# ---------------------------------------------------------------------------------------
# Size and time
# ---------------------------------------------------------------------------------------
YEAR_DAYS: Final = 365
REFERRALS_PER_SERVICE: Final = 15_000  # ASSUMED: ~120 NHS TT providers for ~1.8 M referrals
MAX_TREATMENT_SESSIONS: Final = 20  # NHS TT high-intensity courses run up to ~20 sessions

# ---------------------------------------------------------------------------------------
# Referrals: demographics and deprivation
# ---------------------------------------------------------------------------------------
# IMD decile of referrals received, 2024-25 (reference §6): IoD decile 1 (most deprived) to
# 10 (least deprived), then "not known".
IMD_REFERRALS: Final = (
    246_365, 225_809, 215_050, 199_753, 179_500, 169_580, 153_300, 145_330, 135_239, 119_299,
)  # fmt: skip
IMD_UNKNOWN_REFERRALS: Final = 24_207
# Age bands at referral and their shares. ASSUMED from the shape of NHS TT annual reports
# (most referrals aged 18-35; few over 65).
AGE_BANDS: Final = ((16, 17), (18, 25), (26, 35), (36, 45), (46, 55), (56, 64), (65, 90))
AGE_SHARES: Final = (0.01, 0.21, 0.25, 0.19, 0.16, 0.11, 0.07)

GENDER_CODES: Final = ("1", "2", "9", "X")  # NHS Data Dictionary Person Stated Gender
GENDER_SHARES: Final = (0.33, 0.66, 0.003, 0.007)  # ASSUMED: about two thirds women
THERAPIST_FEMALE_SHARE: Final = 0.8  # ASSUMED: the NHS TT workforce is mostly women
PREFERENCE_SHARE: Final = 0.08  # ASSUMED: clients who ask for a therapist's gender

# Ethnic category shares. ASSUMED, near the England census (2021) for adults, with 6% not
# stated as in NHS TT returns.
ETHNICITY_CODES: Final = (
    "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "R", "S", "Z",
)  # fmt: skip
ETHNICITY_SHARES: Final = (
    0.69, 0.01, 0.06, 0.008, 0.003, 0.007, 0.007, 0.027, 0.022, 0.008, 0.014,
    0.009, 0.02, 0.004, 0.004, 0.015, 0.062,
)  # fmt: skip

SOURCE_CODES: Final = ("B1", "A1", "B2", "D1", "G3", "P1")
SOURCE_SHARES: Final = (0.68, 0.24, 0.01, 0.01, 0.03, 0.03)  # ASSUMED: mostly self-referral
EMPLOYED_SHARE: Final = 0.62  # ASSUMED; lower in deprived areas (EMPLOYED_DEPRIVATION)
EMPLOYED_DEPRIVATION: Final = -0.25
REPEAT_PERSON_SHARE: Final = 0.05  # ASSUMED: people referred twice in the year

# ---------------------------------------------------------------------------------------
# Problem descriptors (reference §3.7: finished courses by descriptor, 2024-25)
# ---------------------------------------------------------------------------------------
# code, share of finished courses, group (for therapist strengths and therapy choice),
# mean depression and anxiety severity at referral as a share of the PHQ-9 / GAD-7 range,
# prognosis shift (CALIBRATED towards the published recovery by descriptor).
PROBLEMS: Final = (
    ("F32", 0.300, "depression", 0.585, 0.590, 0.00),
    ("F33", 0.130, "depression", 0.605, 0.590, -0.10),
    ("F41.1", 0.263, "anxiety", 0.485, 0.680, 0.35),
    ("F43.1", 0.069, "trauma", 0.605, 0.690, -0.30),
    ("F43.8", 0.032, "anxiety", 0.505, 0.630, 0.20),
    ("F42", 0.027, "complex", 0.485, 0.610, -0.10),
    ("F40.1", 0.025, "complex", 0.525, 0.650, 0.00),
    ("F41.0", 0.023, "anxiety", 0.505, 0.670, 0.10),
    ("F41.2", 0.022, "depression", 0.565, 0.650, -0.05),
    ("F45.2", 0.015, "complex", 0.445, 0.630, 0.10),
    ("F40.2", 0.009, "anxiety", 0.425, 0.590, 0.50),
    ("F40.0", 0.007, "complex", 0.545, 0.670, -0.30),
)
NOT_STATED_SHARE: Final = 0.065  # finished courses with no descriptor (43,743 / 670,419)
PROBLEM_GROUPS: Final = ("depression", "anxiety", "trauma", "complex")
# Mean severity of the disorder-specific measure (ADSM) at referral, as a share of its range,
# and its SD. ASSUMED from typical intake means in the measures' validation papers.
ADSM_START: Final = {
    "SPIN": (0.62, 0.17),
    "PCL-5": (0.60, 0.17),
    "OCI-R": (0.42, 0.16),
    "PDSS": (0.55, 0.18),
    "SHAI": (0.55, 0.14),
    "MI-ALONE": (0.50, 0.20),
}
SEVERITY_SD: Final = 0.27  # CALIBRATED: SD of latent severity (share of range) at referral
SEVERITY_CORRELATION: Final = 0.55  # ASSUMED: PHQ-9 and GAD-7 correlate ~0.6 at intake
SEVERITY_DEPRIVATION: Final = 0.04  # CALIBRATED: most vs least deprived, share of range
MILD_SHARE: Final = 0.005  # CALIBRATED: below caseness on both measures at assessment
MILD_SEVERITY: Final = (0.22, 0.22)  # depression, anxiety share of range for the mild group

# ---------------------------------------------------------------------------------------
# The funnel (reference §3.1-3.3): of referrals, ~66% enter treatment, ~37% finish a course
# (≥2 treatment contacts), ~29% end after one treatment contact.
# ---------------------------------------------------------------------------------------
NOT_ASSESSED: Final = 0.13  # CALIBRATED: never attend an assessment
NOT_ASSESSED_NO_CONTACT: Final = 0.45  # ASSUMED: of those, never booked (opt-in not returned)
ASSESSED_NOT_TREATED: Final = 0.22  # CALIBRATED: of those assessed
MILD_NOT_TREATED: Final = 2.0  # CALIBRATED: log-odds of no treatment when below caseness
# End codes for assessed, not treated (reference §2.1). ASSUMED shares.
NOT_TREATED_END_CODES: Final = (("10", 0.12), ("11", 0.22), ("12", 0.30), ("13", 0.14),
                                ("14", 0.16), ("16", 0.04), ("95", 0.02))  # fmt: skip
BRIEF_SHARE: Final = 0.12  # CALIBRATED: of those treated, one assessment-and-treatment only
# Dropout hazard after each attended treatment session (CALIBRATED): a high hazard after
# the first treatment contact gives the published ~29% of referrals ending after one.
DROPOUT_AFTER_FIRST: Final = 0.30
DROPOUT_LATER: Final = 0.025
DROPOUT_DEPRIVATION: Final = 0.7  # CALIBRATED: log-odds, most vs least deprived
DROPOUT_YOUNG: Final = 0.3  # log-odds for ages 16-25 (Swift & Greenberg 2012, evidence (c))
DROPOUT_RUPTURE: Final = 1.3  # log-odds after an unrepaired rupture (ASSUMED)
DROPOUT_STRESSOR: Final = 0.6  # log-odds after a social stressor (ASSUMED)
DROPOUT_NO_CHANGE: Final = 0.4  # log-odds when no improvement by session 4 (ASSUMED)

# Pathways of those treated (reference §2.5: finished courses 39.9% only LI, 16.7% only HI,
# 38.9% both (8.6% step-up, 0.4% step-down), 4.5% not known). CALIBRATED shares below,
# because dropout differs by pathway. "intro" = one low-intensity contact (usually the
# assessment-and-treatment contact) before high-intensity therapy.
# Shares in the order li, hi, step_up, step_down, intro (pathway.py LI .. INTRO).
PATHWAY_SHARES: Final = (0.40, 0.17, 0.10, 0.005, 0.325)
UNRECORDED_THERAPY_SHARE: Final = 0.045  # therapy and step not recorded on any contact
ASSESSMENT_AND_TREATMENT: Final = 0.35  # ASSUMED: LI/intro assessments coded 03
LI_SESSIONS: Final = (3, 7)  # ASSUMED: planned LI course length range (PWP courses 4-8)
HI_SESSIONS: Final = (5, 18)  # ASSUMED: planned HI course length range
HI_SESSIONS_MODE: Final = 10

# Low-intensity therapies (SNOMED) and shares (reference §2.5; guided self-help by book is
# the commonest, §3.6).
LI_THERAPIES: Final = (
    ("748051000000105", 0.55),  # guided self-help, book
    ("748041000000107", 0.22),  # guided self-help, computer
    ("748101000000105", 0.03),  # non-guided, book
    ("748091000000102", 0.03),  # non-guided, computer
    ("748061000000108", 0.03),  # structured physical activity
    ("702545008", 0.06),  # psychoeducational peer support
    ("1026111000000108", 0.08),  # other low intensity
)
# High-intensity therapy by problem group (reference §2.5, §3.6: CBT 233,776 courses,
# counselling for depression 77,602). ASSUMED splits.
HI_THERAPIES: Final = {
    "depression": (
        ("304891004", 0.50),  # CBT
        ("286711000000107", 0.25),  # counselling for depression
        ("443730003", 0.07),  # IPT
        ("314034001", 0.05),  # brief psychodynamic (DIT)
        ("1129471000000105", 0.03),  # couples therapy for depression
        ("933221000000107", 0.03),  # MBCT
        ("842901000000108", 0.02),  # collaborative care
        ("1026131000000100", 0.05),  # other HI
    ),
    "anxiety": (
        ("304891004", 0.82),
        ("1127281000000100", 0.08),  # applied relaxation
        ("286711000000107", 0.05),
        ("1026131000000100", 0.05),
    ),
    "trauma": (
        ("304891004", 0.62),
        ("449030000", 0.33),  # EMDR
        ("1026131000000100", 0.05),
    ),
    "complex": (
        ("304891004", 0.92),
        ("1026131000000100", 0.08),
    ),
}
# Qualification (QualAttainLevelIAPT) that delivers each HI therapy (reference §2.5).
THERAPY_QUALIFICATION: Final = {
    "304891004": "11",
    "286711000000107": "12",
    "1129471000000105": "13",
    "314034001": "14",
    "443730003": "15",
    "933221000000107": "16",
    "449030000": "17",
    "1127281000000100": "11",
    "842901000000108": "11",
    "1026131000000100": "11",
}

# ---------------------------------------------------------------------------------------
# Waits (reference §2.4: 91.6% of finishers start within 6 weeks, 98.7% within 18)
# ---------------------------------------------------------------------------------------
WAIT_TO_ASSESSMENT: Final = (7.0, 0.6)  # CALIBRATED: lognormal median days, sigma
WAIT_TO_LI: Final = (7.0, 0.7)  # CALIBRATED: assessment to first LI session
WAIT_TO_HI: Final = (10.0, 0.9)  # CALIBRATED: assessment to first HI session
WAIT_STEP_UP: Final = (28.0, 0.6)  # ASSUMED: last LI to first HI after a step-up
# A few clients wait months for their first treatment (a specific therapy, a pause they asked
# for): ASSUMED share and extra days, CALIBRATED to the 18-week figure.
LONG_WAIT_SHARE: Final = 0.02
LONG_WAIT_DAYS: Final = (40, 220)
SERVICE_WAIT_SD: Final = 0.3  # ASSUMED: services differ in waits (log scale)
MISSED_REBOOK_DAYS: Final = (7, 14)  # ASSUMED: a missed appointment is rebooked 1-2 weeks on

# ---------------------------------------------------------------------------------------
# Appointments (reference §3.4: ~12% missed; ~23% missed or cancelled; UNVERIFIED)
# ---------------------------------------------------------------------------------------
MISS_RATE: Final = 0.13  # CALIBRATED: probability an appointment is not attended
MISS_DEPRIVATION: Final = 0.5  # log-odds, most vs least deprived (S37)
MISS_YOUNG: Final = 0.3  # log-odds, ages 16-25
# Circumstances: appointments are missed more while a social stressor is active and once a
# course has stalled or relapsed (ASSUMED sizes; missed sessions precede dropout and poorer
# outcomes: Delgadillo et al. 2016, socio-economic gradient of attendance and outcome).
MISS_STRESSOR: Final = 0.6
MISS_RELAPSE: Final = 0.6
MISS_STALLED: Final = 0.3
MISS_KINDS: Final = (("3", 0.50), ("2", 0.33), ("4", 0.14), ("7", 0.03))
LATE_SEEN_SHARE: Final = 0.04  # attended contacts coded 6 (arrived late but seen)
MECHANISMS: Final = (("01", 0.30), ("02", 0.34), ("11", 0.31), ("04", 0.03), ("98", 0.02))
UNPLANNED_SHARE: Final = 0.01
FOLLOW_UP_SHARE: Final = 0.12  # ASSUMED: completers offered a follow-up contact (06)
REVIEW_SHARE: Final = 0.5  # ASSUMED: every 6th session is a review and treatment (05)

# ---------------------------------------------------------------------------------------
# Workforce (ASSUMED; reference §2.5 for roles and qualifications)
# ---------------------------------------------------------------------------------------
CASELOAD_LIMITS: Final = {"pwp": (35, 50), "hi": (18, 28), "counsellor": (16, 24)}
TARGET_UTILISATION: Final = 0.8  # default workforce sized so caseloads average 85% of limit
ALLOCATION_SD: Final = 0.2  # therapists differ in how many cases they are given (log scale)
OVERLOAD_PRESSURE: Final = 1.35  # open cases / limit above which a therapist is overloaded
THERAPIST_EFFECT_SD: Final = 0.30  # prognosis log-odds; therapists explain ~6% of outcome
# variance in NHS TT (Saxon, Firth & Barkham 2016, evidence (c))
PROBLEM_STRENGTH_SD: Final = 0.25  # ASSUMED: therapist × problem-group effect
WEAK_FOR_PROBLEM: Final = -0.65  # strength below which a pairing is a poor match

# ---------------------------------------------------------------------------------------
# Course: trajectory classes and their change (CALIBRATED to recovery, reliable improvement,
# reliable deterioration and end means, reference §3.1, §3.6)
# ---------------------------------------------------------------------------------------
# Ordered prognosis thresholds (logistic scale) between deteriorator | non-responder | slow |
# responder; responders split into early, steady and sudden gain.
CLASS_THRESHOLDS: Final = (-3.75, -3.25, -3.05)
RESPONDER_SPLIT: Final = (("early", 0.36), ("steady", 0.46), ("sudden_gain", 0.18))
BASE_SUDDEN_LOSS: Final = 0.02  # unexplained sudden losses (no planted cause)
PROGNOSIS_DEPRIVATION: Final = -0.9  # CALIBRATED: log-odds, most vs least deprived
# Deprivation also shrinks the change a course brings (housing, money and work strain):
# fraction removed, most vs least deprived. CALIBRATED to the recovery gap (reference §6).
CHANGE_DEPRIVATION: Final = 0.03
PROGNOSIS_UNKNOWN_IMD: Final = -0.35  # CALIBRATED
PROGNOSIS_SEVERITY: Final = -3.0  # per unit share of range above the mean (ASSUMED)
# Fraction of intake severity removed by a full course, mean and SD per class.
CLASS_CHANGE: Final = {
    "early": (0.99, 0.08),
    "steady": (0.99, 0.08),  # re-calibrated with the course shapes (issue 16)
    "sudden_gain": (0.99, 0.07),
    "slow": (0.60, 0.12),  # re-calibrated with the course shapes (issue 16)
    "non_responder": (-0.06, 0.08),
    "deteriorator": (-0.70, 0.15),
    "sudden_loss": (0.25, 0.15),
}
# Level a full recovery settles at, share of range (mean, SD; one z-score per client for
# all measures). CALIBRATED to the end means of finished courses (reference §3.6).
HEALTHY_LEVEL: Final = {
    "depression": (0.19, 0.03),  # 0.20 and 0.245 before the course shapes (issue 16):
    "anxiety": (0.22, 0.02),  # relapses and swings cost about 3 points of recovery
    "adsm": (0.14, 0.05),
    "wsas": (0.20, 0.06),
}
STATE_SD: Final = 0.035  # session-to-session fluctuation of latent severity (share of range)
PRE_TREATMENT_CHANGE: Final = (0.03, 0.06)  # ASSUMED: change while waiting (mean, SD)

# ---------------------------------------------------------------------------------------
# Course shapes beyond the trajectory classes (issue 16; docs/simulator.md "Course shapes").
# They change how a course runs, not (apart from relapse) where it ends.
# ---------------------------------------------------------------------------------------
# Worse before better: symptoms rise for a session or two when exposure work begins and then
# fall as usual. Foa et al. (2002, PE for PTSD) found reliable exacerbation in 9-11% of
# clients, who did no worse in the end; smaller, unreliable rises are more common. ASSUMED:
# a rise in 25% of anxiety, trauma and complex-problem clients in high-intensity CBT.
EXPOSURE_THERAPIES: Final = ("304891004",)  # CBT (exposure-based for these problems)
EXPOSURE_SPIKE_RATE: Final = 0.25
EXPOSURE_SPIKE_SIZE: Final = (0.10, 0.28)  # peak rise, share of the anxiety measure's range
EXPOSURE_SPIKE_START: Final = (2, 5)  # high-intensity session at which exposure begins
EXPOSURE_SPIKE_PROFILE: Final = (1.0, 0.7, 0.35, 0.15)  # share of the peak, session by session
EXPOSURE_PAUSE: Final = 2  # sessions of progress held back while the rise lasts
EXPOSURE_SPIKE_DEPRESSION: Final = 0.5  # the PHQ-9 rises by this share of the anxiety rise
# Relapse after improvement: a responder's gains reverse part-way through treatment. Tang &
# DeRubeis (1999) saw about a third of sudden gains reversed; Lutz et al. (2013) describe
# early responders who lose their gains. ASSUMED: 5% of responding courses of 6+ sessions.
RELAPSE_RATE: Final = 0.05
RELAPSE_AT: Final = (0.45, 0.8)  # onset as a share of the planned course
RELAPSE_DEPTH: Final = (0.6, 1.2)  # share of the progress so far that is lost (>1: worse)
RELAPSE_RAMP: Final = 2.0  # sessions over which the gains are lost
# High week-to-week variability: some clients' scores swing far more than others' from one
# session to the next (Hayes et al. 2007 on discontinuous change; Lutz et al. 2013).
# ASSUMED: 15% of clients with 2.5 times the usual session-to-session fluctuation.
VOLATILE_SHARE: Final = 0.15
VOLATILE_FACTOR: Final = 2.5

# ---------------------------------------------------------------------------------------
# Planted causes of failure (DESIGN §1). Rates ASSUMED; effects scale the change a course
# would otherwise bring (1 = no effect) and are CALIBRATED jointly with the class model.
# ---------------------------------------------------------------------------------------
RUPTURE_RATE: Final = 0.19  # a rupture at some session (Eubanks et al. 2018: common)
REPAIR_SKILL: Final = (7.0, 3.0)  # Beta parameters of a therapist's repair probability
RUPTURE_DROP: Final = (8.0, 16.0)  # OSR points lost at the rupture
STRESSOR_RATE: Final = 0.045
STRESSOR_DEPRIVATION: Final = 0.10  # extra probability, most vs least deprived
STRESSOR_JUMP: Final = (0.12, 0.25)  # rise in latent severity at onset (share of range)
WRONG_FOCUS_RATE: Final = 0.025
WRONG_THERAPY_RATE: Final = 0.02
WRONG_PACE_RATE: Final = 0.02
GOAL_PRACTICE: Final = (24.0, 1.0)  # Beta parameters: therapist agrees goals with a client
CAUSE_EFFECT: Final = {
    "rupture": 0.15,  # share of the remaining change still achieved after the rupture
    "social_stressor": 0.55,
    "overloaded_therapist": 0.50,
    "poor_match": 0.45,
    "wrong_focus": 0.30,
    "wrong_therapy": 0.40,
    "no_goals": 0.65,
    "no_homework": 0.60,
    "wrong_pace": 0.55,
}

# ---------------------------------------------------------------------------------------
# Alliance, goals and homework
# ---------------------------------------------------------------------------------------
ALLIANCE_START: Final = (35.0, 3.5)  # OSR total at session 1: mean, SD (ASSUMED ceiling-heavy)
ALLIANCE_GROWTH: Final = 0.25  # OSR points per session, up to ALLIANCE_GROWTH_MAX
ALLIANCE_GROWTH_MAX: Final = 3.0
ALLIANCE_POOR_MATCH: Final = -3.0
ALLIANCE_COMPLETION: Final = 0.95
HOMEWORK_SET: Final = {"li": 0.9, "304891004": 0.85, "286711000000107": 0.25}  # else 0.5
HOMEWORK_ADHERENCE: Final = (4.0, 2.0)  # Beta parameters of a client's adherence
HOMEWORK_REVIEWED: Final = 0.85
HOMEWORK_QUALITY: Final = (5.0, 3.0)  # Beta parameters of a therapist's Beck criteria share
LOW_ADHERENCE: Final = 0.25  # adherence below which "no_homework" is a planted cause
CIRCUMSTANCE_RECORDED: Final = 0.75  # a planted stressor is recorded at a contact
BACKGROUND_CIRCUMSTANCES: Final = 0.04  # circumstances recorded without a planted effect

# ---------------------------------------------------------------------------------------
# Measurement (items): noise per item in answer units, shared noise per occasion
# ---------------------------------------------------------------------------------------
ITEM_NOISE: Final = {
    "PHQ-9": 0.5,
    "GAD-7": 0.5,
    "WSAS": 1.1,
    "SPIN": 0.7,
    "PCL-5": 0.7,
    "OCI-R": 0.7,
    "PDSS": 0.6,
    "SHAI": 0.55,
    "MI-ALONE": 0.6,
    "OSR": 0.8,
}
# Relative weights of items (mean 1): PHQ-9 item 9 (self-harm) is answered far less often
# than tiredness or sleep (ASSUMED from typical item means in primary-care samples).
ITEM_WEIGHTS: Final = {
    "PHQ-9": (1.09, 1.16, 1.29, 1.42, 1.03, 1.16, 1.03, 0.62, 0.20),
    "GAD-7": (1.10, 1.05, 1.05, 1.10, 0.80, 1.00, 0.90),
}


# How a risk item is answered (PHQ-9 item 9, thoughts of self-harm): far more rarely than
# the shared item noise implies when mood is good, and, when answered, sometimes at "more
# than half the days" or "nearly every day". The answer is read from the item's own draw
# (no extra random numbers): positive when its normal deviate passes a threshold that falls
# as severity rises, one level more for each further step past it. On 3,000 referrals: 1%
# positive with PHQ-9 under 5, 4% at 5-9, 10% at 10-14, 24% at 15-19, 62% at 20 or more;
# 45% of positive answers above "several days" (ASSUMED, shaped on Kroenke et al. 2001
# and Simon et al. 2013, where item 9 is positive in about a fifth of depressed
# outpatients and "nearly every day" is about a fifth of positive answers). ADR 0121.
@dataclass(frozen=True)
class RiskItemShape:
    item: int  # the risk item's number
    spread: float  # the deviate's scale against the item's expected value
    steps: tuple[float, ...]  # further deviate past the threshold for each higher level


RISK_ITEM: Final = {"PHQ-9": RiskItemShape(item=9, spread=0.195, steps=(0.6, 1.1))}
COMPLETION: Final = {"assessment": 0.99, "session": 0.97, "adsm": 0.85, "wsas": 0.75}
