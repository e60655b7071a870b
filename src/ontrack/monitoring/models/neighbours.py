"""The personalised model: expected course from the k most similar past clients.

After Lutz et al. (2006) and the Trier Treatment Navigator: standardise intake
features, take the k nearest past clients, fit a log-linear curve to their change
from intake (pooled, weighted by how many neighbours reached each session), and
take the spread at each session from their scatter around that curve, shrunk
towards their pooled scatter where few neighbours reached the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from ontrack.monitoring.models.base import FEATURES, FloatArray
from ontrack.monitoring.models.index import NeighbourIndex, build_index

DEFAULT_WEIGHTS = {"intake": 3.0, "other": 1.0, "wsas": 0.5, "age": 0.5, "imd": 0.5, "step": 1.0}
SHRINK_NEIGHBOURS = 10.0  # pseudo-count pulling a session's spread towards the pooled spread
CHUNK_QUERIES = 4096


@dataclass
class NeighbourModel:
    """k-nearest-neighbour expected course for one measure.

    ``change`` holds each reference episode's score minus its intake at sessions
    1..T (NaN where it had no score); ``features`` their raw intake features.
    """

    measure: str
    features: FloatArray  # [N, F] raw intake features, NaN = missing
    change: NDArray[np.float32]  # [N, T]
    center: FloatArray  # [F]
    scale: FloatArray  # [F]
    weights: FloatArray  # [F]
    k: int = 100
    backend: str = "kdtree"
    name: str = "knn"
    _index: NeighbourIndex | None = field(default=None, repr=False, compare=False)
    _cache: tuple[Any, Any, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> int:
        return int(self.features.shape[0])

    def transform(self, raw: FloatArray) -> FloatArray:
        """Impute missing features with the reference mean, then standardise and weight."""
        filled = np.where(np.isnan(raw), self.center[None, :], raw)
        return np.asarray((filled - self.center) / self.scale * self.weights, dtype=np.float64)

    @property
    def index(self) -> NeighbourIndex:
        if self._index is None:
            self._index = build_index(self.transform(self.features), self.backend)
        return self._index

    def neighbours(
        self, raw: FloatArray, exclude: NDArray[np.intp] | None = None
    ) -> NDArray[np.intp]:
        """Return [queries, k] reference rows most similar to each query, never itself."""
        points = self.transform(raw)
        if exclude is None:
            return self.index.query(points, self.k)
        found = self.index.query(points, self.k + 1)
        is_self = found == exclude[:, None]
        # Drop the client's own row where it was found, else the farthest neighbour.
        drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), found.shape[1] - 1)
        keep = np.ones(found.shape, dtype=bool)
        keep[np.arange(found.shape[0]), drop] = False
        return found[keep].reshape(found.shape[0], found.shape[1] - 1)

    def _sums(self) -> tuple[Any, Any, Any]:
        """Return the reference's presence, values and squares per session (float32, 0 = none)."""
        if self._cache is None:
            seen = ~np.isnan(self.change)
            values = np.where(seen, self.change, 0.0).astype(np.float32)
            self._cache = (seen.astype(np.float32), values, (values * values).astype(np.float32))
        return self._cache

    def course_from_neighbours(
        self, rows: NDArray[np.intp], max_session: int
    ) -> tuple[FloatArray, FloatArray]:
        """Return (mean change from intake, spread), each [queries, max_session].

        Sums over each client's neighbours are one sparse matrix product (a 0/1
        selection matrix times the reference), so no [queries, k, sessions] array
        is ever built.
        """
        seen, values, squares = self._sums()
        queries, k = rows.shape
        select = sparse.csr_matrix(
            (
                np.ones(queries * k, dtype=np.float32),
                rows.ravel(),
                np.arange(0, queries * k + 1, k),
            ),
            shape=(queries, self.size),
        )
        n_t = np.asarray(select @ seen, dtype=np.float64)  # [Q, T]
        s_t = np.asarray(select @ values, dtype=np.float64)
        ss_t = np.asarray(select @ squares, dtype=np.float64)
        stored = n_t.shape[1]
        x = np.log(np.arange(1, stored + 1, dtype=np.float64))[None, :]
        sw = n_t.sum(axis=1)
        sx = (n_t * x).sum(axis=1)
        sxx = (n_t * x**2).sum(axis=1)
        sy = s_t.sum(axis=1)
        sxy = (s_t * x).sum(axis=1)
        denom = sw * sxx - sx**2
        safe_sw = np.maximum(sw, 1.0)
        ok = denom > 1e-9
        slope = np.where(ok, (sw * sxy - sx * sy) / np.where(ok, denom, 1.0), 0.0)
        intercept = (sy - slope * sx) / safe_sw
        fitted = intercept[:, None] + slope[:, None] * x  # [Q, T]
        resid = ss_t - 2.0 * fitted * s_t + n_t * fitted**2
        pooled = resid.sum(axis=1) / safe_sw  # [Q]
        var_t = (resid + SHRINK_NEIGHBOURS * pooled[:, None]) / (n_t + SHRINK_NEIGHBOURS)
        sd_t = np.sqrt(np.maximum(var_t, 1e-6))
        sessions = np.arange(1, max_session + 1, dtype=np.float64)
        mean = intercept[:, None] + slope[:, None] * np.log(sessions)[None, :]
        sd_index = np.minimum(np.arange(max_session), stored - 1)
        return mean, sd_t[:, sd_index]

    def expect_many(
        self,
        features: FloatArray,
        max_session: int,
        exclude: NDArray[np.intp] | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        queries = features.shape[0]
        mean = np.empty((queries, max_session))
        sd = np.empty((queries, max_session))
        for start in range(0, queries, CHUNK_QUERIES):
            stop = min(start + CHUNK_QUERIES, queries)
            own = None if exclude is None else exclude[start:stop]
            rows = self.neighbours(features[start:stop], own)
            change, spread = self.course_from_neighbours(rows, max_session)
            intake = features[start:stop, 0]
            # An intake the reference never saw has no neighbours' change to borrow.
            mean[start:stop] = intake[:, None] + change
            sd[start:stop] = spread
        return mean, sd

    def expect(self, features: FloatArray, sessions: FloatArray) -> tuple[FloatArray, FloatArray]:
        last = int(np.max(sessions))
        mean, sd = self.expect_many(features.reshape(1, -1), max(last, 1))
        index = np.clip(sessions.astype(np.int64) - 1, 0, last - 1)
        return mean[0, index], sd[0, index]

    def meta_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "center": self.center.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "k": self.k,
            "backend": self.backend,
            "reference_episodes": self.size,
            "sessions_stored": int(self.change.shape[1]),
        }


def fit_neighbours(
    measure: str,
    features: FloatArray,
    change: NDArray[np.float32],
    *,
    k: int = 100,
    weights: dict[str, float] | None = None,
    backend: str = "kdtree",
) -> NeighbourModel:
    """Build the neighbour model from reference episodes' intake features and change.

    >>> rng = np.random.default_rng(0)
    >>> feats = np.column_stack([rng.uniform(5, 27, 500)] + [np.full(500, np.nan)] * 5)
    >>> change = (-0.3 * feats[:, :1] * np.log(np.arange(1, 9))[None, :]).astype(np.float32)
    >>> model = fit_neighbours("PHQ-9", feats, change, k=20)
    >>> mean, sd = model.expect(np.array([20.0] + [np.nan] * 5), np.array([1.0, 4.0]))
    >>> round(float(mean[0]), 1), round(float(mean[1]), 1)
    (20.0, 11.7)
    """
    if features.shape[1] != len(FEATURES):
        raise ValueError(f"expected {len(FEATURES)} intake features, got {features.shape[1]}")
    if features.shape[0] < 2:
        raise ValueError(f"too few reference episodes for {measure} ({features.shape[0]})")
    chosen = {**DEFAULT_WEIGHTS, **(weights or {})}
    w = np.array([chosen[name] for name in FEATURES], dtype=np.float64)
    present = ~np.isnan(features)
    center = np.array(
        [np.mean(features[present[:, j], j]) if present[:, j].any() else 0.0 for j in range(w.size)]
    )
    scale = np.array(
        [np.std(features[present[:, j], j]) if present[:, j].any() else 1.0 for j in range(w.size)]
    )
    # A feature that never varies carries no information; keep it but give it no pull.
    w = np.where(scale > 1e-9, w, 0.0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    return NeighbourModel(
        measure=measure,
        features=np.asarray(features, dtype=np.float64),
        change=np.asarray(change, dtype=np.float32),
        center=center,
        scale=scale,
        weights=w,
        k=min(k, features.shape[0] - 1) if features.shape[0] > 1 else 1,
        backend=backend,
    )
