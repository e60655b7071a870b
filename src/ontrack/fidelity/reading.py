"""Read one sentence of a note: its clauses, whether it sets homework, template fields.

The sentence-level half of ``ontrack.fidelity.notes`` (which puts the sentences of a note
together). Every sentence is read once into a ``_Read``; the tests that later steps repeat
are remembered on it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ontrack.fidelity import cues
from ontrack.fidelity import lexicon as lx
from ontrack.fidelity.text import Sentence, normalise

CRITERIA = (
    "homework_set",
    "specific",
    "rationale",
    "obstacles_and_coping",
    "monitoring",
    "written",
    "previous_homework_reviewed",
    "risk_discussed",
    "goals_discussed",
)
HOMEWORK_CRITERIA = ("specific", "rationale", "obstacles_and_coping", "monitoring", "written")


@dataclass(frozen=True)
class Finding:
    """Whether a criterion was found in a note, and the sentence that shows it."""

    value: bool
    evidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"value": ..., "evidence": ...}``."""
        return {"value": self.value, "evidence": self.evidence}


@dataclass
class _Read:
    """One sentence read once: its clauses and what each signals."""

    sentence: Sentence
    lower: str
    clauses: list[str]
    field: tuple[str, str] | None  # (criterion, value text) for a template field
    sets: bool = False
    vague_only: bool = False
    about_task: bool = False
    memo: dict[str, bool] = dataclasses.field(default_factory=dict)  # tests run on it


def _read_note(sentences: list[Sentence]) -> list[_Read]:
    """Read each sentence; under a plan heading with nothing after it ("Plan for next
    week:"), the items that follow are read as the plan's tasks."""
    reads: list[_Read] = []
    heading = False
    for sentence in sentences:
        read = _read(sentence, under_heading=heading)
        stripped = read.lower.rstrip(" .")
        if heading and lx.NO.match(stripped):
            read.field = ("homework_set", stripped)  # "Homework -" then "N/A." on its own
        previous = reads[-1] if reads else None
        if (
            previous is not None
            and previous.field is not None
            and previous.field[0] in _OTHER_TOPICS
            and previous.sentence.text.rstrip().endswith(";")
            and read.field is None
        ):
            # "Goals: speak up in seminars; go to one social event a month": the items after
            # the ";" belong to the same field, and a goal is not a task.
            read.field = previous.field
            read.sets = False
        if cues.PLAN_HEADING.match(read.lower) and stripped.endswith((":", "-", "–")):
            heading = True
        elif not re.match(r"^\W*(?:\d+[.)]|[a-z][.)]|[-*•])", read.lower):
            heading = False
        reads.append(read)
    return reads


def _may_say_none(read: _Read) -> bool:
    """A quick look: could this sentence say that no homework was set?"""
    if "may_say_none" not in read.memo:
        read.memo["may_say_none"] = read.field is not None or bool(
            cues.NO_HOMEWORK.search(read.lower) or lx.NEGATED_SETTING.search(read.lower)
        )
    return read.memo["may_say_none"]


def _says_no_homework(read: _Read, reads: list[_Read]) -> bool:
    """The sentence says outright that no homework was set today (not last week's)."""
    if read.field is not None and read.field[0] == "homework_set":
        finding = _field_finding(read, "homework_set")
        if finding is not None and not finding.value:
            return True
    for clause in [*read.clauses, read.lower]:
        if not (cues.NO_HOMEWORK.search(clause) or lx.NEGATED_SETTING.search(clause)):
            continue
        if cues.NOTHING_FURTHER.search(clause) and any(r.sets and not r.vague_only for r in reads):
            continue
        if not (lx.TASK.search(clause) or re.search(r"\b(?:nothing|anything)\b", clause)):
            continue
        if lx.PAST_REFERENCE.search(clause) or _is_review_clause(clause):
            continue
        return True
    return False


def _read(sentence: Sentence, *, under_heading: bool = False) -> _Read:
    lower = normalise(sentence.text)
    read = _Read(sentence, lower, _clauses(lower), _field(lower))
    abbreviated = bool(lx.ABBREVIATED_TASK.search(sentence.text))
    read.about_task = abbreviated or any(_mentions_task(c) for c in read.clauses)
    clauses = read.clauses
    if read.field is not None and read.field[0] == "homework_set":
        clauses = [*clauses, read.lower]  # "Homework - carry on as before" is one statement
    outcomes = [_sets_homework(c, abbreviated, under_heading) for c in clauses]
    if read.field is not None and read.field[0] in _OTHER_TOPICS:
        outcomes = []  # "Goals: go to one social event a month" is a goal, not a task
    read.sets = any(o is not None for o in outcomes)
    if read.field is not None and lx.SEE_ELSEWHERE.match(read.field[1]):
        read.sets = False  # "Between-session tasks: see above": said, if at all, above
    read.vague_only = read.sets and all(o in (None, "vague") for o in outcomes)
    if read.field is not None and read.field[0] == "homework_set":
        field_finding = _field_finding(read, "homework_set")
        if field_finding is not None and not field_finding.value:
            read.sets = False
    return read


_OTHER_TOPICS = ("goals_discussed", "risk_discussed", "previous_homework_reviewed")


def _clauses(lower: str) -> list[str]:
    """Clauses of a sentence; a long dictated run-on is also split at "and"."""
    clauses = [c for c in lx.CLAUSE.split(lower) if c.strip()]
    if len(lower.split()) <= 30:
        return clauses
    return [part for c in clauses for part in lx.RUN_ON.split(c) if part.strip()]


def _mentions_task(clause: str) -> bool:
    return bool(lx.TASK.search(clause))


@lru_cache(maxsize=65536)
def _sets_homework(clause: str, abbreviated: bool, heading: bool = False) -> str | None:
    """Return "task" or "vague" when the clause sets homework now, else None; ``heading``:
    the clause is an item under a plan heading."""
    # What the clause is about first (most clauses name no task and stop here), then
    # whether it is a negation, a plan for later or something that is not homework.
    headed = cues.TASK_HEADING.match(clause) is not None
    task = (
        bool(lx.TASK.search(clause) or cues.SAME_TASK.search(clause))
        or abbreviated
        or heading
        or headed
    )
    planned = cues.ASSIGNED_PLAN.search(clause) or cues.INSTRUCTION.search(clause) or headed
    action = bool(planned or lx.ACTION.search(clause))
    vague = bool(lx.VAGUE.search(clause))
    if not (task or action or vague):
        return None
    if not (task or planned) and cues.CLIENT_REACTION.search(clause):
        return None  # "nervous but willing to try": a reaction to a task, not a task
    # a negation inside the belief under test is not about setting: "to test the belief
    # that he doesn't want to hear from her"
    scope = _BELIEF_CONTENT.sub(" ", clause)
    if (
        lx.SAFETY_PLAN.search(clause)
        or lx.NEGATED_SETTING.search(scope)
        or lx.NOT_SETTING.search(clause)
    ):
        return None
    if lx.FUTURE_SETTING.search(clause) or lx.NEXT_SESSION_PLAN.search(clause.strip()):
        return None
    if lx.LEAFLET.search(clause) and not lx.LEAFLET_TASK.search(clause):
        return None
    if cues.CRISIS_PLAN.search(clause) or cues.OPTIONAL_IDEA.search(clause):
        return None
    if cues.TREATMENT_PLAN.search(clause):
        return None
    if (
        cues.GOAL_STATEMENT.search(clause)
        or cues.CONTACT_ARRANGEMENT.search(clause)
        or cues.CARE_DECISION.search(clause)
    ) and not task:
        return None
    if lx.APPOINTMENT.search(clause) and not (task or planned):
        return None
    unpast = lx.PAST_REFERENCE.sub(" ", clause)
    if not (lx.ASSIGN.search(unpast) or planned or heading or _heading_with_plan(clause)):
        return None
    if lx.IN_SESSION.search(clause) and not _sets_for_later(clause):
        return None
    # "same hw as last time", "Continue BA plan as agreed last time": last time's task set again
    same = cues.SAME_TASK.search(clause) or (task and _CONTINUE_HEAD.match(clause))
    if (_is_review_clause(clause) or cues.REPORTED_PRACTICE.search(clause)) and not (
        same or _sets_for_later(clause)
    ):
        return None
    if vague and not _concrete(clause):
        # A vague exhortation counts only when framed as homework ("Homework: keep trying").
        return "vague" if lx.HOMEWORK_FRAME.search(clause) else None
    return "task" if (task or action) else "vague"


_BELIEF_CONTENT = re.compile(
    r"\b(?:belief|thought|prediction|fear|assumption|worry)s? (?:that|of) [^;]*$"
)

_CONTINUE_HEAD = re.compile(
    r"^\W*(?:cont|continue|carry on|keep (?:up|going with|on with|doing|using))\b"
)


def _heading_with_plan(clause: str) -> bool:
    match = cues.PLAN_HEADING.match(clause)
    return match is not None and bool(clause[match.end() :].strip(" .;"))


_REPORTED_THIS_WEEK = re.compile(
    r"\b(?:had|hadn't|hadnt|had not|has not|hasn't|hasnt|did|didn't|didnt|did not|was|wasn't|were|"
    r"managed|completed|tried|forgot|struggled)\b(?:\s+\w+){0,6}\s+this week\b"
)
_FUTURE = re.compile(
    r"\b(?:will|'ll|to (?:try|do|keep|continue|practise|practice)|going to|agreed|next)\b"
)


def _sets_for_later(clause: str) -> bool:
    unpast = lx.PAST_REFERENCE.sub(" ", clause)
    if _REPORTED_THIS_WEEK.search(unpast) and not _FUTURE.search(unpast):
        # "she had not managed any of the walks this week": a report, not a plan
        unpast = _REPORTED_THIS_WEEK.sub(" ", unpast)
    return bool(lx.FOR_LATER.search(unpast))


def _concrete(clause: str) -> bool:
    stripped = lx.VAGUE.sub(" ", clause)
    return bool(lx.TASK.search(stripped) or lx.ACTION.search(stripped))


def _is_review_clause(clause: str) -> bool:
    if lx.REVIEW_STRONG.search(clause):
        return True
    past = lx.PAST_REFERENCE.search(clause)
    return bool(past) and bool(lx.REVIEW.search(clause))


def _field(lower: str) -> tuple[str, str] | None:
    match = lx.FIELD_COLON.match(lower) or lx.FIELD.match(lower)
    if match is None:
        return None
    label = match.group("label").strip()
    dashed = not re.match(r"^\s*[^:=?]*[:=?]", lower)  # "Homework - carry on", not a clause
    if len(label.split()) > (3 if dashed else 5):
        return None
    for criterion, pattern in lx.FIELD_LABELS:
        if criterion == "previous_homework_reviewed" and _TOPIC_LABEL.search(label):
            continue  # "Risk reviewed:", "Goals reviewed:" are not homework review
        if pattern.search(label):
            return criterion, match.group("value").strip()
    return None


_TOPIC_LABEL = re.compile(r"\b(?:risk|si|sh|safety|suicid\w*|goals?|gbo)\b")


_NO_RISK_FOUND = re.compile(
    r"^(?:none|nil|no|low|no change|none (?:identified|disclosed|reported))$"
)


def _field_finding(read: _Read | None, criterion: str) -> Finding | None:
    """The finding a template field states outright (yes/no), else None."""
    if read is None or read.field is None or read.field[0] != criterion:
        return None
    value = read.field[1]
    if lx.SEE_ELSEWHERE.match(value):
        return None
    if criterion == "risk_discussed" and _NO_RISK_FOUND.match(value):
        return Finding(True, read.sentence.text)  # "Risk: none" records an assessment
    if lx.NO.match(value) or (
        criterion == "homework_set" and lx.NEGATED_SETTING.search(read.lower)
    ):
        return Finding(False)
    if lx.YES.match(value) and not (criterion == "homework_set" and value == "discussed"):
        return Finding(True, read.sentence.text)
    if criterion in HOMEWORK_CRITERIA and value and not lx.CRITERION_NEGATED.search(read.lower):
        return Finding(True, read.sentence.text)
    return None
