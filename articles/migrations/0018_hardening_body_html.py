"""Article bodies are rendered once, when stored (articles/rendering.py): the column, and the
HTML of the articles already stored, each within the render budget."""

from django.db import migrations, models

BATCH = 500


def render_stored_bodies(apps, schema_editor):
    from articles.rendering import render_body

    Article = apps.get_model("articles", "Article")
    rows = Article.objects.using(schema_editor.connection.alias).filter(body_html__isnull=True).order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).only("pk", "body")[:BATCH])
        if not batch:
            return
        for article in batch:
            article.body_html = render_body(article.body).html
        Article.objects.using(schema_editor.connection.alias).bulk_update(batch, ["body_html"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("articles", "0017_editors_stories_versions")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="body_html",
            field=models.TextField(
                blank=True, editable=False, null=True,
                help_text="The body rendered and sanitised once, when imported or saved (articles/rendering.py).",
            ),
        ),
        migrations.RunPython(render_stored_bodies, migrations.RunPython.noop, elidable=True),
    ]
