"""The step and modality advice as a file, and the advice for one client at assessment.

``ontrack calibrate DATASET --advice FILE`` fits the advice (``advice.fit_advisor``) on a
service's own closed cases and writes it as JSON; the pathway's assessment page reads the
file named by ``ONTRACK_ADVICE`` (re-read when it changes). Without one it uses the shipped
default, fitted on simulated data and labelled so wherever it is shown.

``advice_at_assessment`` turns what assessment shows into advice beside the stepped-care
rule. It can only add care: the step is the larger of the stepped-care rule's step (as the
pathway works it out, severity and earlier low-intensity help included) and the
stratified step, so no prediction and no characteristic can start anyone lower than
stepped care would. Age and employment may move someone *up*; gender, ethnicity,
deprivation and other protected characteristics are not inputs at all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ontrack.matching.advice import (
    HI_MODALITIES,
    MODALITY_LABEL,
    Advisor,
    ModalityAdvice,
    ModalityModel,
    _Scaled,
    advise_modality,
)
from ontrack.matching.domains import DOMAIN_LABEL, DOMAINS, domain_for
from ontrack.measures import get_measure
from ontrack.measures.nhstt import anxiety_measure_for

ADVICE_ENV: Final = "ONTRACK_ADVICE"
DEFAULT_ADVICE: Final = Path(__file__).with_name("data") / "advice-simulated.json"
FORMAT: Final = "ontrack-advice/1"


def advisor_document(advisor: Advisor) -> dict[str, Any]:
    """The fitted advice as one JSON-ready object."""
    return {
        "format": FORMAT,
        "source": advisor.source,
        "fitted_on": advisor.fitted_on,
        "share": advisor.share,
        "threshold": advisor.threshold,
        "index": {
            "coef": advisor.index.coef.tolist(),
            "intercept": advisor.index.intercept,
        },
        "modality": {
            name: {
                "coef": advisor.modality.coef[name].tolist(),
                "cov": advisor.modality.cov[name].tolist(),
            }
            for name in advisor.modality.coef
        },
    }


def advisor_from_document(document: Mapping[str, Any]) -> Advisor:
    """Read back what ``advisor_document`` wrote; ValueError when it is not that."""
    if document.get("format") != FORMAT:
        raise ValueError(f"not an OnTrack advice file (format {document.get('format')!r})")
    try:
        index = _Scaled(
            np.asarray(document["index"]["coef"], dtype=np.float64),
            float(document["index"]["intercept"]),
        )
        model = ModalityModel()
        for name, fitted in document["modality"].items():
            model.coef[str(name)] = np.asarray(fitted["coef"], dtype=np.float64)
            model.cov[str(name)] = np.asarray(fitted["cov"], dtype=np.float64)
        return Advisor(
            index=index,
            threshold=float(document["threshold"]),
            modality=model,
            share=float(document["share"]),
            fitted_on=int(document["fitted_on"]),
            source=str(document["source"]),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"advice file lacks {error}") from None


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> Advisor:
    return advisor_from_document(json.loads(Path(path).read_text("utf-8")))


def load_advisor(path: str | None = None) -> Advisor | None:
    """The advice named by ``path`` or ``ONTRACK_ADVICE``, else the shipped default
    (fitted on simulated data); None when the file cannot be read (the page says so)."""
    chosen = path or os.environ.get(ADVICE_ENV, "") or str(DEFAULT_ADVICE)
    try:
        return _read(chosen, Path(chosen).stat().st_mtime)
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class AssessmentInputs:
    """What assessment shows (no protected characteristic, no deprivation)."""

    problem_descriptor: str | None
    phq9: float | None = None
    gad7: float | None = None
    wsas: float | None = None
    adsm: float | None = None  # the disorder-specific measure the descriptor calls for
    age: int | None = None
    employed: bool | None = None
    earlier_referrals: int = 0


def feature_row(inputs: AssessmentInputs) -> npt.NDArray[np.float64]:
    """One row of ``advice.features`` (the same columns and the same fills for unknowns)."""
    domain = domain_for(inputs.problem_descriptor)
    measure = anxiety_measure_for(inputs.problem_descriptor)
    anx = inputs.gad7 if measure == "GAD-7" else inputs.adsm
    share = 0.5
    if anx is not None:
        definition = get_measure(measure)
        share = (float(anx) - definition.min) / (definition.max - definition.min)
    dummies = [1.0 if domain == d else 0.0 for d in DOMAINS[1:-1]]
    return np.array(
        [
            14.0 if inputs.phq9 is None else float(inputs.phq9),
            13.0 if inputs.gad7 is None else float(inputs.gad7),
            20.0 if inputs.wsas is None else float(inputs.wsas),
            share,
            40.0 if inputs.age is None else float(inputs.age),
            0.0 if inputs.employed else 1.0,  # unknown counts as not in work, as in fitting
            1.0 if inputs.earlier_referrals > 0 else 0.0,
            *dummies,
        ],
        dtype=np.float64,
    )


@dataclass(frozen=True)
class AssessmentAdvice:
    """Advice beside the stepped-care rule: where to start, which therapy, and why."""

    step: int
    stepped_care_step: int
    poor_prognosis: float
    adds_care: bool  # the advice starts higher than stepped care would
    reasons: tuple[str, ...]
    modality: ModalityAdvice | None
    source: str

    @property
    def modality_label(self) -> str:
        return "" if self.modality is None else MODALITY_LABEL[self.modality.modality]

    def in_words(self) -> str:
        """The advice as text, one line each (kept with the decision)."""
        lines = [f"Step {self.step}" + (" (adds care to stepped care)" if self.adds_care else "")]
        lines += [f"- {r}" for r in self.reasons]
        if self.modality is not None:
            lines.append(f"Therapy at high intensity: {self.modality_label}")
            lines += [f"- {r}" for r in self.modality.reasons]
        lines.append(f"Fitted on {self.source}.")
        return "\n".join(lines)


def advice_at_assessment(
    advisor: Advisor,
    inputs: AssessmentInputs,
    *,
    stepped_care_step: int,
    offered: Sequence[str] = HI_MODALITIES,
) -> AssessmentAdvice:
    """Stratified step and personalised modality advice for one client, never below the
    stepped-care rule's step (``stepped_care_step``: 2 or 3, as the pathway worked it out)."""
    domain = domain_for(inputs.problem_descriptor)
    x = feature_row(inputs)
    risk = float(advisor.poor_prognosis(x.reshape(1, -1))[0])
    high = risk >= advisor.threshold
    step = max(stepped_care_step, 3 if high else 2)
    reasons: list[str] = []
    if high:
        reasons.append(
            f"predicted chance of not recovering is {risk:.0%}, among the highest "
            f"{advisor.share:.0%} of past clients: people like this do better starting "
            "at high intensity (stratified care)"
        )
    else:
        reasons.append(
            f"predicted chance of not recovering is {risk:.0%}, not among the highest "
            f"{advisor.share:.0%} of past clients"
        )
    if stepped_care_step >= 3:
        reasons.append(
            f"stepped care already starts at step {stepped_care_step}; the advice never "
            "starts anyone lower"
        )
    elif not high:
        reasons.append("so the advice agrees with stepped care: low intensity first")
    modality = advise_modality(advisor, domain, x, offered)
    return AssessmentAdvice(
        step=step,
        stepped_care_step=stepped_care_step,
        poor_prognosis=risk,
        adds_care=step > stepped_care_step,
        reasons=tuple(reasons),
        modality=modality,
        source=advisor.source,
    )


def domain_words(problem_descriptor: str | None) -> str:
    """The problem domain in words."""
    return DOMAIN_LABEL[domain_for(problem_descriptor)]


def fit_document(tables: Mapping[str, Any]) -> dict[str, Any]:
    """Fit the advice on a canonical dataset's closed cases; the document to write.
    Raises ``cases.DatasetError`` or ValueError when it cannot be fitted."""
    from ontrack.matching.advice import fit_advisor
    from ontrack.matching.cases import load_cases

    simulated = "truth" in tables
    source = "simulated data" if simulated else "this service's closed cases"
    return advisor_document(fit_advisor(load_cases(tables), source=source))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ontrack.matching.stored DATASET OUT``: write the advice fitted on a
    dataset (how the shipped default was made, from a simulated service)."""
    import sys

    from ontrack.dataset.files import read_dataset

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m ontrack.matching.stored DATASET OUT", file=sys.stderr)
        return 2
    document = fit_document(dict(read_dataset(args[0])))
    Path(args[1]).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args[1]}: advice fitted on {document['fitted_on']} closed cases")
    return 0


__all__ = [
    "ADVICE_ENV",
    "DEFAULT_ADVICE",
    "AssessmentAdvice",
    "AssessmentInputs",
    "advice_at_assessment",
    "advisor_document",
    "advisor_from_document",
    "feature_row",
    "fit_document",
    "load_advisor",
]


if __name__ == "__main__":
    raise SystemExit(main())
