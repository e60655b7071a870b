"""Listening back: both people's consent, encrypted at rest, only the client and their
therapist can play it, every play audited, deleted on withdrawal or after retention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from tests.web.conftest import ROLES, Cast, browser_as, check_status, phq9

from ontrack.web.audit.models import AuditEvent
from ontrack.web.portal.actions.recordings import (
    agree_to_recording,
    attach_recording,
    purge_expired_recordings,
)
from ontrack.web.portal.models import SessionRecording
from ontrack.web.records import actions
from ontrack.web.records.models import Contact

AUDIO = b"ID3fake-audio-bytes" * 100


@pytest.fixture
def store(tmp_path: Path, settings: Any) -> Path:
    settings.ONTRACK_RECORDING_KEYS = Fernet.generate_key().decode()
    settings.ONTRACK_RECORDING_DIR = tmp_path / "recordings"
    return tmp_path / "recordings"


@pytest.fixture
def session(cast: Cast) -> Contact:
    return actions.record_session(
        episode=cast.episode,
        expected_version=cast.episode.version,
        contact_date=timezone.localdate() - dt.timedelta(days=1),
        attendance="5",
        app_type="01",
        questionnaires={"PHQ-9": phq9(12)},
        by=cast.alice,
    )


def _agree_both(cast: Cast) -> None:
    agree_to_recording(episode=cast.episode, by=cast.cara)
    agree_to_recording(episode=cast.episode, by=cast.alice)


def test_no_recording_without_both_agreeing(cast: Cast, store: Path, session: Contact) -> None:
    agree_to_recording(episode=cast.episode, by=cast.cara)
    with pytest.raises(actions.ActionError, match="Both you and your therapist"):
        attach_recording(contact=session, data=AUDIO, content_type="audio/mpeg", by=cast.cara)
    assert SessionRecording.unscoped.count() == 0
    assert not store.exists() or list(store.iterdir()) == []


def test_recording_is_encrypted_at_rest(cast: Cast, store: Path, session: Contact) -> None:
    _agree_both(cast)
    recording = attach_recording(
        contact=session, data=AUDIO, content_type="audio/mpeg", by=cast.cara
    )
    (stored,) = store.iterdir()
    assert stored.name == recording.file_name
    assert b"fake-audio" not in stored.read_bytes()


def test_upload_through_the_page(cast: Cast, store: Path, session: Contact) -> None:
    _agree_both(cast)
    upload = SimpleUploadedFile("session.m4a", AUDIO, content_type="audio/mp4")
    browser_as(cast, "cara").post(
        reverse("my_recordings"), {"do": "attach", "contact": session.pk, "audio": upload}
    )
    assert SessionRecording.unscoped.get().size == len(AUDIO)


# Only the two people in the room may play it; the supervisor and manager, who see the
# record, are refused (403); the rest cannot see it (404).
PLAY = {
    "anonymous": "login",
    "alice": 200,
    "bob": 404,
    "charlie": 404,
    "sue": 403,
    "mo": 403,
    "oscar": 404,
    "adam": 404,
    "cara": 200,
    "dan": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_play_as_each_role(cast: Cast, store: Path, session: Contact, role: str) -> None:
    _agree_both(cast)
    recording = attach_recording(
        contact=session, data=AUDIO, content_type="audio/mpeg", by=cast.alice
    )
    response = browser_as(cast, role).get(reverse("recording_audio", args=[recording.pk]))
    check_status(response, PLAY[role])
    plays = AuditEvent.objects.filter(action="play_recording").count()
    if PLAY[role] == 200:
        assert response.content == AUDIO
        assert response["Cache-Control"] == "private, no-store"
        assert plays == 1
    else:
        assert plays == 0


def test_withdrawal_deletes_every_recording(cast: Cast, store: Path, session: Contact) -> None:
    _agree_both(cast)
    attach_recording(contact=session, data=AUDIO, content_type="audio/mpeg", by=cast.cara)
    browser_as(cast, "alice").post(
        reverse("therapist_recordings", args=[cast.episode.pk]), {"do": "withdraw"}
    )
    recording = SessionRecording.unscoped.get()
    assert recording.deleted_at is not None
    assert recording.deleted_why == "consent withdrawn by the therapist"
    assert list(store.iterdir()) == []
    response = browser_as(cast, "cara").get(reverse("recording_audio", args=[recording.pk]))
    assert response.status_code == 404


def test_recordings_go_after_the_retention_period(
    cast: Cast, store: Path, session: Contact
) -> None:
    _agree_both(cast)
    recording = attach_recording(
        contact=session, data=AUDIO, content_type="audio/mpeg", by=cast.cara
    )
    assert purge_expired_recordings() == 0
    later = recording.delete_after + dt.timedelta(seconds=1)
    assert purge_expired_recordings(later) == 1
    assert list(store.iterdir()) == []
    assert AuditEvent.objects.filter(action="purge_recording").count() == 1


def test_no_key_no_recording(cast: Cast, settings: Any, session: Contact) -> None:
    settings.ONTRACK_RECORDING_KEYS = ""
    _agree_both(cast)
    with pytest.raises(actions.ActionError, match="not set up"):
        attach_recording(contact=session, data=AUDIO, content_type="audio/mpeg", by=cast.cara)


def test_not_audio_is_refused(cast: Cast, store: Path, session: Contact) -> None:
    _agree_both(cast)
    with pytest.raises(actions.ActionError, match="audio"):
        attach_recording(contact=session, data=b"x", content_type="text/plain", by=cast.cara)


def test_supervisor_cannot_open_the_recordings_page(cast: Cast) -> None:
    url = reverse("therapist_recordings", args=[cast.episode.pk])
    assert browser_as(cast, "sue").get(url).status_code == 403
    assert browser_as(cast, "alice").get(url).status_code == 200
