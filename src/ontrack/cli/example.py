"""`ontrack example`: a worked example of the measures library on one hand-built referral.

Everything printed is computed by the library from the answers below; nothing is canned.
The client is invented (no real patient data).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence

from ontrack.cli.measures import format_change, format_score
from ontrack.measures import get_measure, score
from ontrack.measures.nhstt import Contact, MeasureScore, anxiety_measure_for, classify_referral

PROBLEM_DESCRIPTOR = "F40.1"  # social phobia: NHS TT pairs the PHQ-9 with the SPIN

# (date, AppType, AttendOrDNACode, PHQ-9 item answers or None, SPIN total or None)
SESSIONS: Sequence[tuple[dt.date, str, str, list[int] | None, int | None]] = (
    (dt.date(2025, 3, 3), "01", "5", [2, 2, 1, 2, 1, 2, 1, 1, 1], 44),  # assessment
    (dt.date(2025, 3, 17), "02", "5", [2, 2, 1, 2, 1, 2, 1, 0, 0], 41),
    (dt.date(2025, 3, 24), "02", "3", None, None),  # did not attend
    (dt.date(2025, 3, 31), "02", "5", [1, 2, 1, 1, 1, 1, 1, 0, 0], 35),
    (dt.date(2025, 4, 7), "02", "6", [1, 1, 1, 1, 0, 1, 0, 0, 0], 29),
    (dt.date(2025, 4, 14), "02", "5", [1, 1, 0, 1, 0, 1, 0, 0, 0], 22),
    (dt.date(2025, 4, 28), "02", "5", [0, 1, 0, 1, 0, 0, 0, 0, 0], 16),
    (dt.date(2025, 7, 28), "06", "5", [0, 0, 0, 1, 0, 0, 0, 0, 0], 12),  # follow-up
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the example subcommand."""
    p = subparsers.add_parser(
        "example",
        help="show scoring, reliable change and NHS TT outcome on a worked example",
        description="Walk through one invented referral (social phobia, six treatment "
        "contacts, one missed appointment, one follow-up): score each PHQ-9, raise the risk "
        "flag, measure reliable change and classify the NHS Talking Therapies outcome.",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the worked example."""
    del args
    print(example_text())
    return 0


def example_text() -> str:
    """Return the worked example as text."""
    phq9 = get_measure("PHQ-9")
    anxiety = anxiety_measure_for(PROBLEM_DESCRIPTOR)
    out = [
        "OnTrack worked example: one invented referral",
        "=" * 46,
        f"Problem descriptor {PROBLEM_DESCRIPTOR} (social phobia): NHS TT pairs the PHQ-9 with "
        f"the {anxiety}.",
        "",
        "1. Scoring each session's PHQ-9 (item answers 0-3)",
    ]
    contacts: list[Contact] = []
    scores: list[MeasureScore] = []
    for index, (date, app_type, attendance, answers, spin) in enumerate(SESSIONS):
        contacts.append(Contact(date, app_type, attendance))
        kind = {"01": "assessment", "02": "treatment", "06": "follow-up"}[app_type]
        if answers is None:
            out.append(f"  {date} {kind}: did not attend (not a treatment contact)")
            continue
        result = score(phq9, answers)
        scores.append(MeasureScore("PHQ-9", result.total, contact=index))
        if spin is not None:
            scores.append(MeasureScore(anxiety, spin, contact=index))
        out.append(f"  {date} {kind}: answers {answers}")
        out += [f"    {line}" for line in format_score(phq9, result).splitlines()]
    out.append(f"  ({anxiety} totals by session: {[s[4] for s in SESSIONS if s[4] is not None]})")

    outcome = classify_referral(contacts, scores, PROBLEM_DESCRIPTOR)
    out += ["", "2. Change from the first score to the last treatment score (follow-up excluded)"]
    for change in (outcome.depression_change, outcome.anxiety_change):
        if change is not None:
            text = format_change(get_measure(change.measure), change)
            out.append("  " + text.replace("\n", "\n  "))
    out += ["", "3. NHS Talking Therapies outcome of the referral"]
    for label, value in (
        ("treatment contacts (attended 02/03/05)", outcome.treatment_contacts),
        ("finished a course of treatment (2+)", outcome.finished_course),
        ("measures used", f"{outcome.depression_measure} + {outcome.anxiety_measure}"),
        ("paired scores", outcome.paired),
        ("at caseness at the start", outcome.caseness_at_start),
        ("recovered", outcome.recovered),
        ("reliable improvement", outcome.reliable_improvement),
        ("reliable deterioration", outcome.reliable_deterioration),
        ("no reliable change", outcome.no_reliable_change),
        ("reliable recovery", outcome.reliable_recovery),
    ):
        out.append(f"  {label:<40} {value}")
    out += [f"  note: {note}" for note in outcome.notes]
    out += [
        "",
        "Try it yourself:  ontrack score PHQ-9 1 2 1 2 1 1 0 1 0   |   ontrack change GAD-7 14 9"
        "   |   ontrack measures",
    ]
    return "\n".join(out)
