"""Agreement with the notes written independently by hand (tests/data/fidelity/README.md).

Only the dev file is read here; the holdout file is the lead's blind test and is never
opened by tests, training or tuning. The rules were revised while reading the dev notes, so
the rules-alone figures below are in-sample: they guard against regressions, they do not
show generalisation. The cross-validated test trains the sentence model without the fold
it scores, which is the honest figure for the model's part (docs/fidelity.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ontrack.fidelity.notes import CRITERIA, HOMEWORK_CRITERIA, classify_note
from ontrack.fidelity.train import LabelledNote, cross_validate, read_labelled

DEV = Path(__file__).parents[2] / "data" / "fidelity" / "independent_dev.jsonl"
TARGET = {name: (0.90 if name == "homework_set" else 0.80) for name in CRITERIA}
# Cross-validated F1 of the rules with the sentence model (5 folds, one shuffle), as
# measured over three shuffles (docs/fidelity.md) less about 0.03 for the spread of one shuffle.
CROSS_VALIDATED_FLOOR = {
    "homework_set": 0.93,
    "specific": 0.88,
    "rationale": 0.82,
    "obstacles_and_coping": 0.84,
    "monitoring": 0.90,
    "written": 0.92,
    "previous_homework_reviewed": 0.85,
    "risk_discussed": 0.96,
    "goals_discussed": 0.86,
}


@pytest.fixture(scope="module")
def dev_notes() -> list[LabelledNote]:
    return read_labelled(DEV)


def f1(notes: list[LabelledNote], name: str) -> float:
    tp = fp = fn = 0
    for labelled in notes:
        predicted = classify_note(labelled.note, model=None).value(name)
        truth = labelled.labels[name]
        tp += predicted and truth
        fp += predicted and not truth
        fn += truth and not predicted
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


@pytest.mark.parametrize("name", CRITERIA)
def test_rules_alone_on_independent_dev_reach_target(
    dev_notes: list[LabelledNote], name: str
) -> None:
    assert f1(dev_notes, name) >= TARGET[name]


def test_independent_dev_labels_keep_homework_criteria_false_without_homework(
    dev_notes: list[LabelledNote],
) -> None:
    for labelled in dev_notes:
        result = classify_note(labelled.note)

        assert result.value("homework_set") or not any(
            result.value(name) for name in HOMEWORK_CRITERIA
        )
        for name in CRITERIA:
            assert result.evidence(name) is None or result.evidence(name) in labelled.note


@pytest.mark.slow
def test_rules_with_model_cross_validated_on_independent_dev(
    dev_notes: list[LabelledNote],
) -> None:
    scores = cross_validate(dev_notes, folds=5, repeats=1, seed=0)["hybrid"]

    below = {n: round(s["f1"], 3) for n, s in scores.items() if s["f1"] < CROSS_VALIDATED_FLOOR[n]}
    assert below == {}
