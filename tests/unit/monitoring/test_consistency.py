"""Signal, badge and reasons never contradict each other (issue 16, item 5).

Property tests over made-up episodes: any scores, with missed and cancelled
appointments anywhere (and scores recorded at them, which must be ignored).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ontrack.monitoring import evaluate_episode, expected_course
from ontrack.monitoring.signals import ProgressStatus, SignalKind
from ontrack.monitoring.testing import toy_bundle, weekly_episode

ATTENDANCE = ["5", "5", "5", "6", "2", "3", "4", "7"]  # attended twice as often as not
SCALES = {"PHQ-9": (0.0, 27.0), "GAD-7": (0.0, 21.0)}
CONTRADICTS_RECOVERY = ("worse than expected", "beyond the failure boundary", "reliably worse")


@st.composite
def episodes(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 12))
    attendance = draw(st.lists(st.sampled_from(ATTENDANCE), min_size=n, max_size=n))
    phq = draw(st.lists(st.one_of(st.none(), st.integers(0, 27)), min_size=n + 1, max_size=n + 1))
    gad = draw(st.lists(st.one_of(st.none(), st.integers(0, 21)), min_size=n + 1, max_size=n + 1))
    phq[0] = draw(st.integers(0, 27))
    gad[0] = draw(st.integers(0, 21))
    return weekly_episode(phq9=phq, gad7=gad, attendance=attendance, goals_from=None)


BUNDLES = {failure: toy_bundle(failure=failure) for failure in (False, True)}


@settings(max_examples=300, deadline=None)
@given(episodes(), st.booleans())
def test_signal_badge_and_reasons_agree(episode, failure: bool) -> None:  # type: ignore[no-untyped-def]
    result = evaluate_episode(episode, BUNDLES[failure])
    kinds = {s.kind for s in result.signals}

    assert (result.status is ProgressStatus.OFF_TRACK) == (SignalKind.OFF_TRACK in kinds)
    assert (result.status is ProgressStatus.RECOVERED) == (SignalKind.RECOVERED in kinds)
    if result.status is ProgressStatus.RECOVERED:
        said = " ".join(r for p in result.progress for r in p.reasons)
        assert not any(phrase in said for phrase in CONTRADICTS_RECOVERY), said
    for signal in result.signals:
        assert len(signal.reasons) == len(set(signal.reasons)), signal.reasons
    for progress in result.progress:
        assert len(progress.reasons) == len(set(progress.reasons)), progress.reasons
        low, high = SCALES[progress.measure]
        if progress.failure_boundary is not None:
            assert low <= progress.failure_boundary <= high


@settings(max_examples=300, deadline=None)
@given(episodes())
def test_missed_and_cancelled_appointments_are_never_sessions_or_signal_points(episode) -> None:  # type: ignore[no-untyped-def]
    result = evaluate_episode(episode, BUNDLES[True])
    attended = {c.contact_id for c in episode.contacts if c.attended}

    assert result.sessions_attended == sum(
        1 for c in episode.contacts[1:] if c.attendance in {"5", "6"}
    )
    if attended:
        assert result.contact_id in attended
    for progress in result.progress:
        assert progress.contact_id in attended
    for signal in result.signals:
        assert signal.contact_id is None or signal.contact_id in attended


@settings(max_examples=100, deadline=None)
@given(episodes(), st.integers(1, 20))
def test_drawn_boundaries_stay_on_the_scale(episode, sessions: int) -> None:  # type: ignore[no-untyped-def]
    for measure, (low, high) in SCALES.items():
        course = expected_course(episode, measure, sessions, BUNDLES[True])
        for point in course.points:
            assert point.boundary is None or low <= point.boundary <= high
