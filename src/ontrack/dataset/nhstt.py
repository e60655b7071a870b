"""The NHS Talking Therapies data set v2.1, in and out of the canonical dataset.

NHS England lays a submission out as IDS tables (``IDS101Referral``, ``IDS201CareContact``,
...; reference §2.7). ``import_v21`` reads such a folder (CSV or Parquet, one file per
table, names matched without regard to case, as NCDR spells them ``IDS101referral``) into
canonical tables; ``export_v21`` writes canonical tables back in that layout. Every field
that has a national counterpart maps to it (``TABLES_V21`` lists them); what the national
data set has no field for travels in columns named ``OnTrack_*`` and in ``OnTrack_<table>``
files (alliance, goal ratings, homework, alerts, simulator truth, services), so that a
round trip is lossless. A real extract has none of those: services are then made from
``OrgID_Provider``, a contact's step from its therapy code and session numbers from the
order of treatment contacts.

Code lists carry their validity by reporting period where the national SQL branches on it:
consultation mechanisms changed from v2.0 (``ConsMediumUsed``, to March 2022) to v2.1
(``ConsMechanism``, from April 2022). A v2.0-only code on a contact of the v2.1 period, or a
v2.1-only code before it, is an error; v2.0's 03 (telemedicine web camera) and 06 (SMS) on
an earlier contact are read as their v2.1 successors 11 (video) and 09 (text message).

Errors name the national table, its row (1 = first data row) and field; nothing is
written when anything is wrong (``write_dataset`` checks everything first).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ontrack.dataset.conform import _from_text
from ontrack.dataset.problems import DatasetError, Problem
from ontrack.dataset.schema import (
    TABLES,
    TREATMENT_APP_TYPES,
    Column,
    code_lists,
    is_seen,
)

Format = Literal["csv", "parquet"]
Row = dict[str, Any]
EXTENSION = "OnTrack_"
V21_START = dt.date(2022, 4, 1)  # first reporting period of v2.1 (ConsMechanism)

# v2.1 table -> (field, canonical table, canonical column or None for a field OnTrack fills).
# The order of the fields is the order of the columns written.
TABLES_V21: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    "IDS001MPI": (
        ("RecordNumber", "referral", None),
        ("Person_ID", "referral", "person_id"),
        ("Gender", "referral", "gender"),
        ("EthnicCategory", "referral", "ethnicity"),
        ("IMD_Decile", "referral", "imd_decile"),
    ),
    "IDS101Referral": (
        ("RecordNumber", "referral", None),
        ("PathwayID", "referral", "referral_id"),
        ("OrgID_Provider", "referral", "service_id"),
        ("ReferralRequestReceivedDate", "referral", "referral_date"),
        ("SourceOfReferralIAPT", "referral", "source_of_referral"),
        ("Age_ReferralRequest_ReceivedDate", "referral", "age"),
        ("ServDischDate", "referral", "end_date"),
        ("EndCode", "referral", "end_code"),
        ("OnTrack_TherapistGenderPreference", "referral", "therapist_gender_preference"),
    ),
    "IDS603PresentingComplaints": (
        ("PathwayID", "referral", "referral_id"),
        ("PresComp", "referral", "problem_descriptor"),
    ),
    "IDS004EmpStatus": (
        ("PathwayID", "referral", "referral_id"),
        ("EmployStatus", "referral", None),
    ),
    "IDS201CareContact": (
        ("PathwayID", "contact", "referral_id"),
        ("CareContactId", "contact", "contact_id"),
        ("CareContDate", "contact", "contact_date"),
        ("CareContTime", "contact", "contact_time"),
        ("AppType", "contact", "app_type"),
        ("AttendOrDNACode", "contact", "attendance"),
        ("ConsMechanism", "contact", "cons_mechanism"),
        ("PlannedCareContIndicator", "contact", None),
    ),
    "IDS202CareActivity": (
        ("PathwayID", "contact", "referral_id"),
        ("CareContactId", "contact", "contact_id"),
        ("CareActId", "contact", None),
        ("CareProfLocalId", "contact", "therapist_id"),
        ("CodeProcAndProcStatus", "contact", "therapy"),
        ("OnTrack_Step", "contact", "step"),
        ("OnTrack_SessionNumber", "contact", "session_number"),
    ),
    "IDS607CodedScoredAssessmentAct": (
        ("PathwayID", "score", "referral_id"),
        ("CareContactId", "score", "contact_id"),
        ("CareActId", "score", None),
        ("CodedAssToolType", "score", None),
        ("PersScore", "score", "total"),
        ("OnTrack_Items", "score", "items"),
    ),
    "IDS606CodedScoredAssessmentReferral": (
        ("PathwayID", "score", None),
        ("CodedAssToolType", "score", None),
        ("PersScore", "score", None),
        ("AssToolCompDate", "score", None),
    ),
    "IDS011SocPerCircumstances": (
        ("PathwayID", "circumstance", "referral_id"),
        ("OnTrack_CareContactId", "circumstance", "contact_id"),
        ("SocPerCircumstance", "circumstance", "kind"),
    ),
    "IDS902CarePersQual": (
        ("CareProfLocalId", "therapist", "therapist_id"),
        ("QualAttainLevelIAPT", "therapist", "qualification"),
        ("OnTrack_ServiceId", "therapist", "service_id"),
        ("OnTrack_Role", "therapist", "role"),
        ("OnTrack_Gender", "therapist", "gender"),
        ("OnTrack_CaseloadLimit", "therapist", "caseload_limit"),
    ),
    "IDS205InternetTherLog": (
        ("PathwayID", "iet_activity", "referral_id"),
        ("IntEnabledTherProg", "iet_activity", "programme"),
        ("StartDateIntEnabledTherLog", "iet_activity", "start_date"),
        ("EndDateIntEnabledTherLog", "iet_activity", "end_date"),
        ("DurationIntEnabledTher", "iet_activity", "duration_minutes"),
    ),
    # No canonical table holds these yet: they are written empty, and rows in an import are
    # counted and reported as not imported.
    "WaitingTimePauses": (
        ("PathwayID", "referral", None),
        ("PauseStartDate", "referral", None),
        ("PauseEndDate", "referral", None),
    ),
}
REQUIRED_V21 = ("IDS001MPI", "IDS101Referral", "IDS201CareContact")
NOT_IMPORTED = ("IDS606CodedScoredAssessmentReferral", "WaitingTimePauses")
# Canonical tables with no national counterpart, carried beside as OnTrack_<table>.
CARRIED = ("service", "alliance", "goal_rating", "homework", "alert", "truth")
# The v2.1 table one row of which is one row of each mapped canonical table: canonical
# columns no field maps to travel there as OnTrack_<column> (so columns added to the
# canonical dataset later are carried without touching this module).
HOME = {
    "referral": "IDS101Referral",
    "contact": "IDS201CareContact",
    "score": "IDS607CodedScoredAssessmentAct",
    "therapist": "IDS902CarePersQual",
    "circumstance": "IDS011SocPerCircumstances",
    "iet_activity": "IDS205InternetTherLog",
}
_SPECIAL = {("referral", "employed"), ("contact", "planned"), ("score", "measure")}


def unmapped_columns(table: str) -> list[str]:
    """Canonical columns of ``table`` that no v2.1 field (nor a special rule) carries."""
    mapped = {(t, c) for fields in TABLES_V21.values() for _, t, c in fields if c is not None}
    return [
        c.name
        for c in TABLES[table].columns
        if (table, c.name) not in mapped and (table, c.name) not in _SPECIAL
    ]


EMPLOYED = "01"  # EmployStatus 01 employed; 02 unemployed and seeking work; ...; ZZ not stated
NOT_EMPLOYED = "02"
EMPLOY_STATUS = frozenset({"01", "02", "03", "04", "05", "06", "07", "08", "ZZ"})


@dataclass(frozen=True)
class CodeValidity:
    """When a code of a national code list is valid (inclusive dates; None = open)."""

    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    successor: str | None = None  # the v2.1 code an earlier v2.0 code is read as
    label: str = ""


# ConsMechanism (v2.1) and ConsMediumUsed (v2.0); NHS England PDT 2.17 ConsMech_Ethnicity.sql.
CONS_MECHANISM_VALIDITY: dict[str, CodeValidity] = {
    "03": CodeValidity(None, dt.date(2022, 3, 31), "11", "telemedicine web camera (v2.0)"),
    "06": CodeValidity(None, dt.date(2022, 3, 31), "09", "SMS (v2.0)"),
    **{
        code: CodeValidity(V21_START, None, None, f"{label} (v2.1)")
        for code, label in (
            ("09", "text message"),
            ("10", "instant messaging"),
            ("11", "video consultation"),
            ("12", "message board"),
            ("13", "chat room"),
        )
    },
}


# -- export ---------------------------------------------------------------------------------


def export_v21(
    tables: Mapping[str, pa.Table], out: str | os.PathLike[str], *, format: Format = "csv"
) -> dict[str, int]:
    """Write canonical ``tables`` to the folder ``out`` as v2.1 tables; return row counts.

    ``out`` must not exist or be empty. Files are written to a staging folder and moved into
    place at the end, so a failure leaves nothing behind.
    """
    layout = v21_tables(tables)
    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DatasetError([Problem("export", None, None, f"{target} exists and is not empty")])
    staging = target.with_name(f".{target.name}-staging-{os.getpid()}")
    staging.mkdir(parents=True)
    try:
        for name, data in layout.items():
            file = staging / f"{name}.{format}"
            if format == "parquet":
                pq.write_table(data, file, compression="zstd")
            else:
                pacsv.write_csv(data, file, pacsv.WriteOptions(quoting_style="all_valid"))
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        for file in staging.glob("*"):
            file.unlink()
        staging.rmdir()
        raise
    return {name: data.num_rows for name, data in layout.items()}


def v21_tables(tables: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """Canonical tables as v2.1 tables (and the ``OnTrack_*`` tables beside them)."""
    referral = _complete(tables["referral"], "referral")
    contact = _complete(tables["contact"], "contact")
    score = _complete(tables["score"], "score")
    therapist = _complete(tables["therapist"], "therapist")
    record = pa.array(range(1, referral.num_rows + 1), pa.int64())
    out: dict[str, pa.Table] = {}
    out["IDS001MPI"] = _select("IDS001MPI", referral, {"RecordNumber": record})
    out["IDS101Referral"] = _select("IDS101Referral", referral, {"RecordNumber": record})
    out["IDS603PresentingComplaints"] = _select(
        "IDS603PresentingComplaints",
        referral.filter(pc.is_valid(referral.column("problem_descriptor"))),
    )
    employed = referral.filter(pc.is_valid(referral.column("employed")))
    status = pc.if_else(employed.column("employed"), EMPLOYED, NOT_EMPLOYED)
    out["IDS004EmpStatus"] = _select("IDS004EmpStatus", employed, {"EmployStatus": status})
    planned = pc.if_else(contact.column("planned"), "Y", "N")
    out["IDS201CareContact"] = _select(
        "IDS201CareContact", contact, {"PlannedCareContIndicator": planned}
    )
    activity = contact.filter(
        pc.or_(
            pc.or_(pc.is_valid(contact.column("therapist_id")), pc.is_valid(contact["therapy"])),
            pc.or_(pc.is_valid(contact.column("step")), pc.is_valid(contact["session_number"])),
        )
    )
    act_id = pc.binary_join_element_wise(activity.column("contact_id"), "1", ":")
    out["IDS202CareActivity"] = _select("IDS202CareActivity", activity, {"CareActId": act_id})
    tool = pa.array([snomed_for(m) for m in score.column("measure").to_pylist()], pa.string())
    score_act = pc.binary_join_element_wise(score.column("contact_id"), "1", ":")
    out["IDS607CodedScoredAssessmentAct"] = _select(
        "IDS607CodedScoredAssessmentAct",
        score,
        {"CareActId": score_act, "CodedAssToolType": tool},
    )
    out["IDS902CarePersQual"] = _select("IDS902CarePersQual", therapist)
    circumstance = tables.get("circumstance")
    if circumstance is not None:
        out["IDS011SocPerCircumstances"] = _select(
            "IDS011SocPerCircumstances", _complete(circumstance, "circumstance")
        )
    iet = tables.get("iet_activity")
    if iet is not None:
        out["IDS205InternetTherLog"] = _select(
            "IDS205InternetTherLog", _complete(iet, "iet_activity")
        )
    else:
        out["IDS205InternetTherLog"] = _select(
            "IDS205InternetTherLog", TABLES["iet_activity"].arrow_schema.empty_table()
        )
    for name in ("IDS606CodedScoredAssessmentReferral", "WaitingTimePauses"):
        out[name] = pa.table({f: pa.array([], pa.string()) for f, _, _ in TABLES_V21[name]})
    for name in CARRIED:
        if name in tables:
            out[f"{EXTENSION}{name}"] = _complete(tables[name], name)
    return out


def _complete(data: pa.Table, name: str) -> pa.Table:
    """The table with every canonical column (optional ones absent become null)."""
    from ontrack.dataset.conform import conform

    if data.schema == TABLES[name].arrow_schema:
        return data
    conformed, problems = conform(TABLES[name], data, source=f"table {name!r}")
    if problems:
        raise DatasetError(problems)
    return conformed


def _select(name: str, data: pa.Table, filled: Mapping[str, pa.Array] | None = None) -> pa.Table:
    filled = filled or {}
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for field, _, column in TABLES_V21[name]:
        if field in filled:
            columns[field] = filled[field]
        elif column is not None:
            columns[field] = data.column(column)
    for table, home in HOME.items():
        if home == name:
            for column in unmapped_columns(table):
                columns[f"{EXTENSION}{column}"] = data.column(column)
    return pa.table(columns)


def _with_extras(fields: _Fields, table: str, data: pa.Table) -> pa.Table:
    """``data`` with the unmapped columns read from their ``OnTrack_*`` fields, if any."""
    home = HOME[table]
    raw = fields.raw.get(home)
    if raw is None:
        return data
    for column in unmapped_columns(table):
        field = f"{EXTENSION}{column}"
        if field in raw.column_names:
            values = fields.typed(home, field, _column(table, column))
            index = data.column_names.index(column)
            data = data.set_column(index, data.schema.field(index), values.cast(data[column].type))
    return data


def snomed_for(measure: str) -> str:
    """The SNOMED CT code of a measure's total where ``ontrack.measures`` knows one, else
    the OnTrack measure code (CodedAssToolType)."""
    return _snomed_codes().get(measure, measure)


def _snomed_codes() -> dict[str, str]:
    from ontrack.measures.registry import all_measures

    return {m.code: m.fhir.total_snomed for m in all_measures() if m.fhir.total_snomed}


# -- import ---------------------------------------------------------------------------------


@dataclass
class Imported:
    """Canonical tables read from a v2.1 folder, and what could not be carried over."""

    tables: dict[str, pa.Table]
    not_imported: dict[str, int]


def import_v21(folder: str | os.PathLike[str]) -> Imported:
    """Read a v2.1 folder into canonical tables; raise ``DatasetError`` naming every problem
    by national table, row and field. The tables are not yet checked across tables (that is
    ``write_dataset``'s work, which ``ontrack nhstt import`` does before writing anything)."""
    raw = _read_folder(Path(folder))
    problems: list[Problem] = []
    fields = _Fields(raw, problems)
    referral = _referrals(fields, raw)
    contact = _contacts(fields, raw, problems)
    score = _scores(fields, raw, problems)
    therapist = _therapists(fields, raw, contact, referral)
    out: dict[str, pa.Table] = {
        "referral": _with_extras(fields, "referral", referral),
        "contact": _with_extras(fields, "contact", contact),
        "score": _with_extras(fields, "score", score),
        "therapist": _with_extras(fields, "therapist", therapist),
    }
    skipped = {name: raw[name].num_rows for name in NOT_IMPORTED if raw.get(name) is not None}
    circumstances = raw.get("IDS011SocPerCircumstances")
    if circumstances is not None and "OnTrack_CareContactId" in circumstances.column_names:
        out["circumstance"] = _with_extras(
            fields, "circumstance", _plain(fields, "IDS011SocPerCircumstances", "circumstance")
        )
    elif circumstances is not None:
        # The national table records circumstances per person, not at a contact; the
        # canonical table needs the contact, so they are counted, not imported.
        skipped["IDS011SocPerCircumstances"] = circumstances.num_rows
    iet = raw.get("IDS205InternetTherLog")
    if iet is not None and iet.num_rows:
        out["iet_activity"] = _iet_activity(fields, referral)
    for name in CARRIED:
        carried = raw.get(f"{EXTENSION}{name}")
        if carried is not None:
            out[name] = _canonical_text(name, carried, problems)
    if "service" not in out:
        providers = sorted(set(referral.column("service_id").drop_null().to_pylist()))
        out["service"] = pa.table(
            {"service_id": providers, "name": providers, "region": [None] * len(providers)},
            schema=TABLES["service"].arrow_schema,
        )
    for name in ("alliance", "goal_rating", "homework"):
        out.setdefault(name, TABLES[name].arrow_schema.empty_table())
    if problems:
        raise DatasetError(problems)
    return Imported(out, {k: v for k, v in skipped.items() if v})


def _read_folder(folder: Path) -> dict[str, pa.Table]:
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise DatasetError([Problem("import", None, None, f"{folder} {what}")])
    known = {name.lower(): name for name in TABLES_V21}
    known |= {f"{EXTENSION}{name}".lower(): f"{EXTENSION}{name}" for name in CARRIED}
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for file in sorted(folder.iterdir()):
        if file.suffix.lower() not in (".csv", ".parquet"):
            continue
        name = known.get(file.stem.lower())
        if name is None:
            continue
        if name in found:
            problems.append(
                Problem(name, None, None, f"found twice: {found[name].name}, {file.name}")
            )
        found[name] = file
    problems += [
        Problem(name, None, None, f"missing table: no {name}.csv or {name}.parquet in {folder}")
        for name in REQUIRED_V21
        if name not in found
    ]
    if problems:
        raise DatasetError(problems)
    raw: dict[str, pa.Table] = {}
    for name, file in found.items():
        try:
            raw[name] = _read_text(file)
        except (pa.ArrowInvalid, OSError) as error:
            problems.append(Problem(name, None, None, f"cannot read {file.name}: {error}"))
    if problems:
        raise DatasetError(problems)
    return raw


# Code fields as NCDR may hold them ("5", "05", " 5"): the canonical form of each.
_TWO_DIGITS = ("AppType", "ConsMechanism", "EndCode", "QualAttainLevelIAPT")
_NO_LEADING_ZERO = ("AttendOrDNACode",)


def _normalise_codes(data: pa.Table) -> pa.Table:
    for name in data.column_names:
        if name in _TWO_DIGITS or name in _NO_LEADING_ZERO:
            text = pc.utf8_trim_whitespace(data[name])
            if name in _TWO_DIGITS:
                short = pc.equal(pc.utf8_length(text), 1)
                digit = pc.match_substring_regex(text, r"^[0-9]$")
                text = pc.if_else(
                    pc.and_(short, digit), pc.binary_join_element_wise("0", text, ""), text
                )
            else:
                text = pc.if_else(
                    pc.match_substring_regex(text, r"^0[0-9]$"),
                    pc.utf8_slice_codeunits(text, 1),
                    text,
                )
            data = data.set_column(data.column_names.index(name), name, text)
    return data


def _read_text(file: Path) -> pa.Table:
    """Every column as text, so that each value is converted (and named) one way.

    In a national table an empty text is a missing value (no v2.1 field here is free text);
    an ``OnTrack_*`` table keeps the canonical reader's rule (a quoted empty text is text).
    """
    data = _read_any(file)
    if file.stem.lower().startswith(EXTENSION.lower()):
        return data
    empty = pa.scalar(None, pa.string())
    return _normalise_codes(
        pa.table({n: pc.if_else(pc.equal(data[n], ""), empty, data[n]) for n in data.column_names})
    )


def _read_any(file: Path) -> pa.Table:
    if file.suffix.lower() == ".parquet":
        data = pq.read_table(file)
        return pa.table({n: _as_text(data.column(n)) for n in data.column_names})
    # As the canonical reader does: an empty cell is missing, a quoted empty text is text.
    with file.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle), [])
    options = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    return pacsv.read_csv(file, convert_options=options)


def _as_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_boolean(values.type):
        return pc.if_else(values, "Y", "N")
    if pa.types.is_timestamp(values.type):
        return pc.strftime(values, format="%Y-%m-%dT%H:%M:%S%z")
    return values.cast(pa.string())


class _Fields:
    """Typed columns of the v2.1 tables, converted by their canonical column's rules."""

    def __init__(self, raw: Mapping[str, pa.Table], problems: list[Problem]) -> None:
        self.raw = raw
        self.problems = problems

    def rows(self, name: str) -> int:
        data = self.raw.get(name)
        return 0 if data is None else data.num_rows

    def text(self, name: str, field: str, *, required: bool = False) -> pa.ChunkedArray:
        data = self.raw.get(name)
        n = self.rows(name)
        if data is None or field not in data.column_names:
            if required and data is not None:
                self.problems.append(Problem(name, None, field, "missing column"))
            return pa.chunked_array([pa.nulls(n, pa.string())])
        return data.column(field)

    def typed(self, name: str, field: str, column: Column) -> pa.ChunkedArray:
        required = not column.optional and not field.startswith(EXTENSION)
        text = self.text(name, field, required=required)
        renamed = dataclasses.replace(column, name=field)
        values, problems = _from_text(name, renamed, text)
        self.problems.extend(problems)
        if column.codes is not None:
            self._codes(name, field, column, values)
        if not column.nullable and required:
            missing = pc.fill_null(pc.is_null(values), False)
            for row in pc.indices_nonzero(missing).to_pylist():
                if text[row].as_py() is None:  # unconvertible values are reported already
                    self.problems.append(Problem(name, row + 1, field, "missing value"))
        return values

    def _codes(self, name: str, field: str, column: Column, values: pa.ChunkedArray) -> None:
        assert column.codes is not None
        codes = code_lists()[column.codes]
        text = values.cast(pa.string())
        bad = pc.and_(pc.is_valid(text), pc.invert(pc.is_in(text, pa.array(list(codes)))))
        for row in pc.indices_nonzero(pc.fill_null(bad, False)).to_pylist():
            self.problems.append(
                Problem(
                    name,
                    row + 1,
                    field,
                    f"{text[row].as_py()!r} is not a code in {column.codes} "
                    f"(valid: {', '.join(list(codes)[:20])})",
                )
            )


def _column(table: str, column: str) -> Column:
    return TABLES[table].column(column)


def _plain(fields: _Fields, name: str, table: str) -> pa.Table:
    """A v2.1 table whose fields each map to one canonical column of ``table``."""
    columns: dict[str, pa.ChunkedArray] = {}
    for field, canonical, column in TABLES_V21[name]:
        if column is not None and canonical == table:
            columns[column] = fields.typed(name, field, _column(table, column))
    return _canonical(table, columns, fields.rows(name))


def _canonical(table: str, columns: Mapping[str, Any], n: int) -> pa.Table:
    schema = TABLES[table].arrow_schema
    arrays = []
    for f in schema:
        value = columns.get(f.name)
        if value is None:
            arrays.append(pa.nulls(n, f.type))
        elif isinstance(value, pa.ChunkedArray | pa.Array):
            arrays.append(value.cast(f.type))
        else:
            arrays.append(pa.array(value, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _canonical_text(name: str, raw: pa.Table, problems: list[Problem]) -> pa.Table:
    """An ``OnTrack_<table>`` file (a canonical table verbatim), converted and checked."""
    fields = _Fields({f"{EXTENSION}{name}": raw}, problems)
    columns = {
        c.name: fields.typed(f"{EXTENSION}{name}", c.name, c)
        for c in TABLES[name].columns
        if c.name in raw.column_names or not c.optional
    }
    return _canonical(name, columns, raw.num_rows)


def _by_key(fields: _Fields, name: str, key: str, value: str) -> dict[str, int]:
    """{key: row} of a v2.1 table, first row of each key (reporting repeats)."""
    keys = fields.text(name, key).to_pylist()
    out: dict[str, int] = {}
    for row, k in enumerate(keys):
        if k is None:
            continue
        if k in out:
            fields.problems.append(
                Problem(
                    name, row + 1, key, f"{value} {k!r} appears twice (first at row {out[k] + 1})"
                )
            )
            continue
        out[k] = row
    return out


def _referrals(fields: _Fields, raw: Mapping[str, pa.Table]) -> pa.Table:
    n = fields.rows("IDS101Referral")
    columns: dict[str, Any] = {}
    for field, _, column in TABLES_V21["IDS101Referral"]:
        if column is not None:
            columns[column] = fields.typed("IDS101Referral", field, _column("referral", column))
    # Person fields come from IDS001MPI by RecordNumber.
    records = fields.text("IDS101Referral", "RecordNumber", required=True).to_pylist()
    person_row = _by_key(fields, "IDS001MPI", "RecordNumber", "RecordNumber")
    for row, record in enumerate(records):
        if record is not None and record not in person_row:
            fields.problems.append(
                Problem(
                    "IDS101Referral", row + 1, "RecordNumber", f"{record!r} is not in IDS001MPI"
                )
            )
    take = pa.array([person_row.get(r) if r is not None else None for r in records], pa.int64())
    for field, _, column in TABLES_V21["IDS001MPI"]:
        if column is not None:
            values = fields.typed("IDS001MPI", field, _column("referral", column))
            columns[column] = values.take(take)
    pathway = columns["referral_id"].to_pylist()
    position = {p: i for i, p in enumerate(pathway) if p is not None}
    columns["problem_descriptor"] = _per_referral(
        fields, "IDS603PresentingComplaints", "PresComp", position, n, "problem_descriptor"
    )
    columns["employed"] = _employment(fields, position, n)
    return _canonical("referral", columns, n)


def _per_referral(
    fields: _Fields, name: str, field: str, position: Mapping[str, int], n: int, column: str
) -> pa.Array:
    values = fields.typed(name, field, _column("referral", column)).to_pylist()
    out: list[Any] = [None] * n
    for row, (pathway, value) in enumerate(
        zip(fields.text(name, "PathwayID", required=True).to_pylist(), values, strict=True)
    ):
        if pathway not in position:
            fields.problems.append(
                Problem(
                    name, row + 1, "PathwayID", f"{pathway!r} is not a PathwayID in IDS101Referral"
                )
            )
            continue
        if out[position[pathway]] is None:  # the first recorded (the primary) wins
            out[position[pathway]] = value
    return pa.array(out, _column("referral", column).type)


def _employment(fields: _Fields, position: Mapping[str, int], n: int) -> pa.Array:
    name = "IDS004EmpStatus"
    out: list[bool | None] = [None] * n
    statuses = fields.text(name, "EmployStatus", required=True).to_pylist()
    pathways = fields.text(name, "PathwayID", required=True).to_pylist()
    for row, (pathway, status) in enumerate(zip(pathways, statuses, strict=True)):
        if status is not None and status not in EMPLOY_STATUS:
            fields.problems.append(
                Problem(name, row + 1, "EmployStatus", f"{status!r} is not an EmployStatus code")
            )
            continue
        if pathway not in position:
            fields.problems.append(
                Problem(
                    name, row + 1, "PathwayID", f"{pathway!r} is not a PathwayID in IDS101Referral"
                )
            )
            continue
        if out[position[pathway]] is None and status not in (None, "ZZ"):
            out[position[pathway]] = status == EMPLOYED
    return pa.array(out, pa.bool_())


def _contacts(fields: _Fields, raw: Mapping[str, pa.Table], problems: list[Problem]) -> pa.Table:
    name = "IDS201CareContact"
    n = fields.rows(name)
    columns: dict[str, Any] = {}
    for field, _, column in TABLES_V21[name]:
        if column is not None and column != "cons_mechanism":
            columns[column] = fields.typed(name, field, _column("contact", column))
    planned = fields.text(name, "PlannedCareContIndicator", required=True).to_pylist()
    flags: list[bool | None] = []
    for row, value in enumerate(planned):
        if value is None or value.upper() not in ("Y", "N"):
            problems.append(
                Problem(name, row + 1, "PlannedCareContIndicator", f"{value!r} is not Y or N")
            )
            flags.append(None)
        else:
            flags.append(value.upper() == "Y")
    columns["planned"] = flags
    columns["cons_mechanism"] = _mechanisms(fields, columns["contact_date"].to_pylist())
    _activities(fields, columns, n)
    return _canonical("contact", columns, n)


def _mechanisms(fields: _Fields, dates: list[dt.date | None]) -> list[str | None]:
    """ConsMechanism, checked against the code list valid on each contact's date."""
    name = "IDS201CareContact"
    codes = code_lists()["cons_mechanism"]
    out: list[str | None] = []
    text = fields.text(name, "ConsMechanism", required=True).to_pylist()
    for row, (code, day) in enumerate(zip(text, dates, strict=True)):
        validity = CONS_MECHANISM_VALIDITY.get(code or "")
        if code is None:
            fields.problems.append(Problem(name, row + 1, "ConsMechanism", "missing value"))
        elif validity is not None and day is not None and not _valid_on(validity, day):
            fields.problems.append(
                Problem(
                    name,
                    row + 1,
                    "ConsMechanism",
                    f"{code!r} ({validity.label}) is not valid on {day.isoformat()} "
                    f"(valid {_span(validity)})",
                )
            )
        elif validity is not None and validity.successor is not None:
            code = validity.successor
        elif code not in codes:
            fields.problems.append(
                Problem(name, row + 1, "ConsMechanism", f"{code!r} is not a ConsMechanism code")
            )
        out.append(code)
    return out


def _valid_on(validity: CodeValidity, day: dt.date) -> bool:
    after = validity.valid_from is None or day >= validity.valid_from
    return after and (validity.valid_to is None or day <= validity.valid_to)


def _span(validity: CodeValidity) -> str:
    start = validity.valid_from.isoformat() if validity.valid_from else "before v2.1"
    end = validity.valid_to.isoformat() if validity.valid_to else "on"
    return f"{start} to {end}" if validity.valid_from else f"to {end}"


def _activities(fields: _Fields, columns: dict[str, Any], n: int) -> None:
    """Therapist, therapy, step and session number from IDS202 (one activity per contact)."""
    name = "IDS202CareActivity"
    position = {c: i for i, c in enumerate(columns["contact_id"].to_pylist()) if c is not None}
    wanted = ("therapist_id", "therapy", "step", "session_number")
    values: dict[str, list[Any]] = {c: [None] * n for c in wanted}
    given = dict.fromkeys(("step", "session_number"), False)
    data = fields.raw.get(name)
    typed = {
        column: fields.typed(name, field, _column("contact", column)).to_pylist()
        for field, _, column in TABLES_V21[name]
        if column in wanted
    }
    for column in given:
        field = "OnTrack_Step" if column == "step" else "OnTrack_SessionNumber"
        given[column] = data is not None and field in data.column_names
    ids = fields.text(name, "CareContactId", required=True).to_pylist()
    for row, contact_id in enumerate(ids):
        if contact_id not in position:
            fields.problems.append(
                Problem(
                    name, row + 1, "CareContactId", f"{contact_id!r} is not in IDS201CareContact"
                )
            )
            continue
        at = position[contact_id]
        for column in wanted:
            if values[column][at] is None:
                values[column][at] = typed[column][row]
    steps = code_lists()["therapy_step"]
    if not given["step"]:
        values["step"] = [int(steps[t]) if t in steps else None for t in values["therapy"]]
    if not given["session_number"]:
        values["session_number"] = _session_numbers(columns, values["therapy"], n)
    columns.update(values)


def _session_numbers(columns: Mapping[str, Any], therapy: list[Any], n: int) -> list[int | None]:
    """Number each referral's seen treatment contacts 1, 2, ... in date and time order."""
    order: dict[str, list[tuple[Any, str, str, int]]] = defaultdict(list)
    referral = columns["referral_id"].to_pylist()
    dates = columns["contact_date"].to_pylist()
    times = columns["contact_time"].to_pylist()
    ids = columns["contact_id"].to_pylist()
    app = columns["app_type"].to_pylist()
    attendance = columns["attendance"].to_pylist()
    for i in range(n):
        if is_seen(attendance[i], columns["planned"][i]) and app[i] in TREATMENT_APP_TYPES:
            order[referral[i]].append((dates[i], times[i] or "", ids[i] or "", i))
    out: list[int | None] = [None] * n
    for items in order.values():
        for k, (*_, i) in enumerate(sorted(items), start=1):
            out[i] = k
    return out


def _scores(fields: _Fields, raw: Mapping[str, pa.Table], problems: list[Problem]) -> pa.Table:
    name = "IDS607CodedScoredAssessmentAct"
    n = fields.rows(name)
    columns: dict[str, Any] = {}
    for field, _, column in TABLES_V21[name]:
        if column is not None:
            columns[column] = fields.typed(name, field, _column("score", column))
    by_snomed = {snomed: code for code, snomed in _snomed_codes().items()}
    tools = fields.text(name, "CodedAssToolType", required=True).to_pylist()
    measures: list[str | None] = []
    for row, tool in enumerate(tools):
        if tool is None:
            problems.append(Problem(name, row + 1, "CodedAssToolType", "missing value"))
        measures.append(by_snomed.get(tool, tool) if tool is not None else None)
    columns["measure"] = measures
    return _canonical("score", columns, n)


def _iet_activity(fields: _Fields, referral: pa.Table) -> pa.Table:
    """IDS205 internet-enabled therapy log rows, each of a PathwayID in IDS101."""
    name = "IDS205InternetTherLog"
    known = set(referral.column("referral_id").drop_null().to_pylist())
    for row, pathway in enumerate(fields.text(name, "PathwayID").to_pylist()):
        if pathway is not None and pathway not in known:
            fields.problems.append(
                Problem(
                    name, row + 1, "PathwayID", f"{pathway!r} is not a PathwayID in IDS101Referral"
                )
            )
    return _with_extras(fields, "iet_activity", _plain(fields, name, "iet_activity"))


_ROLE_BY_QUALIFICATION = {"10": "pwp", "12": "counsellor"}


def _therapists(
    fields: _Fields, raw: Mapping[str, pa.Table], contact: pa.Table, referral: pa.Table
) -> pa.Table:
    name = "IDS902CarePersQual"
    if name not in raw:
        named = sorted(set(contact.column("therapist_id").drop_null().to_pylist()))
        if named:
            fields.problems.append(
                Problem(
                    name,
                    None,
                    None,
                    f"missing table: contacts name {len(named)} practitioners "
                    "(CareProfLocalId) but there is no IDS902CarePersQual to say who they are",
                )
            )
        return TABLES["therapist"].arrow_schema.empty_table()
    table = _plain(fields, name, "therapist")
    n = table.num_rows
    columns = {c: table.column(c) for c in table.column_names}
    data = raw[name]
    if "OnTrack_Role" not in data.column_names:
        quals = table.column("qualification").to_pylist()
        columns["role"] = pa.chunked_array(
            [pa.array([_ROLE_BY_QUALIFICATION.get(q or "", "hi") for q in quals])]
        )
    if "OnTrack_CaseloadLimit" not in data.column_names:
        columns["caseload_limit"] = pa.chunked_array([pa.array([0] * n, pa.int32())])
    if "OnTrack_ServiceId" not in data.column_names:
        columns["service_id"] = pa.chunked_array(
            [pa.array(_home_services(table, contact, referral))]
        )
    return _canonical("therapist", columns, n)


def _home_services(therapist: pa.Table, contact: pa.Table, referral: pa.Table) -> list[str | None]:
    """Each practitioner's service: that of the referral of their first contact."""
    service_of = dict(
        zip(
            referral.column("referral_id").to_pylist(),
            referral["service_id"].to_pylist(),
            strict=True,
        )
    )
    first: dict[str, str | None] = {}
    for tid, rid in zip(
        contact.column("therapist_id").to_pylist(), contact["referral_id"].to_pylist(), strict=True
    ):
        if tid is not None and tid not in first:
            first[tid] = service_of.get(rid)
    fallback = next(iter(service_of.values()), None)
    return [first.get(t, fallback) for t in therapist.column("therapist_id").to_pylist()]
