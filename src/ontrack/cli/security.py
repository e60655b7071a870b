"""`ontrack verify-audit`, `backup`, `restore` and `purge`: the records' safekeeping.

`verify-audit` checks the audit chain of a database with its key, nothing else.

Django is imported only when the command runs. The command needs the database and the
audit key (``ONTRACK_AUDIT_KEY``, ``ONTRACK_AUDIT_KEY_FILE`` or ``--key-file``), not the web
application's other secrets: it runs with a throwaway ``SECRET_KEY`` of its own.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from ontrack.cli import UsageError

if TYPE_CHECKING:
    from ontrack.web.privacy.backup import Database

_HEAD = re.compile(r"(\d+):([0-9a-f]{64})")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `verify-audit`."""
    p = subparsers.add_parser(
        "verify-audit",
        help="check that the audit trail has not been changed, cut or added to",
        description=(
            "Check every event of the audit trail against its keyed hash chain: a changed, "
            "removed or inserted event breaks it. Exit status 0 when the chain is intact, "
            "1 naming the first broken link, 2 when the check cannot run (no database, no "
            "key). The last line names the head (sequence:MAC): record it elsewhere and "
            "give it to --expect-head later to detect the removal of the newest events too."
        ),
        epilog="example:  ontrack verify-audit --database sqlite:///var/demo.sqlite3",
    )
    p.add_argument(
        "--database",
        metavar="URL",
        help="the database to check (default: DATABASE_URL, else the configured SQLite)",
    )
    p.add_argument(
        "--key-file",
        type=Path,
        metavar="FILE",
        help="the audit key file (default: ONTRACK_AUDIT_KEY, ONTRACK_AUDIT_KEY_FILE, "
        "else audit.key in ONTRACK_VAR_DIR)",
    )
    p.add_argument(
        "--expect-head",
        metavar="SEQ:MAC",
        help="a head printed by an earlier check, which must still be in the chain",
    )
    p.set_defaults(handler=_verify_audit)
    register_backup(subparsers)


def setup_django(database: str | None) -> None:
    """Start Django on ``database`` (a URL) with a throwaway key; UsageError if it cannot."""
    if database:
        os.environ["DATABASE_URL"] = database
    # The command signs nothing: it must not need the web application's secret.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ontrack.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise UsageError(str(exc)) from None


def _verify_audit(args: argparse.Namespace) -> int:
    expect = None
    if args.expect_head is not None:
        match = _HEAD.fullmatch(args.expect_head.strip())
        if match is None:
            raise UsageError("--expect-head must be SEQ:MAC as printed by verify-audit")
        expect = (int(match[1]), match[2])
    setup_django(args.database)
    from django.core.exceptions import ImproperlyConfigured
    from django.db import Error as DatabaseError

    from ontrack.web.audit import chain

    try:
        key = chain.load_key(args.key_file, create=False)
    except ImproperlyConfigured as exc:
        raise UsageError(str(exc)) from None
    try:
        verdict = chain.verify(key, expect_head=expect)
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"cannot read the audit trail: {first}") from None
    if not verdict.intact:
        print(f"audit chain BROKEN: {verdict.broken}")
        print(f"({verdict.sealed} events before it checked and intact)")
        return 1
    print(
        f"audit chain intact: {verdict.events} events ({verdict.sealed} sealed, "
        f"{verdict.pending} awaiting sealing, {verdict.erased} with values erased)"
    )
    print(f"head {verdict.head[0]}:{verdict.head[1]}")
    return 0


def register_backup(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `backup`, `restore` and `purge`."""
    b = subparsers.add_parser(
        "backup",
        help="copy the whole database (SQLite or PostgreSQL) to a file, with a manifest",
        description=(
            "Write a consistent copy of the database to FILE (SQLite's online backup, or "
            "pg_dump's custom format) and FILE.json, a manifest of every table's row count "
            "and checksum. Safe while the service runs. The copy holds clinical records: "
            "keep it on encrypted storage, apart from the keys (docs/security.md)."
        ),
        epilog="example:  ontrack backup /backups/ontrack-2026-12-02.sqlite3",
    )
    b.add_argument("file", type=Path, metavar="FILE", help="the backup file to write (new)")
    b.add_argument("--database", metavar="URL", help="the database (default: the configured)")
    b.add_argument(
        "--key-file",
        type=Path,
        metavar="FILE",
        help="encrypt with this backup key (default: ONTRACK_BACKUP_KEY_FILE or "
        "ONTRACK_BACKUP_KEY; with a key configured every backup is encrypted)",
    )
    b.add_argument(
        "--encrypt",
        action="store_true",
        help="refuse to write the backup unless a backup key is configured",
    )
    b.set_defaults(handler=_backup)

    n = subparsers.add_parser(
        "backup-key",
        help="write a new random backup key to FILE (mode 0600)",
        description=(
            "Write a new backup key (32 random bytes, URL-safe base64) to FILE, readable by "
            "you only. Point ONTRACK_BACKUP_KEY_FILE at it and every `ontrack backup` is "
            "encrypted with it. Keep a copy apart from the backups (docs/security.md): "
            "without it an encrypted backup cannot be restored."
        ),
        epilog="example:  ontrack backup-key /etc/ontrack/backup.key",
    )
    n.add_argument("file", type=Path, metavar="FILE", help="the key file to write (new)")
    n.set_defaults(handler=_backup_key)

    r = subparsers.add_parser(
        "restore",
        help="replace the database's contents with a backup, then prove them identical",
        description=(
            "Check FILE against its manifest, replace the database's contents with it, then "
            "compare every table's row count and checksum with the manifest. Exit 0 when "
            "identical, 1 naming the tables that differ. Stop the service first."
        ),
        epilog="example:  ontrack restore /backups/ontrack-2026-12-02.sqlite3 --yes",
    )
    r.add_argument("file", type=Path, metavar="FILE", help="a file made by `ontrack backup`")
    r.add_argument("--database", metavar="URL", help="the database (default: the configured)")
    r.add_argument("--yes", action="store_true", help="confirm: the current contents are lost")
    r.add_argument(
        "--key-file",
        type=Path,
        metavar="FILE",
        help="the key an encrypted backup was made with (default: ONTRACK_BACKUP_KEY_FILE "
        "or ONTRACK_BACKUP_KEY)",
    )
    r.set_defaults(handler=_restore)

    p = subparsers.add_parser(
        "purge",
        help="erase the records whose service's retention period has passed",
        description=(
            "Erase every client whose last referral ended longer ago than their service's "
            "retention policy (20 years unless the service set another; the NHS records "
            "code's figure for mental health records). Each erasure is audited; the audit "
            "trail keeps its events with their values blanked. --dry-run only lists them."
        ),
    )
    p.add_argument("--database", metavar="URL", help="the database (default: the configured)")
    p.add_argument("--dry-run", action="store_true", help="list who is due; erase nothing")
    p.set_defaults(handler=_purge)

    k = subparsers.add_parser(
        "rotate-keys",
        help="re-encrypt every encrypted text field under the newest field key",
        description=(
            "Re-encrypt every encrypted field (notes, risk details, addresses ...; "
            "docs/security.md) under the first key of ONTRACK_FIELD_KEYS. To rotate: put a "
            "new key first and keep the old ones after it, run this, check the service, then "
            "remove the old keys. Values written before encryption are encrypted too."
        ),
        epilog="example:  ONTRACK_FIELD_KEYS=NEW,OLD ontrack rotate-keys",
    )
    k.add_argument("--database", metavar="URL", help="the database (default: the configured)")
    k.set_defaults(handler=_rotate_keys)


def _database(url: str | None) -> Database:
    setup_django(url)
    from django.conf import settings

    from ontrack.web.privacy.backup import BackupError, Database

    try:
        return Database.from_settings(settings.DATABASES["default"])
    except BackupError as exc:
        raise UsageError(str(exc)) from None


def _backup_key_of(path: Path | None) -> bytes | None:
    """The backup key from --key-file, else ONTRACK_BACKUP_KEY(_FILE); None if none."""
    from django.core.exceptions import ImproperlyConfigured

    from ontrack.web.env import envsecret
    from ontrack.web.privacy.backup import BackupError, parse_key

    try:
        if path is not None:
            text: str | None = path.read_text("utf-8")
        else:
            text = envsecret("ONTRACK_BACKUP_KEY")
        return None if text is None else parse_key(text)
    except OSError as exc:
        raise UsageError(f"--key-file: cannot read {path}: {exc.strerror}") from None
    except (ImproperlyConfigured, BackupError, UnicodeDecodeError) as exc:
        raise UsageError(str(exc)) from None


def _backup_key(args: argparse.Namespace) -> int:
    from ontrack.cli import writable_directory
    from ontrack.web.privacy.backup import new_key

    writable_directory(args.file, "FILE")
    try:
        fd = os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{args.file} exists already: choose a new file name") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(new_key() + "\n")
    print(f"wrote a new backup key to {args.file} (keep a copy apart from the backups)")
    return 0


def _backup(args: argparse.Namespace) -> int:
    from ontrack.cli import writable_directory

    writable_directory(args.file, "FILE")
    db = _database(args.database)
    key = _backup_key_of(args.key_file)
    if key is None and args.encrypt:
        raise UsageError(
            "--encrypt: no backup key (set ONTRACK_BACKUP_KEY_FILE, or give --key-file; "
            "`ontrack backup-key FILE` makes one)"
        )
    from ontrack.web.privacy.backup import BackupError, backup

    try:
        manifest = backup(db, args.file, key)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    rows = sum(count for count, _ in manifest["tables"].values())
    how = (
        f"encrypted (key id {manifest['key_id']})"
        if key is not None
        else "NOT encrypted: no backup key configured"
    )
    print(
        f"backed up {len(manifest['tables'])} tables, {rows:,} rows to {args.file}, {how} "
        f"(manifest {args.file}.json)"
    )
    return 0


def _restore(args: argparse.Namespace) -> int:
    if not args.yes:
        raise UsageError("restore replaces everything in the database: add --yes to confirm")
    db = _database(args.database)
    from django.db import connections

    from ontrack.web.privacy.backup import BackupError, restore

    key = _backup_key_of(args.key_file)
    connections.close_all()
    try:
        manifest, problems = restore(db, args.file, key)
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    rows = sum(count for count, _ in manifest["tables"].values())
    if problems:
        print(f"restored {args.file}, but {len(problems)} tables differ from the backup:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(
        f"restored {len(manifest['tables'])} tables, {rows:,} rows from {args.file}: "
        "every table's row count and checksum identical to the backup"
    )
    return 0


def _purge(args: argparse.Namespace) -> int:
    setup_django(args.database)
    from ontrack.web.accounts.models import Service
    from ontrack.web.common.actions import ActionError
    from ontrack.web.privacy.erasure import due_for_erasure, erase_client, keep_years
    from ontrack.web.records.scoping import today

    erased = 0
    for service in Service.objects.order_by("pk"):
        years = keep_years(service.pk)
        due = due_for_erasure(service.pk, today())
        print(f"{service.name}: {len(due)} records past {years} years")
        if args.dry_run:
            continue
        for client in due:
            try:
                erase_client(
                    client=client, by=None, reason=f"retention period of {years} years passed"
                )
            except ActionError as exc:
                print(f"  record {client.pk} not erased: {exc}")
            else:
                erased += 1
    if not args.dry_run:
        print(f"erased {erased} records")
    return 0


def _rotate_keys(args: argparse.Namespace) -> int:
    setup_django(args.database)
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    from ontrack.web.audit.models import AuditEvent, AuditKind
    from ontrack.web.common.crypto import DecryptionError, encrypted_fields, reencrypt

    counts: dict[str, int] = {}
    try:
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if fields:
                counts[model._meta.label_lower] = reencrypt(model, fields)
    except (DecryptionError, ImproperlyConfigured) as exc:
        raise UsageError(f"{exc} (values before it were re-encrypted; nothing was lost)") from None
    AuditEvent.objects.create(
        kind=AuditKind.CHANGE,
        actor="system",
        action="rotate_keys",
        target_type="keys",
        target_id="field",
        new={"values": counts},
    )
    total = sum(counts.values())
    print(f"re-encrypted {total:,} values in {len(counts)} kinds of record under the newest key")
    return 0
