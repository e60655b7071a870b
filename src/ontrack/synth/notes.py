"""Labelled synthetic session notes, written from a simulated (or any canonical) dataset.

For every attended treatment contact a note is written from what the dataset says happened
there: homework set (and how many of Beck's criteria its plan met), homework reviewed (and
its outcome), goal ratings, and the PHQ-9 risk item. Each note carries the labels of what
its words actually say, for validating ``ontrack.fidelity.notes``.

The phrasing here is deliberately written apart from the classifier's lexicons, and every
phrase bank and note style is split in two: *dev* (used while building the rules) and
*held-out* (never looked at while building them; docs/fidelity.md reports both). Tricky
cases are planted: the word "homework" with nothing agreed, vague tasks, negations, plans
for later, leaflets, safety plans, practice done only in the session, counselling notes.

Not hooked into ``ontrack simulate``: run ``python -m ontrack.synth.notes DATASET OUT.jsonl``.

>>> from ontrack.synth import simulate
>>> notes = write_notes(simulate(referrals=40, seed=3), seed=1)
>>> sorted(notes[0].labels)[:3]
['goals_discussed', 'homework_set', 'monitoring']
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ontrack.fidelity.notes import CRITERIA as NOTE_CRITERIA
from ontrack.synth import note_phrases as ph

# The names only (a public format); the phrasing below never uses the classifier's lexicons.
LABELS = NOTE_CRITERIA
DEV_STYLES = ("prose", "terse", "soap", "template", "dap")
HELD_OUT_STYLES = ("bullets", "dictated", "typos", "epr")
COUNSELLING_THERAPIES = frozenset({"286711000000107", "314034001", "443730003", "1129471000000105"})
THERAPY_NAMES = {
    "304891004": "CBT",
    "748051000000105": "guided self-help",
    "748041000000107": "cCBT",
    "286711000000107": "counselling for depression",
    "1127281000000100": "applied relaxation",
    "443730003": "IPT",
}

_TASKS, _WHEN, _SET, _VAGUE_SET = ph.TASKS, ph.WHEN, ph.SET, ph.VAGUE_SET
_RATIONALE, _OBSTACLES, _MONITORING, _WRITTEN = (
    ph.RATIONALE,
    ph.OBSTACLES,
    ph.MONITORING,
    ph.WRITTEN,
)
_REVIEW, _RISK_ROUTINE, _RISK_POSITIVE, _GOALS = (
    ph.REVIEW,
    ph.RISK_ROUTINE,
    ph.RISK_POSITIVE,
    ph.GOALS,
)
_NOT_HOMEWORK, _NOT_RISK, _NOT_GOALS, _NOT_REVIEW = (
    ph.NOT_HOMEWORK,
    ph.NOT_RISK,
    ph.NOT_GOALS,
    ph.NOT_REVIEW,
)
_OPENERS, _COUNSELLING, _TERSE = ph.OPENERS, ph.COUNSELLING, ph.TERSE
# A fragment that says how often or when: with a concrete task, the plan is specific.
_TIMED = re.compile(r"\b(?:each|every|daily|twice|times|weekend|straight after)\b|\b\d+x\b")


@dataclass
class LabelledNote:
    """A note, where it came from, and what its words say."""

    id: str
    contact_id: str
    style: str
    split: str
    therapy: str | None
    note: str
    labels: dict[str, bool] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """One JSON Lines record."""
        return {
            "id": self.id,
            "contact_id": self.contact_id,
            "style": self.style,
            "split": self.split,
            "therapy": self.therapy,
            "note": self.note,
            "labels": self.labels,
        }


@dataclass
class _Parts:
    """The fragments of one note, in order, with the labels they carry."""

    opener: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    homework: list[str] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)
    fields: dict[str, bool] = field(default_factory=dict)


def write_notes(tables: Mapping[str, pa.Table], *, seed: int) -> list[LabelledNote]:
    """Write one labelled note per attended treatment contact of ``tables``."""
    rng = random.Random(seed)
    homework_set, homework_reviewed = _homework_by_contact(tables["homework"])
    goals = _goals_by_contact(tables["goal_rating"])
    risk, scores = _scores_by_contact(tables["score"])
    notes: list[LabelledNote] = []
    for contact in tables["contact"].to_pylist():
        if contact["app_type"] not in ("02", "03", "05") or contact["attendance"] not in ("5", "6"):
            continue
        style = _style(rng, contact["therapist_id"] or "")
        bank = 0 if style in DEV_STYLES else 1
        counselling = contact["therapy"] in COUNSELLING_THERAPIES or rng.random() < 0.08
        cid = contact["contact_id"]
        parts = _Parts()
        parts.opener.append(_pick(rng, (_COUNSELLING if counselling else _OPENERS)[bank]))
        parts.measures.extend(scores.get(cid, []))
        _add_review(rng, parts, bank, homework_reviewed.get(cid), contact["session_number"] or 1)
        if cid in homework_set:
            _add_homework(rng, parts, bank, homework_set[cid])
        elif rng.random() < (0.8 if counselling else 0.5):
            text, labels = _pick(rng, _NOT_HOMEWORK[bank])
            parts.homework.append(text)
            parts.labels.update(labels)
            parts.fields["homework_set"] = False
        else:
            parts.fields["homework_set"] = False
        _add_risk(rng, parts, bank, cid in risk)
        _add_goals(rng, parts, bank, goals.get(cid))
        text = _render(rng, style, parts)
        labels = {name: name in parts.labels for name in LABELS}
        if not labels["homework_set"]:
            labels.update(dict.fromkeys(LABELS[1:6], False))
        therapy = THERAPY_NAMES.get(contact["therapy"] or "", contact["therapy"])
        split = "dev" if style in DEV_STYLES else "held_out"
        notes.append(
            LabelledNote(f"N{len(notes) + 1:06d}", cid, style, split, therapy, text, labels)
        )
    return notes


def _style(rng: random.Random, therapist: str) -> str:
    """Each therapist has a habitual style (two in three notes), else any style."""
    styles = DEV_STYLES + HELD_OUT_STYLES
    habitual = styles[sum(map(ord, therapist)) % len(styles)]
    return habitual if rng.random() < 0.67 else rng.choice(styles)


def _pick(rng: random.Random, options: Sequence[Any]) -> Any:
    return options[rng.randrange(len(options))]


def _homework_by_contact(
    table: pa.Table,
) -> tuple[dict[str, int], dict[str, str | None]]:
    set_at: dict[str, int] = {}
    reviewed_at: dict[str, str | None] = {}
    for row in table.to_pylist():
        set_at[row["set_contact_id"]] = max(
            set_at.get(row["set_contact_id"], 0), row["criteria_met"]
        )
        if row["reviewed_contact_id"] is not None:
            reviewed_at[row["reviewed_contact_id"]] = row["outcome"]
    return set_at, reviewed_at


def _goals_by_contact(table: pa.Table) -> dict[str, list[int]]:
    ratings: dict[str, list[int]] = defaultdict(list)
    for row in table.to_pylist():
        ratings[row["contact_id"]].append(row["rating"])
    return ratings


def _scores_by_contact(table: pa.Table) -> tuple[set[str], dict[str, list[str]]]:
    risk: set[str] = set()
    scores: dict[str, list[str]] = defaultdict(list)
    for row in table.to_pylist():
        if row["measure"] in ("PHQ-9", "GAD-7"):
            scores[row["contact_id"]].append(f"{row['measure']} {row['total']:g}")
        items = (row["items"] or "").split(",")
        if row["measure"] == "PHQ-9" and len(items) == 9 and items[8] not in ("-", "0"):
            risk.add(row["contact_id"])
    return risk, scores


def _add_review(
    rng: random.Random, parts: _Parts, bank: int, outcome: str | bool | None, session: int
) -> None:
    if outcome is not None or (session > 1 and outcome is None and rng.random() < 0.0):
        key = outcome if isinstance(outcome, str) else "done"
        parts.review.append(_pick(rng, _REVIEW[key][bank]))
        parts.labels.add("previous_homework_reviewed")
        parts.fields["previous_homework_reviewed"] = True
    elif session > 1 and rng.random() < 0.25:
        parts.review.append(_pick(rng, _NOT_REVIEW[bank]))
        parts.fields["previous_homework_reviewed"] = False


def _add_homework(rng: random.Random, parts: _Parts, bank: int, criteria_met: int) -> None:
    """Homework set: a task, and those of Beck's six criteria the plan met."""
    parts.labels.add("homework_set")
    parts.fields["homework_set"] = True
    beck = rng.sample(
        ("behaviour", "rationale", "coping", "monitoring", "reaction", "obstacles"), criteria_met
    )
    chance = rng.random()
    if chance < 0.12:
        parts.homework.append(_pick(rng, _VAGUE_SET[bank]))
        parts.fields["specific"] = False
    elif chance < 0.2:
        text, is_record = _pick(rng, ph.CONTINUE_SET[bank])
        parts.homework.append(text)
        parts.fields["specific"] = False
        if is_record:
            parts.labels.add("monitoring")
    else:
        task, is_record = _pick(rng, _TASKS[bank])
        when = " " + _pick(rng, _WHEN[bank]) if "behaviour" in beck else ""
        template = _pick(rng, _SET[bank])
        parts.homework.append(template.format(task=task, when=when, c="{c}", C="{C}"))
        parts.fields["specific"] = bool(when)
        if when:
            parts.labels.add("specific")
        if is_record:
            parts.labels.add("monitoring")
    for name, bank_phrases, label in (
        ("rationale", _RATIONALE, "rationale"),
        ("coping", _OBSTACLES, "obstacles_and_coping"),
        ("monitoring", _MONITORING, "monitoring"),
    ):
        present = name in beck or (name == "coping" and ("reaction" in beck or "obstacles" in beck))
        parts.fields[label] = present or label in parts.labels
        if present:
            parts.homework.append(_pick(rng, bank_phrases[bank]))
            parts.labels.add(label)
    if rng.random() < 0.5:
        parts.homework.append(_pick(rng, _WRITTEN[bank]))
        parts.labels.add("written")
    parts.fields["written"] = "written" in parts.labels
    concrete = chance >= 0.12  # not a vague "keep going"
    if concrete and any(_TIMED.search(text) for text in parts.homework[1:]):
        parts.labels.add("specific")  # "rate anxiety before and after each go": how often
        parts.fields["specific"] = True


def _add_risk(rng: random.Random, parts: _Parts, bank: int, positive: bool) -> None:
    if positive:
        parts.measures.append(_pick(rng, _RISK_POSITIVE[bank]))
    elif rng.random() < 0.55:
        parts.measures.append(_pick(rng, _RISK_ROUTINE[bank]))
    else:
        if rng.random() < 0.25:
            parts.measures.append(_pick(rng, _NOT_RISK[bank]))
        parts.fields.setdefault("risk_discussed", False)
        return
    parts.labels.add("risk_discussed")
    parts.fields["risk_discussed"] = True


def _add_goals(rng: random.Random, parts: _Parts, bank: int, ratings: list[int] | None) -> None:
    if ratings and rng.random() < 0.85:
        a, b = ratings[0], ratings[-1]
        parts.measures.append(_pick(rng, _GOALS[bank]).format(a=a, b=b))
        parts.labels.add("goals_discussed")
        parts.fields["goals_discussed"] = True
    elif rng.random() < 0.12:
        parts.measures.append(_pick(rng, _NOT_GOALS[bank]))
        parts.fields["goals_discussed"] = False


def _render(rng: random.Random, style: str, parts: _Parts) -> str:
    """Lay the fragments out in ``style``."""
    name = rng.choice(("Client", "She", "Pt", "Jo"))
    body = parts.opener + parts.review + parts.measures + parts.homework
    sentences = [
        s.replace("{C}", name).replace("{c}", "she" if name != "Jo" else "Jo") for s in body
    ]
    if style == "terse":
        return " ".join(_terse(s) for s in sentences)
    if style == "soap":
        subjective = " ".join(sentences[: len(parts.opener) + len(parts.review)])
        middle = sentences[len(parts.opener) + len(parts.review) : len(body) - len(parts.homework)]
        plan = " ".join(sentences[len(body) - len(parts.homework) :]) or "Continue as planned."
        objective = " ".join(middle) or "Scores not completed."
        return f"S: {subjective}\nO: {objective}\nA: Engaged.\nP: {plan}"
    if style == "template":
        return _template(sentences, parts)
    if style == "dap":
        return _dap(sentences, parts)
    if style == "epr":
        return _epr(sentences, parts)
    if style == "bullets":
        return "\n".join(f"- {s.rstrip('.')}" for s in sentences)
    if style == "dictated":
        joined = " and ".join(_lower_first(s.rstrip(".")) for s in sentences[1:])
        return (
            f"Saw her today. {sentences[0]} We {joined}."
            if joined
            else f"Saw her today. {sentences[0]}"
        )
    if style == "typos":
        return " ".join(_typos(rng, s) for s in sentences)
    return " ".join(sentences)


def _template(sentences: list[str], parts: _Parts) -> str:
    def yn(name: str) -> str:
        return "Y" if parts.fields.get(name) else "N"

    n_open, n_review = len(parts.opener), len(parts.review)
    n_hw = len(parts.homework)
    lines = [f"Presentation: {' '.join(sentences[:n_open])}"]
    if n_review:
        lines.append(f"Review of last task: {' '.join(sentences[n_open : n_open + n_review])}")
    lines.append(
        f"Scores and risk: {' '.join(sentences[n_open + n_review : len(sentences) - n_hw])}"
    )
    lines.append(f"Homework set: {yn('homework_set')}")
    if n_hw:
        lines.append(f"Details: {' '.join(sentences[len(sentences) - n_hw :])}")
    if parts.fields.get("homework_set"):
        lines.append(f"Written copy given: {yn('written')}")
    return "\n".join(lines)


def _sections(sentences: list[str], parts: _Parts) -> tuple[str, str, str]:
    """The note's words as (what the client brought, measures and risk, the plan)."""
    n_start = len(parts.opener) + len(parts.review)
    n_plan = len(parts.homework)
    return (
        " ".join(sentences[:n_start]),
        " ".join(sentences[n_start : len(sentences) - n_plan]),
        " ".join(sentences[len(sentences) - n_plan :]),
    )


def _dap(sentences: list[str], parts: _Parts) -> str:
    """Data, assessment, plan: the layout some services use instead of SOAP."""
    data, measures, plan = _sections(sentences, parts)
    return f"D: {data} {measures}".rstrip() + f"\nA: Engaged.\nP: {plan or 'Next appt booked.'}"


def _epr(sentences: list[str], parts: _Parts) -> str:
    """An electronic-record form: headed fields, some left at their default."""
    data, measures, plan = _sections(sentences, parts)
    lines = [f"Contact type: {'Video' if len(data) % 2 else 'Telephone'}", f"Summary: {data}"]
    lines.append(f"Measures/risk: {measures or 'Not completed'}")
    lines.append(f"Between-session work: {plan or 'N/A'}")
    return "\n".join(lines)


def _lower_first(sentence: str) -> str:
    if len(sentence) > 1 and sentence[1].islower():
        return sentence[0].lower() + sentence[1:]
    return sentence


def _terse(sentence: str) -> str:
    for long, short in _TERSE:
        sentence = sentence.replace(long, short)
    return sentence


def _typos(rng: random.Random, sentence: str) -> str:
    """Swap or drop a letter in some longer words, as hurried typing does."""
    words = sentence.split(" ")
    for i, word in enumerate(words):
        if len(word) >= 6 and word.isalpha() and rng.random() < 0.15:
            j = rng.randrange(1, len(word) - 2)
            words[i] = (
                word[:j] + word[j + 1] + word[j] + word[j + 2 :]
                if rng.random() < 0.5
                else word[:j] + word[j + 1 :]
            )
    return " ".join(words)


def main(argv: Sequence[str] | None = None) -> int:
    """Write labelled notes for a canonical dataset as JSON Lines."""
    parser = argparse.ArgumentParser(
        prog="python -m ontrack.synth.notes",
        description="Write one labelled note per attended treatment contact of a dataset.",
    )
    parser.add_argument("dataset", type=Path, help="a canonical dataset directory")
    parser.add_argument("out", type=Path, help="the JSON Lines file to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    from ontrack.dataset import DatasetError, read_dataset

    try:
        tables = read_dataset(args.dataset)
    except DatasetError as exc:
        print(f"{args.dataset}: {exc}", file=sys.stderr)
        return 2
    notes = write_notes(tables, seed=args.seed)
    with args.out.open("w", encoding="utf-8") as out:
        for note in notes:
            out.write(json.dumps(note.to_dict()) + "\n")
    print(f"{args.out}: {len(notes)} notes", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
