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
