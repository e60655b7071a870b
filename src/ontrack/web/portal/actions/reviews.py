"""The client's part of the ending review and the patient experience questions (PEQ)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from ontrack.web.audit.events import record_change
from ontrack.web.common.actions import ActionError, check_text
from ontrack.web.pathway.models import EndingReview as PathwayEndingReview
from ontrack.web.portal.experience import questions_for
from ontrack.web.portal.models import EndingReview, ExperienceAnswers, ExperienceStage
from ontrack.web.records import permissions
from ontrack.web.records.models import Referral
from ontrack.web.records.permissions import Actor


@transaction.atomic
def save_ending_review(
    *, referral: Referral, helped: str, did_not_help: str, next_steps: str, by: Actor
) -> EndingReview:
    """Keep the client's own words on what helped, what did not, and what next (once)."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, referral.client_id), "write this ending review"
    )
    errors: dict[str, str] = {}
    texts = {
        "helped": check_text(errors, "helped", helped, limit=4000),
        "did_not_help": check_text(errors, "did_not_help", did_not_help, limit=4000),
        "next_steps": check_text(errors, "next_steps", next_steps, limit=4000),
    }
    if not errors and not any(texts.values()):
        errors["__all__"] = "Write something in at least one of the boxes."
    if EndingReview.unscoped.filter(referral=referral).exists():
        errors["__all__"] = "You have already sent your part of the ending review. Thank you."
    if errors:
        raise ActionError(errors)
    review = EndingReview.unscoped.create(referral=referral, submitted_at=timezone.now(), **texts)
    share_with_ending(referral.pk)
    record_change(
        by=by,
        action="save_ending_review",
        target=review,
        client_id=referral.client_id,
        new={**texts, "referral": referral.pk},
    )
    return review


def share_with_ending(referral_id: int) -> bool:
    """Put the client's part into the pathway's ending review of the referral (the one
    staff read on the referral page), if both exist; say whether it did. Called when the
    client sends their part and when staff record the ending, whichever comes second."""
    mine = EndingReview.unscoped.filter(referral_id=referral_id).first()
    ending = PathwayEndingReview.unscoped.filter(referral_id=referral_id).first()
    if mine is None or ending is None or ending.client_gave_at is not None:
        return False
    ending.client_what_helped = mine.helped
    ending.client_what_did_not = mine.did_not_help
    ending.client_what_next = mine.next_steps
    ending.client_gave_at = mine.submitted_at
    ending.save(
        update_fields=[
            "client_what_helped",
            "client_what_did_not",
            "client_what_next",
            "client_gave_at",
        ]
    )
    return True


@transaction.atomic
def save_experience_answers(
    *, referral: Referral, stage: str, answers: Mapping[str, str], by: Actor
) -> ExperienceAnswers:
    """Keep the PEQ answers for ``stage`` (each question answered, once per stage)."""
    viewer = permissions.actor(by)
    permissions.require(
        permissions.is_the_client(viewer, referral.client_id), "answer these questions"
    )
    errors: dict[str, str] = {}
    if stage not in ExperienceStage.values:
        raise ActionError({"stage": f"{stage!r} is not a stage of the questionnaire."})
    kept: dict[str, str] = {}
    for n, question in enumerate(questions_for(stage), 1):
        value = answers.get(question.code, "")
        if value == "":
            errors[question.code] = f"Answer question {n}."
        elif value not in {code for code, _ in question.answers}:
            errors[question.code] = f"Question {n}: choose one of the answers."
        else:
            kept[question.code] = value
    if ExperienceAnswers.unscoped.filter(referral=referral, stage=stage).exists():
        errors["__all__"] = "You have already answered these questions. Thank you."
    if errors:
        raise ActionError(errors)
    saved = ExperienceAnswers.unscoped.create(
        referral=referral, stage=stage, answers=kept, submitted_at=timezone.now()
    )
    record_change(
        by=by,
        action="save_experience_answers",
        target=saved,
        client_id=referral.client_id,
        new={"stage": stage, "answers": kept},
    )
    return saved
