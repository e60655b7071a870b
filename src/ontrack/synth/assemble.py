"""Turn the simulated arrays into the canonical Arrow tables (and the truth table)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from ontrack.dataset.schema import TABLES
from ontrack.synth import params
from ontrack.synth.arrays import IntArray, identifiers, width_for
from ontrack.synth.course import CAUSES, CIRCUMSTANCE_KINDS, CLASSES, Course, course_shape
from ontrack.synth.observe import (
    HOMEWORK_OUTCOMES,
    CircumstanceRows,
    GoalRows,
    HomeworkRows,
    Rows,
)
from ontrack.synth.pathway import NOT_TREATED_CODES, Pathway
from ontrack.synth.population import Population, stream
from ontrack.synth.schedule import APP_TYPES, ATTENDANCE, THERAPY_CODES, Contacts
from ontrack.synth.workforce import QUALIFICATIONS, ROLES, Workforce

REGIONS = ("North East and Yorkshire", "North West", "Midlands", "East of England", "London",
           "South East", "South West")  # fmt: skip
_MEASURE_ORDER = ("PHQ-9", "GAD-7", "SPIN", "PCL-5", "OCI-R", "PDSS", "SHAI", "MI-ALONE",
                  "WSAS", "OSR")  # fmt: skip


def coded(codes: Sequence[str], index: npt.ArrayLike) -> pa.Array:
    """Return ``codes[index]`` as an Arrow string array; a negative index becomes null.

    >>> coded(["a", "b"], [1, -1, 0]).to_pylist()
    ['b', None, 'a']
    """
    idx = np.asarray(index, dtype=np.int64)
    return pa.array(list(codes), pa.string()).take(pa.array(idx, mask=idx < 0))


def dates(start: dt.date, days: npt.ArrayLike) -> pa.Array:
    """Return ``start`` plus each number of days as an Arrow date32 array."""
    base = np.datetime64(start.isoformat(), "D")
    return pa.array(base + np.asarray(days, dtype=np.int64).astype("timedelta64[D]"), pa.date32())


def _table(name: str, columns: dict[str, pa.Array | pa.ChunkedArray]) -> pa.Table:
    schema = TABLES[name].arrow_schema
    n = len(next(iter(columns.values())))
    # An optional column the simulator does not model (e.g. contact_time) is all null.
    arrays = [
        columns[f.name].cast(f.type) if f.name in columns else pa.nulls(n, f.type) for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def service_table(n: int) -> tuple[pa.Table, pa.Array]:
    ids = identifiers("S", np.arange(1, n + 1), width_for(n))
    names = pa.array([f"Synthetic Talking Therapies {i + 1}" for i in range(n)])
    region = coded(REGIONS, np.arange(n) % len(REGIONS))
    return _table("service", {"service_id": ids, "name": names, "region": region}), ids


def therapist_table(
    workforce: Workforce,
    service_ids: pa.Array,
    extra: dict[str, pa.Array] | None = None,
) -> tuple[pa.Table, pa.Array]:
    n = workforce.n
    ids = identifiers("T", np.arange(1, n + 1), width_for(n))
    columns = {
        "therapist_id": ids,
        "service_id": service_ids.take(pa.array(workforce.service)),
        "role": coded(ROLES, workforce.role),
        "qualification": coded(QUALIFICATIONS, workforce.qualification),
        "gender": coded(params.GENDER_CODES, workforce.gender),
        "caseload_limit": pa.array(workforce.limit),
        **(extra or {}),
    }
    return _table("therapist", columns), ids


def end_codes(
    population: Population, pathway: Pathway, course: Course, seed: int
) -> tuple[list[str], IntArray]:
    """EndCode per referral (reference §2.1) as (code list, index)."""
    rng = stream(seed, "endings")
    n = population.n
    codes = ["50", "14", *NOT_TREATED_CODES, "46", "47", "48", "96", "49"]
    index = np.where(pathway.contacted & (rng.random(n) < 0.3), 1, 0)
    index = np.where(pathway.not_treated_code >= 0, 2 + pathway.not_treated_code, index)
    treated_code = np.where(
        course.dropped_out,
        np.where(rng.random(n) < 0.9, codes.index("47"), codes.index("48")),
        codes.index("46"),
    )
    unknown = rng.random(n) < 0.02
    treated_code = np.where(unknown, codes.index("96"), treated_code)
    treated_code = np.where(rng.random(n) < 0.0005, codes.index("49"), treated_code)
    index = np.where(pathway.treated, treated_code, index)
    return codes, np.asarray(index, dtype=np.int64)


def referral_table(
    start: dt.date,
    population: Population,
    pathway: Pathway,
    course: Course,
    end_day: IntArray,
    service_ids: pa.Array,
    seed: int,
) -> tuple[pa.Table, pa.Array]:
    n = population.n
    ids = identifiers("R", np.arange(1, n + 1), width_for(n))
    descriptors = [p[0] for p in params.PROBLEMS]
    codes, end_index = end_codes(population, pathway, course, seed)
    columns = {
        "referral_id": ids,
        "person_id": identifiers("P", population.person + 1, width_for(n)),
        "service_id": service_ids.take(pa.array(population.service)),
        "referral_date": dates(start, population.day),
        "source_of_referral": coded(params.SOURCE_CODES, population.source),
        "age": pa.array(population.age),
        "gender": coded(params.GENDER_CODES, population.gender),
        "ethnicity": coded(params.ETHNICITY_CODES, population.ethnicity),
        "imd_decile": pa.array(population.imd, mask=population.imd == 0),
        "problem_descriptor": coded(descriptors, pathway.recorded_problem),
        "employed": pa.array(population.employed),
        "end_date": dates(start, end_day),
        "end_code": coded(codes, end_index),
        "therapist_gender_preference": coded(params.GENDER_CODES, population.preference),
    }
    return _table("referral", columns), ids


def contact_table(
    start: dt.date,
    contacts: Contacts,
    referral_ids: pa.Array,
    therapist_ids: pa.Array,
) -> tuple[pa.Table, pa.Array]:
    m = len(contacts.referral)
    ids = identifiers("C", np.arange(1, m + 1), width_for(m))
    therapist = contacts.therapist
    columns = {
        "contact_id": ids,
        "referral_id": referral_ids.take(pa.array(contacts.referral)),
        "therapist_id": therapist_ids.take(pa.array(therapist, mask=therapist < 0)),
        "contact_date": dates(start, contacts.day),
        "app_type": coded(APP_TYPES, contacts.app_type),
        "attendance": coded(ATTENDANCE, contacts.attendance),
        "cons_mechanism": coded(tuple(c for c, _ in params.MECHANISMS), contacts.mechanism),
        "planned": pa.array(contacts.planned),
        "therapy": coded(THERAPY_CODES, contacts.therapy),
        "step": pa.array(contacts.step, mask=contacts.step == 0),
        "session_number": pa.array(contacts.session, mask=contacts.session == 0),
    }
    return _table("contact", columns), ids


def measure_table(
    name: str, rows: Iterable[Rows], contact_ids: pa.Array, referral_ids: pa.Array
) -> pa.Table:
    """Score or alliance rows: grouped by measure, each in contact order.

    The parts are joined without copying, which keeps a national run's memory down.
    """
    tables = []
    for part in sorted(rows, key=lambda p: _MEASURE_ORDER.index(p.measure)):
        n = len(part.contact)
        columns = {
            "contact_id": contact_ids.take(pa.array(part.contact)),
            "referral_id": referral_ids.take(pa.array(part.referral)),
            "measure": coded([part.measure], np.zeros(n, dtype=np.int64)),
            "total": pa.array(part.total),
            "items": part.items,
        }
        tables.append(_table(name, columns))
    if not tables:
        return TABLES[name].arrow_schema.empty_table()
    return pa.concat_tables(tables)


def goal_table(goals: GoalRows, contact_ids: pa.Array, referral_ids: pa.Array) -> pa.Table:
    return _table(
        "goal_rating",
        {
            "contact_id": contact_ids.take(pa.array(goals.contact)),
            "referral_id": referral_ids.take(pa.array(goals.referral)),
            "goal_number": pa.array(goals.goal),
            "rating": pa.array(goals.rating),
        },
    )


def homework_table(
    homework: HomeworkRows, contact_ids: pa.Array, referral_ids: pa.Array
) -> pa.Table:
    k = len(homework.referral)
    reviewed = homework.reviewed_contact
    return _table(
        "homework",
        {
            "homework_id": identifiers("H", np.arange(1, k + 1), width_for(k)),
            "referral_id": referral_ids.take(pa.array(homework.referral)),
            "set_contact_id": contact_ids.take(pa.array(homework.set_contact)),
            "reviewed_contact_id": contact_ids.take(pa.array(reviewed, mask=reviewed < 0)),
            "criteria_met": pa.array(homework.criteria),
            "outcome": coded(HOMEWORK_OUTCOMES, homework.outcome),
        },
    )


def circumstance_table(
    rows: CircumstanceRows, contact_ids: pa.Array, referral_ids: pa.Array
) -> pa.Table:
    return _table(
        "circumstance",
        {
            "referral_id": referral_ids.take(pa.array(rows.referral)),
            "contact_id": contact_ids.take(pa.array(rows.contact)),
            "kind": coded(CIRCUMSTANCE_KINDS, rows.kind),
        },
    )


def cause_text(causes: IntArray, primary: IntArray) -> tuple[list[str], IntArray]:
    """The ';'-separated causes of each referral, primary first, as (texts, index).

    >>> texts, index = cause_text(np.array([0, 0b11]), np.array([-1, 0]))
    >>> [texts[i] for i in index]
    ['', 'rupture;social_stressor']
    """
    strength = [params.CAUSE_EFFECT[c] for c in CAUSES]
    key = causes * 16 + (primary + 1)
    unique, inverse = np.unique(key, return_inverse=True)
    texts: list[str] = []
    for value in unique.tolist():
        mask, first = divmod(value, 16)
        present = [i for i in range(len(CAUSES)) if mask >> i & 1]
        present.sort(key=lambda i: (i != first - 1, strength[i], i))
        texts.append(";".join(CAUSES[i] for i in present))
    return texts, np.asarray(inverse, dtype=np.int64)


def truth_table(
    course: Course, referral_ids: pa.Array, extra: dict[str, pa.Array] | None = None
) -> pa.Table:
    texts, index = cause_text(course.causes, course.primary)
    shape, features = course_shape(course)
    return _table(
        "truth",
        {
            "referral_id": referral_ids,
            "trajectory_class": coded(CLASSES, course.klass),
            "course_shape": pa.array(shape, pa.string()),
            "course_features": pa.array(features, pa.string()),
            "causes": coded(texts, index),
            "would_improve": pa.array(course.would_improve),
            "onset_session": pa.array(course.onset, mask=course.onset < 0),
            **(extra or {}),
        },
    )
