from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("federation", "0003_federation_merged_into"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "created"),
                    ("update", "changed"),
                    ("delete", "deleted"),
                    ("move", "moved"),
                    ("close", "closed"),
                    ("view", "viewed"),
                    ("export", "exported"),
                    ("search", "searched by citizen ID"),
                ],
                max_length=16,
                verbose_name="action",
            ),
        ),
    ]
