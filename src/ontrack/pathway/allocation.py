"""Therapist suggestions for allocation: the interface ``ontrack.matching`` plugs into.

A *suggester* takes what the client needs (step, therapy, preferences, each essential or
nice-to-have) and the candidate therapists, and returns every candidate ranked, each with
its reasons in words. ``plain_suggestions`` is the rule used until the matching lands: a
therapist must work at the step and deliver the therapy, have room under their caseload
limit, and meet every essential preference that can be checked; nice-to-have preferences
met and headroom rank those who fit. Nothing here decides: the allocator chooses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

# Which therapist roles work at which step (canonical therapist.role).
ROLES_FOR_STEP = {2: frozenset({"pwp"}), 3: frozenset({"hi", "counsellor"})}
# Preferences the records cannot check against a therapist (no such detail is kept).
UNCHECKABLE = frozenset({"culture", "format", "times"})


@dataclass(frozen=True)
class Preference:
    """One thing the client asked for; ``kind`` is gender, language, interpreter, culture,
    age, modality, format or times; ``value`` a code or words."""

    kind: str
    value: str
    essential: bool = False
    label: str = ""

    @property
    def described(self) -> str:
        return self.label or f"{self.kind}: {self.value}"


@dataclass(frozen=True)
class ClientNeeds:
    """What the allocation must meet."""

    step: int | None
    therapy: str = ""
    preferences: Sequence[Preference] = ()
    # For a suggester that ranks by effectiveness in the client's problem (the matching):
    problem_descriptor: str = ""
    functioning_impaired: bool = False  # WSAS 10 or more at assessment


@dataclass(frozen=True)
class Candidate:
    """A therapist who might take the client, as the records describe them."""

    therapist_id: int
    name: str
    role: str
    modalities: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    gender: str = ""
    age: int | None = None
    open_cases: int = 0
    caseload_limit: int = 0  # 0 = no limit agreed
    practitioner_id: str = ""  # the identifier exports use (canonical therapist_id)

    @property
    def headroom(self) -> int | None:
        return None if self.caseload_limit == 0 else self.caseload_limit - self.open_cases


@dataclass(frozen=True)
class Suggestion:
    """One candidate, ranked: ``fits`` when every hard constraint is met."""

    therapist_id: int
    name: str
    rank: int
    fits: bool
    reasons: tuple[str, ...] = ()
    unmet_essentials: tuple[str, ...] = ()
    over_limit: bool = False
    score: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)


class Suggester(Protocol):
    """The shape of a suggester (``plain_suggestions``, or the matching's when it lands)."""

    def __call__(self, needs: ClientNeeds, candidates: Sequence[Candidate]) -> list[Suggestion]: ...


def _age_range(value: str) -> tuple[int, int] | None:
    found = re.fullmatch(r"\s*(\d{1,3})\s*-\s*(\d{1,3})\s*", value)
    return (int(found[1]), int(found[2])) if found else None


def preference_met(preference: Preference, candidate: Candidate) -> bool | None:
    """Say whether a candidate meets a preference; None when the records cannot tell."""
    kind, value = preference.kind, preference.value.strip()
    if kind in UNCHECKABLE or not value:
        return None
    if kind == "gender":
        return candidate.gender == value if candidate.gender else None
    if kind in ("language", "interpreter"):
        return value.casefold() in {lang.casefold() for lang in candidate.languages}
    if kind == "modality":
        return value in candidate.modalities
    if kind == "age":
        bounds = _age_range(value)
        if bounds is None or candidate.age is None:
            return None
        return bounds[0] <= candidate.age <= bounds[1]
    return None


def _judge(needs: ClientNeeds, c: Candidate) -> tuple[bool, float, list[str], list[str], bool]:
    reasons: list[str] = []
    unmet: list[str] = []
    fits = True
    if needs.step is not None and c.role not in ROLES_FOR_STEP.get(needs.step, frozenset()):
        fits = False
        reasons.append(f"does not work at step {needs.step}")
    if needs.therapy and needs.therapy not in c.modalities:
        fits = False
        reasons.append("does not deliver the therapy offered")
    over = c.headroom is not None and c.headroom <= 0
    if over:
        fits = False
        reasons.append(f"caseload full ({c.open_cases} of {c.caseload_limit})")
    elif c.headroom is not None:
        reasons.append(f"room for {c.headroom} more ({c.open_cases} of {c.caseload_limit})")
    score = 0.0
    for p in needs.preferences:
        met = preference_met(p, c)
        if met is None:
            if p.essential:
                reasons.append(f"{p.described}: not recorded for therapists, check by hand")
        elif met:
            score += 2.0 if p.essential else 1.0
            reasons.append(f"meets {p.described}")
        elif p.essential:
            fits = False
            unmet.append(p.described)
            reasons.append(f"does not meet the essential {p.described}")
    return fits, score, reasons, unmet, over


def plain_suggestions(needs: ClientNeeds, candidates: Sequence[Candidate]) -> list[Suggestion]:
    """Rank candidates: those who fit first, then by preferences met and headroom.

    >>> a = Candidate(1, "Ann", "pwp", frozenset({"x"}), gender="2", caseload_limit=10)
    >>> b = Candidate(2, "Bo", "pwp", frozenset({"x"}), gender="1", caseload_limit=10)
    >>> needs = ClientNeeds(2, "x", [Preference("gender", "2", essential=True)])
    >>> [(s.name, s.fits) for s in plain_suggestions(needs, [b, a])]
    [('Ann', True), ('Bo', False)]
    """
    judged = []
    for c in candidates:
        fits, score, reasons, unmet, over = _judge(needs, c)
        headroom = c.headroom if c.headroom is not None else 1_000
        judged.append((not fits, -score, -headroom, c.name, c, fits, score, reasons, unmet, over))
    judged.sort(key=lambda row: row[:4])
    return [
        Suggestion(
            therapist_id=c.therapist_id,
            name=c.name,
            rank=rank,
            fits=fits,
            reasons=tuple(reasons),
            unmet_essentials=tuple(unmet),
            over_limit=over,
            score=score,
        )
        for rank, (*_, c, fits, score, reasons, unmet, over) in enumerate(judged, 1)
    ]
