"""Sitemaps for search engines: published articles, and the topics and providers that have them.

newsroom/urls.py serves them behind an index (/sitemap.xml) with one section per
class below, each split into pages of `limit` URLs (?p=2, ...), and caches the responses.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from taggit.models import Tag

from .models import Article, ArticleTopic, Provider


def newest_published(articles, column="published_at"):
    """The publish time of the newest of `articles` (or topic links, by their copied `column`):
    None when there is none."""
    return Subquery(articles.order_by(f"-{column}").values(column)[:1])


class ArticleSitemap(Sitemap):
    # Below the protocol's 50,000, so a sitemap page renders quickly with a cold cache too.
    limit = 10_000

    def items(self):
        # Only what location and lastmod need.
        return Article.objects.published().order_by("pk").only(
            "pk", "slug", "published_at", "created_at", "updated_at"
        )

    def lastmod(self, item):
        # When the article changed, not when it was imported.
        return item.modified_at

    def get_latest_lastmod(self):
        # One aggregate, where Django's default would load every article.
        return Article.objects.published().newest_change()


class TopicSitemap(Sitemap):
    """The topics readers may see: those with a public link, as the topic page and list decide."""

    def items(self):
        links = ArticleTopic.objects.public().filter(tag=OuterRef("pk"))
        return (
            Tag.objects.annotate(newest=newest_published(links, "article_published_at"))
            .filter(newest__isnull=False)
            .order_by("slug")
        )

    def location(self, item):
        return reverse("articles:topic-detail", kwargs={"slug": item.slug})

    def lastmod(self, item):
        return item.newest

    def get_latest_lastmod(self):
        # From the articles' date index: the newest public article with a topic is found at once.
        return Article.objects.published().filter(topic_links__isnull=False).aggregate(Max("published_at"))[
            "published_at__max"
        ]


class ProviderSitemap(Sitemap):
    def items(self):
        articles = Article.objects.published().filter(provider=OuterRef("pk"))
        return (
            Provider.objects.annotate(newest=newest_published(articles))
            .filter(newest__isnull=False)
            .order_by("domain")
        )

    def lastmod(self, item):
        return item.newest

    def get_latest_lastmod(self):
        return Article.objects.published().aggregate(Max("published_at"))["published_at__max"]


sitemaps = {
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
    "providers": ProviderSitemap,
}
