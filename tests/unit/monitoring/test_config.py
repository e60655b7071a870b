"""MonitoringConfig: every setting is checked; nothing configures risk away."""

from __future__ import annotations

import dataclasses

import pytest

from ontrack.monitoring import ConfigurationError, MonitoringConfig


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("stalled_after_sessions", 0, "stalled_after_sessions"),
        ("goals_by_session", 0, "goals_by_session"),
        ("homework_gap_sessions", 0, "homework_gap_sessions"),
        ("missed_in_a_row", 0, "missed_in_a_row"),
        ("dropout_threshold", 1.0, "dropout_threshold"),
        ("dropout_threshold", 0.0, "dropout_threshold"),
        ("failure_threshold", 1.5, "failure_threshold"),
        ("boundary_z", float("nan"), "boundary_z"),
        ("alliance_fall_points", -1.0, "alliance_fall_points"),
        ("model", "forest", "forest"),
        ("tracked_measures", (), "tracked_measures"),
    ],
)
def test_config_bad_value_raises_naming_the_setting(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        MonitoringConfig(**{field: value})  # type: ignore[arg-type]


def test_config_has_no_setting_for_risk() -> None:
    names = {f.name for f in dataclasses.fields(MonitoringConfig)}

    assert not any("risk" in name for name in names)


def test_config_to_json_lists_every_setting() -> None:
    data = MonitoringConfig().to_json()

    assert data["stalled_after_sessions"] == 6
    assert data["model"] == "curve"
