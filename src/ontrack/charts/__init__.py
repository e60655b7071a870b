"""OnTrack's one chart kit: server-rendered, accessible SVG, each chart with its table.

Framework-free (no Django, no script, nothing fetched), so the same drawings serve the
clinician pages (``ontrack.web``) and the self-contained HTML report (``ontrack report
--html``). Every figure is ``<svg role="img">`` with a title and a description in words,
labels in words and units, lines told apart by dash pattern and points by shape as well as
colour, and a ``Table`` holding every point it draws. docs/adr/0062 says why it is
hand-written.

>>> import datetime as dt
>>> from ontrack import charts
>>> axis = charts.date_axis([dt.date(2026, 3, 2), dt.date(2026, 3, 30)])
>>> figure = charts.score_chart(
...     ident="phq9", measure="PHQ-9", low=0, high=27, axis=axis,
...     scores=[charts.ScorePoint(dt.date(2026, 3, 2), 18, None),
...             charts.ScorePoint(dt.date(2026, 3, 30), 12, 4)],
...     caseness=10, description="PHQ-9 from 18 to 12.")
>>> figure.svg.startswith('<svg class="app-chart"'), figure.table.rows[-1]
(True, ('30 Mar 2026', '4', '12'))
"""

from __future__ import annotations

from ontrack.charts.bars import (
    Bar,
    Interval,
    Series,
    bar_chart,
    column_chart,
    interval_chart,
    line_chart,
)
from ontrack.charts.figure import Figure, Table
from ontrack.charts.scales import BandAxis, DateAxis, LinearScale, nice_ceiling, nice_step
from ontrack.charts.timeline import (
    CoursePoint,
    Event,
    ScorePoint,
    alliance_chart,
    date_axis,
    events_strip,
    goals_chart,
    score_chart,
)

__all__ = [
    "BandAxis",
    "Bar",
    "CoursePoint",
    "DateAxis",
    "Event",
    "Figure",
    "Interval",
    "LinearScale",
    "ScorePoint",
    "Series",
    "Table",
    "alliance_chart",
    "bar_chart",
    "column_chart",
    "date_axis",
    "events_strip",
    "goals_chart",
    "interval_chart",
    "line_chart",
    "nice_ceiling",
    "nice_step",
    "score_chart",
]
