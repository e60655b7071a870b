"""Write a supervision note on a case."""

from __future__ import annotations

from django import forms

from ontrack.web.common.forms import AccessibleFormMixin


class SupervisionNoteForm(AccessibleFormMixin, forms.Form):
    """Write what was discussed about a case in supervision."""

    note = forms.CharField(
        label="What was discussed",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        error_messages={"required": "Write what was discussed."},
    )
    agreed_actions = forms.CharField(
        label="What was agreed",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
        help_text="Actions for the therapist, with dates where there are any.",
    )
