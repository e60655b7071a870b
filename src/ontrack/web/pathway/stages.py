"""Where a referral stands in the pathway, and what comes next, in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models

from ontrack.pathway import WaitClocks, wait_clocks

# Treatment sessions after which the ending is planned (NICE ranges: up to about 6-8 low
# intensity sessions, 12-20 high intensity); "ending" is a prompt, not a rule.
ENDING_AFTER = {2: 6, 3: 12}


class Stage(models.TextChoices):
    NEW = "new", "New referral: not assessed yet"
    ASSESSED = "assessed", "Assessed"
    WAITING = "waiting", "Waiting for treatment"
    IN_TREATMENT = "treatment", "In treatment"
    ENDING = "ending", "In treatment: time to plan the ending"
    ENDED = "ended", "Ended"


NEXT_STEP = {
    Stage.NEW: "Assess: measures, risk and safety plan, circumstances, preferences, decision.",
    Stage.ASSESSED: "Decide the next step: offer treatment, signpost or refer elsewhere.",
    Stage.WAITING: "Allocate a therapist; check in while they wait (waiting well).",
    Stage.IN_TREATMENT: "Book and record sessions; change course if it is not working.",
    Stage.ENDING: "Plan the ending with the client: review, relapse plan, end code, letter.",
    Stage.ENDED: "Nothing due. Follow-up contacts can still be recorded.",
}


@dataclass(frozen=True)
class Standing:
    """A referral's stage, its next step and its clocks."""

    stage: Stage
    next_step: str
    clocks: WaitClocks


def standing(
    *,
    referral_date: dt.date,
    ended_on: dt.date | None,
    assessed_on: dt.date | None,
    waiting: bool,
    in_treatment: bool,
    step: int | None,
    treatment_dates: list[dt.date],
    recovered: bool = False,
    today: dt.date,
) -> Standing:
    """Return where a referral stands, from what the records say about it."""
    if ended_on is not None:
        stage = Stage.ENDED
    elif in_treatment:
        done = len(treatment_dates)
        stage = (
            Stage.ENDING
            if recovered or done >= ENDING_AFTER.get(step or 3, 12)
            else Stage.IN_TREATMENT
        )
    elif waiting:
        stage = Stage.WAITING
    elif assessed_on is not None:
        stage = Stage.ASSESSED
    else:
        stage = Stage.NEW
    first = treatment_dates[0] if treatment_dates else None
    second = treatment_dates[1] if len(treatment_dates) > 1 else None
    clocks = wait_clocks(
        referral_date=referral_date,
        today=today,
        assessed_on=assessed_on,
        first_treatment=first,
        second_treatment=second,
        ended_on=ended_on,
    )
    return Standing(stage, NEXT_STEP[stage], clocks)
