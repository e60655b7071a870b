"""Every shipped definition loads, says what the reference says, and states its provenance."""

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from ontrack.measures import MeasureError, all_measures, get_measure
from ontrack.measures.definition import Kind

CODES = {
    "PHQ-9", "GAD-7", "PHQ-15", "PCL-5", "CORE-10", "CORE-OM", "WSAS", "ORS", "SRS", "WAI-SR",
    "ARM-5", "ReQoL-10", "SPIN", "PDSS", "OCI-R", "SHAI", "MI-ALONE", "IAPT-PHOBIA", "GBO", "OSR",
}  # fmt: skip

# Licence verdicts of docs/reference/measures.md#licences (and OnTrack's own OSR): which measures ship wording.
WITH_TEXT = {"PHQ-9", "GAD-7", "PHQ-15", "PCL-5", "CORE-10", "CORE-OM", "GBO", "OSR"}


def test_all_measures_lists_every_required_code():
    assert {m.code for m in all_measures()} == CODES


@pytest.mark.parametrize(
    ("code", "n_items", "item_range", "total_range", "cutoff", "reliable_change"),
    [
        ("PHQ-9", 9, (0, 3), (0, 27), 10, 6),
        ("GAD-7", 7, (0, 3), (0, 21), 8, 4),
        ("PHQ-15", 15, (0, 2), (0, 30), None, None),
        ("PCL-5", 20, (0, 4), (0, 80), 32, 10),
        ("CORE-10", 10, (0, 4), (0, 40), 11, pytest.approx(6.75, abs=0.005)),
        ("CORE-OM", 34, (0, 4), (0, 40), 10, 5),
        ("WSAS", 5, (0, 8), (0, 40), None, pytest.approx(13.39, abs=0.01)),
        ("ORS", 4, (0, 10), (0, 40), 25, 5),
        ("SRS", 4, (0, 10), (0, 40), 36, None),
        ("WAI-SR", 12, (1, 5), (12, 60), None, None),
        ("ARM-5", 5, (1, 7), (1, 7), None, None),
        ("ReQoL-10", 10, (0, 4), (0, 40), 24, 5),
        ("SPIN", 17, (0, 4), (0, 68), 19, 10),
        ("PDSS", 7, (0, 4), (0, 28), 8, 5),
        ("OCI-R", 18, (0, 4), (0, 72), 17, 13),
        ("SHAI", 18, (0, 3), (0, 54), 18, 4),
        ("MI-ALONE", 27, (1, 5), (1, 5), 2.3, 0.73),
        ("IAPT-PHOBIA", 3, (0, 8), (0, 24), 4, None),
        ("GBO", 3, (0, 10), (0, 10), None, 2.45),
        ("OSR", 4, (0, 10), (0, 40), 32, None),
    ],
)
def test_definition_matches_reference(
    code, n_items, item_range, total_range, cutoff, reliable_change
):
    m = get_measure(code)

    assert (m.n_items, (m.item_min, m.item_max), (m.min, m.max)) == (
        n_items,
        item_range,
        total_range,
    )
    assert m.clinical_cutoff == cutoff
    assert m.reliable_change == reliable_change


@pytest.mark.parametrize("code", sorted(CODES))
def test_definition_states_source_licence_version(code):
    m = get_measure(code)

    assert m.source.strip()
    assert m.licence.strip()
    assert m.version.strip()
    assert m.has_text is (code in WITH_TEXT)


@pytest.mark.parametrize("code", sorted(CODES - WITH_TEXT))
def test_scoring_only_definition_carries_no_wording(code):
    m = get_measure(code)

    assert all(item.text is None for item in m.items)
    assert m.stem is None
    assert not m.answer_labels


@pytest.mark.parametrize(
    ("alias", "code"),
    [
        ("phq9", "PHQ-9"), ("PHQ-9", "PHQ-9"), ("Phq 9", "PHQ-9"), ("gad_7", "GAD-7"),
        ("core10", "CORE-10"), ("reqol-10", "ReQoL-10"), ("HAI", "SHAI"),
        ("AgoraAlone", "MI-ALONE"), ("mi alone", "MI-ALONE"), ("pcl5", "PCL-5"),
    ],
)  # fmt: skip
def test_get_measure_ignores_case_and_punctuation(alias, code):
    assert get_measure(alias).code == code


def test_get_measure_unknown_names_it():
    with pytest.raises(MeasureError, match="unknown measure 'BDI-II'"):
        get_measure("BDI-II")


def test_measure_error_is_a_value_error():
    assert issubclass(MeasureError, ValueError)


def test_risk_items_phq9_and_core10():
    assert get_measure("PHQ-9").risk_items == (9,)
    assert get_measure("CORE-10").risk_items == (6,)


def test_core10_reverse_items_are_2_and_3():
    assert get_measure("CORE-10").reverse_items == (2, 3)


def test_alliance_measures_include_a_shippable_one_with_a_cutoff():
    alliance = [m for m in all_measures() if m.kind is Kind.ALLIANCE]
    shippable = [m for m in alliance if m.has_text and m.clinical_cutoff is not None]

    assert {m.code for m in alliance} >= {"OSR", "SRS", "WAI-SR", "ARM-5"}
    assert [m.code for m in shippable] == ["OSR"]


def test_osr_is_marked_not_validated_and_provisional():
    path = Path(get_measure("OSR").path or "")
    text = path.read_text(encoding="utf-8")

    assert "NOT A VALIDATED INSTRUMENT; PROVISIONAL CONCERN CUT-OFF" in text
    assert "CC BY 4.0" in get_measure("OSR").licence


def test_gbo_is_marked_non_commercial():
    gbo = get_measure("GBO")

    assert gbo.commercial_use is False
    assert "NC" in gbo.licence


def test_every_status_is_unverified_or_confirmed_with_a_source():
    for m in all_measures():
        for key, status in m.status.items():
            assert status == "unverified" or status.startswith(("confirmed: ", "computed: ")), (
                m.code,
                key,
            )


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("PCL-5", "caseness.cutoff"), ("PCL-5", "change.reliable_change"),
        ("SPIN", "change.reliable_change"), ("PDSS", "change.reliable_change"),
        ("SHAI", "change.reliable_change"), ("MI-ALONE", "change.reliable_change"),
        ("OCI-R", "caseness.cutoff"), ("SRS", "caseness.cutoff"),
        ("GBO", "change.reliable_change"), ("ReQoL-10", "change.reliable_change"),
        ("CORE-OM", "change.reliable_change"), ("PHQ-9", "change.reliability"),
    ],
)  # fmt: skip
def test_values_the_reference_marks_unverified_carry_a_status(code, key):
    assert key in get_measure(code).status


def test_definition_files_are_package_data():
    files = [p.name for p in (resources.files("ontrack.measures") / "definitions").iterdir()]

    assert len([f for f in files if f.endswith(".toml")]) == len(CODES)


def test_every_definition_file_is_valid_toml_with_a_code():
    folder = resources.files("ontrack.measures") / "definitions"
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            assert "code" in tomllib.loads(entry.read_text(encoding="utf-8"))


def test_measure_is_hashable_and_has_a_short_repr():
    m = get_measure("PHQ-9")

    assert {m: 1}[get_measure("phq9")] == 1
    assert repr(m).startswith("Measure('PHQ-9', 9 items")
