"""The form on the tokens page; the rules are in ``tokens.create_token``."""

from __future__ import annotations

from typing import Any

from django import forms

from ontrack.web.accounts.models import Staff, User
from ontrack.web.api.models import CLINICAL_RESOURCES, CONFIGURATION_RESOURCES, SCOPES
from ontrack.web.common.forms import AccessibleFormMixin

RESOURCE_CHOICES = [(r, r.replace("_", " ")) for r in CLINICAL_RESOURCES] + [
    (r, f"{r} (configuration)") for r in CONFIGURATION_RESOURCES
]


class TokenForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(
        max_length=100, help_text="The system that will use it, e.g. 'Patient administration'."
    )
    acting_as = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Acts as",
        help_text="The member of staff whose access the token uses; it can never do more.",
    )
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in SCOPES], widget=forms.CheckboxSelectMultiple
    )
    resources = forms.MultipleChoiceField(
        choices=RESOURCE_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, service_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = Staff.objects.filter(service_id=service_id or 0).values("user_id")
        field: Any = self.fields["acting_as"]
        field.queryset = User.objects.filter(pk__in=users, is_active=True).order_by(
            "last_name", "first_name"
        )
        field.label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.username})"
