"""Typed readers for settings that come from the environment.

Each setting ``NAME`` may instead be given as a file path in ``NAME_FILE`` (Docker and
Kubernetes secrets), which wins over the plain variable for secrets.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def envstr(name: str, default: str = "") -> str:
    """Return the variable ``name``, or ``default`` when it is unset."""
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    """Return a yes/no variable; reject anything that is not clearly one or the other."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def envint(name: str, default: int) -> int:
    """Return a whole-number variable."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated variable as a list, without empty entries."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def envsecret(name: str) -> str | None:
    """Return a secret from ``NAME_FILE`` (a file holding it) or ``NAME``; None if neither."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text("utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
    value = os.environ.get(name)
    return value or None
