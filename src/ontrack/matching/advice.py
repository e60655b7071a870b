"""Step and modality advice at assessment.

*Prognostic index.* A logistic regression, fitted on the service's own closed cases, of
not recovering on what assessment shows: PHQ-9, GAD-7, WSAS, the disorder-specific measure
(as a share of its range), age, employment, earlier referrals and the problem domain.
Ethnicity, gender, deprivation and other protected characteristics are not inputs.

*Step.* Stepped care starts most people at low intensity (step 2) and some problems at
high intensity (``STEPPED_CARE_HI``, as NICE advises). Stratified care (Delgadillo et al.
2022) also starts at high intensity those whose predicted chance of not recovering is in
the top ``share`` of the service's history. The advice can only add care: it never starts
anyone lower than stepped care would (``advise_step`` takes the maximum), so neither the
index nor any characteristic can withhold care.

*Modality.* A personalised advantage index (DeRubeis et al. 2014): per modality (low
intensity, CBT, counselling for depression) a linear model of the change on the domain
measure with each assessment feature, fitted on the cases given that modality; the
advantage of CBT over counselling is the difference of the two predictions, with its
standard error from the two fits. Only modalities the service offers are compared, and a
difference within its uncertainty is said to be so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from sklearn.linear_model import LogisticRegression

from ontrack.matching.cases import load_cases, measure_column
from ontrack.matching.domains import DOMAIN_LABEL, DOMAIN_MEASURE, DOMAINS, FUNCTIONING_CASENESS
from ontrack.matching.reportcards import least_squares
from ontrack.measures import get_measure

STEPPED_CARE_HI: Final = frozenset({"ptsd", "social_anxiety"})  # NICE: start at step 3
DEFAULT_SHARE: Final = 0.25  # the poorest-prognosis quarter starts at high intensity
MODALITY_LABEL: Final = {
    "li": "guided self-help (low intensity)",
    "cbt": "CBT",
    "counselling": "counselling for depression",
}
HI_MODALITIES: Final = ("cbt", "counselling")
ROLE_MODALITY: Final = {"pwp": "li", "hi": "cbt", "counsellor": "counselling"}
Z95: Final = 1.959963984540054
FEATURE_NAMES: Final = (
    "PHQ-9",
    "GAD-7",
    "WSAS",
    "disorder-specific measure",
    "age",
    "not in work",
    "earlier referrals",
)


def features(cases: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Assessment features (no protected characteristic, no deprivation), one row a case."""

    def column(values: pd.Series, fill: float) -> npt.NDArray[np.float64]:
        array = np.asarray(pd.to_numeric(values, errors="coerce"), dtype=np.float64)
        return np.asarray(np.where(np.isnan(array), fill, array), dtype=np.float64)

    employed = cases["employed"].astype(str).str.lower().isin(("true", "1", "yes"))
    anx_share = column(cases["anx_share"], 0.5)
    domain = cases["domain"].to_numpy()
    dummies = [(domain == d).astype(np.float64) for d in DOMAINS[1:-1]]
    return np.column_stack(
        [
            column(cases["phq9_first"], 14.0),
            column(cases["gad7_first"], 13.0),
            column(cases["wsas_first"], 20.0),
            anx_share,
            column(cases["age"], 40.0),
            1.0 - np.asarray(employed, dtype=np.float64),
            (cases["earlier_referrals"].to_numpy() > 0).astype(np.float64),
            *dummies,
        ]
    )


def outcomes(cases: pd.DataFrame) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(at caseness at the start, recovered) per case, by the NHS TT rule on the PHQ-9 and
    the anxiety measure the descriptor calls for."""
    phq = get_measure("PHQ-9")
    phq_first = np.asarray(cases["phq9_first"], dtype=np.float64)
    phq_last = np.asarray(cases["phq9_last"], dtype=np.float64)
    anx_first = np.asarray(cases["anx_first"], dtype=np.float64)
    anx_last = np.asarray(cases["anx_last"], dtype=np.float64)
    cutoff = np.asarray(cases["anx_cutoff"], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        case_start = (phq_first >= (phq.clinical_cutoff or 10)) | (anx_first >= cutoff)
        case_end = (phq_last >= (phq.clinical_cutoff or 10)) | (anx_last >= cutoff)
    paired = ~np.isnan(phq_first) & ~np.isnan(phq_last)
    caseness = np.asarray(case_start & paired, dtype=bool)
    return caseness, np.asarray(caseness & ~case_end, dtype=bool)


# Fixed scaling so that the logistic fit's penalty treats features alike.
_SCALE = np.array([27.0, 21.0, 40.0, 1.0, 50.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])


def _scale(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(x / _SCALE[: x.shape[1]], dtype=np.float64)


class _Scaled:
    """A fitted logistic regression (its coefficients on the scaled features and its
    intercept) that scales its input the same way as in fitting; plain arrays, so it can be
    stored as JSON (``advisor_document``) and read back without scikit-learn."""

    def __init__(self, coef: npt.NDArray[np.float64], intercept: float) -> None:
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)

    def predict_proba(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        logit = _scale(x) @ self.coef + self.intercept
        p = 1.0 / (1.0 + np.exp(-logit))
        return np.asarray(np.column_stack([1.0 - p, p]), dtype=np.float64)


def reliable_improvement(cases: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Reliable improvement by the NHS TT rule: a reliable fall on the PHQ-9 or the anxiety
    measure and a reliable rise on neither (paired scores needed)."""
    phq_rc = get_measure("PHQ-9").reliable_change or 6.0
    anx_rc = cases["anx_measure"].map(
        {m: get_measure(str(m)).reliable_change or np.inf for m in cases["anx_measure"].unique()}
    )
    phq = np.asarray(cases["phq9_first"], float) - np.asarray(cases["phq9_last"], float)
    anx = np.asarray(cases["anx_first"], float) - np.asarray(cases["anx_last"], float)
    rc = np.asarray(anx_rc, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        better = (phq >= phq_rc) | (anx >= rc)
        worse = (phq <= -phq_rc) | (anx <= -rc)
    return np.asarray(better & ~worse & ~np.isnan(phq), dtype=bool)


@dataclass
class ModalityModel:
    """Per modality: least-squares coefficients and their covariance (change in points)."""

    coef: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)
    cov: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict)

    def predict(self, x: npt.NDArray[np.float64], modality: str) -> npt.NDArray[np.float64]:
        design = np.column_stack([np.ones(len(x)), x])
        return np.asarray(design @ self.coef[modality], dtype=np.float64)

    def advantage(
        self, x: npt.NDArray[np.float64], first: str, second: str
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Predicted change under ``first`` minus under ``second`` (points), and its SE."""
        design = np.column_stack([np.ones(len(x)), x])
        diff = design @ self.coef[first] - design @ self.coef[second]
        var = np.einsum("ij,jk,ik->i", design, self.cov[first] + self.cov[second], design)
        return np.asarray(diff, dtype=np.float64), np.sqrt(np.maximum(var, 0.0))


@dataclass
class Advisor:
    """A fitted prognostic index and modality model, with the threshold for a high start."""

    index: _Scaled
    threshold: float
    modality: ModalityModel
    share: float
    fitted_on: int
    source: str = "the service's own history"

    def poor_prognosis(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Predicted chance of not recovering."""
        return np.asarray(self.index.predict_proba(x)[:, 1], dtype=np.float64)


def fit_advisor(
    cases: pd.DataFrame, share: float = DEFAULT_SHARE, source: str = "the service's own history"
) -> Advisor:
    """Fit the prognostic index and the modality model on closed cases."""
    caseness, recovered = outcomes(cases)
    finished = cases["finished"].to_numpy() & caseness
    x = features(cases)
    train = x[finished]
    y = ~recovered[finished]
    if finished.sum() < 20 or y.all() or not y.any():
        raise ValueError("too few closed cases at caseness to fit the advice (need 20)")
    index = LogisticRegression(max_iter=500, C=1.0)
    index.fit(_scale(train), y)
    risk = index.predict_proba(_scale(train))[:, 1]
    threshold = float(np.quantile(risk, 1.0 - share))
    model = ModalityModel()
    first = _domain_scores(cases, "first")
    last = _domain_scores(cases, "last")
    change = first - last
    modality = cases["modality"].to_numpy()
    for name in ("li", *HI_MODALITIES):
        rows = finished & (modality == name) & ~np.isnan(change)
        if rows.sum() < x.shape[1] + 5:
            continue
        design = np.column_stack([np.ones(int(rows.sum())), x[rows]])
        coef = least_squares(design, change[rows])
        resid = change[rows] - design @ coef
        sigma2 = float(resid @ resid) / max(len(resid) - design.shape[1], 1)
        model.coef[name] = coef
        model.cov[name] = sigma2 * np.linalg.pinv(design.T @ design)
    return Advisor(
        index=_Scaled(index.coef_[0], float(index.intercept_[0])),
        threshold=threshold,
        modality=model,
        share=share,
        fitted_on=int(finished.sum()),
        source=source,
    )


def _domain_scores(cases: pd.DataFrame, which: str) -> npt.NDArray[np.float64]:
    """Each case's score on its own domain's measure (first or last)."""
    out = np.full(len(cases), np.nan)
    domain = cases["domain"].to_numpy()
    for name, measure in DOMAIN_MEASURE.items():
        rows = domain == name
        if rows.any():
            values = pd.to_numeric(cases[f"{measure_column(measure)}_{which}"], errors="coerce")
            out[rows] = np.asarray(values, dtype=np.float64)[rows]
    return out


def stepped_care_step(domain: str) -> int:
    """Where stepped care starts a problem domain (2 low intensity, 3 high intensity)."""
    return 3 if domain in STEPPED_CARE_HI else 2


@dataclass(frozen=True)
class StepAdvice:
    """Where to start, and why, in words."""

    step: int
    stepped_care_step: int
    poor_prognosis: float
    reasons: tuple[str, ...]


def advise_step(advisor: Advisor, domain: str, x: npt.NDArray[np.float64]) -> StepAdvice:
    """Advice for one client (``x``: one row of ``features``). Never below stepped care."""
    usual = stepped_care_step(domain)
    risk = float(advisor.poor_prognosis(x.reshape(1, -1))[0])
    high = risk >= advisor.threshold
    step = max(usual, 3 if high else 2)
    reasons = []
    if usual == 3:
        reasons.append(f"stepped care starts {DOMAIN_LABEL[domain]} at high intensity")
    if high:
        reasons.append(
            f"predicted chance of not recovering {risk:.0%} is among the highest "
            f"{advisor.share:.0%} in {advisor.source}: starting at high intensity "
            "(stratified care)"
        )
    elif usual == 2:
        reasons.append(
            f"predicted chance of not recovering {risk:.0%}: low intensity first, "
            "as stepped care advises"
        )
    return StepAdvice(
        step=step, stepped_care_step=usual, poor_prognosis=risk, reasons=tuple(reasons)
    )


@dataclass(frozen=True)
class ModalityAdvice:
    """The modality with the larger predicted change, the advantage and its uncertainty."""

    modality: str
    advantage: float  # points of the domain measure
    se: float
    reasons: tuple[str, ...]


def advise_modality(
    advisor: Advisor, domain: str, x: npt.NDArray[np.float64], offered: Sequence[str]
) -> ModalityAdvice | None:
    """CBT or counselling for depression, where both are offered and fitted; else None."""
    if domain != "depression" or not all(m in offered for m in HI_MODALITIES):
        return None
    if not all(m in advisor.modality.coef for m in HI_MODALITIES):
        return None
    diff, se = advisor.modality.advantage(x.reshape(1, -1), "cbt", "counselling")
    value, error = float(diff[0]), float(se[0])
    best = "cbt" if value >= 0 else "counselling"
    other = "counselling" if best == "cbt" else "cbt"
    words = (
        f"{MODALITY_LABEL[best]} is predicted to bring {abs(value):.1f} PHQ-9 points more "
        f"change than {MODALITY_LABEL[other]} (95% interval {abs(value) - Z95 * error:.1f} "
        f"to {abs(value) + Z95 * error:.1f})"
    )
    if abs(value) < Z95 * error:
        words += "; the difference is within its uncertainty, so either may be offered"
    return ModalityAdvice(modality=best, advantage=value, se=error, reasons=(words,))


def advise_for(tables: Mapping[str, pa.Table], referral_id: str, top: int = 5) -> dict[str, Any]:
    """Step, modality and therapist advice for one referral of a canonical dataset, fitted
    on the dataset's other closed cases. Raises KeyError for an unknown referral."""
    from ontrack.matching.rank import benefit_reasons, domain_weights, score_candidates
    from ontrack.matching.reportcards import effect_matrix, report_cards

    cases = load_cases(tables)
    rows = np.flatnonzero(cases["referral_id"].to_numpy() == referral_id)
    if not len(rows):
        raise KeyError(referral_id)
    row = int(rows[0])
    history = cases.drop(index=cases.index[row])
    simulated = "truth" in tables
    source = "simulated data" if simulated else "this service's closed cases"
    advisor = fit_advisor(history, source=source)
    case = cases.iloc[[row]]
    x = features(case)[0]
    domain = str(case["domain"].iloc[0])
    therapist = tables["therapist"]
    ids = np.asarray(therapist.column("therapist_id").to_pylist(), dtype=object)
    service = np.asarray(therapist.column("service_id").to_pylist(), dtype=object)
    role = np.asarray(therapist.column("role").to_pylist(), dtype=object)
    own = service == case["service_id"].iloc[0]
    offered = sorted({ROLE_MODALITY[str(r)] for r in role[own] if str(r) in ROLE_MODALITY})
    step = advise_step(advisor, domain, x)
    modality = advise_modality(advisor, domain, x, offered)
    wanted_roles = {"pwp"} if step.step == 2 else {"hi", "counsellor"}
    if modality is not None and step.step == 3:
        wanted_roles = {"hi"} if modality.modality == "cbt" else {"counsellor"}
    pool = np.flatnonzero(own & np.isin(role, list(wanted_roles)))
    cards = report_cards(history, ids)
    effects, _ = effect_matrix(cards, ids)
    wsas = float(pd.to_numeric(case["wsas_first"], errors="coerce").iloc[0])
    weights = domain_weights(domain, bool(wsas >= FUNCTIONING_CASENESS))
    scored = score_candidates(
        effects[pool], weights, np.ones(len(pool), bool), np.zeros(len(pool)),
        np.zeros(len(pool)), np.zeros(len(pool)),
    )  # fmt: skip
    by_therapist: dict[str, dict[str, tuple[float, float, int, str]]] = {}
    for card in cards:
        by_therapist.setdefault(card.therapist_id, {})[card.domain] = (
            card.effect, card.effect_points, card.cases, card.label,
        )  # fmt: skip
    listed = []
    for rank, index in enumerate(scored.order[:top].tolist(), 1):
        t = int(pool[index])
        listed.append(
            {
                "rank": rank,
                "therapist_id": str(ids[t]),
                "role": str(role[t]),
                "benefit": round(float(scored.benefit[index]), 4),
                "reasons": benefit_reasons(by_therapist.get(str(ids[t]), {}), weights),
            }
        )
    return {
        "referral_id": referral_id,
        "domain": domain,
        "domain_label": DOMAIN_LABEL[domain],
        "fitted_on": f"{advisor.fitted_on} closed cases of {source}",
        "step": {
            "step": step.step,
            "stepped_care_step": step.stepped_care_step,
            "poor_prognosis": round(step.poor_prognosis, 4),
            "reasons": list(step.reasons),
        },
        "modality": None
        if modality is None
        else {
            "modality": modality.modality,
            "label": MODALITY_LABEL[modality.modality],
            "applies": "now" if step.step == 3 else "if they step up to high intensity",
            "advantage_points": round(modality.advantage, 2),
            "se": round(modality.se, 2),
            "reasons": list(modality.reasons),
        },
        "therapists": listed,
        "note": "caseload room, waits and preferences are checked on the allocation page",
    }


__all__ = [
    "FEATURE_NAMES",
    "Advisor",
    "ModalityAdvice",
    "StepAdvice",
    "advise_for",
    "advise_modality",
    "advise_step",
    "features",
    "fit_advisor",
    "outcomes",
    "reliable_improvement",
    "stepped_care_step",
]
