"""The NHS Talking Therapies patient experience questions (PEQ) from ``peq.toml``."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PeqQuestion:
    """One PEQ question: its SNOMED CT code, wording and answers (code, label)."""

    stage: str
    code: str
    text: str
    answers: tuple[tuple[str, str], ...]


@functools.cache
def peq_questions() -> tuple[PeqQuestion, ...]:
    """Every PEQ question, assessment ones first."""
    data = tomllib.loads((Path(__file__).parent / "peq.toml").read_text("utf-8"))
    scales = {name: tuple(tuple(a) for a in s["answers"]) for name, s in data["scales"].items()}
    return tuple(
        PeqQuestion(q["stage"], q["code"], q["text"], scales[q["scale"]]) for q in data["questions"]
    )


def questions_for(stage: str) -> tuple[PeqQuestion, ...]:
    """The questions asked at ``stage`` (assessment or end)."""
    return tuple(q for q in peq_questions() if q.stage == stage)
