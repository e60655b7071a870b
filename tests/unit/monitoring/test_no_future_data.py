"""Signals at a session depend only on what was recorded up to that session."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import examples

from ontrack.monitoring import ModelChoice, MonitoringConfig, evaluate_episode, why_review
from ontrack.monitoring.testing import toy_bundle, weekly_episode

totals = st.integers(0, 21)
codes = st.sampled_from(["5", "5", "5", "3", "2", "4"])


@st.composite
def histories(draw: st.DrawFn) -> tuple[dict[str, list], int, dict[str, list]]:  # type: ignore[type-arg]
    length = draw(st.integers(2, 10))
    cut = draw(st.integers(1, length - 1))
    extra = draw(st.integers(0, 6))

    def series(n: int) -> list[int | None]:
        return [draw(totals)] + [draw(st.none() | totals) for _ in range(n - 1)]

    past = {
        "phq9": series(length),
        "gad7": series(length),
        "alliance": [None] + [draw(st.none() | st.integers(20, 40)) for _ in range(length - 1)],
        "attendance": [draw(codes) for _ in range(length - 1)],
    }
    future = {
        "phq9": [draw(st.none() | totals) for _ in range(extra)],
        "gad7": [draw(st.none() | totals) for _ in range(extra)],
        "alliance": [draw(st.none() | st.integers(0, 40)) for _ in range(extra)],
        "attendance": [draw(codes) for _ in range(extra)],
    }
    return past, cut, future


def _episode(past: dict[str, list], cut: int, future: dict[str, list] | None):  # type: ignore[no-untyped-def,type-arg]
    keep = {k: v[: cut + 1] if k != "attendance" else v[:cut] for k, v in past.items()}
    if future is not None:
        keep = {k: keep[k] + future[k] for k in keep}
    return weekly_episode(**keep, goals_from=2)


@settings(max_examples=examples(80), deadline=None)
@given(case=histories(), model=st.sampled_from(list(ModelChoice)), failure=st.booleans())
def test_evaluation_ignores_everything_after_the_contact(case, model, failure) -> None:  # type: ignore[no-untyped-def]
    past, cut, future = case
    bundle = toy_bundle(knn=True, failure=failure)
    config = MonitoringConfig(model=model)
    known_only = _episode(past, cut, None)
    with_future = _episode(past, cut, future)
    contact = known_only.contacts[-1].contact_id

    now = evaluate_episode(known_only, bundle, config)
    replayed = evaluate_episode(with_future, bundle, config, as_of=contact)

    assert replayed.to_json() == now.to_json()
    assert why_review(with_future, bundle, config, as_of=contact).to_json() == (
        why_review(known_only, bundle, config).to_json()
    )
