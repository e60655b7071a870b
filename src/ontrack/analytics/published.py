"""The measures NHS England publishes as small tables rather than as sums over referrals.

Most measures are counts of referrals (``measures.py``) and so break down by every dimension.
A few are shapes of their own: the median wait (a median is not a sum), ended referrals by
end code, appointments by intensity and by consultation mechanism (counts of contacts by
a code the per-referral table does not keep), and internet-enabled therapy activity (from the
optional ``iet_activity`` table, IDS205). Each is one small grouped query here, and the
reference implementation computes the same in Python (``reference.py``).

The snapshot measures (waiting list, open referrals without contact) are taken on the
``as_at`` day: the end of the period or, for an open-ended period, the last date in the data
(the latest referral, contact or discharge), as NHS England takes them at month end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import ibis.expr.types as ir

from ontrack.analytics.engines import Engine
from ontrack.analytics.measures import WAITING_BANDS
from ontrack.analytics.period import Period
from ontrack.dataset import code_lists

NOT_KNOWN = "not known"
INTENSITIES = ("low_intensity", "high_intensity", "no_therapy_recorded")


def as_at_date(engine: Engine, period: Period) -> dt.date | None:
    """The end of the period, or the last date in the data when the period is open-ended."""
    if period.end is not None:
        return period.end
    referral, contact = engine.table("referral"), engine.table("contact")
    assert referral is not None
    assert contact is not None
    dates = referral.aggregate(a=referral.referral_date.max(), b=referral.end_date.max())
    contacts = contact.aggregate(c=contact.contact_date.max())
    found = [*engine.fetch(dates)[0].values(), *engine.fetch(contacts)[0].values()]
    known = [_as_date(v) for v in found if v is not None]
    return max(known) if known else None


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def median(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as {value: how many}; None when there are none.

    >>> median({10: 1, 20: 1}), median({3: 2, 9: 1}), median({})
    (15.0, 3.0, None)
    """
    n = sum(histogram.values())
    if n == 0:
        return None
    ordered = sorted(histogram.items())

    def nth(k: int) -> int:  # 0-based k-th smallest
        seen = 0
        for value, count in ordered:
            seen += count
            if k < seen:
                return value
        raise IndexError(k)

    return (nth((n - 1) // 2) + nth(n // 2)) / 2


def wait_histogram(engine: Engine, derived: ir.Table) -> dict[int, int]:
    """Days from referral to first treatment of each course finished in the period."""
    d = derived.filter(derived.m_finished_course == 1)
    wait = d.first_treatment_date.epoch_days() - d.referral_date.epoch_days()
    d = d.select(wait=wait.cast("int64"))
    rows = engine.fetch(d.group_by("wait").aggregate(n=d.count()))
    return {int(r["wait"]): int(r["n"]) for r in rows}


def end_code_counts(engine: Engine, period: Period) -> dict[str, int]:
    """Referrals ended in the period, by end code (every code of the list, then not known)."""
    referral = engine.table("referral")
    assert referral is not None
    ended = referral.filter(period.contains(referral.end_date))
    rows = engine.fetch(ended.group_by("end_code").aggregate(n=ended.count()))
    return shape_end_codes({r["end_code"]: int(r["n"]) for r in rows})


def shape_end_codes(counts: Mapping[str | None, int]) -> dict[str, int]:
    """Every end code in code-list order with its count, then "not known" (no end code)."""
    out = {code: int(counts.get(code, 0)) for code in code_lists()["end_code"]}
    out[NOT_KNOWN] = int(counts.get(None, 0))
    return out


def contact_mix(engine: Engine, period: Period) -> list[tuple[str | None, str | None, int]]:
    """Contacts in the period as (consultation mechanism, therapy, how many)."""
    contact = engine.table("contact")
    assert contact is not None
    c = contact.filter(period.contains(contact.contact_date))
    rows = engine.fetch(c.group_by(["cons_mechanism", "therapy"]).aggregate(n=c.count()))
    return [(r["cons_mechanism"], r["therapy"], int(r["n"])) for r in rows]


def by_intensity(mix: list[tuple[str | None, str | None, int]]) -> dict[str, int]:
    """Appointments by the intensity of the therapy recorded (SNOMED procedure code).

    Low intensity is step 2 and high intensity step 3 of ``codes.toml``'s ``therapy_step``
    (NHS England's LIApts and HIApts lists); contacts without a therapy (assessments,
    missed appointments) are counted apart, so the three add up to ``appointments``.
    """
    steps = code_lists()["therapy_step"]
    out = dict.fromkeys(INTENSITIES, 0)
    for _, therapy, n in mix:
        step = steps.get(therapy) if therapy is not None else None
        key = {"2": "low_intensity", "3": "high_intensity"}.get(step or "", INTENSITIES[2])
        out[key] += n
    return out


def by_mechanism(mix: list[tuple[str | None, str | None, int]]) -> dict[str, int]:
    """Appointments by consultation mechanism code, every code of the list in order."""
    out = dict.fromkeys(code_lists()["cons_mechanism"], 0)
    for mechanism, _, n in mix:
        key = mechanism if mechanism is not None else NOT_KNOWN
        out[key] = out.get(key, 0) + n
    return out


def waiting_list(overall: Mapping[str, Any]) -> dict[str, Any]:
    """The waiting list at the as-at day by weeks waited, from the overall counts."""
    out = {band: overall[f"waiting_{band}"] for band, _, _ in WAITING_BANDS}
    out["total"] = overall["waiting_list"]
    return out


IET_KEYS = ("log_entries", "referrals", "minutes")


def iet_activity(engine: Engine, period: Period) -> dict[str, int] | None:
    """Internet-enabled therapy (IDS205 logs) starting in the period; None without the
    optional ``iet_activity`` table."""
    iet = engine.table("iet_activity")
    if iet is None:
        return None
    d = iet.filter(period.contains(iet.start_date))
    row = engine.fetch(
        d.aggregate(
            log_entries=d.count(),
            referrals=d.referral_id.nunique(),
            minutes=d.duration_minutes.cast("int64").sum(),
        )
    )[0]
    return shape_iet(row)


def shape_iet(counts: Mapping[str, Any]) -> dict[str, int]:
    """Log entries, distinct referrals and total minutes (missing minutes add nothing)."""
    return {k: int(counts.get(k) or 0) for k in IET_KEYS}


def published_tables(engine: Engine, derived: ir.Table, period: Period) -> dict[str, Any]:
    """Every table of this module on ``engine`` (the per-referral table already derived)."""
    mix = contact_mix(engine, period)
    return {
        "median_wait_days": median(wait_histogram(engine, derived)),
        "ended_by_end_code": end_code_counts(engine, period),
        "appointments_by_intensity": by_intensity(mix),
        "appointments_by_consultation_mechanism": by_mechanism(mix),
        "internet_enabled_therapy": iet_activity(engine, period),
    }
