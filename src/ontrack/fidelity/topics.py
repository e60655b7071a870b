"""Homework review, risk and goals: topics found anywhere in a note.

Part of ``ontrack.fidelity.notes``: a template field's plain "no" stands unless a sentence
elsewhere shows the topic after all; "Risk: none" records an assessment; "risk of relapse",
"will review next session" and "goals to be agreed" do not count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ontrack.fidelity import cues
from ontrack.fidelity import lexicon as lx
from ontrack.fidelity.reading import Finding, _field_finding, _Read, _sets_homework


def _topic(
    reads: list[_Read], fields: Mapping[str, _Read], name: str, test: Callable[[_Read], bool]
) -> Finding:
    """A topic found anywhere in the note; a template field's plain "no" stands unless a
    sentence elsewhere shows the topic after all."""
    stated = _field_finding(fields.get(name), name)
    if stated is not None and (stated.value or not any(test(r) for r in reads if r.field is None)):
        return stated
    for read in reads:
        if test(read):
            return Finding(True, read.sentence.text)
    return Finding(False)


_AGREED_ITEMS = re.compile(
    r"\b(?:any|all|some|none|most|half|one|two|three|four|five|\d+) of (?:the|her|his|their) "
    r"(?:walks?|calls?|steps?|exercises?|practices?|sessions? of \w+|trips?|activities|tasks?)\b"
)


def _is_review(read: _Read) -> bool:
    if "review" not in read.memo:
        read.memo["review"] = _reads_as_review(read)
    return read.memo["review"]


def _reads_as_review(read: _Read) -> bool:
    """Last time's task gone over: a review of a task, or a report of doing (or not
    doing) it; not a review of risk or goals, nor in-session work, nor a plan to review."""
    if read.field is not None and read.field[0] == "previous_homework_reviewed":
        value = read.field[1]
        said_not = cues.NOT_REVIEWED.search(value) or lx.NEGATED_REVIEW.search(value)
        return bool(value) and not _NOT_DONE_REVIEW.match(value) and not said_not
    if cues.NOT_REVIEWED.search(read.lower):
        return False
    for clause in read.clauses:
        if (
            lx.NEGATED_REVIEW.search(clause)
            or lx.FUTURE_REVIEW.search(clause)
            or lx.PAST_TRIAL.search(clause)
        ):
            continue
        if cues.SAME_TASK.search(clause):
            continue
        if lx.REVIEW_STRONG.search(clause):
            return True
        mentions = (
            lx.TASK.search(clause)
            or lx.ABBREVIATED_TASK.search(read.sentence.text)
            or _AGREED_ITEMS.search(clause)  # "none of the walks": the walks agreed before
        )
        if _sets_homework(clause, False) or not mentions or _REVIEW_ELSEWHERE.search(clause):
            continue
        if cues.REPORTED_PRACTICE.search(clause):
            return True
        if lx.REVIEW.search(clause) and not cues.IN_SESSION_WORK.search(clause):
            if lx.IN_SESSION.search(clause) and not lx.PAST_REFERENCE.search(clause):
                continue
            return True
    return False


# A review of goals or risk, or a plan: not a review of homework.
_REVIEW_ELSEWHERE = re.compile(
    r"^\W*(?:goals?|risk)\b|"
    r"\b(?:reviewed|review of|rated|re-?rated) (?:the |her |his |their )?(?:goals?|risk)\b|"
    r"\b(?:will|shall|'ll) (?:\w+ )?(?:involve|be|need)\b"
)


# A review field whose value says it was not reviewed ("not done" is an outcome: reviewed).
_NOT_DONE_REVIEW = re.compile(r"^(?:n|no|none|nil|n/?a|not (?:reviewed|discussed)|-|not today)$")


_DONE_LABEL = re.compile(
    r"\b(?:agreed|set|discussed|reviewed|rated|assessed|explored|identified|asked|completed)\b"
)


def _field_value_clauses(read: _Read, criterion: str, label: re.Pattern[str]) -> list[str] | None:
    """For a field of ``criterion``, the clauses to read: its value alone; None when the
    label alone says the topic was covered ("Risk: low")."""
    if read.field is None or read.field[0] != criterion:
        return read.clauses
    head = read.lower.split(":")[0].split(" -")[0].strip()
    value = read.field[1]
    # "Pt's goals: ..." states goals; "Scores and risk: PHQ-9 9" does not state a risk review.
    named = criterion == "goals_discussed" and lx.GOALS.search(head)
    stated = label.match(head) or _DONE_LABEL.search(head) or named
    if stated and value and not lx.NO.match(value) and not lx.FUTURE_TOPIC.search(value):
        return None
    return [c for c in lx.CLAUSE.split(value) if c.strip()]


def _is_risk(read: _Read) -> bool:
    if "risk" not in read.memo:
        read.memo["risk"] = _reads_as_risk(read)
    return read.memo["risk"]


def _is_goals(read: _Read) -> bool:
    if "goals" not in read.memo:
        read.memo["goals"] = _reads_as_goals(read)
    return read.memo["goals"]


def _reads_as_risk(read: _Read) -> bool:
    clauses = _field_value_clauses(read, "risk_discussed", lx.RISK_LABEL)
    if clauses is None:
        return not lx.NEGATED_RISK.search(read.lower) or bool(
            re.search(r"\b(?:none|nil|no)\b", read.field[1] if read.field else "")
        )
    for clause in clauses:
        cleaned = lx.NOT_RISK.sub(" ", clause)
        if not lx.RISK.search(cleaned) or lx.NEGATED_RISK.search(cleaned):
            continue
        if lx.FUTURE_TOPIC.search(cleaned) or (
            lx.SAFETY_PLAN.search(cleaned) and lx.FUTURE_TOPIC.search(clause)
        ):
            continue
        return True
    return False


def _reads_as_goals(read: _Read) -> bool:
    clauses = _field_value_clauses(read, "goals_discussed", lx.GOALS_LABEL)
    if clauses is None:
        return not lx.NEGATED_GOALS.search(read.lower)
    for clause in clauses:
        if not lx.GOALS.search(clause) or lx.NEGATED_GOALS.search(clause):
            continue
        if lx.FUTURE_TOPIC.search(clause):
            continue
        return True
    return False
