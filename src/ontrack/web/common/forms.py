"""Form plumbing shared by every page: NHS.UK frontend classes, and errors wired to their
fields for screen readers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms.widgets import Input

from ontrack.web.common.actions import ActionError

# The NHS.UK frontend class of each kind of widget, and its error modifier.
_WIDGET_CLASSES: tuple[tuple[type[forms.Widget], str, str], ...] = (
    (forms.RadioSelect, "nhsuk-radios__input", ""),
    (forms.CheckboxSelectMultiple, "nhsuk-checkboxes__input", ""),
    (forms.CheckboxInput, "nhsuk-checkboxes__input", ""),
    (forms.Textarea, "nhsuk-textarea", "nhsuk-textarea--error"),
    (forms.Select, "nhsuk-select", "nhsuk-select--error"),
    (Input, "nhsuk-input", "nhsuk-input--error"),
)


def _classes(widget: forms.Widget) -> tuple[str, str]:
    for kind, base, error in _WIDGET_CLASSES:
        if isinstance(widget, kind):
            return base, error
    return "", ""


class AccessibleFormMixin:
    """Style fields with NHS.UK frontend classes, mark invalid fields with ``aria-invalid``
    and tie each error message to its field.

    Each field's error message is rendered with the id ``<field id>-error`` (see
    ``templates/includes/field.html``); the input's ``aria-describedby`` names it, together
    with the hint (``<field id>-hint``) when the field has help text.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self) -> None:
        """Give every widget its NHS.UK frontend class (and the error modifier if invalid)."""
        form: Any = self
        errors = form._errors or {}
        for name, field in form.fields.items():
            if isinstance(field.widget, forms.HiddenInput) or field.widget.attrs.get("data-plain"):
                continue
            base, error = _classes(field.widget)
            extra = [c for c in field.widget.attrs.get("class", "").split() if c.startswith("app-")]
            classes = [base, *extra]
            if error and name in errors:
                classes.append(error)
            field.widget.attrs["class"] = " ".join(c for c in classes if c)

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self.wire_errors()

    def wire_errors(self) -> None:
        """Set ``aria-invalid`` and ``aria-describedby`` on every field from its errors."""
        form: Any = self
        for name, field in form.fields.items():
            bound = form[name]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}-hint")
            if name in form.errors:
                described.append(f"{bound.auto_id}-error")
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)
            else:
                field.widget.attrs.pop("aria-describedby", None)
        self.style_widgets()


def measure_key(code: str) -> str:
    """Return a field-name-safe key for a measure code ("PHQ-9" → "phq9")."""
    return re.sub(r"[^a-z0-9]", "", code.lower())


def apply_action_errors(
    form: forms.Form, error: ActionError, mapping: Mapping[str, str] | None = None
) -> None:
    """Put an action's messages on a simple form's fields (or at the top)."""
    mapping = mapping or {}
    for key, message in error.errors.items():
        name = mapping.get(key, key)
        form.add_error(name if name in form.fields and name != "version" else None, message)
    if isinstance(form, AccessibleFormMixin):
        form.wire_errors()
