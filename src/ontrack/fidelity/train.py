"""Train the sentence model (``ontrack.fidelity.model``) and measure it under cross-validation.

Training data: notes labelled by hand, one JSON object a line with ``note``, ``labels``
and ``evidence`` (the format of tests/data/fidelity/README.md). A sentence is a positive
example of a criterion when it overlaps the quoted evidence for it. Training is
deterministic (lbfgs, fixed fold seeds): the same notes give the same weights.

    python -m ontrack.fidelity.train tests/data/fidelity/independent_dev.jsonl \\
        tests/data/fidelity/independent_holdout.jsonl \\
        tests/data/fidelity/independent_holdout_b.jsonl \\
        --out src/ontrack/fidelity/data/sentence_model.npz
    python -m ontrack.fidelity.train tests/data/fidelity/independent_dev.jsonl --cv
    python -m ontrack.fidelity.train LABELLED.jsonl --score    # score only, no training

A file whose name says "holdout" is refused for training and cross-validation, except the
two sets in ``NO_LONGER_BLIND``: they were scored blind once and have since been used as
development sets (docs/fidelity.md). ``--score`` (the shipped classifier, nothing fitted) is
the one use of a blind test set such as ``independent_holdout_c.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ontrack.fidelity.model import SentenceModel, analyse, save_model
from ontrack.fidelity.notes import CRITERIA, classify_note
from ontrack.fidelity.text import normalise, split_sentences

C = 4.0  # inverse L2 strength: chosen under cross-validation (docs/fidelity.md)
MIN_DF = 2
_DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "fidelity"
# Scored blind once each, then opened for error analysis: no longer blind, so they may be
# trained on. Matched by full path, so that any other file named "holdout" stays refused.
NO_LONGER_BLIND = frozenset(
    {_DATA / "independent_holdout.jsonl", _DATA / "independent_holdout_b.jsonl"}
)


@dataclass(frozen=True)
class LabelledNote:
    """A hand-labelled note: its text, a label per criterion and the quoted evidence."""

    id: str
    note: str
    labels: dict[str, bool]
    evidence: dict[str, str | None]


def read_labelled(path: Path, *, for_training: bool = True) -> list[LabelledNote]:
    """Read labelled notes (JSON Lines); refuse a blind test set for training."""
    seen = path.resolve() in NO_LONGER_BLIND
    if for_training and "holdout" in path.name.lower() and not seen:
        raise ValueError(f"{path}: a holdout set is for the blind test only, not for training")
    notes = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            notes.append(LabelledNote(row["id"], row["note"], row["labels"], row["evidence"]))
    return notes


def sentence_examples(notes: Sequence[LabelledNote]) -> tuple[list[str], dict[str, list[bool]]]:
    """Each sentence (normalised) and, per criterion, whether it overlaps the evidence."""
    texts: list[str] = []
    targets: dict[str, list[bool]] = {name: [] for name in CRITERIA}
    for labelled in notes:
        for sentence in split_sentences(labelled.note):
            texts.append(normalise(sentence.text))
            end = sentence.start + len(sentence.text)
            for name in CRITERIA:
                quoted = labelled.evidence.get(name)
                at = labelled.note.find(quoted) if quoted else -1
                targets[name].append(
                    at >= 0 and at < end and at + len(quoted or "") > sentence.start
                )
    return texts, targets


def train(notes: Sequence[LabelledNote]) -> SentenceModel:
    """Fit the vocabulary and one logistic regression per criterion."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, targets = sentence_examples(notes)
    vectoriser = TfidfVectorizer(
        analyzer=analyse, sublinear_tf=True, min_df=MIN_DF, lowercase=False
    )
    matrix = vectoriser.fit_transform(texts)
    columns, intercepts = [], []
    for name in CRITERIA:
        regression = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
        regression.fit(matrix, np.array(targets[name]))
        columns.append(regression.coef_[0])
        intercepts.append(regression.intercept_[0])
    return SentenceModel(
        vocabulary={str(t): int(i) for t, i in vectoriser.vocabulary_.items()},
        idf=np.asarray(vectoriser.idf_, dtype=np.float64),
        coef=np.column_stack(columns),
        intercept=np.array(intercepts),
        criteria=CRITERIA,
    )


def cross_validate(
    notes: Sequence[LabelledNote], *, folds: int = 5, repeats: int = 3, seed: int = 0
) -> dict[str, dict[str, dict[str, float]]]:
    """P/R/F1 per criterion, averaged over ``repeats`` shuffled ``folds``-fold splits, for
    the rules alone, and the rules with a model trained without the scored fold."""
    from sklearn.model_selection import KFold

    totals: dict[str, dict[str, list[int]]] = {
        kind: {name: [0, 0, 0] for name in CRITERIA} for kind in ("rules", "hybrid")
    }
    rules = [classify_note(n.note, model=None) for n in notes]
    for repeat in range(repeats):
        splitter = KFold(folds, shuffle=True, random_state=seed + repeat)
        for train_rows, test_rows in splitter.split(list(notes)):
            model = train([notes[i] for i in train_rows])
            for i in test_rows:
                hybrid = classify_note(notes[i].note, model=model)
                for kind, result in (("rules", rules[i]), ("hybrid", hybrid)):
                    for name in CRITERIA:
                        _count(totals[kind][name], result.value(name), notes[i].labels[name])
    return {kind: {n: _scores(*c) for n, c in by.items()} for kind, by in totals.items()}


def score(notes: Sequence[LabelledNote]) -> dict[str, dict[str, float]]:
    """P/R/F1 per criterion of the shipped classifier (rules and model) on ``notes``."""
    counts = {name: [0, 0, 0] for name in CRITERIA}
    for labelled in notes:
        result = classify_note(labelled.note)
        for name in CRITERIA:
            _count(counts[name], result.value(name), labelled.labels[name])
    return {name: _scores(*c) for name, c in counts.items()}


def _count(counts: list[int], predicted: bool, truth: bool) -> None:
    counts[0] += predicted and truth
    counts[1] += predicted and not truth
    counts[2] += truth and not predicted


def _scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def main(argv: Sequence[str] | None = None) -> int:
    """Train and save the model, or print cross-validated figures."""
    parser = argparse.ArgumentParser(prog="python -m ontrack.fidelity.train", description=__doc__)
    parser.add_argument("notes", type=Path, nargs="+", help="labelled notes, JSON Lines")
    parser.add_argument("--out", type=Path, help="write the trained model here (.npz)")
    parser.add_argument("--cv", action="store_true", help="print cross-validated figures")
    parser.add_argument(
        "--score",
        action="store_true",
        help="only score the shipped classifier on NOTES (the one use for a holdout file)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="cross-validation repeats (3)")
    args = parser.parse_args(argv)
    notes: list[LabelledNote] = []
    for path in args.notes:
        try:
            notes += read_labelled(path, for_training=not args.score)
        except (OSError, ValueError, KeyError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 2
    if args.score:
        if args.out or args.cv:
            print("--score cannot be combined with --out or --cv", file=sys.stderr)
            return 2
        _print({"shipped": score(notes)})
        return 0
    if args.out:
        save_model(train(notes), args.out)
        print(f"{args.out}: trained on {len(notes)} notes", file=sys.stderr)
    if args.cv:
        _print(cross_validate(notes, repeats=args.repeats))
    return 0


def _print(report: dict[str, dict[str, dict[str, float]]]) -> None:
    for kind, by in report.items():
        for name, s in by.items():
            print(
                f"{kind:7s} {name:27s} P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}"
            )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
