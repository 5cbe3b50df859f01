"""PostgreSQL: COPY-based bulk writing, advisory locks, the first load's index catalogue,
tsvector search, estimated counts, and the triggers that keep the search documents and the
topic links' copied columns current."""

from django.db import connections

from articles import search_text

from . import base
from .base import finish_import, prepare_import  # noqa: F401 (part of this engine's interface)

name = "postgresql"
supports_first_load = True
# The statement triggers (STATEMENT_TRIGGERS) correct only link copies that differ from their
# article: written right by the importer, new links are not written twice.
import_writes_link_copies = True
# COPY's text format takes JSON text as it is; a Jsonb wrapper per value costs more than the dump.
json_as_text = True

# Any fixed number: the advisory lock each import batch's transaction takes before it reads
# what exists, so two imports never create the same article, provider or topic at once.
BATCH_WRITE_LOCK = 7_236_000_002


# -- bulk writing ---------------------------------------------------------------------------

def lock_import_batches(cursor):
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BATCH_WRITE_LOCK])


def insert_rows(connection, table, columns, params):
    """The rows in one COPY, so the statement-level triggers run once for the batch instead of
    once per row, as they would under executemany."""
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(quote(table), ", ".join(quote(c) for c in columns))
    # Errors come out as Django's (IntegrityError, OperationalError), which Writer.write retries.
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for row in params:
                copy.write_row(row)


def update_rows(connection, table, pk_column, columns, params):
    """COPY the new values into a scratch table, then one UPDATE ... FROM it (one statement, so
    the triggers run once for the batch)."""
    quote = connection.ops.quote_name
    scratch = quote(f"import_update_{table}")
    names = [quote(c) for c in columns]
    with connection.cursor() as cursor:
        # Same column types as the table; no constraints, dropped at the end of the batch.
        cursor.execute("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {}, {} FROM {} WITH NO DATA".format(
            scratch, ", ".join(names), quote(pk_column), quote(table)))
        insert_rows(connection, f"import_update_{table}", [*columns, pk_column], params)
        # The planner then knows it holds a batch, not a table's worth, and goes by primary key.
        cursor.execute(f"ANALYZE {scratch}")
        cursor.execute("UPDATE {} t SET {} FROM {} s WHERE t.{pk} = s.{pk}".format(
            quote(table), ", ".join(f"{n} = s.{n}" for n in names), scratch, pk=quote(pk_column)))
        cursor.execute(f"DROP TABLE {scratch}")


def allocate_ids(connection, table, pk_column, count):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk_column, count],
        )
        return [row[0] for row in cursor.fetchall()]


# -- the first load -------------------------------------------------------------------------

def indexes(cursor, tables, *, unique_too):
    """(name, CREATE INDEX statement) of the indexes of `tables`, in creation order."""
    placeholders = ", ".join(["%s"] * len(tables))
    unique = "" if unique_too else " AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'"
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname"
        " AND c.relnamespace = to_regnamespace(i.schemaname)"
        f" WHERE i.schemaname = current_schema() AND i.tablename IN ({placeholders}){unique} ORDER BY c.oid",
        tables,
    )
    return cursor.fetchall()


def table_exists(cursor, table):
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
    return cursor.fetchone()[0]


index_build_settings = base.index_build_settings
# The tables the search triggers fill (SEARCH_DOCUMENTS, the vocabulary of migration 0013).
SEARCH_TABLES = ("articles_searchdoc", "articles_searchword")


def before_index_build(cursor):
    # PostgreSQL builds no index on a table with deferred foreign-key checks still pending in
    # the transaction (only when the build shares a transaction with writes, as in the tests):
    # run them now, and defer again after.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def after_index_build(cursor, tables):
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def after_first_load(connection, tables):
    """Statistics for the planner now, not when autovacuum gets to the new tables, and the
    visibility map set, so that topic pages' counts and bounds are index-only scans (a topic
    page at 100,000 articles: 61 ms before a VACUUM, 43 ms after). The search tables too:
    without their statistics the planner takes any prefix for a common word and walks every
    document backwards looking for a rare one (search() relies on them). VACUUM cannot run in
    a transaction (an import inside one, as in the tests): ANALYZE alone then."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in (*tables, *SEARCH_TABLES):
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")


# -- readers and editors --------------------------------------------------------------------

def estimated_count(queryset):
    """The planner's row estimate of an unfiltered queryset's table (None: filtered)."""
    if not hasattr(queryset, "query") or queryset.query.where:
        return None
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [queryset.model._meta.db_table])
        row = cursor.fetchone()
    return row[0] if row else None


def _lexeme(text):
    return "'{}'".format(text.replace("\\", "\\\\").replace("'", "''"))


def tsquery(terms):
    """A to_tsquery expression: every term as a quoted prefix lexeme or, in a script without
    spaces, as the phrase of its character pairs (no operators from input)."""
    parts = []
    for term in terms:
        if search_text.unspaced(term):
            pairs = search_text.query_grams(term)
            parts.append(f"{_lexeme(pairs[0])}:*" if len(pairs[0]) < 2 else
                         "(" + " <-> ".join(_lexeme(pair) for pair in pairs) + ")")
        else:
            parts.append(f"{_lexeme(term)}:*")
    return " & ".join(parts)


# ts_rank weights for D, C, B, A: body, excerpt and provider, topics, title.
TS_WEIGHTS = "{0.05, 0.2, 0.5, 1.0}"
# The text-search configuration of the documents and the queries (migration 0013): 'simple'
# (no stemming: every language alike, prefixes match) with unaccent before it.
CONFIG = "newsroom"


def search(queryset, terms, *, from_id=None):
    """The search documents (articles_searchdoc: title A, topics B, provider and excerpt C,
    body D), matched with prefix terms and ranked by ts_rank among the newest SEARCH_WINDOW
    matches. `from_id` is not needed here: the window costs a few milliseconds each time."""
    query = f"to_tsquery('{CONFIG}', %s)"
    # Ranked among the newest SEARCH_WINDOW matches only, as on SQLite: ts_rank reads every
    # matching document, which for a common word is a quarter of the corpus. The window is a
    # LIMITed sub-select, so the planner picks per query (from the GIN statistics) between
    # walking the ids backwards until it has SEARCH_WINDOW matches (a common word) and
    # collecting the few GIN matches (a rare one). A bound such as `article_id >= <start>`
    # instead left it collecting every GIN match of a common word before filtering by id.
    window = (f"articles_searchdoc.article_id IN (SELECT d.article_id FROM articles_searchdoc d"
              f" WHERE d.document @@ {query} ORDER BY d.article_id DESC LIMIT %s)")
    return queryset.extra(
        tables=["articles_searchdoc"],
        where=["articles_searchdoc.article_id = articles_article.id", window],
        params=[tsquery(terms), base.SEARCH_WINDOW],
        select={"rank": f"ts_rank('{TS_WEIGHTS}', articles_searchdoc.document, {query})"},
        select_params=[tsquery(terms)],
    ).order_by("-rank", "-published_at", "-id")


def vocabulary(connection, prefixes, words):
    """(those of `prefixes` that begin a word of a title, topic, provider or excerpt, those of
    `words` that are one): look-ups in the vocabulary's B-tree, one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT true, t FROM unnest(%s::text[]) t WHERE EXISTS (SELECT 1 FROM articles_searchword w"
            " WHERE w.word >= t COLLATE \"C\" AND w.word < (t || chr(1114111)) COLLATE \"C\")"
            " UNION ALL SELECT false, word FROM articles_searchword WHERE word = ANY(%s::text[] COLLATE \"C\")",
            [list(prefixes), list(words)],
        )
        rows = cursor.fetchall()
    return {t for is_prefix, t in rows if is_prefix}, {t for is_prefix, t in rows if not is_prefix}


def word_counts(connection, words):
    """{word: articles using it, up to 1,000}, through the GIN index (for the few words
    `vocabulary` found: counting only those keeps the plan small)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w, (SELECT count(*) FROM (SELECT 1 FROM articles_searchdoc d"
            " WHERE d.document @@ quote_literal(w)::tsquery LIMIT 1000) hits) FROM unnest(%s::text[]) w",
            [list(words)],
        )
        return dict(cursor.fetchall())


# -- triggers -------------------------------------------------------------------------------
# Today's set: the search documents' table and its delete, truncate and rename triggers
# (migration 0006), and the statement-level triggers over transition tables (migration 0009)
# that keep the documents and the topic links' copied columns current whoever writes.

SEARCH_DOCUMENTS = [
    # No foreign key: Django's flush TRUNCATEs articles_article without CASCADE, which a
    # referencing table would block. The delete and truncate triggers keep it clean instead.
    """CREATE TABLE articles_searchdoc (
        article_id bigint PRIMARY KEY,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX articles_searchdoc_document ON articles_searchdoc USING gin (document)",
]
# Rare, one row each: row triggers. (0006 created them; articles_searchdoc_refresh, which the
# tag and provider triggers call, is redefined by STATEMENT_TRIGGERS.)
SEARCH_ROW_TRIGGERS = [
    """CREATE FUNCTION articles_searchdoc_delete_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN DELETE FROM articles_searchdoc WHERE article_id = OLD.id; RETURN NULL; END $$""",
    """CREATE FUNCTION articles_searchdoc_truncate_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN TRUNCATE articles_searchdoc; RETURN NULL; END $$""",
    """CREATE FUNCTION articles_searchdoc_tag_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM articles_searchdoc_refresh(at.content_object_id)
            FROM articles_articletopic at WHERE at.tag_id = NEW.id;
            RETURN NULL;
        END $$""",
    """CREATE FUNCTION articles_searchdoc_provider_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM articles_searchdoc_refresh(a.id) FROM articles_article a WHERE a.provider_id = NEW.id;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER articles_searchdoc_article_delete AFTER DELETE
        ON articles_article FOR EACH ROW EXECUTE FUNCTION articles_searchdoc_delete_trigger()""",
    """CREATE TRIGGER articles_searchdoc_article_truncate AFTER TRUNCATE
        ON articles_article FOR EACH STATEMENT EXECUTE FUNCTION articles_searchdoc_truncate_trigger()""",
    """CREATE TRIGGER articles_searchdoc_tag AFTER UPDATE OF name
        ON taggit_tag FOR EACH ROW EXECUTE FUNCTION articles_searchdoc_tag_trigger()""",
    """CREATE TRIGGER articles_searchdoc_provider AFTER UPDATE OF name, domain
        ON articles_provider FOR EACH ROW EXECUTE FUNCTION articles_searchdoc_provider_trigger()""",
]
SEARCH_ROW_TRIGGERS_DROP = [
    "DROP TRIGGER IF EXISTS articles_searchdoc_article_delete ON articles_article",
    "DROP TRIGGER IF EXISTS articles_searchdoc_article_truncate ON articles_article",
    "DROP TRIGGER IF EXISTS articles_searchdoc_tag ON taggit_tag",
    "DROP TRIGGER IF EXISTS articles_searchdoc_provider ON articles_provider",
    "DROP FUNCTION IF EXISTS articles_searchdoc_delete_trigger()",
    "DROP FUNCTION IF EXISTS articles_searchdoc_truncate_trigger()",
    "DROP FUNCTION IF EXISTS articles_searchdoc_tag_trigger()",
    "DROP FUNCTION IF EXISTS articles_searchdoc_provider_trigger()",
]

# Heat and quality as -1 when none, so a plain DESC index sorts them last.
LINK_COLUMNS = "(article_is_published, article_published_at, article_heat, article_quality, article_provider_id)"
_L_COPIES = LINK_COLUMNS.replace("(", "(l.").replace(", ", ", l.")


def _article_values(alias):
    return (f"({alias}.is_published, {alias}.published_at, coalesce({alias}.heat, -1), "
            f"coalesce({alias}.quality, -1), {alias}.provider_id)")


def _link_copies_of(articles):
    """UPDATE the links of the articles in `articles` (a table name) whose copies differ."""
    return (f"UPDATE articles_articletopic l SET {LINK_COLUMNS} = {_article_values('n')} FROM {articles} n "
            f"WHERE l.content_object_id = n.id AND {_L_COPIES} "
            f"IS DISTINCT FROM {_article_values('n')}")


# Each INSERT, UPDATE or DELETE statement (an import's COPY of 500 articles, an admin save of
# one) refreshes the documents of the articles it touched in one set-based statement, and
# corrects only the link copies that differ from their article. The statements that join a
# transition table to a large table run through EXECUTE so that each is planned for the rows at
# hand. A statement trigger fires even for a statement that touched no row, so the link-update
# trigger returns at once unless an article or topic of a link changed: its own UPDATE of the
# copies then ends the chain.
_UNSPACED = "[" + "".join(
    f"\\u{low:04X}" if low == high else f"\\u{low:04X}-\\u{high:04X}" for low, high in search_text.UNSPACED_RANGES
) + "]+"

# What 0013 adds before the documents can be built: unaccent, the 'newsroom' configuration,
# the character pairs of scripts without spaces (search_text.grams, in SQL), and the vocabulary
# table typos are corrected against.
SEARCH_CONFIGURATION = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = simple)",
    # Words with letters beyond ASCII (and their hyphenated parts) lose their accents first.
    f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR word, hword, hword_part, numword, numhword, "
    "hword_numpart WITH unaccent, simple",
    f"""CREATE FUNCTION newsroom_grams(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(string_agg(substr(r.run[1], i, 2), ' ' ORDER BY r.n, i), '')
        FROM regexp_matches(t, '{_UNSPACED}', 'g') WITH ORDINALITY AS r(run, n),
            generate_series(1, char_length(r.run[1])) AS i
    $$""",
    # Words of four letters or more outside the bodies; never pruned (a word no article uses any
    # more counts 0 and is not suggested).
    # Byte order (COLLATE "C"): a prefix is a range of the key.
    'CREATE TABLE articles_searchword (word text COLLATE "C" PRIMARY KEY)',
]
SEARCH_CONFIGURATION_DROP = [
    "DROP TABLE IF EXISTS articles_searchword",
    "DROP FUNCTION IF EXISTS newsroom_grams(text)",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}",
]


def _indexed(expr):
    """A text as the documents hold it: the text, then the pairs of its unspaced runs."""
    return f"to_tsvector('{CONFIG}', {expr} || ' ' || newsroom_grams({expr}))"


DOCUMENT_FUNCTIONS = [
    # The document for a set of articles in one statement. Topics in the file's order: ts_rank
    # reads word positions, so a fixed order ranks alike however the document was written. Then
    # the new words of the vocabulary.
    f"""CREATE OR REPLACE FUNCTION articles_searchdoc_refresh_many(ids bigint[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO articles_searchdoc (article_id, document)
        SELECT a.id,
            setweight({_indexed('a.title')}, 'A')
            || setweight({_indexed('x.topics')}, 'B')
            || setweight({_indexed('x.provider_and_excerpt')}, 'C')
            || setweight({_indexed('x.body')}, 'D')
        FROM articles_article a CROSS JOIN LATERAL (SELECT
            coalesce((SELECT string_agg(t.name, ' ' ORDER BY at.position, at.id) FROM articles_articletopic at
                JOIN taggit_tag t ON t.id = at.tag_id WHERE at.content_object_id = a.id), '') AS topics,
            coalesce((SELECT p.name || ' ' || p.domain FROM articles_provider p WHERE p.id = a.provider_id), '')
                || ' ' || coalesce(a.excerpt, '') AS provider_and_excerpt,
            coalesce(a.body, '') AS body) x
        WHERE a.id = ANY(ids)
        ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document;
        INSERT INTO articles_searchword (word)
        SELECT DISTINCT w.lexeme FROM articles_searchdoc d, unnest(d.document) w
        WHERE d.article_id = ANY(ids) AND char_length(w.lexeme) >= 4
          AND w.weights && '{{A,B,C}}'::text[]
        ON CONFLICT (word) DO NOTHING;
    $$""",
    # One definition of the document: the tag and provider triggers call this one.
    """CREATE OR REPLACE FUNCTION articles_searchdoc_refresh(aid bigint) RETURNS void LANGUAGE sql AS $$
        SELECT articles_searchdoc_refresh_many(ARRAY[aid])
    $$""",
]
STATEMENT_TRIGGERS = [
    f"""CREATE FUNCTION articles_article_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM articles_searchdoc_refresh_many(ARRAY(SELECT id FROM new_articles));
            EXECUTE '{_link_copies_of('new_articles')}';
            RETURN NULL;
        END $$""",
    f"""CREATE OR REPLACE FUNCTION articles_article_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM articles_searchdoc_refresh_many(ARRAY(
                SELECT n.id FROM new_articles n LEFT JOIN old_articles o ON o.id = n.id
                WHERE o.id IS NULL
                   OR (n.title, n.excerpt, n.body, n.provider_id)
                      IS DISTINCT FROM (o.title, o.excerpt, o.body, o.provider_id)));
            EXECUTE '{_link_copies_of('new_articles')}';
            RETURN NULL;
        END $$""",
    f"""CREATE FUNCTION articles_topic_links_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM articles_searchdoc_refresh_many(ARRAY(SELECT DISTINCT content_object_id FROM new_links));
            -- Links written before their article (deferred foreign keys) are checked when it arrives.
            EXECUTE 'UPDATE articles_articletopic l SET {LINK_COLUMNS} = {_article_values('a')}
                FROM new_links n JOIN articles_article a ON a.id = n.content_object_id
                WHERE l.id = n.id AND {_L_COPIES} IS DISTINCT FROM {_article_values('a')}';
            RETURN NULL;
        END $$""",
    f"""CREATE FUNCTION articles_topic_links_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE moved bigint[];
        BEGIN
            -- Articles that gained or lost a link, or whose link changed topic.
            SELECT coalesce(array_agg(DISTINCT aid), '{{}}') INTO moved FROM (
                SELECT o.content_object_id AS aid FROM old_links o LEFT JOIN new_links n ON n.id = o.id
                WHERE n.id IS NULL OR (o.tag_id, o.content_object_id) IS DISTINCT FROM (n.tag_id, n.content_object_id)
                UNION ALL
                SELECT n.content_object_id FROM new_links n LEFT JOIN old_links o ON o.id = n.id
                WHERE o.id IS NULL OR (o.tag_id, o.content_object_id) IS DISTINCT FROM (n.tag_id, n.content_object_id)
            ) changed;
            IF cardinality(moved) = 0 THEN
                RETURN NULL;  -- pins, positions, the copies themselves: nothing to follow
            END IF;
            PERFORM articles_searchdoc_refresh_many(moved);
            EXECUTE 'UPDATE articles_articletopic l SET {LINK_COLUMNS} = {_article_values('a')}
                FROM new_links n JOIN articles_article a ON a.id = n.content_object_id
                WHERE l.id = n.id AND n.content_object_id = ANY($1)
                  AND {_L_COPIES} IS DISTINCT FROM {_article_values('a')}' USING moved;
            RETURN NULL;
        END $$""",
    """CREATE FUNCTION articles_topic_links_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM articles_searchdoc_refresh_many(ARRAY(SELECT DISTINCT content_object_id FROM old_links));
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER articles_article_inserted AFTER INSERT ON articles_article
        REFERENCING NEW TABLE AS new_articles
        FOR EACH STATEMENT EXECUTE FUNCTION articles_article_inserted()""",
    """CREATE TRIGGER articles_article_updated AFTER UPDATE ON articles_article
        REFERENCING OLD TABLE AS old_articles NEW TABLE AS new_articles
        FOR EACH STATEMENT EXECUTE FUNCTION articles_article_updated()""",
    """CREATE TRIGGER articles_topic_links_inserted AFTER INSERT ON articles_articletopic
        REFERENCING NEW TABLE AS new_links
        FOR EACH STATEMENT EXECUTE FUNCTION articles_topic_links_inserted()""",
    """CREATE TRIGGER articles_topic_links_updated AFTER UPDATE ON articles_articletopic
        REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
        FOR EACH STATEMENT EXECUTE FUNCTION articles_topic_links_updated()""",
    """CREATE TRIGGER articles_topic_links_deleted AFTER DELETE ON articles_articletopic
        REFERENCING OLD TABLE AS old_links
        FOR EACH STATEMENT EXECUTE FUNCTION articles_topic_links_deleted()""",
]
STATEMENT_TRIGGERS_DROP = [
    "DROP TRIGGER IF EXISTS articles_article_inserted ON articles_article",
    "DROP TRIGGER IF EXISTS articles_article_updated ON articles_article",
    "DROP TRIGGER IF EXISTS articles_topic_links_inserted ON articles_articletopic",
    "DROP TRIGGER IF EXISTS articles_topic_links_updated ON articles_articletopic",
    "DROP TRIGGER IF EXISTS articles_topic_links_deleted ON articles_articletopic",
    "DROP FUNCTION IF EXISTS articles_article_inserted()",
    "DROP FUNCTION IF EXISTS articles_article_updated()",
    "DROP FUNCTION IF EXISTS articles_topic_links_inserted()",
    "DROP FUNCTION IF EXISTS articles_topic_links_updated()",
    "DROP FUNCTION IF EXISTS articles_topic_links_deleted()",
]

TRIGGERS = tuple(
    statement.split()[2] for statement in SEARCH_ROW_TRIGGERS + STATEMENT_TRIGGERS
    if statement.startswith("CREATE TRIGGER")
)


def _execute(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install(schema_editor, *statement_lists):
    """Run the statements of the lists above, in order (the migrations name which)."""
    for statements in statement_lists:
        _execute(schema_editor, statements)


def installed_triggers(cursor):
    cursor.execute(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
    )
    return {name for (name,) in cursor.fetchall()}
