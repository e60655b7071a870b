"""Time classifying 10,000 session notes (issue 17: under one minute on the project machine).

Notes come from the labelled-notes generator (ontrack.synth.notes) on a simulated service,
or from a JSON Lines file of notes (--from; the hand-written dev notes are longer), repeated
to the requested count; the median of the runs, the CPU time and the load are printed.

    flock /tmp/ontrack-bench.lock .venv/bin/python bench/fidelity_notes.py --notes 10000
    flock /tmp/ontrack-bench.lock .venv/bin/python bench/fidelity_notes.py \
        --from tests/data/fidelity/independent_dev.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import time
from pathlib import Path

from ontrack.fidelity.notes import classify_note, clear_caches
from ontrack.synth import simulate
from ontrack.synth.notes import write_notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000, help="notes to classify (10000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (3); the median is kept")
    parser.add_argument("--from", dest="source", type=Path, help="JSON Lines notes to cycle")
    args = parser.parse_args()
    if args.source:
        lines = args.source.read_text(encoding="utf-8").splitlines()
        pool = [json.loads(line)["note"] for line in lines if line.strip()]
    else:
        tables = simulate(referrals=1500, seed=21, therapists=20)
        pool = [n.note for n in write_notes(tables, seed=3)]
    notes = list(itertools.islice(itertools.cycle(pool), args.notes))
    timings, cpu = [], []
    for _ in range(args.runs):
        clear_caches()  # no credit for notes seen in an earlier run (the model is re-read)
        start, start_cpu = time.perf_counter(), time.process_time()
        for note in notes:
            classify_note(note)
        timings.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    median = statistics.median(timings)
    runs = ", ".join(f"{t:.1f}" for t in timings)
    print(
        f"{args.notes} notes ({len(set(notes))} distinct): median {median:.1f} s over "
        f"{args.runs} runs ({args.notes / median:,.0f} notes/s); runs {runs}; "
        f"CPU median {statistics.median(cpu):.1f} s; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
