"""PostgreSQL: a weighted full-text document per article with a GIN index, kept in sync by triggers.

The PostgreSQL counterpart of 0004's FTS5 table: title (weight A), topic names (B), provider name
and domain (C) and excerpt (D) in one tsvector, built with the 'simple' configuration (no
stemming, so every language is treated alike and prefixes match). Triggers on the article,
topic-link, tag and provider tables keep it current whoever writes. SQLite skips this migration.
"""

from django.db import migrations

from articles import db
from articles.db import postgresql

# The row triggers that followed the articles and their topic links, until 0009 replaced them
# (this is their historical text). The table, the GIN index and the delete, truncate and rename
# triggers are still today's: articles/db/postgresql.py (SEARCH_DOCUMENTS, SEARCH_ROW_TRIGGERS).
REFRESH = """CREATE FUNCTION articles_searchdoc_refresh(aid bigint) RETURNS void LANGUAGE sql AS $$
        INSERT INTO articles_searchdoc (article_id, document)
        SELECT a.id,
            setweight(to_tsvector('simple', a.title), 'A')
            || setweight(to_tsvector('simple', coalesce((
                SELECT string_agg(t.name, ' ') FROM articles_articletopic at
                JOIN taggit_tag t ON t.id = at.tag_id WHERE at.content_object_id = a.id), '')), 'B')
            || setweight(to_tsvector('simple', coalesce((
                SELECT p.name || ' ' || p.domain FROM articles_provider p WHERE p.id = a.provider_id), '')), 'C')
            || setweight(to_tsvector('simple', coalesce(a.excerpt, '')), 'D')
        FROM articles_article a WHERE a.id = aid
        ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document
    $$"""
ROW_TRIGGERS = [
    """CREATE FUNCTION articles_searchdoc_article_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM articles_searchdoc_refresh(NEW.id); RETURN NULL; END $$""",
    """CREATE FUNCTION articles_searchdoc_topic_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN PERFORM articles_searchdoc_refresh(OLD.content_object_id); END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM articles_searchdoc_refresh(NEW.content_object_id); END IF;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER articles_searchdoc_article AFTER INSERT OR UPDATE OF title, excerpt, provider_id
        ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_searchdoc_article_trigger()""",
    """CREATE TRIGGER articles_searchdoc_topic AFTER INSERT OR DELETE OR UPDATE OF tag_id, content_object_id
        ON articles_articletopic FOR EACH ROW EXECUTE FUNCTION articles_searchdoc_topic_trigger()""",
]
CREATE = [
    *postgresql.SEARCH_DOCUMENTS,
    REFRESH,
    *ROW_TRIGGERS,
    *postgresql.SEARCH_ROW_TRIGGERS,
    "SELECT articles_searchdoc_refresh(id) FROM articles_article",
]
DROP = [
    "DROP TRIGGER IF EXISTS articles_searchdoc_article ON articles_article",
    "DROP TRIGGER IF EXISTS articles_searchdoc_topic ON articles_articletopic",
    *postgresql.SEARCH_ROW_TRIGGERS_DROP,
    "DROP FUNCTION IF EXISTS articles_searchdoc_article_trigger()",
    "DROP FUNCTION IF EXISTS articles_searchdoc_topic_trigger()",
    "DROP FUNCTION IF EXISTS articles_searchdoc_refresh(bigint)",
    "DROP TABLE IF EXISTS articles_searchdoc",
]


def run(statements):
    def operation(apps, schema_editor):
        if db.is_engine("postgresql", schema_editor.connection):
            postgresql.install(schema_editor, statements)

    return operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_reader_public_indexes")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
