"""Read a drawn chart back: its elements, their coordinates and its accessible name."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ontrack.charts import Figure

NS = "{http://www.w3.org/2000/svg}"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def parse(figure: Figure) -> ET.Element:
    """Parse the SVG as XML (which also proves it is well formed)."""
    return ET.fromstring(figure.svg)


def find(root: ET.Element, tag: str, css: str = "") -> list[ET.Element]:
    """Return the ``tag`` elements whose class list holds ``css``."""
    return [e for e in root.iter(NS + tag) if not css or css in (e.get("class") or "").split()]


def points(element: ET.Element) -> list[tuple[float, float]]:
    """Return every (x, y) the element places: attributes, polyline points, path data."""
    if element.get("points"):
        values = [float(v) for v in _NUMBER.findall(element.get("points", ""))]
        return list(zip(values[::2], values[1::2], strict=True))
    if element.get("d"):
        values = [float(v) for v in _NUMBER.findall(element.get("d", ""))]
        return list(zip(values[::2], values[1::2], strict=True))
    pairs = (("cx", "cy"), ("x", "y"), ("x1", "y1"), ("x2", "y2"))
    found = [
        (float(element.get(a, "0")), float(element.get(b, "0")))
        for a, b in pairs
        if element.get(a) is not None and element.get(b) is not None
    ]
    if element.get("width") is not None and element.get("x") is not None:
        x, y = float(element.get("x", "0")), float(element.get("y", "0"))
        found.append((x + float(element.get("width", "0")), y + float(element.get("height", "0"))))
    return found


def size(root: ET.Element) -> tuple[float, float]:
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    return width, height


def drawn(root: ET.Element) -> list[ET.Element]:
    """Every shape and text element of the drawing."""
    tags = ("line", "polyline", "polygon", "circle", "rect", "path", "text")
    return [e for tag in tags for e in root.iter(NS + tag)]


def accessible_name(root: ET.Element) -> tuple[str, str]:
    """Return the title and description the ``aria-labelledby`` ids point at."""
    ids = root.get("aria-labelledby", "").split()
    texts = {e.get("id"): e.text or "" for e in root if e.get("id")}
    title, desc = (texts[i] for i in ids)
    return title, desc


def within(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    """Return whether ``point`` lies in ``box`` (x0, y0, x1, y1), edges included."""
    (x, y), (x0, y0, x1, y1) = point, box
    return x0 <= x <= x1 and y0 <= y <= y1
