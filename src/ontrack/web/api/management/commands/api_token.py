"""`manage.py api_token create|revoke|list`: integration tokens from the command line.

The same rules as the tokens page (``ontrack.web.api.tokens``): ``--by`` names the
service manager (or administrator) making or revoking it, and is audited as the actor.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from ontrack.web.accounts.models import User
from ontrack.web.api import tokens
from ontrack.web.api.models import ApiToken
from ontrack.web.common.actions import ActionError
from ontrack.web.records.scoping import scopes_disabled


def _user(username: str, what: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no user {username!r} ({what})")
    return user


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


class Command(BaseCommand):
    help = "Make, revoke or list API tokens (the secret of a new token is printed once)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        make = sub.add_parser("create", help="make a token")
        make.add_argument("--by", required=True, help="username of the manager making it")
        make.add_argument("--name", required=True, help="the integration it is for")
        make.add_argument("--scopes", default="read", help="read,write")
        make.add_argument("--resources", required=True, help="e.g. clients,contacts,signals")
        make.add_argument("--acting-as", help="username it acts as (default: --by)")
        revoke = sub.add_parser("revoke", help="revoke a token")
        revoke.add_argument("token_id", type=int)
        revoke.add_argument("--by", required=True, help="username of the manager revoking it")
        sub.add_parser("list", help="list every token (never the secrets)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with scopes_disabled():
                getattr(self, f"_{options['what']}")(options)
        except (ActionError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None

    def _create(self, options: dict[str, Any]) -> None:
        by = _user(options["by"], "--by")
        acting = _user(options["acting_as"], "--acting-as") if options["acting_as"] else by
        made = tokens.create_token(
            name=options["name"],
            scopes=_list(options["scopes"]),
            resources=_list(options["resources"]),
            acting_as=acting,
            by=by,
        )
        self.stderr.write(f"Made token {made.token.pk} for {made.token.name}; its secret:")
        self.stdout.write(made.secret)

    def _revoke(self, options: dict[str, Any]) -> None:
        by = _user(options["by"], "--by")
        token = ApiToken.objects.filter(pk=options["token_id"]).first()
        if token is None:
            raise CommandError(f"no token {options['token_id']}")
        tokens.revoke_token(token=token, by=by)
        self.stdout.write(f"Revoked token {token.pk} ({token.name}).")

    def _list(self, options: dict[str, Any]) -> None:
        for t in ApiToken.objects.select_related("service", "acting_as"):
            state = "revoked" if t.revoked_at else "active"
            self.stdout.write(
                f"{t.pk}\t{t.service.code}\t{t.name}\t{t.prefix}…\t{t.acting_as.username}\t"
                f"{','.join(t.scopes)}\t{','.join(t.resources)}\t{state}"
            )
