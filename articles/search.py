"""Full-text search for readers: what a query means, the same on every engine.

`search_articles(queryset, q)` is the whole API (the search view calls it with
`Article.objects.published()`). Every word of the query must match (as a word prefix on
SQLite and PostgreSQL) the title, excerpt, a topic or the provider; title matches rank above
topic, provider and excerpt matches. How an engine finds and ranks them is its module's
`search(queryset, terms)` (articles/db/):

- SQLite: the FTS5 table `articles_search`, ranked by BM25 with per-column weights.
- PostgreSQL: the weighted tsvector documents of `articles_searchdoc`, ranked by ts_rank.
- Other databases: substring matching with the same weights (articles/db/base.py).

Both full-text engines rank only the newest SEARCH_WINDOW matches (articles/db/base.py).
"""

import re

from articles import db

MAX_TERMS = 8
MAX_QUERY_LENGTH = 200


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
    return db.for_alias(queryset.db).search(queryset, terms)
