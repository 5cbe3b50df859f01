"""The OpenAPI 3.1 document of the API (/api/v1/schema/) and its reading for the docs page.

Paths come from the URLconf and each operation's query parameters from its endpoint's own
declaration (`api_endpoint(params)`), so the document cannot name a parameter the code does not
take. The JSON Schemas below describe what representations.py writes; schemathesis checks every
answer against them (articles/tests/test_api_schemathesis.py).
"""

from urllib.parse import unquote

from django.urls import resolve, reverse


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(type_):
    return {"type": [type_, "null"]}


LINK = {"type": "string", "description": "An absolute URL on this site."}
COUNT = {"type": "integer", "minimum": 0}


def obj(properties, *, required=None, description=""):
    schema = {"type": "object", "properties": properties, "required": list(required or properties),
              "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def page_of(item):
    return obj({
        "results": {"type": "array", "items": ref(item)},
        "next": {**nullable("string"), "description": "The next page's URL; null on the last page."},
        "previous": {**nullable("string"), "description": "The previous page's URL; null on the first page."},
    })


ARTICLE_PROPERTIES = {
    "id": {"type": "integer", "minimum": 1},
    "url": {**LINK, "description": "The article's page on this site."},
    "web_url": {**nullable("string"), "description": "The article at its publisher (http or https)."},
    "title": {"type": "string"},
    "excerpt": {**nullable("string"), "description": "Plain text as imported: escape it before showing it as HTML."},
    "published_at": {**nullable("string"), "format": "date-time",
                     "description": "ISO 8601, in the time zone the publisher gave."},
    "type": {**nullable("string"), "description": "article, video, slideshow…"},
    "provider": ref("ProviderRef"),
    "topics": {"type": "array", "items": ref("TopicRef")},
    "images": {"type": "array", "items": ref("Image")},
    "heat": {**nullable("integer"), "minimum": 0, "description": "Trending score from the feed."},
    "quality": {**nullable("integer"), "minimum": 0, "description": "Quality score from the feed."},
    "story": {**nullable("integer"), "description": "The id of the story the article belongs to, or null."},
}

SCHEMAS = {
    "Article": obj(ARTICLE_PROPERTIES, required=["id"], description=(
        "A public article. Every field is present unless `fields=` leaves it out (`id` always is).")),
    "ArticlePage": page_of("Article"),
    "ProviderRef": obj({"name": {"type": "string"}, "domain": {"type": "string"},
                        "url": {**LINK, "description": "The provider's page on this site."}}),
    "TopicRef": obj({"name": {"type": "string"}, "slug": {"type": "string"},
                     "url": {**LINK, "description": "The topic's page on this site."}}),
    "Image": obj({"url": {"type": "string", "description": "http(s), or a file on this site."},
                  "width": nullable("integer"), "height": nullable("integer"), "title": nullable("string")}),
    "Topic": obj({
        "name": {"type": "string"}, "slug": {"type": "string"},
        "url": {**LINK, "description": "The topic's page on this site."},
        "articles": {**COUNT, "description": "How many public articles carry the topic."},
        "articles_url": {**LINK, "description": "The API's list of those articles."},
    }),
    "TopicPage": page_of("Topic"),
    "Provider": obj({
        "name": {"type": "string"}, "domain": {"type": "string"},
        "url": {**LINK, "description": "The provider's page on this site."},
        "articles": {**COUNT, "description": "How many public articles come from the provider."},
        "articles_url": {**LINK, "description": "The API's list of those articles."},
    }),
    "ProviderPage": page_of("Provider"),
    "ArticleRef": obj({
        "id": {"type": "integer", "minimum": 1},
        "url": {**LINK, "description": "The article's page on this site."},
        "title": {"type": "string"},
        "provider": ref("ProviderRef"),
    }),
    "Story": obj({
        "id": {"type": "integer", "minimum": 1},
        "size": {"type": "integer", "minimum": 1, "description": "How many public articles the story has."},
        "lead": {**ref("ArticleRef"), "description": (
            "The public article standing for the story: the one editors chose or the first published.")},
        "outlets": {"type": "array", "items": ref("ProviderRef"), "minItems": 1,
                    "description": "The providers of its public articles, the first to cover it first."},
        "first_published_at": {"type": "string", "format": "date-time",
                               "description": "Its first public article's time (UTC)."},
        "last_published_at": {"type": "string", "format": "date-time",
                              "description": "Its last public article's time (UTC)."},
        "articles_url": {**LINK, "description": "The API's list of its public articles."},
    }, description="Outlets' articles on one event, counted from the public ones only."),
    "StoryPage": page_of("Story"),
    "Index": obj({name: LINK for name in ("articles", "stories", "topics", "providers", "schema", "docs")}),
    "Error": obj({"error": obj({
        "status": {"type": "integer"},
        "code": {"type": "string", "enum": [
            "invalid_parameter", "unknown_parameter", "repeated_parameter", "not_found", "throttled",
            "method_not_allowed"]},
        "message": {"type": "string"},
        "parameter": {"type": "string", "description": "The query parameter at fault."},
    }, required=["status", "code", "message"])}),
}

# (URL name, path parameters, summary, description, the answer's schema)
OPERATIONS = (
    ("root", {}, "The API's entry points", "Links to the lists, the schema and this documentation.", "Index"),
    ("article-list", {}, "Public articles",
     "Newest first by default. Filters combine (all must hold). Follow `next` until it is null to read "
     "every public article; a cursor keeps its place however deep the page.", "ArticlePage"),
    ("article-detail", {"pk": ("id", {"type": "integer", "minimum": 1}, "The article's id.")},
     "One public article", "A draft or scheduled article is a 404, as an unknown id is.", "Article"),
    ("story-list", {}, "Stories with public articles",
     "Latest first (by `last_published_at`, then id). A story counts only its public articles: one with "
     "none is absent. Filters combine (all must hold).", "StoryPage"),
    ("story-detail", {"pk": ("id", {"type": "integer", "minimum": 1}, "The story's id.")},
     "One story", "404 unless the story has a public article.", "Story"),
    ("topic-list", {}, "Topics with public articles",
     "By slug. A topic only drafts or scheduled articles carry is absent.", "TopicPage"),
    ("topic-detail", {"slug": ("slug", {"type": "string"}, "The topic's slug.")},
     "One topic", "404 unless a public article carries the topic.", "Topic"),
    ("provider-list", {}, "Providers with public articles", "By domain.", "ProviderPage"),
    ("provider-detail", {"domain": ("domain", {"type": "string"}, "The provider's domain.")},
     "One provider", "404 unless a public article comes from the provider.", "Provider"),
)

CONDITIONAL_GET = (
    "Answers carry `ETag` and `Last-Modified`; they change with every import or editor's change and when "
    "a scheduled article's time comes. Send them back as `If-None-Match` / `If-Modified-Since` to get a "
    "`304 Not Modified` while nothing changed."
)


def error(description):
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def operation(name, path_params, summary, description, answer):
    markers = {kwarg: "{%s}" % spec[0] for kwarg, spec in path_params.items()}
    path = unquote(reverse(f"api:{name}", kwargs=markers))
    endpoint = resolve(reverse(f"api:{name}", kwargs={kwarg: "1" for kwarg in path_params})).func
    parameters = [
        {"name": spec[0], "in": "path", "required": True, "description": spec[2], "schema": spec[1]}
        for spec in path_params.values()
    ] + [
        {"name": param.name, "in": "query", "required": False, "description": param.description,
         "schema": param.schema, **({"example": param.example} if param.example is not None else {})}
        for param in endpoint.api_params
    ]
    responses = {
        "200": {
            "description": "OK",
            "headers": {
                "ETag": {"schema": {"type": "string"}, "description": "The answer's version."},
                "Last-Modified": {"schema": {"type": "string"}, "description": "When the content last changed."},
            },
            "content": {"application/json": {"schema": ref(answer)}},
        },
        "304": {"description": "Not Modified: the client's copy (If-None-Match, If-Modified-Since) is current."},
        "400": error("A query parameter is unknown, repeated or has a bad value; `error.parameter` names it."),
        "429": {**error("Too many requests from this address; retry after `Retry-After` seconds."),
                "headers": {"Retry-After": {"schema": {"type": "integer"}}}},
    }
    if path_params:
        responses["404"] = error("No such public item.")
    return path, {"get": {
        "operationId": name.replace("-", "_"),
        "summary": summary,
        "description": f"{description}\n\n{CONDITIONAL_GET}",
        "parameters": parameters,
        "responses": responses,
    }}


def openapi():
    """The OpenAPI 3.1 document, as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Newsroom content API",
            "version": "1",
            "description": (
                "Read-only JSON over the public articles, stories, topics and providers of this site: drafts and "
                "scheduled articles never appear. Any origin may call it (CORS); each address may make "
                "a limited number of requests per minute (429 with Retry-After beyond)."
            ),
        },
        "paths": dict(operation(*spec) for spec in OPERATIONS),
        "components": {"schemas": SCHEMAS},
    }


def describe(schema):
    """A schema in a few words for the docs page, e.g. "integer or null, 1 to 100"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "")
    words = " or ".join(kind) if isinstance(kind, list) else kind
    if kind == "array":
        words = f"list of {describe(schema['items'])}"
    if "enum" in schema:
        words += ": " + ", ".join(map(str, schema["enum"]))
    if "format" in schema:
        words += f" ({schema['format']})"
    if "minimum" in schema and "maximum" in schema:
        words += f", {schema['minimum']} to {schema['maximum']}"
    if "default" in schema:
        words += f"; default {schema['default']}"
    return words


def for_reading(doc):
    """The document as the docs page shows it: operations and schemas as rows of plain text."""
    operations = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            operations.append({
                "method": method.upper(), "path": path, "id": op["operationId"], "summary": op["summary"],
                "description": op["description"],
                "parameters": [{"name": p["name"], "in": p["in"], "type": describe(p["schema"]),
                                "description": p["description"]} for p in op["parameters"]],
                "responses": [{"status": status, "description": answer["description"],
                               "schema": describe(answer["content"]["application/json"]["schema"])
                               if "content" in answer else ""}
                              for status, answer in op["responses"].items()],
            })
    schemas = [
        {"name": name, "description": schema.get("description", ""),
         "properties": [{"name": prop, "type": describe(spec), "required": prop in schema.get("required", ()),
                         "description": spec.get("description", "")}
                        for prop, spec in schema["properties"].items()]}
        for name, schema in doc["components"]["schemas"].items()
    ]
    return {"info": doc["info"], "version": doc["openapi"], "operations": operations, "schemas": schemas}
