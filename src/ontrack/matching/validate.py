"""``ontrack match-validate``: replay allocation as usual and with OnTrack's advice.

Referrals that entered treatment are split into folds by person (a person's referrals stay
together, as ``ontrack validate`` does). For each fold, report cards and the step and
modality advice are fitted on the other folds only; the fold's referrals are then
allocated twice, in order of assessment, to the same therapists with the same capacity
(each therapist's caseload limit divided by the number of folds, since a fold carries
about that share of the cases):

- *as usual*: the start step and therapy the service actually gave, and the next free
  therapist of the right role (the one with most room);
- *matched*: stratified care may start a poor-prognosis client at high intensity (never
  lower than stepped care), the personalised advantage picks CBT or counselling for
  depression, and ``rank.score_candidates`` picks among the therapists with room.

Nobody is ever allocated over a limit: a client waits until a slot frees (the wait is
reported). A third replay lets high-intensity capacity be reallocated from low intensity
so that ``hi_capacity`` times as many clients start at high intensity (as in STRATCARE).

*Expected outcomes.* With simulator ground truth (``therapist.effect_*``,
``truth.prognosis``, ``truth.response_*``) each client's planted shift under an allocation
is their therapist's planted effect in their true domain plus their response to the
modality; a logistic regression of the realised outcome on the realised shift and the
client's prognosis and start scores, fitted on the whole dataset, turns shifts into
expected chances of recovery, reliable improvement and dropout. Without ground truth the
shift is the report card's shrunk effect (a model-based estimate, labelled so).
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from sklearn.linear_model import LogisticRegression

from ontrack.matching.advice import (
    DEFAULT_SHARE,
    features,
    fit_advisor,
    outcomes,
    reliable_improvement,
    stepped_care_step,
)
from ontrack.matching.cases import DatasetError, load_cases
from ontrack.matching.domains import DOMAINS, FUNCTIONING_CASENESS, planted_label
from ontrack.matching.rank import domain_weights, score_candidates
from ontrack.matching.reportcards import (
    NOT_ENOUGH,
    Card,
    domain_cases,
    effect_matrix,
    report_cards,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
MODALITY_ROLE: Final = {"li": "pwp", "cbt": "hi", "counselling": "counsellor", "other": "hi"}
DROPOUT_END_CODE: Final = "47"  # treatment ended earlier than the professional planned


@dataclass(frozen=True)
class ValidationSettings:
    """Folds by person, their seed, and the STRATCARE-like reallocation factor."""

    folds: int = 5
    seed: int = 0
    hi_capacity: float = 2.0
    share: float = DEFAULT_SHARE


@dataclass
class Plan:
    """One policy's allocation of a fold: role, modality, therapist, start day."""

    role: npt.NDArray[np.object_]
    modality: npt.NDArray[np.object_]
    therapist: IntArray
    start: FloatArray
    over: int = 0


def _folds(persons: npt.NDArray[np.object_], k: int, seed: int) -> IntArray:
    codes, uniques = pd.factorize(pd.Series(persons).astype(str))
    rng = np.random.default_rng(seed)
    person_fold = rng.permutation(len(uniques)) % k
    return np.asarray(person_fold[codes], dtype=np.int64)


def _column(table: pa.Table | None, name: str) -> npt.NDArray[Any] | None:
    if table is None or name not in table.column_names:
        return None
    column = table.column(name)
    if column.null_count == len(column):
        return None
    return np.asarray(column.to_numpy(zero_copy_only=False))


@dataclass
class Staff:
    """The therapists as arrays."""

    ids: npt.NDArray[np.object_]
    service: npt.NDArray[np.object_]
    role: npt.NDArray[np.object_]
    gender: npt.NDArray[np.object_]
    limit: IntArray
    planted: FloatArray | None  # therapists x DOMAINS, simulator ground truth

    def by(self) -> dict[tuple[str, str], IntArray]:
        groups: dict[tuple[str, str], list[int]] = {}
        for i, key in enumerate(zip(self.service, self.role, strict=True)):
            groups.setdefault((str(key[0]), str(key[1])), []).append(i)
        return {k: np.asarray(v, dtype=np.int64) for k, v in groups.items()}


def _staff(tables: Mapping[str, pa.Table]) -> Staff:
    table = tables["therapist"]
    planted_columns = [_column(table, f"effect_{d}") for d in DOMAINS]
    planted = (
        np.column_stack([np.asarray(c, dtype=np.float64) for c in planted_columns])
        if all(c is not None for c in planted_columns)
        else None
    )
    limit = np.asarray(table.column("caseload_limit").fill_null(0).to_numpy(), dtype=np.int64)
    gender = (
        np.asarray(table.column("gender").to_pylist(), dtype=object)
        if "gender" in table.column_names
        else np.full(table.num_rows, None, dtype=object)
    )
    return Staff(
        ids=np.asarray(table.column("therapist_id").to_pylist(), dtype=object),
        service=np.asarray(table.column("service_id").to_pylist(), dtype=object),
        role=np.asarray(table.column("role").to_pylist(), dtype=object),
        gender=gender,
        limit=limit,
        planted=planted,
    )


def _truth(tables: Mapping[str, pa.Table], cases: pd.DataFrame) -> pd.DataFrame | None:
    truth = tables.get("truth")
    needed = ("prognosis", "true_domain", "response_li", "response_cbt", "response_counselling")
    if truth is None or any(_column(truth, c) is None for c in needed):
        return None
    frame = truth.select(["referral_id", *needed]).to_pandas()
    aligned: pd.DataFrame = (
        frame.set_index("referral_id").reindex(cases["referral_id"]).reset_index(drop=True)
    )
    return aligned


def _replay(
    ready: FloatArray,
    duration: FloatArray,
    keys: list[tuple[str, str]],
    staff_by: dict[tuple[str, str], IntArray],
    caps: IntArray,
    choose: Callable[[int, IntArray, BoolArray, IntArray], int],
) -> tuple[IntArray, FloatArray]:
    """Allocate in order of ``ready``; never over ``caps``. A therapist's load counts every
    case allocated to them that has not ended (including ones starting later), so a slot
    given now can never push anyone over the limit at any later time."""
    n = len(ready)
    therapist = np.full(n, -1, dtype=np.int64)
    start = np.full(n, np.nan)
    load = np.zeros(len(caps), dtype=np.int64)
    ending: list[tuple[float, int]] = []  # (end day, therapist) of every allocated case
    ends: dict[int, list[float]] = {}  # per therapist, sorted; pruned only when waiting
    for i in np.argsort(ready, kind="stable"):
        cands = staff_by.get(keys[i])
        if cands is None or not len(cands):
            continue
        day = float(ready[i])
        while ending and ending[0][0] <= day:  # ``ready`` only grows: these have ended
            load[heapq.heappop(ending)[1]] -= 1
        loads = load[cands]
        free = loads < caps[cands]
        if not free.any():
            for t in cands.tolist():
                own = ends[t]
                del own[: bisect.bisect_right(own, day)]
            day = min(ends[t][len(ends[t]) - int(caps[t])] for t in cands.tolist())
            loads = np.asarray(
                [len(ends[t]) - bisect.bisect_right(ends[t], day) for t in cands.tolist()],
                dtype=np.int64,
            )
            free = loads < caps[cands]
        k = choose(int(i), cands, free, loads)
        chosen = int(cands[k])
        end = day + float(duration[i])
        load[chosen] += 1
        heapq.heappush(ending, (end, chosen))
        bisect.insort(ends.setdefault(chosen, []), end)
        therapist[i], start[i] = chosen, day
    return therapist, start


def over_caseload(therapist: IntArray, start: FloatArray, end: FloatArray, caps: IntArray) -> int:
    """Allocations that, when they started, took a therapist over their limit."""
    over = 0
    for t in np.unique(therapist[therapist >= 0]):
        rows = np.flatnonzero(therapist == t)
        events = sorted(
            [(float(end[r]), 0) for r in rows] + [(float(start[r]), 1) for r in rows]
        )  # an end on the same day frees the slot first
        open_cases = 0
        for _, kind in events:
            open_cases += 1 if kind else -1
            if kind and open_cases > caps[t]:
                over += 1
    return over


def peak_caseloads(therapist: IntArray, start: FloatArray, end: FloatArray, n: int) -> IntArray:
    """The most cases each therapist carried at once (at least 1): the capacity the service
    actually used, which both replays must live within."""
    peak = np.ones(n, dtype=np.int64)
    order = np.lexsort((np.r_[np.zeros(len(end)), np.ones(len(start))], np.r_[end, start]))
    who = np.r_[therapist, therapist][order]
    step = np.r_[-np.ones(len(end), dtype=np.int64), np.ones(len(start), dtype=np.int64)][order]
    load = np.zeros(n, dtype=np.int64)
    for t, change in zip(who.tolist(), step.tolist(), strict=True):
        if t < 0:
            continue
        load[t] += change
        peak[t] = max(peak[t], load[t])
    return peak


@dataclass
class _Logistic:
    """A logistic regression on standardised columns (it converges in far fewer steps)."""

    model: LogisticRegression
    centre: FloatArray
    scale: FloatArray

    def chance(self, x: FloatArray) -> FloatArray:
        z = (x - self.centre) / self.scale
        return np.asarray(self.model.predict_proba(z)[:, 1], dtype=np.float64)


def _logistic(x: FloatArray, y: BoolArray) -> _Logistic | None:
    if len(y) < 20 or y.all() or not y.any():
        return None
    centre = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    model = LogisticRegression(max_iter=1000, C=10.0)
    model.fit((x - centre) / scale, y)
    return _Logistic(model, centre, scale)


def _gain(model: _Logistic | None, x0: FloatArray, x1: FloatArray) -> FloatArray:
    if model is None or not len(x0):
        return np.zeros(len(x0))
    return np.asarray(model.chance(x1) - model.chance(x0), dtype=np.float64)


def _group_gains(
    values: npt.NDArray[Any], gain: FloatArray, keys: list[str]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        rows = values == key
        out[key] = {
            "referrals": int(rows.sum()),
            "recovery_gain": round(float(gain[rows].mean()), 4) if rows.any() else None,
        }
    return out


class _Fold:
    """One fold's replay: the inputs every policy shares."""

    def __init__(
        self,
        cases: pd.DataFrame,
        rows: IntArray,
        staff: Staff,
        cards: list[Card],
        settings: ValidationSettings,
        hi_duration: float,
    ) -> None:
        self.rows = rows
        self.staff = staff
        sub = cases.iloc[rows]
        self.sub = sub
        self.ready = np.asarray(sub["first_treatment_day"], dtype=np.float64)
        span = np.asarray(sub["last_treatment_day"] - sub["first_treatment_day"], float)
        self.duration = np.nan_to_num(span, nan=0.0) + 7.0
        recorded = np.asarray(sub["therapist_index"], dtype=np.int64)
        self.hi_duration = hi_duration
        self.service = np.asarray(sub["service_id"], dtype=object)
        therapist = np.asarray(sub["therapist_index"], dtype=np.int64)
        self.usual_role = staff.role[therapist]
        self.usual_modality = np.asarray(sub["modality"], dtype=object)
        self.domain = np.asarray(sub["domain"], dtype=object)
        wsas = np.asarray(pd.to_numeric(sub["wsas_first"], errors="coerce"), dtype=float)
        with np.errstate(invalid="ignore"):
            self.functioning = wsas >= FUNCTIONING_CASENESS
        self.preference = np.asarray(sub["therapist_gender_preference"], dtype=object)
        self.effects, _ = effect_matrix(cards, staff.ids)
        self.caps = peak_caseloads(recorded, self.ready, self.ready + self.duration, len(staff.ids))
        self.staff_by = staff.by()
        offered: dict[str, set[str]] = {}
        for service, role in self.staff_by:
            offered.setdefault(service, set()).add(role)
        self.offered = offered

    def usual(self) -> Plan:
        keys = [(str(s), str(r)) for s, r in zip(self.service, self.usual_role, strict=True)]

        def choose(i: int, cands: IntArray, free: BoolArray, loads: IntArray) -> int:
            room = np.where(free, self.caps[cands] - loads, -(10**9))
            return int(np.argmax(room))

        therapist, start = _replay(
            self.ready, self.duration, keys, self.staff_by, self.caps, choose
        )
        plan = Plan(self.usual_role.copy(), self.usual_modality.copy(), therapist, start)
        plan.over = over_caseload(therapist, start, start + self.duration, self.caps)
        return plan

    def matched(self, high: BoolArray, pai_cbt: FloatArray, caps: IntArray | None = None) -> Plan:
        """``high``: advised to start at high intensity; ``pai_cbt``: predicted advantage of
        CBT over counselling (points; NaN where not applicable)."""
        caps = self.caps if caps is None else caps
        role = self.usual_role.copy()
        modality = self.usual_modality.copy()
        duration = self.duration.copy()
        for i in range(len(role)):
            service = str(self.service[i])
            roles = self.offered.get(service, set())
            depressed = self.domain[i] == "depression"
            want_hi = bool(high[i]) or stepped_care_step(str(self.domain[i])) == 3
            if role[i] == "pwp" and want_hi and ("hi" in roles or "counsellor" in roles):
                pick = "cbt" if "hi" in roles else "counselling"
                if depressed and not np.isnan(pai_cbt[i]) and {"hi", "counsellor"} <= roles:
                    pick = "cbt" if pai_cbt[i] >= 0 else "counselling"
                role[i], modality[i] = MODALITY_ROLE[pick], pick
                duration[i] = max(duration[i], self.hi_duration)
            elif (
                modality[i] in ("cbt", "counselling")
                and depressed
                and not np.isnan(pai_cbt[i])
                and {"hi", "counsellor"} <= roles
            ):
                pick = "cbt" if pai_cbt[i] >= 0 else "counselling"
                role[i], modality[i] = MODALITY_ROLE[pick], pick
        keys = [(str(s), str(r)) for s, r in zip(self.service, role, strict=True)]
        weights = [
            domain_weights(str(d), bool(f))
            for d, f in zip(self.domain, self.functioning, strict=True)
        ]

        def choose(i: int, cands: IntArray, free: BoolArray, loads: IntArray) -> int:
            wanted = self.preference[i]
            met = (
                (self.staff.gender[cands] == wanted).astype(np.float64)
                if wanted is not None
                else np.zeros(len(cands))
            )
            scored = score_candidates(
                self.effects[cands],
                weights[i],
                free,
                met,
                (caps[cands] - loads) / np.maximum(caps[cands], 1),
                np.zeros(len(cands)),
            )
            return int(scored.order[0])

        therapist, start = _replay(self.ready, duration, keys, self.staff_by, caps, choose)
        plan = Plan(role, modality, therapist, start)
        plan.over = over_caseload(therapist, start, start + duration, caps)
        return plan


def _shift(
    plan_therapist: IntArray,
    plan_modality: npt.NDArray[np.object_],
    domain_index: IntArray,
    effects: FloatArray,
    response: FloatArray | None,
) -> FloatArray:
    """Planted (or estimated) shift of each client under an allocation."""
    has = plan_therapist >= 0
    shift = np.zeros(len(plan_therapist))
    shift[has] = effects[plan_therapist[has], domain_index[has]]
    if response is not None:
        column = {"li": 0, "cbt": 1, "counselling": 2}
        other = (response[:, 1] + response[:, 2]) / 2
        for i, m in enumerate(plan_modality):
            shift[i] += response[i, column[m]] if m in column else other[i]
    return shift


def match_validate(
    tables: Mapping[str, pa.Table], settings: ValidationSettings | None = None
) -> dict[str, Any]:
    """Replay allocation on a canonical dataset; return the figures as a JSON-ready dict."""
    settings = settings or ValidationSettings()
    cases = load_cases(tables)
    staff = _staff(tables)
    truth = _truth(tables, cases)
    ground_truth = truth is not None and staff.planted is not None
    entered = np.asarray(
        (cases["n_treatment"] >= 1)
        & (cases["therapist_index"] >= 0)
        & cases["assessment_day"].notna(),
        dtype=bool,
    )
    if entered.sum() < settings.folds * 10:
        raise DatasetError(
            f"too few referrals entered treatment to validate ({int(entered.sum())}; "
            f"need {settings.folds * 10})"
        )
    caseness, recovered = outcomes(cases)
    improved = reliable_improvement(cases)
    dropped = np.asarray(cases["end_code"].astype(str) == DROPOUT_END_CODE) & entered
    all_cards = report_cards(cases, staff.ids)
    card_effects, _ = effect_matrix(all_cards, staff.ids)

    if ground_truth:
        assert truth is not None
        assert staff.planted is not None
        effects_for_truth = staff.planted
        domain_index = np.asarray(
            [DOMAINS.index(d) if d in DOMAINS else 0 for d in truth["true_domain"].fillna("")],
            dtype=np.int64,
        )
        response: FloatArray | None = truth[
            ["response_li", "response_cbt", "response_counselling"]
        ].to_numpy(dtype=np.float64)
        client = np.asarray(truth["prognosis"].fillna(0.0), dtype=np.float64)
    else:
        effects_for_truth = card_effects
        domain_index = np.asarray([DOMAINS.index(d) for d in cases["domain"]], dtype=np.int64)
        response = None
        client = np.zeros(len(cases))
    if response is not None:
        response = np.nan_to_num(response)
    covariates = np.column_stack(
        [
            client,
            np.nan_to_num(np.asarray(cases["phq9_first"], float), nan=14.0),
            np.nan_to_num(np.asarray(cases["anx_share"], float), nan=0.5),
            np.nan_to_num(np.asarray(cases["wsas_first"], float), nan=20.0),
        ]
    )
    realised_shift = _shift(
        np.asarray(cases["therapist_index"], dtype=np.int64),
        np.asarray(cases["modality"], dtype=object),
        domain_index,
        effects_for_truth,
        response,
    )
    wanted = np.asarray(cases["therapist_gender_preference"], dtype=object)
    asked = np.asarray(pd.notna(wanted), dtype=bool)
    own = np.asarray(cases["therapist_index"], dtype=np.int64)
    honoured = asked & (own >= 0) & (staff.gender[np.maximum(own, 0)] == wanted)
    fit_rows = entered & caseness & np.asarray(cases["finished"], dtype=bool)
    x_real = np.column_stack([realised_shift, covariates])
    recovery_model = _logistic(x_real[fit_rows], recovered[fit_rows])
    improve_model = _logistic(x_real[fit_rows], improved[fit_rows])
    x_drop = np.column_stack([realised_shift, honoured, asked, covariates])
    dropout_model = _logistic(x_drop[entered], dropped[entered])

    fold_of = _folds(np.asarray(cases["person_id"], dtype=object), settings.folds, settings.seed)
    hi_rows = entered & np.isin(staff.role[np.maximum(own, 0)], ["hi", "counsellor"])
    span = np.asarray(cases["last_treatment_day"] - cases["first_treatment_day"], float) + 7.0
    hi_duration = float(np.nanmedian(span[hi_rows])) if hi_rows.any() else 70.0

    keys = ("rec", "imp", "drop", "rec_re", "imp_re", "wait_u", "wait_m", "wait_re", "rows")
    results: dict[str, list[FloatArray]] = {k: [] for k in keys}
    counters = {"over": 0, "over_usual": 0, "hi_usual": 0, "hi_matched": 0, "hi_re": 0,
                "honoured_usual": 0, "honoured_matched": 0, "asked": 0, "n": 0}  # fmt: skip
    for fold in range(settings.folds):
        test = np.flatnonzero(entered & (fold_of == fold))
        train = entered & (fold_of != fold)
        if not len(test):
            continue
        train_cases = cases[train]
        cards = report_cards(train_cases, staff.ids)
        advisor = fit_advisor(train_cases, share=settings.share)
        state = _Fold(cases, test, staff, cards, settings, hi_duration)
        x = features(cases.iloc[test])
        risk = advisor.poor_prognosis(x)
        high = risk >= advisor.threshold
        pai = np.full(len(test), np.nan)
        if all(m in advisor.modality.coef for m in ("cbt", "counselling")):
            pai, _ = advisor.modality.advantage(x, "cbt", "counselling")
        usual = state.usual()
        matched = state.matched(high, pai)
        # Reallocated: enough poor-prognosis clients start high for hi_capacity x as many.
        usual_hi = np.isin(usual.role, ["hi", "counsellor"])
        extra = int((settings.hi_capacity - 1.0) * usual_hi.sum() + 0.5)
        candidates = np.flatnonzero(~usual_hi)
        top = candidates[np.argsort(-risk[candidates], kind="stable")[:extra]]
        high_re = high.copy()
        high_re[top] = True
        moved_days = float(np.maximum(state.duration[top], hi_duration).sum())
        hi_days = float(state.duration[usual_hi].sum()) or 1.0
        li_days = float(state.duration[~usual_hi].sum()) or 1.0
        factor = np.where(
            np.isin(staff.role, ["hi", "counsellor"]),
            1.0 + moved_days / hi_days,
            max(0.05, 1.0 - float(state.duration[top].sum()) / li_days),
        )
        caps_re = np.maximum(1, np.round(state.caps * factor)).astype(np.int64)
        realloc = state.matched(high_re, pai, caps_re)

        rows = test
        dom = domain_index[rows]
        cov = covariates[rows]

        def x_for(plan: Plan, rows: IntArray = rows, dom: IntArray = dom,
                  cov: FloatArray = cov) -> FloatArray:  # fmt: skip
            shift = _shift(
                plan.therapist, plan.modality, dom, effects_for_truth,
                None if response is None else response[rows],
            )  # fmt: skip
            return np.column_stack([shift, cov])

        def honoured_by(plan: Plan, rows: IntArray = rows) -> BoolArray:
            t = plan.therapist
            return np.asarray(
                asked[rows] & (t >= 0) & (staff.gender[np.maximum(t, 0)] == wanted[rows]),
                dtype=bool,
            )

        xu, xm, xr = x_for(usual), x_for(matched), x_for(realloc)
        results["rec"].append(_gain(recovery_model, xu, xm))
        results["imp"].append(_gain(improve_model, xu, xm))
        results["rec_re"].append(_gain(recovery_model, xu, xr))
        results["imp_re"].append(_gain(improve_model, xu, xr))
        hu, hm = honoured_by(usual), honoured_by(matched)
        du = np.column_stack([xu[:, 0], hu, asked[rows], cov])
        dm = np.column_stack([xm[:, 0], hm, asked[rows], cov])
        results["drop"].append(_gain(dropout_model, du, dm))
        results["wait_u"].append(usual.start - state.ready)
        results["wait_m"].append(matched.start - state.ready)
        results["wait_re"].append(realloc.start - state.ready)
        results["rows"].append(rows.astype(np.float64))
        counters["over"] += matched.over + realloc.over
        counters["over_usual"] += usual.over
        counters["hi_usual"] += int(usual_hi.sum())
        counters["hi_matched"] += int(np.isin(matched.role, ["hi", "counsellor"]).sum())
        counters["hi_re"] += int(np.isin(realloc.role, ["hi", "counsellor"]).sum())
        counters["honoured_usual"] += int(hu.sum())
        counters["honoured_matched"] += int(hm.sum())
        counters["asked"] += int(asked[rows].sum())
        counters["n"] += len(rows)
    planted = (
        planted_on_cards(cases, staff, np.asarray(truth["true_domain"], dtype=object))
        if ground_truth and truth is not None
        else None
    )
    return _summary(
        cases, results, counters, caseness, all_cards, staff, ground_truth, settings, planted
    )


def planted_on_cards(
    cases: pd.DataFrame, staff: Staff, true_domain: npt.NDArray[np.object_]
) -> dict[tuple[str, str], float]:
    """The planted effect each card reads: per therapist and card domain, the mean over the
    card's cases of the therapist's planted effect in each client's *true* domain.

    The simulator moves all of a client's outcomes (the WSAS too) by the therapist's effect
    in the client's problem, so the work and social functioning card of a therapist reads
    the effects they have in the problems of the clients it counts, not only the general
    effect in ``therapist.effect_functioning``; and a case recorded under another
    descriptor than its true problem carries the true problem's effect."""
    assert staff.planted is not None
    truth_index = np.asarray(
        [DOMAINS.index(str(d)) if d in DOMAINS else -1 for d in true_domain], dtype=np.int64
    )
    who = np.asarray(cases["therapist_index"], dtype=np.int64)
    out: dict[tuple[str, str], float] = {}
    for column, domain in enumerate(DOMAINS):
        rows = np.flatnonzero(domain_cases(cases, domain))
        if not len(rows):
            continue
        true = np.where(truth_index[rows] >= 0, truth_index[rows], column)
        effect = staff.planted[who[rows], true]
        present, inverse = np.unique(who[rows], return_inverse=True)
        means = np.bincount(inverse, weights=effect) / np.bincount(inverse)
        for t, mean in zip(present.tolist(), means.tolist(), strict=True):
            out[(str(staff.ids[t]), domain)] = float(mean)
    return out


def _labels(
    cards: list[Card], staff: Staff, planted_effect: dict[tuple[str, str], float] | None = None
) -> dict[str, Any]:
    """Report-card labels against the planted ones (simulator ground truth only):
    ``planted_effect`` (``planted_on_cards``) where given, else ``therapist.effect_*``."""
    if staff.planted is None:
        return {"label_agreement": None, "label_coverage": None, "label_false_effective": None}
    index = {str(t): i for i, t in enumerate(staff.ids)}
    agree = planted_nonneutral = labelled = 0
    false_effective = planted_other_labelled = 0
    for card in cards:
        key = (card.therapist_id, card.domain)
        value = (
            planted_effect[key]
            if planted_effect is not None and key in planted_effect
            else float(staff.planted[index[card.therapist_id], DOMAINS.index(card.domain)])
        )
        planted = planted_label(value)
        if planted != "neutral":
            planted_nonneutral += 1
            if card.label != NOT_ENOUGH:
                labelled += 1
                agree += card.label == planted
        if planted != "effective" and card.label != NOT_ENOUGH:
            planted_other_labelled += 1
            false_effective += card.label == "effective"
    return {
        "label_agreement": round(agree / labelled, 4) if labelled else None,
        "label_coverage": round(labelled / planted_nonneutral, 4) if planted_nonneutral else None,
        "label_false_effective": (
            round(false_effective / planted_other_labelled, 4) if planted_other_labelled else None
        ),
        "label_pairs": {
            "planted_effective_or_ineffective": planted_nonneutral,
            "labelled": labelled,
            "agreeing": agree,
        },
    }


def _median(values: FloatArray) -> float:
    return float(np.nanmedian(values)) if len(values) and not np.isnan(values).all() else 0.0


def _summary(
    cases: pd.DataFrame,
    results: dict[str, list[FloatArray]],
    counters: dict[str, int],
    caseness: BoolArray,
    cards: list[Card],
    staff: Staff,
    ground_truth: bool,
    settings: ValidationSettings,
    planted: dict[tuple[str, str], float] | None = None,
) -> dict[str, Any]:
    rows = np.concatenate(results["rows"]).astype(np.int64)
    at_case = caseness[rows]

    def mean(key: str) -> float:
        values = np.concatenate(results[key])[at_case]
        return round(float(values.mean()), 4) if len(values) else 0.0

    rec = np.concatenate(results["rec"])
    imd = np.asarray(cases["imd_decile"].astype(str), dtype=object)[rows][at_case]
    ethnicity = cases["ethnicity"].fillna("not stated").astype(str).to_numpy()[rows][at_case]
    wait_u = np.concatenate(results["wait_u"])
    wait_m = np.concatenate(results["wait_m"])
    wait_re = np.concatenate(results["wait_re"])
    drop = np.concatenate(results["drop"])
    by_imd = _group_gains(imd, rec[at_case], [str(d) for d in range(1, 11)])
    by_ethnicity = _group_gains(ethnicity, rec[at_case], sorted(set(ethnicity.tolist())))
    n = counters["n"]
    return {
        "referrals": n,
        "referrals_at_caseness": int(at_case.sum()),
        "ground_truth": ground_truth,
        "estimate": (
            "expected outcomes from the simulator's planted effects"
            if ground_truth
            else "model-based estimate from the report cards (no ground truth in the dataset)"
        ),
        "folds": settings.folds,
        "seed": settings.seed,
        "recovery_gain": mean("rec"),
        "reliable_improvement_gain": mean("imp"),
        "dropout_change": round(float(drop.mean()), 4) if len(drop) else 0.0,
        "median_wait_change_days": round(_median(wait_m) - _median(wait_u), 1),
        "wait_days": {
            name: {
                "median": _median(w),
                "mean": round(float(np.nanmean(w)), 1) if len(w) else 0.0,
                "p90": round(float(np.nanpercentile(w, 90)), 1) if len(w) else 0.0,
            }
            for name, w in (("as_usual", wait_u), ("matched", wait_m), ("reallocated", wait_re))
        },
        **_labels(cards, staff, planted),
        "over_caseload": counters["over"],
        "over_caseload_as_usual": counters["over_usual"],
        "hi_start_share": {
            "as_usual": round(counters["hi_usual"] / n, 4) if n else 0.0,
            "matched": round(counters["hi_matched"] / n, 4) if n else 0.0,
        },
        "preference_honoured": {
            "asked": counters["asked"],
            "as_usual": counters["honoured_usual"],
            "matched": counters["honoured_matched"],
        },
        "reallocated": {
            "hi_capacity": settings.hi_capacity,
            "hi_start_share": round(counters["hi_re"] / n, 4) if n else 0.0,
            "recovery_gain": mean("rec_re"),
            "reliable_improvement_gain": mean("imp_re"),
            "median_wait_change_days": round(_median(wait_re) - _median(wait_u), 1),
        },
        "by_imd_decile": by_imd,
        "by_ethnicity": by_ethnicity,
        "worst_group_recovery_gain": min(
            (
                g["recovery_gain"]
                for g in [*by_imd.values(), *by_ethnicity.values()]
                if g["recovery_gain"] is not None and g["referrals"] >= 30
            ),
            default=None,
        ),
    }
