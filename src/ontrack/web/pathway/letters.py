"""The discharge letter, for the client and for their GP (fpdf2, as the homework sheet).

Plain words: when the course began and ended, how many sessions, the first and last
PHQ-9 and anxiety scores with what changed, what helped and what next from the ending
review, and what to do if things get worse. The GP's letter adds the NHS TT end code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ontrack.web.records.sheets import new_pdf, write_line

RETURN_ADVICE = (
    "If things get worse, you can refer yourself again at any time. In a crisis call 999 or "
    "go to A&E; for urgent help that is not an emergency call NHS 111 and choose the mental "
    "health option."
)


@dataclass(frozen=True)
class LetterText:
    """Everything a discharge letter says."""

    to: str  # "client" or "gp"
    client: str
    born: dt.date | None
    gp_practice: str
    service: str
    therapist: str
    referral_date: dt.date
    end_date: dt.date
    end_reason: str
    sessions: int
    scores: tuple[tuple[str, float, float], ...]  # measure, first, last
    what_helped: str
    what_did_not: str
    what_next: str


def _paragraphs(text: LetterText) -> list[tuple[str, str]]:
    you = text.to == "client"
    opening = f"Dear {text.client.split()[0]}," if you else f"Dear colleague at {text.gp_practice},"
    about = (
        f"This letter sums up your time with {text.service}."
        if you
        else f"Re: {text.client}"
        + (f", born {text.born:%-d %B %Y}" if text.born else "")
        + f". {text.client} has been discharged from {text.service}."
    )
    course = (
        f"Referred on {text.referral_date:%-d %B %Y}; ended on {text.end_date:%-d %B %Y} "
        f"({text.end_reason}) after {text.sessions} treatment session"
        f"{'s' if text.sessions != 1 else ''} with {text.therapist}."
    )
    scores = "; ".join(
        f"{code} {first:g} at the start and {last:g} at the end"
        for code, first, last in text.scores
    )
    out = [("", opening), ("", about), ("The course", course)]
    if scores:
        out.append(("Questionnaires", scores + "."))
    for heading, body in (
        ("What helped", text.what_helped),
        ("What did not help", text.what_did_not),
        ("What next", text.what_next),
    ):
        if body:
            out.append((heading, body))
    out.append(("If things get worse", RETURN_ADVICE))
    out.append(("", f"With best wishes,\n{text.therapist}, {text.service}"))
    return out


def letter_pdf(text: LetterText) -> bytes:
    """Render the discharge letter as an A4 PDF and return its bytes."""
    pdf = new_pdf(title=f"Discharge letter for {text.client}", author=text.service, side=20, top=18)
    write_line(pdf, text.service, 14, "B", 1)
    write_line(pdf, f"{text.end_date:%-d %B %Y}", 10, gap=6)
    for heading, body in _paragraphs(text):
        if heading:
            write_line(pdf, heading, 12, "B", 1)
        write_line(pdf, body, 11, gap=3)
    return bytes(pdf.output())
