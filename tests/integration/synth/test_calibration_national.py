"""The simulator's headline figures on 40,000 referrals are near the published national ones.

A looser tolerance than ``python -m ontrack.synth.calibration`` (which runs a national year and
is recorded in docs/simulator.md): this size still shows a drift of the model within seconds.
"""

from __future__ import annotations

import numpy as np
import pytest

from ontrack.synth import simulate
from ontrack.synth.calibration import TARGETS, summary

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def figures() -> dict[str, float]:
    return summary(simulate(referrals=40_000, seed=2024, services=40))


LOOSE = {"%": 4.0, "points": 1.0}


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_simulated_figure_is_near_the_published_one(figures, target):
    assert abs(figures[target.name] - target.published) <= LOOSE[target.unit], (
        f"{target.name}: simulated {figures[target.name]:.2f}, published {target.published}"
    )


def test_recovery_falls_with_deprivation(figures):
    by_decile = [figures[f"recovery_imd_{d}"] for d in range(1, 11)]

    assert np.corrcoef(range(10), by_decile)[0, 1] > 0.9
