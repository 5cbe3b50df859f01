"""SQLite: a full-text index of articles (FTS5), kept in sync by triggers.

The index holds each article's title, excerpt, topic names and provider name/domain,
keyed by the article's id (rowid). Triggers on the article, topic-link, tag and provider
tables keep it current whoever writes: the importer, the admin, a shell. This is the table and
its triggers as they were first written; 0013 replaced them with today's (articles/db/sqlite.py,
SEARCH_INDEX). PostgreSQL does not get this
table (its documents come with 0006).
"""

from django.db import migrations

from articles import db


TOPICS_OF = """coalesce((SELECT group_concat(t.name, ' ') FROM articles_articletopic at
    JOIN taggit_tag t ON t.id = at.tag_id WHERE at.content_object_id = {id}), '')"""
PROVIDER_OF = """coalesce((SELECT p.name || ' ' || p.domain FROM articles_provider p WHERE p.id = {id}), '')"""


def _search_row(prefix):
    return (
        f"INSERT INTO articles_search(rowid, title, excerpt, topics, provider) VALUES ("
        f"{prefix}.id, {prefix}.title, coalesce({prefix}.excerpt, ''), "
        f"{TOPICS_OF.format(id=prefix + '.id')}, {PROVIDER_OF.format(id=prefix + '.provider_id')});"
    )


def _refresh_topics(article_id):
    return f"UPDATE articles_search SET topics = {TOPICS_OF.format(id=article_id)} WHERE rowid = {article_id};"


SEARCH_TRIGGERS = [
    f"CREATE TRIGGER articles_search_ai AFTER INSERT ON articles_article BEGIN {_search_row('new')} END",
    "CREATE TRIGGER articles_search_au AFTER UPDATE OF title, excerpt, provider_id ON articles_article BEGIN "
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
    "CREATE VIRTUAL TABLE articles_search USING fts5("
    "title, excerpt, topics, provider, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO articles_search(rowid, title, excerpt, topics, provider) "
    f"SELECT a.id, a.title, coalesce(a.excerpt, ''), {TOPICS_OF.format(id='a.id')}, "
    f"{PROVIDER_OF.format(id='a.provider_id')} FROM articles_article a",
    *SEARCH_TRIGGERS,
]
SEARCH_INDEX_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "articles_search_ai", "articles_search_au", "articles_search_ad", "articles_search_topic_ai",
        "articles_search_topic_ad", "articles_search_topic_au", "articles_search_tag_au",
        "articles_search_provider_au",
    )
] + ["DROP TABLE IF EXISTS articles_search"]


def execute(statements):
    def install(schema_editor):
        for statement in statements:
            schema_editor.execute(statement, params=None)
    return install


def run(install):
    def operation(apps, schema_editor):
        if db.is_engine("sqlite", schema_editor.connection):
            install(schema_editor)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_import_job"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunPython(run(execute(SEARCH_INDEX)), run(execute(SEARCH_INDEX_DROP)), elidable=False)
    ]
