"""Questionnaires on the session form: their fields, and answers ticked or typed in one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django import forms

from ontrack.measures import Measure
from ontrack.web.common.forms import measure_key

Answer = int | float | None


@dataclass(frozen=True)
class ItemField:
    """One questionnaire item as the template renders it."""

    number: int
    text: str
    name: str


@dataclass(frozen=True)
class MeasureGroup:
    """A questionnaire on the form: its measure, item fields and where its errors go."""

    measure: Measure
    key: str  # "questionnaire:PHQ-9" or "alliance:OSR", as the action names it
    anchor: str
    items: tuple[ItemField, ...]
    quick: str  # name of the quick-entry field

    @property
    def single_digits(self) -> bool:
        """Whether every answer is one digit, so answers can be typed without separators."""
        return self.measure.item_min >= 0 and self.measure.item_max <= 9


QUICK_MISSING = "-"


def parse_quick(group: MeasureGroup, text: str) -> list[Answer]:
    """Read a quick-entry string: digits in order ("2101"), or numbers separated by spaces
    or commas ("9 9 8 9"); "-" marks an unanswered question. Raise ValueError naming the
    problem in words a clinician can act on."""
    measure = group.measure
    cleaned = text.strip()
    if re.search(r"[\s,;]", cleaned):
        tokens = [t for t in re.split(r"[\s,;]+", cleaned) if t]
    elif group.single_digits:
        tokens = list(cleaned)
    else:
        tokens = [cleaned]
    answers: list[Answer] = []
    for position, token in enumerate(tokens, 1):
        if token == QUICK_MISSING:
            answers.append(None)
            continue
        if not token.isdigit():
            raise ValueError(
                f"Question {position}: {token!r} is not an answer; type numbers "
                f"{measure.item_min} to {measure.item_max}, or - for unanswered."
            )
        value = int(token)
        if not measure.item_min <= value <= measure.item_max:
            raise ValueError(
                f"Question {position}: {value} is outside {measure.item_min} to {measure.item_max}."
            )
        answers.append(value)
    if len(answers) != measure.n_items:
        raise ValueError(
            f"Type {measure.n_items} answers, one per question (you typed {len(answers)})."
        )
    return answers


def quick_text(group: MeasureGroup, answers: Iterable[Answer]) -> str:
    """Write answers the way quick entry reads them (the inverse of ``parse_quick``)."""
    tokens = [QUICK_MISSING if a is None else f"{a:g}" for a in answers]
    return ("" if group.single_digits else " ").join(tokens)


def answer_choices(measure: Measure) -> list[tuple[str, str]]:
    """Each possible answer of an item with its wording ("0", "Not at all"), where there is one."""
    labels = measure.answer_labels
    values = range(measure.item_min, measure.item_max + 1)
    return [(str(v), labels[i] if i < len(labels) else str(v)) for i, v in enumerate(values)]


def measure_fields(measure: Measure, kind: str) -> tuple[MeasureGroup, dict[str, forms.Field]]:
    """Return a questionnaire's group and its fields: one radio set per item, and quick entry.

    ``kind`` is "questionnaire" or "alliance", as the action names its inputs.
    """
    key = measure_key(measure.code)
    choices = answer_choices(measure)
    fields: dict[str, forms.Field] = {}
    items = []
    for item in measure.items:
        name = f"{key}_{item.number}"
        text = item.text or f"Item {item.number}"
        fields[name] = forms.ChoiceField(
            label=f"{item.number}. {text}",
            choices=choices,
            # A compact grid of native radios, not NHS.UK's large ones: a questionnaire
            # is answered many times a day.
            widget=forms.RadioSelect(attrs={"class": "app-grid__input", "data-plain": "1"}),
            required=False,
        )
        items.append(ItemField(item.number, text, name))
    group = MeasureGroup(
        measure, f"{kind}:{measure.code}", f"group-{key}", tuple(items), f"{key}_quick"
    )
    fields[group.quick] = _quick_field(group)
    return group, fields


def _quick_field(group: MeasureGroup) -> forms.CharField:
    measure = group.measure
    example = "".join(str(min(i % 3, measure.item_max)) for i in range(measure.n_items))
    how = (
        f"one digit per question (for example {example})"
        if group.single_digits
        else "separated by spaces"
    )
    return forms.CharField(
        label=f"{measure.code} answers in order",
        required=False,
        max_length=4 * measure.n_items,
        help_text=(
            f"Type {measure.n_items} answers, {measure.item_min} to {measure.item_max}, "
            f"{how}; - for an unanswered question. Or tick the answers below."
        ),
        widget=forms.TextInput(
            attrs={
                "class": "app-quick",
                "inputmode": "numeric",
                "autocomplete": "off",
                "spellcheck": "false",
                "data-quick": measure_key(measure.code),
                "data-items": str(measure.n_items),
                "data-min": str(measure.item_min),
                "data-max": str(measure.item_max),
                "data-digits": "1" if group.single_digits else "0",
            }
        ),
    )


def total_field(measure: Measure) -> forms.FloatField:
    """The total of a scoring-only measure, typed when only the total was scored.

    Its range is the action's rule (``record_session``); the browser is told it too.
    """
    return forms.FloatField(
        label=f"Or the {measure.code} total",
        required=False,
        help_text=(
            f"{measure.min:g} to {measure.max:g}, when only the total was scored "
            "(leave the answers blank)."
        ),
        error_messages={"invalid": f"Enter the {measure.code} total as a number."},
        widget=forms.NumberInput(
            attrs={
                "class": "app-total",
                "step": "any",
                "min": f"{measure.min:g}",
                "max": f"{measure.max:g}",
            }
        ),
    )
