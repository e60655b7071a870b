"""The subject access export as a readable PDF (fpdf2, as the homework sheets)."""

from __future__ import annotations

from typing import Any

from ontrack.web.records.sheets import new_pdf, write_line

_SKIP = frozenset({"id"})


def _value(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return str(value)
    return str(value)


def _title(model: str) -> str:
    app, _, name = model.partition(".")
    return name.replace("_", " ").capitalize() or app


def subject_access_pdf(data: dict[str, Any]) -> bytes:
    """Render ``subject_access`` output: one section per kind of record, then the access log."""
    pdf = new_pdf(
        title=f"Subject access export for {data['name']}", author=data["service"], side=16, top=14
    )
    write_line(pdf, "Your records held by " + data["service"], 18, "B", 1)
    write_line(
        pdf,
        f"For {data['name']} (record {data['client_id']}), made {data['made_at'][:16]}. "
        "This is every record OnTrack holds about you, then who has seen or changed it.",
        10,
        gap=5,
    )
    for model, rows in data["records"].items():
        write_line(pdf, f"{_title(model)} ({len(rows)})", 13, "B", 1)
        for row in rows:
            parts = [
                f"{k.replace('_', ' ')}: {_value(v)}" for k, v in row.items() if k not in _SKIP
            ]
            write_line(pdf, "; ".join(parts), 9, gap=2)
        pdf.ln(2)
    write_line(pdf, f"Who saw or changed your record ({len(data['access'])})", 13, "B", 1)
    for event in data["access"]:
        write_line(
            pdf,
            f"{event['at'][:16]}  {event['who']}  {event['kind']}  {event['what']}",
            9,
            gap=0.5,
        )
    if pdf.lossy:
        write_line(pdf, "Some characters could not be shown; the JSON export has them all.", 8)
    return bytes(pdf.output())
