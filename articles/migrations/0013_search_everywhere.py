"""Search that finds what readers type, the same on both engines (issue 15).

Both engines now index the body too (lowest weight), fold accents and case alike in both
directions, and index runs of Chinese, Japanese and Thai text as overlapping character pairs
too, so that a word inside such a run is found (articles/search_text.py says how). The documents
of existing articles are rebuilt.

- SQLite: a new FTS5 table (title, excerpt, topics, provider, body) with Thai marks kept inside
  words, and `articles_search_words`, the index's own vocabulary (fts5vocab) typos are
  corrected against. Today's definitions: articles/db/sqlite.py (SEARCH_INDEX).
- PostgreSQL: the `unaccent` extension, the `newsroom` text-search configuration ('simple' with
  unaccent first), `newsroom_grams()`, the vocabulary table `articles_searchword`, and the
  document function that uses them (articles/db/postgresql.py: SEARCH_CONFIGURATION,
  DOCUMENT_FUNCTIONS); an update of a body now refreshes the document.
"""

import importlib

from django.db import migrations

from articles import db
from articles.db import postgresql, sqlite

# Reversing puts back the definitions of 0004 and 0009 (their historical text).
FIRST_SQLITE_INDEX = importlib.import_module("articles.migrations.0004_reader_search_index")
STATEMENT_TRIGGERS_0009 = importlib.import_module("articles.migrations.0009_postgres_statement_triggers")

ARTICLE_UPDATED = [
    s for s in postgresql.STATEMENT_TRIGGERS if s.startswith("CREATE OR REPLACE FUNCTION articles_article_updated()")
]
REBUILD = "SELECT articles_searchdoc_refresh_many(ARRAY(SELECT id FROM articles_article))"

PG_FORWARD = [*postgresql.SEARCH_CONFIGURATION, *postgresql.DOCUMENT_FUNCTIONS, *ARTICLE_UPDATED, REBUILD]
PG_BACKWARD = [
    *(s.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
      for s in STATEMENT_TRIGGERS_0009.DOCUMENT_FUNCTIONS),
    """CREATE OR REPLACE FUNCTION articles_article_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM articles_searchdoc_refresh_many(ARRAY(
                SELECT n.id FROM new_articles n LEFT JOIN old_articles o ON o.id = n.id
                WHERE o.id IS NULL
                   OR (n.title, n.excerpt, n.provider_id) IS DISTINCT FROM (o.title, o.excerpt, o.provider_id)));
            EXECUTE '""" + postgresql._link_copies_of("new_articles") + """';
            RETURN NULL;
        END $$""",
    REBUILD,
    *postgresql.SEARCH_CONFIGURATION_DROP,
]


def forward(apps, schema_editor):
    if db.is_engine("sqlite", schema_editor.connection):
        sqlite.remove_search_index(schema_editor)
        sqlite.install_search_index(schema_editor)
    elif db.is_engine("postgresql", schema_editor.connection):
        postgresql.install(schema_editor, PG_FORWARD)


def backward(apps, schema_editor):
    if db.is_engine("sqlite", schema_editor.connection):
        sqlite.remove_search_index(schema_editor)
        FIRST_SQLITE_INDEX.execute(FIRST_SQLITE_INDEX.SEARCH_INDEX)(schema_editor)
    elif db.is_engine("postgresql", schema_editor.connection):
        postgresql.install(schema_editor, PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_aliases_topic_names_provider_aliases")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
