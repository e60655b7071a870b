"""A small sentence model: the second opinion on sentences the rules say nothing about.

One logistic regression per criterion over TF-IDF features of a sentence (words, word
pairs and character 2-5-grams within words, after ``normalise``). It is trained by
``python -m ontrack.fidelity.train`` on hand-labelled notes, and its weights ship in the
package (``data/sentence_model.npz``, about 1 MB); nothing is downloaded. Scoring needs
numpy only: the features are computed here exactly as at training time.

>>> model = load_model()
>>> probabilities = model.probabilities(["HW: thought record every evening.", "Mood low."])
>>> bool(probabilities[0, model.index("homework_set")] > probabilities[1, 0])
True
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ontrack.fidelity.text import normalise

MODEL_PATH = Path(__file__).parent / "data" / "sentence_model.npz"
# A sentence counts when the model gives it at least this probability (chosen under
# cross-validation; docs/fidelity.md).
THRESHOLD = 0.7


def analyse(text: str) -> list[str]:
    """The features of one normalised sentence: words, word pairs, and character
    2-5-grams inside each word padded with spaces (as scikit-learn's ``char_wb``)."""
    words = [w for w in _split(text) if len(w) > 1]
    features = [f"w {w}" for w in words]
    features += [f"b {a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for word in text.split():
        padded = f" {word} "
        for n in range(2, 6):
            if n > len(padded):
                break
            features += [f"c{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    return features


def _split(text: str) -> list[str]:
    return "".join(ch if ch.isalnum() else " " for ch in text).split()


@dataclass(frozen=True)
class SentenceModel:
    """Vocabulary, inverse document frequencies and one weight column per criterion."""

    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    coef: npt.NDArray[np.float64]  # features x criteria
    intercept: npt.NDArray[np.float64]
    criteria: tuple[str, ...]

    def index(self, criterion: str) -> int:
        """The column of ``criterion``."""
        return self.criteria.index(criterion)

    def probabilities(self, sentences: list[str]) -> npt.NDArray[np.float64]:
        """Probability per sentence (rows) and criterion (columns); sentences are raw text."""
        logits = np.tile(self.intercept, (len(sentences), 1))
        for row, sentence in enumerate(sentences):
            columns, weights = self._tfidf(normalise(sentence))
            if columns.size:
                logits[row] += weights @ self.coef[columns]
        return 1.0 / (1.0 + np.exp(-logits))

    def _tfidf(self, text: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        counts = Counter(f for f in analyse(text) if f in self.vocabulary)
        columns = np.fromiter((self.vocabulary[f] for f in counts), dtype=np.intp)
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64)
        weights = tf * self.idf[columns]
        norm = float(np.sqrt(weights @ weights))
        return columns, (weights / norm if norm else weights)


def save_model(model: SentenceModel, path: Path) -> None:
    """Write ``model`` as a compressed numpy archive (no pickle)."""
    terms = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    np.savez_compressed(
        path,
        terms=np.array(terms, dtype=np.str_),
        idf=model.idf.astype(np.float32),
        coef=model.coef.astype(np.float32),
        intercept=model.intercept.astype(np.float32),
        criteria=np.array(model.criteria, dtype=np.str_),
    )


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> SentenceModel:
    """Read the model shipped with the package (or another written by ``save_model``)."""
    with np.load(path, allow_pickle=False) as archive:
        terms = [str(t) for t in archive["terms"]]
        return SentenceModel(
            vocabulary={t: i for i, t in enumerate(terms)},
            idf=archive["idf"].astype(np.float64),
            coef=archive["coef"].astype(np.float64),
            intercept=archive["intercept"].astype(np.float64),
            criteria=tuple(str(c) for c in archive["criteria"]),
        )
