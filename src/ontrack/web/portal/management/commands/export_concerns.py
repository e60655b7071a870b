"""Write concerns and complaints as a table for the service analytics (no free text)."""

from __future__ import annotations

import csv
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ontrack.web.accounts.models import Service
from ontrack.web.portal.concern_table import COLUMNS, concern_rows
from ontrack.web.records.scoping import scopes_disabled


class Command(BaseCommand):
    help = (
        "Write one row per concern, complaint or request for another therapist as CSV "
        "(pseudonymous person id, kind, route, who it was for, step, raised, acknowledged "
        "and closed times, days to each): counts and times for the service analytics. "
        "No free text leaves."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--service", help="service code (default: every service)")
        parser.add_argument("--out", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        with scopes_disabled():
            service = None
            if options["service"]:
                service = Service.objects.filter(code=options["service"]).first()
                if service is None:
                    raise CommandError(f"No service has the code {options['service']!r}.")
            rows = concern_rows(service)
        out = open(options["out"], "w", newline="") if options["out"] else sys.stdout  # noqa: SIM115
        try:
            writer = csv.DictWriter(out, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        finally:
            if out is not sys.stdout:
                out.close()
