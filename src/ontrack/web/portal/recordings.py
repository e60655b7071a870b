"""Session recordings kept encrypted at rest (Fernet, keys from the environment).

``ONTRACK_RECORDING_KEYS`` holds one or more Fernet keys, newest first (comma-separated, or
a file in ``ONTRACK_RECORDING_KEYS_FILE``): the first encrypts, any of them decrypts, so a
key can be rotated without losing older files (``cryptography.fernet.MultiFernet``). The
files live under ``ONTRACK_RECORDING_DIR`` with random names; the database holds who, when
and until when, never the audio.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class RecordingStoreError(Exception):
    """The store cannot do what was asked (no keys, a missing or unreadable file)."""


def _cipher() -> MultiFernet:
    keys = [k.strip() for k in settings.ONTRACK_RECORDING_KEYS.split(",") if k.strip()]
    if not keys:
        raise RecordingStoreError(
            "Recordings are not set up in this service: there is no encryption key "
            "(ONTRACK_RECORDING_KEYS)."
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise RecordingStoreError(
            f"ONTRACK_RECORDING_KEYS holds a key that is not valid: {exc}"
        ) from exc


def is_configured() -> bool:
    """Whether recordings can be attached (a valid key is set)."""
    try:
        _cipher()
    except RecordingStoreError:
        return False
    return True


def _path(name: str) -> Path:
    folder = Path(settings.ONTRACK_RECORDING_DIR)
    return folder / name


def store(data: bytes) -> str:
    """Encrypt ``data`` into a new file; return its name."""
    token = _cipher().encrypt(data)
    name = f"{secrets.token_hex(16)}.fernet"
    path = _path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(token)
    path.chmod(0o600)
    return name


def load(name: str) -> bytes:
    """Decrypt and return a stored recording."""
    try:
        token = _path(name).read_bytes()
    except OSError as exc:
        raise RecordingStoreError(f"The recording file is missing: {exc.strerror}") from exc
    try:
        return _cipher().decrypt(token)
    except InvalidToken as exc:
        raise RecordingStoreError("The recording cannot be decrypted with the keys set.") from exc


def remove(name: str) -> None:
    """Delete a stored recording's file (nothing if it is already gone)."""
    _path(name).unlink(missing_ok=True)
