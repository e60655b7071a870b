"""Free text a client or their therapist writes about the client, in one place.

Issue 20 (encryption at rest) reads this list to move these columns to an encrypted field;
a test fails when a text column is added to the portal or notify apps without being listed
here or in ``NOT_SENSITIVE``.
"""

from __future__ import annotations

SENSITIVE_TEXT: dict[str, tuple[str, ...]] = {
    "records.Concern": ("summary", "outcome"),
    "records.ConcernStep": ("note",),
    "records.Homework": ("client_obstacles",),
    "portal.AppointmentRequest": ("reason",),
    "portal.EndingReview": ("helped", "did_not_help", "next_steps"),
    "notify.Message": ("body",),
}

# Text columns that hold no personal narrative (codes, service configuration, errors).
NOT_SENSITIVE: dict[str, tuple[str, ...]] = {
    "portal.PortalSettings": ("pals_contact", "crisis_text"),
    "notify.Message": ("last_error",),
}
