"""Read a FHIR QuestionnaireResponse defensively: bad input is a clear error, risk is never lost.

A response can arrive malformed in many ways (``{"valueInteger": null}``, a 400-digit
number, nesting thousands deep, text that is not UTF-8, a huge file, wrong types). Every such
problem raises ``ResponseError`` (a ``MeasureError``) naming the first problem in one line,
and the error still carries every risk item that was answered validly in the same resource,
graded (``ontrack.measures.risk``), so the caller can open the urgent alert and refuse the
rest. Nothing here recurses on the input, so no input can exhaust the stack.

>>> bad = b'{"resourceType": "QuestionnaireResponse", "status": "completed",' \\
...       b' "questionnaire": "PHQ-9", "item": [{"linkId": "44250-9",' \\
...       b' "answer": [{"valueInteger": null}]}, {"linkId": "44260-8",' \\
...       b' "answer": [{"valueInteger": 2}]}]}'
>>> try:
...     read_response(load_response(bad))
... except ResponseError as error:
...     print(error.risk_items, error.problem)
(9,) PHQ-9 item 1: the answer has no value (valueInteger is null)
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ontrack.measures.definition import Measure
from ontrack.measures.errors import MeasureError
from ontrack.measures.registry import all_measures, resolve
from ontrack.measures.risk import RiskGrade, grade_answers

MAX_RESPONSE_BYTES = 1_000_000  # a completed questionnaire is a few kilobytes
MAX_DEPTH = 40  # JSON nesting; FHIR groups rarely go past 4
MAX_ITEMS = 2_000  # answerable items in one response
MAX_DIGITS = 30  # a number with more digits than this is not an answer to anything
_LARGEST = 10**15
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TOTAL_LINK_ID = "total"
# Items some published Questionnaires carry that no OnTrack measure scores (PHQ-9 item 10).
UNSCORED_LINK_IDS = frozenset({"69722-7"})
_VALUE_KEYS = ("valueInteger", "valueDecimal", "valueCoding")
_END = object()
# The standard library's string scanner (C-accelerated), typed here as typeshed omits it.
_scan: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


class ResponseError(MeasureError):
    """A QuestionnaireResponse that cannot be read, with the risk answers read from it anyway.

    ``problem`` is the first problem found; ``risk`` holds every risk item that was
    answered validly, worst first. ``str(error)`` is one line: the problem, then the risk.
    """

    def __init__(
        self, problem: str, *, measure: str | None = None, risk: Sequence[RiskGrade] = ()
    ) -> None:
        self.problem = " ".join(problem.split())
        self.measure = measure
        self.risk = tuple(risk)
        text = self.problem
        if self.risk:
            said = " ".join(g.sentence() for g in self.risk)
            text += f"; RISK: {said} Review risk today, whatever else is wrong."
        super().__init__(text)

    @property
    def risk_items(self) -> tuple[int, ...]:
        return tuple(sorted({g.item for g in self.risk}))


@dataclass(frozen=True)
class Unreadable:
    """A JSON value that cannot be used (NaN, infinity, a huge number, a container too deep)."""

    what: str


@dataclass(frozen=True)
class ResponseReading:
    """What one QuestionnaireResponse says, item by item, with every problem found."""

    measure: Measure
    answers: tuple[float | None, ...]  # item 1 first; None = not answered (or unreadable)
    problems: tuple[str, ...]
    risk: tuple[RiskGrade, ...]  # positive risk answers that were read validly, worst first

    def raise_problems(self) -> None:
        """Raise ``ResponseError`` for the first problem, if there is any."""
        if not self.problems:
            return
        more = len(self.problems) - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ResponseError(self.problems[0] + extra, measure=self.measure.code, risk=self.risk)


def load_response(data: bytes | str, *, max_bytes: int = MAX_RESPONSE_BYTES) -> dict[str, Any]:
    """Parse a QuestionnaireResponse document; raise ``ResponseError`` for anything unusable.

    Refuses more than ``max_bytes``, text that is not UTF-8, invalid JSON, NaN or
    infinities, numbers with more than ``MAX_DIGITS`` digits and nesting deeper than
    ``MAX_DEPTH``; where the rest of the document can be read, the error carries its
    positive risk answers.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise ResponseError(
            f"the QuestionnaireResponse is {len(raw):,} bytes; at most {max_bytes:,} are "
            "accepted, so it was not read (check any risk answers by hand)"
        )
    problem: str | None = None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"the QuestionnaireResponse is not UTF-8 text (byte {exc.start})"
        text = raw.decode("utf-8", "replace")
    try:
        document = parse_json(text)
    except ValueError as exc:
        raise ResponseError(
            problem or f"the QuestionnaireResponse is not valid JSON: {exc}"
        ) from None
    if not isinstance(document, dict):
        raise ResponseError(problem or "a QuestionnaireResponse must be one JSON object")
    found = first_unreadable(document)
    if problem is None and found is not None:
        path, what = found
        shown = path if len(path) <= 60 else path[:57] + "..."
        problem = f"the QuestionnaireResponse has {what.what} at {shown}"
    if problem is not None:
        raise ResponseError(problem, **_risk_anyway(document))
    return document


def _risk_anyway(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return the measure and positive risk answers that can still be read from a document."""
    try:
        reading = read_response(document, raise_on_problems=False)
    except ResponseError:
        return {}
    return {"measure": reading.measure.code, "risk": reading.risk}


def measure_for_response(response: Any) -> Measure:
    """Find the measure a QuestionnaireResponse answers, from its ``questionnaire`` URL.

    Accepts OnTrack's canonical URLs under any base, a LOINC panel (".../44249-1") and a
    measure code as the last path segment.
    """
    if not isinstance(response, Mapping):
        raise ResponseError("a QuestionnaireResponse must be one JSON object")
    ref = response.get("questionnaire")
    if not isinstance(ref, str) or not ref.strip():
        raise ResponseError("QuestionnaireResponse has no 'questionnaire': say which measure")
    last = ref.split("|")[0].rstrip("/").rsplit("/", 1)[-1]
    for m in all_measures():
        if last.lower() in {slug(m), m.code.lower()} or last == m.fhir.panel_loinc:
            return m
    shown = ref if len(ref) <= 80 else ref[:77] + "..."
    raise ResponseError(f"QuestionnaireResponse questionnaire {shown!r} is not a known measure")


def slug(m: Measure) -> str:
    """Return the measure's id in URLs: "PHQ-9" → "phq-9"."""
    return re.sub(r"[^a-z0-9-]+", "-", m.code.lower()).strip("-")


def link_id(m: Measure, number: int) -> str:
    """Return the linkId of item ``number``: its LOINC code where it has one, else "item-N"."""
    loinc = m.items[number - 1].loinc
    return loinc if loinc else f"item-{number}"


def read_response(
    response: Any, measure: str | Measure | None = None, *, raise_on_problems: bool = True
) -> ResponseReading:
    """Read every item answer of a QuestionnaireResponse, one item at a time.

    A bad item never stops the others being read, so a risk item answered validly is
    graded whatever else is wrong. Raises ``ResponseError`` for the first problem unless
    ``raise_on_problems`` is False (then the problems are in the reading).
    """
    m = measure_for_response(response) if measure is None else resolve(measure)
    if not isinstance(response, Mapping):
        raise ResponseError("a QuestionnaireResponse must be one JSON object", measure=m.code)
    by_link = {link_id(m, n): n for n in range(1, m.n_items + 1)}
    by_link.update({f"item-{n}": n for n in range(1, m.n_items + 1)})
    skip = {TOTAL_LINK_ID, "stem", *UNSCORED_LINK_IDS}
    if m.fhir.total_loinc:
        skip.add(m.fhir.total_loinc)
    answers: dict[int, float | None] = {}
    problems: list[str] = []
    for item, problem in walk_items(response.get("item", [])):
        if problem is not None:
            problems.append(f"{m.code} QuestionnaireResponse: {problem}")
            continue
        link = item.get("linkId")
        if not isinstance(link, str):
            problems.append(f"{m.code} QuestionnaireResponse: an item has no text linkId")
            continue
        link = link.lstrip("/")
        if link in skip:
            continue
        number = by_link.get(link)
        if number is None:
            shown = link if len(link) <= 40 else link[:37] + "..."
            problems.append(f"{m.code} QuestionnaireResponse: unknown linkId {shown!r}")
        elif number in answers:
            problems.append(f"{m.code} QuestionnaireResponse: item {number} answered twice")
        else:
            value, problem = _item_answer(m, number, item.get("answer"))
            answers[number] = value
            if problem is not None:
                problems.append(f"{m.code} item {number}: {problem}")
    valid = {n: v for n, v in answers.items() if v is not None}
    reading = ResponseReading(
        measure=m,
        answers=tuple(answers.get(n) for n in range(1, m.n_items + 1)),
        problems=tuple(problems),
        risk=grade_answers(m, valid),
    )
    if raise_on_problems:
        reading.raise_problems()
    return reading


def walk_items(items: Any) -> list[tuple[Mapping[str, Any], str | None]]:
    """Return answerable items depth-first (a group's items before the group), or a problem
    in place of each item that cannot be read.

    Iterative, and bounded by ``MAX_DEPTH`` and ``MAX_ITEMS``.
    """
    if items is None:
        return []
    if not isinstance(items, list):
        return [({}, "'item' must be a list of items")]
    out: list[tuple[Mapping[str, Any], str | None]] = []
    frames: list[tuple[Iterator[Any], int, Mapping[str, Any] | None]] = [(iter(items), 1, None)]
    while frames:
        rest, depth, group = frames[-1]
        item = next(rest, _END)
        if item is _END:
            frames.pop()
            if group is not None:
                out.append((group, None))
            continue
        if not isinstance(item, Mapping):
            out.append(({}, "each item must be a JSON object"))
            continue
        children = item.get("item")
        if children:
            if isinstance(children, Unreadable) or depth >= MAX_DEPTH:
                out.append(({}, "items are nested too deeply to read"))
            elif not isinstance(children, list):
                out.append(({}, "'item' must be a list of items"))
            else:
                frames.append((iter(children), depth + 1, item if "answer" in item else None))
            continue
        out.append((item, None))
        if len(out) > MAX_ITEMS:
            return [({}, f"more than {MAX_ITEMS} items")]
    return out


def _item_answer(m: Measure, number: int, values: Any) -> tuple[float | None, str | None]:
    """Return (answer, None) or (None, problem) for one item's ``answer`` list."""
    if values is None or values == []:
        return None, None
    if not isinstance(values, list):
        return None, "'answer' must be a list"
    if len(values) > 1:
        return None, "more than one answer"
    answer = values[0]
    if not isinstance(answer, Mapping):
        return None, "the answer must be a JSON object"
    present = [k for k in answer if isinstance(k, str) and k.startswith("value")]
    if len(present) != 1 or present[0] not in _VALUE_KEYS:
        return None, "answer must be an integer, decimal or coding"
    key = present[0]
    raw = answer[key]
    if raw is None:
        return None, f"the answer has no value ({key} is null)"
    if key == "valueCoding":
        value, problem = _coding_value(m, raw)
    else:
        value, problem = _number(raw, whole=key == "valueInteger")
        problem = problem and f"{key} {problem}"
    if problem is not None or value is None:
        return None, problem or "the answer has no value"
    return _in_range(m, value)


def _number(raw: Any, *, whole: bool) -> tuple[float | None, str | None]:
    if isinstance(raw, Unreadable):
        return None, f"is {raw.what}"
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None, f"must be a number, not {type(raw).__name__}"
    if isinstance(raw, int):
        if abs(raw) >= _LARGEST:
            return None, f"is a number with {len(str(abs(raw)))} digits"
        return float(raw), None
    if raw != raw or raw in (float("inf"), float("-inf")):
        return None, "is not a finite number"
    if whole and not raw.is_integer():
        return None, f"must be a whole number, got {raw:g}"
    return float(raw), None


def _coding_value(m: Measure, coding: Any) -> tuple[float | None, str | None]:
    if not isinstance(coding, Mapping):
        return None, "valueCoding must be a JSON object"
    extensions = coding.get("extension", [])
    if isinstance(extensions, list):
        for ext in extensions:
            if isinstance(ext, Mapping) and ext.get("url") == ORDINAL_VALUE:
                return _number(ext.get("valueDecimal"), whole=False)
    code = coding.get("code")
    if not isinstance(code, str):
        return None, "valueCoding has no text code"
    if code in m.fhir.answer_codes:
        return float(m.item_min + m.fhir.answer_codes.index(code)), None
    if re.fullmatch(r"-?\d{1,6}(\.\d{1,6})?", code):
        return float(code), None
    shown = code if len(code) <= 20 else code[:17] + "..."
    return None, f"answer code {shown!r} has no score"


def _in_range(m: Measure, value: float) -> tuple[float | None, str | None]:
    shown = f"{value:g}"
    if not m.item_min <= value <= m.item_max:
        return None, f"{shown} is out of range {m.item_min}..{m.item_max}"
    steps = (value - m.item_min) / m.item_step
    if abs(steps - round(steps)) > 1e-6:
        grain = "a whole number" if m.item_step == 1 else f"a multiple of {m.item_step:g}"
        return None, f"{shown} must be {grain}"
    return value, None


# -- JSON that cannot exhaust the stack ---------------------------------------------------------

_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_SPACE = re.compile(r"[ \t\n\r]*")
_LITERALS = {"true": True, "false": False, "null": None}
_CONSTANTS = ("NaN", "-Infinity", "Infinity")


def parse_json(text: str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON; unusable values become ``Unreadable`` markers, and no input recurses deeply.

    NaN, infinities and numbers of more than ``MAX_DIGITS`` digits become markers. The
    standard parser is tried first; input nested too deeply for it is read again without
    recursion, containers deeper than ``max_depth`` being skipped as one marker.
    Raises ValueError for text that is not JSON.

    >>> parse_json('{"a": [1, 2.5, NaN], "b": ' + '[' * 5000 + ']' * 5000 + '}')["a"][2]
    Unreadable(what='NaN')
    """
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=Unreadable)
    except RecursionError:
        return _Parser(text, max_depth).parse()


def _int(token: str) -> int | Unreadable:
    digits = len(token.lstrip("-"))
    return Unreadable(f"a number with {digits} digits") if digits > MAX_DIGITS else int(token)


def _float(token: str) -> float | Unreadable:
    digits = sum(c.isdigit() for c in token)
    if digits > MAX_DIGITS:
        return Unreadable(f"a number with {digits} digits")
    value = float(token)
    return value if abs(value) != float("inf") else Unreadable("a number too large")


class _Parser:
    def __init__(self, text: str, max_depth: int) -> None:
        self.text = text
        self.max_depth = max_depth
        self.pos = 0
        self.stack: list[dict[str, Any] | list[Any]] = []
        self.keys: list[str] = []
        self.result: list[Any] = []

    def parse(self) -> Any:
        self._space()
        while True:
            self._value()
            if self._after_value():
                return self.result[0]

    def _space(self) -> None:
        match = _SPACE.match(self.text, self.pos)
        self.pos = match.end() if match else self.pos

    def _fail(self, what: str) -> ValueError:
        return ValueError(f"{what} at character {self.pos}")

    def _put(self, value: Any) -> None:
        if not self.stack:
            self.result.append(value)
        elif isinstance(top := self.stack[-1], list):
            top.append(value)
        else:
            top[self.keys[-1]] = value

    def _key(self) -> None:
        self._space()
        if not self.text.startswith('"', self.pos):
            raise self._fail("expected a quoted key")
        key, self.pos = _scan(self.text, self.pos + 1)
        self._space()
        if not self.text.startswith(":", self.pos):
            raise self._fail("expected ':'")
        self.pos += 1
        self.keys[-1] = key
        self._space()

    def _value(self) -> None:
        """Read one value at ``pos`` (opening a container leaves it on the stack)."""
        while True:
            if self.pos >= len(self.text):
                raise self._fail("unexpected end of text")
            ch = self.text[self.pos]
            if ch not in "[{":
                self._put(self._scalar())
                return
            if len(self.stack) >= self.max_depth:
                self._put(Unreadable(f"nesting deeper than {self.max_depth} levels"))
                self._skip_container()
                return
            container: dict[str, Any] | list[Any] = [] if ch == "[" else {}
            self._put(container)
            self.stack.append(container)
            self.keys.append("")
            self.pos += 1
            self._space()
            if self.text.startswith("]" if ch == "[" else "}", self.pos):
                self.pos += 1
                self.stack.pop()
                self.keys.pop()
                return
            if ch == "{":
                self._key()

    def _after_value(self) -> bool:
        """Consume commas and closing brackets; return True at the end of the document."""
        while True:
            self._space()
            if not self.stack:
                if self.pos != len(self.text):
                    raise self._fail("extra text after the JSON value")
                return True
            top = self.stack[-1]
            closer = "]" if isinstance(top, list) else "}"
            if self.text.startswith(",", self.pos):
                self.pos += 1
                self._space()
                if isinstance(top, dict):
                    self._key()
                return False
            if not self.text.startswith(closer, self.pos):
                raise self._fail(f"expected ',' or '{closer}'")
            self.pos += 1
            self.stack.pop()
            self.keys.pop()

    def _scalar(self) -> Any:
        text, pos = self.text, self.pos
        if text.startswith('"', pos):
            value, self.pos = _scan(text, pos + 1)
            return value
        for word, literal in _LITERALS.items():
            if text.startswith(word, pos):
                self.pos += len(word)
                return literal
        for word in _CONSTANTS:
            if text.startswith(word, pos):
                self.pos += len(word)
                return Unreadable(word)
        match = _NUMBER.match(text, pos)
        if not match:
            raise self._fail("expected a JSON value")
        self.pos = match.end()
        token = match.group()
        return _int(token) if re.fullmatch(r"-?[0-9]+", token) else _float(token)

    def _skip_container(self) -> None:
        depth, text = 0, self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == '"':
                _, self.pos = _scan(text, self.pos + 1)
                continue
            if ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth == 0:
                    self.pos += 1
                    return
            self.pos += 1
        raise self._fail("unexpected end of text")


def first_unreadable(document: Any, *, max_depth: int = MAX_DEPTH) -> tuple[str, Unreadable] | None:
    """Return the JSON path and marker of the first unusable value, in document order.

    A container nested deeper than ``max_depth`` counts as unusable.
    """
    # Paths are kept as (parent, step) links and only spelled out for the one found.
    stack: list[tuple[Any, Any, int]] = [(None, document, 0)]
    while stack:
        link, value, depth = stack.pop()
        found = value if isinstance(value, Unreadable) else None
        if found is None and isinstance(value, dict | list) and depth >= max_depth:
            found = Unreadable(f"nesting deeper than {max_depth} levels")
        if found is not None:
            return _spell(link), found
        if isinstance(value, dict):
            pairs: Any = value.items()
        elif isinstance(value, list):
            pairs = enumerate(value)
        else:
            continue
        # Only containers and markers need a look: plain scalars are skipped cheaply.
        stack.extend(
            ((link, k), v, depth + 1)
            for k, v in reversed(list(pairs))
            if isinstance(v, dict | list | Unreadable)
        )
    return None


def _spell(link: Any) -> str:
    steps: list[str] = []
    while link is not None:
        link, key = link
        steps.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "$" + "".join(reversed(steps))
