"""Compare sentence models for the notes classifier under cross-validation (ADR 0071).

TF-IDF (the shipped features), wordllama embeddings, and both, each a logistic regression per
criterion on the hand-labelled dev notes; 5-fold cross-validation, mean F1 over shuffles.
wordllama is not a dependency: install it in a scratch folder and put it on PYTHONPATH.

    pip install --target /tmp/wlt --no-deps wordllama==0.4.0.post1 tokenizers safetensors toml
    pip install --target /tmp/wlt requests pydantic
    flock /tmp/ontrack-bench.lock env PYTHONPATH=src:/tmp/wlt .venv/bin/python \\
        bench/fidelity_sentence_models.py tests/data/fidelity/independent_dev.jsonl \\
        [--first-rules RULES.json]

--first-rules: {note id: {criterion: bool}} from the first version of the rules (commit
0595ae9), to score "rules OR model at p >= 0.7" as well.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from ontrack.fidelity.model import analyse
from ontrack.fidelity.notes import CRITERIA
from ontrack.fidelity.text import normalise, split_sentences
from ontrack.fidelity.train import read_labelled, sentence_examples


def _embedder() -> Any:
    import wordllama
    from wordllama import WordLlama

    # Its own lookup of the bundled tokenizer misses; point the cache at the package.
    return WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def _f1(predicted: list[bool], truth: list[bool]) -> float:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    wrong = sum(p != t for p, t in zip(predicted, truth, strict=True))
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notes", type=Path)
    parser.add_argument("--first-rules", type=Path)
    parser.add_argument("--shuffles", type=int, default=2)
    args = parser.parse_args()
    notes = read_labelled(args.notes)
    sentences = [split_sentences(n.note) for n in notes]
    embed = _embedder()
    vectors = [embed.embed([s.text for s in ss]) if ss else np.zeros((0, 256)) for ss in sentences]
    kinds = ("tfidf", "wordllama", "both")
    best = {k: {c: np.zeros((args.shuffles, len(notes))) for c in CRITERIA} for k in kinds}
    for shuffle in range(args.shuffles):
        for train_rows, test_rows in KFold(5, shuffle=True, random_state=shuffle).split(notes):
            texts, targets = sentence_examples([notes[i] for i in train_rows])
            tfidf = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, min_df=2, lowercase=False)
            words = tfidf.fit_transform(texts)
            dense = np.vstack([vectors[i] for i in train_rows])
            train_x = {
                "tfidf": words,
                "wordllama": dense,
                "both": sp.hstack([words, dense]).tocsr(),
            }
            tests = {}
            for i in test_rows:
                if sentences[i]:
                    w = tfidf.transform([normalise(s.text) for s in sentences[i]])
                    both = sp.hstack([w, vectors[i]]).tocsr()
                    tests[i] = {"tfidf": w, "wordllama": vectors[i], "both": both}
            for kind in kinds:
                for name in CRITERIA:
                    model = LogisticRegression(C=4, class_weight="balanced", max_iter=5000)
                    model.fit(train_x[kind], np.array(targets[name]))
                    for i, x in tests.items():
                        best[kind][name][shuffle, i] = model.predict_proba(x[kind])[:, 1].max()
    first = json.loads(args.first_rules.read_text()) if args.first_rules else None
    for kind in kinds:
        for label, threshold in (("alone", 0.5), ("+ first rules", 0.7)):
            if label != "alone" and first is None:
                continue
            row = []
            for name in CRITERIA:
                truth = [n.labels[name] for n in notes]
                scores = []
                for shuffle in range(args.shuffles):
                    said = best[kind][name][shuffle] > threshold
                    if first is not None and label != "alone":
                        said = [first[n.id][name] or s for n, s in zip(notes, said, strict=True)]
                    scores.append(_f1(list(said), truth))
                row.append(float(np.mean(scores)))
            cells = " ".join(f"{x:.3f}" for x in row)
            print(f"{kind:10s} {label:14s} {cells} (mean {np.mean(row):.3f})")


if __name__ == "__main__":
    main()
