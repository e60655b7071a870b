"""Evidence for and against each reason a therapy may be failing, read from the record.

Every piece of evidence carries a weight (0-1: how strongly it points to the
reason when present) and a sentence a clinician can check against the record.
Weights are judgement, stated here so they can be argued with; ``ontrack
validate`` measures how often the planted cause of failure ranks in the top two.
"""

from __future__ import annotations

import itertools
import statistics

from ontrack.monitoring.bundle import ModelBundle
from ontrack.monitoring.care_evidence import (
    pace_evidence,
    place_evidence,
    therapist_evidence,
    therapy_evidence,
)
from ontrack.monitoring.config import MonitoringConfig
from ontrack.monitoring.engagement import latest_elevations, missed_in_a_row, treated_measures
from ontrack.monitoring.episode import EpisodeHistory
from ontrack.monitoring.evaluate import Evaluation
from ontrack.monitoring.progress import progress_points
from ontrack.monitoring.reasons import Evidence, Reason
from ontrack.monitoring.reasons import fmt as _fmt
from ontrack.monitoring.signals import ReliableChange, SignalKind


def _rupture(ev: Evaluation, config: MonitoringConfig) -> list[Evidence]:
    state = ev.alliance
    if state is None or not state.ratings:
        return [Evidence("No alliance ratings recorded: a rupture cannot be ruled out.", 0.1)]
    out: list[Evidence] = []
    code = state.measure
    # The deepest fall below the client's own running level, in their own SDs: a large
    # drop is the hallmark of a rupture; a low level alone may be how this client rates.
    depth = max(
        (
            (v.level_before - v.total) * -state.direction / v.sd_used
            for v in state.verdicts
            if v.level_before is not None and v.sd_used > 0
        ),
        default=0.0,
    )
    if state.unrepaired:
        weight = 0.8 if depth >= 2.0 else 0.5
        out.append(Evidence(f"An alliance rupture on the {code} has not been repaired.", weight))
    elif state.last_rupture is not None:
        out.append(Evidence(f"An alliance rupture on the {code} was later repaired.", 0.25))
    if depth >= 3.0:
        out.append(
            Evidence(
                f"The {code} once fell {depth:.1f} SDs below the client's own running level.",
                0.45,
            )
        )
    latest = state.verdicts[-1]
    if latest.below_cutoff:
        out.append(
            Evidence(f"The latest {code} ({_fmt(latest.total)}) is below its cut-off.", 0.25)
        )
    fall = state.ratings[0] - state.ratings[-1]
    if -state.direction * fall >= config.alliance_fall_points:
        out.append(
            Evidence(
                f"The {code} has fallen from {_fmt(state.ratings[0])} to "
                f"{_fmt(state.ratings[-1])} over the episode.",
                0.3,
            )
        )
    if state.ruptures == 0 and not latest.below_cutoff:
        out.append(
            Evidence(
                f"{len(state.ratings)} {code} ratings with no rupture; the latest is "
                f"{_fmt(latest.total)}.",
                0.6,
                supports=False,
            )
        )
    elif depth < 1.5:
        out.append(
            Evidence(
                f"No fall of more than 1.5 SDs below the client's own {code} level.", 0.4, False
            )
        )
    return out


def _focus(episode: EpisodeHistory, ev: Evaluation, bundle: ModelBundle) -> list[Evidence]:
    treated = treated_measures(episode, ev.anxiety_measure)
    if not treated:
        return [Evidence("No problem descriptor recorded, so the focus cannot be checked.", 0.1)]
    out: list[Evidence] = []
    if ev.has(SignalKind.FOCUS):
        out.append(Evidence(ev.of_kind(SignalKind.FOCUS)[0].reasons[0], 0.7))
    intake: dict[str, float] = {}
    for measure in episode.measures:
        facts = bundle.measures.get(measure)
        series = episode.series(measure)
        if facts is not None and series and facts.reliable_change:
            intake[measure] = facts.elevation(series[0].total)
    if intake:
        top = max(intake, key=lambda m: intake[m])
        if top not in treated and bundle.measures[top].is_case(episode.series(top)[0].total):
            out.append(Evidence(f"At intake {top} was already the most elevated measure.", 0.35))
    by_measure = {p.measure: p for p in ev.progress}
    improved = [
        m
        for m in treated
        if m in by_measure and by_measure[m].reliable_change is ReliableChange.IMPROVEMENT
    ]
    stuck = [
        p.measure
        for p in ev.progress
        if p.measure not in treated
        and p.is_case
        and p.reliable_change is not ReliableChange.IMPROVEMENT
    ]
    if improved and stuck:
        out.append(
            Evidence(
                f"The treated measure ({', '.join(improved)}) has improved reliably but "
                f"{', '.join(stuck)} has not.",
                0.5,
            )
        )
    elevations = latest_elevations(episode, bundle)
    if elevations and max(elevations, key=lambda m: elevations[m]) in treated:
        out.append(Evidence("The treated problem's measure is the most elevated.", 0.5, False))
    return out


def _time(episode: EpisodeHistory, ev: Evaluation, bundle: ModelBundle) -> list[Evidence]:
    out: list[Evidence] = []
    if episode.circumstances:
        kinds = sorted({c.kind for c in episode.circumstances})
        out.append(
            Evidence(f"Life circumstances recorded during the episode: {', '.join(kinds)}.", 0.65)
        )
    cancelled = sum(c.client_cancelled for c in episode.contacts)
    missed = sum(c.missed for c in episode.contacts)
    if cancelled >= 2:
        out.append(Evidence(f"The client cancelled {cancelled} appointments.", 0.3))
    if missed >= 2:
        out.append(Evidence(f"{missed} appointments were missed without warning.", 0.25))
    for p in ev.progress:
        facts = bundle.measures.get(p.measure)
        points = progress_points(episode, p.measure)
        if facts is None or len(points) < 2:
            continue
        jumps = [
            (a, b)
            for a, b in itertools.pairwise(points)
            if facts.worsening(a.total, b.total) > 0 and facts.is_reliable(b.total - a.total)
        ]
        if jumps:
            a, b = jumps[-1]
            out.append(
                Evidence(
                    f"{p.measure} rose sharply from {_fmt(a.total)} to {_fmt(b.total)} between "
                    f"sessions {a.session} and {b.session}: has something happened in the "
                    "client's life?",
                    0.45,
                )
            )
            break
    wsas = episode.series("WSAS")
    if len(wsas) >= 2 and wsas[-1].total - wsas[0].total >= 5:
        out.append(
            Evidence(
                f"Work and social functioning is worse than at intake (WSAS {_fmt(wsas[0].total)} "
                f"to {_fmt(wsas[-1].total)}).",
                0.3,
            )
        )
    sessions = episode.treatment_sessions
    gaps = [(b.date - a.date).days for a, b in itertools.pairwise(sessions)]
    if gaps and max(gaps) >= 28 and cancelled:
        out.append(Evidence(f"A gap of {max(gaps)} days between sessions.", 0.2))
    if not out:
        out.append(
            Evidence("Regular attendance and no sudden worsening in the record.", 0.4, False)
        )
    return out


def _goals(episode: EpisodeHistory, config: MonitoringConfig) -> list[Evidence]:
    sessions = episode.sessions_attended
    if not episode.goal_ratings:
        if sessions >= config.goals_by_session:
            return [Evidence(f"No goals agreed and rated after {sessions} sessions.", 0.7)]
        return [Evidence("No goals agreed yet.", 0.3)]
    out: list[Evidence] = []
    first_position = min(episode.position(g.contact_id) for g in episode.goal_ratings)
    first_session = episode.session_of(first_position)
    if first_session is not None and first_session > config.goals_by_session:
        out.append(Evidence(f"Goals were first rated at session {first_session}.", 0.3))
    by_goal: dict[int, list[tuple[int, int]]] = {}
    for g in episode.goal_ratings:
        by_goal.setdefault(g.goal_number, []).append((episode.position(g.contact_id), g.rating))
    rises = [
        max(r for _, r in sorted(v)[-1:]) - sorted(v)[0][1] for v in by_goal.values() if len(v) >= 3
    ]
    if rises and max(rises) <= 1:
        out.append(Evidence("Goal ratings have hardly moved.", 0.35))
    if not out:
        out.append(Evidence("Goals were agreed early and are being rated.", 0.5, False))
    return out


def _homework(episode: EpisodeHistory, ev: Evaluation) -> list[Evidence]:
    sessions = episode.treatment_sessions
    if not sessions:
        return []
    cbt = sum(c.is_cbt for c in sessions) * 2 >= len(sessions)
    set_at = {h.set_contact_id for h in episode.homework}
    share = sum(c.contact_id in set_at for c in sessions) / len(sessions)
    out: list[Evidence] = []
    if ev.has(SignalKind.NO_HOMEWORK):
        out.append(Evidence(ev.of_kind(SignalKind.NO_HOMEWORK)[0].reasons[0], 0.6))
    if share < 0.5:
        out.append(Evidence(f"Homework was set in {share:.0%} of sessions.", 0.5 if cbt else 0.25))
    reviewed = [h for h in episode.homework if h.outcome is not None]
    done = [h for h in reviewed if h.outcome == "done"]
    done_share = len(done) / len(reviewed) if reviewed else None
    if done_share is not None and len(reviewed) >= 2 and done_share < 0.5:
        out.append(
            Evidence(
                f"Only {len(done)} of {len(reviewed)} reviewed tasks were fully done.",
                0.65 if done_share < 0.34 else 0.4,
            )
        )
    if episode.homework:
        criteria = statistics.fmean(h.criteria_met for h in episode.homework)
        if criteria < 3:
            out.append(
                Evidence(
                    f"Homework plans meet {criteria:.1f} of Beck's six criteria on average.", 0.2
                )
            )
    if not out and (done_share is None or done_share >= 0.5):
        out.append(Evidence("Homework is set most sessions and mostly done.", 0.5, False))
    return out


def _dropout(episode: EpisodeHistory, ev: Evaluation, config: MonitoringConfig) -> list[Evidence]:
    out: list[Evidence] = []
    p = ev.dropout_probability
    if p is not None and p >= config.dropout_threshold:
        out.append(Evidence(f"Estimated chance of dropping out: {p:.0%}.", 0.35))
    run = missed_in_a_row(episode)
    if run >= config.missed_in_a_row:
        out.append(Evidence(f"{run} appointments missed in a row.", 0.45))
    elif any(c.missed for c in episode.contacts):
        out.append(Evidence("At least one appointment was missed without warning.", 0.15))
    if not any(c.missed or c.client_cancelled for c in episode.contacts):
        out.append(Evidence("No missed or cancelled appointments.", 0.4, False))
    return out


def gather_evidence(
    episode: EpisodeHistory, ev: Evaluation, bundle: ModelBundle, config: MonitoringConfig
) -> dict[Reason, list[Evidence]]:
    """Return the evidence for and against every reason, from the record so far."""
    return {
        Reason.RUPTURE: _rupture(ev, config),
        Reason.WRONG_FOCUS: _focus(episode, ev, bundle),
        Reason.WRONG_TIME: _time(episode, ev, bundle),
        Reason.WRONG_PLACE: place_evidence(episode),
        Reason.WRONG_THERAPIST: therapist_evidence(episode, ev, bundle),
        Reason.WRONG_THERAPY: therapy_evidence(episode, ev, bundle, config),
        Reason.WRONG_PACE: pace_evidence(episode),
        Reason.NO_GOALS: _goals(episode, config),
        Reason.NO_HOMEWORK: _homework(episode, ev),
        Reason.DROPOUT_RISK: _dropout(episode, ev, config),
    }
