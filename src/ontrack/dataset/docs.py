"""Render the canonical schema and code lists as Markdown for docs/dataset.md.

The column tables in docs/dataset.md are generated from ``schema.py`` and ``codes.toml``
between two marker lines, so that the documentation cannot drift from the code; a test
fails when they differ. Regenerate with::

    .venv/bin/python -m ontrack.dataset.docs docs/dataset.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from ontrack.dataset.schema import TABLES, Column, Table, code_lists, code_sources

BEGIN = "<!-- BEGIN GENERATED: python -m ontrack.dataset.docs docs/dataset.md -->"
END = "<!-- END GENERATED -->"

_TYPE_NAMES = {
    "string": "text",
    "int32": "integer",
    "int64": "integer",
    "double": "decimal",
    "date32[day]": "date",
    "timestamp[s, tz=UTC]": "timestamp (UTC)",
    "bool": "true/false",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _column_row(column: Column) -> str:
    kind = _TYPE_NAMES.get(str(column.type), str(column.type))
    rules: list[str] = []
    rules.append("may be null" if column.nullable else "required")
    if column.optional:
        rules.append("column may be absent")
    if column.codes:
        rules.append(f"codes: `{column.codes}`")
    if column.references:
        rules.append(f"→ `{column.references}`")
    if column.minimum is not None or column.maximum is not None:
        low = "" if column.minimum is None else f"{column.minimum:g}"
        high = "" if column.maximum is None else f"{column.maximum:g}"
        rules.append(f"range {low}..{high}")
    nhstt = f"`{column.nhstt}`" if column.nhstt else "—"
    return (
        f"| `{column.name}` | {kind} | {_cell('; '.join(rules))} | {nhstt} | "
        f"{_cell(column.description)} |"
    )


def render_table(table: Table) -> str:
    """One table's heading, description and column table."""
    status = "required" if table.required else "optional"
    key = f"key `{table.key}`" if table.key else "no single-column key"
    lines = [
        f"### `{table.name}` ({status}; {key})",
        "",
        table.description,
        "",
        "| Column | Type | Rules | NHS TT v2.1 field | Meaning |",
        "|---|---|---|---|---|",
        *(_column_row(c) for c in table.columns),
    ]
    if table.date_order:
        pairs = ", ".join(f"`{a}` ≤ `{b}`" for a, b in table.date_order)
        lines += ["", f"Dates in order: {pairs}."]
    return "\n".join(lines)


def render_codes() -> str:
    """Every code list with its source."""
    sources = code_sources()
    parts = []
    for name, codes in code_lists().items():
        rows = "\n".join(f"| `{code}` | {_cell(label)} |" for code, label in codes.items())
        parts.append(
            f"#### `{name}`\n\nSource: {_cell(sources[name])}\n\n| Code | Meaning |\n"
            f"|---|---|\n{rows}"
        )
    return "\n\n".join(parts)


def render() -> str:
    """The generated part of docs/dataset.md, markers included."""
    tables = "\n\n".join(render_table(t) for t in TABLES.values())
    codes = render_codes()
    return f"{BEGIN}\n\n## Tables and columns\n\n{tables}\n\n### Code lists\n\n{codes}\n\n{END}"


def update(path: Path) -> bool:
    """Rewrite the generated part of ``path``; return whether it changed."""
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise ValueError(f"{path} has no generated section ({BEGIN} ... {END})")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + render() + tail
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def current_section(path: Path) -> str:
    """The generated part of ``path`` as it stands, markers included."""
    text = path.read_text(encoding="utf-8")
    start = text.index(BEGIN)
    return text[start : text.index(END, start) + len(END)]


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/dataset.md")
    print(f"{target}: {'updated' if update(target) else 'already current'}")
