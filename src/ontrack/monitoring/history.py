"""A service's history as arrays: the canonical tables laid out for vectorised replay.

Contacts are ordered within each referral by date, then by their order in the
dataset, exactly as ``episodes`` orders them when it builds ``EpisodeHistory``
objects, so the vectorised replay and ``evaluate_episode`` see the same record.
Scores are placed on the treatment-session axis by the same rule as
``EpisodeHistory.session_of``: a numbered, attended treatment session gives its
number; any other attended contact before the first treatment session gives 0; anything
else (a missed or cancelled appointment included) is off the axis.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from ontrack.dataset.schema import ATTENDED, TREATMENT_APP_TYPES
from ontrack.monitoring.errors import EpisodeDataError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
NO_POSITION = np.iinfo(np.int64).max
WSAS = "WSAS"


@dataclass
class MeasureArrays:
    """One measure's scores on the session axis, one row per referral.

    ``by_session[i, s]`` is the score at treatment session s (s >= 1; column 0 holds
    the first pre-treatment score); NaN where none. ``intake`` is the first score on
    the axis and ``intake_session`` its session (-1: no intake).
    """

    code: str
    by_session: FloatArray
    intake: FloatArray
    intake_session: IntArray
    intake_position: IntArray  # contact position of the intake (NO_POSITION if none)
    first_position: IntArray  # position of the first score at any contact (episode.measures)
    first_by_session1: FloatArray  # first score at session <= 1 (for intake features)
    placed_first: FloatArray  # first and last score at attended, non-follow-up contacts,
    placed_last: FloatArray  # as NHS TT pairs them (nhstt.classify_referral)
    placed_count: IntArray
    _progress: BoolArray | None = field(default=None, repr=False)

    def progress_mask(self) -> BoolArray:
        """Return [referrals, S+1]: True where a score is a progress point (after intake).

        Computed once; callers must not modify it.
        """
        if self._progress is None:
            sessions = np.arange(self.by_session.shape[1])[None, :]
            after = sessions > np.maximum(self.intake_session, 0)[:, None]
            self._progress = np.asarray(~np.isnan(self.by_session) & after & (sessions >= 1))
        return self._progress


@dataclass
class ServiceHistory:
    """Referrals, contacts and scores of a service, as aligned arrays."""

    referral_ids: NDArray[np.object_]
    referral_days: IntArray  # referral date as days since 1970-01-01
    age: FloatArray
    imd: FloatArray
    descriptor: NDArray[np.object_]
    ended: BoolArray
    end_code: NDArray[np.object_]
    gender_preference: NDArray[np.object_]
    contacts: pd.DataFrame  # sorted by (referral, date, dataset order); see build_history
    contact_start: IntArray  # [n + 1] offsets of each referral's contacts
    measures: dict[str, MeasureArrays]
    max_session: int
    sessions_attended: IntArray
    step_first: FloatArray  # step of the first treatment session (NaN if none/unknown)
    tables: Mapping[str, pa.Table] = field(repr=False)
    truth: pd.DataFrame | None = None
    # Values derived from the history and reused across folds (never model-dependent).
    cache: dict[object, Any] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> int:
        return int(self.referral_ids.shape[0])

    def cached(self, key: object, compute: Callable[[], Any]) -> Any:
        """Return ``compute()``, computed once per history and key."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def measure(self, code: str) -> MeasureArrays | None:
        return self.measures.get(code)


def _days(column: pd.Series) -> IntArray:
    values = pd.to_datetime(column).to_numpy(dtype="datetime64[D]")
    return values.astype(np.int64)


def _text(column: pd.Series) -> NDArray[np.object_]:
    """Return the column as Python strings, None where missing."""
    out = column.astype(object).to_numpy(dtype=object, copy=True)
    missing = pd.isna(column).to_numpy()
    out[missing] = None
    present = ~missing
    if present.any() and not isinstance(out[present][0], str):
        out[present] = [str(v) for v in out[present]]
    return out


def _contacts(tables: Mapping[str, pa.Table], ref_index: pd.Index) -> pd.DataFrame:
    raw = tables["contact"].to_pandas()
    frame = pd.DataFrame(
        {
            "contact_id": raw["contact_id"].astype(str).to_numpy(),
            "ref": ref_index.get_indexer(raw["referral_id"]),
            "day": _days(raw["contact_date"]),
            "app_type": raw["app_type"].astype(str).to_numpy(),
            "attendance": raw["attendance"].astype(str).to_numpy(),
            "therapist_id": _text(raw["therapist_id"]),
            "therapy": _text(raw["therapy"]),
            "step": pd.to_numeric(raw["step"]).astype("float64").to_numpy(),
            "session_number": pd.to_numeric(raw["session_number"]).astype("float64").to_numpy(),
            "order": np.arange(len(raw)),
        }
    )
    if (frame["ref"] < 0).any():
        first = frame.loc[frame["ref"] < 0, "contact_id"].iloc[0]
        raise EpisodeDataError(f"contact {first} refers to a referral that is not in the dataset")
    frame = frame.sort_values(["ref", "day", "order"], kind="stable").reset_index(drop=True)
    frame["position"] = frame.groupby("ref").cumcount().to_numpy()
    attended = frame["attendance"].isin(ATTENDED).to_numpy()
    treatment = (
        attended
        & frame["app_type"].isin(TREATMENT_APP_TYPES).to_numpy()
        & ~np.isnan(frame["session_number"].to_numpy())
    )
    frame["attended"] = attended
    frame["treatment"] = treatment
    first_tx = (
        pd.Series(np.where(treatment, frame["position"], NO_POSITION))
        .groupby(frame["ref"])
        .transform("min")
        .to_numpy()
    )
    session = np.where(
        attended & ~np.isnan(frame["session_number"].to_numpy()),
        np.nan_to_num(frame["session_number"].to_numpy(), nan=-1).astype(np.int64),
        np.where(attended & (frame["position"].to_numpy() < first_tx), 0, -1),
    )
    frame["axis"] = session.astype(np.int64)
    return frame


DAY_KEY = 1_000_000  # days since 1970 stay well below this


def therapist_caseloads(
    contacts: pd.DataFrame, end_days: IntArray, therapists: pd.DataFrame | None
) -> tuple[FloatArray, FloatArray, NDArray[np.object_]]:
    """Return each contact's therapist open caseload on its date, limit and gender.

    A referral is on a therapist's caseload from its first contact with them until
    its next contact with a different therapist or its end date, whichever comes
    first: at any date this uses only what the service knew on that date.
    """
    m = len(contacts)
    load = np.full(m, np.nan)
    limit = np.full(m, np.nan)
    gender = np.full(m, None, dtype=object)
    ids = contacts["therapist_id"]
    known = ids.notna().to_numpy()
    if not known.any():
        return load, limit, gender
    codes, names = pd.factorize(ids[known])
    t = np.full(m, -1, dtype=np.int64)
    t[known] = codes
    sub = pd.DataFrame({"ref": contacts["ref"].to_numpy()[known], "t": codes,
                        "day": contacts["day"].to_numpy()[known]})  # fmt: skip
    new_run = (sub["ref"].diff() != 0) | (sub["t"].diff() != 0)
    runs = sub[new_run.to_numpy()].reset_index(drop=True)
    next_same_ref = runs["ref"].shift(-1).to_numpy() == runs["ref"].to_numpy()
    next_day = runs["day"].shift(-1).fillna(0).to_numpy().astype(np.int64)
    ref_end = end_days[runs["ref"].to_numpy()]
    end = np.where(next_same_ref, next_day, ref_end)
    starts = np.sort(runs["t"].to_numpy() * DAY_KEY + runs["day"].to_numpy())
    ends = np.sort(runs["t"].to_numpy() * DAY_KEY + np.minimum(end, DAY_KEY - 1))
    query = t[known] * DAY_KEY + contacts["day"].to_numpy()[known]
    base = t[known] * DAY_KEY
    opened = np.searchsorted(starts, query, "right") - np.searchsorted(starts, base, "left")
    closed = np.searchsorted(ends, query, "right") - np.searchsorted(ends, base, "left")
    load[known] = opened - closed
    if therapists is not None:
        table = therapists.set_index(therapists["therapist_id"].astype(str))
        aligned = table.reindex(pd.Index(names.astype(str)))
        limits = pd.to_numeric(aligned["caseload_limit"]).astype("float64").to_numpy()
        limit[known] = limits[codes]
        genders = _text(aligned["gender"]) if "gender" in aligned else None
        if genders is not None:
            gender[known] = genders[codes]
    return load, limit, gender


def _measure_arrays(code: str, rows: pd.DataFrame, n: int, width: int) -> MeasureArrays:
    """Lay out one measure's score rows (already joined to contacts) per referral."""
    by_session = np.full((n, width), np.nan)
    on_axis = rows[rows["axis"] >= 0]
    later = on_axis[on_axis["axis"] >= 1].drop_duplicates(["ref", "axis"], keep="last")
    by_session[later["ref"].to_numpy(), later["axis"].to_numpy()] = later["total"].to_numpy()
    # Per referral, the first point on the axis (by contact position, last row at a contact).
    per_position = on_axis.drop_duplicates(["ref", "position"], keep="last")
    first = per_position.sort_values(["ref", "position"], kind="stable").drop_duplicates(
        "ref", keep="first"
    )
    intake = np.full(n, np.nan)
    intake_session = np.full(n, -1, dtype=np.int64)
    intake_position = np.full(n, NO_POSITION, dtype=np.int64)
    refs = first["ref"].to_numpy()
    intake[refs] = first["total"].to_numpy()
    intake_session[refs] = first["axis"].to_numpy()
    intake_position[refs] = first["position"].to_numpy()
    pre = first[first["axis"] == 0]
    by_session[pre["ref"].to_numpy(), 0] = pre["total"].to_numpy()
    early = per_position[per_position["axis"] <= 1].sort_values(["ref", "position"], kind="stable")
    early = early.drop_duplicates("ref", keep="first")
    first_by_session1 = np.full(n, np.nan)
    first_by_session1[early["ref"].to_numpy()] = early["total"].to_numpy()
    first_position = np.full(n, NO_POSITION, dtype=np.int64)
    any_first = rows.groupby("ref")["position"].min()
    first_position[any_first.index.to_numpy()] = any_first.to_numpy()
    placed = rows[rows["attended"] & (rows["app_type"] != "06")].sort_values(
        ["ref", "position", "order"], kind="stable"
    )
    placed_first = np.full(n, np.nan)
    placed_last = np.full(n, np.nan)
    placed_count = np.zeros(n, dtype=np.int64)
    grouped = placed.groupby("ref")["total"]
    placed_first[grouped.first().index.to_numpy()] = grouped.first().to_numpy()
    placed_last[grouped.last().index.to_numpy()] = grouped.last().to_numpy()
    placed_count[grouped.size().index.to_numpy()] = grouped.size().to_numpy()
    return MeasureArrays(
        code=code,
        by_session=by_session,
        intake=intake,
        intake_session=intake_session,
        intake_position=intake_position,
        first_position=first_position,
        first_by_session1=first_by_session1,
        placed_first=placed_first,
        placed_last=placed_last,
        placed_count=placed_count,
    )


def _canonical(code: str) -> str:
    """Return the measure's own code ("PHQ9" -> "PHQ-9"); an unknown code stays as written."""
    measures = importlib.import_module("ontrack.measures")
    try:
        return str(measures.canonical_code(code))
    except measures.MeasureError:
        return code


def canonical_measures(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """Return the tables with every ``measure`` code written the measures library's way.

    ``ontrack check`` accepts any spelling ``get_measure`` knows ("PHQ9", "phq 9"), so
    ``calibrate`` and ``validate`` read the score and alliance tables through the same
    normaliser (``ontrack.measures.canonical_code``) before anything looks a measure up.
    """
    out = dict(tables)
    for name in ("score", "alliance"):
        table = tables.get(name)
        if table is None or "measure" not in table.column_names or table.num_rows == 0:
            continue
        column = table.column("measure").combine_chunks()
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            column = column.cast(pa.string())
        encoded = column.dictionary_encode()
        names = [None if v is None else _canonical(str(v)) for v in encoded.dictionary.to_pylist()]
        if names == encoded.dictionary.to_pylist():
            continue
        fixed = pa.DictionaryArray.from_arrays(encoded.indices, pa.array(names, pa.string()))
        index = table.column_names.index("measure")
        out[name] = table.set_column(index, "measure", fixed.cast(pa.string()))
    return out


def build_history(tables: Mapping[str, pa.Table]) -> ServiceHistory:
    """Lay out a canonical dataset (``ontrack.dataset.read_dataset``) as arrays.

    Measure codes are normalised first (``canonical_measures``).
    """
    for name in ("referral", "contact", "score"):
        if name not in tables:
            raise EpisodeDataError(f"the dataset has no {name!r} table")
    tables = canonical_measures(tables)
    ref = tables["referral"].to_pandas()
    n = len(ref)
    ref_index = pd.Index(ref["referral_id"].astype(str))
    if not ref_index.is_unique:
        raise EpisodeDataError("the referral table repeats a referral_id")
    contacts = _contacts(tables, ref_index)
    end_days = np.full(n, DAY_KEY - 1, dtype=np.int64)
    ended = ref["end_date"].notna().to_numpy()
    if ended.any():
        end_days[ended] = _days(ref.loc[ended, "end_date"])
    therapists = tables["therapist"].to_pandas() if "therapist" in tables else None
    load, limit, gender = therapist_caseloads(contacts, end_days, therapists)
    contacts["caseload"] = load
    contacts["caseload_limit"] = limit
    contacts["therapist_gender"] = gender
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(contacts["ref"].to_numpy(), minlength=n), out=start[1:])
    sessions_attended = np.bincount(
        contacts.loc[contacts["treatment"], "ref"].to_numpy(), minlength=n
    ).astype(np.int64)
    session_numbers = contacts.loc[contacts["treatment"], "session_number"]
    max_session = int(session_numbers.max()) if len(session_numbers) else 1
    width = max(max_session, 1) + 1
    first_tx = contacts[contacts["treatment"]].drop_duplicates("ref", keep="first")
    step_first = np.full(n, np.nan)
    step_first[first_tx["ref"].to_numpy()] = first_tx["step"].to_numpy()

    scores = tables["score"].to_pandas()
    contact_index = pd.Index(contacts["contact_id"])
    where = contact_index.get_indexer(scores["contact_id"].astype(str))
    if (where < 0).any():
        bad = scores["contact_id"].iloc[int(np.argmax(where < 0))]
        raise EpisodeDataError(f"a score refers to contact {bad}, which is not in the dataset")
    joined = pd.DataFrame(
        {
            "measure": scores["measure"].astype(str).to_numpy(),
            "total": pd.to_numeric(scores["total"]).astype("float64").to_numpy(),
            "ref": contacts["ref"].to_numpy()[where],
            "position": contacts["position"].to_numpy()[where],
            "axis": contacts["axis"].to_numpy()[where],
            "attended": contacts["attended"].to_numpy()[where],
            "app_type": contacts["app_type"].to_numpy()[where],
            "order": np.arange(len(scores)),
        }
    )
    measures = {
        str(code): _measure_arrays(str(code), rows, n, width)
        for code, rows in joined.groupby("measure", sort=True)
    }
    truth = tables["truth"].to_pandas() if "truth" in tables else None
    if truth is not None:
        truth = truth.set_index(truth["referral_id"].astype(str)).reindex(ref_index)
    prefs = (
        _text(ref["therapist_gender_preference"])
        if "therapist_gender_preference" in ref.columns
        else np.full(n, None, dtype=object)
    )
    return ServiceHistory(
        referral_ids=np.asarray(ref_index, dtype=object),
        referral_days=_days(ref["referral_date"]),
        age=pd.to_numeric(ref["age"]).astype("float64").to_numpy(),
        imd=pd.to_numeric(ref["imd_decile"]).astype("float64").to_numpy(),
        descriptor=_text(ref["problem_descriptor"]),
        ended=ref["end_date"].notna().to_numpy(),
        end_code=_text(ref["end_code"]),
        gender_preference=prefs,
        contacts=contacts,
        contact_start=start,
        measures=measures,
        max_session=max(max_session, 1),
        sessions_attended=sessions_attended,
        step_first=step_first,
        tables=tables,
        truth=truth,
    )
