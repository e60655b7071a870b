"""Bad datasets are rejected with messages that name the table, row and column."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import examples

from ontrack.dataset import Problem, validate
from ontrack.dataset.checks import check_tables
from ontrack.dataset.schema import code_lists


def test_valid_dataset_has_no_problems(small_tables, write):
    assert validate(write(small_tables)) == []


def test_wrong_code_is_reported_at_its_row_and_column(tables, write, set_cell):
    tables["contact"] = set_cell(tables["contact"], "app_type", 9, "04")

    problems = validate(write(tables))

    assert problems == [
        Problem(
            "contact",
            10,
            "app_type",
            "'04' is not a code in app_type (valid: 01, 02, 03, 05, 06)",
        )
    ]


def test_orphan_contact_is_reported(tables, write, set_cell):
    tables["contact"] = set_cell(tables["contact"], "referral_id", 0, "R999")

    problems = validate(write(tables))

    assert Problem("contact", 1, "referral_id", "'R999' is not a referral_id in referral") in (
        problems
    )


def test_orphan_score_contact_is_reported(tables, write, set_cell):
    tables["score"] = set_cell(tables["score"], "contact_id", 2, "C0")

    problems = validate(write(tables))

    assert Problem("score", 3, "contact_id", "'C0' is not a contact_id in contact") in problems


def test_end_date_before_referral_date_is_reported(tables, write, set_cell):
    referral = tables["referral"]
    received = referral.column("referral_date")[5].as_py()
    tables["referral"] = set_cell(referral, "end_date", 5, received - dt.timedelta(days=1))

    problems = validate(write(tables))

    first = problems[0]
    assert (first.table, first.row, first.column) == ("referral", 6, "end_date")
    assert "is before referral_date" in first.message


def test_contact_before_its_referral_is_reported(tables, write, set_cell):
    contact = tables["contact"]
    tables["contact"] = set_cell(contact, "contact_date", 0, dt.date(2000, 1, 1))

    problems = validate(write(tables))

    assert (
        Problem(
            "contact",
            1,
            "contact_date",
            "contact_date 2000-01-01 is before the referral_date of its referral",
        )
        in problems
    )


def test_missing_table_is_reported(small_tables, write):
    tables = {k: v for k, v in small_tables.items() if k != "homework"}

    assert validate(write(tables)) == [
        Problem("homework", None, None, "missing table: no homework.parquet or homework.csv")
    ]


def test_misnamed_table_file_gets_a_hint(small_tables, write):
    tables = {k: v for k, v in small_tables.items() if k != "contact"}
    tables["contacts"] = small_tables["contact"]

    (problem,) = [p for p in validate(write(tables)) if p.table == "contact"]

    assert "found contacts.parquet" in problem.message


def test_missing_column_is_reported(tables, write):
    tables["contact"] = tables["contact"].drop_columns(["attendance"])

    assert validate(write(tables)) == [Problem("contact", None, "attendance", "missing column")]


def test_misspelt_column_gets_a_hint(tables, write):
    referral = tables["referral"]
    names = ["imd_decil" if n == "imd_decile" else n for n in referral.column_names]
    tables["referral"] = referral.rename_columns(names)

    problems = validate(write(tables))

    assert (
        Problem(
            "referral",
            None,
            "imd_decil",
            "unknown column in referral.parquet (did you mean 'imd_decile'?)",
        )
        in problems
    )


@pytest.mark.parametrize("cut", [0.5, 0.1, 0.99])
def test_truncated_parquet_file_is_reported_not_raised(small_tables, write, cut):
    path = write(small_tables)
    data = (path / "contact.parquet").read_bytes()
    (path / "contact.parquet").write_bytes(data[: int(len(data) * cut)])

    problems = validate(path)

    assert len(problems) == 1
    assert problems[0].table == "contact"
    assert problems[0].message.startswith("cannot read contact.parquet: not a readable Parquet")


def test_empty_csv_file_is_reported(small_tables, write):
    path = write(small_tables, format="csv")
    (path / "service.csv").write_text("")

    (problem,) = validate(path)

    assert problem.table == "service"
    assert "cannot read service.csv" in problem.message


def test_table_present_in_two_formats_is_reported(small_tables, write):
    path = write(small_tables)
    (path / "service.csv").write_text("service_id,name,region\nS1,A,\n")

    assert Problem(
        "service", None, None, "both service.csv and service.parquet exist; keep one"
    ) in validate(path)


def test_bad_number_in_csv_is_reported_at_its_row(tables, write, set_text_cell):
    tables["referral"] = set_text_cell(tables["referral"], "age", 3, "forty")

    problems = validate(write(tables, format="csv"))

    assert problems == [Problem("referral", 4, "age", "'forty' is not a whole number")]


def test_impossible_date_in_csv_is_reported(tables, write, set_text_cell):
    tables["contact"] = set_text_cell(tables["contact"], "contact_date", 7, "2024-02-30")

    problems = validate(write(tables, format="csv"))

    assert Problem("contact", 8, "contact_date", "'2024-02-30' is not a date (YYYY-MM-DD)") in (
        problems
    )


def test_bad_boolean_in_csv_is_reported(tables, write, set_text_cell):
    tables["contact"] = set_text_cell(tables["contact"], "planned", 1, "perhaps")

    assert validate(write(tables, format="csv")) == [
        Problem("contact", 2, "planned", "'perhaps' is not true or false")
    ]


def test_missing_required_value_is_reported(tables, write, set_cell):
    tables["referral"] = set_cell(tables["referral"], "referral_date", 0, None)

    assert Problem("referral", 1, "referral_date", "missing value") in validate(write(tables))


def test_duplicate_key_points_at_the_first_row(tables, write, set_cell):
    first = tables["referral"].column("referral_id")[0].as_py()
    tables["referral"] = set_cell(tables["referral"], "referral_id", 1, first)

    problems = validate(write(tables))

    assert (
        Problem("referral", 2, "referral_id", f"duplicate referral_id '{first}' (first at row 1)")
        in problems
    )


def test_value_out_of_range_is_reported(tables, write, set_cell):
    tables["goal_rating"] = set_cell(tables["goal_rating"], "rating", 0, 11)

    assert validate(write(tables)) == [
        Problem("goal_rating", 1, "rating", "11 is not between 0 and 10")
    ]


def _first_row(table: pa.Table, column: str, value: str) -> int:
    return table.column(column).to_pylist().index(value)


def test_total_that_does_not_match_the_answers_is_reported(tables, write, set_cell):
    score = tables["score"]
    row = _first_row(score, "measure", "GAD-7")
    total = score.column("total")[row].as_py()
    tables["score"] = set_cell(score, "total", row, total + 1 if total < 21 else total - 1)

    (problem,) = validate(write(tables))

    assert (problem.table, problem.row, problem.column) == ("score", row + 1, "total")
    assert f"GAD-7 scores them {total:g}" in problem.message


def test_wrong_number_of_answers_is_reported(tables, write, set_cell):
    score = tables["score"]
    row = _first_row(score, "measure", "PHQ-9")
    tables["score"] = set_cell(score, "items", row, "1,2,3")

    (problem,) = validate(write(tables))

    assert problem == Problem(
        "score", row + 1, "items", "PHQ-9 has 9 items but 3 answers are listed"
    )


def test_answer_out_of_range_is_reported(tables, write, set_cell):
    score = tables["score"]
    row = _first_row(score, "measure", "PHQ-9")
    answers = score.column("items")[row].as_py().split(",")
    answers[0] = "7"
    tables["score"] = set_cell(score, "items", row, ",".join(answers))

    problems = validate(write(tables))

    assert problems[0] == Problem(
        "score", row + 1, "items", "answer 1 is 7; PHQ-9 answers run 0-3 in steps of 1"
    )


def test_unknown_measure_is_reported(tables, write, set_cell):
    tables["score"] = set_cell(tables["score"], "measure", 0, "XYZ-3")

    (problem,) = validate(write(tables))

    assert (problem.table, problem.row, problem.column) == ("score", 1, "measure")
    assert "unknown measure 'XYZ-3'" in problem.message


def test_score_at_a_missed_appointment_is_reported(tables, write, set_cell):
    contact = tables["contact"]
    missed_row = _first_row(contact, "attendance", "3")
    missed_id = contact.column("contact_id")[missed_row].as_py()
    referral = contact.column("referral_id")[missed_row].as_py()
    score = tables["score"]
    score = set_cell(score, "contact_id", 0, missed_id)
    tables["score"] = set_cell(score, "referral_id", 0, referral)

    problems = validate(write(tables))

    assert (
        Problem(
            "score", 1, "contact_id", "recorded at a contact that was not attended (attendance '3')"
        )
        in problems
    )


def test_session_number_on_a_missed_appointment_is_reported(tables, write, set_cell):
    contact = tables["contact"]
    row = _first_row(contact, "attendance", "3")
    tables["contact"] = set_cell(contact, "session_number", row, 4)

    problems = validate(write(tables))

    assert problems[0].table == "contact"
    assert problems[0].row == row + 1
    assert problems[0].column == "session_number"


def test_homework_reviewed_before_it_was_set_is_reported(tables, write, set_cell):
    homework = tables["homework"]
    row = next(i for i, v in enumerate(homework.column("reviewed_contact_id").to_pylist()) if v)
    set_at = homework.column("set_contact_id")[row].as_py()
    reviewed_at = homework.column("reviewed_contact_id")[row].as_py()
    homework = set_cell(homework, "set_contact_id", row, reviewed_at)
    tables["homework"] = set_cell(homework, "reviewed_contact_id", row, set_at)

    problems = validate(write(tables))

    assert [(p.table, p.row, p.column) for p in problems] == [
        ("homework", row + 1, "reviewed_contact_id")
    ]


def test_step_that_contradicts_the_therapy_is_reported(tables, write, set_cell):
    contact = tables["contact"]
    row = next(
        i
        for i, step in enumerate(contact.column("step").to_pylist())
        if step == 2 and contact.column("therapy")[i].as_py()
    )
    tables["contact"] = set_cell(contact, "step", row, 3)

    assert validate(write(tables)) == [
        Problem(
            "contact", row + 1, "step", "step 3 does not match the step of the therapy recorded"
        )
    ]


CODED = [
    (table, column.name, column.codes)
    for table in ("referral", "contact", "therapist", "homework")
    for column in __import__("ontrack.dataset.schema", fromlist=["TABLES"]).TABLES[table].columns
    if column.codes is not None and column.name != "imd_decile"
]


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_single_bad_code_is_found_at_its_cell(small_tables, set_cell, data):
    table, column, codes = data.draw(st.sampled_from(CODED))
    rows = small_tables[table].num_rows
    row = data.draw(st.integers(0, rows - 1))
    bad = data.draw(
        st.text(alphabet="0123456789ABCXZ", min_size=1, max_size=3).filter(
            lambda v: v not in code_lists()[codes]
        )
    )
    damaged = dict(small_tables, **{table: set_cell(small_tables[table], column, row, bad)})

    problems = check_tables(damaged)

    assert [(p.table, p.row, p.column) for p in problems] == [(table, row + 1, column)]


def test_check_tables_conforms_tables_that_lack_optional_columns(small_tables):
    referral = small_tables["referral"].drop_columns(["therapist_gender_preference"])

    assert check_tables(dict(small_tables, referral=referral)) == []


def test_check_tables_reports_values_that_will_not_convert(small_tables, set_text_cell):
    referral = set_text_cell(small_tables["referral"], "age", 0, "old")

    assert check_tables(dict(small_tables, referral=referral)) == [
        Problem("referral", 1, "age", "'old' is not a whole number")
    ]


def test_unknown_planted_cause_is_reported(tables, write, set_cell):
    tables["truth"] = set_cell(tables["truth"], "causes", 2, "rupture;bad_luck")

    assert validate(write(tables)) == [
        Problem(
            "truth",
            3,
            "causes",
            "'rupture;bad_luck' names a cause not in failure_cause (bad_luck)",
        )
    ]


def _with_contact_after_discharge(tables, app_type: str, time: str | None = None):
    """Add one contact 30 days after the end of the first ended referral."""
    referral = next(r for r in tables["referral"].to_pylist() if r["end_date"] is not None)
    row = {
        "contact_id": "C-after-end",
        "referral_id": referral["referral_id"],
        "therapist_id": None,
        "contact_date": referral["end_date"] + dt.timedelta(days=30),
        "app_type": app_type,
        "attendance": "5",
        "cons_mechanism": "02",
        "planned": True,
        "therapy": None,
        "step": None,
        "session_number": None,
        "contact_time": time,
    }
    contact = tables["contact"]
    added = pa.Table.from_pylist([row], schema=contact.schema)
    tables["contact"] = pa.concat_tables([contact, added])
    return contact.num_rows + 1  # its 1-based row


def test_follow_up_after_discharge_is_valid(tables, write):
    # NHS England's SQL expects them: AppType = 06 AND CareContDate > ServDischDate.
    _with_contact_after_discharge(tables, "06", "16:45")

    assert validate(write(tables)) == []


def test_other_contact_after_discharge_is_reported(tables, write):
    row = _with_contact_after_discharge(tables, "02")

    problems = validate(write(tables))

    assert [(p.table, p.row, p.column) for p in problems] == [("contact", row, "contact_date")]
    assert "is after the end_date of its referral (only a follow-up" in problems[0].message


def test_badly_written_contact_time_is_reported(tables, write):
    row = _with_contact_after_discharge(tables, "06", "9am")

    problems = validate(write(tables))

    assert problems == [
        Problem(
            "contact",
            row,
            "contact_time",
            "contact_time '9am' is not a 24-hour time 'HH:MM' or 'HH:MM:SS'",
        )
    ]
