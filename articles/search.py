"""Full-text search for readers: the one place that knows how articles are searched.

`search_articles(queryset, q)` is the whole API; `ArticleQuerySet.search(q)` calls it.
This first engine works the same on SQLite and PostgreSQL: every word of the query must
match the title, excerpt, a topic or the provider; title matches rank above the rest.
Topic and provider matches are found in their own (small) tables first and then joined
by index, so only titles and excerpts are scanned. A PostgreSQL full-text engine (a GIN
index) can replace the body of `search_articles` without touching its callers.
"""

import re

from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from taggit.models import Tag

MAX_TERMS = 8
MAX_QUERY_LENGTH = 200

# How much a match in each place counts.
WEIGHTS = {"phrase": 20, "title": 10, "topic": 5, "provider": 4, "excerpt": 2}


def terms_of(q):
    """The words of a query, without duplicates, case-folded; at most MAX_TERMS."""
    words = re.findall(r"\w[\w'’.+#-]*", (q or "")[:MAX_QUERY_LENGTH])
    seen = []
    for word in words:
        word = word.strip(".'’-").casefold()
        if word and word not in seen:
            seen.append(word)
    return seen[:MAX_TERMS]


def search_articles(queryset, q):
    """`queryset` narrowed to the articles matching `q`, best first (annotated with `rank`)."""
    from .models import ArticleTopic, Provider

    terms = terms_of(q)
    if not terms:
        return queryset.none()
    rank = Value(0)
    for term in terms:
        # Non-correlated sub-selects: the database builds each list once per query.
        in_topic = Q(pk__in=ArticleTopic.objects.filter(
            tag__in=Tag.objects.filter(name__icontains=term).values("pk")
        ).values("content_object"))
        by_provider = Q(provider__in=Provider.objects.filter(
            Q(name__icontains=term) | Q(domain__icontains=term)
        ).values("pk"))
        in_title, in_excerpt = Q(title__icontains=term), Q(excerpt__icontains=term)
        queryset = queryset.filter(in_title | in_excerpt | in_topic | by_provider)
        for condition, weight in (
            (in_title, "title"), (in_topic, "topic"), (by_provider, "provider"), (in_excerpt, "excerpt")
        ):
            rank = rank + Case(When(condition, then=Value(WEIGHTS[weight])), default=Value(0))
    if len(terms) > 1:
        phrase = " ".join(terms)
        rank = rank + Case(When(title__icontains=phrase, then=Value(WEIGHTS["phrase"])), default=Value(0))
    return queryset.annotate(rank=Coalesce(rank, 0, output_field=IntegerField())).order_by(
        "-rank", "-published_at", "-id"
    )
