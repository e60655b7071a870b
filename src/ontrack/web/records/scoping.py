"""Who may see which client records: the one place where scope is decided and enforced.

Every clinical model's default manager (``Model.objects``) filters to the records the
current viewer may see, and *raises* ``ScopeError`` when no viewer is in force, so a query
that forgets its scope fails loudly in a test instead of leaking (the pretix pattern). The
``ScopeMiddleware`` puts every request inside ``scope(request.user)``; trusted code that
must see everything (actions after their permission check, the loader, the export,
management commands) says so with ``scopes_disabled()`` or the explicit ``Model.unscoped``.

The rules:

- a therapist sees the clients with an episode of care assigned to them, the clients
  they assessed, and the clients with an appointment booked with them;
- staff flagged as doing triage (``Staff.triage``) also see everyone waiting: each client
  with an open referral and no open episode (the intake queue and the waiting list);
- a supervisor sees what their current supervisees see, and their own caseload;
- a service manager sees every client of their service;
- an administrator (service configuration) and anyone else sees no client records;
- a client sees only themselves;
- nobody sees another service's clients.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

if TYPE_CHECKING:
    from ontrack.web.accounts.models import Staff

M = TypeVar("M", bound=models.Model)


class ScopeError(RuntimeError):
    """A clinical record was queried with no viewer in force and scoping not disabled."""


class ViewerKind(StrEnum):
    """The kind of person looking, as far as client records are concerned."""

    ANONYMOUS = "anonymous"
    CLIENT = "client"
    THERAPIST = "therapist"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"
    NONE = "none"  # signed in, but neither staff nor client: sees nothing


@dataclass
class Viewer:
    """The signed-in person resolved once per request: their kind, staff record and service."""

    user: AbstractBaseUser | AnonymousUser
    kind: ViewerKind
    staff: Staff | None = None
    client_id: int | None = None
    _supervisee_ids: frozenset[int] | None = field(default=None, repr=False)
    _clients: models.QuerySet[Any] | None = field(default=None, repr=False)

    @property
    def service_id(self) -> int | None:
        return self.staff.service_id if self.staff is not None else None

    @property
    def is_staff_member(self) -> bool:
        return self.staff is not None

    def supervisee_ids(self) -> frozenset[int]:
        """Return the ids of staff this viewer currently supervises (one query, cached)."""
        if self._supervisee_ids is None:
            if self.staff is None or self.kind != ViewerKind.SUPERVISOR:
                self._supervisee_ids = frozenset()
            else:
                from ontrack.web.accounts.models import Supervision

                self._supervisee_ids = frozenset(
                    _current(Supervision.objects.filter(supervisor_id=self.staff.pk)).values_list(
                        "supervisee_id", flat=True
                    )
                )
        return self._supervisee_ids

    @property
    def does_triage(self) -> bool:
        """Managers, and staff flagged as doing triage, work the intake queue and waiting list."""
        if self.kind == ViewerKind.MANAGER:
            return True
        return (
            self.staff is not None
            and self.kind
            in (
                ViewerKind.THERAPIST,
                ViewerKind.SUPERVISOR,
            )
            and bool(self.staff.triage)
        )

    def therapist_ids(self) -> frozenset[int]:
        """Return the ids of staff whose caseloads this viewer sees."""
        if self.staff is None or self.kind not in (ViewerKind.THERAPIST, ViewerKind.SUPERVISOR):
            return frozenset()
        return self.supervisee_ids() | {self.staff.pk}


def _current(supervisions: models.QuerySet[Any]) -> models.QuerySet[Any]:
    today = timezone.localdate()
    return supervisions.filter(started_on__lte=today).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    )


def viewer_for(user: AbstractBaseUser | AnonymousUser) -> Viewer:
    """Resolve who ``user`` is for scoping (at most two queries, then cached on the user)."""
    cached: Viewer | None = getattr(user, "_ontrack_viewer", None)
    if cached is not None:
        return cached
    viewer = _resolve(user)
    if user.is_authenticated:
        setattr(user, "_ontrack_viewer", viewer)  # noqa: B010 - a cache, not a field
    return viewer


def _resolve(user: AbstractBaseUser | AnonymousUser) -> Viewer:
    from ontrack.web.accounts.models import Staff, StaffRole
    from ontrack.web.records.models import Client

    if not user.is_authenticated or not user.is_active:
        return Viewer(user=user, kind=ViewerKind.ANONYMOUS)
    staff = Staff.objects.select_related("service").filter(user_id=user.pk).first()
    if staff is not None:
        kind = {
            StaffRole.THERAPIST: ViewerKind.THERAPIST,
            StaffRole.SUPERVISOR: ViewerKind.SUPERVISOR,
            StaffRole.MANAGER: ViewerKind.MANAGER,
            StaffRole.ADMIN: ViewerKind.ADMIN,
        }[StaffRole(staff.role)]
        return Viewer(user=user, kind=kind, staff=staff)
    client_id = Client.unscoped.filter(user_id=user.pk).values_list("pk", flat=True).first()
    if client_id is not None:
        return Viewer(user=user, kind=ViewerKind.CLIENT, client_id=client_id)
    return Viewer(user=user, kind=ViewerKind.NONE)


def visible_clients(viewer: Viewer) -> Q | None:
    """Return the condition on ``Client`` for what ``viewer`` may see; None = nothing."""
    if viewer.kind == ViewerKind.CLIENT and viewer.client_id is not None:
        return Q(pk=viewer.client_id)
    if viewer.kind in (ViewerKind.THERAPIST, ViewerKind.SUPERVISOR) and viewer.staff is not None:
        return Q(service_id=viewer.service_id) & _staff_clients(viewer)
    if viewer.kind == ViewerKind.MANAGER and viewer.staff is not None:
        return Q(service_id=viewer.service_id)
    return None


def _staff_clients(viewer: Viewer) -> Q:
    """The clients a therapist or supervisor works with (see the rules above)."""
    from ontrack.web.common.codes import EpisodeStatus
    from ontrack.web.records.models import Appointment, Assessment, Episode, Referral

    ids = viewer.therapist_ids()
    condition = (
        Q(pk__in=Episode.unscoped.filter(therapist_id__in=ids).values("referral__client_id"))
        | Q(pk__in=Assessment.unscoped.filter(assessor_id__in=ids).values("referral__client_id"))
        | Q(pk__in=Appointment.unscoped.filter(staff_id__in=ids).values("referral__client_id"))
    )
    if viewer.does_triage and viewer.service_id is not None:
        waiting = Referral.unscoped.filter(
            end_date__isnull=True, client__service_id=viewer.service_id
        ).exclude(episodes__status=EpisodeStatus.OPEN)
        condition |= Q(pk__in=waiting.values("client_id"))
    return condition


def _visible_client_ids(viewer: Viewer) -> models.QuerySet[Any] | None:
    """The ids of the clients ``viewer`` sees, as a lazy subquery built once per viewer
    (building it costs more than running it; Django copies it into each query)."""
    from ontrack.web.records.models import Client

    if viewer._clients is None:
        condition = visible_clients(viewer)
        if condition is None:
            return None
        viewer._clients = Client.unscoped.filter(condition).values("pk")
    return viewer._clients


def restrict(queryset: models.QuerySet[M], viewer: Viewer) -> models.QuerySet[M]:
    """Filter a query set of a clinical model to what ``viewer`` may see."""
    clients = _visible_client_ids(viewer)
    if clients is None:
        return queryset.none()
    path: str = queryset.model.client_path  # type: ignore[attr-defined]
    return queryset.filter(**{f"{path}__in" if path else "pk__in": clients})


class _Disabled:
    """Marker: scoping is deliberately off (trusted code)."""


_DISABLED = _Disabled()


@dataclass
class _Scope:
    user: AbstractBaseUser | AnonymousUser

    @property
    def viewer(self) -> Viewer:
        return viewer_for(self.user)


_state: ContextVar[_Scope | _Disabled | None] = ContextVar("ontrack_scope", default=None)


@contextlib.contextmanager
def scope(user: AbstractBaseUser | AnonymousUser) -> Iterator[None]:
    """Run the block as ``user``: clinical queries see only that user's records."""
    token = _state.set(_Scope(user))
    try:
        yield
    finally:
        _state.reset(token)


@contextlib.contextmanager
def scopes_disabled() -> Iterator[None]:
    """Run the block as trusted code that sees every record (actions, loader, export)."""
    token = _state.set(_DISABLED)
    try:
        yield
    finally:
        _state.reset(token)


def current_viewer() -> Viewer | None:
    """Return the viewer in force, or None outside a user scope."""
    state = _state.get()
    return state.viewer if isinstance(state, _Scope) else None


class ScopedManager(models.Manager[M]):
    """Default manager of clinical models: filtered to the viewer, or an error if none."""

    def get_queryset(self) -> models.QuerySet[M]:
        state = _state.get()
        queryset = super().get_queryset()
        if isinstance(state, _Disabled):
            return queryset
        if state is None:
            raise ScopeError(
                f"{self.model.__name__} was queried outside a scope: wrap the code in "
                "scope(user) or, for trusted code, scopes_disabled(), or use .unscoped"
            )
        return restrict(queryset, state.viewer)


class ScopedModel(models.Model):
    """Base of every model that holds client data.

    ``client_path`` is the lookup from the model to its ``Client`` ("" for Client itself).
    """

    client_path: ClassVar[str]

    objects = ScopedManager()
    unscoped = models.Manager()  # noqa: DJ012 - a manager, declared after the default one

    class Meta:
        abstract = True


class ScopeMiddleware:
    """Run every request inside the signed-in user's scope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with scope(request.user):
            return self.get_response(request)


def today() -> dt.date:
    """Return today's date in the service's time zone."""
    return timezone.localdate()
