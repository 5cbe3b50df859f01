import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_search_everywhere"),
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
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("is_published", False), ("published_at__isnull", True), _connector="OR"),
                fields=["published_at", "id"],
                name="article_drafts",
            ),
        ),
        # The desk's "changed today" reads the articles' admin history by time; Django's table
        # has an index on the content type alone (every import's entries share it).
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS django_admin_log_type_time ON django_admin_log (content_type_id, action_time)",
            "DROP INDEX IF EXISTS django_admin_log_type_time",
        ),
    ]
