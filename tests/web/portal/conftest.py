"""Fixtures of the client's side: a link for Cara, and the SMTP and SMS stand-ins as real
processes on loopback."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(100):
        if proc.poll() is not None:
            raise RuntimeError(f"the stand-in exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the stand-in did not start")


@dataclass
class Smtp:
    port: int
    maildir: Path

    def messages(self) -> list[str]:
        return [p.read_text() for p in sorted((self.maildir / "new").glob("*"))]


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[Smtp]:
    """aiosmtpd in its own process, keeping each message in a Maildir."""
    port, maildir = free_port(), tmp_path / "mail"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, proc)
        yield Smtp(port, maildir)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class Sms:
    port: int
    log: Path
    api_key: str

    def requests(self) -> list[dict[str, object]]:
        import json

        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def sms_server(tmp_path: Path, fail_first: int = 0) -> Iterator[Sms]:
    port, log = free_port(), tmp_path / f"sms-{uuid.uuid4().hex}.jsonl"
    service, secret = str(uuid.uuid4()), str(uuid.uuid4())
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.web.portal.servers",
            "sms",
            str(port),
            str(log),
            secret,
            service,
            str(fail_first),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, proc)
        yield Sms(port, log, f"ontrack_test-{service}-{secret}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def sms(tmp_path: Path) -> Iterator[Sms]:
    yield from sms_server(tmp_path)


@pytest.fixture
def flaky_sms(tmp_path: Path) -> Iterator[Sms]:
    """Answers 500 to the first two requests, then 201."""
    yield from sms_server(tmp_path, fail_first=2)


NO_QUIET = (dt.time(0, 0), dt.time(0, 0))


def book(cast: Any, days: int, hour: int = 10) -> Any:
    """Book Cara's appointment with Alice ``days`` from today (the pathway's own booking,
    as the staff week shows it); the episode's next session follows it."""
    from django.utils import timezone

    from ontrack.web.records import actions

    day = timezone.localdate() + dt.timedelta(days=days)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    appointment = actions.book_appointment(
        referral=cast.referral, staff=cast.alice_staff, starts_at=starts, by=cast.alice
    )
    cast.episode.refresh_from_db()
    return appointment
