"""RSS and Atom feeds of published articles: the latest, and per topic.

A minimal version so that pages can advertise their feeds; the feeds branch owns
this module and replaces it.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from taggit.models import Tag

from .models import Article

FEED_SIZE = 30


class LatestArticlesFeed(Feed):
    title = "Newsroom: latest articles"
    description = "The latest articles on Newsroom."

    def link(self):
        return reverse("articles:home")

    def items(self):
        return Article.objects.published().latest().select_related("provider")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.excerpt or ""

    def item_pubdate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return item.provider.name


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description


class TopicFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj):
        return f"Newsroom: {obj.name}"

    def description(self, obj):
        return f"The latest articles about {obj.name} on Newsroom."

    def link(self, obj):
        return reverse("articles:topic-detail", kwargs={"slug": obj.slug})

    def items(self, obj):
        return (
            Article.objects.published().filter(topic_links__tag=obj).latest().select_related("provider")[:FEED_SIZE]
        )


class TopicAtomFeed(TopicFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)
