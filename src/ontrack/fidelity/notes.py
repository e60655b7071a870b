"""Find homework and Beck's criteria, homework review, risk and goals in a session note.

Interpretable rules: the note is split into sentences (each kept exactly as written, so the
evidence is a quotation), each sentence into clauses (so "no homework last week, but agreed
to walk daily" is read as two statements), and each clause is matched against lexicons
(``ontrack.fidelity.lexicon``) with negation ("no homework set"), plans for later ("will set
a thought record next session"), leaflets and safety plans handled before anything counts
as homework. The criteria of homework are looked for only in the sentences about the
homework set today.

>>> result = classify_note(
...     "Reviewed last week's thought records. Agreed to walk for 20 minutes each morning "
...     "to test the prediction that she will be too tired; plan written on her sheet."
... )
>>> result.value("homework_set"), result.value("specific"), result.value("written")
(True, True, True)
>>> result.evidence("previous_homework_reviewed")
"Reviewed last week's thought records."
>>> classify_note("No homework set today.").value("homework_set")
False
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ontrack.fidelity import cues
from ontrack.fidelity import lexicon as lx
from ontrack.fidelity.model import THRESHOLD, SentenceModel, load_model
from ontrack.fidelity.reading import (
    _OTHER_TOPICS,
    CRITERIA,
    HOMEWORK_CRITERIA,
    Finding,
    _concrete,
    _field_finding,
    _may_say_none,
    _Read,
    _read_note,
    _says_no_homework,
    _sets_for_later,
    _sets_homework,
)
from ontrack.fidelity.text import correct, normalise, split_sentences
from ontrack.fidelity.topics import _is_goals, _is_review, _is_risk, _topic

__all__ = ["CRITERIA", "HOMEWORK_CRITERIA", "Finding", "NoteClassification", "classify_note"]

_SHAPES = {
    "rationale": (cues.EXPLANATION,),
    "obstacles_and_coping": (cues.CLIENT_REACTION,),
}
_PATTERNS = {
    "rationale": lx.RATIONALE,
    "obstacles_and_coping": lx.OBSTACLES,
    "monitoring": lx.MONITORING,
    "written": lx.WRITTEN,
}


@dataclass(frozen=True)
class NoteClassification:
    """What one note shows for each of ``CRITERIA``."""

    findings: Mapping[str, Finding] = field(default_factory=dict)

    def value(self, criterion: str) -> bool:
        """Whether ``criterion`` was found."""
        return self.findings[criterion].value

    def evidence(self, criterion: str) -> str | None:
        """The quoted sentence for ``criterion``, or None."""
        return self.findings[criterion].evidence

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Return ``{criterion: {"value": bool, "evidence": str | None}}`` in ``CRITERIA`` order."""
        return {name: self.findings[name].to_dict() for name in CRITERIA}


def classify_note(
    note: str,
    *,
    therapy: str | None = None,
    model: SentenceModel | Literal["shipped"] | None = "shipped",
) -> NoteClassification:
    """Classify one note. ``therapy`` (free text) is accepted for callers; it does not
    change the reading: a counselling note that records homework has homework.
    ``model``: the sentence model asked about what the rules leave undecided (the shipped
    one by default; None for the rules alone)."""
    del therapy
    opinion = _Opinion(load_model() if model == "shipped" else model)
    reads = _read_note(split_sentences(note))
    findings: dict[str, Finding] = {}
    says_none = any(_says_no_homework(r, reads) for r in reads if _may_say_none(r))
    set_reads = [] if says_none else [r for r in reads if r.sets]
    fields = {r.field[0]: r for r in reads if r.field is not None}
    homework_field = _field_finding(fields.get("homework_set"), "homework_set")
    if homework_field is not None and not homework_field.value and not set_reads:
        findings["homework_set"] = homework_field
    elif set_reads:
        findings["homework_set"] = Finding(True, set_reads[0].sentence.text)
    elif not says_none and homework_field is None:
        findings["homework_set"] = opinion.finding("homework_set", reads)
        for read in reads:
            read.sets = read.sets or read.sentence.text == findings["homework_set"].evidence
    else:
        findings["homework_set"] = Finding(False)
    block = _homework_block(reads) if findings["homework_set"].value else []
    for name in HOMEWORK_CRITERIA:
        if not findings["homework_set"].value:
            findings[name] = Finding(False)
            continue
        from_field = _field_finding(fields.get(name), name)
        looked_at = (
            # a reason is given for the new task, not for what happened last week
            [
                r
                for r in [*_lead_in(reads), *block]
                if r.sets or not (_is_review(r) or _topic_only(r.lower))
            ]
            if name == "rationale"
            else block
        )
        findings[name] = from_field if from_field is not None else _criterion(name, looked_at)
        vague_only = name == "specific" and not any(r.sets and not r.vague_only for r in reads)
        if from_field is None and not findings[name].value and not vague_only:
            findings[name] = opinion.finding(name, reads)
    for name, test in (
        ("previous_homework_reviewed", _is_review),
        ("risk_discussed", _is_risk),
        ("goals_discussed", _is_goals),
    ):
        findings[name] = _topic(reads, fields, name, test)
        stated = _field_finding(fields.get(name), name)
        if not findings[name].value and not (stated is not None and not stated.value):
            findings[name] = opinion.finding(name, reads)
    return NoteClassification(findings)


def classify_notes(notes: Iterable[str]) -> list[NoteClassification]:
    """Classify many notes."""
    return [classify_note(note) for note in notes]


def clear_caches() -> None:
    """Forget remembered sentences and words (for fair timing of notes seen before)."""
    normalise.cache_clear()
    correct.cache_clear()
    _sets_homework.cache_clear()
    load_model.cache_clear()


class _Opinion:
    """The sentence model's reading of a note, used only where the rules found nothing and
    never on a sentence the rules rule out (a negation, a plan for later, a review ...)."""

    def __init__(self, model: SentenceModel | None) -> None:
        self.model = model
        self.probabilities: Any = None

    def finding(self, name: str, reads: list[_Read]) -> Finding:
        if self.model is None or not reads:
            return Finding(False)
        if self.probabilities is None:  # asked once per note, only when needed
            self.probabilities = self.model.probabilities([r.sentence.text for r in reads])
        column = self.probabilities[:, self.model.index(name)]
        ranked = sorted(range(len(reads)), key=lambda i: -float(column[i]))
        for i in ranked:
            if column[i] < THRESHOLD:
                break
            if len(reads[i].lower.split()) > 1 and not _ruled_out(name, reads[i]):
                return Finding(True, reads[i].sentence.text)
        return Finding(False)


def _ruled_out(name: str, read: _Read) -> bool:
    """Whether the rules forbid ``read`` from showing ``name`` whatever the model says."""
    if read.field is not None and read.field[0] != name and read.field[0] in _OTHER_TOPICS:
        return True
    if read.field is not None and read.field[0] == name:
        stated = _field_finding(read, name)
        if stated is not None and not stated.value:
            return True
    lower = read.lower
    if name not in ("risk_discussed", "goals_discussed") and (
        lx.SAFETY_PLAN.search(lower) or cues.CRISIS_PLAN.search(lower)
    ):
        return True  # a safety plan is never homework, nor a review of homework
    if name == "homework_set":
        return _not_a_setting(read)
    if name == "written" and not _WRITTEN_HINT.search(lower):
        # the model may not call a sentence written on its own say-so: something on paper
        # or screen must be named ("Record the prediction on the BE record" is monitoring)
        return True
    if name in HOMEWORK_CRITERIA:
        return _is_review(read) or any(_criterion_negated(c) for c in read.clauses)
    if name == "previous_homework_reviewed":
        return bool(
            read.sets
            or cues.NOT_REVIEWED.search(lower)
            or lx.NEGATED_REVIEW.search(lower)
            or lx.FUTURE_REVIEW.search(lower)
        )
    if name == "risk_discussed" and lx.NOT_RISK.search(lower):
        # "risk of relapse": unless another word of risk to self is there as well
        return not lx.RISK.search(lx.NOT_RISK.sub(" ", lower))
    negated = lx.NEGATED_RISK if name == "risk_discussed" else lx.NEGATED_GOALS
    return bool(negated.search(lower) or lx.FUTURE_TOPIC.search(lower))


_WRITTEN_HINT = re.compile(
    r"\b(?:sheets?|worksheets?|forms?|cards?|cop(?:y|ies)|paper|handouts?|booklets?|workbooks?|"
    r"handbook|leaflets?|apps?|e-?mail\w*|text\w*|post(?:ed)?|print\w*|written|wrote|"
    r"writ(?:e|ing) (?:it|this|them|the plan|out|up)|"
    r"typed|given|gave|sent|handed|planner|calendar|fridge|modules?|programme|"
    r"post-?its?|jotted|photo\w*|template|pdf|link)\b"
)


def _not_a_setting(read: _Read) -> bool:
    """A negation, a plan for later, a leaflet, a safety plan, an optional idea, the choice
    of treatment, practice in the session or a review: never homework set today."""
    if _is_review(read) or (_may_say_none(read) and _says_no_homework(read, [read])):
        return True
    for clause in read.clauses:
        if (
            lx.NEGATED_SETTING.search(clause)
            or lx.FUTURE_SETTING.search(clause)
            or lx.NEXT_SESSION_PLAN.search(clause.strip())
            or lx.SAFETY_PLAN.search(clause)
            or cues.CRISIS_PLAN.search(clause)
            or cues.OPTIONAL_IDEA.search(clause)
            or cues.TREATMENT_PLAN.search(clause)
            or (cues.CARE_DECISION.search(clause) and not lx.TASK.search(clause))
            or (lx.LEAFLET.search(clause) and not lx.LEAFLET_TASK.search(clause))
            or (lx.IN_SESSION.search(clause) and not _sets_for_later(clause))
        ):
            return True
    return False


def _homework_block(reads: list[_Read]) -> list[_Read]:
    """The sentences about the homework set today: the setting sentences, those about a
    task that are not reviews, and up to two sentences following either."""
    block: list[_Read] = []
    follow = 0
    for read in reads:
        topic = _other_topic(read)
        if read.sets or (read.about_task and not _is_review(read) and not topic):
            block.append(read)
            follow = 2
        elif follow and not topic:
            block.append(read)
            follow = 2 if any(p.search(read.lower) for p in _FOLLOW_CUES) else follow - 1
        else:
            follow = 0
    return block


_FOLLOW_CUES = (lx.RATIONALE, lx.OBSTACLES, lx.MONITORING, lx.WRITTEN, lx.WHEN)


def _other_topic(read: _Read) -> bool:
    if read.field is not None and read.field[0] in (
        "risk_discussed",
        "goals_discussed",
        "previous_homework_reviewed",
    ):
        return True
    return bool(lx.REVIEW_STRONG.search(read.lower)) or _is_risk(read) or _is_goals(read)


_REASON_FOR_REACTION = re.compile(
    r"\b(?:sceptical|skeptical|worried|reluctant|unsure|nervous|anxious|avoided|avoids|avoiding|"
    r"didn't|hadn't|forgot|couldn't|wasn't|upset|cross|annoyed|embarrassed|stopped|"
    # a preference, a timing or a difficulty: "wants to do it by message because it feels
    # less exposing", "less so about Saturday because it is busier", "tricky because of his shift"
    r"prefers?|preferred|wants?|wanted|likes?|liked|rather|tricky|harder|easier|busier|less so|"
    r"found|finds|thinks|thought)\b[^.;]*?\bbecause\b[^.;]*|\bbecause of\b[^.;]*"
)
# Psychoeducation or a drawing of the model named alone ("Psychoed on panic cycle", "Drew
# the vicious cycle"): what the session covered, not yet the reason for the task.
_TOPIC_ONLY = re.compile(r"\bpsycho-?ed(?:ucation)?\b|\bcycle\b|\bdrew\b|\bformulation\b")
_REASON_WORD = re.compile(
    r"\b(?:why|because|so that|in order to|to help|help|helps|rationale|reason|purpose|aim|idea|"
    r"keeps?|maintains?|test|reminded|explained|breaks?|lifts?|reduces?|experiment)\b"
)


def _topic_only(lower: str) -> bool:
    return bool(_TOPIC_ONLY.search(lower)) and not _REASON_WORD.search(lower)


def _lead_in(reads: list[_Read]) -> list[_Read]:
    """The sentence just before the first task set, when it explains: notes often give
    the reason first ("Reminded that avoidance keeps it going. She will re-read it ...")."""
    first = next((i for i, r in enumerate(reads) if r.sets), 0)
    if first == 0:
        return []
    before = reads[first - 1]
    explains = cues.EXPLANATION.search(before.lower) or lx.RATIONALE.search(before.lower)
    if explains and _topic_only(before.lower):
        return []
    return [before] if explains and not (_other_topic(before) or _is_review(before)) else []


def _criterion(name: str, block: list[_Read]) -> Finding:
    if name == "specific":
        return _specific(block)
    patterns = [_PATTERNS[name], *_SHAPES.get(name, ())]
    for read in block:
        for clause in read.clauses:
            if name == "rationale":
                # "sceptical because ...", "avoided it because he was anxious": the reason
                # for a reaction or for last week, not for the task
                clause = _REASON_FOR_REACTION.sub(" ", clause)
            if any(p.search(clause) for p in patterns) and not _criterion_negated(clause):
                return Finding(True, read.sentence.text)
    return Finding(False)


def _criterion_negated(clause: str) -> bool:
    return bool(lx.CRITERION_NEGATED.search(clause)) and not lx.CONSIDERED.search(clause)


def _specific(block: list[_Read]) -> Finding:
    """Specific: a concrete task (not only a vague one) with when or how often, said of
    the task itself (not "she may struggle after work")."""
    if not any(r.sets and not r.vague_only for r in block) and not any(
        r.about_task and not r.sets for r in block
    ):
        return Finding(False)
    for read in block:
        if read.sets and read.vague_only:
            continue
        for clause in read.clauses:
            if not lx.WHEN.search(clause) or lx.VAGUE.search(clause):
                continue
            other = lx.OBSTACLES.search(clause) or lx.RATIONALE.search(clause)
            sets = _sets_homework(clause, False) is not None
            if (
                sets
                or (_concrete(clause) and not other)
                or not (other or lx.MONITORING.search(clause))
            ):
                return Finding(True, read.sentence.text)
    return Finding(False)
