"""`ontrack notes classify`: find homework, Beck's criteria, review, risk and goals in notes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ontrack.cli import UsageError
from ontrack.fidelity.notes import classify_note

_DESCRIPTION = """\
Classify free-text session notes. FILE is JSON Lines: one object per line with "id" (any
string, echoed unchanged) and "note" (the text); "therapy" (free text such as "CBT") is
optional and any unknown value is ignored. Prints a JSON list, one object per note in input
order: "id" and, for each of homework_set, specific, rationale, obstacles_and_coping,
monitoring, written, previous_homework_reviewed, risk_discussed, goals_discussed, an object
{"value": true/false, "evidence": the quoted sentence or null}. The five homework criteria
are false when homework_set is false.

Bad input (an unreadable file, a line that is not JSON, a note without "id" or "note")
exits 2 with one line naming the line number, and nothing is printed. docs/fidelity.md
describes the method and its measured agreement."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `notes classify`."""
    notes = subparsers.add_parser(
        "notes",
        help="classify free-text session notes (homework, Beck's criteria, risk, goals)",
        description="Work with free-text session notes.",
    )
    actions = notes.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = actions.add_parser(
        "classify",
        help="classify each note of a JSON Lines file",
        description=_DESCRIPTION,
        epilog="example:  ontrack notes classify notes.jsonl --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", type=Path, help="JSON Lines of {id, note[, therapy]}")
    p.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    p.set_defaults(handler=_classify, command="notes classify")


def read_notes(path: Path) -> list[tuple[Any, str, str | None]]:
    """Read and check every line before anything is classified."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from exc
    notes = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record: Any = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}, line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise UsageError(f"{path}, line {number}: expected an object with id and note")
        note_id = record.get("id")
        if note_id is None or isinstance(note_id, (dict, list)):
            raise UsageError(f"{path}, line {number}: 'id' missing (or not a string or number)")
        if not isinstance(record.get("note"), str):
            raise UsageError(f"{path}, line {number}: 'note' missing or not a string")
        therapy = record.get("therapy")
        notes.append((note_id, record["note"], therapy if isinstance(therapy, str) else None))
    return notes


def _classify(args: argparse.Namespace) -> int:
    out = []
    for note_id, note, therapy in read_notes(args.file):
        result = classify_note(note, therapy=therapy)
        out.append({"id": note_id, **result.to_dict()})
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0
