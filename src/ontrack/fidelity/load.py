"""Courses from the canonical dataset, with the optional tables a dataset may lack.

``note`` (contact_id, text), ``supervision`` (referral_id, date) and ``ending_review``
(referral_id) are read when present — from the tables ``read_dataset`` returns once the
schema has them, or else straight from ``note.parquet`` / ``note.csv`` beside the others —
and their absence is "not recorded in this dataset", never an error.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ontrack.fidelity.course import (
    Alert,
    Contact,
    Course,
    GoalRating,
    Homework,
    Score,
    Supervision,
)
from ontrack.fidelity.notes import NoteClassification, classify_note

OPTIONAL_TABLES = ("note", "supervision", "ending_review")


def read_optional_table(path: str | os.PathLike[str], name: str) -> pa.Table | None:
    """``name``.parquet or ``name``.csv in the dataset directory, or None if absent."""
    folder = Path(path)
    if (folder / f"{name}.parquet").is_file():
        return pq.read_table(folder / f"{name}.parquet")
    if (folder / f"{name}.csv").is_file():
        return pacsv.read_csv(folder / f"{name}.csv")
    return None


def read_fidelity_tables(path: str | os.PathLike[str]) -> dict[str, pa.Table]:
    """The canonical dataset (validated) plus whichever optional tables are present."""
    from ontrack.dataset import read_dataset

    tables = dict(read_dataset(path))
    for name in OPTIONAL_TABLES:
        if name not in tables:
            extra = read_optional_table(path, name)
            if extra is not None:
                tables[name] = extra
    return tables


def classify_note_table(table: pa.Table | None) -> dict[str, NoteClassification] | None:
    """Classify each note of a ``note`` table (several notes on one contact are joined)."""
    if table is None:
        return None
    texts: dict[str, list[str]] = defaultdict(list)
    for contact_id, text in zip(
        table["contact_id"].to_pylist(), table["text"].to_pylist(), strict=True
    ):
        if contact_id is not None and text:
            texts[str(contact_id)].append(str(text))
    return {c: classify_note("\n".join(parts)) for c, parts in texts.items()}


def courses_from_tables(tables: Mapping[str, pa.Table]) -> Iterator[Course]:
    """One ``Course`` per referral with at least one attended treatment contact."""
    contacts = _group(tables["contact"], "referral_id", _contact)
    scores = _group(tables["score"], "referral_id", _score)
    goals = _group(tables["goal_rating"], "referral_id", _goal)
    homework = _group(tables["homework"], "referral_id", _homework)
    alerts = _group(tables["alert"], "referral_id", _alert) if "alert" in tables else None
    notes = classify_note_table(tables.get("note"))
    supervision = (
        _group(tables["supervision"], "referral_id", _supervision)
        if "supervision" in tables
        else None
    )
    reviewed = (
        {str(r) for r in tables["ending_review"]["referral_id"].to_pylist()}
        if "ending_review" in tables
        else None
    )
    for row in tables["referral"].to_pylist():
        rid = row["referral_id"]
        mine = tuple(contacts.get(rid, ()))
        if not any(c.is_treatment for c in mine):
            continue
        ids = {c.contact_id for c in mine}
        yield Course(
            referral_id=rid,
            contacts=mine,
            scores=tuple(scores.get(rid, ())),
            goal_ratings=tuple(goals.get(rid, ())),
            homework=tuple(homework.get(rid, ())),
            problem_descriptor=row["problem_descriptor"],
            imd_decile=row["imd_decile"],
            end_date=row["end_date"],
            end_code=row["end_code"],
            alerts=None if alerts is None else tuple(alerts.get(rid, ())),
            notes=None if notes is None else {c: notes[c] for c in ids if c in notes},
            supervisions=None if supervision is None else tuple(supervision.get(rid, ())),
            ending_reviewed=None if reviewed is None else rid in reviewed,
        )


def _group(table: pa.Table, key: str, build: Any) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in table.to_pylist():
        grouped[str(row[key])].append(build(row))
    return grouped


def _contact(row: dict[str, Any]) -> Contact:
    return Contact(
        row["contact_id"], row["contact_date"], row["app_type"], row["attendance"],
        row["therapist_id"], row["therapy"], row["step"], row["session_number"],
    )  # fmt: skip


def _score(row: dict[str, Any]) -> Score:
    items = None
    if row.get("items"):
        items = tuple(
            None if i.strip() in ("-", "") else int(float(i)) for i in row["items"].split(",")
        )
    return Score(row["contact_id"], row["measure"], float(row["total"]), items)


def _goal(row: dict[str, Any]) -> GoalRating:
    return GoalRating(row["contact_id"], row["goal_number"], row["rating"])


def _homework(row: dict[str, Any]) -> Homework:
    return Homework(
        row["homework_id"], row["set_contact_id"], row["reviewed_contact_id"],
        row["criteria_met"], row["outcome"],
    )  # fmt: skip


def _alert(row: dict[str, Any]) -> Alert:
    return Alert(
        row["alert_id"], row["kind"], row["severity"], row["opened_at"], row["contact_id"],
        row["acknowledged_at"], row["acted_at"], row["closed_at"], row["action"],
    )  # fmt: skip


def _supervision(row: dict[str, Any]) -> Supervision:
    value = row["date"]
    return Supervision(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
