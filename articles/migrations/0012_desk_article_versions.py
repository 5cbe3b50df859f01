import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0011_format_topic_proxy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("origin", models.CharField(
                    choices=[("editor", "Editor"), ("import", "Feed import"), ("restore", "Restored")], max_length=10)),
                ("message", models.CharField(blank=True, default="", max_length=300)),
                ("snapshot", models.JSONField(
                    encoder=django.core.serializers.json.DjangoJSONEncoder,
                    help_text="The editable fields (articles.revisions.VERSIONED) at this version.")),
                ("article", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="versions", to="articles.article")),
                ("user", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="article_versions", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "article version",
                "ordering": ["-created_at", "-id"],
                "indexes": [models.Index(fields=["article", "-created_at", "-id"], name="articleversion_article_date")],
            },
        ),
        # The desk's "changed today" reads the admin history by time: Django's table has no index on it.
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS django_admin_log_action_time ON django_admin_log (action_time)",
            "DROP INDEX IF EXISTS django_admin_log_action_time",
        ),
    ]
