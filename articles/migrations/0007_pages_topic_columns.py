"""Topic pages from one index: the article columns a topic list filters and sorts by, copied
onto each topic link (ArticleTopic) and kept by database triggers on SQLite and PostgreSQL.

Triggers, not Python, because every writer must keep them right: the importer's raw INSERTs
and UPDATEs, admin saves, `queryset.update()` in actions and merges, a shell. A new link takes
its article's values; a change to those article columns is copied to the article's links.
Heat and quality are copied as -1 when the article has none, so that a plain DESC index sorts
them last on both engines (SQLite sorts NULL last in DESC order, PostgreSQL first).
"""

from django.db import migrations, models

from articles import db
from articles.db import sqlite

COPIED = "is_published, published_at, coalesce(heat, -1), coalesce(quality, -1), provider_id"
COLUMNS = "(article_is_published, article_published_at, article_heat, article_quality, article_provider_id)"
WATCHED = "is_published, published_at, heat, quality, provider_id"
CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED.split(", "))


def copy_to_links(where):
    return (f"UPDATE articles_articletopic SET {COLUMNS} = (SELECT {COPIED} FROM articles_article a "
            f"WHERE a.id = articles_articletopic.content_object_id) WHERE {where}")


NEW_VALUES = ("NEW.is_published, NEW.published_at, coalesce(NEW.heat, -1), coalesce(NEW.quality, -1), "
              "NEW.provider_id")

# SQLite's triggers are still today's: articles/db/sqlite.py (TOPIC_COPY_TRIGGERS).
# PostgreSQL's row triggers below were replaced by 0009's statement triggers: their historical text.
POSTGRESQL = [
    f"""CREATE FUNCTION articles_topic_copy_link() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {copy_to_links('id = NEW.id')}; RETURN NULL; END $$""",
    f"""CREATE FUNCTION articles_topic_copy_article() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE articles_articletopic SET {COLUMNS} = ({NEW_VALUES}) WHERE content_object_id = NEW.id;
            RETURN NULL;
        END $$""",
    "CREATE TRIGGER articles_topic_copy_link AFTER INSERT OR UPDATE OF content_object_id ON articles_articletopic "
    "FOR EACH ROW EXECUTE FUNCTION articles_topic_copy_link()",
    "CREATE TRIGGER articles_topic_copy_article_ai AFTER INSERT ON articles_article "
    "FOR EACH ROW EXECUTE FUNCTION articles_topic_copy_article()",
    f"CREATE TRIGGER articles_topic_copy_article_au AFTER UPDATE OF {WATCHED} ON articles_article "
    f"FOR EACH ROW WHEN ({CHANGED.replace(' IS NOT ', ' IS DISTINCT FROM ')}) "
    "EXECUTE FUNCTION articles_topic_copy_article()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS articles_topic_copy_link ON articles_articletopic",
    "DROP TRIGGER IF EXISTS articles_topic_copy_article_ai ON articles_article",
    "DROP TRIGGER IF EXISTS articles_topic_copy_article_au ON articles_article",
    "DROP FUNCTION IF EXISTS articles_topic_copy_link()",
    "DROP FUNCTION IF EXISTS articles_topic_copy_article()",
]
BACKFILL = copy_to_links("TRUE")


def run(statements_by_engine):
    def operation(apps, schema_editor):
        for statement in statements_by_engine.get(db.engine_name(schema_editor.connection), []):
            schema_editor.execute(statement, params=None)

    return operation


CREATE = {"sqlite": [*sqlite.TOPIC_COPY_TRIGGERS, BACKFILL], "postgresql": [*POSTGRESQL, BACKFILL]}
DROP = {"sqlite": sqlite.TOPIC_COPY_TRIGGERS_DROP, "postgresql": POSTGRESQL_DROP}


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0006_postgres_search_index'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
    ]

    operations = [
        migrations.AddField(
            model_name='articletopic',
            name='article_heat',
            field=models.IntegerField(editable=False, help_text="The article's heat; -1 when it has none.", null=True),
        ),
        migrations.AddField(
            model_name='articletopic',
            name='article_is_published',
            field=models.BooleanField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='articletopic',
            name='article_provider_id',
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='articletopic',
            name='article_published_at',
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='articletopic',
            name='article_quality',
            field=models.IntegerField(editable=False, help_text="The article's quality; -1 when it has none.", null=True),
        ),
        migrations.RunPython(run(CREATE), run(DROP), elidable=False),
        migrations.AddIndex(
            model_name='articletopic',
            index=models.Index(condition=models.Q(('article_is_published', True)), fields=['tag', '-pinned', '-article_published_at', '-content_object'], name='topic_public_latest'),
        ),
        migrations.AddIndex(
            model_name='articletopic',
            index=models.Index(condition=models.Q(('article_is_published', True)), fields=['tag', '-pinned', '-article_heat', '-article_published_at', '-content_object'], name='topic_public_heat'),
        ),
        migrations.AddIndex(
            model_name='articletopic',
            index=models.Index(condition=models.Q(('article_is_published', True)), fields=['tag', '-pinned', '-article_quality', '-article_published_at', '-content_object'], name='topic_public_quality'),
        ),
        migrations.AddIndex(
            model_name='articletopic',
            index=models.Index(condition=models.Q(('article_is_published', True)), fields=['tag', 'article_provider_id', '-pinned', '-article_published_at', '-content_object'], name='topic_public_provider'),
        ),
        migrations.AddIndex(
            model_name='articletopic',
            index=models.Index(condition=models.Q(('article_is_published', True), ('pinned', True)), fields=['tag', '-article_published_at', '-content_object'], name='topic_public_pinned'),
        ),
    ]
