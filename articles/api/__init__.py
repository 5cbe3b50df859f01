"""The read-only content API under /api/v1/: public articles, topics and providers as JSON.

    params.py          the query parameters, each declared once (validator and schema alike)
    pagination.py      the cursor: keyset pages on (published_at, id), (heat, id), (quality, id)
    representations.py the JSON objects: articles, topics, providers
    http.py            what every endpoint does alike: methods, CORS, throttling, conditional GET, errors
    views.py           the endpoints, thin over ArticleQuerySet and ArticleTopicQuerySet methods
    schemas.py         the OpenAPI 3.1 document, from the declarations above
    urls.py            /api/v1/...

Only what `Article.objects.published()` lets through reaches it; a topic or provider is known to
the API only while a public article carries it.
"""
