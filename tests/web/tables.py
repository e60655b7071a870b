"""Tiny hand-built canonical tables for loader and export tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from ontrack.dataset.schema import TABLES

D = dt.date
T = dt.datetime


def table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=TABLES[name].arrow_schema)


def _contact(
    cid: str,
    rid: str,
    tid: str | None,
    day: D,
    app: str,
    att: str,
    n: int | None,
    therapy: str | None = "304891004",
    step: int | None = 3,
) -> dict[str, Any]:
    return {
        "contact_id": cid,
        "referral_id": rid,
        "therapist_id": tid,
        "contact_date": day,
        "app_type": app,
        "attendance": att,
        "cons_mechanism": "01",
        "planned": True,
        "therapy": therapy if att in ("5", "6") and app != "01" else None,
        "step": step,
        "session_number": n,
    }


def tiny_rows() -> dict[str, list[dict[str, Any]]]:
    """One service, two therapists, three referrals (one ended, one never seen)."""
    utc = dt.UTC
    return {
        "service": [{"service_id": "svc1", "name": "Tiny Talking Therapies", "region": "North"}],
        "therapist": [
            {
                "therapist_id": "T1",
                "service_id": "svc1",
                "role": "hi",
                "qualification": "11",
                "gender": "2",
                "caseload_limit": 20,
            },
            {
                "therapist_id": "T2",
                "service_id": "svc1",
                "role": "pwp",
                "qualification": "10",
                "gender": None,
                "caseload_limit": 40,
            },
        ],
        "referral": [
            {
                "referral_id": "R1",
                "person_id": "P1",
                "service_id": "svc1",
                "referral_date": D(2025, 1, 6),
                "source_of_referral": "A1",
                "age": 34,
                "gender": "2",
                "ethnicity": "A",
                "imd_decile": 2,
                "problem_descriptor": "F32",
                "employed": True,
                "end_date": D(2025, 3, 31),
                "end_code": "46",
            },
            {
                "referral_id": "R2",
                "person_id": "P2",
                "service_id": "svc1",
                "referral_date": D(2025, 2, 3),
                "source_of_referral": "B1",
                "age": 51,
                "gender": "1",
                "ethnicity": "N",
                "imd_decile": None,
                "problem_descriptor": "F41.1",
                "employed": None,
                "end_date": None,
                "end_code": None,
            },
            {
                "referral_id": "R3",
                "person_id": "P3",
                "service_id": "svc1",
                "referral_date": D(2025, 3, 3),
                "source_of_referral": None,
                "age": 22,
                "gender": "X",
                "ethnicity": "Z",
                "imd_decile": 9,
                "problem_descriptor": None,
                "employed": False,
                "end_date": None,
                "end_code": None,
            },
        ],
        "contact": [
            _contact("C1", "R1", "T1", D(2025, 1, 20), "01", "5", None, step=None),
            _contact("C2", "R1", "T1", D(2025, 2, 3), "02", "5", 1),
            _contact("C3", "R1", "T1", D(2025, 2, 10), "02", "3", None),
            _contact("C4", "R1", "T1", D(2025, 2, 17), "02", "6", 2),
            _contact("C5", "R2", "T2", D(2025, 2, 20), "01", "5", None, step=None),
            _contact(
                "C6", "R2", "T2", D(2025, 3, 1), "02", "5", 1, therapy="748051000000105", step=2
            ),
        ],
        "score": [
            {
                "contact_id": "C2",
                "referral_id": "R1",
                "measure": "PHQ-9",
                "total": 16.0,
                "items": "2,2,2,2,2,2,2,1,1",
            },
            {
                "contact_id": "C2",
                "referral_id": "R1",
                "measure": "GAD-7",
                "total": 9.0,
                "items": "1,1,1,2,2,1,1",
            },
            {
                "contact_id": "C4",
                "referral_id": "R1",
                "measure": "PHQ-9",
                "total": 8.0,
                "items": "1,1,1,1,1,1,1,1,0",
            },
            {
                "contact_id": "C6",
                "referral_id": "R2",
                "measure": "PHQ-9",
                "total": 9.0,
                "items": "1,1,1,1,1,1,-,1,1",
            },
            {
                "contact_id": "C6",
                "referral_id": "R2",
                "measure": "WSAS",
                "total": 12.0,
                "items": None,
            },
        ],
        "alliance": [
            {
                "contact_id": "C2",
                "referral_id": "R1",
                "measure": "OSR",
                "total": 34.0,
                "items": "9,8,8,9",
            },
            {
                "contact_id": "C4",
                "referral_id": "R1",
                "measure": "OSR",
                "total": 25.0,
                "items": None,
            },
        ],
        "goal_rating": [
            {"contact_id": "C2", "referral_id": "R1", "goal_number": 1, "rating": 2},
            {"contact_id": "C4", "referral_id": "R1", "goal_number": 1, "rating": 6},
            {"contact_id": "C4", "referral_id": "R1", "goal_number": 2, "rating": 3},
        ],
        "homework": [
            {
                "homework_id": "H1",
                "referral_id": "R1",
                "set_contact_id": "C2",
                "reviewed_contact_id": "C4",
                "criteria_met": 4,
                "outcome": "partly",
            },
            {
                "homework_id": "H2",
                "referral_id": "R1",
                "set_contact_id": "C4",
                "reviewed_contact_id": None,
                "criteria_met": 6,
                "outcome": None,
            },
        ],
        "alert": [
            {
                "alert_id": "AL1",
                "referral_id": "R1",
                "contact_id": "C2",
                "kind": "risk",
                "severity": "urgent",
                "opened_at": T(2025, 2, 3, 12, tzinfo=utc),
                "acknowledged_at": T(2025, 2, 3, 13, tzinfo=utc),
                "acted_at": T(2025, 2, 3, 14, tzinfo=utc),
                "closed_at": T(2025, 2, 4, 9, tzinfo=utc),
                "action": "risk_assessment",
            },
            {
                "alert_id": "AL2",
                "referral_id": "R2",
                "contact_id": None,
                "kind": "off_track",
                "severity": "high",
                "opened_at": T(2025, 3, 2, 8, tzinfo=utc),
                "acknowledged_at": None,
                "acted_at": T(2025, 3, 3, 8, tzinfo=utc),
                "closed_at": None,
                "action": "Phoned the client to talk about the plan",
            },
        ],
    }


def tiny_tables(**replace: list[dict[str, Any]]) -> dict[str, pa.Table]:
    rows = tiny_rows()
    rows.update(replace)
    return {name: table(name, r) for name, r in rows.items()}
