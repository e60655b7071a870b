"""The record enums are built from the canonical dataset's code lists, and load."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from ontrack.dataset.schema import ALERT, code_lists
from ontrack.web.common import codes
from ontrack.web.common.codes import NATIONAL_CODE_LISTS, AlertKind, AlertSeverity


@pytest.mark.parametrize("name", sorted(NATIONAL_CODE_LISTS))
def test_national_enum_loads_every_code_and_label_of_its_list(name: str) -> None:
    enum = NATIONAL_CODE_LISTS[name]
    assert {str(value): label for value, label in enum.choices} == code_lists()[name]


def test_every_code_list_the_records_use_has_its_enum() -> None:
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


def test_code_not_in_the_code_list_refuses_to_load() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"\[attendance\] has no code '1'"):
        codes._code("attendance", "1")
    with pytest.raises(ImproperlyConfigured, match=r"no code list \[nope\]"):
        codes._code("nope", "1")


def test_code_list_code_without_a_member_refuses_to_load() -> None:
    class Partial(models.TextChoices):
        ATTENDED_ON_TIME = codes._code("attendance", "5")

    with pytest.raises(ImproperlyConfigured, match="has code\\(s\\) 2, 3, 4, 6, 7 that Partial"):
        codes._require_every_code({"attendance": Partial})


def _listed(description: str) -> set[str]:
    return {word.strip(" .") for word in description.split(",")}


def test_alert_kinds_and_severities_match_the_canonical_alert_table() -> None:
    assert set(AlertKind.values) == _listed(ALERT.column("kind").description)
    assert set(AlertSeverity.values) == _listed(
        ALERT.column("severity").description.replace(" or ", ", ")
    )
