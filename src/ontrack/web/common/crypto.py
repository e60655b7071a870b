"""Free text encrypted at rest: ``EncryptedTextField`` (Fernet, keys outside the database).

Clinical notes and other sensitive free text are stored as ``enc1:`` followed by a Fernet
token (AES-128-CBC with HMAC-SHA256, a random IV per value). Code reads and writes plain
strings: the field encrypts on the way to the database and decrypts on the way back, in
``save``, ``update``, ``bulk_create``, ``values()`` and subquery annotations alike.

Keys come from ``ONTRACK_FIELD_KEYS`` (comma-separated Fernet keys, newest first) or the file
named by ``ONTRACK_FIELD_KEYS_FILE``; with neither, from ``field.keys`` in
``ONTRACK_VAR_DIR``, made on first use (the demo and development). The first key encrypts,
every key decrypts (``MultiFernet``), so a new key is put first and ``ontrack rotate-keys``
re-encrypts every value under it; the old key can then be removed. Never in the database.

The empty string stays empty (so "was a note written?" and the constraints that ask it keep
working), and a stored value without the prefix is read as it is (rows written before the
field was encrypted, until ``rotate-keys`` or the migration encrypts them). A value cannot
be searched or sorted in the database: only exact emptiness.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from ontrack.web.env import envsecret

log = logging.getLogger(__name__)

PREFIX = "enc1:"
KEYS_ENV = "ONTRACK_FIELD_KEYS"
KEYS_FILE_NAME = "field.keys"


class DecryptionError(Exception):
    """A stored value that none of the configured keys opens (docs/security.md, recovery)."""


def _split(text: str) -> list[str]:
    return [k.strip() for k in text.replace("\n", ",").split(",") if k.strip()]


def load_keys() -> list[str]:
    """The field keys, newest first (see the module's docstring for where they come from)."""
    given = envsecret(KEYS_ENV)
    if given:
        return _split(given)
    path = Path(settings.VAR_DIR) / KEYS_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(Fernet.generate_key().decode() + "\n")
        log.warning(
            "Made a new field encryption key in %s. Keep a copy apart from the database: "
            "without it the notes cannot be read.",
            path,
        )
    return _split(path.read_text("utf-8"))


@cache
def cipher() -> MultiFernet:
    keys = load_keys()
    if not keys:
        raise ImproperlyConfigured(f"{KEYS_ENV} holds no key")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{KEYS_ENV} holds a key that is not a Fernet key: {exc}"
        ) from None


def reset_cache() -> None:
    """Forget the loaded keys (after the environment changes: tests, rotation)."""
    cipher.cache_clear()


def encrypt(text: str) -> str:
    return PREFIX + cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption
    try:
        return cipher().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DecryptionError(
            "a stored value cannot be decrypted with the keys set (ONTRACK_FIELD_KEYS): "
            "see docs/security.md, 'Recovery'"
        ) from None


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A ``TextField`` stored encrypted; reads and writes plain text."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if isinstance(value, str) else value

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not isinstance(value, str) or value == "" or value.startswith(PREFIX):
            return value
        return encrypt(value)


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def reencrypt(model: type[models.Model], fields: Iterable[str], batch: int = 500) -> int:
    """Encrypt every value of ``fields`` under the newest key; return the values rewritten.

    Values written before encryption are encrypted; values under an older key are rotated
    (``MultiFernet.rotate``); values already under the newest key are rewritten too (a
    token does not say which key made it, and this runs rarely).
    """
    fields = list(fields)
    if not fields:
        return 0
    rotate = cipher()
    manager = model._base_manager
    written = 0
    table = model._meta.db_table
    from django.db import connection, transaction

    quote = connection.ops.quote_name
    columns = {f.attname: str(f.column) for f in model._meta.concrete_fields if f.attname in fields}
    last = None
    while True:
        rows = manager.order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        # The values come back decrypted (with whichever key made them) and go back under
        # the newest key, by SQL that leaves versions and timestamps alone.
        chunk = list(rows.values_list("pk", *fields)[:batch])
        if not chunk:
            return written
        last = chunk[-1][0]
        with transaction.atomic(), connection.cursor() as cursor:
            for pk, *values in chunk:
                sets: list[str] = []
                params: list[Any] = []
                for name, value in zip(fields, values, strict=True):
                    if not value:
                        continue
                    token = rotate.encrypt(value.encode("utf-8")).decode("ascii")
                    sets.append(f"{quote(columns[name])} = %s")
                    params.append(PREFIX + token)
                if sets:
                    cursor.execute(
                        f"UPDATE {quote(table)} SET {', '.join(sets)} "
                        f"WHERE {quote(str(model._meta.pk.column))} = %s",
                        [*params, pk],
                    )
                    written += len(sets)
