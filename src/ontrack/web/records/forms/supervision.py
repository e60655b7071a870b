"""Write a supervision note on a case."""

from __future__ import annotations

from django import forms

from ontrack.web.common.forms import AccessibleFormMixin


class SupervisionNoteForm(AccessibleFormMixin, forms.Form):
    """Write what was discussed about a case in supervision."""

    note = forms.CharField(
        label="What was discussed",
        # Whether it says anything is the action's rule (add_supervision_note).
        widget=forms.Textarea(attrs={"rows": 4, "required": True}),
        max_length=10000,
        required=False,
    )
    agreed_actions = forms.CharField(
        label="What was agreed",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
        help_text="Actions for the therapist, with dates where there are any.",
    )
