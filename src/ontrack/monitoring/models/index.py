"""Nearest-neighbour search over past clients' intake features, behind one small interface.

Two CPU backends: a k-d tree (scipy ``cKDTree``; fast for the few dimensions
used here, and for one client against a million past episodes) and brute force
(NumPy, chunked; the reference the tree is tested against). A GPU backend
(torch or CuPy: a distance matrix and ``topk``) fits the same ``NeighbourIndex``
protocol; register it in ``BACKENDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.intp]


class NeighbourIndex(Protocol):
    """Find the k nearest reference rows (Euclidean) for each query row."""

    size: int

    def query(self, points: FloatArray, k: int) -> IndexArray:
        """Return [queries, k] row numbers of the nearest reference rows, nearest first."""
        ...


class KDTreeIndex:
    """scipy k-d tree; queries run on every core (``workers=-1``)."""

    def __init__(self, data: FloatArray) -> None:
        self.size = int(data.shape[0])
        self._tree = cKDTree(data, leafsize=32, balanced_tree=False, compact_nodes=False)

    def query(self, points: FloatArray, k: int) -> IndexArray:
        k = min(k, self.size)
        _, index = self._tree.query(points, k=k, workers=-1)
        return np.asarray(index, dtype=np.intp).reshape(points.shape[0], k)


class BruteForceIndex:
    """Exact search by full distance computation, in chunks to bound memory."""

    def __init__(self, data: FloatArray, chunk_rows: int = 2_000_000) -> None:
        self.size = int(data.shape[0])
        self._data = np.ascontiguousarray(data, dtype=np.float64)
        self._norms = np.einsum("ij,ij->i", self._data, self._data)
        self._chunk_cells = chunk_rows * 4

    def query(self, points: FloatArray, k: int) -> IndexArray:
        k = min(k, self.size)
        out = np.empty((points.shape[0], k), dtype=np.intp)
        step = max(1, self._chunk_cells // max(self.size, 1))
        for start in range(0, points.shape[0], step):
            chunk = points[start : start + step]
            dist = self._norms[None, :] - 2.0 * chunk @ self._data.T
            dist += np.einsum("ij,ij->i", chunk, chunk)[:, None]
            part = np.argpartition(dist, k - 1, axis=1)[:, :k]
            order = np.argsort(np.take_along_axis(dist, part, axis=1), axis=1, kind="stable")
            out[start : start + step] = np.take_along_axis(part, order, axis=1)
        return out


BACKENDS: dict[str, Callable[[FloatArray], NeighbourIndex]] = {
    "kdtree": KDTreeIndex,
    "brute": BruteForceIndex,
}


def build_index(data: FloatArray, backend: str = "kdtree") -> NeighbourIndex:
    """Build a neighbour index over ``data`` [rows, features] with the named backend.

    >>> index = build_index(np.array([[0.0], [1.0], [5.0]]))
    >>> index.query(np.array([[0.9]]), 2).tolist()
    [[1, 0]]
    """
    try:
        factory = BACKENDS[backend]
    except KeyError:
        raise ValueError(
            f"unknown neighbour backend {backend!r} (available: {', '.join(sorted(BACKENDS))})"
        ) from None
    return factory(np.ascontiguousarray(data, dtype=np.float64))
