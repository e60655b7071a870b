"""Report-card label agreement, one change at a time (ADR 0085).

    .venv/bin/python bench/matching_labels.py h101 h102 h103

For each simulated dataset (made by ``ontrack simulate``), the label figures of
``ontrack match-validate`` (agreement, coverage, false "effective" labels, agreeing of
labelled pairs) for: one-domain cards at 95% scored against ``therapist.effect_*`` (before
ADR 0085); the same scored against the planted effect the card's cases carry; pooled cards
at 95%; pooled cards at 97.5% (as shipped). Labels only, so it takes seconds; the replay's
figures come from ``ontrack match-validate``. Record in docs/matching.md.
"""

from __future__ import annotations

import argparse

import numpy as np

from ontrack.dataset.files import read_dataset
from ontrack.matching import reportcards
from ontrack.matching.cases import load_cases
from ontrack.matching.validate import _labels, _staff, _truth, planted_on_cards

Z95 = 1.959963984540054
Z975 = 2.241402727604947


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", help="simulated dataset directories")
    args = parser.parse_args()
    shipped = reportcards.Z_LABEL
    for path in args.datasets:
        tables = dict(read_dataset(path))
        cases = load_cases(tables)
        staff = _staff(tables)
        truth = _truth(tables, cases)
        if truth is None or staff.planted is None:
            print(f"{path}: no simulator ground truth")
            continue
        carried = planted_on_cards(cases, staff, np.asarray(truth["true_domain"], dtype=object))
        variants = (
            ("one-domain 95%, truth effect_*", False, Z95, None),
            ("one-domain 95%, truth carried", False, Z95, carried),
            ("pooled 95%, truth carried", True, Z95, carried),
            ("pooled 97.5%, truth carried", True, Z975, carried),
        )
        for name, pooled, z, planted in variants:
            reportcards.Z_LABEL = z  # type: ignore[misc]
            cards = reportcards.report_cards(cases, staff.ids, pooled=pooled)
            got = _labels(cards, staff, planted)
            pairs = got["label_pairs"]
            print(
                f"{path}\t{name}\tagreement {got['label_agreement']}\tcoverage "
                f"{got['label_coverage']}\tfalse effective {got['label_false_effective']}\t"
                f"({pairs['agreeing']} of {pairs['labelled']})",
                flush=True,
            )
        reportcards.Z_LABEL = shipped  # type: ignore[misc]


if __name__ == "__main__":
    main()
