"""Full-text search for readers: the one place that knows how articles are searched.

`search_articles(queryset, q)` is the whole API; `ArticleQuerySet.search(q)` calls it.
Every word of the query must match (as a word prefix on SQLite) the title, excerpt, a
topic or the provider; title matches rank above topic, provider and excerpt matches.

- SQLite: the FTS5 table `articles_search` (migration 0004_reader_search_index, kept in
  sync by triggers), ranked by BM25 with per-column weights among the newest SEARCH_WINDOW
  matches.
- PostgreSQL: the table `articles_searchdoc` (migration 0006_postgres_search_index, kept in
  sync by triggers): one weighted tsvector per article (title A, topics B, provider C,
  excerpt D) behind a GIN index, matched with prefix terms and ranked by ts_rank among the
  newest SEARCH_WINDOW matches.
- Other databases: substring matching with the same weights. Topic and provider matches
  are looked up in their own small tables, so only titles and excerpts are scanned.
"""

import re

from django.db import connections
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
    """`queryset` narrowed to the articles matching `q`, best first (with a `rank`)."""
    terms = terms_of(q)
    if not terms:
        return queryset.none()
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        return _search_by_fts5(queryset, terms)
    if vendor == "postgresql":
        return _search_by_tsvector(queryset, terms)
    return _search_by_substring(queryset, terms)


# Only the newest SEARCH_WINDOW matches (highest ids: the latest imported) are ranked. A word
# common to a quarter of 100,000 articles would otherwise cost a ranking of 25,000 documents and
# as many article look-ups on every request; the window keeps a search's cost flat as the corpus grows.
SEARCH_WINDOW = 1000


def tsquery(terms):
    """A to_tsquery expression: every term as a quoted prefix lexeme (no operators from input)."""
    return " & ".join("'{}':*".format(term.replace("\\", "\\\\").replace("'", "''")) for term in terms)


# ts_rank weights for D, C, B, A: excerpt, provider, topics, title.
TS_WEIGHTS = "{0.1, 0.2, 0.5, 1.0}"


def _search_by_tsvector(queryset, terms):
    query = "to_tsquery('simple', %s)"
    # Ranked among the newest SEARCH_WINDOW matches only, as on SQLite: ts_rank reads every
    # matching document, which for a common word is a quarter of the corpus.
    return queryset.extra(
        tables=["articles_searchdoc"],
        where=[
            "articles_searchdoc.article_id = articles_article.id",
            f"articles_searchdoc.document @@ {query}",
            "articles_searchdoc.article_id >= coalesce((SELECT d.article_id FROM articles_searchdoc d"
            f" WHERE d.document @@ {query} ORDER BY d.article_id DESC OFFSET %s LIMIT 1), 0)",
        ],
        params=[tsquery(terms), tsquery(terms), SEARCH_WINDOW - 1],
        select={"rank": f"ts_rank('{TS_WEIGHTS}', articles_searchdoc.document, {query})"},
        select_params=[tsquery(terms)],
    ).order_by("-rank", "-published_at", "-id")


# BM25 weights of the FTS5 columns (title, excerpt, topics, provider): steeper than
# WEIGHTS because BM25 favours short columns, and a provider's name plus domain is short.
FTS_WEIGHTS = (50.0, 1.0, 5.0, 2.0)


def fts5_query(terms):
    """An FTS5 MATCH expression: every term, each as a quoted word prefix (no operators)."""
    return " ".join('"{}"*'.format(term.replace('"', '""')) for term in terms)


def _search_by_fts5(queryset, terms):
    weights = ", ".join(f"{w:.1f}" for w in FTS_WEIGHTS)
    match = fts5_query(terms)
    # A join on the FTS table (rather than a sub-select per row) lets SQLite run the
    # full-text query once and fetch only the matching articles by id. The rowid bound is
    # found by walking the match list backwards, and FTS5 applies it inside the scan.
    return queryset.extra(
        tables=["articles_search"],
        where=[
            "articles_search.rowid = articles_article.id",
            "articles_search MATCH %s",
            "articles_search.rowid >= coalesce((SELECT rowid FROM articles_search WHERE articles_search MATCH %s"
            " ORDER BY rowid DESC LIMIT 1 OFFSET %s), 0)",
        ],
        params=[match, match, SEARCH_WINDOW - 1],
        select={"rank": f"-bm25(articles_search, {weights})"},
    ).order_by("-rank", "-published_at", "-id")


def _search_by_substring(queryset, terms):
    from .models import ArticleTopic, Provider

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
