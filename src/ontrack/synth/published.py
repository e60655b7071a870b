"""The published NHS Talking Therapies figures the simulator is calibrated to.

Values are from /work/shared/reference/measures.md (section numbers in each source note),
which took them from NHS England's annual reports (OGL v3).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """One published figure, the tolerance the full-size simulation must meet, and its source."""

    name: str
    published: float
    tolerance: float
    unit: str  # "%" (percentage points) or "points"
    source: str


# Reference §3.1, §3.6, §2.4, §2.5, §6 (2024-25 unless stated).
TARGETS: tuple[Target, ...] = (
    Target("recovery", 50.5, 2.0, "%", "§3.1 2024-25"),
    Target("reliable_improvement", 67.5, 2.0, "%", "§3.1 2024-25"),
    Target("reliable_recovery", 47.5, 2.0, "%", "§3.1 2024-25"),
    Target("reliable_deterioration", 5.8, 2.0, "%", "§3.1 2024-25"),
    Target("wait_6_weeks", 91.6, 2.0, "%", "§3.1 2024-25 (finishers)"),
    Target("wait_18_weeks", 98.7, 2.0, "%", "§3.1 2024-25 (finishers)"),
    Target("imd_recovery_gap", 13.4, 2.0, "%", "§6 2024-25: 56.2 least vs 42.8 most deprived"),
    Target("finished_share", 37.0, 2.0, "%", "§3.1 2024-25: 670,419 / 1,813,432"),
    Target("not_at_caseness", 5.3, 2.0, "%", "§3.1 2024-25: 35,234 / 670,419"),
    Target("step_only_li", 39.9, 2.0, "%", "§2.5 2024-25"),
    Target("step_only_hi", 16.7, 2.0, "%", "§2.5 2024-25"),
    Target("step_both", 38.9, 2.0, "%", "§2.5 2024-25"),
    Target("step_not_known", 4.5, 2.0, "%", "§2.5 2024-25"),
    Target("step_up", 8.6, 2.0, "%", "§2.5 2024-25"),
    Target("step_down", 0.4, 2.0, "%", "§2.5 2024-25"),
    Target("phq9_start", 14.0, 0.5, "points", "§3.6 2024-25, mean of the three therapies"),
    Target("phq9_end", 9.4, 0.5, "points", "§3.6 2024-25, mean of the three therapies"),
    Target("gad7_start", 12.8, 0.5, "points", "§3.6 2024-25, mean of the three therapies"),
    Target("gad7_end", 8.5, 0.5, "points", "§3.6 2024-25, mean of the three therapies"),
)
# Per IMD decile 1 (most deprived) .. 10 (least), then not known (0): finished courses per
# referral and recovery, 2024-25 (reference §6). Reported beside the simulated values.
IMD_PUBLISHED: dict[int, tuple[float, float]] = {
    1: (29.1, 42.8),
    2: (33.2, 46.3),
    3: (34.8, 48.2),
    4: (36.6, 49.7),
    5: (38.0, 51.1),
    6: (39.5, 52.4),
    7: (40.4, 53.3),
    8: (41.9, 54.7),
    9: (42.7, 55.5),
    10: (45.7, 56.2),
    0: (23.1, 44.5),
}
# Start and end means per therapy (reference §3.6): CBT, guided self-help (book), counselling.
THERAPY_MEANS: dict[str, tuple[float, float, float, float]] = {
    "304891004": (14.2, 9.5, 13.3, 8.6),
    "748051000000105": (13.5, 9.4, 12.5, 8.5),
    "286711000000107": (14.4, 9.3, 12.3, 8.1),
}


__all__ = ["IMD_PUBLISHED", "TARGETS", "THERAPY_MEANS", "Target"]
