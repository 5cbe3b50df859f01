"""PostgreSQL: the search documents follow their article by triggers instead of a foreign key.

Django's `flush` (run after every transactional test, and by `manage.py flush`) TRUNCATEs the
model tables, and PostgreSQL refuses to truncate articles_article while articles_searchdoc (no
model of its own, so not in that list) references it. Triggers keep 0006's ON DELETE CASCADE:
a deleted article's document goes with it, and a TRUNCATE of the articles empties the documents.
SQLite skips this migration.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE articles_searchdoc DROP CONSTRAINT IF EXISTS articles_searchdoc_article_id_fkey",
    """CREATE FUNCTION articles_searchdoc_article_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN DELETE FROM articles_searchdoc WHERE article_id = OLD.id; RETURN NULL; END $$""",
    """CREATE FUNCTION articles_searchdoc_articles_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN TRUNCATE articles_searchdoc; RETURN NULL; END $$""",
    """CREATE TRIGGER articles_searchdoc_article_delete AFTER DELETE ON articles_article
        FOR EACH ROW EXECUTE FUNCTION articles_searchdoc_article_deleted()""",
    """CREATE TRIGGER articles_searchdoc_article_truncate AFTER TRUNCATE ON articles_article
        FOR EACH STATEMENT EXECUTE FUNCTION articles_searchdoc_articles_truncated()""",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS articles_searchdoc_article_truncate ON articles_article",
    "DROP TRIGGER IF EXISTS articles_searchdoc_article_delete ON articles_article",
    "DROP FUNCTION IF EXISTS articles_searchdoc_articles_truncated()",
    "DROP FUNCTION IF EXISTS articles_searchdoc_article_deleted()",
    "DELETE FROM articles_searchdoc d WHERE NOT EXISTS (SELECT 1 FROM articles_article a WHERE a.id = d.article_id)",
    """ALTER TABLE articles_searchdoc ADD CONSTRAINT articles_searchdoc_article_id_fkey
        FOREIGN KEY (article_id) REFERENCES articles_article(id) ON DELETE CASCADE""",
]


def run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_postgres_search_index")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
