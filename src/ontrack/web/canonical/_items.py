"""Item answers as the canonical dataset writes them: "1,2,-" ("-" = missing)."""

from __future__ import annotations

from collections.abc import Sequence

Answer = int | float | None


def parse_items(text: str | None) -> list[Answer] | None:
    """Read "1,2,-" into [1, 2, None]; None stays None."""
    if text is None or text == "":
        return None
    values: list[Answer] = []
    for part in text.split(","):
        part = part.strip()
        if part in ("-", ""):
            values.append(None)
        else:
            number = float(part)
            values.append(int(number) if number.is_integer() else number)
    return values


def format_items(values: Sequence[Answer] | None) -> str | None:
    """Write [1, 2, None] as "1,2,-"."""
    if values is None:
        return None
    return ",".join("-" if v is None else format(v, "g") for v in values)
