"""Article cards for list pages: what each card prints, worked out once per page in Python.

A list page shows 20 cards, each with half a dozen links, a date, a relative time and a
shortened excerpt. Done in the template, that is ~40 variable look-ups, ~6 `reverse()` calls
and several filters per card; here each value is computed once and the template
(templates/articles/includes/card_list.html) only prints plain strings, which it escapes as
usual: nothing here is marked safe.

The articles come from `Article.objects.with_cards()`; `fetch_parts()` adds their lead image
and topics (the feeds use it too).
"""

import unicodedata
import zlib
from urllib.parse import quote

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.files.storage import default_storage
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length

from .images import THUMBNAIL_WIDTH
from .links import image_src
from .models import ArticleTopic, Image
from .text import language_tag, plain

EXCERPT_LENGTH = 240
TOPICS_PER_CARD = 3

# What reverse() leaves unquoted in a URL (RFC 3986 sub-delims and pchar extras).
_URL_SAFE = "!$&'()*+,;=/~:@"


class Reverser:
    """`reverse(viewname, kwargs=…)` for many values of one URL: the route is reversed once per
    page with marker values, and each value is then quoted exactly as reverse() quotes it.

    A value reverse() would refuse (empty, or a "/" in a `str` part) goes to reverse() itself,
    so it fails the same way.
    """

    def __init__(self, viewname, **markers):
        self.viewname = viewname
        url = reverse(viewname, kwargs=markers)
        self.parts = []  # literal text and kwarg names, in URL order
        for name, marker in sorted(markers.items(), key=lambda item: url.index(str(item[1]))):
            before, url = url.split(str(marker), 1)
            self.parts += [before, name]
        self.tail = url

    def __call__(self, **kwargs):
        out = []
        for literal, name in zip(self.parts[::2], self.parts[1::2]):
            value = str(kwargs[name])
            if not value or "/" in value:
                return reverse(self.viewname, kwargs=kwargs)
            out += [literal, quote(value, safe=_URL_SAFE)]
        out.append(self.tail)
        return "".join(out)


def article_urls():
    """A function giving `article.get_absolute_url()`, for many articles of one request."""
    reverser = Reverser("articles:article-detail", pk=918273645, slug="card-slug-marker")
    return lambda article: reverser(pk=article.pk, slug=article.slug or "-")


def fetch_parts(articles):
    """`articles` as a list, each given `card_image` (its first Image, or None) and `card_topics`
    ([(name, slug)] in the article's order). Two queries, whatever the number of articles.

    Plain rows rather than prefetch_related(), which would build a model instance for every
    topic chip and every image, most of them never shown; only the lead image becomes an Image
    here, so its address follows the one image rule (articles/links.py).
    """
    articles = list(articles)
    by_pk = {article.pk: article for article in articles}
    for article in articles:
        article.card_image, article.card_topics = None, []
    if not by_pk:
        return articles
    leads = {}
    for article_id, url, file, thumbnail, width, height, renditions, fetch_url in (
        Image.objects.filter(article_id__in=by_pk).order_by("position")
        .values_list("article_id", "url", "file", "thumbnail", "width", "height", "renditions", "fetch_url")
    ):
        if article_id not in leads:
            leads[article_id] = Image(article_id=article_id, url=url, file=file, thumbnail=thumbnail,
                                      width=width, height=height, renditions=renditions, fetch_url=fetch_url)
    for article_id, image in leads.items():
        by_pk[article_id].card_image = image
    for article_id, name, slug in (
        ArticleTopic.objects.filter(content_object_id__in=by_pk).order_by("position", "pk")
        .values_list("content_object_id", "tag__name", "tag__slug")
    ):
        by_pk[article_id].card_topics.append((name, slug))
    return articles


def renditions(image):
    """[(width, URL)] of the WebP renditions made here, narrowest first: an upload's, or a fetched
    image's while its URL is the one they were made from (an edited URL's old pictures never show)."""
    if image is None or not image.renditions or not (image.file or image.fetch_url == image.url):
        return []
    return [(width, default_storage.url(name)) for width, name in image.renditions]


def rendition_srcset(image):
    """`srcset` of the image's renditions ("…-320.webp 320w, …-640.webp 640w"), or ""."""
    return ", ".join(f"{url} {width}w" for width, url in renditions(image))


def image_srcset(image, src):
    """`srcset` for an image: its renditions; else, for an older upload with a thumbnail,
    "thumb 320w, original 1600w"; else ""."""
    renditions = rendition_srcset(image)
    if renditions:
        return renditions
    thumb = image_src(image, thumbnail=True) if image is not None and image.thumbnail else ""
    if not thumb or thumb == src or not image.width or image.width <= THUMBNAIL_WIDTH:
        return ""
    return f"{thumb} {THUMBNAIL_WIDTH}w, {src} {image.width}w"


PLACEHOLDER_TONES = 8


def placeholder(name, key):
    """What an image box shows until (or instead of) its image: the outlet's initial on one of
    PLACEHOLDER_TONES colours chosen by `key` (its domain), so each outlet keeps its colour."""
    initial = next((c for c in plain(name) if c.isalnum()), "N")
    return {"initial": initial.upper(), "tone": str(zlib.crc32((key or "").encode()) % PLACEHOLDER_TONES)}


def truncate_chars(text, length):
    """The `truncatechars` filter's result: unchanged (NFC) when short enough, else Truncator's."""
    normalized = unicodedata.normalize("NFC", text)
    # Combining characters do not count, so a text no longer than `length` is never cut.
    if len(normalized) <= length:
        return normalized
    if any(map(unicodedata.combining, normalized)):
        return Truncator(text).chars(length)
    # Without combining characters every character counts, so Truncator's cut (a Python loop
    # over each character) is a plain slice: the same text, the same ellipsis.
    return add_truncation_text(normalized[:calculate_truncate_chars_length(length, None)])


class CardMaker:
    """Turns articles (from `with_cards()`) into the dicts card_list.html prints.

    Dicts, not objects: the template engine looks a key up in a dict directly, while an
    attribute costs it a failed `obj[key]` first.
    """

    def __init__(self):
        self.url_of = article_urls()
        self.provider_url = Reverser("articles:provider-detail", domain="card-domain-marker")
        self.topic_url = Reverser("articles:topic-detail", slug="card-topic-marker")
        self.topic_urls = {}  # slug -> URL: most pages repeat a few topics

    def chip(self, name, slug):
        url = self.topic_urls.get(slug)
        if url is None:
            url = self.topic_urls[slug] = self.topic_url(slug=slug)
        return {"url": url, "name": plain(name)}

    def card(self, article, *, pinned_marks=False):
        provider = article.provider
        image = article.card_image
        src = image_src(image)
        published = article.published_at
        local = timezone.localtime(published) if published else None
        excerpt = plain(article.excerpt)
        return {
            "url": self.url_of(article),
            "title": plain(article.title),
            "lang": language_tag(getattr(article, "feed_language", None)),
            "is_featured": article.is_featured,
            # Pinned to this topic (topic pages), or to the home page where the list shows that.
            "is_pinned": getattr(article, "is_pinned", False) or (article.pinned_home and pinned_marks),
            "provider_name": plain(provider.name),
            "provider_url": self.provider_url(domain=provider.domain),
            "published_iso": local.isoformat(timespec="seconds") if local else "",
            "published_date": dateformat.format(local, "j M Y") if local else "",
            "published_ago": naturaltime(published) if published else "",
            "excerpt": truncate_chars(excerpt, EXCERPT_LENGTH) if excerpt else "",
            "image_src": src,
            "placeholder": placeholder(provider.name, provider.domain) if src else None,
            # Renditions made here (fetched or uploaded) for each box's width; `src` stays the fallback.
            "image_srcset": image_srcset(image, src),
            # As text: the template would pass a number through localize() on every card.
            "image_size": (str(image.width), str(image.height)) if src and image.width and image.height else None,
            # Stories (articles/stories/folding.py): how many outlets cover this one, and some of them.
            "outlets": getattr(article, "story_outlets", 1),
            "also_covered_by": self.other_outlets(article),
            "topics": [self.chip(name, slug) for name, slug in article.card_topics[:TOPICS_PER_CARD]],
        }

    def other_outlets(self, article):
        """"Also covered by": each other outlet once, never the card's own outlet (by its domain:
        `attach_other_outlets` gives its story's other articles with their outlets' names and domains)."""
        seen, named = {article.provider.domain}, []
        for other in getattr(article, "also_covered_by", ()):
            if other.provider.domain not in seen:
                seen.add(other.provider.domain)
                named.append({"url": self.url_of(other), "name": plain(other.provider.name)})
        return named

    def cards(self, articles, **options):
        """The cards for `articles`, in order (their parts fetched unless they have them already).

        `pinned_marks`: badge the articles pinned to the home page.
        """
        articles = list(articles)
        missing = [article for article in articles if not hasattr(article, "card_topics")]
        if missing:
            fetch_parts(missing)
        return [self.card(article, **options) for article in articles]


def cards(articles, **options):
    """The cards for `articles`, in order: see CardMaker.cards."""
    return CardMaker().cards(articles, **options)
