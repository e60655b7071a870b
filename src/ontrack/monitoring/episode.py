"""One episode of care as monitoring sees it: contacts and what was recorded at each.

These are plain frozen values, built by the records app from its models or by
``ontrack.monitoring.from_dataset`` from the canonical tables. ``up_to`` cuts an
episode at a contact, which is how every evaluation is kept free of future data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property

from ontrack.dataset.schema import ATTENDED, TREATMENT_APP_TYPES
from ontrack.monitoring.errors import EpisodeDataError

MISSED = frozenset({"3", "7"})  # did not attend; arrived late, not seen
CLIENT_CANCELLED = frozenset({"2"})
ASSESSMENT_APP_TYPE = "01"
# SNOMED CT codes of cognitive behavioural therapy (reference §2.5): homework is expected.
CBT_THERAPIES = frozenset({"304891004", "228557008"})


class RiskAnswer(StrEnum):
    """What a questionnaire's risk items said at one contact."""

    POSITIVE = "positive"  # a risk item scored above zero
    NEGATIVE = "negative"  # every risk item answered zero
    UNANSWERED = "unanswered"  # a risk item was left blank
    NOT_RECORDED = "not_recorded"  # no item answers kept, or the measure has no risk item


@dataclass(frozen=True)
class Contact:
    """One appointment of any kind and outcome, in the canonical dataset's codes."""

    contact_id: str
    date: dt.date
    app_type: str
    attendance: str
    therapist_id: str | None = None
    therapy: str | None = None
    step: int | None = None
    session_number: int | None = None
    # The therapist's open cases on this date and their agreed limit, when known.
    therapist_caseload: int | None = None
    therapist_caseload_limit: int | None = None
    therapist_gender: str | None = None

    @property
    def attended(self) -> bool:
        return self.attendance in ATTENDED

    @property
    def is_treatment_session(self) -> bool:
        """Return whether this is an attended, numbered treatment session."""
        return (
            self.attended
            and self.app_type in TREATMENT_APP_TYPES
            and self.session_number is not None
        )

    @property
    def missed(self) -> bool:
        return self.attendance in MISSED

    @property
    def client_cancelled(self) -> bool:
        return self.attendance in CLIENT_CANCELLED

    @property
    def is_cbt(self) -> bool:
        return self.therapy in CBT_THERAPIES


@dataclass(frozen=True)
class ScoreRecord:
    """One outcome measure completed at one contact."""

    contact_id: str
    measure: str
    total: float
    risk: RiskAnswer = RiskAnswer.NOT_RECORDED


@dataclass(frozen=True)
class AllianceRecord:
    """One alliance rating at one contact (higher = stronger alliance)."""

    contact_id: str
    measure: str
    total: float


@dataclass(frozen=True)
class GoalRating:
    """Progress (0-10) towards one agreed goal, rated at one contact."""

    contact_id: str
    goal_number: int
    rating: int


@dataclass(frozen=True)
class HomeworkRecord:
    """A task set at one contact and perhaps reviewed at a later one."""

    homework_id: str
    set_contact_id: str
    reviewed_contact_id: str | None = None
    criteria_met: int = 0
    outcome: str | None = None  # done, partly, not_done


@dataclass(frozen=True)
class CircumstanceRecord:
    """A social or personal circumstance (housing, debt, ...) recorded at a contact."""

    contact_id: str
    kind: str


@dataclass(frozen=True)
class ScorePoint:
    """One score of one measure placed on the treatment-session axis.

    ``session`` is 0 for a score taken before treatment began (assessment).
    """

    session: int
    total: float
    position: int  # index of the contact in the episode
    contact_id: str


@dataclass(frozen=True)
class EpisodeHistory:
    """Everything recorded in one referral's episode of care, in date order.

    >>> import datetime as dt
    >>> c1 = Contact("c1", dt.date(2025, 1, 6), "01", "5")
    >>> c2 = Contact("c2", dt.date(2025, 1, 13), "02", "5", session_number=1)
    >>> ep = EpisodeHistory("r1", dt.date(2025, 1, 1), (c1, c2),
    ...                     scores=(ScoreRecord("c1", "PHQ-9", 15), ScoreRecord("c2", "PHQ-9", 13)))
    >>> [p.total for p in ep.up_to("c1").series("PHQ-9")]
    [15.0]
    """

    referral_id: str
    referral_date: dt.date
    contacts: tuple[Contact, ...]
    scores: tuple[ScoreRecord, ...] = ()
    alliance: tuple[AllianceRecord, ...] = ()
    goal_ratings: tuple[GoalRating, ...] = ()
    homework: tuple[HomeworkRecord, ...] = ()
    circumstances: tuple[CircumstanceRecord, ...] = ()
    age: int | None = None
    imd_decile: int | None = None
    problem_descriptor: str | None = None
    gender: str | None = None
    therapist_gender_preference: str | None = None

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        seen: set[str] = set()
        previous: dt.date | None = None
        for contact in self.contacts:
            if contact.contact_id in seen:
                raise EpisodeDataError(
                    f"referral {self.referral_id}: contact {contact.contact_id} appears twice"
                )
            seen.add(contact.contact_id)
            if previous is not None and contact.date < previous:
                raise EpisodeDataError(
                    f"referral {self.referral_id}: contacts are not in date order "
                    f"(contact {contact.contact_id} on {contact.date} follows {previous})"
                )
            previous = contact.date
        records: list[tuple[str, str]] = [(s.contact_id, "score") for s in self.scores]
        records += [(a.contact_id, "alliance rating") for a in self.alliance]
        records += [(g.contact_id, "goal rating") for g in self.goal_ratings]
        records += [(h.set_contact_id, "homework") for h in self.homework]
        records += [(c.contact_id, "circumstance") for c in self.circumstances]
        records += [
            (h.reviewed_contact_id, "homework review")
            for h in self.homework
            if h.reviewed_contact_id is not None
        ]
        for contact_id, what in records:
            if contact_id not in seen:
                raise EpisodeDataError(
                    f"referral {self.referral_id}: a {what} refers to contact {contact_id}, "
                    "which is not in the episode"
                )

    @cached_property
    def positions(self) -> dict[str, int]:
        """Map each contact id to its index in ``contacts``."""
        return {c.contact_id: i for i, c in enumerate(self.contacts)}

    def position(self, contact_id: str) -> int:
        try:
            return self.positions[contact_id]
        except KeyError:
            raise EpisodeDataError(
                f"referral {self.referral_id}: contact {contact_id} is not in the episode"
            ) from None

    def up_to(self, contact_id: str) -> EpisodeHistory:
        """Return the episode as it stood right after ``contact_id``: nothing later."""
        last = self.position(contact_id)
        kept = {c.contact_id for c in self.contacts[: last + 1]}
        homework = tuple(
            h
            if h.reviewed_contact_id is None or h.reviewed_contact_id in kept
            else replace(h, reviewed_contact_id=None, outcome=None)
            for h in self.homework
            if h.set_contact_id in kept
        )
        return replace(
            self,
            contacts=self.contacts[: last + 1],
            scores=tuple(s for s in self.scores if s.contact_id in kept),
            alliance=tuple(a for a in self.alliance if a.contact_id in kept),
            goal_ratings=tuple(g for g in self.goal_ratings if g.contact_id in kept),
            homework=homework,
            circumstances=tuple(c for c in self.circumstances if c.contact_id in kept),
        )

    @property
    def last_contact(self) -> Contact | None:
        return self.contacts[-1] if self.contacts else None

    @property
    def last_attended_contact(self) -> Contact | None:
        """Return the latest contact the client attended (a missed or cancelled
        appointment is never a session nor a point a signal is tied to)."""
        for contact in reversed(self.contacts):
            if contact.attended:
                return contact
        return None

    @cached_property
    def treatment_sessions(self) -> tuple[Contact, ...]:
        """Return the attended, numbered treatment sessions in order."""
        return tuple(c for c in self.contacts if c.is_treatment_session)

    @property
    def sessions_attended(self) -> int:
        return len(self.treatment_sessions)

    @cached_property
    def _first_treatment_position(self) -> int:
        for i, contact in enumerate(self.contacts):
            if contact.is_treatment_session:
                return i
        return len(self.contacts)

    def session_of(self, position: int) -> int | None:
        """Return the treatment-session number a contact's scores belong to.

        0 = before treatment began (assessment); None = not on the axis
        (e.g. a follow-up or an unnumbered review).
        """
        contact = self.contacts[position]
        if not contact.attended:
            return None  # a missed or cancelled appointment is never a point on the axis
        if contact.session_number is not None:
            return contact.session_number
        if position < self._first_treatment_position:
            return 0
        return None

    @cached_property
    def measures(self) -> tuple[str, ...]:
        """Return the outcome measures recorded, in order of first use."""
        return tuple(dict.fromkeys(s.measure for s in self.scores))

    def series(self, measure: str) -> tuple[ScorePoint, ...]:
        """Return a measure's scores on the session axis, one per contact, in order."""
        by_position: dict[int, ScorePoint] = {}
        for score in self.scores:
            if score.measure != measure:
                continue
            position = self.position(score.contact_id)
            session = self.session_of(position)
            if session is None:
                continue
            by_position[position] = ScorePoint(
                session, float(score.total), position, score.contact_id
            )
        return tuple(by_position[p] for p in sorted(by_position))

    def alliance_series(self, measure: str | None = None) -> tuple[tuple[int, float], ...]:
        """Return (contact position, total) of each alliance rating, in order.

        With ``measure``, only that alliance measure's ratings.
        """
        points = {
            self.position(a.contact_id): float(a.total)
            for a in self.alliance
            if measure is None or a.measure == measure
        }
        return tuple(sorted(points.items()))

    def wait_days(self) -> int | None:
        """Return days from referral to the first attended contact, if any."""
        for contact in self.contacts:
            if contact.attended:
                return (contact.date - self.referral_date).days
        return None
