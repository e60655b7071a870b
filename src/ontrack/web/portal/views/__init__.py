"""The client's pages (``/my/``), the link pages (``/l/<token>/``) and the staff pages
that go with them (concerns inbox, requests, messages, online settings)."""

from ontrack.web.portal.views.questionnaires import (
    complete_questionnaire,
    my_questionnaires,
)

__all__ = ["complete_questionnaire", "my_questionnaires"]
