"""Benchmark the matching: ranking one client, report cards, and match-validate.

    .venv/bin/python bench/matching.py rank --therapists 100 --repeats 500
    .venv/bin/python bench/matching.py cards --referrals 1800000 --repeats 3
    .venv/bin/python bench/matching.py validate --referrals 100000 --repeats 3

`rank` times `ontrack.matching.suggest.rank_with_cards` (the allocation page's ranking,
hard rules included) for one client among N therapists who all have report cards.
`cards` simulates a year once, then times `report_cards_for` on the tables in memory
(reading the dataset from disk is not included; `ontrack check` times that). `validate`
writes a simulated year to a temporary directory once, then times the whole command
`ontrack match-validate DIR --json` (read, check, five folds) in a fresh process each
repetition. Medians are printed with the machine's load; record them in docs/matching.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_rank(therapists: int, repeats: int) -> list[float]:
    from ontrack.matching.domains import DOMAINS
    from ontrack.matching.suggest import rank_with_cards
    from ontrack.pathway.allocation import Candidate, ClientNeeds, Preference

    candidates = [
        Candidate(
            therapist_id=i,
            name=f"Therapist {i}",
            role="hi",
            modalities=frozenset({"cbt"}),
            languages=frozenset({"English"}),
            gender="2" if i % 2 else "1",
            open_cases=i % 25,
            caseload_limit=25,
            practitioner_id=f"T{i}",
        )
        for i in range(therapists)
    ]
    cards = {
        f"T{i}": dict.fromkeys(DOMAINS, ((i % 7 - 3) / 10, i % 5 - 2.0, 20 + i, "neutral"))
        for i in range(therapists)
    }
    needs = ClientNeeds(
        3,
        "cbt",
        [Preference("gender", "2", essential=True), Preference("language", "English")],
        problem_descriptor="F32",
        functioning_impaired=True,
    )
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        rank_with_cards(needs, candidates, cards)
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench_cards(referrals: int, repeats: int) -> list[float]:
    from ontrack.matching.reportcards import report_cards_for
    from ontrack.synth import simulate

    tables = simulate(referrals, 2024)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        cards = report_cards_for(tables)
        times.append(time.perf_counter() - started)
        print(f"  {len(cards)} cards in {times[-1]:.1f} s (load {_load()})", flush=True)
    return times


def bench_validate(referrals: int, repeats: int) -> list[float]:
    from ontrack.dataset import write_dataset
    from ontrack.synth import simulate

    times = []
    with tempfile.TemporaryDirectory() as tmp:
        write_dataset(simulate(referrals, 7), tmp, overwrite=True)
        for _ in range(repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "ontrack", "match-validate", tmp, "--json"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            times.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            print(
                f"  match-validate {times[-1]:.1f} s, CPU {cpu:.1f} s (load {_load()})", flush=True
            )
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("rank", "cards", "validate"))
    parser.add_argument("--therapists", type=int, default=100)
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.what == "rank":
        times = bench_rank(args.therapists, args.repeats)
        unit = "ms"
    elif args.what == "cards":
        times = bench_cards(args.referrals, args.repeats)
        unit = "s"
    else:
        times = bench_validate(args.referrals, args.repeats)
        unit = "s"
    print(
        f"{args.what}: median {statistics.median(times):.3f} {unit} over {len(times)} runs "
        f"(min {min(times):.3f}, max {max(times):.3f}); load {_load()}"
    )


if __name__ == "__main__":
    main()
