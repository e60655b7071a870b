"""`manage.py load_dataset PATH`: load a canonical dataset directory into the records."""

from __future__ import annotations

from argparse import ArgumentParser
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ontrack.dataset import DatasetError, read_dataset
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
            summary = load_tables(read_dataset(options["path"]))
        except (DatasetError, LoadError) as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in asdict(summary).items())
        self.stdout.write(f"Loaded {counts}.")
