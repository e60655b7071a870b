"""The service-level parts of a bundle: alliance norms, the dropout model, therapist effects.

Fitted by ``calibrate`` from a ``ServiceHistory``; each uses only the referrals it is given.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ontrack.monitoring.bundle import AllianceNorms, TherapistEffect, problem_group
from ontrack.monitoring.exposure import HIGH_INTENSITY
from ontrack.monitoring.facts import MeasureFacts, facts_from_library
from ontrack.monitoring.history import NO_POSITION, ServiceHistory
from ontrack.monitoring.models.curve import CurveModel
from ontrack.monitoring.models.dropout import DROPOUT_FEATURES, DropoutModel, fit_dropout

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
PHQ9 = "PHQ-9"
# End codes that mean the client stopped coming (codes.toml [end_code]; labels UNVERIFIED):
# 16 incomplete assessment, patient dropped out; 47 treatment ended earlier than planned.
DROPOUT_END_CODES = frozenset({"16", "47"})


def alliance_norms(history: ServiceHistory, rows: IntArray) -> dict[str, AllianceNorms]:
    """Return each alliance measure's facts and pooled within-client SD."""
    if "alliance" not in history.tables or history.tables["alliance"].num_rows == 0:
        return {}
    measures = importlib.import_module("ontrack.measures")
    table = history.tables["alliance"].to_pandas()
    index = pd.Index(history.referral_ids)
    table["ref"] = index.get_indexer(table["referral_id"].astype(str))
    table = table[np.isin(table["ref"].to_numpy(), rows)]
    out: dict[str, AllianceNorms] = {}
    for code, group in table.groupby("measure"):
        totals = pd.to_numeric(group["total"]).astype("float64")
        by_ref = totals.groupby(group["ref"])
        dev = totals - by_ref.transform("mean")
        dof = float((by_ref.size() - 1).clip(lower=0).sum())
        within = float(np.sqrt((dev**2).sum() / dof)) if dof > 0 else 1.0
        try:
            scale_max = float(measures.get_measure(str(code)).max)
        except measures.MeasureError:
            scale_max = float(totals.max()) if len(totals) else 1.0
        first = group.sort_values("ref", kind="stable").drop_duplicates("ref", keep="first")
        typical = float(pd.to_numeric(first["total"]).median()) if len(first) else None
        out[str(code)] = AllianceNorms(
            facts_from_library(str(code)), max(within, 0.5), scale_max, typical
        )
    return out


def _first_alliance(
    history: ServiceHistory, norms: dict[str, AllianceNorms]
) -> tuple[IntArray, FloatArray]:
    """Return each referral's first alliance rating position and its share of the scale."""
    n = history.size
    position = np.full(n, NO_POSITION, dtype=np.int64)
    share = np.full(n, np.nan)
    if "alliance" not in history.tables or not norms:
        return position, share
    table = history.tables["alliance"].to_pandas()
    contacts = pd.Index(history.contacts["contact_id"])
    where = contacts.get_indexer(table["contact_id"].astype(str))
    scale = next(iter(norms.values())).scale_max
    frame = pd.DataFrame(
        {
            "ref": history.contacts["ref"].to_numpy()[where],
            "position": history.contacts["position"].to_numpy()[where],
            "total": pd.to_numeric(table["total"]).astype("float64").to_numpy(),
        }
    )
    # The latest row at the first rated contact, as EpisodeHistory.alliance_series keeps it.
    first = (
        frame.drop_duplicates(["ref", "position"], keep="last")
        .sort_values(["ref", "position"], kind="stable")
        .drop_duplicates("ref", keep="first")
    )
    position[first["ref"].to_numpy()] = first["position"].to_numpy()
    share[first["ref"].to_numpy()] = first["total"].to_numpy() / scale
    return position, share


def dropout_landmarks(
    history: ServiceHistory,
    rows: IntArray,
    facts: dict[str, MeasureFacts],
    norms: dict[str, AllianceNorms],
) -> tuple[FloatArray, IntArray, IntArray]:
    """Return (features, referral index, contact position) at every landmark contact.

    A landmark is each contact from the first attended one onwards, as the dropout
    model would be asked after any contact. Features equal ``dropout_features``.
    """
    phq = facts.get(PHQ9)
    scale = next(iter(norms.values())).scale_max if norms else None
    x, ref, position = history.cached(
        ("landmarks", phq, scale), lambda: _all_landmarks(history, facts, norms)
    )
    keep = np.isin(ref, rows)
    return x[keep], ref[keep], position[keep]


def _all_landmarks(
    history: ServiceHistory,
    facts: dict[str, MeasureFacts],
    norms: dict[str, AllianceNorms],
) -> tuple[FloatArray, IntArray, IntArray]:
    c = history.contacts
    ref = c["ref"].to_numpy()
    position = c["position"].to_numpy()
    attendance = c["attendance"].to_numpy()
    counted = attendance != "4"
    missed = np.isin(attendance, ("3", "7")) & counted
    cancelled = (attendance == "2") & counted
    group = pd.Series(ref)

    def running(values: NDArray[Any]) -> NDArray[Any]:
        return np.asarray(pd.Series(values).groupby(group).cumsum().to_numpy())

    def least(values: NDArray[Any]) -> NDArray[Any]:
        return np.asarray(pd.Series(values).groupby(group).transform("min").to_numpy())

    cum_missed = running(missed.astype(np.int64))
    cum_cancel = running(cancelled.astype(np.int64))
    cum_tx = running(c["treatment"].to_numpy().astype(np.int64))
    # Whether the latest counted contact was missed (provider cancellations do not count).
    last_state = pd.Series(np.where(counted, missed.astype(float), np.nan))
    last_missed = last_state.groupby(group).ffill().fillna(0.0).to_numpy()
    attended = c["attended"].to_numpy()
    first_seen = least(np.where(attended, position, NO_POSITION))
    first_day = least(np.where(attended, c["day"].to_numpy(), np.iinfo(np.int64).max))
    landmark = position >= first_seen
    x = np.zeros((int(landmark.sum()), len(DROPOUT_FEATURES)))
    lr, lp = ref[landmark], position[landmark]
    x[:, 0] = cum_missed[landmark]
    x[:, 1] = cum_cancel[landmark]
    x[:, 2] = last_missed[landmark]
    x[:, 3] = cum_tx[landmark]
    a_pos, a_share = _first_alliance(history, norms)
    rated = a_pos[lr] <= lp
    x[:, 4] = np.where(rated, a_share[lr], 0.0)
    x[:, 5] = np.where(rated, 0.0, 1.0)
    phq = history.measure(PHQ9)
    f = facts.get(PHQ9)
    if phq is not None and f is not None and f.reliable_change:
        width = phq.by_session.shape[1]
        points = phq.progress_mask()
        index = np.where(points, np.arange(width)[None, :], -1)
        latest = np.maximum.accumulate(index, axis=1)
        sessions = np.minimum(x[:, 3].astype(np.int64), width - 1)
        at = latest[lr, sessions]
        value = phq.by_session[lr, np.maximum(at, 0)]
        change = -(value - phq.intake[lr]) * f.direction / f.reliable_change
        x[:, 6] = np.where(at >= 1, change, 0.0)
        # The progress point before the latest (the intake where there is none).
        before_at = latest[lr, np.maximum(at - 1, 0)]
        before = np.where(
            before_at >= 1, phq.by_session[lr, np.maximum(before_at, 0)], phq.intake[lr]
        )
        recent = -(value - before) * f.direction / f.reliable_change
        x[:, 18] = np.where(at >= 1, recent, 0.0)
    x[:, 7] = (first_day[landmark] - history.referral_days[lr]) / 7.0
    age = history.age[lr]
    x[:, 8] = np.where(np.isnan(age), 40.0, age)
    imd = history.imd[lr]
    x[:, 9] = np.where(np.isnan(imd), 5.5, imd)
    x[:, 10] = np.isnan(imd).astype(float)
    _course_landmarks(history, x, landmark, norms, missed, counted, group)
    return x, lr.astype(np.int64), lp.astype(np.int64)


def _course_landmarks(
    history: ServiceHistory,
    x: FloatArray,
    landmark: NDArray[np.bool_],
    norms: dict[str, AllianceNorms],
    missed: NDArray[np.bool_],
    counted: NDArray[np.bool_],
    group: pd.Series,
) -> None:
    """Fill the ADR 0128 features (``DROPOUT_FEATURES[11:]``) of the landmark rows ``x``."""
    c = history.contacts
    # Missed in a row: within the counted contacts, the run of misses since the last
    # contact that was not one; a provider cancellation keeps the run as it was.
    streak = pd.Series(np.where(counted, 0.0, np.nan))
    breaks = pd.Series((counted & ~missed).astype(np.int64)).groupby(group).cumsum()
    run = pd.Series(missed.astype(np.int64)).groupby([group, breaks]).cumsum()
    streak = streak.where(~counted, run.astype(float))
    x[:, 11] = streak.groupby(group).ffill().fillna(0.0).to_numpy()[landmark]
    sessions = x[:, 3]
    x[:, 12] = (sessions == 1).astype(float)
    x[:, 13] = (sessions == 0).astype(float)
    x[:, 14] = np.log1p(sessions)
    treatment = c["treatment"].to_numpy()
    step = pd.Series(np.where(treatment, c["step"].to_numpy(), np.nan))
    latest_step = step.groupby(group).ffill().to_numpy()
    x[:, 15] = (latest_step[landmark] == HIGH_INTENSITY).astype(float)
    rating = _alliance_by_contact(history, norms)
    latest = pd.Series(rating).groupby(group).ffill().to_numpy()[landmark]
    rated = ~np.isnan(latest)
    x[:, 16] = np.where(rated, latest, 0.0)
    x[:, 17] = np.where(rated, latest - x[:, 4], 0.0)
    x[:, 19] = c["attended"].to_numpy()[landmark].astype(float)


def _alliance_by_contact(history: ServiceHistory, norms: dict[str, AllianceNorms]) -> FloatArray:
    """Return, per contact, its alliance rating as a share of the scale (NaN where none)."""
    out = np.full(len(history.contacts), np.nan)
    if "alliance" not in history.tables or not norms:
        return out
    table = history.tables["alliance"].to_pandas()
    where = pd.Index(history.contacts["contact_id"]).get_indexer(table["contact_id"].astype(str))
    scale = next(iter(norms.values())).scale_max
    keep = where >= 0
    # The latest row at a contact wins, as EpisodeHistory.alliance_series keeps it.
    out[where[keep]] = pd.to_numeric(table["total"]).astype("float64").to_numpy()[keep] / scale
    return out


def fit_dropout_model(
    history: ServiceHistory,
    rows: IntArray,
    facts: dict[str, MeasureFacts],
    norms: dict[str, AllianceNorms],
    *,
    end_codes: frozenset[str] = DROPOUT_END_CODES,
    max_rows: int = 60_000,
    seed: int = 0,
) -> DropoutModel | None:
    """Fit the dropout model on the ended referrals among ``rows``; None if it cannot be."""
    ended = rows[history.ended[rows]]
    x, ref, _ = dropout_landmarks(history, ended, facts, norms)
    label = np.isin(history.end_code[ref].astype(str), list(end_codes))
    try:
        return fit_dropout(x, label, max_rows=max_rows, seed=seed)
    except ValueError:
        return None


def main_therapist(history: ServiceHistory) -> NDArray[np.object_]:
    """Return the therapist who delivered most of each referral's treatment sessions."""
    tx = history.contacts[history.contacts["treatment"] & history.contacts["therapist_id"].notna()]
    out = np.full(history.size, None, dtype=object)
    if len(tx) == 0:
        return out
    counts = tx.groupby(["ref", "therapist_id"], sort=False).size().reset_index(name="n")
    # Ties go to the therapist seen first, as statistics.mode does.
    first_seen = tx.groupby(["ref", "therapist_id"], sort=False)["position"].min().to_numpy()
    counts["first"] = first_seen
    best = counts.sort_values(["ref", "n", "first"], ascending=[True, False, True]).drop_duplicates(
        "ref"
    )
    out[best["ref"].to_numpy()] = best["therapist_id"].to_numpy()
    return out


def therapist_effects(
    history: ServiceHistory,
    rows: IntArray,
    curve: CurveModel | None,
    facts: MeasureFacts | None,
) -> dict[str, TherapistEffect]:
    """Estimate each therapist's case-mix-adjusted outcome, shrunk towards zero.

    Residual = (last PHQ-9 - expected at that session) / spread, positive = worse,
    over finished episodes; per therapist and per therapist and problem group,
    empirical-Bayes shrinkage with the between-therapist variance estimated by
    the method of moments.
    """
    phq = history.measure(PHQ9)
    if phq is None or curve is None or facts is None:
        return {}
    points = phq.progress_mask()[rows]
    has = points.any(axis=1) & history.ended[rows] & (history.sessions_attended[rows] >= 2)
    used = rows[has]
    if used.size == 0:
        return {}
    last = points[has].shape[1] - 1 - np.argmax(points[has][:, ::-1], axis=1)
    y = phq.by_session[used, last]
    mean, sd = curve.expect_many(phq.intake[used][:, None], points.shape[1] - 1)
    col = np.maximum(last - 1, 0)
    resid = (y - mean[np.arange(used.size), col]) * facts.direction / sd[np.arange(used.size), col]
    therapist = main_therapist(history)[used]
    group = np.array([problem_group(d) for d in history.descriptor[used]], dtype=object)
    frame = pd.DataFrame({"t": therapist, "g": group, "r": resid}).dropna()
    out: dict[str, TherapistEffect] = {}
    for keys in (["t"], ["t", "g"]):
        stats = frame.groupby(keys)["r"].agg(["mean", "var", "size"])
        stats = stats[stats["size"] >= 5]
        if stats.empty:
            continue
        within = float(np.nanmean(stats["var"])) if stats["var"].notna().any() else 1.0
        noise = within / stats["size"]
        tau2 = (
            max(float(stats["mean"].var(ddof=1) - noise.mean()), 1e-4) if len(stats) > 1 else 1e-4
        )
        shrunk = stats["mean"] * tau2 / (tau2 + noise)
        for key, value, size in zip(stats.index, shrunk, stats["size"], strict=True):
            name = key if isinstance(key, str) else "|".join(str(k) for k in key)
            out[name] = TherapistEffect(float(value), int(size))
    return out
