"""Rules of the tree that span rows, enforced by the database itself (PostgreSQL and SQLite):

- a union's parent is an active direct-superior union of the same federation;
- a unit with active units below it cannot be closed;
- a union with units below it cannot stop being a direct-superior union.

Row-level CHECK constraints on the model cover the rest (a direct-superior union's parent is
the federation, kind matches level, ...).
"""

from django.db import migrations

PARENT_OK = (
    "SELECT 1 FROM unions_union p WHERE p.id = NEW.parent_id AND p.level = 'superior' "
    "AND p.status = 'active' AND p.federation_id = NEW.federation_id"
)

SQLITE_CREATE = [
    f"""CREATE TRIGGER unions_union_parent_insert BEFORE INSERT ON unions_union
    WHEN NEW.parent_id IS NOT NULL AND NOT EXISTS ({PARENT_OK})
    BEGIN SELECT RAISE(ABORT, 'union_parent_invalid'); END""",
    f"""CREATE TRIGGER unions_union_parent_update BEFORE UPDATE OF parent_id, federation_id ON unions_union
    WHEN NEW.parent_id IS NOT NULL
      AND (NEW.parent_id IS NOT OLD.parent_id OR NEW.federation_id != OLD.federation_id)
      AND NOT EXISTS ({PARENT_OK})
    BEGIN SELECT RAISE(ABORT, 'union_parent_invalid'); END""",
    """CREATE TRIGGER unions_union_close BEFORE UPDATE OF status ON unions_union
    WHEN NEW.status != 'active'
      AND EXISTS (SELECT 1 FROM unions_union c WHERE c.parent_id = NEW.id AND c.status = 'active')
    BEGIN SELECT RAISE(ABORT, 'union_has_active_children'); END""",
    """CREATE TRIGGER unions_union_level BEFORE UPDATE OF level ON unions_union
    WHEN NEW.level != 'superior' AND EXISTS (SELECT 1 FROM unions_union c WHERE c.parent_id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'union_has_children'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS unions_union_parent_insert",
    "DROP TRIGGER IF EXISTS unions_union_parent_update",
    "DROP TRIGGER IF EXISTS unions_union_close",
    "DROP TRIGGER IF EXISTS unions_union_level",
]

POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION unions_union_integrity() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.parent_id IS NOT NULL AND (TG_OP = 'INSERT'
          OR NEW.parent_id IS DISTINCT FROM OLD.parent_id OR NEW.federation_id <> OLD.federation_id) THEN
        -- FOR SHARE: a concurrent close of the parent waits for us, or we wait for it.
        PERFORM 1 FROM unions_union p WHERE p.id = NEW.parent_id FOR SHARE;
        IF NOT EXISTS ({PARENT_OK}) THEN
          RAISE EXCEPTION 'union_parent_invalid' USING ERRCODE = 'check_violation';
        END IF;
      END IF;
      IF TG_OP = 'UPDATE' AND NEW.status <> 'active' AND OLD.status = 'active' AND EXISTS (
          SELECT 1 FROM unions_union c WHERE c.parent_id = NEW.id AND c.status = 'active') THEN
        RAISE EXCEPTION 'union_has_active_children' USING ERRCODE = 'check_violation';
      END IF;
      IF TG_OP = 'UPDATE' AND NEW.level <> 'superior' AND OLD.level = 'superior' AND EXISTS (
          SELECT 1 FROM unions_union c WHERE c.parent_id = NEW.id) THEN
        RAISE EXCEPTION 'union_has_children' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER unions_union_integrity BEFORE INSERT OR UPDATE ON unions_union
    FOR EACH ROW EXECUTE FUNCTION unions_union_integrity()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS unions_union_integrity ON unions_union",
    "DROP FUNCTION IF EXISTS unions_union_integrity()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for sql in statements:
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("unions", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
