"""The demo's people at every stage of the pathway, beside the simulated year.

The simulated history gives people in treatment, ending and ended. This adds what the
simulator does not: self-referrals waiting to be checked, new referrals not yet
assessed, people assessed and on the waiting list (with their measures, risk assessment,
circumstances — some signposted —, preferences and decision), a signposting directory,
staff who do triage, this week's appointments, and ending reviews for recent endings.
Written in bulk as trusted demo code (the actions are exercised by the tests and the
browser flows); everyone is fictional.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from ontrack.measures import get_measure, score
from ontrack.web.accounts.models import Service, Staff, User
from ontrack.web.common.actions import new_external_id
from ontrack.web.common.codes import (
    AppType,
    AssessmentOutcome,
    ContactPreference,
    EpisodeStatus,
    Ethnicity,
    Gender,
    ProblemDescriptor,
    SourceOfReferral,
    Therapy,
)
from ontrack.web.pathway.codes import CircumstanceKind, Decision, Readiness, RiskLevel
from ontrack.web.pathway.models import (
    Circumstance,
    EndingReview,
    RiskAssessment,
    SelfReferral,
    SignpostService,
    TherapyPreference,
    TriageDecision,
    WaitingListEntry,
)
from ontrack.web.records.models import (
    Appointment,
    Assessment,
    Client,
    Contact,
    Episode,
    QuestionnaireResponse,
    Referral,
)

DIRECTORY = (
    (
        "Riverside Housing Advice",
        CircumstanceKind.HOUSING,
        "0300 123 4000, weekdays 9-5; drop-in Tuesdays",
    ),
    (
        "Citizens Advice Riverside (debt)",
        CircumstanceKind.DEBT,
        "0800 144 8848; riversideca.example",
    ),
    (
        "Riverside Domestic Abuse Service",
        CircumstanceKind.DOMESTIC_ABUSE,
        "0808 2000 247, 24 hours",
    ),
    (
        "Working Well employment support",
        CircumstanceKind.EMPLOYMENT,
        "Ask your therapist to refer you",
    ),
    ("Carers Centre", CircumstanceKind.CARING, "01632 960 123"),
    ("Riverside Law Centre", CircumstanceKind.LEGAL, "01632 960 456, advice line Mondays"),
    (
        "Turning Point drug and alcohol service",
        CircumstanceKind.SUBSTANCE,
        "Self-referral: 0300 555 0101",
    ),
)
_WHAT_HELPED = (
    "Planning small activities each day and noticing the effect on mood.",
    "Testing the worry predictions and finding they rarely came true.",
    "Having a plan for the early signs of low mood.",
)
_PROBLEMS = (
    ProblemDescriptor.DEPRESSIVE_EPISODE,
    ProblemDescriptor.GAD,
    ProblemDescriptor.MIXED_ANXIETY_DEPRESSION,
    ProblemDescriptor.PANIC,
    ProblemDescriptor.SOCIAL_PHOBIA,
    ProblemDescriptor.PTSD,
)


@dataclass(frozen=True)
class PathwayCounts:
    """What the pathway stage of the demo added."""

    self_referrals: int
    new_referrals: int
    waiting: int
    appointments: int
    ending_reviews: int


def add_pathway_stages(
    service: Service,
    rng: random.Random,
    name_for: Callable[[random.Random], tuple[str, str]],
    *,
    waiting: int = 40,
    new: int = 10,
    self_referrals: int = 4,
) -> PathwayCounts:
    """Add the people at the stages the simulator does not reach; return the counts."""
    triage = _triage_staff(service)
    directory = SignpostService.objects.bulk_create(
        SignpostService(service=service, name=n, helps_with=k, how_to_reach=h)
        for n, k, h in DIRECTORY
    )
    today = timezone.localdate()
    _add_self_referrals(service, rng, name_for, self_referrals, today)
    for _ in range(new):
        _referral(service, rng, name_for, today - dt.timedelta(days=rng.randint(0, 20)))
    _add_waiting(service, rng, name_for, waiting, triage, directory, today)
    booked = _book_this_week(rng, today)
    reviews = _ending_reviews(rng, today, triage.user)
    return PathwayCounts(self_referrals, new, waiting, booked, reviews)


def _triage_staff(service: Service) -> Staff:
    """The two least-busy PWPs (or therapists) do triage and assessment."""
    staff = list(
        Staff.objects.filter(service=service)
        .exclude(therapist_role="")
        .annotate(n=Count("episodes"))
        .order_by("-therapist_role", "n", "practitioner_id")
    )
    pwps = [s for s in staff if s.therapist_role == "pwp"] or staff
    chosen = pwps[:2]
    Staff.objects.filter(pk__in=[s.pk for s in chosen]).update(triage=True)
    return chosen[0]


def _client(
    service: Service, rng: random.Random, name_for: Callable[[random.Random], tuple[str, str]]
) -> Client:
    given, family = name_for(rng)
    return Client(
        service=service,
        person_id=uuid.uuid4().hex,
        given_name=given,
        family_name=family,
        date_of_birth=dt.date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28)),
        gender=rng.choice([Gender.FEMALE, Gender.FEMALE, Gender.MALE]),
        ethnicity=rng.choice(list(Ethnicity.values)),
        imd_decile=rng.randint(1, 10),
        phone=f"07700 9{rng.randint(10000, 99999)}",
        contact_preference=rng.choice(list(ContactPreference.values)),
        consent_to_treatment=True,
        gp_practice=rng.choice(
            ["Riverside Medical Centre", "Bridge Street Surgery", "Park Lane Practice"]
        ),
    )


def _referral(
    service: Service,
    rng: random.Random,
    name_for: Callable[[random.Random], tuple[str, str]],
    on: dt.date,
) -> Referral:
    client = _client(service, rng, name_for)
    client.save()
    born = client.date_of_birth
    assert born is not None
    return Referral.unscoped.create(
        client=client,
        external_id=new_external_id("R"),
        referral_date=on,
        source=rng.choice([SourceOfReferral.SELF, SourceOfReferral.SELF, SourceOfReferral.GP]),
        problem_descriptor=rng.choice(_PROBLEMS),
        age_at_referral=client.age_on(on),
    )


def _add_self_referrals(
    service: Service,
    rng: random.Random,
    name_for: Callable[[random.Random], tuple[str, str]],
    count: int,
    today: dt.date,
) -> None:
    for _ in range(count):
        given, family = name_for(rng)
        SelfReferral.objects.create(
            service=service,
            given_name=given,
            family_name=family,
            date_of_birth=dt.date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            phone=f"07700 9{rng.randint(10000, 99999)}",
            what_is_happening=rng.choice(
                [
                    "I have been feeling low since losing my job and cannot sleep.",
                    "Panic attacks on the bus; I have stopped going into town.",
                    "Worrying all the time about my children and money.",
                ]
            ),
            consent=True,
        )


def _answers(code: str, total: int) -> list[int]:
    """Item answers (0-3) adding up to ``total``; the risk item left at 0."""
    measure = get_measure(code)
    out = [0] * measure.n_items
    left = total
    for i in range(measure.n_items):
        if i + 1 in measure.risk_items:
            continue
        out[i] = min(3, left)
        left -= out[i]
    return out


def _add_waiting(
    service: Service,
    rng: random.Random,
    name_for: Callable[[random.Random], tuple[str, str]],
    count: int,
    triage: Staff,
    directory: list[SignpostService],
    today: dt.date,
) -> None:
    """People assessed and waiting, with waits from days to about 21 weeks."""
    for n in range(count):
        waited = rng.randint(3, 150)
        referral = _referral(service, rng, name_for, today - dt.timedelta(days=waited))
        assessed = referral.referral_date + dt.timedelta(days=rng.randint(1, min(waited, 30)))
        assessment, step = _assessment(referral, min(assessed, today), rng, triage)
        _decision_and_entry(referral, assessment, step, n, triage, directory)


def _assessment(
    referral: Referral, on: dt.date, rng: random.Random, triage: Staff
) -> tuple[Assessment, int]:
    """The assessment contact with its PHQ-9 and GAD-7, the assessment, the risk review."""
    contact = Contact.unscoped.create(
        referral=referral,
        external_id=new_external_id("C"),
        contact_date=on,
        app_type=AppType.ASSESSMENT,
        attendance="5",
        therapist=triage,
        recorded_by=triage.user,
    )
    phq, gad = rng.randint(8, 24), rng.randint(6, 19)
    _store_scores(contact, {"PHQ-9": _answers("PHQ-9", phq), "GAD-7": _answers("GAD-7", gad)})
    step = 3 if phq >= 20 or referral.problem_descriptor in ("F43.1", "F40.1") else 2
    assessment = Assessment.unscoped.create(
        referral=referral,
        contact=contact,
        assessed_on=on,
        assessor=triage,
        outcome=AssessmentOutcome.SUITABLE,
        problem_descriptor=referral.problem_descriptor,
        recommended_step=step,
        risk_summary="Risk to self: Low; risk to others: No risk identified.",
    )
    Referral.unscoped.filter(pk=referral.pk).update(step=step)
    RiskAssessment.unscoped.create(
        referral=referral,
        contact=contact,
        assessed_on=on,
        asked_directly=True,
        risk_to_self=RiskLevel.LOW,
        risk_to_others=RiskLevel.NONE,
        protective_factors="Close to a sister; dog to look after.",
        recorded_by=triage.user,
    )
    return assessment, step


def _decision_and_entry(
    referral: Referral,
    assessment: Assessment,
    step: int,
    n: int,
    triage: Staff,
    directory: list[SignpostService],
) -> None:
    """Every fourth person has a circumstance signposted, every third a preference."""
    contact = assessment.contact
    assert contact is not None
    if n % 4 == 0:
        found = directory[n // 4 % len(directory)]
        Circumstance.unscoped.create(
            referral=referral,
            contact=contact,
            kind=found.helps_with,
            detail="Talked through at assessment.",
            signposted_to=found,
            recorded_by=triage.user,
        )
    if n % 3 == 0:
        TherapyPreference.unscoped.create(
            referral=referral, kind="gender", value=Gender.FEMALE, essential=n % 6 == 0
        )
    therapy = Therapy.CBT if step == 3 else Therapy.GSH_BOOK
    TriageDecision.unscoped.create(
        referral=referral,
        assessment=assessment,
        decision=Decision.OFFER_TREATMENT,
        step=step,
        therapy=therapy,
        reason="Suitable for treatment; the client would like to start.",
        readiness=Readiness.READY,
        advice=f"Step {step}: the stepped-care rule for these scores.",
        decided_by=triage.user,
    )
    WaitingListEntry.unscoped.create(
        referral=referral, step=step, therapy=therapy, added_on=assessment.assessed_on
    )


def _store_scores(contact: Contact, answers: dict[str, list[int]]) -> None:
    rows = []
    for code, items in answers.items():
        result = score(get_measure(code), list(items))
        rows.append(
            QuestionnaireResponse(
                contact=contact,
                measure=code,
                items=items,
                total=result.total,
                band=result.band or "",
                caseness=result.caseness,
                risk=result.risk,
            )
        )
    QuestionnaireResponse.unscoped.bulk_create(rows)


def _book_this_week(rng: random.Random, today: dt.date) -> int:
    """An appointment for each open episode's booked next session, in working hours."""
    rows = []
    taken: set[tuple[int, dt.date, int]] = set()
    for episode in Episode.unscoped.filter(
        status=EpisodeStatus.OPEN, next_session_on__isnull=False
    ):
        day = episode.next_session_on
        assert day is not None
        for hour in rng.sample(range(9, 17), 8):
            if (episode.therapist_id, day, hour) not in taken:
                taken.add((episode.therapist_id, day, hour))
                break
        rows.append(
            Appointment(
                referral_id=episode.referral_id,
                episode=episode,
                staff_id=episode.therapist_id,
                starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(hour))),
            )
        )
    Appointment.unscoped.bulk_create(rows)
    return len(rows)


def _ending_reviews(rng: random.Random, today: dt.date, by: User) -> int:
    """Ending reviews for courses that ended in the last 60 days after treatment."""
    ended = Referral.unscoped.filter(
        end_date__gte=today - dt.timedelta(days=60), end_code__in=["46", "47", "48"]
    )
    reviews = [
        EndingReview(
            referral=r,
            what_helped=rng.choice(_WHAT_HELPED),
            what_next="Keep the relapse plan to hand; refer yourself again if the signs return.",
            recorded_by=by,
        )
        for r in ended
    ]
    EndingReview.unscoped.bulk_create(reviews)
    return len(reviews)
