import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_movement_reorganization"),
    ]

    operations = [
        migrations.AddField(
            model_name="memberimport",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, help_text="runs started (JOB_MAX_ATTEMPTS at most)"),
        ),
        migrations.AddField(
            model_name="memberimport",
            name="queued_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, help_text="when the job was last sent to the queue"
            ),
        ),
        migrations.AddField(
            model_name="memberimport",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True, help_text="last sign of life of the run"),
        ),
        migrations.AddIndex(
            model_name="memberimport",
            index=models.Index(
                condition=models.Q(("status__in", ["queued", "running"])),
                fields=["status"],
                name="member_import_pending_idx",
            ),
        ),
    ]
