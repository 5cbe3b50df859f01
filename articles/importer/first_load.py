"""A large first import into an empty database, loaded the way a restore is.

Each article row lands in a dozen secondary indexes keyed by dates, topics, providers and
URLs, and each topic link in half a dozen more. Inserted batch by batch, those keys fall
all over their B-trees, so every batch rewrites pages everywhere: at 100,000 articles that
upkeep was most of the writer's time. Building an index once from the finished table is a
single sort.

So, when the article table is empty and the run is large, the secondary indexes of the
article tables are dropped at the start, the batches are written and committed as usual,
and the indexes are built again from their stored SQL at the end (also after an error or
Ctrl-C). Unique indexes, unique constraints, primary keys and the triggers stay throughout,
so the rows written are the same as in an ordinary import. The dropped indexes' SQL is kept
in a table of its own, written in the same transaction as the drop: if the process is
killed before it rebuilds them, the next import builds them first (`build_indexes` at its start).

(One transaction for the whole load was tried on SQLite and measured slower: the WAL grows
to the size of the database and every page read looks through it.)

The same on SQLite and PostgreSQL; on PostgreSQL the drop and the build take the import
batches' advisory lock (write.BATCH_WRITE_LOCK), as SQLite's IMMEDIATE transactions serialise.
"""

from contextlib import contextmanager

from django.db import connection, transaction

from articles.models import Article, ArticleTopic, Image, RelatedLink

from .write import BATCH_WRITE_LOCK

# Below this many files the per-batch path is as fast.
FIRST_LOAD_MIN_FILES = 1_000
TABLES = tuple(model._meta.db_table for model in (Article, ArticleTopic, Image, RelatedLink))
# The page cache (KiB) while indexes are built: also the sorter's memory.
BUILD_CACHE_KIB = 8 * 1024
# Not a model: it exists only while a first load runs (or after one was killed).
PENDING_TABLE = "articles_first_load_pending_index"


def applies(file_count, *, dry_run):
    """Whether a run of `file_count` files is a first load (checked again in drop_indexes)."""
    return (
        connection.vendor in ("sqlite", "postgresql")
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
        _lock(cursor)
        if Article.objects.exists() or _pending_exists(cursor):
            return False
        indexes = secondary_indexes(cursor)
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
    if connection.vendor not in ("sqlite", "postgresql"):
        return
    with connection.cursor() as cursor:
        if not _pending_exists(cursor):  # the usual case: one cheap read, no transaction
            return
    with _sqlite_build_settings():
        with transaction.atomic(), connection.cursor() as cursor:
            _lock(cursor)
            if not _pending_exists(cursor):  # built meanwhile by another import
                return
            cursor.execute(f"SELECT name, sql FROM {PENDING_TABLE} ORDER BY position")
            pending = cursor.fetchall()
            present = {name for name, _ in _indexes(cursor, unique_too=True)}
            if connection.vendor == "postgresql":
                # PostgreSQL builds no index on a table with deferred foreign-key checks still
                # pending in the transaction (only when the build shares a transaction with
                # writes, as in the tests): run them now, and defer again after.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, sql in pending:
                if name not in present:
                    cursor.execute(sql)
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                # Statistics for the planner now, not when autovacuum gets to the new tables.
                for table in TABLES:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
            cursor.execute(f"DROP TABLE {PENDING_TABLE}")


@contextmanager
def _sqlite_build_settings():
    """SQLite's sorter keeps up to a page cache's worth of keys in memory, and with
    temp_store=MEMORY its spill files too: at 100,000 articles that was +76 MB at the end of
    the run. An 8 MB cache and spill files on disk: +16 MB, and no slower (4.1 s vs 5.6 s)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_size = cursor.fetchone()[0]
        cursor.execute("PRAGMA temp_store")
        temp_store = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
        # (SQLite refuses the change inside a transaction, as in the tests: memory it is then.)
        spill_to_disk = not connection.in_atomic_block
        if spill_to_disk:
            cursor.execute("PRAGMA temp_store = FILE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
            if spill_to_disk:
                cursor.execute(f"PRAGMA temp_store = {int(temp_store)}")


def secondary_indexes(cursor):
    """(name, CREATE INDEX statement) of the article tables' own non-unique indexes, in the
    order they were created: without statistics, SQLite's planner breaks ties between equally
    good indexes by that order, so they are built again in it (built in name order, the home
    page's query took another index and ten times as long). Unique indexes and constraints
    stay: the load must keep enforcing them (SQLite's automatic ones cannot be dropped anyway)."""
    return _indexes(cursor, unique_too=False)


def _indexes(cursor, *, unique_too):
    tables = ", ".join(["%s"] * len(TABLES))
    if connection.vendor == "postgresql":
        definition = "i.indexdef"
        sql = (
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname"
            " AND c.relnamespace = to_regnamespace(i.schemaname)"
            f" WHERE i.schemaname = current_schema() AND i.tablename IN ({tables}){{unique}} ORDER BY c.oid"
        )
    else:
        definition = "sql"
        sql = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({tables}){{unique}} ORDER BY rowid"
        )
    unique = "" if unique_too else f" AND {definition} NOT LIKE 'CREATE UNIQUE%%'"
    cursor.execute(sql.format(unique=unique), TABLES)
    return cursor.fetchall()


def _lock(cursor):
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [BATCH_WRITE_LOCK])


def _pending_exists(cursor):
    if connection.vendor == "postgresql":
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [PENDING_TABLE])
        return cursor.fetchone()[0]
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [PENDING_TABLE])
    return cursor.fetchone() is not None
