"""A self-contained HTML report: inline CSS and hand-written SVG charts, no scripts, no
network. It opens offline in any browser and prints cleanly.

Charts: the intention-to-treat funnel, recovery by IMD decile, waits to first treatment,
monthly trends, and therapist effects with their intervals; tables for the other
breakdowns and for alert response.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Sequence
from typing import Any

from ontrack.analytics.breakdowns import DIMENSION_TITLES

Row = dict[str, Any]
BLUE = "#005eb8"  # NHS blue
DARK = "#003087"
GREEN = "#007f3b"
RED = "#d5281b"
GREY = "#768692"
PALE = "#e8edee"
WAIT_BANDS = (
    ("waited_up_to_28_days", "0–28 days"),
    ("waited_29_to_56_days", "29–56"),
    ("waited_57_to_90_days", "57–90"),
    ("waited_over_90_days", "over 90"),
)
MAX_THERAPISTS = 40
MIN_MONTH_FINISHED = 20

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#212b32;margin:0;background:#f0f4f5}
header{background:#005eb8;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:28px} header p{margin:0}
main{padding:16px 32px;max-width:1180px}
section{background:#fff;margin:16px 0;padding:16px 24px;border-radius:4px}
h2{margin-top:0;font-size:22px} h3{font-size:18px;margin:18px 0 6px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px}
.tile{border-left:6px solid #005eb8;background:#f0f4f5;padding:10px 12px}
.tile b{display:block;font-size:26px} .tile span{font-size:14px}
.note{font-size:14px;color:#4c6272}
.banner{background:#ffeb3b;padding:8px 12px;font-weight:bold}
table{border-collapse:collapse;font-size:14px;margin:6px 0 12px}
th,td{border-bottom:1px solid #d8dde0;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
svg text{font-family:Arial,Helvetica,sans-serif}
@media print{body{background:#fff} section{break-inside:avoid}}
"""


def render_html(data: Row, *, title: str = "Service outcomes report") -> str:
    """Return the report page for ``Report.to_dict()`` output (suppressed or not)."""
    period = data["period"]["label"]
    publication = data["publication"]
    banner = (
        f'<p class="banner">Suppressed for publication. {_e(data["suppression_rule"])}</p>'
        if publication
        else '<p class="banner">Unsuppressed figures: for internal use. Use --publication '
        "before sharing outside the service.</p>"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><p>{_e(period)} · engine {_e(data['engine'])} · "
        f"generated {_e(data['generated'][:16].replace('T', ' '))} UTC</p></header><main>",
        banner,
        _headline(data),
        _funnel(data["funnel"]),
        _deprivation(data),
        _waits(data),
        _months(data["breakdowns"].get("month", [])),
        _therapists(data["therapist_effects"]),
        _tables(data),
        _alerts(data.get("alerts")),
        _definitions(data),
        "</main></body></html>",
    ]
    return "\n".join(parts)


# -- sections -------------------------------------------------------------------------------


def _headline(d: Row) -> str:
    tiles = [
        ("recovery_rate", "recovery (NHS TT)"),
        ("reliable_recovery_rate", "reliable recovery"),
        ("reliable_improvement_rate", "reliable improvement"),
        ("reliable_deterioration_rate", "reliable deterioration"),
        ("itt_recovery_rate", "recovered, of everyone referred"),
        ("waited_6_weeks_rate", "first treatment within 6 weeks"),
        ("waited_18_weeks_rate", "within 18 weeks"),
        ("ended_after_one_treatment_rate", "ended after one treatment"),
        ("dna_rate", "appointments not attended (DNA)"),
    ]
    cells = [_tile(_pct(d.get(k)), label) for k, label in tiles]
    cells.append(_tile(_num(d.get("mean_treatment_sessions"), 1), "mean treatment sessions"))
    counts = (
        f"{_int(d.get('referrals'))} referrals received, {_int(d.get('entered_treatment'))} "
        f"entered treatment, {_int(d.get('finished_course'))} finished a course of treatment."
    )
    return (
        '<section aria-labelledby="h-key"><h2 id="h-key">Key measures</h2>'
        f'<p>{_e(counts)}</p><div class="tiles">{"".join(cells)}</div>'
        '<p class="note">Recovery, reliable recovery: of those who finished a course, less '
        "those not at caseness at the start. Reliable improvement and deterioration: of all "
        "who finished. Waits: finished courses, referral to first treatment.</p></section>"
    )


def _funnel(rows: Sequence[Row]) -> str:
    items = [
        (r["stage"], r["count"], f"{_int(r['count'])} · {_pct(r['itt_rate'])} of referred")
        for r in rows
    ]
    chart = _hbar(items, "Referral to recovery: intention-to-treat funnel", value_max=None)
    table = _table(
        ["Stage", "Count", "Of everyone referred", "Of previous stage", "Official rate"],
        [
            [
                r["stage"],
                _int(r["count"]),
                _pct(r["itt_rate"]),
                _pct(r["step_rate"]),
                _pct(r["official_rate"]) if r["official_rate"] is not None else "",
            ]
            for r in rows
        ],
    )
    return (
        '<section aria-labelledby="h-funnel"><h2 id="h-funnel">The funnel: everyone referred'
        "</h2><p>Everyone referred in the period, followed to the end of their referral. The "
        "official recovery rate counts only those who finished a course; the intention-to-"
        f"treat rate divides by everyone referred.</p>{chart}{table}</section>"
    )


def _deprivation(d: Row) -> str:
    deciles = d["by_imd_decile"]
    items = [
        (f"{k}", deciles[k].get("recovery_rate"), deciles[k].get("finished_course"))
        for k in sorted(deciles, key=int)
    ]
    chart = _columns(
        [(label, value) for label, value, _ in items],
        "Recovery rate by IMD decile (1 = most deprived, 10 = least deprived)",
        y_max=1.0,
        x_title="IMD decile: 1 most deprived … 10 least deprived "
        "(published labels run the other way: '10 Most deprived' … '01 Least deprived')",
    )
    gap = d["imd_gap"]
    gap_text = (
        f"Recovery gap, least minus most deprived decile: {_pp(gap.get('recovery_rate'))}; "
        f"reliable recovery {_pp(gap.get('reliable_recovery_rate'))}; "
        f"reliable improvement {_pp(gap.get('reliable_improvement_rate'))}; "
        f"recovered of everyone referred {_pp(gap.get('itt_recovery_rate'))}."
    )
    table = _table(
        [
            "Decile",
            "Published label",
            "Referrals",
            "Finished",
            "Recovery",
            "Reliable recovery",
            "Deterioration",
            "Recovered of referred",
        ],
        [
            [
                k,
                deciles[k].get("label", ""),
                _int(deciles[k].get("referrals")),
                _int(deciles[k].get("finished_course")),
                _pct(deciles[k].get("recovery_rate")),
                _pct(deciles[k].get("reliable_recovery_rate")),
                _pct(deciles[k].get("reliable_deterioration_rate")),
                _pct(deciles[k].get("itt_recovery_rate")),
            ]
            for k in sorted(deciles, key=int)
        ],
    )
    return (
        '<section aria-labelledby="h-imd"><h2 id="h-imd">Deprivation</h2>'
        f"{chart}<p>{_e(gap_text)}</p>{table}</section>"
    )


def _waits(d: Row) -> str:
    finished = d.get("finished_course") or 0
    items = [
        (label, (d.get(key) or 0) / finished if finished and d.get(key) is not None else None)
        for key, label in WAIT_BANDS
    ]
    chart = _columns(
        items,
        "Wait from referral to first treatment (finished courses)",
        y_max=1.0,
        x_title="days waited",
    )
    text = (
        f"Within 6 weeks: {_pct(d.get('waited_6_weeks_rate'))} (standard 75%). "
        f"Within 18 weeks: {_pct(d.get('waited_18_weeks_rate'))} (standard 95%). "
        f"Mean wait {_num(d.get('mean_wait_days'), 0)} days."
    )
    return (
        '<section aria-labelledby="h-waits"><h2 id="h-waits">Waiting times</h2>'
        f"{chart}<p>{_e(text)}</p></section>"
    )


def _months(rows: Sequence[Row]) -> str:
    if not rows:
        return ""
    labels = [r["group"] for r in rows]

    def steady(r: Row, key: str) -> Any:
        # A rate from a handful of discharges swings wildly; leave those months out.
        return r.get(key) if (r.get("finished_course") or 0) >= MIN_MONTH_FINISHED else None

    counts = _lines(
        labels,
        [
            ("referrals", [r.get("referrals") for r in rows], BLUE),
            ("entered treatment", [r.get("entered_treatment") for r in rows], GREEN),
            ("finished a course", [r.get("finished_course") for r in rows], DARK),
        ],
        "Referrals, entries and finished courses by month",
        rate=False,
    )
    rates = _lines(
        labels,
        [
            ("recovery", [steady(r, "recovery_rate") for r in rows], BLUE),
            ("reliable improvement", [steady(r, "reliable_improvement_rate") for r in rows], GREEN),
            ("within 6 weeks", [steady(r, "waited_6_weeks_rate") for r in rows], GREY),
            (
                "DNA rate",
                [r.get("dna_rate") if (r.get("appointments") or 0) >= 100 else None for r in rows],
                RED,
            ),
        ],
        f"Rates by month (months with {MIN_MONTH_FINISHED}+ finished courses)",
        rate=True,
    )
    return (
        '<section aria-labelledby="h-months"><h2 id="h-months">Trends by month</h2>'
        '<p class="note">Each measure is placed in the month of its own date: referrals by '
        "referral date, entries by first treatment, outcomes by discharge, DNAs by "
        f"appointment.</p>{counts}{rates}</section>"
    )


def _therapists(effects: Sequence[Row]) -> str:
    if not effects:
        return (
            '<section aria-labelledby="h-ther"><h2 id="h-ther">Therapist effects</h2>'
            "<p>No finished courses at caseness with a recorded therapist.</p></section>"
        )
    shown = sorted(effects, key=lambda e: -e["courses"])[:MAX_THERAPISTS]
    shown.sort(key=lambda e: -e["adjusted_rate"])
    chart = _forest(shown)
    more = (
        f" Showing the {len(shown)} therapists with the most courses of {len(effects)}; "
        "every therapist is in the CSV output."
        if len(effects) > len(shown)
        else ""
    )
    return (
        '<section aria-labelledby="h-ther"><h2 id="h-ther">Therapist effects</h2>'
        "<p>Recovery adjusted for case mix (baseline severity, anxiety caseness, problem, "
        "deprivation, age) and shrunk towards the service mean: the fewer a therapist's "
        "courses, the more their estimate is pulled in and the wider its interval, so a small "
        "caseload cannot look best or worst by chance. Lines are 95% intervals. For "
        f"supervision and learning, not for ranking people.{_e(more)}</p>{chart}</section>"
    )


def _tables(d: Row) -> str:
    out = ['<section aria-labelledby="h-eq"><h2 id="h-eq">Who is helped</h2>']
    headers = [
        "Group",
        "Referrals",
        "Finished",
        "Recovery",
        "Reliable improvement",
        "Deterioration",
        "Recovered of referred",
        "DNA rate",
    ]
    for name in (
        "ethnic_group",
        "age_band",
        "gender",
        "problem_descriptor",
        "step",
        "therapy",
        "service",
        "alert_response",
    ):
        rows = d["breakdowns"].get(name, [])
        if not rows:
            continue
        out.append(f"<h3>{_e(DIMENSION_TITLES.get(name, name))}</h3>")
        out.append(
            _table(
                headers,
                [
                    [
                        r.get("label", r["group"]),
                        _int(r.get("referrals")),
                        _int(r.get("finished_course")),
                        _pct(r.get("recovery_rate")),
                        _pct(r.get("reliable_improvement_rate")),
                        _pct(r.get("reliable_deterioration_rate")),
                        _pct(r.get("itt_recovery_rate")),
                        _pct(r.get("dna_rate")),
                    ]
                    for r in rows
                ],
            )
        )
    out.append(
        '<p class="note">Off-track alerts: outcomes of referrals with an off-track alert, by '
        "whether any was acted on. Observational: clients whose alerts were acted on may differ "
        "in other ways.</p></section>"
    )
    return "".join(out)


def _alerts(alerts: Sequence[Row] | None) -> str:
    if alerts is None:
        return ""
    rows = [
        [
            a["kind"],
            a["severity"],
            _int(a["opened"]),
            _pct(a["acknowledged_rate"]),
            _num(a["median_hours_to_acknowledge"], 1),
            _pct(a["acted_on_rate"]),
            _num(a["median_hours_to_act"], 1),
        ]
        for a in alerts
    ]
    table = _table(
        [
            "Kind",
            "Severity",
            "Opened",
            "Acknowledged",
            "Median hours to acknowledge",
            "Acted on",
            "Median hours to act",
        ],
        rows,
    )
    return (
        '<section aria-labelledby="h-alerts"><h2 id="h-alerts">Alert response</h2>'
        f"{table}</section>"
    )


def _definitions(d: Row) -> str:
    items = "".join(
        f"<li>{_e(t['measure'])}: caseness {'≥' if t['cutoff_inclusive'] else '>'} "
        f"{_e(t['cutoff'])}, reliable change ≥ {_e(t['reliable_change'])}</li>"
        for t in d["thresholds"]
    )
    return (
        '<section aria-labelledby="h-def"><h2 id="h-def">Definitions</h2>'
        "<p>Measures follow NHS Talking Therapies definitions and NHS England's public key-"
        "metrics SQL; docs/analytics.md defines each one with its source. Thresholds used:</p>"
        f"<ul>{items}</ul></section>"
    )


# -- charts ---------------------------------------------------------------------------------


def _svg(width: int, height: int, title: str, body: str) -> str:
    ident = f"c{zlib.crc32(title.encode()):08x}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}">'
        f'<title id="{ident}">{_e(title)}</title>'
        f'<text x="0" y="16" font-size="15" font-weight="bold">{_e(title)}</text>{body}</svg>'
    )


def _hbar(items: Sequence[tuple[str, Any, str]], title: str, value_max: float | None) -> str:
    width, left, bar_h, gap, top = 900, 170, 26, 8, 30
    values = [float(v) for _, v, _ in items if v is not None]
    top_value = value_max or (max(values) if values else 1.0) or 1.0
    span = width - left - 260
    body = []
    for i, (label, value, note) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = 0.0 if value is None else span * float(value) / top_value
        body.append(
            f'<text x="{left - 8}" y="{y + 18}" font-size="14" text-anchor="end">{_e(label)}</text>'
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{BLUE}"/>'
            f'<text x="{left + w + 6:.1f}" y="{y + 18}" font-size="13">{_e(note)}</text>'
        )
    height = top + len(items) * (bar_h + gap) + 4
    return _svg(width, height, title, "".join(body))


def _columns(items: Sequence[tuple[str, Any]], title: str, *, y_max: float, x_title: str) -> str:
    width, height, left, bottom, top = 900, 300, 50, 60, 30
    plot_h = height - top - bottom
    slot = (width - left - 10) / max(len(items), 1)
    body = [_y_axis(left, top, plot_h, width, y_max, rate=True)]
    for i, (label, value) in enumerate(items):
        x = left + i * slot + slot * 0.15
        if value is not None:
            h = plot_h * float(value) / y_max
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
                f'height="{h:.1f}" fill="{BLUE}"/>'
                f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h - h - 4:.1f}" font-size="12" '
                f'text-anchor="middle">{_pct(value)}</text>'
            )
        else:
            body.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h - 4:.1f}" font-size="11" '
                f'text-anchor="middle" fill="{GREY}">n/a</text>'
            )
        body.append(
            f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h + 16:.1f}" font-size="13" '
            f'text-anchor="middle">{_e(label)}</text>'
        )
    body.append(
        f'<text x="{left + (width - left) / 2:.1f}" y="{height - 14}" font-size="13" '
        f'text-anchor="middle" fill="#4c6272">{_e(x_title)}</text>'
    )
    return _svg(width, height, title, "".join(body))


def _y_axis(left: int, top: int, plot_h: float, width: int, y_max: float, *, rate: bool) -> str:
    parts = []
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        label = _pct(value) if rate else _int(round(value))
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="{PALE}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{label}</text>'
        )
    return "".join(parts)


def _lines(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Any], str]],
    title: str,
    *,
    rate: bool,
) -> str:
    width, height, left, bottom, top = 900, 300, 60, 70, 30
    plot_h = height - top - bottom
    values = [float(v) for _, vs, _ in series for v in vs if v is not None]
    y_max = 1.0 if rate else _nice(max(values) if values else 1.0)
    step = (width - left - 20) / max(len(labels) - 1, 1)
    body = [_y_axis(left, top, plot_h, width, y_max, rate=rate)]
    every = max(1, -(-len(labels) // 10))  # at most ten labels
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(
                f'<text x="{left + i * step:.1f}" y="{top + plot_h + 16}" font-size="11" '
                f'text-anchor="middle">{_e(label)}</text>'
            )
    for s_index, (name, vs, colour) in enumerate(series):
        points = [
            f"{left + i * step:.1f},{top + plot_h - plot_h * float(v) / y_max:.1f}"
            for i, v in enumerate(vs)
            if v is not None
        ]
        if len(points) > 1:
            body.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" '
                f'points="{" ".join(points)}"/>'
            )
        for p in points:
            x, y = p.split(",")
            body.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
        lx = left + s_index * 190
        body.append(
            f'<rect x="{lx}" y="{height - 26}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{lx + 20}" y="{height - 20}" font-size="12">{_e(name)}</text>'
        )
    return _svg(width, height, title, "".join(body))


def _forest(effects: Sequence[Row]) -> str:
    width, left, row_h, top = 900, 170, 18, 40
    lows = [e["adjusted_lower"] for e in effects]
    highs = [e["adjusted_upper"] for e in effects]
    lo = max(0.0, min(lows) - 0.02)
    hi = min(1.0, max(highs) + 0.02)
    span = width - left - 190

    def x(v: float) -> float:
        return float(left + span * (min(max(v, lo), hi) - lo) / (hi - lo or 1.0))

    mean = effects[0]["service_rate"]
    body = [
        f'<line x1="{x(mean):.1f}" x2="{x(mean):.1f}" y1="{top - 8}" '
        f'y2="{top + len(effects) * row_h}" stroke="{GREY}" stroke-dasharray="4 3"/>'
        f'<text x="{x(mean):.1f}" y="{top - 12}" font-size="11" text-anchor="middle">'
        f"service {_pct(mean)}</text>"
    ]
    colours = {"above expected": GREEN, "below expected": RED}
    for i, (e, low, high) in enumerate(zip(effects, lows, highs, strict=True)):
        y = top + i * row_h + row_h / 2
        colour = colours.get(e["signal"], BLUE)
        body.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end">'
            f"{_e(e['therapist_id'])} ({_int(e['courses'])})</text>"
            f'<line x1="{x(low):.1f}" x2="{x(high):.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="2"/>'
            f'<circle cx="{x(e["adjusted_rate"]):.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
            f'<text x="{width - 180}" y="{y + 4:.1f}" font-size="11">'
            f"{_pct(e['adjusted_rate'])} ({_pct(low)}–{_pct(high)})</text>"
        )
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        body.append(
            f'<text x="{x(v):.1f}" y="{top + len(effects) * row_h + 16}" font-size="11" '
            f'text-anchor="middle">{_pct(v)}</text>'
        )
    body.append(
        f'<text x="{left}" y="{top + len(effects) * row_h + 34}" font-size="11" fill="#4c6272">'
        "green: interval above the service rate; red: below; blue: within</text>"
    )
    height = top + len(effects) * row_h + 42
    title = "Case-mix-adjusted recovery by therapist (courses in brackets), 95% intervals"
    return _svg(width, height, title, "".join(body))


# -- formatting -----------------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _tile(value: str, label: str) -> str:
    return f'<div class="tile"><b>{_e(value)}</b><span>{_e(label)}</span></div>'


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.1f}%"


def _pp(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.1f} percentage points"


def _num(value: Any, digits: int) -> str:
    return "–" if value is None else f"{float(value):.{digits}f}"


def _int(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def _nice(value: float) -> float:
    """Round an axis maximum up to 1, 2 or 5 × a power of ten."""
    if value <= 0:
        return 1.0
    power = 10.0 ** (len(str(int(value))) - 1)
    for m in (1.0, 2.0, 5.0, 10.0):
        if value <= m * power:
            return m * power
    return 10.0 * power
