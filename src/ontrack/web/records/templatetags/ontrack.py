"""Small template filters for numbers clinicians read at a glance."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

MINUS = "\u2212"


def _fmt(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace("-", MINUS)


@register.filter
def score(value: float | None) -> str:
    """Format a score without a needless ".0" ("–" when there is none)."""
    return "–" if value is None else _fmt(float(value))


@register.filter
def change(latest: float | None, first: float | None) -> str:
    """Return the change since the first score, signed ("−6", "+2", "0"), or ""."""
    if latest is None or first is None:
        return ""
    delta = float(latest) - float(first)
    if delta == 0:
        return "0"
    return ("+" if delta > 0 else "") + _fmt(delta)


@register.filter
def trend(latest: float | None, previous: float | None) -> str:
    """Return the direction of the alliance since last time: "up", "down", "same" or ""."""
    if latest is None or previous is None:
        return ""
    if float(latest) > float(previous):
        return "up"
    if float(latest) < float(previous):
        return "down"
    return "same"


@register.filter
def days_since(value: object) -> int | None:
    """Return whole days from a date or datetime to today."""
    import datetime as dt

    from django.utils import timezone

    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    if not isinstance(value, dt.date):
        return None
    return (timezone.localdate() - value).days


@register.filter
def get(mapping: dict[str, object], key: str) -> object:
    """Look a key up in a dict (for counts keyed by code)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def strength(value: float) -> str:
    """Say how strongly the evidence points to a reason, in words."""
    if value >= 0.6:
        return "Strong evidence"
    if value >= 0.3:
        return "Some evidence"
    if value > 0.05:
        return "Little evidence"
    return "No evidence"


@register.filter
def percent(value: float) -> int:
    """Return a 0-1 fraction as a whole percentage."""
    return round(float(value) * 100)


_SIGNAL_COLOURS = {
    "off_track": "nhsuk-tag--red",
    "behind": "nhsuk-tag--orange",
    "on_track": "nhsuk-tag--green",
    "recovered": "nhsuk-tag--aqua-green",
    "baseline": "nhsuk-tag--blue",
}


@register.filter
def signal_tag(episode: object) -> str:
    """Render an episode's signal as a coloured tag with its name (never colour alone)."""
    from django.utils.html import format_html

    code = str(getattr(episode, "signal", ""))
    label = getattr(episode, "get_signal_display", lambda: code)()
    colour = _SIGNAL_COLOURS.get(code, "nhsuk-tag--grey")
    return format_html(
        '<strong class="nhsuk-tag app-signal app-signal--{} {}">{}</strong>', code, colour, label
    )


@register.simple_tag
def caseload_row(episode: Any, show_therapist: bool) -> str:
    """Render one caseload row (a ``views.caseload.CaseloadRow``).

    Built in Python rather than template tags because the caseload is the page opened
    before every session and this is most of its rendering time (docs/performance.md).
    """
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    cells: list[str] = []
    step = f", step {episode.step}" if episode.step else ""
    cells.append(
        format_html(
            '<th scope="row" class="nhsuk-table__header app-caseload__client">'
            '<a href="{}">{}</a><span class="app-caseload__sub">{}{}</span></th>',
            reverse("client_timeline", args=[episode.client_id]),
            episode.client_name,
            episode.get_therapy_display() or "Therapy not set",
            step,
        )
    )
    if show_therapist:
        cells.append(format_html('<td class="nhsuk-table__cell">{}</td>', episode.therapist_name))
    urgent = (
        mark_safe('<strong class="nhsuk-tag nhsuk-tag--red app-signal">Urgent: risk</strong> ')
        if episode.urgent_alerts
        else ""
    )
    cells.append(
        format_html('<td class="nhsuk-table__cell">{}{}</td>', urgent, signal_tag(episode))
    )
    cells.append(
        format_html(
            '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">{}</td>',
            episode.sessions or 0,
        )
    )
    last = episode.last_contact
    cells.append(
        format_html(
            '<td class="nhsuk-table__cell app-nowrap">{}</td>',
            f"{last:%-d %b}" if last else "–",
        )
    )
    booked = episode.next_session_on
    cells.append(
        format_html('<td class="nhsuk-table__cell app-nowrap">{}</td>', f"{booked:%a %-d %b}")
        if booked
        else mark_safe(
            '<td class="nhsuk-table__cell app-nowrap">'
            '<span class="app-muted">Not booked</span></td>'
        )
    )
    for latest, first in (
        (episode.latest_phq9, episode.first_phq9),
        (episode.latest_gad7, episode.first_gad7),
    ):
        delta = change(latest, first)
        cells.append(
            format_html(
                '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">{}{}</td>',
                score(latest),
                format_html(
                    ' <span class="app-change" title="change since intake">({})</span>', delta
                )
                if delta
                else "",
            )
        )
    direction = trend(episode.alliance_latest, episode.alliance_previous)
    arrows = {
        "down": (
            "app-trend app-trend--down",
            "▼",
            f" down from {score(episode.alliance_previous)}",
        ),
        "up": ("app-trend app-trend--up", "▲", f" up from {score(episode.alliance_previous)}"),
        "same": ("app-trend", "▬", " same as last time"),
    }
    arrow = (
        format_html(
            ' <span class="{}">{}<span class="nhsuk-u-visually-hidden">{}</span></span>',
            *arrows[direction],
        )
        if direction
        else ""
    )
    cells.append(
        format_html(
            '<td class="nhsuk-table__cell nhsuk-table__cell--numeric">{}{}</td>',
            score(episode.alliance_latest),
            arrow,
        )
    )
    if episode.open_alerts:
        new = f", {episode.unacknowledged} new" if episode.unacknowledged else ""
        cells.append(
            format_html(
                '<td class="nhsuk-table__cell"><a href="{}?client={}">{} open{}</a></td>',
                reverse("alerts_inbox"),
                episode.client_id,
                episode.open_alerts,
                new,
            )
        )
    else:
        cells.append(
            mark_safe('<td class="nhsuk-table__cell"><span class="app-muted">None</span></td>')
        )
    cells.append(
        format_html('<td class="nhsuk-table__cell">{} agreed</td>', episode.goals)
        if episode.goals
        else mark_safe(
            '<td class="nhsuk-table__cell"><span class="app-warning-text">None agreed</span></td>'
        )
    )
    homework: str
    if episode.homework_due:
        homework = format_html("{} to review", episode.homework_due)
    elif episode.homework_set:
        homework = "Reviewed"
    else:
        homework = mark_safe('<span class="app-muted">None set</span>')
    cells.append(format_html('<td class="nhsuk-table__cell">{}</td>', homework))
    row_class = "nhsuk-table__row app-row--urgent" if episode.urgent_alerts else "nhsuk-table__row"
    return format_html('<tr class="{}">{}</tr>', row_class, mark_safe("".join(cells)))


ASCENDING = frozenset({"name", "signal", "next"})


@register.simple_tag
def sort_header(sorts: dict[str, Any], key: str, numeric: bool = False) -> str:
    """Render a sortable column heading: a link, with ``aria-sort`` on the current one."""
    from django.utils.html import format_html

    link = sorts[key]
    css = "nhsuk-table__header" + (" nhsuk-table__header--numeric" if numeric else "")
    if link["current"]:
        order = "ascending" if key in ASCENDING else "descending"
        return format_html(
            '<th scope="col" class="{}" aria-sort="{}"><a class="app-sort app-sort--current" '
            'href="{}">{}<span class="nhsuk-u-visually-hidden"> (sorted)</span></a></th>',
            css,
            order,
            link["href"],
            link["label"],
        )
    return format_html(
        '<th scope="col" class="{}"><a class="app-sort" href="{}">{}'
        '<span class="nhsuk-u-visually-hidden"> (sort by this)</span></a></th>',
        css,
        link["href"],
        link["label"],
    )


@register.filter
def provenance(label: str | None) -> str:
    """Where the expected courses come from, in words for clinicians (the model bundle's
    own label names commands, which belong in the docs, not on a clinical page)."""
    if not label:
        return ""
    if "simulated" in label.lower():
        return (
            "The expected courses are OnTrack's defaults, fitted on simulated data shaped to "
            "national figures, not on this service's own history."
        )
    return "The expected courses were fitted on this service's own history."
