import pytest

from ontrack.dataset import TABLES, code_lists
from ontrack.dataset.schema import code_sources


def test_every_coded_column_names_an_existing_code_list():
    lists = code_lists()
    for table in TABLES.values():
        for column in table.columns:
            if column.codes is not None:
                assert column.codes in lists, (table.name, column.name)


def test_every_reference_points_at_a_real_column():
    for table in TABLES.values():
        for column in table.columns:
            if column.references:
                target_table, target_column = column.references.split(".")
                TABLES[target_table].column(target_column)


def test_every_code_list_states_its_source():
    sources = code_sources()
    assert set(sources) == set(code_lists())
    assert all(sources.values())


def test_imd_decile_label_direction_is_published_inverse():
    labels = code_lists()["imd_decile"]
    assert labels["1"].endswith("Most deprived")
    assert labels["10"].endswith("Least deprived")


def test_unknown_column_raises_key_error():
    with pytest.raises(KeyError, match="no column"):
        TABLES["referral"].column("nonsense")


def test_optional_columns_may_be_null():
    for table in TABLES.values():
        for column in table.columns:
            if column.optional:
                assert column.nullable, (table.name, column.name)


def test_date_order_pairs_name_real_columns():
    for table in TABLES.values():
        for earlier, later in table.date_order:
            table.column(earlier)
            table.column(later)


def test_ranges_are_on_numeric_columns_and_ordered():
    for table in TABLES.values():
        for column in table.columns:
            if column.minimum is not None or column.maximum is not None:
                assert str(column.type) in ("int32", "int64", "double"), column.name
            if column.minimum is not None and column.maximum is not None:
                assert column.minimum <= column.maximum


def test_every_key_column_is_required():
    for table in TABLES.values():
        if table.key is not None:
            assert not table.column(table.key).nullable, table.name


def test_failure_causes_cover_what_the_simulator_plants():
    from ontrack.synth.course import CAUSES, CIRCUMSTANCE_KINDS, CLASSES

    assert set(CAUSES) <= set(code_lists()["failure_cause"])
    assert set(CLASSES) == set(code_lists()["trajectory_class"])
    # Legal problems and alcohol or drug use are recorded at assessment (the pathway); the
    # simulator plants neither.
    assert set(CIRCUMSTANCE_KINDS) == set(code_lists()["circumstance"]) - {"legal", "substance"}
