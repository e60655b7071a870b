"""Matching for allocation: essential preferences are never broken, capacity is respected,
and report cards only reorder those who fit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ontrack.matching.suggest import rank_with_cards
from ontrack.matching.validate import _replay, over_caseload
from ontrack.pathway.allocation import Candidate, ClientNeeds, Preference, preference_met

GENDERS = ("1", "2")
LANGUAGES = ("English", "Urdu", "Polish")

candidate = st.builds(
    lambda i, role, gender, langs, open_cases, limit: Candidate(
        therapist_id=i,
        name=f"Therapist {i}",
        role=role,
        modalities=frozenset({"cbt"}),
        languages=frozenset(langs),
        gender=gender,
        open_cases=open_cases,
        caseload_limit=limit,
        practitioner_id=f"T{i}",
    ),
    st.integers(1, 10_000),
    st.sampled_from(("pwp", "hi", "counsellor")),
    st.sampled_from(GENDERS),
    st.sets(st.sampled_from(LANGUAGES), max_size=2),
    st.integers(0, 30),
    st.integers(0, 30),
)
preference = st.builds(
    Preference,
    st.sampled_from(("gender", "language")),
    st.sampled_from((*GENDERS, *LANGUAGES)),
    st.booleans(),
)
cards = st.dictionaries(
    st.sampled_from([f"T{i}" for i in range(1, 40)]),
    st.fixed_dictionaries(
        {"depression": st.tuples(st.floats(-1, 1), st.floats(-5, 5), st.integers(15, 99),
                                 st.sampled_from(("effective", "neutral", "ineffective")))}
    ),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    candidates=st.lists(candidate, min_size=1, max_size=12, unique_by=lambda c: c.therapist_id),
    preferences=st.lists(preference, max_size=3),
    step=st.sampled_from((2, 3)),
    cards=cards,
)
def test_an_essential_preference_is_never_broken(candidates, preferences, step, cards):
    needs = ClientNeeds(step, "cbt", preferences, problem_descriptor="F32")
    ranked = rank_with_cards(needs, candidates, cards)
    by_id = {c.therapist_id: c for c in candidates}
    assert sorted(s.therapist_id for s in ranked) == sorted(by_id)
    fits = [s.fits for s in ranked]
    assert fits == sorted(fits, reverse=True)  # everyone who fits comes first
    for s in ranked:
        if not s.fits:
            continue
        c = by_id[s.therapist_id]
        for p in preferences:
            if p.essential:
                assert preference_met(p, c) is not False, (p, c)
        assert c.caseload_limit == 0 or c.open_cases < c.caseload_limit


def test_report_cards_move_the_effective_therapist_up_among_those_who_fit():
    a = Candidate(
        1, "Ann", "hi", frozenset({"cbt"}), gender="2", caseload_limit=20, practitioner_id="T1"
    )
    b = Candidate(2, "Bo", "hi", frozenset({"cbt"}), gender="1", caseload_limit=20,
                  practitioner_id="T2")  # fmt: skip
    needs = ClientNeeds(3, "cbt", [], problem_descriptor="F33")
    cards = {"T2": {"depression": (0.4, 2.5, 40, "effective")}}
    ranked = rank_with_cards(needs, [a, b], cards)
    assert [s.name for s in ranked] == ["Bo", "Ann"]
    assert any("effective with depression" in r for r in ranked[0].reasons)
    assert any("no closed cases with depression yet" in r for r in ranked[1].reasons)
    # An essential preference outranks any report card.
    needs = ClientNeeds(3, "cbt", [Preference("gender", "2", essential=True)], "F33")
    ranked = rank_with_cards(needs, [a, b], cards)
    assert [(s.name, s.fits) for s in ranked] == [("Ann", True), ("Bo", False)]


def test_without_cards_the_order_is_the_plain_rule():
    a = Candidate(1, "Ann", "pwp", frozenset({"x"}), caseload_limit=10, open_cases=9)
    b = Candidate(2, "Bo", "pwp", frozenset({"x"}), caseload_limit=10, open_cases=1)
    ranked = rank_with_cards(ClientNeeds(2, "x", [], "F32"), [a, b], {})
    assert [s.name for s in ranked] == ["Bo", "Ann"]
    assert "no report cards" in ranked[0].extra["ranked_by"]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 120),
    therapists=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    greedy=st.booleans(),
)
def test_the_replay_never_goes_over_a_caseload_limit(n, therapists, seed, greedy):
    rng = np.random.default_rng(seed)
    ready = np.sort(rng.integers(0, 200, n)).astype(float)
    duration = rng.integers(7, 120, n).astype(float)
    caps = rng.integers(1, 5, therapists).astype(np.int64)
    staff_by = {("S", "hi"): np.arange(therapists, dtype=np.int64)}
    keys = [("S", "hi")] * n

    def choose(i, cands, free, loads):
        if greedy:  # always the first who is free, to load one therapist as much as possible
            return int(np.flatnonzero(free)[0])
        return int(np.argmax(np.where(free, caps[cands] - loads, -1)))

    therapist, start = _replay(ready, duration, keys, staff_by, caps, choose)
    assert (therapist >= 0).all()
    assert (start >= ready).all()
    assert over_caseload(therapist, start, start + duration, caps) == 0
    for t in range(therapists):  # direct check: open cases never above the cap
        rows = therapist == t
        for day in np.unique(start[rows]):
            open_now = ((start[rows] <= day) & (start[rows] + duration[rows] > day)).sum()
            assert open_now <= caps[t]
