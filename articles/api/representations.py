"""The API's JSON objects: articles, topics and providers, built from plain rows.

A page of articles costs three queries whatever its length: the articles with their provider,
then the images and the topics of all of them (only when those fields are asked for). Links are
absolute; an image's address is given only when it is http(s) or a file on this site (the rule of
the readers' pages, `image_src`). Imported text is data here (its HTML character references decoded, `articles.text.plain`): clients must escape it.
"""

from ..cards import Reverser, article_urls
from ..models import ArticleTopic, Image
from ..links import http_url, image_src
from ..text import plain

ARTICLE_FIELDS = (
    "id", "url", "web_url", "title", "excerpt", "published_at", "type", "provider", "topics", "images",
    "heat", "quality", "story",
)
# The article columns the objects read (the order columns among them: the cursor needs them).
ARTICLE_COLUMNS = (
    "identity_url", "web_url", "title", "slug", "excerpt", "published_at", "published_at_offset", "item_type",
    "heat", "quality", "provider__name", "provider__domain", "story",
)


def for_articles(queryset):
    """`queryset` loading what article objects show, and no more."""
    return queryset.select_related("provider").only(*ARTICLE_COLUMNS)


class Links:
    """Absolute links to this site's pages, for one request (each route reversed once)."""

    def __init__(self, request):
        self.origin = request.build_absolute_uri("/")[:-1]
        self.article_path = article_urls()
        self.topic_path = Reverser("articles:topic-detail", slug="api-topic-marker")
        self.provider_path = Reverser("articles:provider-detail", domain="api-domain-marker")

    def article(self, article):
        return self.origin + self.article_path(article)

    def topic(self, slug):
        return self.origin + self.topic_path(slug=slug)

    def provider(self, domain):
        return self.origin + self.provider_path(domain=domain)

    def local(self, src):
        """An image address as `image_src` gives it, absolute."""
        return self.origin + src if src.startswith("/") else src


def articles(request, rows, fields):
    """The objects of `rows` (from `for_articles`), in order, with only `fields` (a set)."""
    links = Links(request)
    ids = [article.pk for article in rows]
    topics = _topics(ids, links) if "topics" in fields and ids else {}
    images = _images(ids, links) if "images" in fields and ids else {}
    return [
        _article(article, fields, links, topics.get(article.pk, []), images.get(article.pk, []))
        for article in rows
    ]


def _article(article, fields, links, topics, images):
    published = article.published_at_local
    provider = article.provider
    values = {
        "id": lambda: article.pk,
        "url": lambda: links.article(article),
        "web_url": lambda: http_url(article.web_url or article.identity_url) or None,
        "title": lambda: plain(article.title),
        "excerpt": lambda: plain(article.excerpt) if article.excerpt is not None else None,
        "published_at": lambda: published.isoformat() if published else None,
        "type": lambda: article.item_type,
        "provider": lambda: {"name": plain(provider.name), "domain": provider.domain,
                             "url": links.provider(provider.domain)},
        "topics": lambda: topics,
        "images": lambda: images,
        "heat": lambda: article.heat,
        "quality": lambda: article.quality,
        "story": lambda: article.story_id,
    }
    return {name: values[name]() for name in ARTICLE_FIELDS if name in fields}


def _topics(ids, links):
    by_article = {}
    for article_id, name, slug in (
        ArticleTopic.objects.filter(content_object_id__in=ids).order_by("position", "pk")
        .values_list("content_object_id", "tag__name", "tag__slug")
    ):
        by_article.setdefault(article_id, []).append({"name": plain(name), "slug": slug, "url": links.topic(slug)})
    return by_article


def _images(ids, links):
    by_article = {}
    for article_id, url, file, width, height, title in (
        Image.objects.filter(article_id__in=ids).order_by("position")
        .values_list("article_id", "url", "file", "width", "height", "title")
    ):
        src = image_src(Image(url=url, file=file))
        if src:
            by_article.setdefault(article_id, []).append(
                {"url": links.local(src), "width": width, "height": height, "title": title})
    return by_article


def topic(links, name, slug, count, articles_url):
    return {"name": plain(name), "slug": slug, "url": links.topic(slug), "articles": count, "articles_url": articles_url}


def provider(links, name, domain, count, articles_url):
    return {"name": name, "domain": domain, "url": links.provider(domain), "articles": count,
            "articles_url": articles_url}
