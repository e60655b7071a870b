"""What the loader checks before it writes: the dataset's rules, then the records'.

The tables go through ``ontrack.dataset.checks`` first, the same rules and messages as
``ontrack check``; a ``LoadError`` names every problem found. Then the few rules the
records add are checked on the rows, and the database is asked whether the service or
its therapists are already there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from ontrack.dataset import Problem
from ontrack.dataset.checks import check_tables
from ontrack.dataset.conform import conform_strictly
from ontrack.dataset.schema import TABLES
from ontrack.web.accounts.models import Service, Staff, User
from ontrack.web.common.codes import AlertKind, AlertSeverity

# The canonical tables a load needs ("alert" and "circumstance" are optional).
REQUIRED = (
    "service",
    "therapist",
    "referral",
    "contact",
    "score",
    "alliance",
    "goal_rating",
    "homework",
)
OPTIONAL = ("alert", "circumstance")
Row = dict[str, Any]
_SHOWN = 10  # problems named in a LoadError's message


class LoadError(ValueError):
    """The tables cannot be loaded as they are; nothing was written.

    ``problems`` lists what ``ontrack.dataset.checks`` found, when that is the reason.
    """

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)

    @classmethod
    def from_problems(cls, problems: Sequence[Problem]) -> LoadError:
        shown = "; ".join(str(p) for p in problems[:_SHOWN])
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        noun = "problem" if len(problems) == 1 else "problems"
        return cls(f"the tables have {len(problems)} {noun}: {shown}{more}", problems)


def check_for_load(tables: Mapping[str, pa.Table]) -> dict[str, list[Row]]:
    """Check the tables (the dataset's rules, then the records'); return their rows."""
    absent = [name for name in REQUIRED if name not in tables]
    if absent:
        raise LoadError(f"missing table(s): {', '.join(absent)}")
    given = {name: tables[name] for name in (*REQUIRED, *OPTIONAL) if name in tables}
    problems = check_tables(given)
    if problems:
        raise LoadError.from_problems(problems)
    rows = {name: _rows(name, table) for name, table in given.items()}
    _check_referral_ends(rows["referral"])
    _check_alerts(rows.get("alert", []))
    _check_goal_ratings(rows["goal_rating"])
    _check_homework_reviews(rows["homework"])
    _check_circumstances(rows.get("circumstance", []))
    _check_not_loaded_yet(rows)
    return rows


def _rows(name: str, table: pa.Table) -> list[Row]:
    """A checked table's rows, in its canonical columns and types."""
    spec = TABLES[name]
    if table.schema != spec.arrow_schema:
        table = conform_strictly(spec, table, source=f"table {name!r}")
    rows: list[Row] = table.to_pylist()
    return rows


# What the records hold beyond the dataset's rules: an ended referral says how it ended,
# alerts are of kinds OnTrack knows, a risk alert closes only after an action (the same
# rule as ``close_alert``), a goal has one rating per contact, and reviewed homework has
# its outcome.


def _check_referral_ends(referrals: list[Row]) -> None:
    for r in referrals:
        if (r["end_date"] is None) != (r["end_code"] is None):
            raise LoadError(
                f"table 'referral': referral {r['referral_id']!r} needs both end_date and "
                "end_code, or neither"
            )


def _check_alerts(alerts: list[Row]) -> None:
    for r in alerts:
        if r["kind"] not in AlertKind.values:
            raise LoadError(f"table 'alert': unknown kind {r['kind']!r}")
        if r["severity"] not in AlertSeverity.values:
            raise LoadError(f"table 'alert': unknown severity {r['severity']!r}")
        if r["kind"] == AlertKind.RISK and r["closed_at"] is not None and r["acted_at"] is None:
            raise LoadError(
                f"table 'alert': risk alert {r['alert_id']!r} was closed with no action recorded"
            )


def _check_goal_ratings(ratings: list[Row]) -> None:
    seen = Counter((r["referral_id"], r["goal_number"], r["contact_id"]) for r in ratings)
    for (_, number, contact), times in seen.items():
        if times > 1:
            raise LoadError(
                f"table 'goal_rating': goal {number} rated twice at contact {contact!r}"
            )


def _check_homework_reviews(homework: list[Row]) -> None:
    for r in homework:
        if (r["reviewed_contact_id"] is None) != (r["outcome"] is None):
            raise LoadError(
                f"table 'homework': {r['homework_id']!r} needs both a review contact and an "
                "outcome, or neither"
            )


def _check_circumstances(circumstances: list[Row]) -> None:
    seen = Counter((r["contact_id"], r["kind"]) for r in circumstances)
    for (contact, kind), times in seen.items():
        if times > 1:
            raise LoadError(
                f"table 'circumstance': kind {kind!r} recorded twice at contact {contact!r}"
            )


def _check_not_loaded_yet(rows: Mapping[str, list[Row]]) -> None:
    services = [r["service_id"] for r in rows["service"]]
    existing = set(Service.objects.filter(code__in=services).values_list("code", flat=True))
    if existing:
        raise LoadError(f"service(s) already loaded: {', '.join(sorted(existing))}")
    therapists = [r["therapist_id"] for r in rows["therapist"]]
    taken = set(
        Staff.objects.filter(practitioner_id__in=therapists).values_list(
            "practitioner_id", flat=True
        )
    )
    taken |= set(
        User.objects.filter(username__in=[t.lower() for t in therapists]).values_list(
            "username", flat=True
        )
    )
    if taken:
        raise LoadError(f"therapist(s) already present: {', '.join(sorted(taken)[:5])}")
