import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0005_auditlog_immutable"),
        ("members", "0003_import_job_heartbeat"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RollExport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope_path", models.CharField(max_length=255)),
                (
                    "params",
                    models.JSONField(blank=True, default=dict, help_text="the list's filters and the format"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Waiting"),
                            ("running", "Being prepared"),
                            ("done", "Ready"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "attempts",
                    models.PositiveSmallIntegerField(default=0, help_text="runs started (JOB_MAX_ATTEMPTS at most)"),
                ),
                (
                    "queued_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, help_text="when the job was last sent to the queue"
                    ),
                ),
                (
                    "heartbeat_at",
                    models.DateTimeField(blank=True, help_text="last sign of life of the run", null=True),
                ),
                ("rows", models.PositiveIntegerField(default=0)),
                ("file", models.FileField(blank=True, upload_to="exports/%Y/%m/")),
                ("filename", models.CharField(blank=True, max_length=255, verbose_name="file")),
                ("error", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "federation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="federation.federation"
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "member export",
                "verbose_name_plural": "member exports",
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("status__in", ["queued", "running"])),
                        fields=["status"],
                        name="roll_export_pending_idx",
                    )
                ],
            },
        ),
    ]
