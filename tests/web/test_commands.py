"""The management commands: load a dataset, export it back, load the demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from tests.web.tables import tiny_tables

from ontrack.dataset import read_dataset, write_dataset
from ontrack.dataset.checks import check_tables
from ontrack.web.canonical.export import export_tables
from ontrack.web.canonical.load import load_tables
from ontrack.web.records.models import Referral
from ontrack.web.records.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def test_tiny_tables_are_a_valid_canonical_dataset() -> None:
    assert check_tables(tiny_tables()) == []


def test_export_of_a_load_passes_the_dataset_checks() -> None:
    load_tables(tiny_tables())
    assert check_tables(export_tables()) == []


def test_load_and_export_dataset_commands_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = tmp_path / "in", tmp_path / "out"
    write_dataset(tiny_tables(), source)

    call_command("load_dataset", str(source))
    call_command("export_dataset", str(target), "--service", "svc1")

    assert "Loaded 1 services, 2 therapists, 3 clients" in capsys.readouterr().out
    exported = read_dataset(target)
    assert sorted(exported["contact"].column("contact_id").to_pylist()) == [
        f"C{i}" for i in range(1, 7)
    ]
    with scopes_disabled():
        assert Referral.objects.count() == 3


def test_load_dataset_command_reports_bad_data(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command("load_dataset", str(tmp_path / "absent"))


def test_export_dataset_command_refuses_unknown_service(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no service with code 'nope'"):
        call_command("export_dataset", str(tmp_path), "--service", "nope")


def test_load_demo_command_refuses_a_database_with_a_service(tmp_path: Path) -> None:
    load_tables(tiny_tables())
    with pytest.raises(CommandError, match="already holds a service"):
        call_command("load_demo", "--referrals", "40")
