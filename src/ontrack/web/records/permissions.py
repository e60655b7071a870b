"""What a viewer may do to a record, on top of what they may see (``scoping``).

Views call these to decide which buttons to show and actions call them again with the
actor, so an action refuses a caller who skipped the view.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from ontrack.web.accounts.models import User
from ontrack.web.records.models import Client, Contact, Episode
from ontrack.web.records.scoping import Viewer, ViewerKind, restrict, viewer_for

CLINICAL = frozenset({ViewerKind.THERAPIST, ViewerKind.SUPERVISOR, ViewerKind.MANAGER})


def sees_client(viewer: Viewer, client: Client) -> bool:
    """Say whether ``viewer`` may see ``client`` (one query)."""
    return restrict(Client.unscoped.filter(pk=client.pk), viewer).exists()


def can_record_session(viewer: Viewer, episode: Episode) -> bool:
    """The episode's therapist, or their current supervisor, may record its sessions."""
    if viewer.kind not in (ViewerKind.THERAPIST, ViewerKind.SUPERVISOR) or viewer.staff is None:
        return False
    return episode.is_open and episode.therapist_id in viewer.therapist_ids()


def can_supervise(viewer: Viewer, episode: Episode) -> bool:
    """A supervisor writes supervision notes on their current supervisees' episodes."""
    if viewer.kind != ViewerKind.SUPERVISOR or viewer.staff is None:
        return False
    return episode.therapist_id in viewer.supervisee_ids()


def can_edit_client(viewer: Viewer, client: Client) -> bool:
    """Clinical staff who can see the client may edit their details, goals and homework."""
    return viewer.kind in CLINICAL and sees_client(viewer, client)


def can_manage_alerts(viewer: Viewer, client: Client) -> bool:
    """Clinical staff who can see the client may acknowledge, act on and close its alerts."""
    return viewer.kind in CLINICAL and sees_client(viewer, client)


def can_escalate_concerns(viewer: Viewer, client: Client) -> bool:
    """Supervisors and managers who can see the client take concerns through their steps."""
    return viewer.kind in (ViewerKind.SUPERVISOR, ViewerKind.MANAGER) and sees_client(
        viewer, client
    )


def can_take_concern(viewer: Viewer, client: Client, addressed_to: str) -> bool:
    """Who acknowledges and resolves a concern: supervisors and managers who see the client,
    and the therapist for a concern the client addressed to them."""
    if can_escalate_concerns(viewer, client):
        return True
    return (
        addressed_to == "therapist"
        and viewer.kind == ViewerKind.THERAPIST
        and sees_client(viewer, client)
    )


def is_the_client(viewer: Viewer, client_id: int) -> bool:
    """Whether the viewer is this client (signed in, or holding one of their links)."""
    return viewer.kind == ViewerKind.CLIENT and viewer.client_id == client_id


def can_raise_concern(viewer: Viewer, client: Client) -> bool:
    """The client themselves, or clinical staff on their behalf."""
    if viewer.kind == ViewerKind.CLIENT:
        return viewer.client_id == client.pk
    return viewer.kind in CLINICAL and sees_client(viewer, client)


def can_register_clients(viewer: Viewer, service_id: int) -> bool:
    """Clinical staff of a service may register its clients and referrals."""
    return viewer.kind in CLINICAL and viewer.service_id == service_id


def require(allowed: bool, what: str) -> None:
    """Raise ``PermissionDenied`` naming what was refused unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(f"You may not {what}.")


class ClientLink(AnonymousUser):
    """The client, proven by a signed single-purpose link instead of a sign-in.

    The portal makes one only after checking the link (``ontrack.web.portal.links``); the
    actions then treat it as the client for that client's own records and nothing else.
    It is not authenticated as far as Django is concerned, so it opens no page by itself.
    """

    def __init__(self, *, client_id: int, link_id: int) -> None:
        self.client_id = client_id
        self.link_id = link_id

    @property
    def audit_actor(self) -> str:
        """How the audit trail names this actor."""
        return f"client {self.client_id} (link {self.link_id})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClientLink) and (other.client_id, other.link_id) == (
            self.client_id,
            self.link_id,
        )

    def __hash__(self) -> int:
        return hash((self.client_id, self.link_id))


Actor = User | ClientLink


def user_of(by: User | AnonymousUser | None) -> User | None:
    """The signed-in user behind an actor, for a ``…_by`` column (None for a link)."""
    return by if isinstance(by, User) else None


def actor(by: User | AnonymousUser) -> Viewer:
    """Return the viewer for an action's ``by`` (a signed-in person, or a client's link)."""
    if isinstance(by, ClientLink):
        return Viewer(user=by, kind=ViewerKind.CLIENT, client_id=by.client_id)
    viewer = viewer_for(by)
    if viewer.kind == ViewerKind.ANONYMOUS:
        raise PermissionDenied("Sign in first.")
    return viewer


def can_correct_contact(viewer: Viewer, contact: Contact) -> bool:
    """The contact's therapist (or their supervisor) and the service's managers may correct
    a recorded contact or mark it entered in error."""
    if viewer.kind not in CLINICAL or not sees_client(viewer, contact.referral.client):
        return False
    if viewer.kind == ViewerKind.MANAGER:
        return True
    return contact.therapist_id is not None and contact.therapist_id in viewer.therapist_ids()


def can_book(viewer: Viewer, client: Client) -> bool:
    """Clinical staff who see the client may book, move and cancel their appointments."""
    return viewer.kind in CLINICAL and sees_client(viewer, client)
