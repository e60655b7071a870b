"""The risk rule on plain values: one open risk alert per client, graded, never lost.

``decide_risk_alert`` reads no database (``raise_risk_alert`` loads and writes); a client's
whole history is simulated here as a list of alert states.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import examples

from ontrack.web.records.risk_rule import (
    ACTION_HIGH,
    ACTION_URGENT,
    Finding,
    Review,
    RiskAlertState,
    decide_risk_alert,
    review_outcome,
    review_problems,
    severity_of,
)

SEVERAL = Finding(1, "PHQ-9 item 9 answered 1 (Several days) at the session on 02 Mar 2026.")
HALF = Finding(2, "PHQ-9 item 9 answered 2 (More than half the days) at the session on 09 Mar.")
EVERY = Finding(3, "PHQ-9 item 9 answered 3 (Nearly every day) at the session on 16 Mar 2026.")
BLANK = Finding(0, "PHQ-9 risk item left unanswered at the session on 23 Mar 2026.")


def _state(alert_id: int, decision: object, closed: bool = False) -> RiskAlertState:
    return RiskAlertState(
        alert_id,
        f"A{alert_id}",
        decision.level,  # type: ignore[attr-defined]
        decision.reasons,  # type: ignore[attr-defined]
        closed,
        dt.date(2026, 3, 20) if closed else None,
    )


def test_grades_follow_the_answer() -> None:
    assert [severity_of(f.level) for f in (BLANK, SEVERAL, HALF, EVERY)] == [
        "high",
        "urgent",
        "urgent",
        "urgent",
    ]


def test_first_finding_opens_an_alert_headed_by_it() -> None:
    decision = decide_risk_alert([SEVERAL], [])
    assert decision is not None
    assert decision.opens
    assert (decision.severity, decision.level) == ("urgent", 1)
    assert decision.reasons == (SEVERAL.sentence, ACTION_URGENT)


def test_a_worse_answer_updates_the_same_alert_and_heads_it() -> None:
    opened = decide_risk_alert([SEVERAL], [])
    assert opened is not None
    decision = decide_risk_alert([EVERY], [_state(1, opened)])
    assert decision is not None
    assert decision.alert_id == 1
    assert (decision.severity, decision.level) == ("urgent", 3)
    assert decision.reasons == (EVERY.sentence, SEVERAL.sentence, ACTION_URGENT)


def test_a_milder_answer_never_lowers_the_grade_or_the_headline() -> None:
    opened = decide_risk_alert([EVERY], [])
    assert opened is not None
    decision = decide_risk_alert([SEVERAL], [_state(1, opened)])
    assert decision is not None
    assert (decision.severity, decision.level) == ("urgent", 3)
    assert decision.reasons == (EVERY.sentence, SEVERAL.sentence, ACTION_URGENT)


def test_the_same_finding_twice_changes_nothing_even_after_closing() -> None:
    opened = decide_risk_alert([HALF], [])
    assert opened is not None
    assert decide_risk_alert([HALF], [_state(1, opened)]) is None
    assert decide_risk_alert([HALF], [_state(1, opened, closed=True)]) is None


def test_a_new_finding_after_a_review_opens_a_new_alert_that_names_the_old_one() -> None:
    opened = decide_risk_alert([HALF], [])
    assert opened is not None
    decision = decide_risk_alert([SEVERAL], [_state(7, opened, closed=True)])
    assert decision is not None
    assert decision.opens
    assert decision.follows == 7
    assert decision.reasons[0] == SEVERAL.sentence
    assert "Follows risk alert A7, closed on 20 Mar 2026" in decision.reasons[1]
    assert decision.severity == "urgent"


def test_review_closes_only_when_complete_and_not_high() -> None:
    day = dt.date(2026, 3, 2)
    complete = Review(day, True, True, True, False, "low risk")
    assert review_outcome(complete) == "close"
    assert review_outcome(dataclasses.replace(complete, high_risk=True)) == "keep open"
    partial = dataclasses.replace(complete, asked_directly=False, crisis_contacts=False)
    assert set(review_problems(partial)) == {"asked_directly", "crisis_contacts"}
    assert review_outcome(partial) == "keep open"


_findings = st.builds(
    Finding,
    level=st.integers(0, 3),
    sentence=st.sampled_from([f"finding {n}." for n in range(8)]),
)
_steps = st.lists(
    st.one_of(st.lists(_findings, min_size=1, max_size=3), st.just("review")),
    max_size=12,
)


@settings(max_examples=examples(200), deadline=None)
@given(steps=_steps)
def test_a_clients_history_keeps_one_open_alert_whose_grade_and_headline_agree(
    steps: list[list[Finding] | str],
) -> None:
    alerts: list[RiskAlertState] = []
    seen: dict[str, int] = {}
    for step in steps:
        if step == "review":
            alerts = [dataclasses.replace(a, closed=True) for a in alerts]
            continue
        assert isinstance(step, list)
        decision = decide_risk_alert(step, alerts)
        fresh = [f for f in step if f.sentence not in seen]
        assert (decision is None) == (not fresh)
        for f in step:
            seen.setdefault(f.sentence, f.level)
        if decision is None:
            continue
        state = _state(decision.alert_id or len(alerts) + 1, decision)
        if decision.opens:
            alerts.append(state)
        else:
            alerts = [state if a.id == decision.alert_id else a for a in alerts]
        # Never more than one open; every finding is on some alert.
        assert sum(not a.closed for a in alerts) == 1
        assert set(seen) <= {r for a in alerts for r in a.reasons}
        current = next(a for a in alerts if not a.closed)
        # The badge (severity from the level) and the headline agree: the headline is a
        # finding at the alert's level, the worst since it opened.
        assert current.level == seen[current.reasons[0]]
        findings_on_it = [r for r in current.reasons if r in seen]
        assert current.level == max(seen[r] for r in findings_on_it)
        assert current.reasons[-1] == (ACTION_URGENT if current.level >= 1 else ACTION_HIGH)
        assert len(current.reasons) == len(set(current.reasons))
