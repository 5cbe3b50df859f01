"""PostgreSQL: the search documents (0006) and the topic links' article columns (0007) kept by
statement-level triggers over transition tables, instead of one trigger call per row.

Row triggers cost an import about half of PostgreSQL's time: every article and every topic link
ran the document query on its own, and a link written before its article was written again when
the article arrived (all ten of its indexes). Now each INSERT, UPDATE or DELETE statement (an
import's COPY of 500 articles, an admin save of one) refreshes the documents of the articles it
touched in one set-based statement, and corrects only the link copies that differ from their
article, so links written with the right values (as the importer writes them) are not rewritten.

Whoever writes is still covered: importer, admin saves, `queryset.update()`, merges, a shell.
The statements that join a transition table to a large table run through EXECUTE so that each
is planned for the rows at hand, not once for the whole session. A statement trigger fires even
for a statement that touched no row, so the link-update trigger returns at once unless an
article or topic of a link changed: its own UPDATE of the copies then ends the chain.
Tag and provider renames keep their row triggers (rare, one row each). SQLite skips this migration.
"""

from django.db import migrations

from articles import db
from articles.db import postgresql

# Today's statement triggers are defined in articles/db/postgresql.py (STATEMENT_TRIGGERS); this
# migration puts them in place of the row triggers. The document functions are their historical
# text (0013 made today's, articles/db/postgresql.py: DOCUMENT_FUNCTIONS).
LINK_COLUMNS = postgresql.LINK_COLUMNS
ROW_TRIGGERS_DROP = [
    "DROP TRIGGER articles_searchdoc_article ON articles_article",
    "DROP TRIGGER articles_searchdoc_topic ON articles_articletopic",
    "DROP TRIGGER articles_topic_copy_link ON articles_articletopic",
    "DROP TRIGGER articles_topic_copy_article_ai ON articles_article",
    "DROP TRIGGER articles_topic_copy_article_au ON articles_article",
    "DROP FUNCTION articles_searchdoc_article_trigger()",
    "DROP FUNCTION articles_searchdoc_topic_trigger()",
    "DROP FUNCTION articles_topic_copy_link()",
    "DROP FUNCTION articles_topic_copy_article()",
]
DOCUMENT_FUNCTIONS = [
    # The document for a set of articles in one statement. Topics in the file's order: ts_rank
    # reads word positions, so a fixed order ranks alike however the document was written.
    """CREATE FUNCTION articles_searchdoc_refresh_many(ids bigint[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO articles_searchdoc (article_id, document)
        SELECT a.id,
            setweight(to_tsvector('simple', a.title), 'A')
            || setweight(to_tsvector('simple', coalesce((
                SELECT string_agg(t.name, ' ' ORDER BY at.position, at.id) FROM articles_articletopic at
                JOIN taggit_tag t ON t.id = at.tag_id WHERE at.content_object_id = a.id), '')), 'B')
            || setweight(to_tsvector('simple', coalesce((
                SELECT p.name || ' ' || p.domain FROM articles_provider p WHERE p.id = a.provider_id), '')), 'C')
            || setweight(to_tsvector('simple', coalesce(a.excerpt, '')), 'D')
        FROM articles_article a WHERE a.id = ANY(ids)
        ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document
    $$""",
    # One definition of the document: the tag and provider triggers call this one.
    """CREATE OR REPLACE FUNCTION articles_searchdoc_refresh(aid bigint) RETURNS void LANGUAGE sql AS $$
        SELECT articles_searchdoc_refresh_many(ARRAY[aid])
    $$""",
]

CREATE = [*DOCUMENT_FUNCTIONS, *ROW_TRIGGERS_DROP, *postgresql.STATEMENT_TRIGGERS]

# Back to the row triggers of 0006 and 0007, as they were written there.
OLD_COPIED = "is_published, published_at, coalesce(heat, -1), coalesce(quality, -1), provider_id"
OLD_NEW_VALUES = ("NEW.is_published, NEW.published_at, coalesce(NEW.heat, -1), coalesce(NEW.quality, -1), "
                  "NEW.provider_id")
OLD_WATCHED = "is_published, published_at, heat, quality, provider_id"
OLD_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in OLD_WATCHED.split(", "))
OLD_COPY_TO_LINK = (f"UPDATE articles_articletopic SET {LINK_COLUMNS} = (SELECT {OLD_COPIED} FROM articles_article a "
                    "WHERE a.id = articles_articletopic.content_object_id) WHERE id = NEW.id")

DROP = [
    *postgresql.STATEMENT_TRIGGERS_DROP,
    """CREATE OR REPLACE FUNCTION articles_searchdoc_refresh(aid bigint) RETURNS void LANGUAGE sql AS $$
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
    $$""",
    "DROP FUNCTION IF EXISTS articles_searchdoc_refresh_many(bigint[])",
    """CREATE FUNCTION articles_searchdoc_article_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM articles_searchdoc_refresh(NEW.id); RETURN NULL; END $$""",
    """CREATE FUNCTION articles_searchdoc_topic_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN PERFORM articles_searchdoc_refresh(OLD.content_object_id); END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM articles_searchdoc_refresh(NEW.content_object_id); END IF;
            RETURN NULL;
        END $$""",
    f"""CREATE FUNCTION articles_topic_copy_link() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {OLD_COPY_TO_LINK}; RETURN NULL; END $$""",
    f"""CREATE FUNCTION articles_topic_copy_article() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE articles_articletopic SET {LINK_COLUMNS} = ({OLD_NEW_VALUES}) WHERE content_object_id = NEW.id;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER articles_searchdoc_article AFTER INSERT OR UPDATE OF title, excerpt, provider_id
        ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_searchdoc_article_trigger()""",
    """CREATE TRIGGER articles_searchdoc_topic AFTER INSERT OR DELETE OR UPDATE OF tag_id, content_object_id
        ON articles_articletopic FOR EACH ROW EXECUTE FUNCTION articles_searchdoc_topic_trigger()""",
    "CREATE TRIGGER articles_topic_copy_link AFTER INSERT OR UPDATE OF content_object_id ON articles_articletopic "
    "FOR EACH ROW EXECUTE FUNCTION articles_topic_copy_link()",
    "CREATE TRIGGER articles_topic_copy_article_ai AFTER INSERT ON articles_article "
    "FOR EACH ROW EXECUTE FUNCTION articles_topic_copy_article()",
    f"CREATE TRIGGER articles_topic_copy_article_au AFTER UPDATE OF {OLD_WATCHED} ON articles_article "
    f"FOR EACH ROW WHEN ({OLD_CHANGED}) EXECUTE FUNCTION articles_topic_copy_article()",
]


def run(statements):
    def operation(apps, schema_editor):
        if db.is_engine("postgresql", schema_editor.connection):
            postgresql.install(schema_editor, statements)

    return operation


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_pages_provider_index")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
