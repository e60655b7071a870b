"""The record enums carry exactly the canonical dataset's codes and labels."""

from __future__ import annotations

import pytest

from ontrack.dataset.schema import ALERT, code_lists
from ontrack.web.records.codes import NATIONAL_CODE_LISTS, AlertKind, AlertSeverity


@pytest.mark.parametrize("name", sorted(NATIONAL_CODE_LISTS))
def test_enum_matches_code_list(name: str) -> None:
    enum = NATIONAL_CODE_LISTS[name]
    assert {str(value): label for value, label in enum.choices} == code_lists()[name]


def test_every_code_list_the_records_use_is_mirrored() -> None:
    used = {
        "attendance",
        "app_type",
        "cons_mechanism",
        "end_code",
        "problem_descriptor",
        "therapy",
        "qualification",
        "gender",
        "ethnicity",
        "source_of_referral",
        "imd_decile",
        "therapist_role",
        "homework_outcome",
    }
    assert set(NATIONAL_CODE_LISTS) == used
    assert used <= set(code_lists())


def _listed(description: str) -> set[str]:
    return {word.strip(" .") for word in description.split(",")}


def test_alert_kinds_and_severities_match_the_canonical_alert_table() -> None:
    assert set(AlertKind.values) == _listed(ALERT.column("kind").description)
    assert set(AlertSeverity.values) == _listed(
        ALERT.column("severity").description.replace(" or ", ", ")
    )
