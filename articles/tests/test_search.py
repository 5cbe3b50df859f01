"""search_articles(): every word must match somewhere; titles outrank the rest."""

import pytest
from django.db import connection

from articles.models import Article, ArticleTopic
from articles import db
from articles.search import search_articles, terms_of

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db



@pytest.fixture(autouse=True)
def corpus(db):
    """Unrelated articles, as in any real corpus (ranking weighs how rare a word is)."""
    for i in range(10):
        make_article(f"Unrelated headline {i}", excerpt="Weather and sport.")


def titles(q):
    return [a.title for a in search_articles(Article.objects.published(), q)]


def test_title_outranks_topic_provider_and_excerpt_matches():
    make_article("Nothing here", excerpt="mentions fusion in passing")
    make_article("Plain", topics=["Fusion"])
    make_article("Fusion power plant opens")
    make_article("Outlet story", provider=make_provider("Fusion Weekly", "fusionweekly.example"))
    assert titles("fusion") == ["Fusion power plant opens", "Plain", "Outlet story", "Nothing here"]


def test_bodies_are_found_below_titles_and_excerpts():
    make_article("Harbour report", body="Long text that mentions the lighthouse once.")
    make_article("Weekly digest", excerpt="The lighthouse reopens.")
    make_article("Lighthouse reopens")
    assert titles("lighthouse") == ["Lighthouse reopens", "Weekly digest", "Harbour report"]


def test_every_word_must_match_and_titles_rank_first():
    make_article("Market report", excerpt="Solar panels got cheaper this year.")
    make_article("Solar panels cheaper")
    make_article("Cheaper solar panels")
    make_article("Solar eclipse")
    found = titles("solar panels")
    assert sorted(found[:2]) == ["Cheaper solar panels", "Solar panels cheaper"]
    assert found[2:] == ["Market report"]


def test_case_accents_and_no_match():
    make_article("Café culture in Paris")
    assert titles("CAFÉ") == ["Café culture in Paris"]
    assert titles("nothing-like-this") == []


def test_drafts_are_never_found():
    make_article("Secret merger", published=False)
    assert titles("merger") == []


def test_empty_or_punctuation_only_queries_find_nothing():
    make_article("Anything")
    assert titles("") == [] and titles("  ?!  ") == []


def test_terms_are_deduplicated_and_capped():
    assert terms_of("AI ai Ai robots") == ["ai", "robots"]
    assert len(terms_of(" ".join(f"w{i}" for i in range(50)))) == 8


def test_results_follow_edits_to_titles_topics_and_providers():
    """Whoever writes (admin, shell, importer), search sees the change at once."""
    article = make_article("Original storyline", provider=make_provider("Rock Daily", "rock.example"))
    article.title = "Rewritten storyline"
    article.save()
    assert titles("original") == [] and titles("rewritten") == ["Rewritten storyline"]

    article.body = "Now with a paragraph about magma."
    article.save()
    assert titles("magma") == ["Rewritten storyline"]

    article.topics.add("Volcanoes")
    assert titles("volcanoes") == ["Rewritten storyline"]
    article.topics.remove("Volcanoes")
    assert titles("volcanoes") == []

    article.provider.name = "Lava Gazette"
    article.provider.save()
    assert titles("gazette") == ["Rewritten storyline"]

    article.delete()
    assert titles("rewritten") == []


def test_results_follow_topic_links_moved_or_deleted_in_bulk():
    """queryset.update() and .delete() on topic links (merges, curation) reach search too."""
    first, second = make_article("First storyline", topics=["Geysers"]), make_article("Second storyline")
    assert titles("geysers") == ["First storyline"]
    ArticleTopic.objects.filter(content_object=first).update(content_object=second)
    assert titles("geysers") == ["Second storyline"]
    ArticleTopic.objects.filter(content_object__in=[first, second]).delete()
    assert titles("geysers") == []


def test_imported_articles_are_searchable(tmp_path):
    from articles.importer.run import import_paths

    (tmp_path / "one.txt").write_text(
        "---\ntitle: Glaciers retreat faster\nwebUrl: https://ice.example/a\npublishedDateTime: 2020-06-09T18:02:00Z\n"
        "published: true\nprovider: {name: Ice Times, domain: ice.example}\ntopics: [Climate]\n---\n",
        encoding="utf-8",
    )
    assert import_paths([tmp_path], workers=1).ok
    assert titles("glaciers") == titles("climate") == titles("ice times") == ["Glaciers retreat faster"]


@pytest.mark.skipif(not db.is_engine("postgresql"), reason="PostgreSQL's full-text engine")
def test_postgresql_search_uses_the_gin_index():
    """The query the search page runs is answered from the GIN index, not by reading every article."""
    make_article("Fusion power plant opens")
    # Enough other published articles that reading them all would cost more than the index.
    template = Article.objects.get(title="Fusion power plant opens")
    Article.objects.bulk_create([
        Article(title=f"Weather report {i}", identity_url=f"https://w.example/{i}", provider=template.provider,
                is_published=True, published_at=template.published_at)
        for i in range(3000)
    ])
    queryset = search_articles(Article.objects.published(), "fusion power")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        cursor.execute("ANALYZE articles_searchdoc")
        # 3,000 short rows fit in a few pages, so the planner would rather read them all; take away
        # full reads (of the table or of a b-tree) as a 100,000-article table would.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on articles_searchdoc_document" in plan, plan
    assert [a.title for a in queryset] == ["Fusion power plant opens"]


@pytest.mark.skipif(not db.is_engine("sqlite"), reason="SQLite's full-text engine")
def test_sqlite_search_uses_the_fts5_index():
    make_article("Fusion power plant opens")
    queryset = search_articles(Article.objects.published(), "fusion")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    assert "VIRTUAL TABLE INDEX" in plan and "articles_search" in plan, plan


@pytest.mark.skipif(not db.is_engine("postgresql"), reason="PostgreSQL's search documents")
def test_postgresql_search_document_goes_with_its_article():
    """A deleted article leaves no search document behind, and emptying the articles empties them all."""
    doomed = make_article("Doomed fusion story")
    assert titles("doomed") == ["Doomed fusion story"]

    def documents(article_id=None):
        with connection.cursor() as cursor:
            if article_id is None:
                cursor.execute("SELECT count(*) FROM articles_searchdoc")
            else:
                cursor.execute("SELECT count(*) FROM articles_searchdoc WHERE article_id = %s", [article_id])
            return cursor.fetchone()[0]

    doomed_id = doomed.pk
    doomed.delete()
    assert documents(doomed_id) == 0 and titles("doomed") == []
    assert documents() == Article.objects.count() > 0
    # What Django's flush does after a transactional test (PostgreSQL refused it under a foreign key).
    tables = ", ".join(
        connection.ops.quote_name(t) for t in connection.introspection.django_table_names(only_existing=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run this test transaction's deferred checks first
        cursor.execute(f"TRUNCATE {tables}")
    assert documents() == 0


def test_only_the_newest_matches_are_ranked(monkeypatch):
    """A very common word ranks the newest SEARCH_WINDOW matches; older ones and drafts stay out."""
    monkeypatch.setattr("articles.db.base.SEARCH_WINDOW", 2)
    oldest = make_article("Comet sighted over the bay")
    middle = make_article("Comet tail seen from space")
    draft = make_article("Comet draft", published=False)
    newest = make_article("A comet, again")
    make_article("Nothing about that")
    found = list(search_articles(Article.objects.published(), "comet"))
    # The window is the two highest ids that match (the draft is one of them): only one is public.
    assert [a.pk for a in found] == [newest.pk]
    assert oldest not in found and middle not in found and draft not in found
