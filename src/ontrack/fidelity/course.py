"""One course of treatment as plain values, the audit's settings, and its results.

A course is everything the canonical dataset (docs/dataset.md) holds about one referral.
Tables a dataset may not carry are ``None`` ("not recorded in this dataset"), never an
empty tuple ("recorded, and there were none"): the audit says which.
"""

from __future__ import annotations

import datetime as dt
import enum
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ontrack.fidelity.notes import NoteClassification

TREATMENT_APP_TYPES = frozenset({"02", "03", "05"})
ATTENDED = frozenset({"5", "6"})


class Status(enum.StrEnum):
    """The result of one check on one course."""

    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"
    NOT_RECORDED = "not_recorded"


@dataclass(frozen=True)
class Contact:
    """One appointment (canonical ``contact`` row)."""

    contact_id: str
    date: dt.date
    app_type: str
    attendance: str
    therapist_id: str | None = None
    therapy: str | None = None
    step: int | None = None
    session_number: int | None = None

    @property
    def is_treatment(self) -> bool:
        """An attended treatment contact (AppType 02, 03, 05; attended)."""
        return self.app_type in TREATMENT_APP_TYPES and self.attendance in ATTENDED

    @property
    def attended(self) -> bool:
        """Seen (AttendOrDNACode 5 or 6)."""
        return self.attendance in ATTENDED


@dataclass(frozen=True)
class Score:
    """One questionnaire completed at a contact; ``items`` None when not recorded."""

    contact_id: str
    measure: str
    total: float
    items: tuple[int | None, ...] | None = None


@dataclass(frozen=True)
class GoalRating:
    """A 0-10 rating of one agreed goal at a contact."""

    contact_id: str
    goal_number: int
    rating: int


@dataclass(frozen=True)
class Homework:
    """A task set at one contact, reviewed (or not) at another."""

    homework_id: str
    set_contact_id: str
    reviewed_contact_id: str | None = None
    criteria_met: int = 0
    outcome: str | None = None


@dataclass(frozen=True)
class Alert:
    """An early-warning alert and what was done about it (canonical ``alert`` row)."""

    alert_id: str
    kind: str
    severity: str
    opened_at: dt.datetime
    contact_id: str | None = None
    acknowledged_at: dt.datetime | None = None
    acted_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    action: str | None = None


@dataclass(frozen=True)
class Supervision:
    """A supervision discussion of this referral (optional table ``supervision``)."""

    date: dt.date


@dataclass(frozen=True)
class Course:
    """Everything recorded about one referral's course of treatment.

    ``alerts``, ``notes``, ``supervisions`` and ``ending_reviewed`` are None when the
    dataset does not carry them. ``notes`` maps a contact id to its classified note.
    """

    referral_id: str
    contacts: tuple[Contact, ...]
    scores: tuple[Score, ...] = ()
    goal_ratings: tuple[GoalRating, ...] = ()
    homework: tuple[Homework, ...] = ()
    problem_descriptor: str | None = None
    imd_decile: int | None = None
    end_date: dt.date | None = None
    end_code: str | None = None
    alerts: tuple[Alert, ...] | None = None
    notes: Mapping[str, NoteClassification] | None = None
    supervisions: tuple[Supervision, ...] | None = None
    ending_reviewed: bool | None = None


@dataclass(frozen=True)
class TherapyRule:
    """The recommended sessions for a therapy (and problem), and whether it sets homework."""

    name: str
    min_sessions: int | None
    max_sessions: int | None
    homework: bool
    source: str


@dataclass(frozen=True)
class AuditConfig:
    """Thresholds of the audit, with their documented defaults (docs/fidelity.md).

    >>> AuditConfig().stalled_after_sessions
    6
    """

    stalled_after_sessions: int = 6  # as ontrack.monitoring's "stalled" signal
    change_within_sessions: int = 2
    homework_min_share: float = 0.5
    goals_by_session: int = 2
    acknowledge_days: Mapping[str, float] = field(
        default_factory=lambda: {"urgent": 1.0, "high": 3.0, "routine": 7.0}
    )
    act_days: Mapping[str, float] = field(
        default_factory=lambda: {"urgent": 2.0, "high": 7.0, "routine": 14.0}
    )
    supervision_days: int = 14
    therapies: Mapping[str, Mapping[str, Any]] | None = None  # None: the shipped file


@dataclass(frozen=True)
class Evidence:
    """What a check saw: at which contact, on which date, what value, which words."""

    value: str
    contact_id: str | None = None
    date: dt.date | None = None
    quote: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "contact_id": self.contact_id,
            "date": None if self.date is None else self.date.isoformat(),
            "value": self.value,
            "quote": self.quote,
        }


@dataclass(frozen=True)
class Check:
    """One criterion's result on one course, in plain words, with its evidence."""

    criterion: str
    status: Status
    reason: str
    evidence: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "criterion": self.criterion,
            "status": self.status.value,
            "reason": self.reason,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@lru_cache(maxsize=1)
def _shipped_therapies() -> dict[str, Any]:
    text = resources.files("ontrack.fidelity").joinpath("data/therapies.toml").read_text("utf-8")
    therapies: dict[str, Any] = tomllib.loads(text)["therapy"]
    return therapies


def load_therapy_rules(path: str | Path) -> dict[str, Any]:
    """Read a therapies file shaped like the shipped ``data/therapies.toml``."""
    with Path(path).open("rb") as file:
        therapies: dict[str, Any] = tomllib.load(file)["therapy"]
    return therapies


def therapy_rule(
    therapy: str | None, problem: str | None, config: AuditConfig
) -> TherapyRule | None:
    """The rule for ``therapy`` (SNOMED code) and ``problem`` (ICD-10), or None if unknown.

    >>> therapy_rule("304891004", "F41.1", AuditConfig()).max_sessions
    15
    """
    table = config.therapies if config.therapies is not None else _shipped_therapies()
    entry = table.get(therapy or "")
    if entry is None:
        return None
    low, high, source = entry.get("min_sessions"), entry.get("max_sessions"), entry["source"]
    key = (problem or "").replace(".", "").upper()
    for prefix, override in entry.get("problem", {}).items():
        if key.startswith(prefix.replace(".", "").upper()):
            low, high, source = (
                override.get("min_sessions"),
                override.get("max_sessions"),
                override["source"],
            )
            break
    return TherapyRule(
        entry.get("name", therapy or ""), low, high, bool(entry.get("homework")), source
    )
