"""Held-out dropout AUC on a canonical dataset, exactly as ``ontrack validate`` computes it.

Same folds (by person, seed 0), same fit and settings as validate's dropout figure, for the
dropout model alone (it plays no part in the off-track boundary): "after" is the model as
shipped (ADR 0128), "before" the eleven inputs fitted on 30,000 rows as before ADR 0128.

    .venv/bin/python bench/dropout_auc.py /tmp/sim100k_s31
"""

from __future__ import annotations

import json
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

from ontrack.dataset import read_dataset
from ontrack.monitoring.calibrate import CalibrationSettings, outcome_facts
from ontrack.monitoring.fairness import dropout_calibration
from ontrack.monitoring.history import build_history
from ontrack.monitoring.models.dropout import LEGACY_DROPOUT_FEATURES, fit_dropout
from ontrack.monitoring.service_models import DROPOUT_END_CODES, alliance_norms, dropout_landmarks
from ontrack.monitoring.validation import _folds


def main(path: str) -> None:
    history = build_history(read_dataset(path))
    facts = outcome_facts(history)
    fold_of = _folds(history, 5, 0)
    settings = CalibrationSettings()
    variants = {
        "after": (None, settings.dropout_max_rows),
        "before": (len(LEGACY_DROPOUT_FEATURES), 30_000),
    }
    out = {}
    for name, (width, max_rows) in variants.items():
        predicted, observed = [], []
        for fold in range(5):
            train = np.nonzero(fold_of != fold)[0]
            test = np.nonzero(fold_of == fold)[0]
            norms = alliance_norms(history, train)
            x_train, r_train, _ = dropout_landmarks(
                history, train[history.ended[train]], facts, norms
            )
            x_test, r_test, _ = dropout_landmarks(history, test[history.ended[test]], facts, norms)
            labels = [np.isin(history.end_code[r].astype(str), list(DROPOUT_END_CODES))
                      for r in (r_train, r_test)]  # fmt: skip
            if width is not None:
                x_train, x_test = x_train[:, :width], x_test[:, :width]
            model = fit_dropout(x_train, labels[0], max_rows=max_rows, seed=settings.seed)
            predicted.append(model.probabilities(x_test))
            observed.append(labels[1])
        p, y = np.concatenate(predicted), np.concatenate(observed)
        out[name] = {
            "auc": float(roc_auc_score(y, p)),
            "landmarks": int(p.size),
            "calibration_slope": dropout_calibration(p, y).get("slope"),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
