"""What the simulated services plant and what report cards can recover from them.

    .venv/bin/python bench/matching_truth.py --referrals 150000 --seed 104

Prints, for one simulated year: the share of case-mix-adjusted change variance between
therapists per domain (tau^2 / (1 + tau^2) in the report cards' standardised units); the
planted personalised advantage of CBT over counselling for depression in PHQ-9 points
(planted response difference x the points one unit of planted shift moves PHQ-9 change,
from a regression on the realised courses); and label agreement, coverage and false
"effective" labels by how many cases a therapist-domain pair has. Record in
docs/matching.md.
"""

from __future__ import annotations

import argparse

import numpy as np

from ontrack.matching.cases import load_cases
from ontrack.matching.domains import DOMAIN_MEASURE, DOMAINS, planted_label
from ontrack.matching.reportcards import (
    NOT_ENOUGH,
    _tau2,
    case_mix_features,
    domain_cases,
    measure_column,
    report_cards,
)
from ontrack.synth import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=104)
    args = parser.parse_args()
    tables = simulate(args.referrals, args.seed)
    cases = load_cases(tables)
    ids = np.asarray(tables["therapist"].column("therapist_id").to_pylist(), dtype=object)
    print(f"{args.referrals} referrals, seed {args.seed}, {len(ids)} therapists")
    print("therapist share of case-mix-adjusted change variance, by domain:")
    for domain in DOMAINS:
        mask = domain_cases(cases, domain)
        if mask.sum() < 200:
            continue
        sub = cases[mask]
        stem = measure_column(DOMAIN_MEASURE[domain])
        change = sub[f"{stem}_first"].to_numpy() - sub[f"{stem}_last"].to_numpy()
        x = case_mix_features(sub, DOMAIN_MEASURE[domain])
        coef, *_ = np.linalg.lstsq(x, change, rcond=None)
        z = change - x @ coef
        z = z / z.std()
        _, inverse = np.unique(sub["therapist_index"].to_numpy(), return_inverse=True)
        n = np.bincount(inverse).astype(float)
        tau2 = _tau2(np.bincount(inverse, weights=z) / n, n)
        print(f"  {domain:20s} {100 * tau2 / (1 + tau2):4.1f}%  ({int(mask.sum())} cases)")

    truth = tables["truth"].to_pandas().set_index("referral_id").reindex(cases["referral_id"])
    dep = (
        (cases["domain"].to_numpy() == "depression")
        & cases["modality"].isin(["cbt", "counselling"]).to_numpy()
        & cases["finished"].to_numpy()
    )
    cbt = truth["response_cbt"].to_numpy()
    couns = truth["response_counselling"].to_numpy()
    realised = np.where(cases["modality"].to_numpy() == "cbt", cbt, couns)
    change = (cases["phq9_first"] - cases["phq9_last"]).to_numpy()
    ok = dep & ~np.isnan(change) & ~np.isnan(realised)
    design = np.column_stack([np.ones(ok.sum()), realised[ok], cases["phq9_first"].to_numpy()[ok]])
    coef, *_ = np.linalg.lstsq(design, change[ok], rcond=None)
    gap = np.abs(cbt - couns)[ok]
    print(
        f"planted CBT vs counselling advantage (depression): mean |difference| "
        f"{gap.mean():.2f} log-odds units x {coef[1]:.2f} PHQ-9 points per unit = "
        f"{gap.mean() * coef[1]:.2f} PHQ-9 points"
    )

    cards = report_cards(cases, ids)
    planted = tables["therapist"].to_pandas().set_index("therapist_id")
    print("report-card labels against planted ones, by cases per therapist-domain pair:")
    for low, high in ((15, 30), (30, 60), (60, 120), (120, 10**9)):
        agree = labelled = nonneutral = false_eff = other = 0
        for card in cards:
            if not low <= card.cases < high:
                continue
            label = planted_label(float(planted.at[card.therapist_id, f"effect_{card.domain}"]))
            if label != "neutral":
                nonneutral += 1
                if card.label != NOT_ENOUGH:
                    labelled += 1
                    agree += card.label == label
            if label != "effective":
                other += 1
                false_eff += card.label == "effective"
        band = f"{low}-{high - 1}" if high < 10**9 else f"{low}+"
        print(
            f"  {band:8s} planted effective/ineffective {nonneutral:4d}, labelled the same "
            f"{agree:3d} ({agree / max(labelled, 1):.2f}); planted other labelled effective "
            f"{false_eff}/{other} ({false_eff / max(other, 1):.3f})"
        )


if __name__ == "__main__":
    main()
