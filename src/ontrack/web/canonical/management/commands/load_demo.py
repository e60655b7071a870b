"""`manage.py load_demo`: load the simulated demo service into an empty database."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ontrack.web.accounts.models import Service
from ontrack.web.canonical.demo import DEMO_PASSWORD, build_demo


class Command(BaseCommand):
    help = (
        "Simulate a year of a talking-therapy service, cut at today, and load it with demo "
        "sign-ins for every role (`ontrack demo` does this on a fresh SQLite file)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--referrals", type=int, default=400)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if Service.objects.exists():
            raise CommandError(
                "the database already holds a service; load the demo into an empty one"
            )
        demo = build_demo(referrals=options["referrals"], seed=options["seed"])
        self.stdout.write(f"Loaded {demo.summary.referrals} referrals. Password: {DEMO_PASSWORD}")
        for sign_in in demo.sign_ins:
            self.stdout.write(f"  {sign_in.role:<16} {sign_in.username:<12} {sign_in.sees}")
