"""Read measure definition files (TOML) into ``Measure`` objects, strictly.

A typo in a definition must fail loudly when the file is read, not quietly change a score,
so unknown keys and out-of-range values are errors that name the file and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from ontrack.measures.definition import (
    SCREENS,
    Band,
    CasenessRule,
    Fhir,
    Item,
    Kind,
    Measure,
    MissingMethod,
    Norms,
    ScoringMethod,
    check_status,
)
from ontrack.measures.errors import MeasureError

ENV_DIR = "ONTRACK_MEASURES_DIR"

_E = TypeVar("_E", Kind, ScoringMethod, MissingMethod, CasenessRule)

_TOP_KEYS = {
    "code", "name", "version", "kind", "construct", "source", "licence", "attribution",
    "commercial_use", "aliases", "notes", "higher_is_better", "stem", "n_items", "response",
    "items", "scoring", "missing", "caseness", "bands", "change", "norms", "risk", "fhir",
    "status",
}  # fmt: skip
_SECTION_KEYS: dict[str, set[str]] = {
    "response": {"min", "max", "step", "labels"},
    "items": {"number", "text", "loinc"},
    "scoring": {"method", "multiplier", "reverse", "optional", "subscales", "subscale_method",
                "screen"},
    "missing": {"max_missing", "method"},
    "caseness": {"cutoff", "inclusive", "rule"},
    "bands": {"lower", "label"},
    "change": {"reliable_change", "sd", "reliability"},
    "norms": {"functional_mean", "functional_sd", "clinical_mean", "clinical_sd", "source"},
    "risk": {"items", "at_least"},
    "fhir": {"panel_loinc", "total_loinc", "total_snomed", "answer_list", "answer_codes"},
}  # fmt: skip


def normalise_code(code: str) -> str:
    """Reduce a measure code to lower-case letters and digits: "PHQ-9", "phq 9" → "phq9"."""
    return re.sub(r"[^0-9a-z]", "", code.lower())


class _Reader:
    """Typed access to one TOML table, with errors that name the file and key."""

    def __init__(self, path: Path, table: Mapping[str, Any], where: str) -> None:
        self.path = path
        self.table = table
        self.where = where

    def fail(self, key: str, problem: str) -> MeasureError:
        return MeasureError(f"{self.path.name}: {self.where}{key}: {problem}")

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise self.fail(unknown[0], "unknown key (check the spelling; see docs/measures.md)")

    def has(self, key: str) -> bool:
        return key in self.table

    def str_(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "required text is missing or empty")
        return value

    def opt_str(self, key: str) -> str | None:
        return self.str_(key) if key in self.table else None

    def bool_(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def num(self, key: str, default: float | None = None) -> float:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, got {value!r}")
        return float(value)

    def opt_num(self, key: str) -> float | None:
        return self.num(key) if key in self.table else None

    def int_(self, key: str, default: int | None = None) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, got {value!r}")
        return value

    def ints(self, key: str) -> tuple[int, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise self.fail(key, f"must be a list of whole numbers, got {value!r}")
        return tuple(value)

    def strs(self, key: str) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"must be a list of text values, got {value!r}")
        return tuple(value)

    def section(self, key: str) -> _Reader | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table ([section])")
        reader = _Reader(self.path, value, f"[{key}] ")
        reader.check_keys(_SECTION_KEYS[key])
        return reader

    def array(self, key: str) -> list[_Reader]:
        value = self.table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "must be an array of tables ([[" + key + "]])")
        readers = [_Reader(self.path, v, f"[[{key}]] #{i + 1} ") for i, v in enumerate(value)]
        for reader in readers:
            reader.check_keys(_SECTION_KEYS[key])
        return readers

    def enum(self, key: str, kind: type[_E], default: _E) -> _E:
        value = self.table.get(key, default.value)
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(repr(e.value) for e in kind)
            raise self.fail(key, f"must be one of {allowed}, got {value!r}") from None


def parse_definition(path: Path, data: Mapping[str, Any]) -> Measure:
    """Build a ``Measure`` from a parsed definition file, checking every field."""
    top = _Reader(path, data, "")
    top.check_keys(_TOP_KEYS)
    code = top.str_("code")

    response = top.section("response")
    if response is None:
        raise top.fail("response", "missing [response] table with min and max")
    item_min, item_max = response.int_("min"), response.int_("max")
    if item_min >= item_max:
        raise response.fail("max", f"must exceed min ({item_min}), got {item_max}")
    step = response.num("step", 1.0)
    if not 0 < step <= 1:
        raise response.fail("step", f"must be in (0, 1], got {step}")
    labels = response.strs("labels")
    if labels and len(labels) != item_max - item_min + 1:
        raise response.fail("labels", f"need one label per answer {item_min}..{item_max}")

    items = _items(top)
    n = len(items)
    numbers = set(range(1, n + 1))

    def check_items(reader: _Reader, key: str, values: tuple[int, ...]) -> tuple[int, ...]:
        bad = [v for v in values if v not in numbers]
        if bad:
            raise reader.fail(key, f"item {bad[0]} does not exist (items are 1..{n})")
        return values

    scoring = top.section("scoring") or _Reader(path, {}, "[scoring] ")
    screen = scoring.opt_str("screen")
    if screen is not None and screen not in SCREENS:
        raise scoring.fail("screen", f"unknown algorithm {screen!r}; known: {sorted(SCREENS)}")
    subscales: dict[str, tuple[int, ...]] = {}
    raw_subscales = scoring.table.get("subscales", {})
    if not isinstance(raw_subscales, dict):
        raise scoring.fail("subscales", "must be a table of name = [item numbers]")
    sub_reader = _Reader(path, raw_subscales, "[scoring.subscales] ")
    for name in raw_subscales:
        subscales[name] = check_items(sub_reader, name, sub_reader.ints(name))

    missing = top.section("missing") or _Reader(path, {}, "[missing] ")
    max_missing = missing.int_("max_missing", 0)
    missing_method = missing.enum("method", MissingMethod, MissingMethod.NONE)
    if not 0 <= max_missing < n:
        raise missing.fail("max_missing", f"must be in 0..{n - 1}, got {max_missing}")
    if max_missing > 0 and missing_method is MissingMethod.NONE:
        raise missing.fail("method", "max_missing > 0 needs method = 'prorate'")

    caseness = top.section("caseness")
    change = top.section("change")
    risk = top.section("risk")
    norms = top.section("norms")
    fhir = top.section("fhir")

    status: dict[str, str] = {}
    raw_status = data.get("status", {})
    if not isinstance(raw_status, dict):
        raise top.fail("status", "must be a table of 'section.key' = 'status'")
    for key, value in raw_status.items():
        if not isinstance(value, str):
            raise top.fail("status", f"status of {key!r} must be text")
        check_status(path, key, value)
        status[key] = value

    measure = Measure(
        code=code,
        name=top.str_("name"),
        version=top.str_("version"),
        kind=top.enum("kind", Kind, Kind.OUTCOME),
        construct=top.str_("construct"),
        source=top.str_("source"),
        licence=top.str_("licence"),
        attribution=top.opt_str("attribution"),
        commercial_use=top.bool_("commercial_use", True),
        stem=top.opt_str("stem"),
        items=items,
        item_min=item_min,
        item_max=item_max,
        item_step=step,
        answer_labels=labels,
        higher_is_better=top.bool_("higher_is_better", False),
        method=scoring.enum("method", ScoringMethod, ScoringMethod.SUM),
        multiplier=scoring.num("multiplier", 1.0),
        reverse_items=check_items(scoring, "reverse", scoring.ints("reverse")),
        optional_items=check_items(scoring, "optional", scoring.ints("optional")),
        max_missing=max_missing,
        missing_method=missing_method,
        subscales=subscales,
        subscale_method=scoring.enum("subscale_method", ScoringMethod, ScoringMethod.SUM),
        clinical_cutoff=caseness.num("cutoff") if caseness else None,
        cutoff_inclusive=caseness.bool_("inclusive", True) if caseness else True,
        caseness_rule=(
            caseness.enum("rule", CasenessRule, CasenessRule.TOTAL)
            if caseness
            else CasenessRule.TOTAL
        ),
        bands=tuple(Band(b.num("lower"), b.str_("label")) for b in top.array("bands")),
        fixed_reliable_change=change.opt_num("reliable_change") if change else None,
        sd=change.opt_num("sd") if change else None,
        reliability=change.opt_num("reliability") if change else None,
        norms=_norms(norms),
        risk_items=check_items(risk, "items", risk.ints("items")) if risk else (),
        risk_at_least=risk.num("at_least", 1.0) if risk else 1.0,
        screen=screen,
        aliases=top.strs("aliases"),
        fhir=_fhir(fhir),
        status=status,
        notes=top.strs("notes"),
        path=str(path),
    )
    _check_consistency(path, measure)
    return measure


def _items(top: _Reader) -> tuple[Item, ...]:
    readers = top.array("items")
    if readers:
        items = tuple(
            Item(number=r.int_("number"), text=r.opt_str("text"), loinc=r.opt_str("loinc"))
            for r in readers
        )
        if [i.number for i in items] != list(range(1, len(items) + 1)):
            raise top.fail("items", "item numbers must run 1, 2, 3, … in order")
        if top.has("n_items") and top.int_("n_items") != len(items):
            raise top.fail("n_items", f"says {top.int_('n_items')} but {len(items)} items given")
        return items
    n = top.int_("n_items")
    if n < 1:
        raise top.fail("n_items", f"must be at least 1, got {n}")
    return tuple(Item(number=i) for i in range(1, n + 1))


def _norms(reader: _Reader | None) -> Norms | None:
    if reader is None:
        return None
    norms = Norms(
        functional_mean=reader.num("functional_mean"),
        functional_sd=reader.num("functional_sd"),
        clinical_mean=reader.num("clinical_mean"),
        clinical_sd=reader.num("clinical_sd"),
        source=reader.str_("source"),
    )
    if norms.functional_sd <= 0 or norms.clinical_sd <= 0:
        raise reader.fail("functional_sd", "SDs must be positive")
    return norms


def _fhir(reader: _Reader | None) -> Fhir:
    if reader is None:
        return Fhir()
    return Fhir(
        panel_loinc=reader.opt_str("panel_loinc"),
        total_loinc=reader.opt_str("total_loinc"),
        total_snomed=reader.opt_str("total_snomed"),
        answer_list=reader.opt_str("answer_list"),
        answer_codes=reader.strs("answer_codes"),
    )


def _check_consistency(path: Path, m: Measure) -> None:
    """Reject combinations that would make scoring ambiguous."""

    def fail(problem: str) -> MeasureError:
        return MeasureError(f"{path.name}: {problem}")

    if any(item.text for item in m.items) and not m.has_text:
        raise fail("either every item has text or none does")
    if m.fhir.answer_codes and len(m.fhir.answer_codes) != m.item_max - m.item_min + 1:
        raise fail("[fhir] answer_codes needs one code per answer value")
    total_rule = m.caseness_rule is CasenessRule.TOTAL
    if m.clinical_cutoff is not None and total_rule and not m.min <= m.clinical_cutoff <= m.max:
        raise fail(f"[caseness] cutoff {m.clinical_cutoff} is outside {m.min}..{m.max}")
    if m.caseness_rule is CasenessRule.ANY_ITEM and m.clinical_cutoff is None:
        raise fail("[caseness] rule = 'any_item' needs a cutoff")
    if m.reliability is not None and not 0 <= m.reliability < 1:
        raise fail(f"[change] reliability must be in [0, 1), got {m.reliability}")
    if m.sd is not None and m.sd <= 0:
        raise fail(f"[change] sd must be positive, got {m.sd}")
    if m.fixed_reliable_change is not None and m.fixed_reliable_change <= 0:
        raise fail("[change] reliable_change must be positive")
    lowers = [b.lower for b in m.bands]
    if lowers != sorted(lowers) or len(set(lowers)) != len(lowers):
        raise fail("[[bands]] must be in increasing order of 'lower'")
    for key in m.status:
        section, _, name = key.partition(".")
        if section not in _SECTION_KEYS or name not in _SECTION_KEYS[section]:
            raise fail(f"[status] refers to unknown field {key!r} (use 'section.key')")


def load_file(path: Path) -> Measure:
    """Read and check one definition file."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise MeasureError(f"{path.name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise MeasureError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_definition(path, data)


def _load_dir(files: list[Path]) -> dict[str, Measure]:
    out: dict[str, Measure] = {}
    for path in sorted(files, key=lambda p: p.name):
        measure = load_file(path)
        key = normalise_code(measure.code)
        if key in out:
            raise MeasureError(f"{path.name}: code {measure.code!r} is already defined by "
                               f"{Path(out[key].path or '?').name}")  # fmt: skip
        out[key] = measure
    return out


@cache
def _registry(extra_dir: str | None) -> tuple[dict[str, Measure], dict[str, str]]:
    """Load the built-in definitions, then any from ``extra_dir`` (which replace same codes)."""
    builtin_dir = resources.files("ontrack.measures") / "definitions"
    builtin = [Path(str(p)) for p in builtin_dir.iterdir() if p.name.endswith(".toml")]
    measures = _load_dir(builtin)
    if extra_dir:
        directory = Path(extra_dir)
        if not directory.is_dir():
            raise MeasureError(f"{ENV_DIR}={extra_dir!r} is not a directory")
        measures.update(_load_dir(list(directory.glob("*.toml"))))
    aliases: dict[str, str] = {}
    for key, measure in measures.items():
        for alias in measure.aliases:
            alias_key = normalise_code(alias)
            if alias_key in measures and alias_key != key:
                raise MeasureError(f"{measure.code}: alias {alias!r} clashes with a measure code")
            aliases[alias_key] = key
    return measures, aliases


def registry() -> tuple[dict[str, Measure], dict[str, str]]:
    """Return (code key → measure, alias key → code key) for the current environment."""
    return _registry(os.environ.get(ENV_DIR) or None)


def clear_cache() -> None:
    """Forget loaded definitions (after editing files or ``ONTRACK_MEASURES_DIR``)."""
    _registry.cache_clear()
