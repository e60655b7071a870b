"""A service's own history from the NHS TT data set v2.1 into the records, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from tests.web.tables import tiny_tables

from ontrack.cli import main
from ontrack.dataset import read_dataset, write_dataset
from ontrack.dataset.nhstt import CARRIED, EXTENSION, export_v21
from ontrack.web.records.models import Referral
from ontrack.web.records.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def _national_extract(tmp_path: Path) -> Path:
    """tiny_tables as a real extract would carry them: v2.1 tables, no OnTrack_* extras."""
    write_dataset(tiny_tables(), tmp_path / "canonical")
    extract = tmp_path / "extract"
    export_v21(read_dataset(tmp_path / "canonical"), extract, format="parquet")
    for name in CARRIED:
        (extract / f"{EXTENSION}{name}.parquet").unlink(missing_ok=True)
    for file in extract.glob("IDS*.parquet"):
        data = pq.read_table(file)
        pq.write_table(
            data.select([c for c in data.column_names if not c.startswith(EXTENSION)]), file
        )
    return extract


def test_an_imported_national_extract_loads_into_the_records(tmp_path, capsys):
    extract = _national_extract(tmp_path)

    assert main(["nhstt", "import", str(extract), "--out", str(tmp_path / "history")]) == 0
    call_command("load_dataset", str(tmp_path / "history"))

    assert "Loaded 1 services, 2 therapists, 3 clients" in capsys.readouterr().out
    with scopes_disabled():
        assert Referral.objects.count() == 3


def test_a_failing_load_of_an_imported_history_changes_nothing(tmp_path):
    extract = _national_extract(tmp_path)
    main(["nhstt", "import", str(extract), "--out", str(tmp_path / "history")])
    (tmp_path / "history" / "contact.parquet").unlink()

    with pytest.raises(CommandError, match="contact"):
        call_command("load_dataset", str(tmp_path / "history"))
    with scopes_disabled():
        assert Referral.objects.count() == 0
