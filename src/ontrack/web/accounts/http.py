"""The request every signed-in page receives."""

from __future__ import annotations

from django.http import HttpRequest

from ontrack.web.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind ``login_required``: its user is signed in."""

    user: User
