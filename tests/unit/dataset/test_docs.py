from pathlib import Path

import pytest

from ontrack.dataset import TABLES
from ontrack.dataset.docs import current_section, render, update

DOC = Path(__file__).resolve().parents[3] / "docs" / "dataset.md"


def test_dataset_doc_column_tables_are_current():
    assert current_section(DOC) == render(), (
        "docs/dataset.md is out of date: run .venv/bin/python -m ontrack.dataset.docs "
        "docs/dataset.md"
    )


def test_rendered_doc_names_every_column_of_every_table():
    text = render()

    for table in TABLES.values():
        assert f"### `{table.name}`" in text
        for column in table.columns:
            assert f"| `{column.name}` |" in text


def test_update_rewrites_only_the_generated_section(tmp_path):
    doc = tmp_path / "dataset.md"
    doc.write_text(
        "# Title\n\nhand-written\n\n" + render().replace("A practitioner", "Stale") + "\n\ntail\n"
    )

    assert update(doc) is True
    assert update(doc) is False
    text = doc.read_text()
    assert text.startswith("# Title\n\nhand-written\n\n")
    assert text.endswith("\n\ntail\n")
    assert current_section(doc) == render()


def test_update_refuses_a_file_without_markers(tmp_path):
    doc = tmp_path / "other.md"
    doc.write_text("nothing generated here")

    with pytest.raises(ValueError, match="no generated section"):
        update(doc)
