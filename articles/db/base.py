"""What every engine module offers, and the defaults an engine without its own takes.

`INTERFACE` is the list: articles/db/sqlite.py and articles/db/postgresql.py define (or take
from here) every name in it, so the rest of the code can ask any engine the same questions.
This module is also the engine of a database Newsroom has no module for: ordinary SQL,
substring search, exact counts, no first load.
"""

from contextlib import contextmanager

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

INTERFACE = (
    # Capabilities.
    "name", "supports_first_load", "import_writes_link_copies", "json_as_text",
    # Bulk writing (articles/importer/write.py).
    "prepare_import", "finish_import", "lock_import_batches", "insert_rows", "update_rows", "allocate_ids",
    # The first load (articles/importer/first_load.py).
    "indexes", "table_exists", "index_build_settings", "before_index_build", "after_index_build",
    "after_first_load",
    # Readers and editors.
    "search", "vocabulary", "word_counts", "estimated_count",
    # Today's triggers, by name, and those the database holds.
    "TRIGGERS", "installed_triggers",
)

name = "other"
# Whether a large first import may drop and rebuild the article tables' indexes (first_load.py).
supports_first_load = False
# Whether the importer writes the topic links' copied article columns itself (article_copies).
import_writes_link_copies = False
# Whether insert_rows takes JSON values as JSON text rather than as the driver's adapted value.
json_as_text = False

# Only the newest SEARCH_WINDOW matches (highest ids: the latest imported) are ranked. A word
# common to a quarter of 100,000 articles would otherwise cost a ranking of 25,000 documents and
# as many article look-ups on every request; the window keeps a search's cost flat as the corpus grows.
SEARCH_WINDOW = 1000
# How much a match in each place counts.
WEIGHTS = {"phrase": 20, "title": 10, "topic": 5, "provider": 4, "excerpt": 2, "body": 1}

TRIGGERS = ()


def prepare_import(connection):
    """Settings of the importing connection for a run."""


def finish_import(connection):
    """Undo prepare_import at the end of a run (also after an error)."""


def lock_import_batches(cursor):
    """Make one import batch write at a time, until the transaction ends."""


def insert_rows(connection, table, columns, params):
    """INSERT rows (lists of prepared values, one per column) into `table`."""
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def update_rows(connection, table, pk_column, columns, params):
    """UPDATE `columns` of rows by primary key: params are the values, then the key."""
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(table), ", ".join(f"{quote(c)} = %s" for c in columns), quote(pk_column)
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def allocate_ids(connection, table, pk_column, count):
    raise NotImplementedError(f"no bulk id allocation for {connection.vendor}")


def indexes(cursor, tables, *, unique_too):
    raise NotImplementedError("no first load on this database")


def table_exists(cursor, table):
    raise NotImplementedError("no first load on this database")


@contextmanager
def index_build_settings(connection):
    yield


def before_index_build(cursor):
    """Run right before a first load builds its indexes, in their transaction."""


def after_index_build(cursor, tables):
    """Run right after a first load built the indexes of `tables`, in their transaction."""


def after_first_load(connection, tables):
    """Run once a first load's indexes are built and committed."""


def estimated_count(queryset):
    """A close number of rows for an unfiltered queryset, or None: count exactly."""
    return None


def installed_triggers(cursor):
    return set()


def vocabulary(connection, prefixes, words):
    """(those of `prefixes` that begin an indexed word, those of `words` that are one). Without a
    vocabulary every prefix is taken as known: no typo corrections on an engine Newsroom has no
    module for."""
    return set(prefixes), set()


def word_counts(connection, words):
    """{word: articles using it}."""
    return {}


def search(queryset, terms, *, from_id=None):
    """Substring matching with the same weights (every match is ranked: `from_id` bounds nothing). Topic and provider matches are looked up in
    their own small tables, so only titles, excerpts and bodies are scanned."""
    from taggit.models import Tag

    from articles.models import ArticleTopic, Provider

    rank = Value(0)
    for term in terms:
        # Non-correlated sub-selects: the database builds each list once per query.
        in_topic = Q(pk__in=ArticleTopic.objects.filter(
            tag__in=Tag.objects.filter(name__icontains=term).values("pk")
        ).values("content_object"))
        by_provider = Q(provider__in=Provider.objects.filter(
            Q(name__icontains=term) | Q(domain__icontains=term)
        ).values("pk"))
        in_title, in_excerpt, in_body = Q(title__icontains=term), Q(excerpt__icontains=term), Q(body__icontains=term)
        queryset = queryset.filter(in_title | in_excerpt | in_topic | by_provider | in_body)
        for condition, weight in (
            (in_title, "title"), (in_topic, "topic"), (by_provider, "provider"), (in_excerpt, "excerpt"),
            (in_body, "body"),
        ):
            rank = rank + Case(When(condition, then=Value(WEIGHTS[weight])), default=Value(0))
    if len(terms) > 1:
        phrase = " ".join(terms)
        rank = rank + Case(When(title__icontains=phrase, then=Value(WEIGHTS["phrase"])), default=Value(0))
    return queryset.annotate(rank=Coalesce(rank, 0, output_field=IntegerField())).order_by(
        "-rank", "-published_at", "-id"
    )
