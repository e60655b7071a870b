"""The HTML report in a real browser: Debian's Chromium, offline, driven by Playwright.

``ONTRACK_SCREENSHOTS=1`` saves the page as docs/screenshots/report.png.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from tests.conftest import CHROMIUM, ROOT, axe_violations

from ontrack.analytics import build_report, open_tables
from ontrack.analytics.html import render_html
from ontrack.dataset import TABLES
from ontrack.synth import simulate

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,  # a 4,000-referral report in Chromium
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None,
        reason=f"needs Chromium at {CHROMIUM} (Debian package chromium)",
    ),
]


def _with_alerts(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Add an alert table such as the records app exports: some off-track alerts acted on."""
    rng = np.random.default_rng(3)
    contact = tables["contact"].to_pylist()
    treated = [c for c in contact if c["session_number"] == 3]
    rows = []
    for i, c in enumerate(treated[:400]):
        opened = dt.datetime.combine(c["contact_date"], dt.time(17), dt.UTC)
        ack = opened + dt.timedelta(hours=float(rng.gamma(2.0, 12.0)))
        acted = ack + dt.timedelta(hours=float(rng.gamma(2.0, 24.0))) if i % 3 else None
        rows.append(
            {
                "alert_id": f"A{i:05d}",
                "referral_id": c["referral_id"],
                "contact_id": c["contact_id"],
                "kind": ("off_track", "rupture", "risk")[i % 3 if i % 7 else 2],
                "severity": "urgent" if i % 7 == 0 else "high",
                "opened_at": opened,
                "acknowledged_at": ack,
                "acted_at": acted,
                "closed_at": acted,
                "action": "discussed in supervision" if acted else None,
            }
        )
    schema = TABLES["alert"].arrow_schema
    return {**tables, "alert": pa.Table.from_pylist(rows, schema=schema)}


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = _with_alerts(simulate(referrals=4000, seed=5))
    with open_tables(tables) as engine:
        report = build_report(engine)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(report.to_dict()), encoding="utf-8")
    return path


def test_html_report_renders_every_chart_offline_in_chromium(browser, report_file, tmp_path):
    requests: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report_file.as_uri())

        headings = page.locator("h2").all_inner_texts()
        charts = page.locator("svg[role=img]")
        sizes = [charts.nth(i).bounding_box() for i in range(charts.count())]
        bars = page.locator("svg rect").count()
        forest = page.locator("svg circle").count()
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        if os.environ.get("ONTRACK_SCREENSHOTS"):
            (ROOT / "docs" / "screenshots").mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ROOT / "docs" / "screenshots" / "report.png"), full_page=True)
        violations = axe_violations(page)
    finally:
        context.close()

    assert [u for u in requests if not u.startswith("file:")] == []  # nothing from the network
    assert errors == []
    for heading in (
        "Key measures",
        "The funnel",
        "Deprivation",
        "Waiting times",
        "Trends by month",
        "Therapist effects",
        "Alert response",
    ):
        assert any(h.startswith(heading) for h in headings), (heading, headings)
    assert len(sizes) >= 6
    assert all(box is not None and box["width"] > 300 and box["height"] > 100 for box in sizes)
    assert bars > 20
    assert forest > 20  # therapist estimates and monthly points
    assert shot.stat().st_size > 50_000
    assert violations == []
