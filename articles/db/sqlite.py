"""SQLite: bulk writing settings, the first load's index catalogue, FTS5 search, and the
triggers that keep the search index and the topic links' copied columns current."""

from contextlib import contextmanager

from django.db.utils import OperationalError

from articles import search_text

from . import base
from .base import (  # noqa: F401 (part of this engine's interface)
    after_first_load, after_index_build, before_index_build, estimated_count, import_writes_link_copies, insert_rows,
    json_as_text, lock_import_batches, update_rows,
)

name = "sqlite"
supports_first_load = True

# The import connection's SQLite page cache (KiB): the run's memory budget allows it.
IMPORT_CACHE_KIB = 32 * 1024
# How many WAL pages an import lets pile up before SQLite copies them into the database
# (SQLite's default is 1,000). A large batch dirties more than that, so the default would copy
# the same index pages back after every batch (docs/benchmarks.md has the measurement). The WAL
# grows to this many pages during a large import and is truncated at its end (finish_import).
IMPORT_CHECKPOINT_PAGES = 65_536
DEFAULT_CHECKPOINT_PAGES = 1_000
# The page cache (KiB) while a first load builds indexes: also the sorter's memory.
BUILD_CACHE_KIB = 8 * 1024


# -- bulk writing ---------------------------------------------------------------------------

def prepare_import(connection):
    # A batch touches pages all over the article, link and search-index B-trees; with
    # SQLite's default 2 MB page cache it re-reads most of them from the OS per batch.
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {IMPORT_CHECKPOINT_PAGES}")


def finish_import(connection):
    """The WAL goes back into the database and the connection to SQLite's usual checkpoint
    interval. A reader still holding an old snapshot only means the WAL is truncated at a
    later checkpoint."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {DEFAULT_CHECKPOINT_PAGES}")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except OperationalError:
        pass  # e.g. still locked after an error: SQLite checkpoints at its next commit anyway


def allocate_ids(connection, table, pk_column, count):
    # The write lock (IMMEDIATE transactions) is held, so nobody else takes these.
    # sqlite_sequence remembers ids of deleted rows too: they are never handed out again.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(coalesce((SELECT max({1}) FROM {0}), 0),"
            " coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))".format(
                connection.ops.quote_name(table), connection.ops.quote_name(pk_column)
            ),
            [table],
        )
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


# -- the first load -------------------------------------------------------------------------

def indexes(cursor, tables, *, unique_too):
    """(name, CREATE INDEX statement) of the indexes of `tables`, in creation order."""
    placeholders = ", ".join(["%s"] * len(tables))
    unique = "" if unique_too else " AND sql NOT LIKE 'CREATE UNIQUE%%'"
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({placeholders}){unique} ORDER BY rowid",
        tables,
    )
    return cursor.fetchall()


def table_exists(cursor, table):
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
    return cursor.fetchone() is not None


@contextmanager
def index_build_settings(connection):
    """SQLite's sorter keeps up to a page cache's worth of keys in memory, and with
    temp_store=MEMORY its spill files too: at 100,000 articles that was +76 MB at the end of
    the run. A smaller cache and spill files on disk use a fifth of that, and are no slower."""
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


# -- search: the FTS5 table articles_search -------------------------------------------------

# BM25 weights of the FTS5 columns (title, excerpt, topics, provider, body): steeper than
# base.WEIGHTS because BM25 favours short columns, and a provider's name plus domain is short;
# the body, long, counts least.
FTS_WEIGHTS = (50.0, 1.0, 5.0, 2.0, 0.25)
# The columns whose words make the vocabulary typos are corrected against (every one but the body).
VOCABULARY_COLUMNS = ("title", "excerpt", "topics", "provider")


def _phrase(words, prefix=False):
    return '"{}"{}'.format(" ".join(words).replace('"', '""'), "*" if prefix else "")


def fts5_query(terms):
    """An FTS5 MATCH expression: every term as a quoted word prefix, or, in a script without
    spaces, as the phrase of its character pairs (no operators from input)."""
    parts = []
    for term in terms:
        if search_text.unspaced(term):
            pairs = search_text.query_grams(term)
            parts.append(_phrase(pairs, prefix=len(pairs[0]) < 2))
        else:
            parts.append(_phrase([term], prefix=True))
    return " ".join(parts)


def search(queryset, terms, *, from_id=None):
    """Ranked by BM25 with per-column weights among the newest SEARCH_WINDOW matches (from
    `from_id` on, when the caller has found where they start)."""
    weights = ", ".join(f"{w:.2f}" for w in FTS_WEIGHTS)
    match = fts5_query(terms)
    # A join on the FTS table (rather than a sub-select per row) lets SQLite run the
    # full-text query once and fetch only the matching articles by id. The rowid bound is
    # found by walking the match list backwards, and FTS5 applies it inside the scan.
    if from_id is None:
        window = ("articles_search.rowid >= coalesce((SELECT rowid FROM articles_search WHERE articles_search MATCH %s"
                  " ORDER BY rowid DESC LIMIT 1 OFFSET %s), 0)")
        window_params = [match, base.SEARCH_WINDOW - 1]
    else:
        window, window_params = "articles_search.rowid >= %s", [from_id]
    return queryset.extra(
        tables=["articles_search"],
        where=["articles_search.rowid = articles_article.id", "articles_search MATCH %s", window],
        params=[match, *window_params],
        select={"rank": f"-bm25(articles_search, {weights})"},
    ).order_by("-rank", "-published_at", "-id")


def vocabulary(connection, prefixes, words):
    """(those of `prefixes` that begin a word of the vocabulary columns, those of `words` that
    are one): look-ups in the index and its own list of words (fts5vocab), one query."""
    columns = " ".join(VOCABULARY_COLUMNS)
    parts, params = [], []
    for prefix in prefixes:
        parts.append("SELECT 1, %s WHERE EXISTS (SELECT 1 FROM articles_search WHERE articles_search MATCH %s)")
        params += [prefix, f"{{{columns}}} : {_phrase([prefix], prefix=True)}"]
    if words:
        parts.append("SELECT DISTINCT 0, term FROM articles_search_words WHERE term IN ({}) AND col IN ({})".format(
            ", ".join(["%s"] * len(words)), ", ".join(["%s"] * len(VOCABULARY_COLUMNS))))
        params += [*words, *VOCABULARY_COLUMNS]
    if not parts:
        return set(), set()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    return {t for is_prefix, t in rows if is_prefix}, {t for is_prefix, t in rows if not is_prefix}


def word_counts(connection, words):
    """{word: articles using it, up to 1,000} (for the few words `vocabulary` found)."""
    sql = " UNION ALL ".join(
        ["SELECT %s, (SELECT count(*) FROM (SELECT 1 FROM articles_search WHERE articles_search MATCH %s LIMIT 1000))"]
        * len(words)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for word in words for value in (word, _phrase([word]))])
        return dict(cursor.fetchall())


# -- triggers -------------------------------------------------------------------------------

# The search index (migration 0013; 0004 made the first one): each article's title, excerpt,
# topic names, provider name/domain and body, keyed by the article's id (rowid), kept current by
# triggers on the article, topic-link, tag and provider tables whoever writes. Each text goes in
# folded (search_text.FOLDS) and followed by the character pairs of its runs in scripts without
# spaces (search_text.grams), both computed here in SQL so that any writer gets them.


def _folded(expr):
    """`expr` with search_text.FOLDS applied, when it holds a letter they touch. The replace()
    calls go a dozen deep per sub-select: SQLite's parser refuses one long nested chain."""
    folds = list(search_text.FOLDS.items())
    value = expr
    for start in range(0, len(folds), 12):
        chain = "v" if start else expr
        for letter, folded in folds[start:start + 12]:
            chain = f"replace({chain}, '{letter}', '{folded}')"
        value = chain if not start else f"(SELECT {chain} FROM (SELECT {value} AS v))"
    low, high = search_text.FOLD_RANGE
    return f"CASE WHEN {expr} GLOB '*[{chr(low)}-{chr(high)}]*' THEN {value} ELSE {expr} END"


_UNSPACED_CLASS = "[" + "".join(
    chr(low) if low == high else f"{chr(low)}-{chr(high)}" for low, high in search_text.UNSPACED_RANGES
) + "]"
_UNSPACED_GLOB = f"*{_UNSPACED_CLASS}*"


def _is_unspaced(char_expr):
    return f"{char_expr} GLOB '{_UNSPACED_CLASS}'"


_CHUNK = 64
_CHUNK_POSITIONS = "[" + ",".join(str(i) for i in range(_CHUNK)) + "]"


def _grams(expr):
    """search_text.grams of every run of `expr` in a script without spaces, space-separated, in
    order. SQLite has no loops in triggers: the positions come from json_each over a generated
    array, in chunks of 64 characters, since substr() walks a UTF-8 string from its start (LIMIT
    -1 keeps the chunks a sub-select of their own, each cut once, not once per use)."""
    chunks = f"'[' || replace(hex(zeroblob((length({expr}) - 1) / {_CHUNK})), '00', '0,') || '0]'"
    return (
        f"CASE WHEN {expr} GLOB '{_UNSPACED_GLOB}' THEN coalesce((SELECT group_concat(g, ' ') FROM ("
        f"SELECT CASE WHEN {_is_unspaced('c2')} THEN c1 || c2 ELSE c1 END AS g FROM ("
        f"SELECT chunk.k AS k, p.key AS j, substr(chunk.s, p.key + 1, 1) AS c1, substr(chunk.s, p.key + 2, 1) AS c2"
        f" FROM (SELECT c.key AS k, substr({expr}, c.key * {_CHUNK} + 1, {_CHUNK + 1}) AS s"
        f" FROM json_each({chunks}) c LIMIT -1)"
        f" chunk CROSS JOIN json_each('{_CHUNK_POSITIONS}') p WHERE p.key < length(chunk.s)"
        f") WHERE {_is_unspaced('c1')} ORDER BY k, j)), '') ELSE '' END"
    )


def indexed(expr):
    """What the index holds for a text: folded, then the pairs of its unspaced runs."""
    return f"({_folded(expr)} || ' ' || {_grams(expr)})"


TOPICS_OF = ("coalesce((SELECT group_concat(" + indexed("t.name") + """, ' ') FROM articles_articletopic at
    JOIN taggit_tag t ON t.id = at.tag_id WHERE at.content_object_id = {id}), '')""")
PROVIDER_OF = ("coalesce((SELECT " + indexed("p.name") + """ || ' ' || p.domain FROM articles_provider p
    WHERE p.id = {id}), '')""")
COLUMNS = "title, excerpt, topics, provider, body"


def _texts(alias):
    excerpt, body = f"coalesce({alias}.excerpt, '')", f"coalesce({alias}.body, '')"
    return (f"{indexed(alias + '.title')}, {indexed(excerpt)}, {TOPICS_OF.format(id=alias + '.id')}, "
            f"{PROVIDER_OF.format(id=alias + '.provider_id')}, {indexed(body)}")


def _search_row(prefix):
    return f"INSERT INTO articles_search(rowid, {COLUMNS}) VALUES ({prefix}.id, {_texts(prefix)});"


def _refresh_topics(article_id):
    return f"UPDATE articles_search SET topics = {TOPICS_OF.format(id=article_id)} WHERE rowid = {article_id};"


SEARCH_TRIGGERS = [
    f"CREATE TRIGGER articles_search_ai AFTER INSERT ON articles_article BEGIN {_search_row('new')} END",
    "CREATE TRIGGER articles_search_au AFTER UPDATE OF title, excerpt, body, provider_id ON articles_article BEGIN "
    f"DELETE FROM articles_search WHERE rowid = old.id; {_search_row('new')} END",
    "CREATE TRIGGER articles_search_ad AFTER DELETE ON articles_article BEGIN "
    "DELETE FROM articles_search WHERE rowid = old.id; END",
    "CREATE TRIGGER articles_search_topic_ai AFTER INSERT ON articles_articletopic BEGIN "
    f"{_refresh_topics('new.content_object_id')} END",
    "CREATE TRIGGER articles_search_topic_ad AFTER DELETE ON articles_articletopic BEGIN "
    f"{_refresh_topics('old.content_object_id')} END",
    "CREATE TRIGGER articles_search_topic_au AFTER UPDATE OF tag_id, content_object_id ON articles_articletopic BEGIN "
    f"{_refresh_topics('old.content_object_id')} {_refresh_topics('new.content_object_id')} END",
    "CREATE TRIGGER articles_search_tag_au AFTER UPDATE OF name ON taggit_tag BEGIN "
    f"UPDATE articles_search SET topics = {TOPICS_OF.format(id='articles_search.rowid')} "
    "WHERE rowid IN (SELECT content_object_id FROM articles_articletopic WHERE tag_id = new.id); END",
    "CREATE TRIGGER articles_search_provider_au AFTER UPDATE OF name, domain ON articles_provider BEGIN "
    f"UPDATE articles_search SET provider = {PROVIDER_OF.format(id='new.id')} "
    "WHERE rowid IN (SELECT id FROM articles_article WHERE provider_id = new.id); END",
]
SEARCH_INDEX = [
    f"CREATE VIRTUAL TABLE articles_search USING fts5({COLUMNS}, "
    f"tokenize = \"unicode61 remove_diacritics 2 tokenchars '{search_text.THAI_MARKS}'\")",
    # The index's own list of words: what typos are corrected against (search.suggest).
    "CREATE VIRTUAL TABLE articles_search_words USING fts5vocab(articles_search, 'col')",
    f"INSERT INTO articles_search(rowid, {COLUMNS}) SELECT a.id, {_texts('a')} FROM articles_article a",
    *SEARCH_TRIGGERS,
]
SEARCH_INDEX_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "articles_search_ai", "articles_search_au", "articles_search_ad", "articles_search_topic_ai",
        "articles_search_topic_ad", "articles_search_topic_au", "articles_search_tag_au",
        "articles_search_provider_au",
    )
] + ["DROP TABLE IF EXISTS articles_search_words", "DROP TABLE IF EXISTS articles_search"]

# The topic links' copies of their article's columns (migration 0007): a topic page filters and
# sorts by them. Heat and quality are copied as -1 when the article has none.
LINK_COLUMNS = "(article_is_published, article_published_at, article_heat, article_quality, article_provider_id)"
_COPIED = "is_published, published_at, coalesce(heat, -1), coalesce(quality, -1), provider_id"
_WATCHED = "is_published, published_at, heat, quality, provider_id"
_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _WATCHED.split(", "))
_NEW_VALUES = ("NEW.is_published, NEW.published_at, coalesce(NEW.heat, -1), coalesce(NEW.quality, -1), "
               "NEW.provider_id")


def _copy_to_link():
    return (f"UPDATE articles_articletopic SET {LINK_COLUMNS} = (SELECT {_COPIED} FROM articles_article a "
            "WHERE a.id = articles_articletopic.content_object_id) WHERE id = NEW.id")


TOPIC_COPY_TRIGGERS = [
    "CREATE TRIGGER articles_topic_copy_link_ai AFTER INSERT ON articles_articletopic BEGIN "
    f"{_copy_to_link()}; END",
    "CREATE TRIGGER articles_topic_copy_link_au AFTER UPDATE OF content_object_id ON articles_articletopic BEGIN "
    f"{_copy_to_link()}; END",
    # Links written before their article (deferred foreign keys) get the values when it arrives.
    "CREATE TRIGGER articles_topic_copy_article_ai AFTER INSERT ON articles_article BEGIN "
    f"UPDATE articles_articletopic SET {LINK_COLUMNS} = ({_NEW_VALUES}) WHERE content_object_id = NEW.id; END",
    f"CREATE TRIGGER articles_topic_copy_article_au AFTER UPDATE OF {_WATCHED} ON articles_article "
    f"WHEN {_CHANGED} BEGIN "
    f"UPDATE articles_articletopic SET {LINK_COLUMNS} = ({_NEW_VALUES}) WHERE content_object_id = NEW.id; END",
]
TOPIC_COPY_TRIGGERS_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("articles_topic_copy_link_ai", "articles_topic_copy_link_au", "articles_topic_copy_article_ai", "articles_topic_copy_article_au")
]

TRIGGERS = tuple(statement.split()[2] for statement in SEARCH_TRIGGERS + TOPIC_COPY_TRIGGERS)


def _execute(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install_search_index(schema_editor):
    _execute(schema_editor, SEARCH_INDEX)


def remove_search_index(schema_editor):
    _execute(schema_editor, SEARCH_INDEX_DROP)


def install_topic_copy_triggers(schema_editor):
    _execute(schema_editor, TOPIC_COPY_TRIGGERS)


def remove_topic_copy_triggers(schema_editor):
    _execute(schema_editor, TOPIC_COPY_TRIGGERS_DROP)


def installed_triggers(cursor):
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {name for (name,) in cursor.fetchall()}
