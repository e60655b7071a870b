"""Each service's client-page settings, with the defaults when none are saved."""

from __future__ import annotations

import datetime as dt

from ontrack.web.portal.models import PortalSettings


def portal_settings(service_id: int) -> PortalSettings:
    """Return the service's ``PortalSettings`` (unsaved defaults when it has none)."""
    found = PortalSettings.objects.filter(service_id=service_id).first()
    return found if found is not None else PortalSettings(service_id=service_id)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days (Monday to Friday) after ``start``.

    Bank holidays are not known to OnTrack, so a deadline over one is a day early: the
    safe side for the person waiting.

    >>> import datetime as dt
    >>> add_working_days(dt.date(2026, 12, 4), 3)  # a Friday
    datetime.date(2026, 12, 9)
    """
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end is not later)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return count
