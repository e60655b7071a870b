"""Spec tests: each structured criterion on tiny hand-made courses."""

from __future__ import annotations

import datetime as dt

import pytest

from ontrack.fidelity import (
    Alert,
    Contact,
    Course,
    GoalRating,
    Homework,
    Score,
    Status,
    Supervision,
    audit_course,
    classify_note,
)

CBT = "304891004"
COUNSELLING = "286711000000107"
D0 = dt.date(2025, 1, 6)
MET, NOT_MET = Status.MET, Status.NOT_MET
NA, NOT_RECORDED = Status.NOT_APPLICABLE, Status.NOT_RECORDED


def sessions(n: int, therapy: str = CBT, step: int = 3) -> tuple[Contact, ...]:
    """An assessment then ``n`` weekly attended treatment sessions, C0 .. Cn."""
    first = Contact("C0", D0, "01", "5")
    treatment = (
        Contact(f"C{i}", D0 + dt.timedelta(weeks=i), "02", "5", "T1", therapy, step, i)
        for i in range(1, n + 1)
    )
    return (first, *treatment)


def scores(
    contacts: tuple[Contact, ...], phq: list[float] | None = None, **extra: float
) -> tuple[Score, ...]:
    out = []
    for i, c in enumerate(contacts):
        total = phq[i] if phq else 10.0
        out.append(Score(c.contact_id, "PHQ-9", total, (1, 1, 1, 1, 1, 1, 1, 1, 0)))
        out.append(Score(c.contact_id, "GAD-7", 8.0))
        for measure, value in extra.items():
            out.append(Score(c.contact_id, measure.replace("_", "-"), value))
    return tuple(out)


def status(course: Course, criterion: str) -> Status:
    return audit_course(course).status(criterion)


def test_measures_every_contact_met_and_missing() -> None:
    contacts = sessions(3)
    full = Course("R1", contacts, scores(contacts))
    gap = Course("R1", contacts, scores(contacts)[:-2])

    assert status(full, "measures_every_contact") is MET
    assert status(gap, "measures_every_contact") is NOT_MET


def test_measures_every_contact_needs_paired_adsm() -> None:
    contacts = sessions(2)
    course = Course("R1", contacts, scores(contacts), problem_descriptor="F40.1")

    check = next(c for c in audit_course(course).checks if c.criterion == "measures_every_contact")

    assert check.status is NOT_MET
    assert "SPIN" in check.evidence[0].value


def test_wsas_start_end_on_an_ended_course() -> None:
    contacts = sessions(3)
    both = scores((contacts[0], contacts[3]), WSAS=12.0) + scores(contacts[1:3])
    start_only = scores(contacts[:1], WSAS=12.0) + scores(contacts[1:])
    ended = {"end_date": D0 + dt.timedelta(weeks=4), "end_code": "46"}

    assert status(Course("R1", contacts, both, **ended), "wsas_start_end") is MET
    assert status(Course("R1", contacts, start_only, **ended), "wsas_start_end") is NOT_MET


def test_goals_agreed_by_session_two() -> None:
    contacts = sessions(4)
    early = (GoalRating("C2", 1, 3),)
    late = (GoalRating("C4", 1, 3),)

    assert status(Course("R1", contacts, goal_ratings=early), "goals_agreed") is MET
    assert status(Course("R1", contacts, goal_ratings=late), "goals_agreed") is NOT_MET


def test_goals_agreed_from_the_note() -> None:
    contacts = sessions(3)
    notes = {"C1": classify_note("Agreed two goals: back to work, walking the dog.")}

    assert status(Course("R1", contacts, notes=notes), "goals_agreed") is MET


def test_goals_rated_every_session_since_agreed() -> None:
    contacts = sessions(3)
    all_rated = tuple(GoalRating(f"C{i}", 1, i) for i in (1, 2, 3))

    assert status(Course("R1", contacts, goal_ratings=all_rated), "goals_rated") is MET
    assert status(Course("R1", contacts, goal_ratings=all_rated[:2]), "goals_rated") is NOT_MET
    assert status(Course("R1", contacts), "goals_rated") is NA


def test_homework_set_share_of_sessions() -> None:
    contacts = sessions(5)
    often = tuple(Homework(f"H{i}", f"C{i}", f"C{i + 1}", 6) for i in (1, 2, 3))
    once = (Homework("H1", "C1", "C2", 6),)

    assert status(Course("R1", contacts, homework=often), "homework_set") is MET
    assert status(Course("R1", contacts, homework=once), "homework_set") is NOT_MET


def test_homework_not_applicable_in_counselling() -> None:
    contacts = sessions(5, COUNSELLING)

    assert status(Course("R1", contacts), "homework_set") is NA


def test_homework_criteria_all_six_or_from_note() -> None:
    contacts = sessions(3)
    partial = (Homework("H1", "C1", "C2", 3),)
    notes = {
        "C1": classify_note(
            "Agreed to walk for 20 minutes each morning to test the prediction that she is too "
            "tired; if it rains she will use the treadmill. She will rate mood 0-10 after each walk."
        )
    }

    assert (
        status(
            Course("R1", contacts, homework=(Homework("H1", "C1", "C2", 6),)), "homework_criteria"
        )
        is MET
    )
    assert status(Course("R1", contacts, homework=partial), "homework_criteria") is NOT_MET
    assert status(Course("R1", contacts, homework=partial, notes=notes), "homework_criteria") is MET


def test_homework_written_needs_notes() -> None:
    contacts = sessions(3)
    homework = (Homework("H1", "C1", "C2", 6),)
    written = {"C1": classify_note("HW: thought record daily, sheet given.")}
    unwritten = {"C1": classify_note("HW: thought record daily.")}

    assert status(Course("R1", contacts, homework=homework), "homework_written") is NOT_RECORDED
    assert (
        status(Course("R1", contacts, homework=homework, notes=written), "homework_written") is MET
    )
    assert (
        status(Course("R1", contacts, homework=homework, notes=unwritten), "homework_written")
        is NOT_MET
    )


def test_homework_reviewed_at_next_session() -> None:
    contacts = sessions(4)
    on_time = (Homework("H1", "C1", "C2", 6),)
    late = (Homework("H1", "C1", "C3", 6),)

    assert status(Course("R1", contacts, homework=on_time), "homework_reviewed") is MET
    assert status(Course("R1", contacts, homework=late), "homework_reviewed") is NOT_MET


def _alert(kind: str, severity: str, ack_days: float | None, act_days: float | None) -> Alert:
    opened = dt.datetime(2025, 1, 13, 10, tzinfo=dt.UTC)
    return Alert(
        "A1", kind, severity, opened, "C1",
        None if ack_days is None else opened + dt.timedelta(days=ack_days),
        None if act_days is None else opened + dt.timedelta(days=act_days),
    )  # fmt: skip


def test_alerts_acknowledged_and_acted_in_time() -> None:
    contacts = sessions(6)
    prompt = Course("R1", contacts, alerts=(_alert("off_track", "high", 1, 2),))
    slow = Course("R1", contacts, alerts=(_alert("off_track", "high", 5, None),))

    assert status(prompt, "alerts_acknowledged") is MET
    assert status(prompt, "alerts_acted_on") is MET
    assert status(slow, "alerts_acknowledged") is NOT_MET
    assert status(slow, "alerts_acted_on") is NOT_MET
    assert status(Course("R1", contacts), "alerts_acknowledged") is NOT_RECORDED


def test_risk_responded_by_alert_or_note() -> None:
    contacts = sessions(3)
    risky = (Score("C1", "PHQ-9", 15.0, (2, 2, 2, 2, 2, 2, 1, 1, 1)),)
    acted = (_alert("risk", "urgent", 0.1, 0.5),)
    note = {
        "C1": classify_note("Passive thoughts of death, no plan or intent; safety plan updated.")
    }

    assert status(Course("R1", contacts, risky, alerts=acted), "risk_responded") is MET
    assert status(Course("R1", contacts, risky, notes=note), "risk_responded") is MET
    assert status(Course("R1", contacts, risky, alerts=()), "risk_responded") is NOT_MET
    assert status(Course("R1", contacts, risky), "risk_responded") is NOT_RECORDED
    assert status(Course("R1", contacts, alerts=()), "risk_responded") is NA


@pytest.mark.parametrize(
    ("n", "end_code", "expected"),
    [(16, "46", MET), (25, "46", NOT_MET), (5, "47", NOT_MET), (5, "46", MET)],
)
def test_sessions_in_range_for_cbt_depression(n: int, end_code: str, expected: Status) -> None:
    course = Course(
        "R1",
        sessions(n),
        problem_descriptor="F32",
        end_date=D0 + dt.timedelta(weeks=n + 1),
        end_code=end_code,
    )

    assert status(course, "sessions_in_range") is expected


def test_change_after_no_improvement() -> None:
    stuck = sessions(9)
    stepped = stuck[:7] + tuple(
        Contact(f"C{i}", D0 + dt.timedelta(weeks=i), "02", "5", "T2", "443730003", 3, i)
        for i in (7, 8, 9)
    )
    flat = [16.0] * 10
    improving = [16.0, 15, 12, 9, 8, 7, 6, 6, 6, 6]

    assert (
        status(Course("R1", stuck, scores(stuck, flat)), "change_after_no_improvement") is NOT_MET
    )
    assert (
        status(Course("R1", stepped, scores(stepped, flat)), "change_after_no_improvement") is MET
    )
    assert (
        status(Course("R1", stuck, scores(stuck, improving)), "change_after_no_improvement") is NA
    )


def test_supervision_of_off_track_courses() -> None:
    contacts = sessions(6)
    alerts = (_alert("off_track", "high", 1, 2),)
    soon = (Supervision(dt.date(2025, 1, 20)),)

    assert status(Course("R1", contacts, alerts=alerts), "supervision_off_track") is NOT_RECORDED
    assert (
        status(Course("R1", contacts, alerts=alerts, supervisions=soon), "supervision_off_track")
        is MET
    )
    assert (
        status(Course("R1", contacts, alerts=alerts, supervisions=()), "supervision_off_track")
        is NOT_MET
    )


def test_supervision_not_judged_while_its_window_is_open() -> None:
    contacts = sessions(6)
    alerts = (_alert("off_track", "high", 1, 2),)
    opened = alerts[0].opened_at
    early = opened + dt.timedelta(days=5)
    late = opened + dt.timedelta(days=20)
    course = Course("R1", contacts, alerts=alerts, supervisions=())
    assert audit_course(course, as_of=early).status("supervision_off_track") is NA
    assert audit_course(course, as_of=late).status("supervision_off_track") is NOT_MET


def test_ending_code_and_review() -> None:
    contacts = sessions(3)
    end = D0 + dt.timedelta(weeks=4)

    assert status(Course("R1", contacts, end_date=end, end_code="46"), "ending_recorded") is MET
    assert status(Course("R1", contacts, end_date=end), "ending_recorded") is NOT_MET
    assert (
        status(Course("R1", contacts, end_date=end, end_code="46"), "ending_review") is NOT_RECORDED
    )
    assert (
        status(
            Course("R1", contacts, end_date=end, end_code="46", ending_reviewed=True),
            "ending_review",
        )
        is MET
    )
    assert status(Course("R1", contacts), "ending_recorded") is NA


def test_risk_responded_by_the_clients_one_alert_open_over_a_later_answer() -> None:
    # One risk alert per client (ADR 0120): opened at C1, updated by C2's answer (its
    # contact moves to C2), closed by a risk review; C1's answer is answered by it too.
    contacts = sessions(3)
    risky = tuple(Score(c, "PHQ-9", 15.0, (2, 2, 2, 2, 2, 2, 1, 1, 2)) for c in ("C1", "C2"))
    c1, c2 = (dt.datetime.combine(c.date, dt.time(17), tzinfo=dt.UTC) for c in contacts[1:3])
    reviewed = c2 + dt.timedelta(days=1)
    hours = c1 + dt.timedelta(hours=16)
    one = Alert("A1", "risk", "urgent", c1, "C2", hours, hours, reviewed)
    assert status(Course("R1", contacts, risky, alerts=(one,)), "risk_responded") is MET
    late = Alert("A1", "risk", "urgent", c1, "C2", None, None, c2 + dt.timedelta(days=9))
    assert status(Course("R1", contacts, risky, alerts=(late,)), "risk_responded") is NOT_MET
