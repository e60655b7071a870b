"""NHS Talking Therapies outcome of one referral, as the national statistics define it.

Rules (reference §2, NHS England KM SQL and annual-report metadata):

- A *treatment contact* is an attended (AttendOrDNACode 5 or 6) or unplanned contact whose
  AppType is 02, 03 or 05; follow-ups (06) and assessments (01) are not treatment. Internet
  therapy logs count as treatment contacts.
- A referral *finished a course of treatment* with two or more treatment contacts.
- The depression measure is the PHQ-9. The anxiety measure is the anxiety-disorder-specific
  measure (ADSM) for the problem descriptor (§2.3); when that has no paired scores, GAD-7.
- *Paired* scores: a first and a last score on both measures. *Caseness* is judged on the
  first scores: PHQ-9 at caseness or the anxiety measure at caseness.
- Recovery: at caseness at the start and below both cut-offs at the end (not conditional on
  reliable change). Reliable improvement: a reliable fall on either measure and no reliable
  rise on the other; reliable deterioration the mirror. No reliable change: neither.
  Reliable recovery: recovery and reliable improvement.

Outcome flags are only set for referrals that finished a course and have paired scores, as
the national flags are; ``notes`` says why a flag is not set.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ontrack.measures.change import ChangeResult, reliable_change
from ontrack.measures.errors import MeasureError
from ontrack.measures.registry import get_measure

DEPRESSION_MEASURE = "PHQ-9"
DEFAULT_ANXIETY_MEASURE = "GAD-7"

# Codes as in src/ontrack/dataset/codes.toml ([app_type], [attendance]); a test keeps them equal.
APP_TYPES = frozenset({"01", "02", "03", "05", "06"})
TREATMENT_APP_TYPES = frozenset({"02", "03", "05"})
FOLLOW_UP_APP_TYPE = "06"
ATTENDANCE_CODES = frozenset({"2", "3", "4", "5", "6", "7"})
ATTENDED = frozenset({"5", "6"})

# ICD-10 problem descriptor (dots removed, prefix match) → ADSM code; reference §2.3.
_ADSM_BY_ICD10 = (
    ("F400", "MI-ALONE"),  # agoraphobia: Mobility Inventory, avoidance when alone
    ("F401", "SPIN"),  # social phobia
    ("F410", "PDSS"),  # panic disorder
    ("F42", "OCI-R"),  # obsessive-compulsive disorder
    ("F431", "PCL-5"),  # post-traumatic stress disorder
    ("F452", "SHAI"),  # hypochondriacal disorder (health anxiety)
)
# NHS TT v2.1 PresentingComplaintLowerCategory names for the same ADSMs.
_ADSM_BY_CATEGORY = {
    "agoraalone": "MI-ALONE",
    "agoraphobia": "MI-ALONE",
    "socialphobia": "SPIN",
    "panicdisorder": "PDSS",
    "ocd": "OCI-R",
    "ptsd": "PCL-5",
    "anxietyinventory": "SHAI",
    "healthanxiety": "SHAI",
}


def anxiety_measure_for(problem_descriptor: str | None) -> str:
    """Return the anxiety measure NHS TT pairs with the PHQ-9 for this problem descriptor.

    Accepts ICD-10 codes with or without the dot ("F40.1", "F401", "F42.0") and the v2.1
    lower-category names ("SocialPhobia"); anything else, or None, gives "GAD-7".

    >>> anxiety_measure_for("F40.1"), anxiety_measure_for("F43.1"), anxiety_measure_for("F32")
    ('SPIN', 'PCL-5', 'GAD-7')
    >>> anxiety_measure_for(None)
    'GAD-7'
    """
    if not problem_descriptor:
        return DEFAULT_ANXIETY_MEASURE
    key = re.sub(r"[^0-9a-z]", "", problem_descriptor.lower())
    if key in _ADSM_BY_CATEGORY:
        return _ADSM_BY_CATEGORY[key]
    for prefix, code in _ADSM_BY_ICD10:
        if key.upper().startswith(prefix):
            return code
    return DEFAULT_ANXIETY_MEASURE


@dataclass(frozen=True)
class Contact:
    """One care contact (IDS201): date, AppType ("01".."06") and AttendOrDNACode ("2".."7").

    ``attendance`` may be None only for an unplanned contact (``planned=False``). An
    unplanned contact counts as seen whatever its attendance code, as NHS England counts
    it (``AttendOrDNACode IN ('5','6') OR PlannedCareContIndicator = 'N'``).
    """

    date: dt.date
    app_type: str
    attendance: str | None
    planned: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.date, dt.date):
            raise MeasureError(f"contact date must be a date, got {self.date!r}")
        if self.app_type not in APP_TYPES:
            raise MeasureError(
                f"contact on {self.date}: app_type {self.app_type!r} is not one of "
                f"{', '.join(sorted(APP_TYPES))}"
            )
        if self.attendance is None:
            if self.planned:
                raise MeasureError(f"contact on {self.date}: a planned contact needs attendance")
        elif self.attendance not in ATTENDANCE_CODES:
            raise MeasureError(
                f"contact on {self.date}: attendance {self.attendance!r} is not one of "
                f"{', '.join(sorted(ATTENDANCE_CODES))}"
            )

    @property
    def attended(self) -> bool:
        """Whether the client was seen: attended on time or late but seen, or unplanned."""
        return self.attendance in ATTENDED or not self.planned

    @property
    def is_treatment(self) -> bool:
        """Whether this counts as a treatment contact for NHS TT."""
        return self.attended and self.app_type in TREATMENT_APP_TYPES


@dataclass(frozen=True)
class MeasureScore:
    """One total on one measure, placed in time by ``date`` or by ``contact`` (an index into
    the referral's contacts, 0-based). Give either or both (they must then agree)."""

    measure: str
    total: float
    date: dt.date | None = None
    contact: int | None = None


@dataclass(frozen=True)
class ReferralOutcome:
    """The NHS TT outcome of one referral. Flags are False unless finished and paired."""

    treatment_contacts: int
    finished_course: bool
    depression_measure: str
    anxiety_measure: str
    intended_anxiety_measure: str
    paired: bool
    caseness_at_start: bool | None
    recovered: bool
    reliable_improvement: bool
    reliable_deterioration: bool
    no_reliable_change: bool
    reliable_recovery: bool
    first_treatment_date: dt.date | None = None
    last_treatment_date: dt.date | None = None
    depression_first: float | None = None
    depression_last: float | None = None
    anxiety_first: float | None = None
    anxiety_last: float | None = None
    depression_change: ChangeResult | None = None
    anxiety_change: ChangeResult | None = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Placed:
    measure: str
    total: float
    when: tuple[dt.date, int, int]  # (date, contact order, input order) for a stable order


def classify_referral(
    contacts: Sequence[Contact],
    scores: Sequence[MeasureScore],
    problem_descriptor: str | None = None,
    *,
    internet_therapy_logs: Sequence[dt.date] = (),
) -> ReferralOutcome:
    """Classify one referral's outcome exactly as the NHS TT key measures do.

    >>> from datetime import date
    >>> contacts = [Contact(date(2025, 1, d), "02", "5") for d in (6, 13, 20)]
    >>> scores = [MeasureScore("PHQ-9", 15, contact=0), MeasureScore("GAD-7", 12, contact=0),
    ...           MeasureScore("PHQ-9", 7, contact=2), MeasureScore("GAD-7", 5, contact=2)]
    >>> o = classify_referral(contacts, scores, "F41.1")
    >>> o.finished_course, o.recovered, o.reliable_improvement, o.reliable_recovery
    (True, True, True, True)
    """
    notes: list[str] = []
    treatment = sorted([c.date for c in contacts if c.is_treatment] + list(internet_therapy_logs))
    finished = len(treatment) >= 2
    if not finished:
        notes.append(
            f"{len(treatment)} treatment contact(s): a course needs 2 or more attended "
            "treatment contacts (follow-ups and assessments do not count)"
        )
    placed = _place_scores(contacts, scores, treatment[-1] if treatment else None, notes)

    intended = anxiety_measure_for(problem_descriptor)
    anxiety = intended
    if intended != DEFAULT_ANXIETY_MEASURE and not _is_paired(placed, intended):
        anxiety = DEFAULT_ANXIETY_MEASURE
        notes.append(f"{intended} has no paired scores: using GAD-7 instead (NHS TT fallback)")

    dep_first, dep_last = _first_last(placed, DEPRESSION_MEASURE)
    anx_first, anx_last = _first_last(placed, anxiety)
    paired = _is_paired(placed, DEPRESSION_MEASURE) and _is_paired(placed, anxiety)
    if not paired:
        notes.append(f"no paired scores on both {DEPRESSION_MEASURE} and {anxiety}")

    phq, anx = get_measure(DEPRESSION_MEASURE), get_measure(anxiety)
    first_cases = [
        is_case
        for measure, total in ((phq, dep_first), (anx, anx_first))
        if total is not None and (is_case := measure.is_case(total)) is not None
    ]
    caseness = any(first_cases) if first_cases else None

    dep_change = _change(DEPRESSION_MEASURE, dep_first, dep_last)
    anx_change = _change(anxiety, anx_first, anx_last)
    outcome = dict.fromkeys(
        ("recovered", "improvement", "deterioration", "no_change", "reliable_recovery"), False
    )
    if finished and paired and dep_change and anx_change:
        outcome = _flags(caseness is True, dep_change, anx_change, notes)
    return ReferralOutcome(
        treatment_contacts=len(treatment),
        finished_course=finished,
        depression_measure=DEPRESSION_MEASURE,
        anxiety_measure=anxiety,
        intended_anxiety_measure=intended,
        paired=paired,
        caseness_at_start=caseness,
        recovered=outcome["recovered"],
        reliable_improvement=outcome["improvement"],
        reliable_deterioration=outcome["deterioration"],
        no_reliable_change=outcome["no_change"],
        reliable_recovery=outcome["reliable_recovery"],
        first_treatment_date=treatment[0] if treatment else None,
        last_treatment_date=treatment[-1] if treatment else None,
        depression_first=dep_first,
        depression_last=dep_last,
        anxiety_first=anx_first,
        anxiety_last=anx_last,
        depression_change=dep_change,
        anxiety_change=anx_change,
        notes=tuple(notes),
    )


def _flags(
    caseness: bool, dep: ChangeResult, anx: ChangeResult, notes: list[str]
) -> dict[str, bool]:
    depression, anxiety = get_measure(dep.measure), get_measure(anx.measure)
    below_at_end = not depression.is_case(dep.last) and not anxiety.is_case(anx.last)
    recovered = caseness and below_at_end
    if not caseness:
        notes.append("not at caseness at the start: excluded from recovery")
    verdicts = {dep.reliable, anx.reliable}
    improvement = "improvement" in verdicts and "deterioration" not in verdicts
    deterioration = "deterioration" in verdicts and "improvement" not in verdicts
    if {"improvement", "deterioration"} <= verdicts:
        notes.append("reliable improvement on one measure and deterioration on the other: "
                     "counted as no reliable change")  # fmt: skip
    return {
        "recovered": recovered,
        "improvement": improvement,
        "deterioration": deterioration,
        "no_change": not improvement and not deterioration,
        "reliable_recovery": recovered and improvement,
    }


def _place_scores(
    contacts: Sequence[Contact],
    scores: Sequence[MeasureScore],
    last_treatment: dt.date | None,
    notes: list[str],
) -> list[_Placed]:
    """Order the scores in time and drop those NHS TT would not use.

    Scores at follow-up or unattended contacts, and date-only scores after the last treatment
    contact (follow-up scores), are excluded.
    """
    placed: list[_Placed] = []
    for order, s in enumerate(scores):
        code = get_measure(s.measure).code
        measure = get_measure(code)
        if isinstance(s.total, bool) or not isinstance(s.total, int | float):
            raise MeasureError(f"score {order + 1} ({code}): total {s.total!r} is not a number")
        if not measure.min <= s.total <= measure.max:
            raise MeasureError(f"score {order + 1} ({code}): total {s.total} is out of range "
                               f"{measure.min}..{measure.max}")  # fmt: skip
        if s.contact is not None:
            if not 0 <= s.contact < len(contacts):
                raise MeasureError(f"score {order + 1} ({code}): contact {s.contact} does not "
                                   f"exist (the referral has {len(contacts)})")  # fmt: skip
            contact = contacts[s.contact]
            if s.date is not None and s.date != contact.date:
                raise MeasureError(f"score {order + 1} ({code}): date {s.date} differs from its "
                                   f"contact's date {contact.date}")  # fmt: skip
            if contact.app_type == FOLLOW_UP_APP_TYPE or not contact.attended:
                notes.append(f"{code} score on {contact.date} ignored: follow-up or not attended")
                continue
            placed.append(_Placed(code, float(s.total), (contact.date, s.contact, order)))
        elif s.date is not None:
            if last_treatment is not None and s.date > last_treatment:
                notes.append(f"{code} score on {s.date} ignored: after the last treatment contact")
                continue
            placed.append(_Placed(code, float(s.total), (s.date, -1, order)))
        else:
            raise MeasureError(f"score {order + 1} ({code}): give a date or a contact")
    return sorted(placed, key=lambda p: p.when)


def _series(placed: Sequence[_Placed], code: str) -> list[_Placed]:
    return [p for p in placed if p.measure == code]


def _is_paired(placed: Sequence[_Placed], code: str) -> bool:
    return len(_series(placed, code)) >= 2


def _first_last(placed: Sequence[_Placed], code: str) -> tuple[float | None, float | None]:
    series = _series(placed, code)
    if not series:
        return None, None
    if len(series) == 1:
        return series[0].total, None
    return series[0].total, series[-1].total


def _change(code: str, first: float | None, last: float | None) -> ChangeResult | None:
    if first is None or last is None:
        return None
    return reliable_change(code, first, last)
