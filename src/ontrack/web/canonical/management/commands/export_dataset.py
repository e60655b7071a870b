"""`manage.py export_dataset PATH`: write the records as a canonical dataset."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ontrack.dataset import DatasetError, write_dataset
from ontrack.web.accounts.models import Service
from ontrack.web.canonical.export import ExportError, export_tables


class Command(BaseCommand):
    help = (
        "Export the care records (one service or all) as a canonical dataset, alerts "
        "included, so the analytics can run on the application's own data."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="directory to write")
        parser.add_argument("--service", help="code of the one service to export")
        parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
        parser.add_argument(
            "--overwrite", action="store_true", help="replace an existing directory"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        service = None
        if options["service"]:
            service = Service.objects.filter(code=options["service"]).first()
            if service is None:
                raise CommandError(f"no service with code {options['service']!r}")
        try:
            tables = export_tables(service=service)
            write_dataset(
                tables, options["path"], format=options["format"], overwrite=options["overwrite"]
            )
        except (ExportError, DatasetError, FileExistsError) as exc:
            raise CommandError(str(exc)) from None
        rows = ", ".join(f"{t.num_rows} {name}" for name, t in tables.items())
        self.stdout.write(f"Wrote {options['path']}: {rows}.")
