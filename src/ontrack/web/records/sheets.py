"""The client's homework sheet as a PDF (fpdf2: pure Python, no browser or system tools).

The same content as the printable HTML sheet: the task to Beck's criteria, a simple
record grid for the week, and the review questions for next time. Text is set in DejaVu
Sans when the system has it (any language the client writes in); otherwise in the PDF
core font, where characters it cannot show are replaced and the sheet says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ontrack.web.records.models import Homework
from ontrack.web.records.models.measures import BECK_CRITERIA

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
)
# Headings for the client: Beck's criteria as the client reads them.
CLIENT_HEADINGS = {
    "behaviour": "What I will do (when, where, how often)",
    "rationale": "Why it should help",
    "coping_strategy": "If it gets difficult",
    "monitoring_method": "How I will keep track",
    "client_reaction": "How I feel about it",
    "obstacles": "What might get in the way, and what I will do",
}
REVIEW_QUESTIONS = (
    "How much of it did I do? (all / some / none)",
    "What did I notice or learn?",
    "What got in the way?",
)
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class SheetText:
    """Everything the sheet shows, as plain text."""

    client: str
    therapist: str
    service: str
    set_on: dt.date
    sections: tuple[tuple[str, str], ...]


def sheet_text(homework: Homework, *, client: str, therapist: str, service: str) -> SheetText:
    """Return the sheet's wording for one homework task (criteria not recorded are left out)."""
    sections = tuple(
        (CLIENT_HEADINGS[name], getattr(homework, name).strip())
        for name, _ in BECK_CRITERIA
        if getattr(homework, name).strip()
    )
    return SheetText(client, therapist, service, homework.set_contact.contact_date, sections)


def _font() -> str | None:
    configured = getattr(settings, "ONTRACK_PDF_FONT", "")
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


class _Sheet(FPDF):
    family = "Helvetica"
    lossy = False

    def text_for(self, text: str) -> str:
        if self.family != "Helvetica":
            return text
        safe = text.encode("latin-1", "replace").decode("latin-1")
        if safe != text:
            self.lossy = True
        return safe


def new_pdf(*, title: str, author: str, side: float, top: float) -> _Sheet:
    """Start an A4 PDF with its first page, in DejaVu Sans when the system has it."""
    pdf = _Sheet(format="A4", unit="mm")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("OnTrack")
    font = _font()
    if font is not None:
        pdf.add_font("Sheet", "", font)
        pdf.add_font("Sheet", "B", font)
        pdf.family = "Sheet"
    pdf.set_margins(side, top, side)
    pdf.set_auto_page_break(True, margin=top)
    pdf.add_page()
    return pdf


def write_line(pdf: _Sheet, value: str, size: float, style: str = "", gap: float = 2) -> None:
    """Write a paragraph across the page, then leave ``gap`` millimetres."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(pdf.family, style, size)
    pdf.multi_cell(width, size * 0.5, pdf.text_for(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(gap)


def homework_pdf(text: SheetText) -> bytes:
    """Render the homework sheet as an A4 PDF and return its bytes."""
    pdf = new_pdf(title=f"Homework for {text.client}", author=text.service, side=18, top=16)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(value: str, size: float, style: str = "", gap: float = 2) -> None:
        write_line(pdf, value, size, style, gap)

    line("Between-session task", 20, "B", 1)
    line(
        f"For {text.client}, agreed with {text.therapist} on {text.set_on:%-d %B %Y}. "
        f"{text.service}.",
        10,
        gap=5,
    )
    for heading, body in text.sections:
        line(heading, 12, "B", 1)
        line(body, 11, gap=4)
    line("My record for the week", 12, "B", 2)
    cell = width / len(DAYS)
    pdf.set_font(pdf.family, "B", 10)
    for day in DAYS:
        pdf.cell(cell, 8, day, border=1, align="C")
    pdf.ln(8)
    for _ in range(2):
        for _ in DAYS:
            pdf.cell(cell, 14, "", border=1)
        pdf.ln(14)
    pdf.ln(5)
    line("For next time", 12, "B", 1)
    for question in REVIEW_QUESTIONS:
        line(question, 11, gap=0)
        pdf.cell(width, 10, "", border="B", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
    if pdf.lossy:
        line(
            "Some characters could not be shown in this PDF; use the printable web page.",
            8,
            gap=0,
        )
    return bytes(pdf.output())
