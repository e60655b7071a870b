"""`ontrack measures`, `ontrack score`, `ontrack change`: the measures library on the command line.

JSON shapes (other tools rely on them):

- ``measures --json``: a list of objects with at least code, name, items, min, max, has_text,
  licence;
- ``score CODE ANSWER... --json``: an object with at least measure, total, band, caseness,
  risk, prorated;
- ``change CODE FIRST LAST --json``: an object with at least change, threshold, reliable.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from ontrack.cli import UsageError
from ontrack.measures import (
    ChangeResult,
    Measure,
    MeasureError,
    ScoreResult,
    all_measures,
    get_measure,
    reliable_change,
    score,
)

MISSING = "-"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the measures, score and change subcommands."""
    p = subparsers.add_parser(
        "measures",
        help="list the questionnaires OnTrack can score",
        description="List every loaded measure (built-in and from $ONTRACK_MEASURES_DIR), or "
        "show one measure in full, or export it as a FHIR R4 Questionnaire.",
    )
    p.add_argument("code", nargs="?", help="show this measure in full (e.g. PHQ-9)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--fhir", action="store_true", help="with CODE: print it as a FHIR R4 Questionnaire"
    )
    p.set_defaults(handler=_measures)

    p = subparsers.add_parser(
        "score",
        help="score one completed questionnaire",
        description="Score answers to a questionnaire: total, band, caseness, risk. Give one "
        "answer per item, item 1 first; '-' marks a missing answer. Or score a FHIR R4 "
        "QuestionnaireResponse with --response.",
        epilog="examples:  ontrack score PHQ-9 1 2 1 2 1 1 0 1 0\n"
        "           ontrack score gad7 2 2 - 1 0 1 1 --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("code", metavar="CODE", help="measure code, any case (PHQ-9, phq9)")
    p.add_argument("answers", metavar="ANSWER", nargs="*", help="item answers; '-' = missing")
    p.add_argument("--response", type=Path, metavar="FILE", help="a QuestionnaireResponse JSON")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_score)

    p = subparsers.add_parser(
        "change",
        help="reliable and clinically significant change between two totals",
        description="Classify the change from a first to a last total: reliable improvement, "
        "deterioration or none (NHS TT thresholds where they exist, else Jacobson–Truax), and "
        "recovered / improved / unchanged / deteriorated / harmed against the clinical cut-off.",
        epilog="example:  ontrack change PHQ-9 16 9",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("code", metavar="CODE", help="measure code")
    p.add_argument("first", metavar="FIRST", help="first total")
    p.add_argument("last", metavar="LAST", help="last total")
    p.add_argument("--threshold", metavar="N", help="override the reliable-change threshold")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--cutoff", metavar="N", help="override the clinical cut-off")
    group.add_argument(
        "--criterion",
        choices=("a", "b", "c"),
        help="use Jacobson–Truax criterion a, b or c from the definition's norms as cut-off",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_change)


def _measure(code: str) -> Measure:
    try:
        return get_measure(code)
    except MeasureError as exc:
        raise UsageError(str(exc)) from None


def summary(m: Measure) -> dict[str, Any]:
    """Describe a measure as a JSON-ready dict (the ``measures --json`` shape)."""
    return {
        "code": m.code,
        "name": m.name,
        "items": m.n_items,
        "min": m.min,
        "max": m.max,
        "item_min": m.item_min,
        "item_max": m.item_max,
        "has_text": m.has_text,
        "licence": m.licence,
        "commercial_use": m.commercial_use,
        "kind": m.kind.value,
        "construct": m.construct,
        "higher_is_better": m.higher_is_better,
        "clinical_cutoff": m.clinical_cutoff,
        "cutoff_inclusive": m.cutoff_inclusive,
        "reliable_change": m.reliable_change,
        "risk_items": list(m.risk_items),
        "version": m.version,
        "source": m.source,
    }


def _detail(m: Measure) -> dict[str, Any]:
    out = summary(m)
    out.update(
        attribution=m.attribution,
        stem=m.stem,
        answer_labels=list(m.answer_labels),
        item_text=[item.text for item in m.items] if m.has_text else None,
        scoring=m.method.value,
        reverse_items=list(m.reverse_items),
        optional_items=list(m.optional_items),
        max_missing=m.max_missing,
        subscales={k: list(v) for k, v in m.subscales.items()},
        bands=[{"lower": b.lower, "label": b.label} for b in m.bands],
        caseness_rule=m.caseness_rule.value,
        jacobson_truax=m.jacobson_truax,
        status=dict(m.status),
        notes=list(m.notes),
        path=m.path,
    )
    return out


def _measures(args: argparse.Namespace) -> int:
    if args.fhir:
        if not args.code:
            raise UsageError("--fhir needs a measure CODE")
        from ontrack.measures.fhir import questionnaire_json

        print(questionnaire_json(_measure(args.code)))
        return 0
    if args.code:
        m = _measure(args.code)
        if args.json:
            print(json.dumps(_detail(m), indent=2, ensure_ascii=False))
        else:
            print(_describe(m))
        return 0
    measures = all_measures()
    if args.json:
        print(json.dumps([summary(m) for m in measures], indent=2, ensure_ascii=False))
        return 0
    rows = [("CODE", "ITEMS", "RANGE", "CUT-OFF", "RELIABLE", "TEXT", "KIND", "NAME")]
    for m in measures:
        rows.append(
            (
                m.code,
                str(m.n_items),
                f"{_n(m.min)}-{_n(m.max)}",
                _cutoff_text(m),
                "-" if m.reliable_change is None else _n(round(m.reliable_change, 2)),
                "yes" if m.has_text else "no",
                m.kind.value,
                m.name,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1])
    print("\nTEXT = item wording ships (licence allows); `ontrack measures CODE` for detail.")
    return 0


def _describe(m: Measure) -> str:
    lines = [
        f"{m.code}: {m.name}",
        f"  {m.n_items} items scored {m.item_min}-{m.item_max}; total {_n(m.min)}-{_n(m.max)} "
        f"({m.method.value}); {'higher is better' if m.higher_is_better else 'higher is worse'}",
        f"  cut-off: {_cutoff_text(m)}",
        "  reliable change: "
        + ("none" if m.reliable_change is None else f"{_n(round(m.reliable_change, 2))} points"),
    ]
    if m.reverse_items:
        lines.append(f"  reverse-scored items: {', '.join(map(str, m.reverse_items))}")
    if m.risk_items:
        lines.append(f"  risk items: {', '.join(map(str, m.risk_items))}")
    if m.bands:
        lines.append("  bands: " + "; ".join(f"{_n(b.lower)}+ {b.label}" for b in m.bands))
    lines += [f"  licence: {m.licence}", f"  source: {m.source}", f"  version: {m.version}"]
    if m.has_text:
        if m.stem:
            lines.append(f"  {m.stem}")
        lines += [f"  {item.number:>3}. {item.text}" for item in m.items]
        if m.attribution:
            lines.append(f"  {m.attribution}")
    else:
        lines.append("  item wording not shipped (licence); scoring only")
    for key, value in m.status.items():
        lines.append(f"  status {key}: {value}")
    lines += [f"  note: {note}" for note in m.notes]
    return "\n".join(lines)


def parse_answer(text: str, position: int) -> int | float | None:
    """Turn one command-line answer into a number, or None for '-'."""
    if text == MISSING:
        return None
    try:
        value = float(text)
    except ValueError:
        raise UsageError(
            f"answer {position} {text!r} is not a number (use '-' for missing)"
        ) from None
    if not math.isfinite(value):
        raise UsageError(f"answer {position} {text!r} is not a finite number")
    return int(value) if value.is_integer() and "." not in text else value


def _score(args: argparse.Namespace) -> int:
    m = _measure(args.code)
    try:
        if args.response is not None:
            if args.answers:
                raise UsageError("give answers or --response, not both")
            from ontrack.measures.fhir import score_response

            result = score_response(_read_response(args.response), measure=m)
        else:
            answers = [parse_answer(a, i) for i, a in enumerate(args.answers, start=1)]
            result = score(m, answers)
    except MeasureError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_score(m, result))
    return 0


def format_score(m: Measure, r: ScoreResult) -> str:
    """Describe a score in plain words, risk first."""
    lines = []
    if r.risk:
        lines.append(f"RISK: {m.code} item {', '.join(map(str, r.risk_items))} answered "
                     "positively. Review risk today, whatever the total.")  # fmt: skip
    head = f"{m.code} total {_n(r.total)} of {_n(r.max)}"
    if r.band:
        head += f", {r.band}"
    if r.caseness is not None:
        head += ", at caseness" if r.caseness else ", below caseness"
        head += f" ({_cutoff_text(m)})"
    if r.prorated:
        head += " [prorated]"
    lines.append(head)
    lines += [f"  {name}: {_n(value)}" for name, value in r.subscales.items()]
    if r.screen:
        lines.append(f"  screen: {r.screen} (decision support, not a diagnosis)")
    lines += [f"  note: {note}" for note in r.notes if not note.startswith("risk:")]
    return "\n".join(lines)


def _change(args: argparse.Namespace) -> int:
    m = _measure(args.code)
    first = _number(args.first, "FIRST")
    last = _number(args.last, "LAST")
    threshold = None if args.threshold is None else _number(args.threshold, "--threshold")
    cutoff = None if args.cutoff is None else _number(args.cutoff, "--cutoff")
    try:
        result = reliable_change(
            m, first, last, threshold=threshold, cutoff=cutoff, criterion=args.criterion
        )
    except MeasureError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_change(m, result))
    return 0


def format_change(m: Measure, r: ChangeResult) -> str:
    """Describe a change in plain words."""
    words = {
        "improvement": "reliable improvement",
        "deterioration": "reliable deterioration",
        "none": "no reliable change",
    }
    direction = "higher is better" if m.higher_is_better else "higher is worse"
    line = (
        f"{m.code} {_n(r.first)} -> {_n(r.last)}: change {_n(r.change):s} "
        f"({words[r.reliable]}; threshold {_n(round(r.threshold, 2))}, {direction})"
    )
    if r.category is not None and r.cutoff is not None:
        line += f"\n  {r.category.value} (clinical cut-off {_n(r.cutoff)})"
    return line


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise UsageError(f"{what} {text!r} is not a finite number")
    return value


def _read_response(path: Path) -> dict[str, Any]:
    """Read a QuestionnaireResponse file: never more than the size limit, never a traceback.

    A malformed file raises ``ResponseError``, whose one-line message says which risk
    items were answered positively in it, if any.
    """
    from ontrack.measures.response import MAX_RESPONSE_BYTES, load_response

    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_RESPONSE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_RESPONSE_BYTES:
        raise UsageError(
            f"{path} is more than {MAX_RESPONSE_BYTES:,} bytes, too large for one "
            "QuestionnaireResponse; it was not read (check any risk answers by hand)"
        )
    return load_response(data)


def _cutoff_text(m: Measure) -> str:
    if m.clinical_cutoff is None:
        return "none"
    cut = _n(m.clinical_cutoff)
    if m.caseness_rule.value == "any_item":
        op = ">=" if m.cutoff_inclusive else ">"
        return f"any item {op} {cut}"
    if m.higher_is_better:
        return f"<= {cut}" if m.cutoff_inclusive else f"< {cut}"
    return f">= {cut}" if m.cutoff_inclusive else f"> {cut}"


def _n(value: float) -> str:
    """Print 10.0 as 10 and 9.25 as 9.25."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
