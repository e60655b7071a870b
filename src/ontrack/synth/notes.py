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
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ontrack.fidelity.notes import CRITERIA as NOTE_CRITERIA

# The names only (a public format); the phrasing below never uses the classifier's lexicons.
LABELS = NOTE_CRITERIA
DEV_STYLES = ("prose", "terse", "soap", "template")
HELD_OUT_STYLES = ("bullets", "dictated", "typos")
COUNSELLING_THERAPIES = frozenset({"286711000000107", "314034001", "443730003", "1129471000000105"})
THERAPY_NAMES = {
    "304891004": "CBT",
    "748051000000105": "guided self-help",
    "748041000000107": "cCBT",
    "286711000000107": "counselling for depression",
    "1127281000000100": "applied relaxation",
    "443730003": "IPT",
}

# Phrase banks: (dev variants, held-out variants). {c} is the client's pronoun or name.
# A task: (words, is itself a record, verb phrase).
_TASKS: tuple[tuple[tuple[str, bool], ...], tuple[tuple[str, bool], ...]] = (
    (
        ("fill in a thought record", True),
        ("plan three enjoyable activities into her week", False),
        ("keep the activity diary", True),
        ("take the bus two stops as the next step on the exposure ladder", False),
        ("do the breathing exercise from the booklet", False),
        ("read chapter 3 of the self-help workbook", False),
        ("run the experiment of saying hello to a colleague", False),
    ),
    (
        ("use the 5-column thought log", True),
        ("stand in the supermarket queue without leaving", False),
        ("go through module 4 of the online course", False),
        ("postpone worries to a set 15-minute worry period", False),
        ("complete the sleep diary", True),
        ("practise progressive muscle relaxation", False),
        ("write down three things that went OK", True),
    ),
)
_WHEN = (
    (
        "every evening",
        "three times this week",
        "on Monday, Wednesday and Friday",
        "for 10 minutes each morning",
    ),
    (
        "twice daily",
        "after dinner each day",
        "4x over the week",
        "whenever she notices the urge to check",
    ),
)
_SET = (
    (
        "Agreed homework: {task}{when}.",
        "{C} will {task}{when} before we next meet.",
        "For homework {c} is going to {task}{when}.",
    ),
    (
        "Between-session task negotiated - {task}{when}.",
        "{C} committed to {task}{when}.",
        "Task for the coming week is to {task}{when}.",
    ),
)
_VAGUE_SET = (
    (
        "Homework: to keep going with things and see how it goes.",
        "Agreed task - try to be more positive this week.",
    ),
    ("Homework - carry on as before.", "Set homework of having a think about what we discussed."),
)
_RATIONALE = (
    (
        "The idea is to test whether her prediction comes true.",
        "We linked this to how mood follows activity, so she can see for herself.",
    ),
    (
        "Aim: gather evidence on whether the worst happens.",
        "Purpose explained - weakening the avoidance that keeps the fear going.",
    ),
)
_OBSTACLES = (
    (
        "We talked through what might get in the way and agreed a back-up time.",
        "{C} said it felt doable, though she may struggle after work.",
    ),
    (
        "Anticipated barrier: childcare - plan B is straight after the school run.",
        "{C} seemed hesitant but willing; confidence 6/10.",
    ),
)
_MONITORING = (
    (
        "{C} will rate anxiety 0-10 before and after each go.",
        "She'll tick it off when it's done and note how she felt.",
    ),
    ("To log SUDS at the start and end.", "Will bring the completed record next time."),
)
_WRITTEN = (
    ("Task written on the homework sheet for her to take away.", "Printed copy of the plan given."),
    (
        "Wrote the plan in her notebook together.",
        "Worksheet handed over and also uploaded to the portal.",
    ),
)
_REVIEW = {
    "done": (
        ("Reviewed last week's homework: completed most days.",),
        ("Feedback on the task from last time - fully done and found useful.",),
    ),
    "partly": (
        ("Went through last week's task: managed about half of it.",),
        ("HW check: partly done, stopped midweek.",),
    ),
    "not_done": (
        ("Reviewed homework - not done because of work pressures.",),
        ("Task set previously wasn't attempted; we looked at what got in the way.",),
    ),
}
_RISK_ROUTINE = (
    ("Risk reviewed: no thoughts of harming herself.", "Denies suicidal ideation."),
    (
        "No SI/SH disclosed when asked.",
        "Asked about self-harm - none, protective factors are her kids.",
    ),
)
_RISK_POSITIVE = (
    (
        "Reports fleeting thoughts of not wanting to be here, no plan or intent; "
        "safety plan updated.",
    ),
    ("Q9 positive - passive wish to be dead, no intent, crisis numbers given.",),
)
_GOALS = (
    ("Goals rated {a}/10 and {b}/10.", "Reviewed progress towards her goals ({a}/10)."),
    ("GBO: {a}, {b}.", "Progress on her aims for therapy rated {a}/10."),
)
# Distractors: (text, labels they carry).
_NOT_HOMEWORK = (
    (
        ("Talked about why homework matters in CBT.", ()),
        ("No homework this week as she was unwell.", ()),
        ("Didn't agree any tasks today.", ()),
        ("Will set a thought record next session.", ()),
        ("Gave a leaflet on sleep hygiene.", ()),
        ("Safety plan completed together and a copy given.", ("risk_discussed",)),
        ("Encouraged her to look after herself.", ()),
        ("Practised slow breathing together in session.", ()),
    ),
    (
        ("Client asked what homework involves; explained briefly.", ()),
        ("HW: none set.", ()),
        ("Nothing agreed for between sessions - client overwhelmed.", ()),
        ("Next session: introduce worry time.", ()),
        ("Signposted to a charity website and gave the panic information sheet.", ()),
        ("Crisis numbers shared and safety plan reviewed.", ("risk_discussed",)),
        ("Suggested he tries to be kinder to himself.", ()),
        ("Completed a thought log jointly in the session to learn the format.", ()),
    ),
)
_NOT_RISK = (
    ("Discussed the risk of relapse over Christmas.",),
    ("Talked about her relapse risk once sessions end.",),
)
_NOT_GOALS = (("Goals to be agreed next session.",), ("Will set goals at the next appointment.",))
_NOT_REVIEW = (
    ("No homework to review as none was set last time.",),
    ("Nothing set previously, so nothing to look back on.",),
)
_OPENERS = (
    (
        "{C} reports a difficult week with low mood.",
        "Mood a bit brighter, sleeping better.",
        "{C} arrived on time and engaged well.",
    ),
    (
        "Week dominated by worry about work.",
        "Presented as flat, slower speech.",
        "Attended by phone from home.",
    ),
)
_COUNSELLING = (
    (
        "{C} explored feelings of loss and guilt.",
        "Reflected on her relationship with her mother.",
        "Space offered to talk about the anger.",
    ),
    (
        "Session centred on what the bereavement has meant for her.",
        "She connected with sadness about the past.",
        "Worked with her sense of being unheard.",
    ),
)
_TERSE = (
    ("client", "pt"),
    ("Client", "Pt"),
    ("homework", "hw"),
    ("Homework", "HW"),
    ("thought record", "TR"),
    ("session", "sess"),
    ("week", "wk"),
    ("with", "w/"),
    ("before", "b4"),
    (" and ", " & "),
    ("minutes", "mins"),
    ("anxiety", "anx"),
    ("activity", "act"),
)


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
    if rng.random() < 0.12:
        parts.homework.append(_pick(rng, _VAGUE_SET[bank]))
        parts.fields["specific"] = False
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
