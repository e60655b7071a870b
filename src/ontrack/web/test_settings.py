"""Settings for the test suite and the type checker: the real settings with a test key.

The environment still decides the database (``DATABASE_URL`` for PostgreSQL), so the same
suite runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "test-only-" + "k" * 50)
os.environ.setdefault("HTTPS_ONLY", "0")
# The audit chain's key (docs/security.md): fixed for tests, never a file in var/.
os.environ.setdefault("ONTRACK_AUDIT_KEY", "test-only-audit-key-" + "a" * 40)
# Each commit seals its audit events at once, so tests see them sealed (ADR 0135); the
# batch sealing's own tests set a delay.
os.environ.setdefault("ONTRACK_AUDIT_SEAL_MS", "0")
# The field encryption key (a Fernet key): fixed for tests, never a file in var/.
os.environ.setdefault("ONTRACK_FIELD_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS0zMi1ieXRlcy0hISE=")
# Tests sign staff in with the password alone, as the demo does; the two-factor tests turn
# ONTRACK_REQUIRE_2FA on for themselves.
os.environ.setdefault("ONTRACK_REQUIRE_2FA", "0")

from ontrack.web.settings import *  # noqa: F403

# Hashing with the production algorithm makes each sign-in in a test take ~0.3 s.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
