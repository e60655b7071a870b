"""Make the database itself refuse to rewrite audit history.

PostgreSQL refuses UPDATE and DELETE on audit rows; SQLite refuses UPDATE (Django empties
SQLite test databases with DELETE, so a DELETE trigger there would break the test suite;
the model and query set refuse deletes on every engine).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

PG_CREATE = [
    """CREATE OR REPLACE FUNCTION ontrack_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit events are append-only';
    END
    $$""",
    """CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION ontrack_audit_append_only()""",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS ontrack_audit_append_only()",
]
SQLITE_CREATE = [
    """CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE ON audit_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'audit events are append-only');
    END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_auditevent_append_only"]


def _run(sql_by_vendor: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for statement in sql_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_CREATE, "sqlite": SQLITE_CREATE}),
            _run({"postgresql": PG_DROP, "sqlite": SQLITE_DROP}),
        )
    ]
