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

import itertools
import re
from dataclasses import dataclass, field
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
    features += [f"b {a} {b}" for a, b in itertools.pairwise(words)]
    for word in text.split():
        features += _char_grams(word)
    return features


_ALNUM = re.compile(r"[^\W_]+")


def _split(text: str) -> list[str]:
    return _ALNUM.findall(text)


@dataclass(frozen=True)
class SentenceModel:
    """Vocabulary, inverse document frequencies and one weight column per criterion."""

    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float64]
    coef: npt.NDArray[np.float64]  # features x criteria
    intercept: npt.NDArray[np.float64]
    criteria: tuple[str, ...]
    _cache: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    def index(self, criterion: str) -> int:
        """The column of ``criterion``."""
        return self.criteria.index(criterion)

    def probabilities(self, sentences: list[str]) -> npt.NDArray[np.float64]:
        """Probability per sentence (rows) and criterion (columns); sentences are raw text."""
        width = len(self.idf)
        keys = [
            np.array(self._columns(normalise(sentence)), dtype=np.int64) + row * width
            for row, sentence in enumerate(sentences)
        ]
        logits = np.tile(self.intercept, (len(sentences), 1))
        if not any(k.size for k in keys):
            return 1.0 / (1.0 + np.exp(-logits))
        unique, counts = np.unique(np.concatenate(keys), return_counts=True)
        entry_rows, entry_columns = unique // width, unique % width
        weights = (1.0 + np.log(counts)) * self.idf[entry_columns]  # sublinear tf x idf
        norms = np.sqrt(np.bincount(entry_rows, weights * weights, minlength=len(sentences)))
        weights /= norms[entry_rows]
        spread = np.zeros((len(sentences), len(weights)))  # a few sentences x their features
        spread[entry_rows, np.arange(len(weights))] = weights
        logits += spread @ self.coef[entry_columns]
        return 1.0 / (1.0 + np.exp(-logits))

    def _columns(self, text: str) -> list[int]:
        """The model's columns for the features of ``text`` (as ``analyse``), one per
        occurrence; a word's character n-grams are looked up once and remembered."""
        get = self.vocabulary.get
        words = [w for w in _split(text) if len(w) > 1]
        found = [get(f"w {w}") for w in words]
        found += [get(f"b {a} {b}") for a, b in itertools.pairwise(words)]
        columns = [c for c in found if c is not None]
        for word in text.split():
            columns += self._word_columns(word)
        return columns

    def _word_columns(self, word: str) -> tuple[int, ...]:
        cache = self._cache
        if word not in cache:
            get = self.vocabulary.get
            found = (get(f) for f in _char_grams(word))
            cache[word] = tuple(c for c in found if c is not None)
        return cache[word]


def _char_grams(word: str) -> list[str]:
    padded = f" {word} "
    grams: list[str] = []
    for n in range(2, 6):
        if n > len(padded):
            break
        grams += [f"c{padded[i : i + n]}" for i in range(len(padded) - n + 1)]
    return grams


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
