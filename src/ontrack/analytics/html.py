"""A self-contained HTML report: inline CSS and SVG charts, no scripts, no network. It
opens offline in any browser and prints cleanly.

Charts (from ``ontrack.charts``, the kit the web pages use too): the intention-to-treat
funnel, recovery by IMD decile, waits to first treatment, monthly trends, and therapist
effects with their intervals, each with its numbers as a table; tables for the other
breakdowns and for alert response.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from ontrack.analytics.breakdowns import DIMENSION_TITLES
from ontrack.charts import Figure
from ontrack.charts import service as figures

Row = dict[str, Any]
MAX_THERAPISTS = 40

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
figure{margin:12px 0} figcaption{font-weight:bold;margin-bottom:4px}
svg.app-chart{display:block;max-width:100%;height:auto}
details{margin:4px 0 12px} summary{cursor:pointer;color:#005eb8}
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
    chart = _figure(figures.funnel(rows), with_table=False)  # the table below has it all
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
    chart = _figure(figures.recovery_by_decile(deciles), with_table=False)
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
    labels = (
        "Deciles are numbered 1 (most deprived) to 10 (least deprived); the published labels "
        "run the other way ('10 Most deprived' … '01 Least deprived')."
    )
    return (
        '<section aria-labelledby="h-imd"><h2 id="h-imd">Deprivation</h2>'
        f'{chart}<p>{_e(gap_text)}</p><p class="note">{_e(labels)}</p>{table}</section>'
    )


def _waits(d: Row) -> str:
    chart = _figure(figures.waits(d))
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
    counts = _figure(figures.monthly_counts(rows))
    rates = _figure(figures.monthly_rates(rows))
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
    chart = _figure(figures.therapist_effects(shown))
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


# -- figures and formatting ----


def _figure(figure: Figure, *, with_table: bool = True) -> str:
    """Place a chart with its caption and, unless the section shows them, its numbers."""
    table = (
        f"<details><summary>{_e(figure.title)}: the numbers</summary>"
        f"{figure.table.html()}</details>"
        if with_table
        else ""
    )
    return f"<figure><figcaption>{_e(figure.title)}</figcaption>{figure.svg}{table}</figure>"


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
