"""Listening back: with both people's recorded consent a session's audio can be attached;
only the client and their therapist can play it; it is deleted after the service's
retention period or as soon as either withdraws consent; every play is audited."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ontrack.web.audit.events import record_change, record_view, snapshot
from ontrack.web.common.actions import ActionError
from ontrack.web.portal import recordings
from ontrack.web.portal.config import portal_settings
from ontrack.web.portal.models import RecordingConsent, SessionRecording
from ontrack.web.records import permissions
from ontrack.web.records.models import Contact, Episode
from ontrack.web.records.permissions import Actor

_MAX_BYTES_MESSAGE = "The recording is too large ({size:,} bytes); the most is {limit:,}."


def party_of(episode: Episode, by: Actor) -> str | None:
    """ "client" or "therapist" when ``by`` is one of the two people in the room, else None."""
    viewer = permissions.actor(by)
    if permissions.is_the_client(viewer, episode.referral.client_id):
        return "client"
    if viewer.staff is not None and viewer.staff.pk == episode.therapist_id:
        return "therapist"
    return None


def _require_party(episode: Episode, by: Actor, what: str) -> str:
    party = party_of(episode, by)
    permissions.require(party is not None, what)
    assert party is not None
    return party


@transaction.atomic
def agree_to_recording(*, episode: Episode, by: Actor) -> RecordingConsent:
    """Record one person's own consent (the client's or the therapist's, by themselves)."""
    party = _require_party(episode, by, "consent to recording for this episode")
    consent, _ = RecordingConsent.unscoped.select_for_update().get_or_create(episode=episode)
    if consent.withdrawn_at is not None:
        # Consent given again after a withdrawal starts afresh: both must agree again.
        consent.client_agreed_at = consent.therapist_agreed_at = None
        consent.withdrawn_at, consent.withdrawn_by = None, ""
    setattr(consent, f"{party}_agreed_at", timezone.now())
    consent.save()
    record_change(
        by=by,
        action="agree_to_recording",
        target=consent,
        client_id=episode.referral.client_id,
        new={"party": party, **snapshot(consent, ("client_agreed_at", "therapist_agreed_at"))},
    )
    return consent


@transaction.atomic
def withdraw_recording_consent(*, episode: Episode, by: Actor) -> int:
    """Either person withdraws: every recording of the episode is deleted now. Returns how
    many were deleted."""
    party = _require_party(episode, by, "withdraw consent for this episode")
    consent = RecordingConsent.unscoped.select_for_update().filter(episode=episode).first()
    if consent is None or consent.withdrawn_at is not None:
        raise ActionError("There is no consent to withdraw.")
    consent.withdrawn_at, consent.withdrawn_by = timezone.now(), party
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    deleted = _delete(
        SessionRecording.unscoped.filter(contact__episode=episode, deleted_at__isnull=True),
        f"consent withdrawn by the {party}",
    )
    record_change(
        by=by,
        action="withdraw_recording_consent",
        target=consent,
        client_id=episode.referral.client_id,
        new={"party": party, "recordings_deleted": deleted},
    )
    return deleted


def _check_upload(contact: Contact, data: bytes, content_type: str) -> None:
    errors: dict[str, str] = {}
    consent = RecordingConsent.unscoped.filter(episode=contact.episode).first()
    if consent is None or not consent.in_force:
        errors["__all__"] = (
            "Both you and your therapist need to agree before a session is recorded."
        )
    if not contact.attended:
        errors["__all__"] = "Only a session that took place can have a recording."
    if not content_type.startswith("audio/"):
        errors["audio"] = "Choose a sound recording (an audio file)."
    if not data:
        errors["audio"] = "Choose the recording to attach."
    elif len(data) > settings.ONTRACK_RECORDING_MAX_BYTES:
        limit = settings.ONTRACK_RECORDING_MAX_BYTES
        errors["audio"] = _MAX_BYTES_MESSAGE.format(size=len(data), limit=limit)
    if not recordings.is_configured():
        errors["__all__"] = "Recordings are not set up in this service yet."
    if errors:
        raise ActionError(errors)


def attach_recording(
    *, contact: Contact, data: bytes, content_type: str, by: Actor
) -> SessionRecording:
    """Encrypt and keep a session's audio, uploaded by the client or the therapist."""
    episode = contact.episode
    permissions.require(episode is not None, "attach a recording to this contact")
    assert episode is not None
    _require_party(episode, by, "attach a recording to this session")
    _check_upload(contact, data, content_type)
    name = recordings.store(data)
    retention = portal_settings(episode.referral.client.service_id).recording_retention_days
    try:
        with transaction.atomic():
            recording = SessionRecording.unscoped.create(
                contact=contact,
                file_name=name,
                content_type=content_type[:60],
                size=len(data),
                uploaded_at=timezone.now(),
                uploaded_by=permissions.user_of(by),
                delete_after=timezone.now() + dt.timedelta(days=retention),
            )
            record_change(
                by=by,
                action="attach_recording",
                target=recording,
                client_id=episode.referral.client_id,
                new=snapshot(recording, ("contact", "size", "content_type", "delete_after")),
            )
    except Exception:
        recordings.remove(name)  # no row, no file
        raise
    return recording


def play_recording(*, recording: SessionRecording, by: Actor) -> bytes:
    """Return the decrypted audio for the client or their therapist; audit the play."""
    episode = recording.contact.episode
    permissions.require(
        episode is not None and party_of(episode, by) is not None, "play this recording"
    )
    if recording.deleted_at is not None:
        raise ActionError("This recording has been deleted.")
    data = recordings.load(recording.file_name)
    record_view(
        by=by,
        page="play_recording",
        target=recording,
        client_id=recording.contact.referral.client_id,
    )
    return data


def _delete(items: object, why: str) -> int:
    count = 0
    for recording in list(items):  # type: ignore[call-overload]
        recordings.remove(recording.file_name)
        recording.deleted_at, recording.deleted_why = timezone.now(), why
        recording.save(update_fields=["deleted_at", "deleted_why"])
        count += 1
    return count


@transaction.atomic
def purge_expired_recordings(now: dt.datetime | None = None) -> int:
    """Delete every recording past its service's retention period (the planner runs it)."""
    due = SessionRecording.unscoped.filter(
        deleted_at__isnull=True, delete_after__lte=now or timezone.now()
    ).select_related("contact__referral")
    deleted = 0
    for recording in due:
        deleted += _delete([recording], "retention period ended")
        record_change(
            by=None,
            action="purge_recording",
            target=recording,
            client_id=recording.contact.referral.client_id,
            new={"deleted_why": recording.deleted_why},
        )
    return deleted
