"""NHS.UK frontend's files, served by OnTrack itself with nothing fetched from another host.

The package's compiled CSS names its Frutiger web fonts on ``assets.nhs.uk`` and its icons
at the site root (``/assets/images/...``). A clinical page must not wait for, or tell,
another host (issue 20; the Content-Security-Policy allows fonts only from OnTrack), so
this finder serves every file of ``node_modules/nhsuk-frontend/dist/nhsuk`` under
``/static/nhsuk/`` as it is, except the CSS, which it serves rewritten: ``@font-face``
rules that name another host removed (the design system's own fallback, Arial and the
system sans-serif, then shows), and root-relative icon URLs made relative to the CSS so
they resolve to OnTrack's copy. The rewritten copies are written once to
``ONTRACK_BUILT_ASSETS_DIR`` and rewritten when the package changes. See docs/adr/0100.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import utils
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_join

# Bumped whenever ``local_css`` changes, so copies rewritten by an older rule are not reused.
REWRITE_VERSION = "1"
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
_ROOT_ASSETS = re.compile(r"url\((['\"]?)/assets/")


def local_css(text: str) -> str:
    """Return NHS.UK frontend CSS with nothing that makes a browser fetch from another host."""
    text = _FONT_FACE.sub(lambda m: "" if "://" in m.group(0) else m.group(0), text)
    return _ROOT_ASSETS.sub(r"url(\1assets/", text)


class NhsukFrontendFinder(BaseFinder):
    """Find ``nhsuk/...`` static files in the NHS.UK frontend package (CSS made local)."""

    prefix = "nhsuk"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = Path(settings.NHSUK_FRONTEND_DIR)
        self.built = Path(settings.ONTRACK_BUILT_ASSETS_DIR) / f"nhsuk-{REWRITE_VERSION}"

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        return []

    def _rewritten(self, relative: str) -> Path:
        source = self.source / relative
        target = self.built / relative
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written whole then renamed, so a concurrent request never reads half a file.
            partial = target.with_name(f".{target.name}.{os.getpid()}")
            partial.write_text(local_css(source.read_text("utf-8")), "utf-8")
            partial.replace(target)
        return target

    def _path(self, relative: str) -> str:
        if relative.endswith(".css"):
            return str(self._rewritten(relative))
        return str(self.source / relative)

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        found: list[str] = []
        if self.source.is_dir() and path.startswith(self.prefix + "/"):
            relative = path[len(self.prefix) + 1 :]
            try:
                candidate = safe_join(str(self.source), relative)
            except SuspiciousFileOperation:  # a path that climbs out of the package
                candidate = ""
            if candidate and os.path.isfile(candidate):
                found.append(self._path(relative))
        # As Django's own finders: the first path, or the (empty) list of them.
        if found and not (find_all or kwargs.get("all")):
            return found[0]
        return found

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        if not self.source.is_dir():
            return
        package = FileSystemStorage(location=self.source)
        rewritten = FileSystemStorage(location=self.built)
        for storage in (package, rewritten):
            storage.prefix = self.prefix  # type: ignore[attr-defined]
        for path in utils.get_files(package, ignore_patterns):
            if path.endswith(".css"):
                self._rewritten(path)
                yield path, rewritten
            else:
                yield path, package
