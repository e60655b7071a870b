"""The client's questionnaire form: every question of one measure, on one page."""

from __future__ import annotations

from typing import Any

from django import forms

from ontrack.measures import Measure
from ontrack.web.common.actions import ActionError
from ontrack.web.common.forms import AccessibleFormMixin, measure_key

Answer = int | float | None


class OnlineQuestionnaireForm(AccessibleFormMixin, forms.Form):
    """One questionnaire as the client answers it online: every question, one at a time."""

    def __init__(self, *args: Any, measure: Measure, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{measure_key(measure.code)}-%s")
        super().__init__(*args, **kwargs)
        self.measure = measure
        labels = measure.answer_labels
        values = range(measure.item_min, measure.item_max + 1)
        choices = [(str(v), labels[i] if i < len(labels) else str(v)) for i, v in enumerate(values)]
        for item in measure.items:
            self.fields[f"item_{item.number}"] = forms.TypedChoiceField(
                label=f"{item.number}. {item.text}",
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Answer question {item.number}.",
                    "invalid_choice": f"Question {item.number}: choose one of the answers "
                    f"({measure.item_min} to {measure.item_max}).",
                },
            )
        self.style_widgets()

    def answers(self) -> list[Answer]:
        """The answers as given, None where a question was left blank or answered badly."""
        out: list[Answer] = []
        for item in self.measure.items:
            raw = self.data.get(f"item_{item.number}", "")
            try:
                value = int(raw)
            except (TypeError, ValueError):
                out.append(None)
                continue
            ok = self.measure.item_min <= value <= self.measure.item_max
            out.append(value if ok else None)
        return out

    def add_action_errors(self, error: ActionError) -> None:
        """Put the action's messages on the questions they are about."""
        for key, message in error.errors.items():
            name = f"item_{key.split(':', 1)[1]}" if key.startswith("item:") else None
            self.add_error(name if name in self.fields else None, message)
        self.wire_errors()
