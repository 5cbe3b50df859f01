"""RSS 2.0 and Atom feeds: the latest published articles, each topic's and each outlet's.

Titles are plain text in both formats (Atom's default type is "text"; the RSS
Best Practices Profile keeps HTML out of titles), so they go out as given and the
XML writer escapes them. Descriptions are HTML in both formats (RSS readers render
<description> as HTML; Django writes Atom's <summary type="html">), so the excerpt
is HTML-escaped first: a "<b>" in an excerpt reaches the reader as text.
"""

import mimetypes

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponsePermanentRedirect
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.html import escape

from .cards import article_urls, fetch_parts
from .domains import normalize_domain
from .links import is_http_url
from .models import Article, ArticleTopic, Provider, ProviderAlias, TopicRedirect
from .text import plain

FEED_LENGTH = 50


class ArticleFeed(Feed):
    """What every Newsroom feed says about an article."""

    def entries(self, articles):
        """`articles` as a list, with their image and topics (two queries for the whole feed)
        and their links (one reverse() for the whole feed)."""
        articles = fetch_parts(articles)
        url_of = article_urls()
        for article in articles:
            article.url = url_of(article)
        return articles

    def item_link(self, item):
        return item.url

    def item_title(self, item):
        return plain(item.title)

    def item_description(self, item):
        # Decoded first ("R&amp;D" -> "R&D"), then escaped: the reader sees the text, never markup.
        return escape(plain(item.excerpt))

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        # When the article changed, not when it was imported.
        return item.modified_at

    def item_author_name(self, item):
        return plain(item.provider.name)

    def item_categories(self, item):
        # Fetched for the whole feed by items() (fetch_parts).
        return [plain(name) for name, _ in item.card_topics]

    def item_enclosures(self, item):
        # The lead image, only when it is a web address (an uploaded file's URL is relative).
        src = item.card_image.src if item.card_image else None
        if not is_http_url(src):
            return []
        mime_type = mimetypes.guess_type(src.split("?", 1)[0])[0] or "image/jpeg"
        if not mime_type.startswith("image/"):
            mime_type = "image/jpeg"
        # RSS requires a length; "0" is the accepted value when it is unknown.
        return [Enclosure(src, "0", mime_type)]


class LatestArticlesFeed(ArticleFeed):
    title = "Newsroom: latest articles"
    description = "The latest articles published on Newsroom."

    def link(self):
        return reverse("articles:home")

    def items(self):
        return self.entries(Article.objects.published().latest().with_cards()[:FEED_LENGTH])


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description


class TopicFeed(ArticleFeed):
    """One topic's latest published articles. An old slug redirects to the topic's feed."""

    url_name = "articles:topic-feed"

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            # Only an unknown slug pays for the redirect look-up.
            redirect = TopicRedirect.objects.select_related("topic").filter(old_slug=kwargs["slug"]).first()
            if redirect is None:
                raise
            return HttpResponsePermanentRedirect(reverse(self.url_name, kwargs={"slug": redirect.topic.slug}))

    def get_object(self, request, slug):
        # A topic with no public article does not exist for readers: the topic page's answer.
        return get_object_or_404(ArticleTopic.objects.public().topics(), slug=slug)

    def title(self, obj):
        return f"Newsroom: {plain(obj.name)}"

    def description(self, obj):
        # RSS readers render the channel's <description> as HTML, as they do an item's.
        return escape(self.subtitle_text(obj))

    def subtitle_text(self, obj):
        return f"The latest articles about {plain(obj.name)} on Newsroom."

    def link(self, obj):
        return reverse("articles:topic-detail", kwargs={"slug": obj.slug})

    def items(self, obj):
        # The newest public links of the topic, pinned or not, read from its index (where pinned
        # links come first), then only those articles.
        links = ArticleTopic.objects.public_for_topic(obj).values_list("content_object_id", flat=True)
        # The pinned ones in the topic_public_pinned index's own order: ordered by `-pinned` first,
        # SQLite would read them through topic_public_latest, walking the whole topic.
        pinned = links.filter(pinned=True).order_by("-article_published_at", "-content_object_id")
        others = links.filter(pinned=False).latest()
        # The ids first, as a list: PostgreSQL plans `pk IN (…) OR pk IN (…)` as a walk down the
        # published-date index with both sub-selects as filters, reading most of the topic.
        newest = [*pinned[:FEED_LENGTH], *others[:FEED_LENGTH]]
        return self.entries(Article.objects.filter(pk__in=newest).latest().with_cards()[:FEED_LENGTH])


class TopicAtomFeed(TopicFeed):
    feed_type = Atom1Feed
    url_name = "articles:topic-atom"

    def subtitle(self, obj):
        return self.subtitle_text(obj)  # Django writes Atom's <subtitle> as text: no escaping


class ProviderFeed(ArticleFeed):
    """One outlet's latest published articles; an outlet with none is a 404, as its page is. A
    merged-away outlet's feed redirects to the feed of the one that absorbed it, as its page does."""

    url_name = "articles:provider-feed"

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            # Only an unknown domain pays for the alias look-up.
            alias = (ProviderAlias.objects.select_related("provider")
                     .filter(domain=normalize_domain(kwargs["domain"])).first())
            if alias is None:
                raise
            return HttpResponsePermanentRedirect(reverse(self.url_name, kwargs={"domain": alias.provider.domain}))

    def get_object(self, request, domain):
        public = Article.objects.published().filter(provider=OuterRef("pk"))
        return get_object_or_404(Provider.objects.filter(Exists(public)), domain=domain)

    def title(self, obj):
        return f"Newsroom: {plain(obj.name)}"

    def description(self, obj):
        # RSS readers render the channel's <description> as HTML, as they do an item's.
        return escape(self.subtitle_text(obj))

    def subtitle_text(self, obj):
        return f"The latest articles from {plain(obj.name)} on Newsroom."

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        return self.entries(Article.objects.published().filter(provider=obj).latest().with_cards()[:FEED_LENGTH])


class ProviderAtomFeed(ProviderFeed):
    feed_type = Atom1Feed
    url_name = "articles:provider-atom"

    def subtitle(self, obj):
        return self.subtitle_text(obj)  # Django writes Atom's <subtitle> as text: no escaping
