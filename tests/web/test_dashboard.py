"""The service dashboard's counts (ADR 0093): kept by the actions, equal to a rebuild and to
``ontrack report``; and the page: roles, months, small numbers, CSV and its query count."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.web.conftest import Cast, browser_as

from ontrack.analytics import key_measures
from ontrack.analytics.dashboard import DIMENSIONS, SUMMED, dashboard_report, month_bounds
from ontrack.analytics.measures import RATES
from ontrack.web.accounts.models import Service
from ontrack.web.canonical.cells import paused, rebuild_service, refresh_clients
from ontrack.web.canonical.export import export_tables
from ontrack.web.canonical.load import load_tables
from ontrack.web.canonical.models import MonthCounts, ReferralCells
from ontrack.web.common.codes import Attendance
from ontrack.web.records import actions
from ontrack.web.records.models import Client, Episode, Referral

pytestmark = [
    pytest.mark.django_db,
    # ibis's DuckDB backend (``ontrack report``, compared with) calls a deprecated method.
    pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
]

PHQ9 = [2, 2, 1, 2, 1, 1, 1, 1, 0]
GAD7 = [2, 1, 1, 2, 1, 1, 1]
# Rates whose numerator and denominator are both kept by month.
SUMMED_RATES = tuple(r.name for r in RATES if r.numerator in SUMMED and r.denominator in SUMMED)


def _state(service: Service) -> tuple[list[Any], list[Any]]:
    counts = MonthCounts.objects.filter(service=service).order_by("month", "dimension", "group")
    cells = ReferralCells.objects.filter(service=service).order_by("referral_id")
    return (
        list(counts.values_list("month", "dimension", "group", "counts")),
        list(cells.values_list("referral_id", "client_id", "groups", "months")),
    )


def _record(cast: Cast, day: dt.date, **overrides: Any) -> None:
    episode = Episode.unscoped.get(pk=cast.episode.pk)
    arguments: dict[str, Any] = {
        "episode": episode,
        "expected_version": episode.version,
        "contact_date": day,
        "attendance": Attendance.ATTENDED_ON_TIME,
        "questionnaires": {"PHQ-9": PHQ9, "GAD-7": GAD7},
        "by": cast.alice,
    }
    arguments.update(overrides)
    actions.record_session(**arguments)


@pytest.fixture
def simulated(db: None) -> Service:
    """A simulated service loaded as an imported history (the hook paused, nothing kept)."""
    from ontrack.synth import simulate

    tables = simulate(referrals=80, seed=11, services=1)
    with paused():
        load_tables(tables)
    return Service.objects.get(code=tables["service"].column("service_id")[0].as_py())


def test_a_bulk_load_keeps_no_counts_until_rebuilt(simulated: Service) -> None:
    assert not MonthCounts.objects.exists()
    assert rebuild_service(simulated) == 80
    assert MonthCounts.objects.filter(service=simulated, dimension="overall").exists()


def test_counts_kept_client_by_client_equal_a_rebuild(simulated: Service) -> None:
    clients = Client.unscoped.filter(service=simulated).values_list("pk", flat=True)
    refresh_clients(list(clients))
    kept = _state(simulated)
    refresh_clients(list(clients)[:5])  # a second refresh moves nothing
    assert _state(simulated) == kept
    rebuild_service(simulated)
    assert _state(simulated) == kept
    assert len(kept[1]) == 80


def test_dashboard_figures_equal_ontrack_report_for_the_same_months(simulated: Service) -> None:
    rebuild_service(simulated)
    rows = list(
        MonthCounts.objects.filter(service=simulated).values_list(
            "month", "dimension", "group", "counts"
        )
    )
    months = sorted({row[0] for row in rows})
    start, end = months[2], months[-3]
    shown = dashboard_report(rows, start, end).to_dict()
    full = key_measures(export_tables(service=simulated), period=month_bounds(start, end))
    assert shown["referrals"] > 0
    assert shown["finished_course"] > 0
    for name in (*SUMMED, *SUMMED_RATES):
        assert shown[name] == full[name], name
    assert shown["funnel"] == full["funnel"]
    for decile, row in shown["by_imd_decile"].items():
        theirs = full["by_imd_decile"][decile]
        assert [row[n] for n in SUMMED_RATES] == [theirs[n] for n in SUMMED_RATES]
    for dimension in (*DIMENSIONS, "month"):
        ours = {
            r["group"]: [r[n] for n in (*SUMMED, *SUMMED_RATES)]
            for r in shown["breakdowns"][dimension]
        }
        theirs = {
            r["group"]: [r[n] for n in (*SUMMED, *SUMMED_RATES)]
            for r in full["breakdowns"][dimension]
            if any(r[n] for n in SUMMED)
        }
        assert ours == theirs, dimension


def test_an_action_queues_its_client_once_and_moves_this_months_counts(
    cast: Cast, today: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _record(cast, today)
    refreshes = [c for c in callbacks if type(c).__name__ == "_Refresh"]
    assert len(refreshes) == 1  # several audit events, one refresh
    overall = MonthCounts.objects.get(
        service=cast.service, month=f"{today:%Y-%m}", dimension="overall", group="overall"
    )
    assert overall.counts["appointments"] == 1
    decile = MonthCounts.objects.get(
        service=cast.service, month=f"{today:%Y-%m}", dimension="imd_decile", group="3"
    )
    assert decile.counts == overall.counts


def test_sessions_a_correction_and_a_discharge_keep_counts_equal_to_a_rebuild(
    cast: Cast, today: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    rebuild_service(cast.service)  # Dan's referral, made without actions
    start = today - dt.timedelta(days=70)
    with django_capture_on_commit_callbacks(execute=True):
        for days in (0, 14, 28):
            _record(cast, start + dt.timedelta(days=days))
        _record(
            cast,
            start + dt.timedelta(days=42),
            attendance=Attendance.DID_NOT_ATTEND,
            questionnaires={},
        )
        referral = Referral.unscoped.get(pk=cast.referral.pk)
        actions.end_referral(
            referral=referral,
            expected_version=referral.version,
            end_date=start + dt.timedelta(days=50),
            end_code="46",
            by=cast.alice,
        )
    kept = _state(cast.service)
    totals: dict[str, int] = {}
    for _, dimension, _, counts in kept[0]:
        if dimension == "overall":
            for name, n in counts.items():
                totals[name] = totals.get(name, 0) + n
    assert (totals["appointments"], totals["dna"]) == (4, 1)
    assert (totals["finished_course"], totals["ended_referrals"]) == (1, 1)
    rebuild_service(cast.service)
    assert _state(cast.service) == kept


def test_an_erased_client_leaves_the_counts(
    cast: Cast, today: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    rebuild_service(cast.service)
    with django_capture_on_commit_callbacks(execute=True):
        _record(cast, today)
    assert ReferralCells.objects.filter(client_id=cast.client.pk).exists()
    Referral.unscoped.filter(client=cast.client).update(end_date=today, end_code="46")
    from ontrack.web.privacy.erasure import erase_client

    with django_capture_on_commit_callbacks(execute=True):
        erase_client(client=cast.client, by=cast.mo, reason="Asked to be forgotten.")
    assert not ReferralCells.objects.filter(client_id=cast.client.pk).exists()
    kept = _state(cast.service)
    rebuild_service(cast.service)
    assert _state(cast.service) == kept


# -- the page --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("mo", 200), ("sue", 200), ("oscar", 200), ("alice", 403), ("cara", 403), ("anonymous", 302)],
)
def test_dashboard_is_for_managers_and_supervisors(cast: Cast, role: str, status: int) -> None:
    assert browser_as(cast, role).get(reverse("service_dashboard")).status_code == status


def _page(cast: Cast, role: str = "mo", **query: str) -> Any:
    return browser_as(cast, role).get(reverse("service_dashboard"), query)


def test_dashboard_shows_this_services_months_and_flags_small_numbers(
    cast: Cast, today: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _record(cast, today)
    html = _page(cast).content.decode()
    assert 'id="table-month"' in html
    assert f">{today:%Y-%m}<" in html
    assert "app-small-number" in html  # one appointment: a small number
    for title in ("Deprivation", "Ethnic group", "Age at referral", "Gender"):
        assert title in html
    # Oscar manages another service: none of North's figures.
    assert f">{today:%Y-%m}<" not in _page(cast, "oscar").content.decode()
    published = _page(cast, publication="1").content.decode()
    assert 'app-small-number">small' not in published
    assert "publication rule is applied" in published


def test_dashboard_months_before_the_session_show_nothing(
    cast: Cast, today: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _record(cast, today)
    html = _page(cast, **{"from": "2020-01", "to": "2020-12"}).content.decode()
    assert "Nothing recorded in these months." in html


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2025-13"},
        {"to": "25-01"},
        {"from": "2025-06", "to": "2025-01"},
        {"from": "2000-01", "to": "2025-01"},
        {"from": "<script>"},
    ],
)
def test_dashboard_bad_months_are_a_400_saying_why(cast: Cast, query: dict[str, str]) -> None:
    response = _page(cast, **query)
    assert response.status_code == 400
    assert "These months cannot be shown" in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_dashboard_csv_has_every_table(
    cast: Cast, today: dt.date, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _record(cast, today)
    response = _page(cast, format="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    tables = {r["table"] for r in rows}
    assert tables == {"overall", "month", *DIMENSIONS}
    overall = next(r for r in rows if r["table"] == "overall")
    assert overall["appointments"] == "1"
    published = list(
        csv.DictReader(io.StringIO(_page(cast, format="csv", publication="1").content.decode()))
    )
    assert next(r for r in published if r["table"] == "overall")["appointments"] == ""


def test_dashboard_query_count_does_not_grow_with_the_service(
    simulated: Service, cast: Cast
) -> None:
    def queries() -> int:
        browser = browser_as(cast, "mo")
        months = {"from": "2020-01", "to": "2026-12"}
        browser.get(reverse("service_dashboard"), months)  # warm
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(reverse("service_dashboard"), months).status_code == 200
        return len(captured)

    before = queries()
    assert before <= 8
    rebuild_service(simulated)
    moved = MonthCounts.objects.filter(service=simulated).update(service=cast.service)
    assert moved > 100
    assert queries() == before


def test_with_the_worker_refreshing_the_request_only_enqueues(
    cast: Cast, today: dt.date, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    settings.ONTRACK_DASHBOARD_REFRESH = "worker"
    with django_capture_on_commit_callbacks(execute=True):
        _record(cast, today)
    assert not MonthCounts.objects.exists()
    # The worker closes "old" connections between tasks: on PostgreSQL that would close
    # the test's own connection, which holds the test's transaction.
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", return_value=None
    ):
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test",
            excluded_queue_names=[],
        ).run()
    overall = MonthCounts.objects.get(service=cast.service, month=f"{today:%Y-%m}", group="overall")
    assert overall.counts["appointments"] == 1
