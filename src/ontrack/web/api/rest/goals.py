"""Goals and homework."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from ontrack.web.api.auth import auth_for
from ontrack.web.api.rest.common import (
    IF_MATCH,
    Id,
    PageParams,
    expected_version,
    get_visible,
    page_of,
    paginate,
    responses,
    set_etag,
)
from ontrack.web.api.rest.schemas import GoalChange, GoalIn, GoalOut, HomeworkOut
from ontrack.web.records import actions
from ontrack.web.records.models import Goal, Homework, Referral

goals = Router(tags=["goals"], auth=auth_for("goals"))
homework = Router(tags=["homework"], auth=auth_for("homework"))


@goals.get("", response=responses(page_of(GoalOut)), summary="List goals")
def list_goals(
    request: HttpRequest,
    page: Query[PageParams],
    referral_id: Id | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    queryset = Goal.objects.order_by("referral_id", "number")
    if referral_id is not None:
        queryset = queryset.filter(referral_id=referral_id)
    if status is not None:
        queryset = queryset.filter(status=status)
    return paginate(request, queryset, page)


@goals.get("/{goal_id}", response=responses(GoalOut), summary="Read one goal")
def read_goal(request: HttpRequest, goal_id: Id, response: HttpResponse) -> Goal:
    goal = get_visible(request, Goal.objects.all(), goal_id)
    set_etag(response, goal)
    return goal


@goals.post("", response=responses(GoalOut, 201, write=True), summary="Agree a goal")
def agree_goal(request: HttpRequest, body: GoalIn, response: HttpResponse) -> Status[Any]:
    referral = get_visible(request, Referral.objects.select_related("client"), body.referral_id)
    goal = actions.agree_goal(
        referral=referral,
        description=body.description,
        agreed_on=body.agreed_on,
        by=request.user,  # type: ignore[arg-type]
    )
    set_etag(response, goal)
    return Status(201, goal)


@goals.patch(
    "/{goal_id}",
    response=responses(GoalOut, write=True),
    summary="Change a goal",
    openapi_extra=IF_MATCH,
)
def update_goal(
    request: HttpRequest, goal_id: Id, body: GoalChange, response: HttpResponse
) -> Goal:
    """Mark a goal achieved or dropped, or reword it (``If-Match``: the goal's version)."""
    goal = get_visible(request, Goal.objects.select_related("referral__client"), goal_id)
    updated = actions.update_goal(
        goal=goal,
        expected_version=expected_version(request, goal),
        status=body.status,
        description=body.description,
        by=request.user,  # type: ignore[arg-type]
    )
    set_etag(response, updated)
    return updated


@homework.get("", response=responses(page_of(HomeworkOut)), summary="List homework")
def list_homework(
    request: HttpRequest,
    page: Query[PageParams],
    referral_id: Id | None = None,
    reviewed: bool | None = None,
) -> dict[str, Any]:
    queryset = Homework.objects.order_by("set_contact__contact_date", "pk")
    if referral_id is not None:
        queryset = queryset.filter(referral_id=referral_id)
    if reviewed is not None:
        queryset = queryset.filter(reviewed_contact__isnull=not reviewed)
    return paginate(request, queryset, page)


@homework.get("/{homework_id}", response=responses(HomeworkOut), summary="Read one task")
def read_homework(request: HttpRequest, homework_id: Id, response: HttpResponse) -> Homework:
    item = get_visible(request, Homework.objects.all(), homework_id)
    set_etag(response, item)
    return item
