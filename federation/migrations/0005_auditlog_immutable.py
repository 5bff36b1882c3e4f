"""The audit trail cannot be changed: triggers refuse any UPDATE or DELETE of an entry, on
PostgreSQL and SQLite alike. One change is let through: the account that wrote an entry is
deleted (`actor` is SET_NULL), which sets `actor_id` to NULL and nothing else; `actor_name`
keeps who it was. Emptying the whole database (`flush`) is not the application: PostgreSQL's
TRUNCATE fires no row trigger, and on SQLite the triggers ask `audit_trail_unlocked()`, which
`federation.models` registers on each connection and which answers yes only during a flush."""

from django.db import migrations

# Every column but actor_id stays as it was, and actor_id may only become NULL.
_COLUMNS = ["id", "at", "actor_name", "federation_id", "action", "content_type_id", "object_id", "object_repr",
            "changes", "ip"]  # fmt: skip
_SQLITE_SAME = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _COLUMNS)
_POSTGRES_SAME = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _COLUMNS if c != "changes")
_POSTGRES_SAME += " AND NEW.changes::text IS NOT DISTINCT FROM OLD.changes::text"

SQLITE_CREATE = [
    f"""CREATE TRIGGER federation_auditlog_no_update BEFORE UPDATE ON federation_auditlog
    WHEN NOT (NEW.actor_id IS NULL AND {_SQLITE_SAME})
    BEGIN SELECT RAISE(ABORT, 'audit_log_immutable'); END""",
    """CREATE TRIGGER federation_auditlog_no_delete BEFORE DELETE ON federation_auditlog
    WHEN NOT audit_trail_unlocked()
    BEGIN SELECT RAISE(ABORT, 'audit_log_immutable'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS federation_auditlog_no_update",
    "DROP TRIGGER IF EXISTS federation_auditlog_no_delete",
]

POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION federation_auditlog_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND {_POSTGRES_SAME} THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_log_immutable' USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE TRIGGER federation_auditlog_immutable BEFORE UPDATE OR DELETE ON federation_auditlog
    FOR EACH ROW EXECUTE FUNCTION federation_auditlog_immutable()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS federation_auditlog_immutable ON federation_auditlog",
    "DROP FUNCTION IF EXISTS federation_auditlog_immutable()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("federation", "0004_auditlog_access_actions")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
