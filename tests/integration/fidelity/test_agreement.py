"""Agreement of the notes classifier with the labelled synthetic notes (targets of issue 17)."""

from __future__ import annotations

import pytest

from ontrack.fidelity.notes import classify_note
from ontrack.synth import simulate
from ontrack.synth.notes import LABELS, write_notes

TARGET = {name: (0.90 if name == "homework_set" else 0.80) for name in LABELS}


@pytest.fixture(scope="module")
def labelled() -> list:
    return write_notes(simulate(referrals=300, seed=11, therapists=14), seed=5)


def f1(notes: list, name: str) -> float:
    tp = fp = fn = 0
    for note in notes:
        predicted, truth = classify_note(note.note).value(name), note.labels[name]
        tp += predicted and truth
        fp += predicted and not truth
        fn += truth and not predicted
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


@pytest.mark.parametrize("split", ["dev", "held_out"])
@pytest.mark.parametrize("name", LABELS)
def test_agreement_reaches_target(labelled: list, split: str, name: str) -> None:
    notes = [n for n in labelled if n.split == split]

    assert f1(notes, name) >= TARGET[name]


def test_labelled_set_has_every_style_and_tricky_case(labelled: list) -> None:
    styles = {n.style for n in labelled}
    texts = " ".join(n.note for n in labelled)

    assert styles == {
        "prose",
        "terse",
        "soap",
        "template",
        "dap",
        "bullets",
        "dictated",
        "typos",
        "epr",
    }
    assert "Will set a thought record next session." in texts
    assert "safety plan" in texts.lower()
    assert "if she feels like it" in texts  # an optional idea, not homework
    assert "waiting list" in texts  # the choice of treatment, not homework
