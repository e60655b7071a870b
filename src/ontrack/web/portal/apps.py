from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ontrack.web.portal"
    label = "portal"
    verbose_name = "The client's side"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from ontrack.web.pathway.models import EndingReview

        post_save.connect(
            _ending_recorded, sender=EndingReview, dispatch_uid="portal_ending_review"
        )


def _ending_recorded(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Staff recorded the ending: the client's part, if already sent, goes into it (the
    pathway cannot import the portal; this keeps the layers)."""
    if created and not kwargs.get("raw"):
        from ontrack.web.portal.actions.reviews import share_with_ending

        share_with_ending(instance.referral_id)
