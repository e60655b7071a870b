"""`manage.py load_dataset PATH`: load a canonical dataset directory into the records."""

from __future__ import annotations

from argparse import ArgumentParser
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ontrack.dataset import DatasetError, read_dataset
from ontrack.web.accounts.models import Service
from ontrack.web.canonical.cells import paused, rebuild_service
from ontrack.web.canonical.export import ExportError
from ontrack.web.canonical.load import LoadError, load_tables


class Command(BaseCommand):
    help = (
        "Load a canonical dataset (a directory of <table>.parquet or <table>.csv files) into "
        "the care records, all or nothing. Risk answers without a matching risk alert open "
        "urgent risk alerts."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="directory holding the dataset")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tables = read_dataset(options["path"])
            with paused():
                summary = load_tables(tables)
        except (DatasetError, LoadError) as exc:
            raise CommandError(str(exc)) from None
        # The loaded history goes into the service dashboard's counts at once.
        codes = set(tables["referral"].column("service_id").to_pylist())
        try:
            for service in Service.objects.filter(code__in=codes):
                rebuild_service(service)
        except ExportError as exc:
            raise CommandError(f"Loaded, but the dashboard was not rebuilt: {exc}") from None
        counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in asdict(summary).items())
        self.stdout.write(f"Loaded {counts}.")
