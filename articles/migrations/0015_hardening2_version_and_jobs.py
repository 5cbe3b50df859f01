import time

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def create_the_row(apps, schema_editor):
    apps.get_model("articles", "ContentVersion").objects.get_or_create(pk=1, defaults={"version": time.time_ns()})


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_desk_article_versions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ContentVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.BigIntegerField(default=1)),
                ("changed_at", models.DateTimeField(auto_now=True)),
            ],
            options={"verbose_name": "content version"},
        ),
        migrations.RunPython(create_the_row, migrations.RunPython.noop),
        migrations.AddField(
            model_name="importjob",
            name="task_id",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="importjob",
            name="attempt",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="importjob",
            name="imported",
            field=models.JSONField(blank=True, default=dict, help_text="Staged path → [outcome, article id], batch by batch, across attempts."),
        ),
        migrations.AddField(
            model_name="importjob",
            name="events",
            field=models.JSONField(blank=True, default=list, help_text="What happened to the job, for the editor."),
        ),
        migrations.CreateModel(
            name="ExportJob",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("status", models.CharField(choices=[("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")], default="queued", max_length=10)),
                ("article_ids", models.JSONField(default=list)),
                ("files_total", models.PositiveIntegerField(default=0)),
                ("files_done", models.PositiveIntegerField(default=0)),
                ("archive", models.CharField(blank=True, default="", help_text="The finished zip on disk.", max_length=1000)),
                ("error", models.TextField(blank=True, default="")),
                ("attempt", models.PositiveSmallIntegerField(default=0)),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                ("events", models.JSONField(blank=True, default=list, help_text="What happened to the job, for the editor.")),
                ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="export_jobs", to=settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "export job", "ordering": ["-created_at", "-id"]},
        ),
    ]
