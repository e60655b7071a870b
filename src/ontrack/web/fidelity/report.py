"""One course's audit as the page and the PDF show it: each criterion met or not, why, and
its evidence (the contact it was seen at, and the sentence of the note it quotes).

The PDF is made with fpdf2 like the homework sheet (ADR 0063): plain text, A4, every
contact named by date and session with a link back to its page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from ontrack.fidelity import (
    CRITERION_LABELS,
    NOTE_CRITERIA,
    NOTE_CRITERION_LABELS,
    STATUS_LABELS,
    Course,
    CourseAudit,
)
from ontrack.web.records.models import Contact
from ontrack.web.records.sheets import new_pdf, write_line

ContactUrl = Callable[[int], str]


@dataclass(frozen=True)
class EvidenceRow:
    """What one check saw: a value, at a contact (linked), with the words of the note."""

    value: str
    contact_id: int | None
    contact_label: str | None
    url: str | None
    quote: str | None


@dataclass(frozen=True)
class CheckRow:
    criterion: str
    label: str
    status: str
    status_label: str
    reason: str
    evidence: tuple[EvidenceRow, ...]


@dataclass(frozen=True)
class Finding:
    criterion: str
    label: str
    value: bool
    quote: str | None


@dataclass(frozen=True)
class NoteRow:
    """One session's note read by the classifier: each criterion found or not, quoted."""

    contact_id: int
    contact_label: str
    url: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class AuditReport:
    """Everything the page and the PDF show about one course."""

    client: str
    service: str
    referral: str
    therapist: str | None
    made_at: dt.datetime
    checks: tuple[CheckRow, ...]
    notes: tuple[NoteRow, ...]
    sessions: int
    sessions_without_note: int

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def summary(self) -> dict[str, int]:
        """How many criteria have each status (for the page's summary line)."""
        return {s: self.count(s) for s in STATUS_LABELS}


def contact_label(contact: Contact) -> str:
    """ "Session 3, 4 Mar 2025" or "Assessment, 1 Feb 2025": how a person finds the contact."""
    what = (
        f"Session {contact.session_number}"
        if contact.session_number
        else contact.get_app_type_display()
    )
    return f"{what}, {contact.contact_date:%-d %b %Y}"


def build_report(
    *,
    course: Course,
    audit: CourseAudit,
    contacts: dict[int, Contact],
    contact_url: ContactUrl,
    client: str,
    service: str,
    referral: str,
    therapist: str | None,
    made_at: dt.datetime,
) -> AuditReport:
    """Put the audit into words and links (``contacts``: the referral's contacts by pk)."""

    def evidence_row(value: str, contact_id: str | None, quote: str | None) -> EvidenceRow:
        pk = int(contact_id) if contact_id and contact_id.isdigit() else None
        contact = contacts.get(pk) if pk is not None else None
        return EvidenceRow(
            value,
            pk if contact is not None else None,
            contact_label(contact) if contact is not None else None,
            contact_url(pk) if contact is not None and pk is not None else None,
            quote or None,
        )

    checks = tuple(
        CheckRow(
            c.criterion,
            CRITERION_LABELS.get(c.criterion, c.criterion),
            c.status.value,
            STATUS_LABELS[c.status.value],
            c.reason,
            tuple(evidence_row(e.value, e.contact_id, e.quote) for e in c.evidence),
        )
        for c in audit.checks
    )
    treatment = sorted(
        (c for c in course.contacts if c.is_treatment), key=lambda c: (c.date, c.contact_id)
    )
    notes = []
    for c in treatment:
        found = (course.notes or {}).get(c.contact_id)
        contact = contacts.get(int(c.contact_id))
        if found is None or contact is None:
            continue
        notes.append(
            NoteRow(
                contact.pk,
                contact_label(contact),
                contact_url(contact.pk),
                tuple(
                    Finding(
                        name, NOTE_CRITERION_LABELS[name], found.value(name), found.evidence(name)
                    )
                    for name in NOTE_CRITERIA
                ),
            )
        )
    return AuditReport(
        client, service, referral, therapist, made_at, checks, tuple(notes),
        len(treatment), len(treatment) - len(notes),
    )  # fmt: skip


def audit_pdf(report: AuditReport) -> bytes:
    """The same audit as an A4 PDF: summary, each criterion with its evidence, the notes."""
    pdf = new_pdf(title=f"Fidelity audit: {report.client}", author=report.service, side=16, top=14)

    def line(value: str, size: float, style: str = "", gap: float = 1.5, link: str = "") -> None:
        if link:
            width = pdf.w - pdf.l_margin - pdf.r_margin
            pdf.set_font(pdf.family, style, size)
            pdf.set_text_color(0, 94, 184)
            pdf.multi_cell(
                width, size * 0.5, pdf.text_for(value), link=link, new_x="LMARGIN", new_y="NEXT"
            )
            pdf.set_text_color(0, 0, 0)
            pdf.ln(gap)
        else:
            write_line(pdf, value, size, style, gap)

    line("Fidelity audit of a course of care", 18, "B", 1)
    line(
        f"{report.client} · referral {report.referral} · {report.service}"
        + (f" · therapist {report.therapist}" if report.therapist else ""),
        10,
    )
    line(
        f"Made {report.made_at:%-d %B %Y %H:%M}. {report.sessions} treatment sessions; "
        f"{report.count('met')} criteria met, {report.count('not_met')} not met, "
        f"{report.count('not_applicable')} not applicable, "
        f"{report.count('not_recorded')} not recorded.",
        10,
    )
    line(
        "For learning and accountability: what the record shows was delivered. It is not a "
        "rating of the therapist.",
        9,
        gap=4,
    )
    line("Criteria", 14, "B", 2)
    for check in report.checks:
        line(f"{check.status_label.upper()}: {check.label}", 11, "B", 0.5)
        line(check.reason, 10, gap=0.5)
        for e in check.evidence[:12]:
            where = f"{e.contact_label}: " if e.contact_label else ""
            line(f"- {where}{e.value}", 9, gap=0.3, link=e.url or "")
            if e.quote:
                line(f'  "{e.quote}"', 9, "", gap=0.3)
        if len(check.evidence) > 12:
            line(f"- and {len(check.evidence) - 12} more (see the page)", 9, gap=0.3)
        pdf.ln(2)
    line("Session notes read for homework, risk and goals", 14, "B", 2)
    if not report.notes:
        line("No session notes were written for this course.", 10)
    for note in report.notes:
        line(note.contact_label, 11, "B", 0.5, link=note.url)
        for finding in note.findings:
            mark = "yes" if finding.value else "no"
            line(f"{finding.label}: {mark}", 9, gap=0.2)
            if finding.quote:
                line(f'  "{finding.quote}"', 9, gap=0.2)
        pdf.ln(2)
    if report.sessions_without_note:
        line(f"{report.sessions_without_note} sessions have no note.", 10)
    if pdf.lossy:
        line("Some characters could not be shown in this PDF; use the web page.", 8, gap=0)
    return bytes(pdf.output())
