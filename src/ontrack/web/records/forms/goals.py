"""Agree a goal with the client, and change its status or wording.

Whether a goal has its words and a date is the actions' rule (``agree_goal``,
``update_goal``): these fields are not required here, so an empty one reaches the action
and its message is shown. The browser still marks them required.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from ontrack.web.common.codes import GoalStatus
from ontrack.web.common.forms import AccessibleFormMixin


class GoalForm(AccessibleFormMixin, forms.Form):
    """Agree a new goal with the client."""

    description = forms.CharField(
        label="The goal, in the client's own words",
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
        max_length=1000,
        required=False,
        help_text="Something they would like to be different, e.g. 'Go to the shops on my own'.",
    )
    agreed_on = forms.DateField(
        label="Agreed on",
        widget=forms.DateInput(attrs={"type": "date", "required": True}, format="%Y-%m-%d"),
        required=False,
        error_messages={"invalid": "Enter a real date, for example 27 3 2026."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "goal-new-%s")
        super().__init__(*args, **kwargs)
        self.initial.setdefault("agreed_on", timezone.localdate())


class GoalUpdateForm(AccessibleFormMixin, forms.Form):
    """Change a goal's status or wording."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="Status", choices=GoalStatus.choices)
    description = forms.CharField(
        label="Wording",
        widget=forms.Textarea(attrs={"rows": 2, "required": True}),
        max_length=1000,
        required=False,
    )
