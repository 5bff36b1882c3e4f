"""The tree's integrity triggers (0002), again: migration 0003 rebuilt the union table on SQLite
(which drops its triggers), and a closed unit may now keep a closed parent when it moves with its
federation into another (a federation merger): the parent must be active only for active units.
"""

from django.db import migrations

from unions.migrations import _triggers


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("unions", "0003_reorganization_lineage")]

    operations = [
        migrations.RunPython(
            _run(
                {
                    "sqlite": _triggers.SQLITE_DROP + _triggers.sqlite_create(closed_may_keep_parent=True),
                    "postgresql": _triggers.postgres_create(closed_may_keep_parent=True),
                }
            ),
            _run(
                {
                    "sqlite": _triggers.SQLITE_DROP + _triggers.sqlite_create(closed_may_keep_parent=False),
                    "postgresql": _triggers.postgres_create(closed_may_keep_parent=False),
                }
            ),
        ),
    ]
