"""Settings from the environment: the typed helpers, the refusal, and `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ontrack.web.env import envbool, envint, envlist, envsecret

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "p7Hq-3vX9kLmN2bR8tYwZ4cF6gJ1sD5aQ0eU_iO-pV7xK3nB9mC2lT6yR8wE4hG1",
    "ALLOWED_HOSTS": "ontrack.example.org",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "SECRET_KEY_FILE",
            "HTTPS_ONLY",
            "DJANGO_SETTINGS_MODULE",
            "ALLOWED_HOSTS",
            # Set in-process by the browser tests (Playwright beside the live server);
            # a real deployment never has it.
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            # Set in-process by the test settings and by `ontrack demo`'s own test: a
            # production process starts without them (two factors on, not the demo).
            "ONTRACK_REQUIRE_2FA",
            "ONTRACK_DEMO",
        }
    }
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_envbool_reads_yes_and_no(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "Yes")
    assert envbool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert envbool("X_FLAG", True) is False
    monkeypatch.delenv("X_FLAG")
    assert envbool("X_FLAG", True) is True


def test_envbool_rejects_anything_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be one of"):
        envbool("X_FLAG", False)


def test_envint_reads_and_rejects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_NUMBER", "42")
    assert envint("X_NUMBER", 1) == 42
    monkeypatch.setenv("X_NUMBER", "forty")
    with pytest.raises(ImproperlyConfigured, match="X_NUMBER must be a whole number"):
        envint("X_NUMBER", 1)


def test_envlist_splits_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_LIST", "a.org, b.org,,")
    assert envlist("X_LIST", []) == ["a.org", "b.org"]


def test_envsecret_prefers_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    monkeypatch.setenv("X_SECRET", "from-env")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert envsecret("X_SECRET") == "from-file"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "absent"))
    with pytest.raises(ImproperlyConfigured, match="X_SECRET_FILE: cannot read"):
        envsecret("X_SECRET")


def test_settings_refuse_to_start_without_secret_key() -> None:
    result = _run(
        ["-c", "import django; django.setup()"],
        {"DJANGO_SETTINGS_MODULE": "ontrack.web.settings", "DEBUG": "0"},
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "SECRET_KEY_FILE" in result.stderr


def test_manage_py_names_the_missing_secret_key() -> None:
    result = _run(["manage.py", "check"], {"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_start_with_secret_key_file(tmp_path: Path) -> None:
    key = tmp_path / "secret"
    key.write_text(PRODUCTION["SECRET_KEY"])
    result = _run(
        [
            "-c",
            "import django; django.setup(); "
            "from django.conf import settings; print(settings.SECRET_KEY[:6])",
        ],
        {
            "DJANGO_SETTINGS_MODULE": "ontrack.web.settings",
            "DEBUG": "0",
            "SECRET_KEY_FILE": str(key),
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "p7Hq-3"


def test_check_deploy_passes_with_production_settings() -> None:
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_https_is_off() -> None:
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {**PRODUCTION, "HTTPS_ONLY": "0"},
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


def test_migrations_match_the_models() -> None:
    result = _run(
        ["manage.py", "makemigrations", "--check", "--dry-run"],
        {"DJANGO_SETTINGS_MODULE": "ontrack.web.test_settings"},
    )
    assert result.returncode == 0, "models changed without a migration:\n" + result.stdout
