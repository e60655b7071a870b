"""Links in the documents, and citations of docs/reference/ in the code, point somewhere real.

A clone must have no dead links: every relative link in README.md and docs/ names a file in the
repository, and every ``docs/reference/<page>.md#<section>`` (a link, or a citation in a comment
in src/, tests/ or bench/) names a section that page has. Anchors follow GitHub's rule for headings.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"
LINK = re.compile(r"\]\(([^)\s]+)\)|^\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
CITATION = re.compile(r"docs/reference/([a-z0-9-]+\.md)(?:#([a-z0-9-]+))?")
CODE_SPAN = re.compile(r"`[^`\n]*`")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (match := re.match(r"#{1,6} (.+)", line)):
            name = slug(match.group(1))
            found.add(name if name not in found else f"{name}-1")
    return found


def _resolves(file: Path, anchor: str) -> bool:
    """The file is in the repository, and a section of a reference page exists."""
    if not file.is_relative_to(ROOT) or not file.exists():
        return False
    in_reference = file.suffix == ".md" and file.is_relative_to(REFERENCE)
    return not (anchor and in_reference) or anchor in anchors(file)


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_slug_follows_github_headings():
    assert slug("REST frameworks for Django 5.2") == "rest-frameworks-for-django-52"
    assert slug("Alliance, goals and homework") == "alliance-goals-and-homework"
    assert slug("PHQ-9 item 9") == "phq-9-item-9"


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_document_links_resolve(document):
    text = CODE_SPAN.sub("", document.read_text(encoding="utf-8"))
    broken = []
    for match in LINK.finditer(text):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # web addresses; same-page anchors are checked below for reference pages
        path, _, anchor = target.partition("#")
        file = (document.parent / path).resolve()
        if not _resolves(file, anchor):
            broken.append(target)
    assert broken == []


def test_reference_pages_same_page_anchors_resolve():
    broken = []
    for page in sorted(REFERENCE.glob("*.md")):
        own = anchors(page)
        text = CODE_SPAN.sub("", page.read_text(encoding="utf-8"))
        broken += [f"{page.name}#{a}" for a in re.findall(r"\]\(#([^)]+)\)", text) if a not in own]
    assert broken == []


def _code_files() -> list[Path]:
    return sorted(
        file
        for folder in ("src", "tests", "bench")
        for file in (ROOT / folder).rglob("*")
        if file.suffix in {".py", ".toml", ".html"} and "migrations" not in file.parts
    )


def test_citations_of_docs_reference_in_the_code_resolve():
    broken = []
    for file in _code_files():
        for page, anchor in CITATION.findall(file.read_text(encoding="utf-8")):
            target = REFERENCE / page
            if not target.exists() or (anchor and anchor not in anchors(target)):
                broken.append(f"{file.relative_to(ROOT)}: docs/reference/{page}#{anchor}")
    assert broken == []
