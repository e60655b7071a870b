"""The vectorised replay agrees with evaluate_episode, session by session."""

from __future__ import annotations

import numpy as np
import pytest

from ontrack.measures import nhstt
from ontrack.monitoring import (
    ModelChoice,
    MonitoringConfig,
    MonitoringError,
    ProgressStatus,
    evaluate_episode,
    load_bundle,
    save_bundle,
)
from ontrack.monitoring.calibrate import outcome_facts
from ontrack.monitoring.engagement import dropout_features
from ontrack.monitoring.from_dataset import EpisodeBuilder
from ontrack.monitoring.replay import outcomes, replay
from ontrack.monitoring.service_models import dropout_landmarks

SAMPLE = 120


def _sample(service, minimum_sessions: int = 2):  # type: ignore[no-untyped-def]
    rows = np.nonzero(service.sessions_attended >= minimum_sessions)[0]
    return np.random.default_rng(0).choice(rows, min(SAMPLE, rows.size), replace=False)


@pytest.mark.parametrize("model", list(ModelChoice))
def test_replay_flags_match_evaluate_episode(service, service_bundle, model) -> None:  # type: ignore[no-untyped-def]
    rows = np.sort(_sample(service))
    points = replay(service, service_bundle, rows, model)
    flags = points.flags()
    builder = EpisodeBuilder(service)
    config = MonitoringConfig(model=model)
    checked = 0

    for k, ref in enumerate(rows):
        episode = builder.build(int(ref))
        for contact in episode.treatment_sessions:
            s = contact.session_number or 0
            try:
                result = evaluate_episode(episode, service_bundle, config, as_of=contact.contact_id)
            except MonitoringError:
                assert not points.evaluated[k, s - 1]
                continue
            assert points.evaluated[k, s - 1]
            off = result.status is ProgressStatus.OFF_TRACK
            assert off == bool(flags[k, s - 1]), (episode.referral_id, s)
            phq = next(p for p in result.progress if p.measure == "PHQ-9")
            if phq.session == s and phq.expected is not None:
                assert phq.expected == pytest.approx(points.expected["PHQ-9"][k, s - 1])
            checked += 1

    assert checked > 3 * SAMPLE


def test_outcome_labels_match_the_measures_library(service) -> None:  # type: ignore[no-untyped-def]
    labels = outcomes(service, outcome_facts(service))
    builder = EpisodeBuilder(service)

    for ref in _sample(service):
        episode = builder.build(int(ref))
        contacts = [nhstt.Contact(c.date, c.app_type, c.attendance) for c in episode.contacts]
        position = {c.contact_id: i for i, c in enumerate(episode.contacts)}
        scores = [
            nhstt.MeasureScore(s.measure, s.total, contact=position[s.contact_id])
            for s in episode.scores
            if s.measure != "WSAS"
        ]
        expected = nhstt.classify_referral(contacts, scores, episode.problem_descriptor)
        ended = bool(service.ended[ref])
        assert labels.finished[ref] == (expected.finished_course and expected.paired and ended)
        if labels.finished[ref]:
            assert labels.improved[ref] == expected.reliable_improvement
            assert labels.deteriorated[ref] == expected.reliable_deterioration


def test_dropout_landmarks_match_per_episode_features(service, service_bundle) -> None:  # type: ignore[no-untyped-def]
    rows = np.sort(_sample(service, 1))[:40]
    x, refs, positions = dropout_landmarks(
        service, rows, service_bundle.measures, service_bundle.alliance
    )
    builder = EpisodeBuilder(service)
    scale = next(iter(service_bundle.alliance.values())).scale_max

    for row, ref, position in zip(x, refs, positions, strict=True):
        episode = builder.build(int(ref))
        cut = episode.up_to(episode.contacts[int(position)].contact_id)
        expected = dropout_features(cut, "PHQ-9", service_bundle.measures["PHQ-9"], scale)
        assert np.allclose(row, expected), (episode.referral_id, position)


def test_calibrated_bundle_survives_a_round_trip(service, service_bundle, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "service.npz"
    save_bundle(service_bundle, path)
    loaded = load_bundle(path)
    episode = EpisodeBuilder(service).build(int(_sample(service, 4)[0]))

    assert evaluate_episode(episode, loaded).to_json() == (
        evaluate_episode(episode, service_bundle).to_json()
    )
    assert loaded.calibration["target_false_alarm"] == pytest.approx(0.18)
