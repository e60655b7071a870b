"""Without an optional extra, each command that needs it says in one line what to install.

The extras are installed in the test environment, so each test makes one look missing by
pointing it at a module that does not exist.
"""

from __future__ import annotations

import runpy

import pytest
from django.core.exceptions import ImproperlyConfigured

from ontrack.analytics.spec import OUTCOMES_EXAMPLE, tables_from_spec
from ontrack.cli import main
from ontrack.dataset import write_dataset
from ontrack.extras import EXTRAS, MissingExtraError, installed, message, require
from ontrack.web import settings


@pytest.fixture
def missing(monkeypatch):
    """Make one extra look uninstalled."""

    def hide(extra: str) -> None:
        monkeypatch.setitem(EXTRAS, extra, ("ontrack_no_such_module", EXTRAS[extra][1]))

    return hide


def test_message_names_the_extra_and_the_pip_command():
    assert message("postgres", "the postgres engine") == (
        "the postgres engine needs the PostgreSQL driver (psycopg), which is not installed: "
        "pip install 'ontrack[postgres]'"
    )


def test_require_raises_missing_extra_only_when_missing(missing):
    require("fits", "a fit")  # installed here: nothing happens
    missing("fits")

    assert installed("fits") is False
    with pytest.raises(MissingExtraError, match=r"pip install 'ontrack\[fits\]'"):
        require("fits", "a fit")


@pytest.mark.parametrize("engine", ["spark", "postgres"])
def test_report_on_a_missing_engine_is_one_line_and_exit_2(engine, missing, tmp_path, capsys):
    write_dataset(tables_from_spec(OUTCOMES_EXAMPLE), tmp_path / "data")
    missing(engine)

    status = main(["report", str(tmp_path / "data"), "--engine", engine, "--json"])

    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    assert captured.err == (
        f"ontrack report: error: the {engine} engine needs {EXTRAS[engine][1]}, which is not "
        f"installed: pip install 'ontrack[{engine}]'\n"
    )


def test_calibrate_mixedlm_without_statsmodels_is_one_line_and_exit_2(missing, tmp_path, capsys):
    missing("fits")

    status = main(
        ["calibrate", str(tmp_path), "--out", str(tmp_path / "m.npz"), "--curve-method", "mixedlm"]
    )

    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "pip install 'ontrack[fits]'" in err
    assert not (tmp_path / "m.npz").exists()


def test_settings_with_postgres_url_and_no_driver_say_what_to_install(missing, monkeypatch):
    missing("postgres")
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@127.0.0.1:5432/ontrack")
    monkeypatch.setenv("SECRET_KEY", "test-only-" + "k" * 50)

    with pytest.raises(ImproperlyConfigured) as error:
        runpy.run_path(settings.__file__)  # a fresh copy; the one Django uses stays untouched

    assert str(error.value) == (
        "DATABASE_URL names PostgreSQL; it needs the PostgreSQL driver (psycopg), which is not "
        "installed: pip install 'ontrack[postgres]'"
    )
