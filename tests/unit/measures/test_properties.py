"""Hypothesis properties of scoring and change for every shipped measure."""

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import examples

from ontrack.measures import all_measures, reliable_change, score
from ontrack.measures.definition import Measure

MEASURES = all_measures()


@st.composite
def answers_for(draw: st.DrawFn, complete: bool = False) -> tuple[Measure, list[float | None]]:
    """A measure and a valid set of its answers (with missing ones its rule tolerates)."""
    m = draw(st.sampled_from(MEASURES))
    steps = round((m.item_max - m.item_min) / m.item_step)
    answers: list[float | None] = [
        round(m.item_min + draw(st.integers(0, steps)) * m.item_step, 6) for _ in m.items
    ]
    if not complete:
        required = [i for i in range(m.n_items) if i + 1 not in m.optional_items]
        missing = draw(st.sets(st.sampled_from(required), max_size=m.max_missing))
        optional = draw(st.sets(st.sampled_from([i - 1 for i in m.optional_items] or [0])))
        for index in missing | (optional if m.optional_items else set()):
            answers[index] = None
        if all(a is None for a in answers):
            answers[required[0]] = m.item_min
    return m, answers


@settings(max_examples=examples(300), deadline=None)
@given(answers_for())
def test_every_total_is_within_range(case):
    m, answers = case

    result = score(m, answers)

    assert m.min <= result.total <= m.max
    assert result.total <= result.max


@settings(max_examples=examples(300), deadline=None)
@given(answers_for(complete=True), st.data())
def test_raising_one_answer_never_lowers_a_higher_is_worse_total(case, data):
    m, answers = case
    index = data.draw(st.integers(0, m.n_items - 1))
    raised = list(answers)
    value = raised[index]
    assert value is not None
    raised[index] = min(m.item_max, value + m.item_step * data.draw(st.integers(1, 10)))
    raised[index] = round(raised[index] or 0, 6)

    before, after = score(m, answers).total, score(m, raised).total

    if index + 1 in m.reverse_items:
        assert after <= before  # a positively worded item: more agreement is healthier
    else:
        assert after >= before


@settings(max_examples=examples(300), deadline=None)
@given(st.data())
def test_reliable_change_is_symmetric(data):
    m = data.draw(st.sampled_from([m for m in MEASURES if m.reliable_change is not None]))
    first = data.draw(st.floats(m.min, m.max, allow_nan=False))
    last = data.draw(st.floats(m.min, m.max, allow_nan=False))

    forward = reliable_change(m, first, last)
    backward = reliable_change(m, last, first)

    mirror = {"improvement": "deterioration", "deterioration": "improvement", "none": "none"}
    assert backward.reliable == mirror[forward.reliable]
    assert backward.change == -forward.change


@settings(max_examples=examples(200), deadline=None)
@given(st.data())
def test_caseness_agrees_with_is_case_for_total_rule_measures(data):
    m, answers = data.draw(answers_for(complete=True))

    result = score(m, answers)

    if m.caseness_rule.value == "total":
        assert result.caseness == m.is_case(result.total)


@settings(max_examples=examples(200), deadline=None)
@given(answers_for())
def test_risk_is_raised_exactly_when_a_risk_item_is_positive(case):
    m, answers = case

    result = score(m, answers)

    positive = any((a := answers[i - 1]) is not None and a >= m.risk_at_least for i in m.risk_items)
    assert result.risk is positive
