"""Response headers every OnTrack page carries (the CSP itself comes from django-csp)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Mark every page ``Cache-Control: no-store`` so no browser or proxy keeps a copy.

    Nearly every OnTrack page shows client data or a form about a client, including pages
    opened through a client's signed link without signing in; a shared computer's back
    button or disk cache must not show them to the next person. Static files are served
    outside the views (by the proxy in production) and stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response
