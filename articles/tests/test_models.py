"""The topic links' copies of their article's columns (ArticleTopic.article_*), kept by triggers.

Every kind of write must keep them equal to the article, and the topic pages built on them must
list exactly what the plain ORM definition (published articles with the topic) lists.
"""

import random
from datetime import timedelta

import pytest
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import curation
from articles.importer import import_paths
from articles.models import Article, ArticleTopic
from articles.tests.factories import make_article, make_provider, make_topic
from articles.tests.importing import front_matter, write
from articles.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def copies_of(article):
    """The copied columns of each of the article's links, and what they should be."""
    article.refresh_from_db()
    expected = (
        article.is_published, article.published_at, article.heat if article.heat is not None else -1,
        article.quality if article.quality is not None else -1, article.provider_id,
    )
    rows = list(ArticleTopic.objects.filter(content_object=article).values_list(
        "article_is_published", "article_published_at", "article_heat", "article_quality", "article_provider_id"
    ))
    return rows, expected


def assert_copies_follow(article):
    rows, expected = copies_of(article)
    assert rows, "the article has topic links"
    assert all(row == expected for row in rows), (rows, expected)


def test_import_fills_the_copies_and_a_changed_file_updates_them(tmp_path):
    path = write(tmp_path, "a.md", front_matter(heat=70, quality=55))
    import_paths([path])
    article = Article.objects.get()
    assert_copies_follow(article)
    assert copies_of(article)[0][0][2] == 70

    write(tmp_path, "a.md", front_matter(heat=None, quality=3, published=False))
    import_paths([path])
    rows, expected = copies_of(article)
    assert expected[0] is False and expected[2] == -1
    assert_copies_follow(article)


def test_queryset_update_of_the_copied_columns_reaches_the_links():
    """Admin actions use queryset.update(), which no signal sees: the triggers do."""
    article = make_article(topics=["AI", "Space"], heat=5, quality=7)
    later = timezone.now() + timedelta(days=2)
    Article.objects.filter(pk=article.pk).update(is_published=False)
    assert_copies_follow(article)
    Article.objects.filter(pk=article.pk).update(is_published=True, published_at=later, heat=None, quality=90)
    assert_copies_follow(article)
    curation.set_flag([article.pk], "is_published", False)
    assert_copies_follow(article)


def test_model_save_reaches_the_links():
    article = make_article(topics=["AI"], heat=1)
    article.heat = 500
    article.save()
    assert_copies_follow(article)
    assert copies_of(article)[0][0][2] == 500


def test_provider_merge_moves_the_copied_provider():
    keep, dup = make_provider("Keep", "keep.example"), make_provider("Dup", "dup.example")
    article = make_article(topics=["AI"], provider=dup)
    curation.merge_providers(keep, [dup])
    assert_copies_follow(article)
    assert copies_of(article)[0][0][4] == keep.pk


def test_links_added_any_way_take_the_article_values():
    article = make_article(topics=["AI"], heat=9, quality=4)
    article.topics.add("Taggit Door")  # taggit's own manager (the admin form)
    curation.add_topic([article.pk], make_topic("Curated"))
    other = make_topic("Merged Away")
    ArticleTopic.objects.create(content_object=article, tag=other)
    curation.merge_topics(make_topic("Merge Target"), [other])
    assert ArticleTopic.objects.filter(content_object=article).count() == 4
    assert_copies_follow(article)
    curation.remove_topic([article.pk], make_topic("Curated"))
    assert_copies_follow(article)


def test_links_written_with_wrong_copies_or_moved_take_their_article_values():
    """A link written with stale copies, or moved to another article, ends up with that article's."""
    article = make_article(topics=["AI"], heat=9, quality=4)
    other = make_article(topics=["Space"], heat=None, quality=50, published=False)
    ArticleTopic.objects.create(content_object=article, tag=make_topic("Stale"), article_heat=12345,
                                article_is_published=False, article_provider_id=other.provider_id)
    assert_copies_follow(article)
    ArticleTopic.objects.filter(content_object=article, tag__name="Stale").update(content_object=other)
    assert_copies_follow(other)
    assert_copies_follow(article)


def test_many_articles_changed_in_one_statement_reach_all_their_links():
    articles = [make_article(topics=["AI", f"Topic {i}"], heat=i) for i in range(5)]
    Article.objects.filter(pk__in=[a.pk for a in articles[:3]]).update(heat=None, is_published=False)
    for article in articles:
        assert_copies_follow(article)


def test_public_links_are_exactly_the_published_articles_links():
    now = timezone.now()
    visible = make_article(topics=["AI"])
    draft = make_article(topics=["AI"], published=False)
    scheduled = make_article(topics=["AI"], published_at=now + timedelta(hours=1))
    public = set(ArticleTopic.objects.public().values_list("content_object_id", flat=True))
    assert public == set(Article.objects.published().filter(topic_links__isnull=False).values_list("pk", flat=True))
    assert visible.pk in public and draft.pk not in public and scheduled.pk not in public


# -- topic pages against the plain ORM definition --------------------------------------------

OLD_ORDERS = {
    "latest": ("-published_at", "-id"),
    "trending": (F("heat").desc(nulls_last=True), "-published_at", "-id"),
    "quality": (F("quality").desc(nulls_last=True), "-published_at", "-id"),
}


def old_definition(topic, sort, provider=None):
    """The topic page's list as the straightforward ORM query over articles would give it."""
    articles = Article.objects.published().filter(topic_links__tag=topic)
    if provider:
        articles = articles.filter(provider__domain=provider)
    pinned = ArticleTopic.objects.filter(content_object=OuterRef("pk"), tag=topic, pinned=True)
    return list(
        articles.annotate(is_pinned=Exists(pinned)).order_by("-is_pinned", *OLD_ORDERS[sort]).values_list("pk", flat=True)
    )


@pytest.fixture
def random_corpus():
    rng = random.Random(20261126)
    providers = [make_provider(f"Outlet {i}", f"outlet{i}.example") for i in range(3)]
    names = ["Alpha", "Beta", "Gamma"]
    now = timezone.now()
    base = now - timedelta(days=3)
    for n in range(70):
        topics = rng.sample(names, rng.randint(1, 3))
        make_article(
            f"Story {n}",
            provider=rng.choice(providers),
            topics=topics,
            pinned_topics=[t for t in topics if rng.random() < 0.08],
            published=rng.random() > 0.15,
            # Some share a time (ties are broken by id), a few are scheduled.
            published_at=base + timedelta(hours=rng.randint(0, 80)),
            heat=rng.choice([None, 0, 5, 5, 50, 300]),
            quality=rng.choice([None, 1, 10, 10, 99]),
        )
    # Edits after the fact, the way editors and re-imports change articles.
    Article.objects.filter(pk__in=list(Article.objects.values_list("pk", flat=True)[::7])).update(heat=777)
    Article.objects.filter(pk__in=list(Article.objects.values_list("pk", flat=True)[3::11])).update(is_published=False)
    return providers


@pytest.mark.parametrize("sort", ["latest", "trending", "quality"])
@pytest.mark.parametrize("provider", [None, "outlet1.example"])
def test_topic_pages_list_what_the_plain_orm_query_lists(client, random_corpus, sort, provider):
    """Every page, each order, with and without the outlet filter: same articles, same order."""
    for name in ("Alpha", "Gamma"):
        topic = Tag.objects.get(name=name)
        expected = old_definition(topic, sort, provider)
        listed, page = [], 1
        while True:
            params = {"sort": sort, "page": page, **({"provider": provider} if provider else {})}
            response = client.get(reverse("articles:topic-detail", kwargs={"slug": topic.slug}), params)
            if response.status_code == 404:
                break
            assert response.context["page_obj"].paginator.count == len(expected)
            listed += [a.pk for a in response.context["articles"]]
            page += 1
        assert listed == expected
        assert page - 1 == max(1, -(-len(expected) // PAGE_SIZE))


def test_topic_page_cost_does_not_grow_with_depth_or_size(client, django_assert_num_queries):
    """Page 1 and the last page of a 45-article topic run the same queries as a 2-article one."""
    for _ in range(2):
        make_article(topics=["Deep"])
    # Nine: story folding's seven (no stories yet: no query for other outlets) and the archive's
    # years (the first and last dates, then which years have articles).
    with django_assert_num_queries(9):
        client.get("/topics/deep/")
    for _ in range(43):
        make_article(topics=["Deep"])
    with django_assert_num_queries(9):
        client.get("/topics/deep/", {"page": 3, "sort": "quality"})
    with django_assert_num_queries(10):  # the outlet filter looks the provider up
        client.get("/topics/deep/", {"provider": "daily-example.example"})


def test_topic_archive_periods_come_from_pinned_and_unpinned_links_in_the_site_time_zone():
    """The archive's index asks the topic index for each value of `pinned` apart: a period with
    only a pinned link, or only an unpinned one, is found; drafts are not; local years count."""
    from datetime import datetime
    from datetime import timezone as utc_zone

    from django.utils import timezone as tz

    from articles.models import ArticleTopic

    def at(*args):
        return datetime(*args, tzinfo=utc_zone.utc)

    make_article("Old pinned", topics=["Budget"], pinned_topics=["Budget"], published_at=at(2019, 3, 15, 12))
    make_article("October", topics=["Budget"], published_at=at(2026, 10, 15, 12))
    make_article("November", topics=["Budget"], published_at=at(2026, 11, 2, 12))
    make_article("November pinned", topics=["Budget"], pinned_topics=["Budget"], published_at=at(2026, 11, 3, 12))
    make_article("Draft", topics=["Budget"], published=False, published_at=at(2024, 5, 1, 12))
    # New Year's night in UTC is still 2025 in New York.
    make_article("New Year", topics=["Budget"], published_at=at(2026, 1, 1, 3))
    links = ArticleTopic.objects.public().filter(tag__slug="budget")

    assert links.date_bounds() == (at(2019, 3, 15, 12), at(2026, 11, 3, 12))
    with tz.override("UTC"):
        assert [p["period"].year for p in links.periods("year", counted=False)] == [2026, 2019]
        year = links.published_between(datetime(2026, 1, 1, tzinfo=utc_zone.utc), datetime(2027, 1, 1, tzinfo=utc_zone.utc))
        assert [(p["period"].month, p["articles"]) for p in year.periods("month")] == [(11, 2), (10, 1), (1, 1)]
    with tz.override("America/New_York"):
        assert [p["period"].year for p in links.periods("year", counted=False)] == [2026, 2025, 2019]
    assert ArticleTopic.objects.none().periods("year") == []
