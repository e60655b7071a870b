"""Service analytics on the canonical dataset: NHS Talking Therapies key measures, the
intention-to-treat funnel, equity breakdowns, therapist effects and practice measures.

One implementation, three engines: every measure is an Ibis expression that runs on DuckDB
(embedded, the default), PySpark and PostgreSQL; ``reference.py`` is a small pure-Python
implementation that the tests hold every engine to. docs/analytics.md defines each measure
and its source.

>>> from ontrack.synth import simulate
>>> measures = key_measures(simulate(referrals=200, seed=3))
>>> measures["referrals"], 0 <= measures["recovery_rate"] <= 1
(200, True)
>>> sorted(measures["by_imd_decile"], key=int)[:3]
['1', '2', '3']
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from ontrack.analytics.engines import (
    ENGINES,
    Engine,
    EngineName,
    from_connection,
    open_dataset,
    open_tables,
    spark_session,
)
from ontrack.analytics.period import Period
from ontrack.analytics.report import Report, build_report
from ontrack.analytics.suppression import RULE as SUPPRESSION_RULE
from ontrack.analytics.thresholds import Thresholds

__all__ = [
    "ENGINES",
    "SUPPRESSION_RULE",
    "Engine",
    "EngineName",
    "Period",
    "Report",
    "Thresholds",
    "build_report",
    "from_connection",
    "key_measures",
    "open_dataset",
    "open_tables",
    "report_for",
    "spark_session",
]

Source = str | os.PathLike[str] | Mapping[str, pa.Table] | Engine | Any


def report_for(
    source: Source,
    *,
    period: Period | None = None,
    engine: EngineName = "duckdb",
    database: str | None = None,
) -> Report:
    """Build the full report from a dataset directory, Arrow tables, an ``Engine`` or an
    Ibis connection (DuckDB, PySpark or PostgreSQL) that holds the canonical tables."""
    if isinstance(source, Engine):
        return build_report(source, period=period)
    if isinstance(source, str | os.PathLike):
        opened = open_dataset(source, engine)
    elif isinstance(source, Mapping):
        opened = open_tables(source, engine)
    else:
        opened = from_connection(source, database=database)
    with opened:
        return build_report(opened, period=period)


def key_measures(
    source: Source,
    *,
    period: Period | None = None,
    engine: EngineName = "duckdb",
    database: str | None = None,
    publication: bool = False,
) -> dict[str, Any]:
    """Return the service's measures as the JSON object ``ontrack report --json`` prints.

    ``source`` is a dataset directory, a mapping of canonical Arrow tables, an ``Engine``,
    or an Ibis connection whose ``database`` (schema) holds the canonical tables (the
    records app's PostgreSQL). Rates are fractions 0-1; ``by_imd_decile`` is keyed "1"
    (most deprived) to "10"; ``publication=True`` applies the small-number rule.
    """
    return report_for(source, period=period, engine=engine, database=database).to_dict(
        publication=publication
    )
