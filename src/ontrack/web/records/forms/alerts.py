"""Forms of the alert pages: acknowledge, record an action, close, and the why-review."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from ontrack.web.common.codes import AlertActionKind, ReviewDecisionKind
from ontrack.web.common.forms import AccessibleFormMixin


class AlertAcknowledgeForm(AccessibleFormMixin, forms.Form):
    """Acknowledge an alert: the version guards against a double click or a race."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class AlertActionForm(AccessibleFormMixin, forms.Form):
    """Record what was done about an alert."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "action-%s")
        super().__init__(*args, **kwargs)

    version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="What was done",
        choices=[("", "Choose…"), *AlertActionKind.choices],
        error_messages={"required": "Choose what was done."},
    )
    note = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )


class AlertCloseForm(AccessibleFormMixin, forms.Form):
    """Close an alert."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "close-%s")
        super().__init__(*args, **kwargs)

    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="Why it can close",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )


class ReviewDecisionForm(AccessibleFormMixin, forms.Form):
    """Record what therapist and client decided at a why-review."""

    as_of = forms.IntegerField(widget=forms.HiddenInput, required=False)
    alert_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reasons_agreed = forms.MultipleChoiceField(
        label="Which reasons did you agree apply?",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tick any that you and the client think are part of it.",
    )
    decisions = forms.MultipleChoiceField(
        label="What did you decide together?",
        choices=ReviewDecisionKind.choices,
        widget=forms.CheckboxSelectMultiple,
        # At least one decision is the action's rule (record_review_decision).
        required=False,
    )
    note = forms.CharField(
        label="Notes on the decision",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args: Any, reasons: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reasons_agreed"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(r.reason.value, r.title) for r in reasons]
        self.style_widgets()
