"""The canonical export and load are inverses: what the pathway records (circumstances,
therapist-gender preferences, end codes, the contacts that stop the waiting clocks) comes
back from an export, and exporting again gives the same tables."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from tests.web.tables import table, tiny_rows

from ontrack.dataset.schema import TABLES, code_lists
from ontrack.web.accounts.models import Service
from ontrack.web.canonical.demo import build_demo
from ontrack.web.canonical.export import export_tables
from ontrack.web.canonical.load import LoadError, load_tables
from ontrack.web.pathway.codes import CANONICAL_CIRCUMSTANCE, CircumstanceKind
from ontrack.web.pathway.models import Circumstance, TherapyPreference
from ontrack.web.records.models import Referral
from ontrack.web.records.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

_IDS = (
    "service_id",
    "therapist_id",
    "person_id",
    "referral_id",
    "contact_id",
    "set_contact_id",
    "reviewed_contact_id",
    "homework_id",
    "alert_id",
)


def _tiny_with_pathway_records() -> dict[str, pa.Table]:
    rows = tiny_rows()
    rows["referral"][1]["therapist_gender_preference"] = "2"
    rows["circumstance"] = [
        {"referral_id": "R1", "contact_id": "C1", "kind": "housing"},
        {"referral_id": "R1", "contact_id": "C1", "kind": "safety"},
        {"referral_id": "R2", "contact_id": "C6", "kind": "bereavement"},
    ]
    return {name: table(name, r) for name, r in rows.items()}


def _sorted(t: pa.Table) -> list[dict[str, Any]]:
    return sorted(t.to_pylist(), key=lambda r: tuple(str(v) for v in r.values()))


def _prefixed(tables: dict[str, pa.Table], prefix: str) -> dict[str, pa.Table]:
    """The same tables under new identifiers, so they can be loaded beside the originals."""
    out = {}
    for name, t in tables.items():
        for column in _IDS:
            if column in t.column_names:
                index = t.schema.get_field_index(column)
                t = t.set_column(index, column, pc.binary_join_element_wise(prefix, t[column], ""))
        out[name] = t
    return out


def test_every_canonical_circumstance_code_has_a_kind() -> None:
    assert set(CANONICAL_CIRCUMSTANCE.values()) == set(code_lists()["circumstance"])
    assert set(CANONICAL_CIRCUMSTANCE) == set(CircumstanceKind.values)


def test_load_tables_reads_circumstances_and_preferences_back(db: None) -> None:
    summary = load_tables(_tiny_with_pathway_records())

    assert (summary.circumstances, summary.preferences) == (3, 1)
    with scopes_disabled():
        found = {
            (c.contact.external_id, c.kind, c.recorded_by_id)
            for c in Circumstance.objects.select_related("contact")
        }
        preference = TherapyPreference.objects.get()
    assert found == {
        ("C1", CircumstanceKind.HOUSING, None),
        ("C1", CircumstanceKind.DOMESTIC_ABUSE, None),
        ("C6", CircumstanceKind.BEREAVEMENT, None),
    }
    assert (preference.referral.external_id, preference.value, preference.essential) == (
        "R2",
        "2",
        False,
    )


@pytest.mark.parametrize("name", ["circumstance", "referral", "contact"])
def test_export_after_load_gives_back_the_pathway_tables(db: None, name: str) -> None:
    tables = _tiny_with_pathway_records()
    load_tables(tables)

    exported = export_tables()

    assert exported[name].schema.equals(TABLES[name].arrow_schema)
    assert _sorted(exported[name]) == _sorted(tables[name])


def test_load_tables_refuses_a_circumstance_twice_at_one_contact(db: None) -> None:
    rows = tiny_rows()
    twice = {"referral_id": "R1", "contact_id": "C1", "kind": "debt"}
    rows["circumstance"] = [twice, dict(twice)]

    with pytest.raises(LoadError, match="'debt' recorded twice at contact 'C1'"):
        load_tables({name: table(name, r) for name, r in rows.items()})

    with scopes_disabled():
        assert not Referral.objects.exists()


def test_load_tables_refuses_a_circumstance_of_another_referral(db: None) -> None:
    rows = tiny_rows()
    rows["circumstance"] = [{"referral_id": "R2", "contact_id": "C1", "kind": "debt"}]

    with pytest.raises(LoadError, match="referral_id differs from that of its contact"):
        load_tables({name: table(name, r) for name, r in rows.items()})


@pytest.mark.slow
def test_demo_records_survive_export_and_load(db: None) -> None:
    """The demo (the simulated year plus the pathway's own records: circumstances
    signposted at assessment, preferences, end codes, waits) exported, loaded under new
    identifiers and exported again gives the same tables."""
    build_demo(referrals=120, seed=11, therapists=6, waiting=12)
    first = export_tables()
    assert first["circumstance"].num_rows > 3

    load_tables(_prefixed(first, "X"))
    again = export_tables(service=Service.objects.get(code="X" + Service.objects.first().code))

    expected = _prefixed(first, "X")
    for name in ("service", "therapist", "referral", "contact", "score", "circumstance"):
        assert _sorted(again[name]) == _sorted(expected[name]), name
