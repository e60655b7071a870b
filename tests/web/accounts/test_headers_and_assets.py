"""Headers and assets (issue 20, item 4): a Content-Security-Policy with no inline script,
``Cache-Control: no-store`` on every page, and nothing fetched from another host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from tests.web.conftest import Cast, browser_as

from ontrack.web.common.assets import local_css

TEMPLATES = Path(settings.WEB_DIR) / "templates"
ROLES = ("anonymous", "alice", "sue", "mo", "adam", "cara")
# An attribute that makes a browser fetch or go somewhere.
_FETCHING = re.compile(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']([^"']*)""", re.I)


def _plain_urls(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    """Every URL in the configuration that takes no argument (the admin's own aside)."""
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from _plain_urls(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern) and "<" not in route and "(" not in route:
            yield "/" + prefix + route.lstrip("^").rstrip("$")


def _pages(cast: Cast) -> list[str]:
    return sorted(
        {
            *_plain_urls(get_resolver().url_patterns),
            reverse("client_record", args=[cast.client.pk]),
            reverse("admin:index"),
            reverse("admin:accounts_staff_changelist"),
        }
    )


def _external(html: str) -> list[str]:
    return [
        url for url in _FETCHING.findall(html) if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.I)
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_the_csp_and_no_store_and_no_outside_host(cast: Cast, role: str) -> None:
    browser = browser_as(cast, role)
    problems = []
    for url in _pages(cast):
        response = browser.get(url)
        csp = response.get("Content-Security-Policy", "")
        if (
            "script-src 'self'" not in csp
            or "unsafe-inline" in csp
            or "default-src 'self'" not in csp
        ):
            problems.append(f"{url}: CSP {csp!r}")
        if "no-store" not in response.get("Cache-Control", ""):
            problems.append(f"{url}: Cache-Control {response.get('Cache-Control')!r}")
        if response.get("Content-Type", "").startswith("text/html"):
            outside = _external(response.content.decode())
            if outside:
                problems.append(f"{url}: names another host {outside}")
    assert problems == []


def test_templates_have_no_inline_script_style_or_handler() -> None:
    problems = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text("utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                problems.append(f"{template.name}: inline {tag}")
        if re.search(r"<style\b|\sstyle\s*=", text):
            problems.append(f"{template.name}: inline style")
        if re.search(r"\son[a-z]+\s*=", text):
            problems.append(f"{template.name}: inline event handler")
        problems += [f"{template.name}: {url}" for url in _external(text)]
    assert problems == []


def test_local_css_drops_outside_fonts_and_roots_icons_here() -> None:
    css = (
        "@font-face{font-family:Frutiger W01;src:url(https://assets.nhs.uk/fonts/F.woff2)}"
        "@font-face{font-family:Local;src:url(fonts/local.woff2)}"
        ".a{background:url(/assets/images/nhsuk-icon-cross.svg)}"
        '.b{mask:url("/assets/images/nhsuk-icon-tick.svg")}'
    )
    assert local_css(css) == (
        "@font-face{font-family:Local;src:url(fonts/local.woff2)}"
        ".a{background:url(assets/images/nhsuk-icon-cross.svg)}"
        '.b{mask:url("assets/images/nhsuk-icon-tick.svg")}'
    )


@pytest.mark.skipif(
    not Path(settings.NHSUK_FRONTEND_DIR).is_dir(), reason="needs NHS.UK frontend (npm ci)"
)
def test_served_nhsuk_css_names_no_outside_host_and_every_url_is_served_here() -> None:
    for name in ("nhsuk/nhsuk-frontend.min.css", "nhsuk/nhsuk-frontend.css"):
        found = finders.find(name)
        assert found is not None, name
        css = Path(found).read_text("utf-8")
        assert "assets.nhs.uk" not in css
        urls = re.findall(r"url\((['\"]?)([^)'\"]+)\1\)", css)
        assert urls, "the design system's icons are still there"
        for _, url in urls:
            if url.startswith("data:"):
                continue
            assert "://" not in url, url
            assert not url.startswith("/"), url
            assert finders.find(f"nhsuk/{url}") is not None, url
    # Everything else in the package is served unchanged.
    assert finders.find("nhsuk/nhsuk-frontend.min.js") == str(
        Path(settings.NHSUK_FRONTEND_DIR) / "nhsuk-frontend.min.js"
    )
    assert finders.find("nhsuk/../package.json") is None
