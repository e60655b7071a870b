"""`manage.py check --deploy` is clean with production settings (issue 20, item 7)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _check_deploy(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run the check in a fresh process with only a production environment (docs/deploy.md)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "ontrack.web.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "ontrack.example.nhs.uk",
        "CSRF_TRUSTED_ORIGINS": "https://ontrack.example.nhs.uk",
        "DATABASE_URL": "postgres://ontrack@db.internal:5432/ontrack",
        "SECURE_PROXY_SSL_HEADER": "1",
        "ONTRACK_PUBLIC_URL": "https://ontrack.example.nhs.uk",
        "ONTRACK_VAR_DIR": str(tmp_path / "var"),
        **extra,
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        ("ONTRACK_REQUIRE_2FA", "0", "ontrack.W001"),
        ("SESSION_COOKIE_AGE", str(8 * 60 * 60), "ontrack.W002"),
        ("HTTPS_ONLY", "0", "security.W008"),
        ("DEBUG", "1", "security.W018"),
    ],
)
def test_check_deploy_names_a_weakened_setting(
    tmp_path: Path, setting: str, value: str, problem: str
) -> None:
    pytest.importorskip("psycopg")
    result = _check_deploy(tmp_path, **{setting: value})
    assert result.returncode != 0
    assert problem in result.stdout + result.stderr
