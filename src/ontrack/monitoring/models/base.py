"""The one interface both expected-response models share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Intake features both models may use, in this order. ``intake`` is the measure's
# own first score; ``other`` the other tracked measure's elevation over its
# cut-off in reliable-change units; ``step`` the step of the first treatment
# session (2 low, 3 high intensity). Missing values are NaN.
FEATURES = ("intake", "other", "wsas", "age", "imd", "step")


@dataclass(frozen=True)
class Expectation:
    """Expected score and predictive spread (SD) at one session."""

    mean: float
    spread: float
    model: str


class ExpectedResponseModel(Protocol):
    """Expected score and spread at given sessions, from intake features."""

    measure: str
    name: str

    def expect(self, features: FloatArray, sessions: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Return (mean, spread) for one client at each of ``sessions`` (1 = first session).

        ``features`` is one row in the order of ``FEATURES``.
        """
        ...

    def expect_many(
        self,
        features: FloatArray,
        max_session: int,
        exclude: NDArray[np.intp] | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """Return (mean, spread), each [clients, max_session], for many clients at once.

        ``exclude`` names each client's own row in the reference data (or -1), so
        in-sample calibration never uses a client as their own neighbour.
        """
        ...
