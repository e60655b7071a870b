"""Template helpers of the pathway's pages."""

from __future__ import annotations

from typing import Any

from django import forms, template

register = template.Library()


@register.filter
def input_kind(field: Any) -> str:
    """How a bound field is drawn: radios, checkboxes, one checkbox, hidden or a field."""
    widget = field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "field"


@register.filter
def weeks(days: int | None) -> str:
    """Days as weeks and days, e.g. "6 weeks 3 days"."""
    if days is None:
        return ""
    w, d = divmod(int(days), 7)
    parts = [f"{w} week{'s' if w != 1 else ''}"] if w else []
    if d or not parts:
        parts.append(f"{d} day{'s' if d != 1 else ''}")
    return " ".join(parts)
