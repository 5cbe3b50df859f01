"""The sitemap index, its sections, and robots.txt: what a search engine's crawler receives."""

import os
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article
from articles.page_cache import content_changed
from articles.sitemaps import ArticleSitemap

from .syndication_data import build_newsroom, make_article

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "http://testserver"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    # Sitemap responses are cached: each test starts from a cold cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def news():
    return build_newsroom()


def section_url(section, page=None):
    url = BASE + reverse("sitemap-section", kwargs={"section": section})
    return f"{url}?p={page}" if page else url


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def index_entries(client):
    root = get_xml(client, reverse("sitemap"))
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    return {
        sitemap.findtext("sm:loc", namespaces=NS): datetime.fromisoformat(sitemap.findtext("sm:lastmod", namespaces=NS))
        for sitemap in root.findall("sm:sitemap", NS)
    }


def day(moment):
    """A sitemap <url>'s lastmod is a date (Django writes Y-m-d, in the site's time zone)."""
    return timezone.localtime(moment).date()


def urlset(client, url):
    """{absolute URL: lastmod date} of one sitemap page."""
    root = get_xml(client, url)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return {
        entry.findtext("sm:loc", namespaces=NS): date.fromisoformat(entry.findtext("sm:lastmod", namespaces=NS))
        for entry in root.findall("sm:url", NS)
    }


def test_index_lists_one_sitemap_per_section_with_its_lastmod(client, news):
    """/sitemap.xml points to the articles, topics and providers sitemaps, dated by their newest content."""
    entries = index_entries(client)
    assert list(entries) == [section_url("articles"), section_url("topics"), section_url("providers")]
    # The newest published article (not the scheduled one) dates every section.
    assert entries[section_url("topics")] == news.newest.published_at
    assert entries[section_url("providers")] == news.newest.published_at
    # Never edited since they were stored: the articles section is dated by publication too.
    assert entries[section_url("articles")] == news.newest.published_at


def test_articles_sitemap_lists_published_articles_only(client, news):
    """Every published article is listed with its lastmod; the draft and the scheduled article are not."""
    urls = urlset(client, section_url("articles"))
    published = [news.oldest, news.scripted, news.newest]
    assert set(urls) == {BASE + article.get_absolute_url() for article in published}
    for article in published:
        article.refresh_from_db()
        assert urls[BASE + article.get_absolute_url()] == day(article.published_at)
    assert BASE + news.draft.get_absolute_url() not in urls
    assert BASE + news.scheduled.get_absolute_url() not in urls


def test_topics_sitemap_lists_topics_with_published_articles(client, news):
    """AI, Computer Vision and Robotics are listed, dated by their newest article; a draft-only topic is not."""
    urls = urlset(client, section_url("topics"))

    def topic_url(slug):
        return BASE + reverse("articles:topic-detail", kwargs={"slug": slug})

    assert urls == {
        topic_url("ai"): day(news.scripted.published_at),
        topic_url("computer-vision"): day(news.scripted.published_at),
        topic_url("robotics"): day(news.newest.published_at),
    }
    assert Tag.objects.filter(slug="secret").exists()


def test_providers_sitemap_lists_providers_with_published_articles(client, news):
    """The Verge and Wired are listed; a publisher with only a draft and a scheduled article is not."""
    urls = urlset(client, section_url("providers"))
    assert urls == {
        BASE + news.verge.get_absolute_url(): day(news.newest.published_at),
        BASE + news.wired.get_absolute_url(): day(news.scripted.published_at),
    }


def test_large_sitemaps_are_split_into_pages(client, news, monkeypatch):
    """Past the per-file limit, the index lists further pages and each page holds the next articles."""
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    entries = index_entries(client)
    assert list(entries)[:2] == [section_url("articles"), section_url("articles", page=2)]

    first = urlset(client, section_url("articles"))
    second = urlset(client, section_url("articles", page=2))
    assert len(first) == 2 and len(second) == 1
    expected = {BASE + a.get_absolute_url() for a in (news.oldest, news.scripted, news.newest)}
    assert set(first) | set(second) == expected
    assert client.get(section_url("articles", page=3)).status_code == 404


@override_settings(NEWSROOM_PAGE_CACHE_SECONDS=300)
def test_sitemaps_are_cached(client, news, django_assert_max_num_queries, django_assert_num_queries):
    """A second request for the index or a section is served from the cache: one query, the content version."""
    for url in (reverse("sitemap"), section_url("articles"), section_url("topics"), section_url("providers")):
        with django_assert_max_num_queries(7):
            first = client.get(url)
        with django_assert_num_queries(1):
            second = client.get(url)
        assert second.status_code == 200
        assert second.content == first.content
    # An editor unpublishing a story invalidates the cache: the sitemap drops it at once.
    Article.objects.filter(pk=news.newest.pk).update(is_published=False)
    content_changed()
    assert BASE + news.newest.get_absolute_url() not in urlset(client, section_url("articles"))


def test_sitemap_queries_do_not_grow_with_articles(client, news, django_assert_max_num_queries):
    """A section costs a count and a page query however many articles, topics and providers there are."""
    for n in range(40):
        make_article(f"Story {n}", provider=news.wired, published_at=news.now - timedelta(days=4, minutes=n),
                     topics=[f"Topic {n}", "AI"])
    for section in ("articles", "topics", "providers"):
        with django_assert_max_num_queries(2):
            urls = urlset(client, section_url(section))
        assert urls


def test_every_sitemap_url_opens(client, news):
    """Walking the sitemap like a crawler: every page it names answers 200."""
    make_article("日本語の記事", provider=news.verge, published_at=news.now - timedelta(hours=2), topics=["機械学習"])
    pages = []
    for sitemap_url in index_entries(client):
        pages.extend(urlset(client, sitemap_url))
    assert len(pages) == 4 + 4 + 2  # articles, topics (with 機械学習), providers
    for url in pages:
        parts = urlsplit(url)
        assert parts.scheme == "http" and parts.netloc == "testserver"
        assert client.get(parts.path).status_code == 200, url


def test_robots_txt_keeps_crawlers_out_of_admin_and_search_and_names_the_sitemap(client):
    """robots.txt is plain text: the public site is open, admin and search are not, the sitemap is named."""
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")

    robots = RobotFileParser()
    robots.parse(response.content.decode().splitlines())
    assert robots.can_fetch("*", "/")
    assert robots.can_fetch("*", "/articles/1/some-story/")
    assert robots.can_fetch("*", "/topics/ai/feed/")
    assert not robots.can_fetch("*", "/admin/")
    assert not robots.can_fetch("*", "/admin/articles/article/")
    assert not robots.can_fetch("*", "/search/?q=ai")
    assert robots.site_maps() == [BASE + reverse("sitemap")]


def test_lastmod_is_when_the_article_changed_not_when_it_was_imported(client, news):
    """An article imported today but published last year is dated last year; an editor's change
    later dates it by the change."""
    from datetime import timedelta

    from django.utils import timezone

    from articles.models import Article

    year_ago = timezone.now() - timedelta(days=365)
    Article.objects.filter(pk=news.oldest.pk).update(published_at=year_ago)
    urls = urlset(client, section_url("articles"))
    assert urls[BASE + news.oldest.get_absolute_url()] == day(year_ago)

    edited = (timezone.now() + timedelta(minutes=1)).replace(microsecond=0)
    Article.objects.filter(pk=news.oldest.pk).update(updated_at=edited)
    urls = urlset(client, section_url("articles"))
    assert urls[BASE + news.oldest.get_absolute_url()] == day(edited)
    assert index_entries(client)[section_url("articles")] == edited


# The sitemaps.org schema (2008), as the npm package `sitemap` ships it (.ci/node: make test and
# .ci/run install it): what search engines' validators check a <urlset> against.
SITEMAP_XSD = Path(__file__).resolve().parents[2] / ".ci" / "node" / "node_modules" / "sitemap" / "schema" / "sitemap.xsd"


def test_every_section_sitemap_is_valid_against_the_sitemaps_org_schema(client, news, monkeypatch):
    if not SITEMAP_XSD.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SITEMAP_XSD} is missing and CI=true: run `npm ci` in .ci/node (.ci/run does)")
        pytest.skip("the sitemaps.org schema comes with .ci/node's npm packages: `npm ci --prefix .ci/node`")
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SITEMAP_XSD)))
    monkeypatch.setattr(ArticleSitemap, "limit", 2)  # a page and the one after it
    for url in (section_url("articles"), section_url("articles", 2), section_url("topics"), section_url("providers")):
        document = etree.fromstring(client.get(url).content)
        assert schema.validate(document), (url, [str(error) for error in schema.error_log])
