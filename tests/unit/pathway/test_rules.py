"""The pathway rules on plain values: clocks, end codes, silent discharge, stepped care,
suggestions (spec tables and a Hypothesis property)."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ontrack.pathway import (
    Candidate,
    ClientNeeds,
    Preference,
    end_code_problem,
    plain_suggestions,
    silent_discharge_problem,
    stepped_care_advice,
    wait_clocks,
)

D = dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    "name",
    ["ontrack.pathway.clocks", "ontrack.pathway.endings", "ontrack.pathway.stepped_care",
     "ontrack.pathway.allocation"],
)  # fmt: skip
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    assert result.attempted > 0


def test_wait_clocks_stop_at_their_events() -> None:
    clocks = wait_clocks(
        referral_date=D,
        today=D + dt.timedelta(days=200),
        assessed_on=D + dt.timedelta(days=10),
        first_treatment=D + dt.timedelta(days=50),
        second_treatment=D + dt.timedelta(days=150),
    )
    assert (clocks.to_assessment, clocks.to_first_treatment, clocks.first_to_second) == (
        10,
        50,
        100,
    )
    assert (clocks.over_six_weeks, clocks.over_eighteen_weeks) == (True, False)
    assert (clocks.hidden_wait_over_28, clocks.hidden_wait_over_90) == (True, True)
    assert (clocks.assessment_running, clocks.first_treatment_running) == (False, False)


def test_wait_clocks_stop_at_the_ending() -> None:
    clocks = wait_clocks(
        referral_date=D, today=D + dt.timedelta(days=300), ended_on=D + dt.timedelta(days=30)
    )
    assert clocks.to_first_treatment == 30
    assert not clocks.first_treatment_running


# end code, attended contacts, treatment sessions -> refused?
END_CODES = [
    ("46", 3, 2, False),
    ("46", 2, 1, True),
    ("47", 2, 1, False),
    ("47", 1, 0, True),
    ("11", 1, 0, False),
    ("11", 3, 2, True),
    ("10", 0, 0, True),
    ("50", 0, 0, False),
    ("50", 1, 0, True),
    ("13", 1, 0, False),
    ("96", 1, 1, False),
]


@pytest.mark.parametrize(("code", "attended", "sessions", "refused"), END_CODES)
def test_end_code_problem_spec(code: str, attended: int, sessions: int, refused: bool) -> None:
    problem = end_code_problem(code, attended_contacts=attended, treatment_sessions=sessions)
    assert (problem is not None) is refused


def test_silent_discharge_needs_two_attempts_or_a_passed_deadline() -> None:
    def problem(attempts: int, deadline: dt.date | None) -> str | None:
        return silent_discharge_problem(
            "47",
            missed_since_last_seen=1,
            attempts_since_missed=attempts,
            opt_in_deadline=deadline,
            today=D,
        )

    assert problem(1, None) is not None
    assert problem(2, None) is None
    assert problem(1, D + dt.timedelta(days=1)) is not None
    assert problem(1, D - dt.timedelta(days=1)) is None
    assert (
        silent_discharge_problem(
            "46", missed_since_last_seen=1, attempts_since_missed=0, opt_in_deadline=None, today=D
        )
        is None
    )


def test_stepped_care_advice_severe_depression_is_step_three() -> None:
    assert stepped_care_advice("F32", phq9=22).step == 3
    assert stepped_care_advice("F41.1", gad7=9).step == 2


def _candidate(pk: int, **kw: object) -> Candidate:
    base: dict[str, object] = {
        "therapist_id": pk,
        "name": f"T{pk}",
        "role": "hi",
        "modalities": frozenset({"cbt"}),
        "caseload_limit": 10,
    }
    base.update(kw)
    return Candidate(**base)  # type: ignore[arg-type]


def test_plain_suggestions_full_caseload_does_not_fit() -> None:
    full = _candidate(1, open_cases=10)
    free = _candidate(2, open_cases=3)
    ranked = plain_suggestions(ClientNeeds(3, "cbt"), [full, free])
    assert [(s.therapist_id, s.fits, s.over_limit) for s in ranked] == [
        (2, True, False),
        (1, False, True),
    ]
    assert "room for 7 more" in ranked[0].reasons[0]


def test_plain_suggestions_essential_language_is_a_hard_constraint() -> None:
    urdu = _candidate(1, languages=frozenset({"English", "Urdu"}), open_cases=9)
    english = _candidate(2, languages=frozenset({"English"}), open_cases=0)
    needs = ClientNeeds(3, "cbt", [Preference("language", "urdu", essential=True)])
    ranked = plain_suggestions(needs, [english, urdu])
    assert [s.therapist_id for s in ranked if s.fits] == [1]
    assert ranked[1].unmet_essentials == ("language: urdu",)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["pwp", "hi", "counsellor"]),
            st.integers(0, 12),
            st.sampled_from(["1", "2", ""]),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([2, 3]),
    st.booleans(),
)
def test_plain_suggestions_fitting_never_break_a_hard_constraint(
    rows: list[tuple[str, int, str]], step: int, essential: bool
) -> None:
    candidates = [
        _candidate(i, role=role, open_cases=n, gender=g) for i, (role, n, g) in enumerate(rows)
    ]
    needs = ClientNeeds(step, "cbt", [Preference("gender", "2", essential=essential)])
    ranked = plain_suggestions(needs, candidates)
    assert sorted(s.therapist_id for s in ranked) == list(range(len(rows)))
    by_id = {c.therapist_id: c for c in candidates}
    fitting = [s for s in ranked if s.fits]
    assert ranked[: len(fitting)] == fitting  # those who fit come first
    for s in fitting:
        c = by_id[s.therapist_id]
        assert c.open_cases < c.caseload_limit
        assert (c.role == "pwp") == (step == 2)
        if essential:
            assert c.gender in ("2", "")
