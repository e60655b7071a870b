"""The sentence model: shipped weights, their training, and the rules' last word."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ontrack.fidelity.model import MODEL_PATH, analyse, load_model, save_model
from ontrack.fidelity.notes import CRITERIA, classify_note
from ontrack.fidelity.train import main as train_main
from ontrack.fidelity.train import read_labelled, sentence_examples, train

DATA = Path(__file__).parents[2] / "data" / "fidelity"
DEV = DATA / "independent_dev.jsonl"
# The shipped model's training notes: the dev set and the two holdouts scored blind once and
# then opened as development sets (docs/fidelity.md). holdout_c is never trained on.
TRAINING = [DEV, DATA / "independent_holdout.jsonl", DATA / "independent_holdout_b.jsonl"]


def test_shipped_model_is_small_and_covers_every_criterion() -> None:
    model = load_model()

    assert MODEL_PATH.stat().st_size < 5_000_000
    assert model.criteria == CRITERIA
    assert model.coef.shape == (len(model.vocabulary), len(CRITERIA))


def test_analyse_gives_words_pairs_and_character_grams() -> None:
    features = analyse("hw daily")

    assert {"w hw", "w daily", "b hw daily", "c h", "c hw ", "cdaily"} <= set(features)


def test_model_scores_a_homework_sentence_above_small_talk() -> None:
    model = load_model()

    scores = model.probabilities(["Agreed she will keep a thought record daily.", "Mood low."])

    column = model.index("homework_set")
    assert scores[0, column] > 0.5 > scores[1, column]


def test_save_and_load_model_round_trip(tmp_path: Path) -> None:
    model = load_model()
    path = tmp_path / "model.npz"

    save_model(model, path)
    again = load_model(path)

    assert again.vocabulary == model.vocabulary
    assert np.allclose(again.coef, model.coef)


def test_training_refuses_the_blind_holdout_c() -> None:
    with pytest.raises(ValueError, match="holdout"):
        read_labelled(DATA / "independent_holdout_c.jsonl")
    assert train_main([str(DEV), str(DATA / "independent_holdout_c.jsonl")]) == 2


def test_training_refuses_a_holdout_file(tmp_path: Path) -> None:
    holdout = tmp_path / "independent_holdout.jsonl"
    holdout.write_text("")

    with pytest.raises(ValueError, match="holdout"):
        read_labelled(holdout)
    assert train_main([str(holdout)]) == 2
    assert train_main([str(holdout), "--cv"]) == 2


def test_score_prints_figures_for_a_labelled_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "sample_holdout.jsonl"
    sample.write_text("\n".join(DEV.read_text().splitlines()[:5]) + "\n")

    status = train_main([str(sample), "--score"])

    out = capsys.readouterr().out
    assert status == 0
    assert out.count("shipped") == len(CRITERIA)


def test_sentence_examples_mark_the_quoted_sentence() -> None:
    notes = read_labelled(DEV)[:1]

    texts, targets = sentence_examples(notes)

    assert len(texts) == len(targets["homework_set"])
    assert any(targets["homework_set"])
    assert not all(targets["homework_set"])


@pytest.mark.slow
def test_shipped_model_is_rebuilt_by_training_on_its_notes() -> None:
    shipped = load_model()

    rebuilt = train([note for path in TRAINING for note in read_labelled(path)])

    assert rebuilt.vocabulary == shipped.vocabulary
    assert np.allclose(rebuilt.coef, shipped.coef, atol=1e-4)
    assert np.allclose(rebuilt.intercept, shipped.intercept, atol=1e-4)


@pytest.mark.parametrize(
    "note",
    [
        "No homework set today. She will keep the thought record daily.",
        "Will set a thought record next session.",
        "Safety plan completed together; she agreed to ring 111 if the thoughts get stronger.",
        "Gave a leaflet about sleep for information.",
        "Homework: N/A",
    ],
)
def test_model_never_overrules_a_negation_or_plan_for_later(note: str) -> None:
    assert not classify_note(note).value("homework_set")
