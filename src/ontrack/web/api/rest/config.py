"""Service configuration (staff, teams, measure definitions) and who is calling."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from ontrack.measures import all_measures
from ontrack.measures.response import slug
from ontrack.web.accounts.models import Staff, Team
from ontrack.web.api.auth import SessionAuth, TokenAuth, auth_for
from ontrack.web.api.models import ApiToken
from ontrack.web.api.rest.common import PageParams, page_of, paginate, responses
from ontrack.web.api.rest.schemas import MeasureOut, MeOut, StaffOut, TeamOut
from ontrack.web.records import permissions
from ontrack.web.records.scoping import Viewer, viewer_for

staff = Router(tags=["service configuration"], auth=auth_for("staff"))
teams = Router(tags=["service configuration"], auth=auth_for("teams"))
measures = Router(tags=["service configuration"], auth=auth_for("measures"))
me = Router(tags=["service configuration"])


def _staff_viewer(request: HttpRequest) -> Viewer:
    viewer = viewer_for(request.user)
    permissions.require(viewer.staff is not None, "read service configuration")
    return viewer


@staff.get("", response=responses(page_of(StaffOut)), summary="List your service's staff")
def list_staff(
    request: HttpRequest, page: Query[PageParams], role: str | None = None
) -> dict[str, Any]:
    viewer = _staff_viewer(request)
    queryset = Staff.objects.select_related("user").filter(service_id=viewer.service_id or 0)
    if role is not None:
        queryset = queryset.filter(role=role)
    return paginate(request, queryset.order_by("pk"), page)


@teams.get("", response=responses(page_of(TeamOut)), summary="List your service's teams")
def list_teams(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    viewer = _staff_viewer(request)
    return paginate(
        request, Team.objects.filter(service_id=viewer.service_id or 0).order_by("pk"), page
    )


@measures.get("", response=responses(list[MeasureOut]), summary="List measure definitions")
def list_measures(request: HttpRequest) -> list[dict[str, Any]]:
    """Every questionnaire OnTrack scores, with its licence and LOINC codes (no wording:
    the FHIR Questionnaire carries the wording where the licence allows it)."""
    return [
        {
            "code": m.code,
            "name": m.name,
            "kind": m.kind.value,
            "items": m.n_items,
            "min": m.min,
            "max": m.max,
            "wording_shipped": m.has_text,
            "licence": m.licence,
            "risk_items": list(m.risk_items),
            "loinc_panel": m.fhir.panel_loinc,
            "loinc_total": m.fhir.total_loinc,
            "fhir_questionnaire": f"/fhir/Questionnaire/{slug(m)}",
        }
        for m in all_measures()
    ]


class _AnyResource(TokenAuth):
    """Any valid token may ask who it is."""

    def __init__(self) -> None:
        super().__init__("")

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found: ApiToken | None = getattr(request, "api_token", None)
        return found


@me.get(
    "", response=responses(MeOut), summary="Who is calling", auth=[_AnyResource(), SessionAuth()]
)
def who_am_i(request: HttpRequest) -> dict[str, Any]:
    """The person the request acts as, and the token's scopes if a token was used."""
    viewer = viewer_for(request.user)
    token: ApiToken | None = getattr(request, "api_token", None)
    return {
        "username": request.user.get_username(),
        "kind": viewer.kind.value,
        "service_id": viewer.service_id,
        "staff_id": viewer.staff.pk if viewer.staff is not None else None,
        "via": "token" if token else "session",
        "token_name": token.name if token else None,
        "scopes": list(token.scopes) if token else [],
        "resources": list(token.resources) if token else [],
    }
