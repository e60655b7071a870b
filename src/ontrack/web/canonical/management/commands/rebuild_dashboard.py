"""`manage.py rebuild_dashboard [--service CODE]`: recompute the dashboard's counts."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ontrack.web.accounts.models import Service
from ontrack.web.canonical.cells import rebuild_service
from ontrack.web.canonical.export import ExportError


class Command(BaseCommand):
    help = (
        "Recompute the service dashboard's per-referral cells and monthly counts from the "
        "records (after an import, or to check the counts kept as records changed)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--service", help="service code (default: every service)")

    def handle(self, *args: Any, **options: Any) -> None:
        services = Service.objects.order_by("code")
        if options["service"]:
            services = services.filter(code=options["service"])
            if not services.exists():
                raise CommandError(f"No service with code {options['service']!r}.")
        for service in services:
            started = time.perf_counter()
            try:
                n = rebuild_service(service)
            except ExportError as exc:
                raise CommandError(f"{service.code}: {exc}") from None
            seconds = time.perf_counter() - started
            self.stdout.write(f"{service.code}: {n} referrals in {seconds:.1f} s")
