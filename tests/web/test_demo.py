"""The demo service: cut at today, loaded, with a working sign-in for every role."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client as Browser
from django.urls import reverse
from tests.web.tables import tiny_tables

from ontrack.dataset.checks import check_tables
from ontrack.web.accounts.models import Staff, Supervision
from ontrack.web.canonical.demo import DEMO_PASSWORD, build_demo, cut_at
from ontrack.web.canonical.export import export_tables
from ontrack.web.common.codes import AlertKind, AlertStatus, EpisodeStatus
from ontrack.web.records.models import Alert, Contact, Episode
from ontrack.web.records.scoping import scopes_disabled

REPO = Path(__file__).resolve().parents[2]


def test_cut_at_removes_the_future_and_reopens_referrals() -> None:
    cut = cut_at(tiny_tables(), dt.date(2025, 2, 12))

    assert cut["referral"].column("referral_id").to_pylist() == ["R1", "R2"]
    assert cut["referral"].column("end_date").to_pylist() == [None, None]
    assert cut["contact"].column("contact_id").to_pylist() == ["C1", "C2", "C3"]
    assert cut["score"].column("contact_id").to_pylist() == ["C2", "C2"]
    assert cut["homework"].to_pylist() == [
        {
            "homework_id": "H1",
            "referral_id": "R1",
            "set_contact_id": "C2",
            "reviewed_contact_id": None,
            "criteria_met": 4,
            "outcome": None,
        }
    ]


@pytest.mark.django_db
def test_build_demo_gives_every_role_a_working_sign_in() -> None:
    demo = build_demo(referrals=80, seed=7, therapists=6)

    roles = {s.role for s in demo.sign_ins}
    assert roles == {
        "therapist",
        "therapist (triage)",
        "supervisor",
        "service manager",
        "administrator",
        "client",
    }
    with scopes_disabled():
        assert Staff.objects.filter(role="supervisor").count() == 2
        assert Supervision.objects.count() == 6
        assert Episode.objects.filter(status=EpisodeStatus.OPEN).count() == demo.open_episodes > 0
        assert not Contact.objects.filter(
            contact_date__gt=dt.date.today() + dt.timedelta(days=1)
        ).exists()
        # Past risk alerts were handled (simulated); none is closed without an action.
        assert not Alert.objects.filter(
            kind=AlertKind.RISK, status=AlertStatus.CLOSED, acted_at__isnull=True
        ).exists()
        # One open risk alert per client at most, graded by its headline (ADR 0120).
        open_risk = Alert.objects.filter(kind=AlertKind.RISK).exclude(status="closed")
        clients = [a.referral.client_id for a in open_risk.select_related("referral")]
        assert len(clients) == len(set(clients))
        for alert in open_risk:
            assert alert.severity == ("urgent" if (alert.risk_level or 0) >= 1 else "high")
        closed_risk = Alert.objects.filter(kind=AlertKind.RISK, status="closed")
        assert all(a.close_note.startswith("Closed by the risk review") for a in closed_risk)
    assert check_tables(export_tables()) == []
    for sign_in in demo.sign_ins:
        browser = Browser()
        assert browser.login(username=sign_in.username, password=DEMO_PASSWORD), sign_in
        home = browser.get("/", follow=True)
        assert home.status_code == 200, sign_in
    browser = Browser()
    browser.login(username=demo.sign_ins[0].username, password=DEMO_PASSWORD)
    assert browser.get(reverse("caseload")).content.count(b'href="/clients/') > 0


@pytest.mark.slow
def test_ontrack_demo_command_builds_the_database_and_prints_sign_ins(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY")
    }
    env["ONTRACK_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "ontrack", "demo", "--no-serve"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Loaded the demo service in" in result.stdout
    for username in ("supervisor1", "manager", "admin", "client"):
        assert username in result.stdout
    assert DEMO_PASSWORD in result.stdout
    assert (tmp_path / "demo.sqlite3").exists()


def test_ontrack_demo_refuses_a_bad_port() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ontrack", "demo", "--port", "70000"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--port must be between 1 and 65535" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--port", "0"], "--port must be between 1 and 65535"),
        (["demo", "--referrals", "5", "--no-serve"], "--referrals must be at least 20"),
    ],
)
def test_ontrack_commands_refuse_bad_input(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ontrack", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr


def test_ontrack_help_lists_demo_and_serve() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ontrack", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "demo" in result.stdout
    assert "serve" in result.stdout
