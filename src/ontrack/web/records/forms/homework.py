"""Set homework to Beck's criteria at an attended contact."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from ontrack.web.common.forms import AccessibleFormMixin
from ontrack.web.records.actions import HomeworkPlan
from ontrack.web.records.models.measures import BECK_CRITERIA


class HomeworkForm(AccessibleFormMixin, forms.Form):
    """Set a between-session task to Beck's criteria, at an attended contact."""

    contact = forms.TypedChoiceField(
        label="Set at the session on",
        coerce=int,
        error_messages={
            "required": "Choose the session at which the task was agreed.",
            "invalid_choice": "Choose one of the client's attended sessions.",
        },
    )

    def __init__(self, *args: Any, contacts: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                c.pk,
                f"{c.contact_date:%-d %b %Y}"
                + (f" (session {c.session_number})" if c.session_number else ""),
            )
            for c in contacts
        ]
        field = self.fields["contact"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices
        if choices:
            self.initial.setdefault("contact", choices[0][0])
        for name, label in BECK_CRITERIA:
            self.fields[name] = forms.CharField(
                label=label,
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=2000,
            )
        self.style_widgets()

    def plan(self) -> HomeworkPlan:
        return HomeworkPlan(**{name: self.cleaned_data.get(name, "") for name, _ in BECK_CRITERIA})
