"""SQLite: a full-text index of articles (FTS5), kept in sync by triggers.

The index holds each article's title, excerpt, topic names and provider name/domain,
keyed by the article's id (rowid). Triggers on the article, topic-link, tag and provider
tables keep it current whoever writes: the importer, the admin, a shell. The table and its
triggers are defined in articles/db/sqlite.py (SEARCH_INDEX). PostgreSQL does not get this
table (its documents come with 0006).
"""

from django.db import migrations

from articles import db
from articles.db import sqlite


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
        migrations.RunPython(run(sqlite.install_search_index), run(sqlite.remove_search_index), elidable=False)
    ]
