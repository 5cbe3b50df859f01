"""The search results page's parts: its filters, the options they offer, and its compact rows.

The view (articles/views.py) finds the matches with `search.search_articles`; this module narrows
them by the form's filters, counts the topics and outlets the matches carry, and turns a page of
them into rows whose title and snippet have the query's words in <mark>: words matched as the engines
match them (`search.match_spans`), the snippet from the excerpt or else the body (`search.snippet`).
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef
from django.utils import dateformat, timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .cards import truncate_chars
from .domains import normalize_domain
from .models import Article, ArticleTopic
from .search import SNIPPET_LENGTH, match_spans, plain_text, snippet
from .text import plain

# The body too: a result's snippet comes from it when the excerpt holds no match.
RESULT_FIELDS = ("title", "slug", "excerpt", "body", "published_at", "provider__name", "provider__domain")
FACET_SIZE = 30


def filtered(articles, data):
    """`articles` narrowed by the search form's filters (topic slug, outlet, date range)."""
    if data.get("topic"):
        articles = articles.filter(Exists(ArticleTopic.objects.filter(content_object=OuterRef("pk"),
                                                                      tag__slug=data["topic"])))
    if data.get("provider"):
        articles = articles.filter(provider__domain=normalize_domain(data["provider"]))
    zone = timezone.get_current_timezone()
    if data.get("since"):
        articles = articles.filter(published_at__gte=datetime.combine(data["since"], time.min, tzinfo=zone))
    if data.get("until"):
        articles = articles.filter(published_at__lt=datetime.combine(data["until"] + timedelta(days=1), time.min,
                                                                     tzinfo=zone))
    return articles


def topic_options(ids, current):
    """The topics the matching articles (`ids`) carry most, for the topic filter."""
    return facet(ArticleTopic.objects.filter(content_object_id__in=ids), "tag__slug", "tag__name", current)


def provider_options(ids, current):
    """The outlets of the matching articles (`ids`), most matches first, for the outlet filter."""
    return facet(Article.objects.filter(pk__in=ids), "provider__domain", "provider__name", current)


def facet(rows, key, label, current):
    """The FACET_SIZE values of `key` most common in `rows`, with counts (one query), as
    [{"value", "name", "count", "current"}]; the current value is kept even when rarer."""
    counted = list(rows.order_by().values(key, label).annotate(n=Count("pk")).order_by("-n", label)[:FACET_SIZE])
    options = [{"value": row[key], "name": plain(row[label]), "count": row["n"], "current": row[key] == current}
               for row in counted]
    if current and not any(option["current"] for option in options):
        options.append({"value": current, "name": current, "count": 0, "current": True})
    return options


def rows(pks, terms):
    """The compact rows of the articles `pks`, in that order (one query)."""
    by_pk = Article.objects.select_related("provider").only(*RESULT_FIELDS).in_bulk(pks)
    return [row(by_pk[pk], terms) for pk in pks if pk in by_pk]


def marked(text, terms):
    """`text` escaped, the words `terms` match (as the engines match them) in <mark>."""
    out, position = [], 0
    for start, end in match_spans(text, terms):
        out += [escape(text[position:start]), f"<mark>{escape(text[start:end])}</mark>"]
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))  # every piece of the text went through escape(); only the <mark>s are ours


def row(article, terms):
    """A compact search result: its link, outlet, date, and title and snippet with matches marked.
    The snippet is the excerpt's passage that matched, else the body's, else the excerpt's start."""
    published = timezone.localtime(article.published_at)
    excerpt = plain(article.excerpt)
    return {
        "url": article.get_absolute_url(),
        "title": marked(plain(article.title), terms),
        "snippet": (snippet(excerpt, terms) or snippet(plain_text(article.body or ""), terms)
                    or truncate_chars(excerpt, SNIPPET_LENGTH)),
        "provider_name": plain(article.provider.name),
        "provider_url": article.provider.get_absolute_url(),
        "published_iso": published.isoformat(timespec="seconds"),
        "published_date": dateformat.format(published, "j M Y"),
    }
