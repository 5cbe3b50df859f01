"""A large first import into an empty database, loaded the way a restore is.

Each article row lands in a dozen secondary indexes keyed by dates, topics, providers and
URLs, and each topic link in half a dozen more. Inserted batch by batch, those keys fall
all over their B-trees, so every batch rewrites pages everywhere: at 100,000 articles that
upkeep was most of the writer's time. Building an index once from the finished table is a
single sort.

So, when the article table is empty and the run is large, the secondary indexes of the
article tables are dropped at the start, the batches are written and committed as usual,
and the indexes are built again from their stored SQL at the end (also after an error or
Ctrl-C). Readers' pages go on meanwhile, so a few are kept (`kept`): the children's index on
their article (keys arrive in order: nearly free) and the front page's and topic pages' own
orders. Without them a reader's p99 during a 100,000-file load was 589 ms on SQLite and 461 ms
on PostgreSQL; with them 257 and 289 ms, for ~5 % more import time (docs/benchmarks.md). Unique indexes, unique constraints, primary keys and the triggers stay throughout,
so the rows written are the same as in an ordinary import. The dropped indexes' SQL is kept
in a table of its own, written in the same transaction as the drop: if the process is
killed before it rebuilds them, the next import builds them first (`build_indexes` at its start).

(One transaction for the whole load was tried on SQLite and measured slower: the WAL grows
to the size of the database and every page read looks through it.)

The same on SQLite and PostgreSQL (an engine's `supports_first_load`); the drop and the build
take the import batches' lock (`lock_import_batches`: PostgreSQL's advisory lock), as SQLite's
IMMEDIATE transactions serialise. The catalogue queries are the engine module's (articles/db/).
"""

import re

from django.db import connection, transaction

from articles import db
from articles.models import Article, ArticleTopic, Image, RelatedLink

# Below this many files the per-batch path is as fast.
FIRST_LOAD_MIN_FILES = 1_000
TABLES = tuple(model._meta.db_table for model in (Article, ArticleTopic, Image, RelatedLink))
# Not a model: it exists only while a first load runs (or after one was killed).
PENDING_TABLE = "articles_first_load_pending_index"


def applies(file_count, *, dry_run):
    """Whether a run of `file_count` files is a first load (checked again in drop_indexes)."""
    return (
        db.engine().supports_first_load
        and not dry_run
        and file_count >= FIRST_LOAD_MIN_FILES
        and not Article.objects.exists()
    )


def drop_indexes():
    """Drop the article tables' secondary indexes, remembering them; False (nothing dropped)
    when articles or another first load got there first."""
    with transaction.atomic(), connection.cursor() as cursor:
        # SQLite: the transaction is IMMEDIATE (settings); PostgreSQL: the import batches' lock.
        # Either way no other import writes until it ends.
        db.engine().lock_import_batches(cursor)
        if Article.objects.exists() or _pending_exists(cursor):
            return False
        indexes = [(name, sql) for name, sql in secondary_indexes(cursor) if not kept(name, sql)]
        cursor.execute(f"CREATE TABLE {PENDING_TABLE} (position INTEGER PRIMARY KEY, name TEXT NOT NULL, sql TEXT NOT NULL)")
        cursor.executemany(
            f"INSERT INTO {PENDING_TABLE} (position, name, sql) VALUES (%s, %s, %s)",
            [(position, name, sql) for position, (name, sql) in enumerate(indexes)],
        )
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return True


def build_indexes():
    """Build the indexes a first load dropped (none pending: nothing to do)."""
    engine = db.engine()
    if not engine.supports_first_load:
        return
    with connection.cursor() as cursor:
        if not _pending_exists(cursor):  # the usual case: one cheap read, no transaction
            return
    with engine.index_build_settings(connection):
        with transaction.atomic(), connection.cursor() as cursor:
            engine.lock_import_batches(cursor)
            if not _pending_exists(cursor):  # built meanwhile by another import
                return
            cursor.execute(f"SELECT name, sql FROM {PENDING_TABLE} ORDER BY position")
            pending = cursor.fetchall()
            present = {name for name, _ in _indexes(cursor, unique_too=True)}
            engine.before_index_build(cursor)  # PostgreSQL: deferred checks first
            for name, sql in pending:
                if name not in present:
                    cursor.execute(sql)
            engine.after_index_build(cursor, TABLES)
            cursor.execute(f"DROP TABLE {PENDING_TABLE}")
    engine.after_first_load(connection, TABLES)  # PostgreSQL: VACUUM (ANALYZE), statistics for the planner


# Kept through a first load, so that readers are not left without what their pages read while it
# runs (docs/benchmarks.md, "Reading while writing"): the children's index on their article (rows
# arrive in article order, so each key goes at the end of its B-tree: next to nothing to keep up),
# and the orders of the front page and of a topic's page.
KEPT_NAMES = ("article_public_date", "topic_public_latest")
_ON_ARTICLE = re.compile(r'\(\s*"?(article_id|content_object_id)"?\s*\)\s*$')


def kept(name, sql):
    """Whether a first load keeps this secondary index instead of dropping it."""
    return name in KEPT_NAMES or _ON_ARTICLE.search(sql) is not None


def secondary_indexes(cursor):
    """(name, CREATE INDEX statement) of the article tables' own non-unique indexes, in the
    order they were created: without statistics, SQLite's planner breaks ties between equally
    good indexes by that order, so they are built again in it (built in name order, the home
    page's query took another index and ten times as long). Unique indexes and constraints
    stay: the load must keep enforcing them (SQLite's automatic ones cannot be dropped anyway)."""
    return _indexes(cursor, unique_too=False)


def _indexes(cursor, *, unique_too):
    return db.engine().indexes(cursor, TABLES, unique_too=unique_too)


def _pending_exists(cursor):
    return db.engine().table_exists(cursor, PENDING_TABLE)
