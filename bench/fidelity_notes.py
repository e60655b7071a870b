"""Time classifying 10,000 session notes (issue 17: under one minute on the project machine).

Notes come from the labelled-notes generator (ontrack.synth.notes) on a simulated service,
repeated to the requested count; the median of the runs is printed.

    flock /tmp/ontrack-bench.lock .venv/bin/python bench/fidelity_notes.py --notes 10000
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time

from ontrack.fidelity.notes import classify_note
from ontrack.fidelity.text import correct, normalise
from ontrack.synth import simulate
from ontrack.synth.notes import write_notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000, help="notes to classify (10000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (3); the median is kept")
    args = parser.parse_args()
    pool = [n.note for n in write_notes(simulate(referrals=1500, seed=21, therapists=20), seed=3)]
    notes = list(itertools.islice(itertools.cycle(pool), args.notes))
    timings = []
    for _ in range(args.runs):
        normalise.cache_clear()  # no credit for notes seen in an earlier run
        correct.cache_clear()
        start = time.perf_counter()
        for note in notes:
            classify_note(note)
        timings.append(time.perf_counter() - start)
    median = statistics.median(timings)
    runs = ", ".join(f"{t:.1f}" for t in timings)
    print(
        f"{args.notes} notes ({len(set(notes))} distinct): median {median:.1f} s over "
        f"{args.runs} runs ({args.notes / median:,.0f} notes/s); runs {runs}"
    )


if __name__ == "__main__":
    main()
