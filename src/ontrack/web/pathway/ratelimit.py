"""A small rate limit on the public self-referral form, kept in Django's cache.

Per client address: at most ``limit`` posts in ``window`` seconds. The cache is per
process unless a shared cache is configured (see docs/pathway.md).
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

LIMIT = 5
WINDOW = 60 * 60


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def allow(request: HttpRequest, scope: str, *, limit: int = LIMIT, window: int = WINDOW) -> bool:
    """Count this request; say whether it is within the limit."""
    key = f"ontrack:rate:{scope}:{client_address(request)}"
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return True
    return count <= limit
