"""Alert response times from the records app's alert table (when the dataset has one).

Unread alerts help nobody (DESIGN §4), so the report shows, per kind and severity of alert
opened in the period, how many were acknowledged and acted on and how long that took. The
outcomes of off-track episodes whose alerts were or were not acted on are a breakdown of
the key measures (dimension ``alert_response``); being observational, they say nothing
about cause.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from ontrack.analytics.engines import Engine
from ontrack.analytics.period import Period

DAY = 86_400


def alert_response(engine: Engine, alert: ir.Table, period: Period) -> list[dict[str, Any]]:
    """Return per (kind, severity): counts, median hours to acknowledge and to act.

    Medians are taken over whole seconds, which every engine interpolates identically.
    """
    a = alert.filter(period.contains(alert.opened_at.date()))
    opened = a.opened_at.epoch_seconds()
    to_ack = a.acknowledged_at.epoch_seconds() - opened
    to_act = a.acted_at.epoch_seconds() - opened
    a = a.mutate(to_ack=to_ack, to_act=to_act)
    agg = a.group_by(["kind", "severity"]).aggregate(
        opened=a.count(),
        acknowledged=a.count(where=a.to_ack.notnull()),
        # Conditions on a missing time are null; Spark counts those as null, not 0.
        acknowledged_within_1_day=a.count(where=(a.to_ack <= DAY).fill_null(False)),
        acknowledged_within_7_days=a.count(where=(a.to_ack <= 7 * DAY).fill_null(False)),
        acted_on=a.count(where=a.to_act.notnull()),
        closed=a.count(where=a.closed_at.notnull()),
        median_seconds_to_acknowledge=a.to_ack.median(),
        median_seconds_to_act=a.to_act.median(),
    )
    rows = engine.fetch(agg)
    out = []
    for row in sorted(rows, key=lambda r: (str(r["kind"]), str(r["severity"]))):
        opened_n = int(row["opened"])
        out.append(
            {
                "kind": row["kind"],
                "severity": row["severity"],
                "opened": opened_n,
                "acknowledged": int(row["acknowledged"]),
                "acknowledged_within_1_day": int(row["acknowledged_within_1_day"]),
                "acknowledged_within_7_days": int(row["acknowledged_within_7_days"]),
                "acted_on": int(row["acted_on"]),
                "closed": int(row["closed"]),
                "acknowledged_rate": int(row["acknowledged"]) / opened_n if opened_n else None,
                "acted_on_rate": int(row["acted_on"]) / opened_n if opened_n else None,
                "median_hours_to_acknowledge": _hours(row["median_seconds_to_acknowledge"]),
                "median_hours_to_act": _hours(row["median_seconds_to_act"]),
            }
        )
    return out


def _hours(seconds: object) -> float | None:
    if seconds is None:
        return None
    return float(seconds) / 3600.0  # type: ignore[arg-type]
