"""What every action shares: its errors and the optimistic-concurrency check."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.db.models import F


class ActionError(ValueError):
    """Bad input to an action: nothing was changed.

    ``errors`` maps the name of each bad input to a plain message (``"__all__"`` for the
    action as a whole), so a form can put each message next to its field.
    """

    def __init__(self, errors: Mapping[str, str] | str) -> None:
        self.errors: dict[str, str] = (
            {"__all__": errors} if isinstance(errors, str) else dict(errors)
        )
        super().__init__("; ".join(self.errors.values()))


class ConcurrencyError(ActionError):
    """Someone else changed the record since the editor loaded it: nothing was changed."""

    def __init__(self, what: str, expected: int, current: int | None) -> None:
        self.expected = expected
        self.current = current
        super().__init__(
            {
                "version": (
                    f"This {what} was changed by someone else after you opened it "
                    f"(you had version {expected}, it is now version {current}). "
                    "Nothing was saved: reload the page, check their changes, then try again."
                )
            }
        )


def claim_version(instance: Any, expected_version: int) -> None:
    """Move ``instance`` from ``expected_version`` to the next version, or raise.

    A conditional UPDATE: on PostgreSQL the row stays locked until the transaction ends,
    so a second editor waits and then finds the version moved on; SQLite serialises writers.
    """
    model: type[models.Model] = type(instance)
    manager: Any = model.unscoped  # type: ignore[attr-defined]
    updated = manager.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if updated != 1:
        current = manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        raise ConcurrencyError(str(model._meta.verbose_name), expected_version, current)
    instance.version = expected_version + 1


def new_external_id(prefix: str) -> str:
    """Return a fresh identifier for exports, e.g. ``C-3f2a…`` for a contact."""
    return f"{prefix}-{uuid.uuid4().hex}"


def check_text(errors: dict[str, str], name: str, value: object, *, limit: int) -> str:
    """Validate a free-text input, recording a message in ``errors`` if it is bad."""
    if not isinstance(value, str):
        errors[name] = "Enter text."
        return ""
    if len(value) > limit:
        errors[name] = f"Keep this under {limit:,} characters (it has {len(value):,})."
    return value.strip()


def check_choice(
    errors: dict[str, str],
    name: str,
    value: object,
    choices: type[models.Choices],
    what: str,
    *,
    required: bool = True,
) -> str:
    """Validate a coded input against its enum, recording a message if it is bad."""
    if value in (None, ""):
        if required:
            errors[name] = f"Choose the {what}."
        return ""
    if value not in choices.values:
        errors[name] = f"{value!r} is not a known {what} code."
        return ""
    return str(value)
