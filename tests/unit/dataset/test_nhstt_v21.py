"""The NHS TT data set v2.1 in and out: a lossless round trip, a real extract's shape,
code lists by reporting period, and bad input named by table, row and field."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from ontrack.cli import main
from ontrack.dataset import DatasetError, read_dataset, write_dataset
from ontrack.dataset.nhstt import CARRIED, EXTENSION, export_v21, import_v21
from ontrack.synth import simulate

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """A simulated service with times on some contacts, a follow-up after discharge and an
    internet-enabled therapy log (IDS205) for some referrals."""
    tables = simulate(referrals=250, seed=21)
    contact = tables["contact"]
    times = [
        "09:30" if i % 3 == 0 else ("14:05:30" if i % 3 == 1 else None)
        for i in range(contact.num_rows)
    ]
    index = contact.column_names.index("contact_time")
    tables["contact"] = contact.set_column(index, "contact_time", pa.array(times, pa.string()))
    tables["iet_activity"] = _iet_log(tables["referral"])
    path = tmp_path_factory.mktemp("v21") / "canonical"
    write_dataset(tables, path)
    return path


def _iet_log(referral: pa.Table) -> pa.Table:
    """Two log entries for every seventh referral (one still open, one without minutes)."""
    ids = referral.column("referral_id").to_pylist()[::7]
    starts = referral.column("referral_date").to_pylist()[::7]
    rows = []
    for i, (rid, start) in enumerate(zip(ids, starts, strict=True)):
        later = start + dt.timedelta(days=14)
        rows.append((rid, "SilverCloud", start, later, 20 + i % 40))
        rows.append((rid, None if i % 2 else "Space from Depression", later, None, None))
    names = ("referral_id", "programme", "start_date", "end_date", "duration_minutes")
    types = (pa.string(), pa.string(), pa.date32(), pa.date32(), pa.int32())
    return pa.table(
        {
            n: pa.array([r[k] for r in rows], t)
            for k, (n, t) in enumerate(zip(names, types, strict=True))
        }
    )


@pytest.mark.parametrize("format", ["csv", "parquet"])
def test_round_trip_is_lossless(dataset, tmp_path, format):
    original = read_dataset(dataset)

    export_v21(original, tmp_path / "extract", format=format)
    imported = import_v21(tmp_path / "extract")
    write_dataset(imported.tables, tmp_path / "back")
    back = read_dataset(tmp_path / "back")

    assert sorted(back) == sorted(original)
    for name, table in original.items():
        assert back[name].equals(table), name
    assert imported.not_imported == {}
    assert back["iet_activity"].num_rows > 50


def test_the_iet_log_is_written_as_ids205_with_its_national_fields(dataset, tmp_path):
    export_v21(read_dataset(dataset), tmp_path / "extract")

    log = pacsv.read_csv(
        tmp_path / "extract" / "IDS205InternetTherLog.csv",
        convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
    )
    assert log.column_names == [
        "PathwayID",
        "IntEnabledTherProg",
        "StartDateIntEnabledTherLog",
        "EndDateIntEnabledTherLog",
        "DurationIntEnabledTher",
    ]
    assert log.num_rows == read_dataset(dataset)["iet_activity"].num_rows


def test_a_dataset_without_an_iet_log_stays_without_one(tmp_path):
    tables = simulate(referrals=30, seed=4)
    export_v21(tables, tmp_path / "extract")

    imported = import_v21(tmp_path / "extract")

    assert "iet_activity" not in imported.tables
    assert (tmp_path / "extract" / "IDS205InternetTherLog.csv").exists()


@pytest.mark.parametrize(
    ("row", "field", "value", "message"),
    [
        (2, "PathwayID", "NO-SUCH-PATHWAY", "'NO-SUCH-PATHWAY' is not a PathwayID in IDS101"),
        (3, "StartDateIntEnabledTherLog", "2024-13-01", "'2024-13-01' is not a date"),
        (4, "DurationIntEnabledTher", "half an hour", "'half an hour' is not"),
    ],
)
def test_a_bad_ids205_row_is_named_and_nothing_is_written(
    dataset, tmp_path, capsys, row, field, value, message
):
    extract = _extract(dataset, tmp_path)
    _edit(extract, "IDS205InternetTherLog", row, field, value)

    status = main(["nhstt", "import", str(extract), "--out", str(tmp_path / "out")])

    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert f"IDS205InternetTherLog, row {row}, column {field}: {message}" in err
    assert not (tmp_path / "out").exists()


def test_check_names_an_iet_row_that_ends_before_it_starts(dataset, tmp_path):
    tables = read_dataset(dataset)
    log = tables["iet_activity"]
    ends = log.column("end_date").to_pylist()
    ends[0] = log.column("start_date")[0].as_py() - dt.timedelta(days=1)
    tables["iet_activity"] = log.set_column(3, "end_date", pa.array(ends, pa.date32()))

    with pytest.raises(DatasetError, match=r"iet_activity, row 1, column end_date"):
        write_dataset(tables, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_export_writes_the_v21_tables_with_national_field_names(dataset, tmp_path):
    main(["nhstt", "export", str(dataset), "--out", str(tmp_path / "extract")])

    files = {p.stem for p in (tmp_path / "extract").iterdir()}
    assert {
        "IDS001MPI",
        "IDS101Referral",
        "IDS201CareContact",
        "IDS202CareActivity",
        "IDS603PresentingComplaints",
        "IDS606CodedScoredAssessmentReferral",
        "IDS607CodedScoredAssessmentAct",
        "IDS011SocPerCircumstances",
        "IDS004EmpStatus",
        "IDS205InternetTherLog",
        "IDS902CarePersQual",
        "WaitingTimePauses",
    } <= files
    contacts = pacsv.read_csv(tmp_path / "extract" / "IDS201CareContact.csv")
    assert contacts.column_names[:5] == [
        "PathwayID",
        "CareContactId",
        "CareContDate",
        "CareContTime",
        "AppType",
    ]
    assert set(contacts.column("PlannedCareContIndicator").to_pylist()) <= {"Y", "N"}
    scores = pacsv.read_csv(
        tmp_path / "extract" / "IDS607CodedScoredAssessmentAct.csv",
        convert_options=pacsv.ConvertOptions(column_types={"CodedAssToolType": pa.string()}),
    )
    assert "720433000" in scores.column("CodedAssToolType").to_pylist()  # PHQ-9 (SNOMED CT)


def test_report_on_the_imported_history_equals_the_original(dataset, tmp_path, capsys):
    main(["nhstt", "export", str(dataset), "--out", str(tmp_path / "extract")])
    assert main(["nhstt", "import", str(tmp_path / "extract"), "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()

    main(["report", str(dataset), "--json"])
    before = json.loads(capsys.readouterr().out)
    main(["report", str(tmp_path / "b"), "--json"])
    after = json.loads(capsys.readouterr().out)

    before.pop("generated")
    after.pop("generated")
    assert after == before


def test_an_extract_without_ontrack_columns_derives_what_it_can(dataset, tmp_path):
    """A real extract has no OnTrack_* files or columns: services come from the provider,
    steps from the therapy code and session numbers from the order of treatment."""
    original = read_dataset(dataset)
    extract = tmp_path / "extract"
    export_v21(original, extract, format="parquet")
    for name in CARRIED:
        (extract / f"{EXTENSION}{name}.parquet").unlink(missing_ok=True)
    for file in extract.glob("IDS*.parquet"):
        data = pq.read_table(file)
        keep = [c for c in data.column_names if not c.startswith(EXTENSION)]
        pq.write_table(data.select(keep), extract / f"{file.stem.lower()}.parquet")
        file.unlink()  # NCDR's lower-case names are read too

    imported = import_v21(extract)
    write_dataset(imported.tables, tmp_path / "back")
    back = read_dataset(tmp_path / "back")

    contact, theirs = back["contact"], original["contact"]
    assert contact.column("contact_id").equals(theirs.column("contact_id"))
    assert contact.column("session_number").equals(theirs.column("session_number"))
    assert contact.column("attendance").equals(theirs.column("attendance"))
    services = set(back["service"].column("service_id").to_pylist())
    assert services == set(original["referral"].column("service_id").to_pylist())
    assert back["homework"].num_rows == 0
    assert back["score"].num_rows == original["score"].num_rows


def _extract(dataset: Path, tmp_path: Path) -> Path:
    out = tmp_path / "extract"
    export_v21(read_dataset(dataset), out, format="csv")
    return out


def _edit(extract: Path, table: str, row: int, field: str, value: str) -> None:
    file = extract / f"{table}.csv"
    names = pacsv.read_csv(file).column_names
    options = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
    data = pacsv.read_csv(file, convert_options=options).to_pylist()
    data[row - 1][field] = value
    schema = pa.schema([(n, pa.string()) for n in names])
    pacsv.write_csv(pa.Table.from_pylist(data, schema=schema), file)


def test_bad_date_is_named_by_table_row_and_field_and_nothing_is_written(dataset, tmp_path, capsys):
    extract = _extract(dataset, tmp_path)
    _edit(extract, "IDS201CareContact", 3, "CareContDate", "2024-02-30")

    status = main(["nhstt", "import", str(extract), "--out", str(tmp_path / "out")])

    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "IDS201CareContact, row 3, column CareContDate: '2024-02-30' is not a date" in err
    assert not (tmp_path / "out").exists()


def test_missing_table_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "extract").mkdir()

    status = main(["nhstt", "import", str(tmp_path / "extract"), "--out", str(tmp_path / "o")])

    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("ontrack nhstt: error: ")
    assert err.count("\n") == 1
    assert "IDS001MPI: missing table" in err


def test_export_of_a_missing_dataset_is_one_line_and_exit_2(tmp_path, capsys):
    status = main(["nhstt", "export", str(tmp_path / "nothing"), "--out", str(tmp_path / "x")])

    assert status == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "x").exists()


def test_a_reference_between_tables_that_does_not_resolve_is_named(dataset, tmp_path, capsys):
    extract = _extract(dataset, tmp_path)
    _edit(extract, "IDS202CareActivity", 2, "CareContactId", "NO-SUCH-CONTACT")

    status = main(["nhstt", "import", str(extract), "--out", str(tmp_path / "out")])

    assert status == 2
    err = capsys.readouterr().err
    assert "IDS202CareActivity, row 2, column CareContactId: 'NO-SUCH-CONTACT' is not in" in err


def _first_contact_on_or_after(extract: Path, day: dt.date) -> int:
    data = pacsv.read_csv(extract / "IDS201CareContact.csv")
    dates = data.column("CareContDate").to_pylist()
    return next(i + 1 for i, d in enumerate(dates) if d >= day)


def test_consultation_mechanisms_are_valid_by_reporting_period(dataset, tmp_path, capsys):
    extract = _extract(dataset, tmp_path)
    row = _first_contact_on_or_after(extract, dt.date(2022, 4, 1))
    _edit(extract, "IDS201CareContact", row, "ConsMechanism", "06")  # SMS: v2.0 only

    status = main(["nhstt", "import", str(extract), "--out", str(tmp_path / "out")])

    assert status == 2
    err = capsys.readouterr().err
    assert f"IDS201CareContact, row {row}, column ConsMechanism: '06' (SMS (v2.0))" in err
    assert "is not valid on" in err


def test_a_v20_mechanism_before_april_2022_reads_as_its_v21_successor(tmp_path):
    extract = tmp_path / "extract"
    export_v21(read_dataset(_old_dataset(tmp_path)), extract, format="csv")
    _edit(extract, "IDS201CareContact", 1, "ConsMechanism", "03")  # webcam (v2.0)

    imported = import_v21(extract)

    assert imported.tables["contact"].column("cons_mechanism")[0].as_py() == "11"  # video


def _old_dataset(tmp_path: Path) -> Path:
    """A tiny dataset from before v2.1 (contacts in 2021)."""
    from ontrack.analytics.spec import tables_from_spec

    tables = tables_from_spec(
        """
referral
referral_id | referral_date | end_date
r1          | 2021-05-01    | 2021-08-01

contact
contact_id | referral_id | contact_date
c1         | r1          | 2021-05-10
c2         | r1          | 2021-06-10
"""
    )
    path = tmp_path / "old"
    write_dataset(tables, path)
    return path


def test_rows_of_tables_with_no_canonical_home_are_reported_not_dropped_silently(
    dataset, tmp_path, capsys
):
    extract = _extract(dataset, tmp_path)
    pacsv.write_csv(
        pa.table(
            {
                "PathwayID": ["x"],
                "PauseStartDate": ["2024-05-01"],
                "PauseEndDate": ["2024-05-08"],
            }
        ),
        extract / "WaitingTimePauses.csv",
    )

    assert main(["nhstt", "import", str(extract), "--out", str(tmp_path / "out")]) == 0

    err = capsys.readouterr().err
    assert "WaitingTimePauses: 1 rows not imported" in err


def test_imported_tables_fail_whole_when_a_check_across_tables_fails(dataset, tmp_path):
    extract = _extract(dataset, tmp_path)
    _edit(extract, "IDS201CareContact", 1, "PathwayID", "NOT-A-PATHWAY")

    imported = import_v21(extract)
    with pytest.raises(DatasetError, match="is not a referral_id in referral"):
        write_dataset(imported.tables, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # fits the early-warning models (about 10 s)
def test_calibrate_runs_on_an_imported_history(tmp_path, capsys):
    write_dataset(simulate(referrals=600, seed=3), tmp_path / "canonical")
    export_v21(read_dataset(tmp_path / "canonical"), tmp_path / "extract")
    assert main(["nhstt", "import", str(tmp_path / "extract"), "--out", str(tmp_path / "h")]) == 0

    status = main(["calibrate", str(tmp_path / "h"), "--out", str(tmp_path / "model.npz")])

    assert status == 0
    assert (tmp_path / "model.npz").exists()
    assert "models for GAD-7, PHQ-9" in capsys.readouterr().out
