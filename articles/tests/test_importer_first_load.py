"""A large first import into an empty database builds its indexes once, at the end."""

from unittest import mock

import pytest
from django.db import connection

from articles import db
from articles.importer import first_load, import_paths
from articles.models import Article, ArticleTopic
from articles.search import search_articles

from .importing import front_matter, second_batch_fails, write

pytestmark = pytest.mark.django_db

# Timestamps and ids differ between two runs; everything else must not.
RUN_COLUMNS = {"id", "first_imported_at", "last_imported_at", "created_at", "updated_at"}


def _corpus(directory, count):
    topics = ["Space", "AI", "Climate", "Courts"]
    for n in range(count):
        write(
            directory,
            f"{n:03}.md",
            front_matter(
                title=f"Story {n} about {topics[n % 4]}",
                webUrl=f"https://news{n % 3}.example/story-{n}",
                provider={"name": f"News {n % 3}", "domain": f"news{n % 3}.example"},
                topics=[topics[n % 4], topics[(n + 1) % 4]],
                heat=n,
                published=n % 5 != 0,
                publishedDateTime=f"2026-11-{n % 28 + 1:02}T08:00:00Z",
            ),
        )


def _indexes():
    """{name: definition} of the secondary indexes."""
    with connection.cursor() as cursor:
        return dict(first_load.secondary_indexes(cursor))


def _rebuilt_order():
    """The names of the indexes a first load drops, in creation order (SQLite's planner breaks
    ties by it: they are built again in it)."""
    with connection.cursor() as cursor:
        return [name for name, sql in first_load.secondary_indexes(cursor) if not first_load.kept(name, sql)]


def _pending():
    with connection.cursor() as cursor:
        return first_load._pending_exists(cursor)


def _stored():
    """Articles with their topic links (and the columns the links copy) and search hits."""
    articles = sorted(
        tuple((k, v) for k, v in row.items() if k not in RUN_COLUMNS) for row in Article.objects.values()
    )
    links = sorted(
        ArticleTopic.objects.values_list(
            "content_object__identity_url", "tag__name", "position", "article_is_published",
            "article_published_at", "article_heat", "article_quality",
        )
    )
    found = sorted(search_articles(Article.objects.published(), "space story").values_list("identity_url", flat=True))
    return articles, links, found


def test_first_load_stores_what_a_batch_by_batch_import_stores(tmp_path, monkeypatch):
    _corpus(tmp_path, 12)
    before, order = _indexes(), _rebuilt_order()
    monkeypatch.setattr(first_load, "FIRST_LOAD_MIN_FILES", 10)
    with mock.patch.object(first_load, "drop_indexes", wraps=first_load.drop_indexes) as dropped:
        report = import_paths([tmp_path], batch_size=5)
    assert dropped.call_count == 1 and report.created == 12
    assert _indexes() == before, "every index is back, with the same definition"
    assert _rebuilt_order() == order
    assert not _pending()
    loaded = _stored()
    assert loaded[2], "the search index was filled"

    Article.objects.all().delete()
    monkeypatch.setattr(first_load, "FIRST_LOAD_MIN_FILES", 10**9)
    with mock.patch.object(first_load, "drop_indexes") as dropped:
        import_paths([tmp_path], batch_size=5)
    assert dropped.call_count == 0
    assert _stored() == loaded


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_a_failed_first_load_keeps_its_whole_batches_and_rebuilds_the_indexes(tmp_path, monkeypatch, error):
    _corpus(tmp_path, 9)
    before = _indexes()
    monkeypatch.setattr(first_load, "FIRST_LOAD_MIN_FILES", 5)
    with second_batch_fails(error), pytest.raises(type(error)):
        import_paths([tmp_path], batch_size=4)
    assert Article.objects.count() == 4, "the first batch is committed, the failed one rolled back"
    assert _indexes() == before and not _pending()

    report = import_paths([tmp_path], batch_size=4)
    assert (report.created, report.unchanged) == (5, 4)


def test_indexes_a_killed_first_load_dropped_are_built_by_the_next_import(tmp_path):
    before = _indexes()
    assert first_load.drop_indexes()  # ... and then the process was killed
    assert all(first_load.kept(name, sql) for name, sql in _indexes().items()) and _pending()
    assert not first_load.drop_indexes(), "a second first load leaves the pending list alone"

    import_paths([write(tmp_path, "a.md", front_matter())])
    assert _indexes() == before and not _pending()
    assert Article.objects.count() == 1


def test_only_a_large_run_into_an_empty_database_is_a_first_load(tmp_path):
    big = first_load.FIRST_LOAD_MIN_FILES
    assert first_load.applies(big, dry_run=False)
    assert not first_load.applies(big - 1, dry_run=False)
    assert not first_load.applies(big, dry_run=True)
    import_paths([write(tmp_path, "a.md", front_matter())])
    assert not first_load.applies(big, dry_run=False), "the database holds an article"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not db.is_engine("postgresql"), reason="VACUUM and its statistics are PostgreSQL's")
def test_a_first_load_on_postgresql_leaves_its_tables_vacuumed_and_analysed(tmp_path, monkeypatch):
    """Topic pages' bounds and counts are index-only scans only once the visibility map is set,
    and search plans need the search documents' statistics: neither may wait for autovacuum."""
    monkeypatch.setattr(first_load, "FIRST_LOAD_MIN_FILES", 10)
    _corpus(tmp_path, 12)
    import_paths([tmp_path], workers=0)
    tables = [*first_load.TABLES, "articles_searchdoc"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s)"
            " AND coalesce(last_vacuum, last_autovacuum) IS NOT NULL"
            " AND coalesce(last_analyze, last_autoanalyze) IS NOT NULL", [tables])
        done = {name for (name,) in cursor.fetchall()}
    assert done == set(tables)


def test_a_first_load_keeps_what_readers_pages_read(tmp_path, monkeypatch):
    """While the load runs, the front page's and topic pages' orders and the children's index on
    their article stay (readers' pages keep their plans); the other secondary indexes are dropped."""
    before = _indexes()
    expected_kept = {name for name, sql in before.items() if first_load.kept(name, sql)}
    assert {"article_public_date", "topic_public_latest"} <= expected_kept
    assert any("image" in name and "article_id" in name for name in expected_kept)
    _corpus(tmp_path, 12)
    monkeypatch.setattr(first_load, "FIRST_LOAD_MIN_FILES", 10)
    built = first_load.build_indexes
    monkeypatch.setattr(first_load, "build_indexes", lambda: None)  # stop the load before its build
    import_paths([tmp_path], batch_size=5)
    assert set(_indexes()) == expected_kept and _pending()
    built()
    assert _indexes() == before and not _pending()
