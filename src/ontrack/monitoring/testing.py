"""Hand-made bundles and episodes for examples, doctests and tests (here and in the web app).

The numbers in ``toy_bundle`` are chosen by hand to be plausible, not fitted to
anything; never use it to monitor anyone. The shipped default is ``default_bundle()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from ontrack.monitoring.bundle import AllianceNorms, ModelBundle
from ontrack.monitoring.episode import (
    AllianceRecord,
    Contact,
    EpisodeHistory,
    GoalRating,
    HomeworkRecord,
    RiskAnswer,
    ScoreRecord,
)
from ontrack.monitoring.facts import MeasureFacts
from ontrack.monitoring.models.base import FEATURES
from ontrack.monitoring.models.curve import MAX_SESSIONS, CurveModel
from ontrack.monitoring.models.failure import FailureModel
from ontrack.monitoring.models.neighbours import fit_neighbours

TOY_LABEL = "Hand-set example parameters for tests and documentation; not fitted, not for use."
CBT = "304891004"
COUNSELLING = "286711000000107"

PHQ9 = MeasureFacts("PHQ-9", 10.0, True, 6.0, False)
GAD7 = MeasureFacts("GAD-7", 8.0, True, 4.0, False)
SPIN = MeasureFacts("SPIN", 19.0, True, 10.0, False)
OSR = MeasureFacts("OSR", 32.0, False, None, True, False)


def _spread(first: float, growth: float) -> tuple[float, ...]:
    return tuple(first + growth * min(t, 10) for t in range(MAX_SESSIONS))


def _toy_neighbours(code: str, start: float, seed: int = 0) -> object:
    """Fit a neighbour model on a made-up reference: change = -0.3 * intake * ln t + noise."""
    rng = np.random.default_rng(seed)
    n, sessions = 400, 12
    features = np.full((n, len(FEATURES)), np.nan)
    features[:, 0] = rng.uniform(start, start + 15, n)
    features[:, 3] = rng.uniform(18, 70, n)
    lt = np.log(np.arange(1, sessions + 1))[None, :]
    change = -0.3 * features[:, :1] * lt + rng.normal(0, 2.5, (n, sessions))
    change[rng.random((n, sessions)) < 0.2] = np.nan
    return fit_neighbours(code, features, change.astype(np.float32), k=40)


def toy_bundle(
    *, z: float = 1.0, with_gad7: bool = True, knn: bool = False, failure: bool = False
) -> ModelBundle:
    """Return a hand-set bundle: curves for PHQ-9 and GAD-7, OSR alliance norms.

    ``knn`` adds neighbour models fitted on a made-up reference; ``failure`` adds
    hand-set failure models (threshold 0.5) so the failure boundary is used.

    >>> toy_bundle().curves["PHQ-9"].g01
    0.9
    """
    curves = {
        "PHQ-9": CurveModel("PHQ-9", 0.5, 0.9, -0.5, -0.12, _spread(3.0, 0.2), "mixedlm", 0),
    }
    measures = {"PHQ-9": PHQ9, "SPIN": SPIN}
    if with_gad7:
        curves["GAD-7"] = CurveModel(
            "GAD-7", 0.5, 0.9, -0.4, -0.12, _spread(2.5, 0.15), "mixedlm", 0
        )
        measures["GAD-7"] = GAD7
    neighbours = {}
    if knn:
        neighbours = {code: _toy_neighbours(code, 8.0) for code in curves}
    bundle = ModelBundle(
        label=TOY_LABEL,
        measures=measures,
        curves=curves,
        neighbours=neighbours,  # type: ignore[arg-type]
        boundary_z={"knn": z, "curve": z},
        alliance={"OSR": AllianceNorms(OSR, within_sd=2.5, scale_max=40.0, typical_first=35.0)},
    )
    if failure:
        # Chance of failure rises with distance beyond expected and falls with change.
        model = FailureModel("*", (0.8, -1.2, 0.1, 0.2, 0.0, 0.0), 0.3, 0)
        bundle.failure = {"knn": {"*": model}, "curve": {"*": model}}
        bundle.failure_threshold = {"knn": 0.5, "curve": 0.5}
    return bundle


def weekly_episode(
    *,
    phq9: Sequence[float | None],
    gad7: Sequence[float | None] | None = None,
    alliance: Sequence[float | None] = (),
    descriptor: str | None = "F32",
    attendance: Sequence[str] | None = None,
    therapy: str | None = CBT,
    step: int = 3,
    goals_from: int | None = 1,
    homework: Sequence[int] | None = None,
    risk: dict[int, RiskAnswer] | None = None,
    caseload: tuple[int, int] | None = None,
    referral_id: str = "R1",
    start: dt.date = dt.date(2025, 1, 6),
    age: int | None = 35,
    imd_decile: int | None = 5,
) -> EpisodeHistory:
    """Build an episode: an assessment (index 0) then weekly treatment contacts.

    Score lists are indexed by contact: 0 = assessment, i = the i-th treatment
    contact; None = not recorded. ``attendance`` gives each treatment contact's
    code (default all "5"); session numbers count attended contacts only.
    ``homework`` lists the contact indices at which homework was set (reviewed
    at the next attended one, done); default every attended treatment contact.

    >>> ep = weekly_episode(phq9=[16, 15, 12], gad7=[12, 11, 9])
    >>> [c.session_number for c in ep.contacts], ep.sessions_attended
    ([None, 1, 2], 2)
    """
    n = max(len(phq9), len(gad7 or ()), len(alliance))
    codes = list(attendance) if attendance is not None else ["5"] * (n - 1)
    contacts = [Contact("a", start, "01", "5")]
    number = 0
    for i, code in enumerate(codes, start=1):
        attended = code in {"5", "6"}
        number += attended
        contacts.append(
            Contact(
                f"c{i}",
                start + dt.timedelta(days=7 * i),
                "02",
                code,
                therapist_id="T1",
                therapy=therapy if attended else None,
                step=step if attended else None,
                session_number=number if attended else None,
                therapist_caseload=caseload[0] if caseload else None,
                therapist_caseload_limit=caseload[1] if caseload else None,
            )
        )
    ids = [c.contact_id for c in contacts]
    risk = risk or {}
    no_risk = RiskAnswer.NOT_RECORDED
    scores = [
        ScoreRecord(
            ids[i], code, float(total), risk.get(i, no_risk) if code == "PHQ-9" else no_risk
        )
        for code, series in (("PHQ-9", phq9), ("GAD-7", gad7 or ()))
        for i, total in enumerate(series)
        if total is not None and i < len(ids)
    ]
    ratings = [
        AllianceRecord(ids[i], "OSR", float(t))
        for i, t in enumerate(alliance)
        if t is not None and i < len(ids)
    ]
    attended_ix = [i for i, c in enumerate(contacts) if c.is_treatment_session]
    goals = []
    if goals_from is not None:
        for k, i in enumerate(attended_ix):
            if (contacts[i].session_number or 0) >= goals_from:
                goals.append(GoalRating(ids[i], 1, min(10, 2 + k)))
    set_at = list(homework) if homework is not None else attended_ix
    tasks = []
    for k, i in enumerate(set_at):
        later = [j for j in attended_ix if j > i]
        reviewed = ids[later[0]] if later else None
        tasks.append(HomeworkRecord(f"h{k}", ids[i], reviewed, 5, "done" if reviewed else None))
    return EpisodeHistory(
        referral_id=referral_id,
        referral_date=start - dt.timedelta(days=14),
        contacts=tuple(contacts),
        scores=tuple(scores),
        alliance=tuple(ratings),
        goal_ratings=tuple(goals),
        homework=tuple(tasks),
        age=age,
        imd_decile=imd_decile,
        problem_descriptor=descriptor,
    )
