"""Small helpers that build readers'-site test data: providers, articles, topics, images, coverage.

Each takes keyword arguments for what a test cares about and fills the rest with plain,
valid values, the way the importer would store them.
"""

import itertools
from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from articles.models import Article, ArticleTopic, Image, Provider, RelatedLink

_seq = itertools.count(1)


def make_provider(name="Daily Example", domain=None):
    domain = domain or f"{slugify(name) or 'provider'}.example"
    provider, _ = Provider.objects.get_or_create(domain=domain, defaults={"name": name})
    return provider


def make_topic(name):
    """The topic called `name` (case-insensitively), created when missing."""
    tag = Tag.objects.filter(name__iexact=name).first()
    return tag or Tag.objects.create(name=name)


def make_article(
    title=None,
    *,
    provider=None,
    topics=(),
    published=True,
    published_at=None,
    age=None,
    images=(),
    related=(),
    pinned_topics=(),
    **fields,
):
    """A stored article.

    topics: names, in order (stored with position and the given spelling as label);
    pinned_topics: the subset pinned on their topic page; age: a timedelta before now;
    images: (url, width, height) tuples; related: dicts of RelatedLink fields, where
    "provider" may be a Provider.
    """
    n = next(_seq)
    title = title or f"Article number {n}"
    if published_at is None:
        published_at = timezone.now() - (age if age is not None else timedelta(hours=n))
    fields.setdefault("identity_url", fields.get("web_url") or f"https://news.example/{n}/{slugify(title)}")
    fields.setdefault("web_url", fields["identity_url"])
    article = Article.objects.create(
        title=title,
        slug=slugify(title, allow_unicode=True)[:80].strip("-") or "article",
        provider=provider or make_provider(),
        is_published=published,
        published_at=published_at,
        **fields,
    )
    for position, name in enumerate(topics):
        ArticleTopic.objects.create(
            content_object=article,
            tag=make_topic(name),
            position=position,
            label=name,
            pinned=name in pinned_topics,
        )
    for position, (url, width, height) in enumerate(images):
        Image.objects.create(article=article, position=position, url=url, width=width, height=height)
    for position, data in enumerate(related):
        RelatedLink.objects.create(article=article, position=position, **data)
    return article


def make_related(article, *, web_url, title="Related story", provider=None, position=None, **fields):
    """Another outlet's coverage listed on `article`."""
    if position is None:
        position = article.related_links.count()
    return RelatedLink.objects.create(
        article=article, position=position, web_url=web_url, title=title, provider=provider, **fields
    )
