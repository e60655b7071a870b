"""Hand-built case tables for the matching tests (no simulator needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ontrack.matching.cases import MEASURES, measure_column


def make_cases(
    cases_per_therapist: list[int],
    effects: list[float],
    *,
    domain: str = "depression",
    seed: int = 0,
    noise: float = 5.0,
) -> pd.DataFrame:
    """Closed depression cases: therapist i has ``cases_per_therapist[i]`` cases whose PHQ-9
    change is the case-mix expectation plus ``effects[i]`` points plus noise."""
    rng = np.random.default_rng(seed)
    therapist = np.repeat(np.arange(len(cases_per_therapist)), cases_per_therapist)
    n = len(therapist)
    frame = pd.DataFrame(
        {
            "referral_id": [f"R{i}" for i in range(n)],
            "person_id": [f"P{i}" for i in range(n)],
            "service_id": "S1",
            "age": rng.integers(18, 80, n).astype(float),
            "employed": rng.random(n) < 0.6,
            "imd_decile": rng.integers(1, 11, n),
            "ethnicity": "A",
            "earlier_referrals": 0,
            "finished": True,
            "therapist_index": therapist,
            "domain": domain,
            "descriptor": "F32",
        }
    )
    for measure in MEASURES:
        stem = measure_column(measure)
        frame[f"{stem}_first"] = np.nan
        frame[f"{stem}_last"] = np.nan
    start = rng.uniform(10, 27, n)
    change = 0.4 * start + np.asarray(effects)[therapist] + rng.normal(0, noise, n)
    frame["phq9_first"] = start
    frame["phq9_last"] = start - change
    frame["gad7_first"] = rng.uniform(5, 21, n)
    frame["gad7_last"] = frame["gad7_first"] - 3
    frame["wsas_first"] = rng.uniform(0, 40, n)
    frame["wsas_last"] = frame["wsas_first"] - 5
    return frame
