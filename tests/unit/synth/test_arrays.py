import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ontrack.synth.arrays import (
    MISSING_ANSWER,
    answer_strings,
    expand,
    group_cumsum,
    group_first,
    group_last,
    identifiers,
)


@given(st.lists(st.integers(0, 5), max_size=30))
def test_expand_gives_each_parent_its_count_of_children(counts):
    parent, position = expand(counts)

    assert np.bincount(parent, minlength=len(counts)).tolist() == counts
    for p, k in zip(parent, position, strict=True):
        assert 0 <= k < counts[p]


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(-5, 9)), max_size=40))
def test_group_cumsum_restarts_for_each_parent(pairs):
    pairs.sort(key=lambda p: p[0])
    parent = [p for p, _ in pairs]
    values = [v for _, v in pairs]

    result = group_cumsum(values, parent).tolist()

    expected, running, last = [], 0, None
    for p, v in pairs:
        running = v if p != last else running + v
        expected.append(running)
        last = p
    assert result == expected


def test_group_first_and_last_mark_missing_parents():
    parent = [1, 1, 3]

    assert group_first(parent, 4).tolist() == [-1, 0, -1, 2]
    assert group_last(parent, 4).tolist() == [-1, 1, -1, 2]


def test_identifiers_are_zero_padded():
    assert identifiers("C", [1, 10, 999], 3).to_pylist() == ["C001", "C010", "C999"]


@given(
    hnp.arrays(
        np.uint8,
        st.tuples(st.integers(0, 20), st.integers(1, 20)),
        elements=st.sampled_from([0, 1, 2, 3, 4, 7, 10, MISSING_ANSWER]),
    )
)
def test_answer_strings_read_back_to_the_answers(answers):
    text = answer_strings(answers).to_pylist()

    for row, line in zip(answers, text, strict=True):
        expected = ["-" if a == MISSING_ANSWER else str(a) for a in row]
        assert line.split(",") == expected
