"""Every free-text column of the client's side is listed as sensitive or as not, so issue
20 can move the sensitive ones to an encrypted field from one list."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from ontrack.web.portal.sensitive import NOT_SENSITIVE, SENSITIVE_TEXT


def test_every_text_column_is_classified() -> None:
    unlisted = []
    for label in ("portal", "notify"):
        for model in apps.get_app_config(label).get_models():
            key = f"{label}.{model.__name__}"
            for field in model._meta.get_fields():
                if isinstance(field, models.TextField):
                    listed = field.name in SENSITIVE_TEXT.get(key, ()) + NOT_SENSITIVE.get(key, ())
                    if not listed:
                        unlisted.append(f"{key}.{field.name}")
    assert unlisted == []


def test_listed_columns_exist() -> None:
    for key, names in {**SENSITIVE_TEXT, **NOT_SENSITIVE}.items():
        model = apps.get_model(key)
        for name in names:
            assert isinstance(model._meta.get_field(name), models.TextField), (key, name)
