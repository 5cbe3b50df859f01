"""The API's endpoints: thin over the published rule, the cursor and the representations.

Every article comes from `Article.objects.published()`; every topic from
`ArticleTopic.objects.public()` (the same rule on each link's copied article columns). A topic,
a provider or a story no public article carries is unknown here: absent from lists, 404 on its own.
"""

from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from taggit.models import Tag

from .. import search
from ..domains import normalize_domain
from ..models import Article, ArticleTopic, Provider
from . import params, representations, schemas, stories
from .http import ApiError, api_endpoint
from .pagination import STORY_ORDER, paginate_articles, paginate_names, paginate_stories


def page_link(request, cursor):
    """The absolute URL of this request with `cursor` in place of its own (None: no such page)."""
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor.encode()
    return f"{request.build_absolute_uri(request.path)}?{query.urlencode()}"


def articles_link(request, **filters):
    return f"{request.build_absolute_uri(reverse('api:article-list'))}?{urlencode(filters)}"


@api_endpoint()
def root(request, query):
    def link(name):
        return request.build_absolute_uri(reverse(f"api:{name}"))

    return {name: link(view) for name, view in (
        ("articles", "article-list"), ("stories", "story-list"), ("topics", "topic-list"),
        ("providers", "provider-list"), ("schema", "schema"), ("docs", "docs"),
    )}


def filtered_articles(query):
    """The public articles the list's filters let through."""
    articles = Article.objects.published()
    if query["topic"] is not None:
        articles = articles.filter(pk__in=ArticleTopic.objects.public().filter(tag__slug=query["topic"])
                                   .values("content_object_id"))
    if query["provider"] is not None:
        articles = articles.filter(provider__domain=normalize_domain(query["provider"]))
    if query["story"] is not None:
        articles = articles.filter(story=query["story"])
    if query["published_after"] is not None:
        articles = articles.filter(published_at__gte=query["published_after"])
    if query["published_before"] is not None:
        articles = articles.filter(published_at__lt=query["published_before"])
    if query["q"] is not None:
        articles = search.search_articles(articles, query["q"])
    return articles


@api_endpoint(params.ARTICLE_LIST)
def article_list(request, query):
    cursor = query["cursor"]
    if cursor is not None and cursor.order != query["order"]:
        raise ApiError(400, "invalid_parameter", f"'cursor' belongs to order={cursor.order}, not order={query['order']}.",
                       parameter="cursor")
    page = paginate_articles(representations.for_articles(filtered_articles(query)),
                             order=query["order"], limit=query["limit"], cursor=cursor)
    return {
        "results": representations.articles(request, page.items, query["fields"]),
        "next": page_link(request, page.next),
        "previous": page_link(request, page.previous),
    }


@api_endpoint(params.ARTICLE_DETAIL)
def article_detail(request, query, pk):
    # <str:pk> rather than <int:pk>: any other text, or a number no key can be, is a JSON 404 here.
    if not (pk.isascii() and pk.isdecimal() and 1 <= int(pk) <= params.MAX_ID):
        raise Http404("No public article has this id.")
    article = representations.for_articles(Article.objects.published()).filter(pk=int(pk)).first()
    if article is None:
        raise Http404("No public article has this id.")
    return representations.articles(request, [article], query["fields"])[0]


def story_articles_link(request):
    base = request.build_absolute_uri(reverse("api:article-list"))
    return lambda story_id: f"{base}?{urlencode({'story': story_id})}"


@api_endpoint(params.STORY_LIST)
def story_list(request, query):
    cursor = query["cursor"]
    if cursor is not None and cursor.order != STORY_ORDER:
        raise ApiError(400, "invalid_parameter", "'cursor' belongs to another list.", parameter="cursor")
    page = paginate_stories(stories.filtered_stories(query), limit=query["limit"], cursor=cursor)
    return {
        "results": stories.stories(page.items, representations.Links(request), story_articles_link(request)),
        "next": page_link(request, page.next),
        "previous": page_link(request, page.previous),
    }


@api_endpoint()
def story_detail(request, query, pk):
    if not (pk.isascii() and pk.isdecimal() and 1 <= int(pk) <= params.MAX_ID):
        raise Http404("No story with a public article has this id.")
    found = stories.stories(list(stories.public_stories().filter(story_id=int(pk))),
                            representations.Links(request), story_articles_link(request))
    if not found:
        raise Http404("No story with a public article has this id.")
    return found[0]


def public_topics():
    return Tag.objects.filter(Exists(ArticleTopic.objects.public().filter(tag=OuterRef("pk"))))


def public_providers():
    return Provider.objects.filter(Exists(Article.objects.published().filter(provider=OuterRef("pk"))))


def topic_counts(slugs):
    return dict(
        ArticleTopic.objects.public().filter(tag__slug__in=slugs).order_by()
        .values_list("tag__slug").annotate(n=Count("id"))
    )


def provider_counts(domains):
    return dict(
        Article.objects.published().filter(provider__domain__in=domains).order_by()
        .values_list("provider__domain").annotate(n=Count("id"))
    )


def name_page(query, rows, column):
    try:
        return paginate_names(rows, column, limit=query["limit"], cursor=query["cursor"])
    except ValueError as error:
        raise ApiError(400, "invalid_parameter", f"'cursor': {error}", parameter="cursor") from None


@api_endpoint(params.NAME_LIST)
def topic_list(request, query):
    page = name_page(query, public_topics().values("name", "slug"), "slug")
    counts = topic_counts([row["slug"] for row in page.items])
    links = representations.Links(request)
    return {
        "results": [
            representations.topic(links, row["name"], row["slug"], counts.get(row["slug"], 0),
                                  articles_link(request, topic=row["slug"]))
            for row in page.items
        ],
        "next": page_link(request, page.next),
        "previous": page_link(request, page.previous),
    }


@api_endpoint()
def topic_detail(request, query, slug):
    row = public_topics().filter(slug=slug).values("name", "slug").first()
    if row is None:
        raise Http404("No public article has this topic.")
    return representations.topic(representations.Links(request), row["name"], row["slug"],
                                 topic_counts([row["slug"]]).get(row["slug"], 0), articles_link(request, topic=slug))


@api_endpoint(params.NAME_LIST)
def provider_list(request, query):
    page = name_page(query, public_providers().values("name", "domain"), "domain")
    counts = provider_counts([row["domain"] for row in page.items])
    links = representations.Links(request)
    return {
        "results": [
            representations.provider(links, row["name"], row["domain"], counts.get(row["domain"], 0),
                                     articles_link(request, provider=row["domain"]))
            for row in page.items
        ],
        "next": page_link(request, page.next),
        "previous": page_link(request, page.previous),
    }


@api_endpoint()
def provider_detail(request, query, domain):
    row = public_providers().filter(domain=normalize_domain(domain)).values("name", "domain").first()
    if row is None:
        raise Http404("No public article comes from this provider.")
    return representations.provider(representations.Links(request), row["name"], row["domain"],
                                    provider_counts([row["domain"]]).get(row["domain"], 0),
                                    articles_link(request, provider=row["domain"]))


@api_endpoint(conditional=False)
def schema(request, query):
    return schemas.openapi()


@api_endpoint(conditional=False)
def docs(request, query):
    """The schema as a plain page: no script and no asset from elsewhere (the site's CSP)."""
    return render(request, "api/docs.html", {"doc": schemas.for_reading(schemas.openapi())})


@api_endpoint(conditional=False)
def not_found(request, query):
    raise Http404("No such endpoint: see /api/v1/schema/.")
