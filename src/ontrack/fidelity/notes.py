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

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from ontrack.fidelity import cues
from ontrack.fidelity import lexicon as lx
from ontrack.fidelity.model import THRESHOLD, SentenceModel, load_model
from ontrack.fidelity.text import Sentence, correct, normalise, split_sentences

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
class Finding:
    """Whether a criterion was found in a note, and the sentence that shows it."""

    value: bool
    evidence: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"value": ..., "evidence": ...}``."""
        return {"value": self.value, "evidence": self.evidence}


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
        looked_at = [*_lead_in(reads), *block] if name == "rationale" else block
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
            or (lx.LEAFLET.search(clause) and not lx.LEAFLET_TASK.search(clause))
            or (lx.IN_SESSION.search(clause) and not _sets_for_later(clause))
        ):
            return True
    return False


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
    task = bool(lx.TASK.search(clause) or cues.SAME_TASK.search(clause)) or abbreviated or heading
    planned = cues.ASSIGNED_PLAN.search(clause) or cues.INSTRUCTION.search(clause)
    action = bool(planned or lx.ACTION.search(clause))
    vague = bool(lx.VAGUE.search(clause))
    if not (task or action or vague):
        return None
    if lx.SAFETY_PLAN.search(clause) or lx.NEGATED_SETTING.search(clause):
        return None
    if lx.FUTURE_SETTING.search(clause) or lx.NEXT_SESSION_PLAN.search(clause.strip()):
        return None
    if lx.LEAFLET.search(clause) and not lx.LEAFLET_TASK.search(clause):
        return None
    if cues.CRISIS_PLAN.search(clause) or cues.OPTIONAL_IDEA.search(clause):
        return None
    if cues.TREATMENT_PLAN.search(clause):
        return None
    if (cues.GOAL_STATEMENT.search(clause) or cues.CONTACT_ARRANGEMENT.search(clause)) and not task:
        return None
    if lx.APPOINTMENT.search(clause) and not (task or planned):
        return None
    unpast = lx.PAST_REFERENCE.sub(" ", clause)
    if not (lx.ASSIGN.search(unpast) or planned or heading or _heading_with_plan(clause)):
        return None
    if lx.IN_SESSION.search(clause) and not _sets_for_later(clause):
        return None
    same = cues.SAME_TASK.search(clause)  # "same hw as last time" sets last time's task again
    if (_is_review_clause(clause) or cues.REPORTED_PRACTICE.search(clause)) and not (
        same or _sets_for_later(clause)
    ):
        return None
    if vague and not _concrete(clause):
        # A vague exhortation counts only when framed as homework ("Homework: keep trying").
        return "vague" if lx.HOMEWORK_FRAME.search(clause) else None
    return "task" if (task or action) else "vague"


def _heading_with_plan(clause: str) -> bool:
    match = cues.PLAN_HEADING.match(clause)
    return match is not None and bool(clause[match.end() :].strip(" .;"))


def _sets_for_later(clause: str) -> bool:
    return bool(lx.FOR_LATER.search(lx.PAST_REFERENCE.sub(" ", clause)))


def _concrete(clause: str) -> bool:
    stripped = lx.VAGUE.sub(" ", clause)
    return bool(lx.TASK.search(stripped) or lx.ACTION.search(stripped))


def _is_review_clause(clause: str) -> bool:
    if lx.REVIEW_STRONG.search(clause):
        return True
    past = lx.PAST_REFERENCE.search(clause)
    return bool(past) and bool(lx.REVIEW.search(clause))


def _field(lower: str) -> tuple[str, str] | None:
    match = lx.FIELD.match(lower)
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


def _field_finding(read: _Read | None, criterion: str) -> Finding | None:
    """The finding a template field states outright (yes/no), else None."""
    if read is None or read.field is None or read.field[0] != criterion:
        return None
    value = read.field[1]
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


def _lead_in(reads: list[_Read]) -> list[_Read]:
    """The sentence just before the first task set, when it explains: notes often give
    the reason first ("Reminded that avoidance keeps it going. She will re-read it ...")."""
    first = next((i for i, r in enumerate(reads) if r.sets), 0)
    if first == 0:
        return []
    before = reads[first - 1]
    explains = cues.EXPLANATION.search(before.lower) or lx.RATIONALE.search(before.lower)
    return [before] if explains and not (_other_topic(before) or _is_review(before)) else []


def _criterion(name: str, block: list[_Read]) -> Finding:
    if name == "specific":
        return _specific(block)
    patterns = [_PATTERNS[name], *_SHAPES.get(name, ())]
    for read in block:
        for clause in read.clauses:
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
        mentions = lx.TASK.search(clause) or lx.ABBREVIATED_TASK.search(read.sentence.text)
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


_NO_RISK_FOUND = re.compile(
    r"^(?:none|nil|no|low|no change|none (?:identified|disclosed|reported))$"
)
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
