"""The content API (/api/v1/): what clients read, what they must never read, and what it costs."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.api.pagination import Cursor
from articles.api.representations import ARTICLE_FIELDS
from articles.api.schemas import SCHEMAS
from articles.models import Article, Image
from articles.page_cache import content_changed

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db

ARTICLES = reverse("api:article-list")


def get(client, url, **headers):
    response = client.get(url, **headers)
    assert response["Content-Type"] == "application/json", response.content[:200]
    assert response["Access-Control-Allow-Origin"] == "*"
    return response


def ids(response):
    return [item["id"] for item in response.json()["results"]]


def read_all(client, url):
    """Every item, following `next` from `url` until it is null, and the number of pages."""
    items, pages = [], 0
    while url:
        body = get(client, url).json()
        items += body["results"]
        url, pages = body["next"], pages + 1
        assert pages < 1000
    return items, pages


@pytest.fixture
def hidden():
    """A draft and a scheduled article, and the topic and provider only they carry."""
    secret = make_provider("Secret Desk", domain="secret.example")
    return {
        "draft": make_article("Unreleased zeppelin scoop", published=False, provider=secret,
                              topics=["Embargoed", "Shared"], heat=10_000, quality=100),
        "scheduled": make_article("Tomorrow's zeppelin news", published_at=timezone.now() + timedelta(days=1),
                                  provider=secret, topics=["Embargoed", "Shared"], heat=10_000, quality=100),
    }


# -- paging --------------------------------------------------------------------------------

def test_limit_100_pages_through_every_public_article_once(client, hidden):
    """Following `next` from ?limit=100 reads each public article exactly once, each with web_url and story."""
    public = {make_article(age=timedelta(minutes=n % 7)).pk for n in range(230)}  # ties on published_at
    url = f"http://testserver{ARTICLES}?limit=100"
    items, pages = read_all(client, url)
    seen = [item["id"] for item in items]
    assert len(seen) == len(set(seen)) == 230 and set(seen) == public
    assert pages == 3
    assert get(client, url).json()["previous"] is None
    assert all(item["web_url"].startswith("https://") and item["story"] is None for item in items)
    assert hidden["draft"].pk not in seen and hidden["scheduled"].pk not in seen


def test_previous_leads_back_to_the_same_pages(client):
    """`previous` from the third page gives the second, then the first, as `next` had given them."""
    for n in range(25):
        make_article(age=timedelta(minutes=n // 3))
    page1 = get(client, f"{ARTICLES}?limit=10").json()
    page2 = get(client, page1["next"]).json()
    page3 = get(client, page2["next"]).json()
    assert len(page3["results"]) == 5 and page3["next"] is None
    back2 = get(client, page3["previous"]).json()
    assert ids_of(back2) == ids_of(page2)
    back1 = get(client, back2["previous"]).json()
    assert ids_of(back1) == ids_of(page1) and back1["previous"] is None
    assert back1["next"] == page1["next"]


def ids_of(body):
    return [item["id"] for item in body["results"]]


@pytest.mark.parametrize("order, column", [("trending", "heat"), ("quality", "quality")])
def test_scores_page_highest_first_then_those_without_a_score(client, order, column):
    """Trending and quality order ties by id and put articles without the score last, across pages."""
    scores = [5, None, 5, 9, None, 0, 5, 9, 1, None, 3]
    made = [make_article(**{column: score}) for score in scores]
    expected = [a.pk for a in sorted(made, key=lambda a: (getattr(a, column) is None,
                                                            -(getattr(a, column) or 0), -a.pk))]
    items, _ = read_all(client, f"{ARTICLES}?order={order}&limit=2")
    assert [item["id"] for item in items] == expected
    # And backwards from the last page.
    url, body = f"{ARTICLES}?order={order}&limit=2", None
    while url:
        body = get(client, url).json()
        url = body["next"]
    backwards = ids_of(body)
    while body["previous"]:
        body = get(client, body["previous"]).json()
        backwards = ids_of(body) + backwards
    assert backwards == expected


def test_a_cursor_belongs_to_its_order(client):
    make_article(), make_article()
    cursor = get(client, f"{ARTICLES}?limit=1").json()["next"].split("cursor=")[1]
    response = get(client, f"{ARTICLES}?limit=1&order=quality&cursor={cursor}")
    assert response.status_code == 400 and response.json()["error"]["parameter"] == "cursor"


# -- what an article says -------------------------------------------------------------------

def test_an_article_object_carries_every_field(client):
    """Links are absolute, images only http(s) or this site's files, topics in the file's order."""
    provider = make_provider("Daily Planet", domain="dailyplanet.example")
    article = make_article(
        "Ships sail", provider=provider, topics=["Sea", "Trade"], heat=7, quality=None, item_type="article",
        excerpt="<b>Raw</b> text", images=[("https://img.example/a.jpg", 640, 480), ("javascript:alert(1)", 1, 1)],
        web_url="https://dailyplanet.example/ships",
    )
    Image.objects.create(article=article, position=5, file="articles/upload.png", width=10, height=20, title="Up")
    body = get(client, reverse("api:article-detail", args=[article.pk])).json()
    assert body == {
        "id": article.pk,
        "url": f"http://testserver{article.get_absolute_url()}",
        "web_url": "https://dailyplanet.example/ships",
        "title": "Ships sail",
        "excerpt": "<b>Raw</b> text",
        "published_at": article.published_at.isoformat(),
        "type": "article",
        "provider": {"name": "Daily Planet", "domain": "dailyplanet.example",
                     "url": "http://testserver/providers/dailyplanet.example/"},
        "topics": [{"name": "Sea", "slug": "sea", "url": "http://testserver/topics/sea/"},
                   {"name": "Trade", "slug": "trade", "url": "http://testserver/topics/trade/"}],
        "images": [{"url": "https://img.example/a.jpg", "width": 640, "height": 480, "title": None},
                   {"url": "http://testserver/media/articles/upload.png", "width": 10, "height": 20, "title": "Up"}],
        "heat": 7,
        "quality": None,
        "story": None,
    }
    assert tuple(SCHEMAS["Article"]["properties"]) == ARTICLE_FIELDS


def test_fields_chooses_what_each_article_carries(client):
    make_article("Chosen", topics=["Sea"])
    body = get(client, f"{ARTICLES}?fields=title,web_url,story").json()
    assert list(body["results"][0]) == ["id", "web_url", "title", "story"]
    response = get(client, f"{ARTICLES}?fields=title,body")
    assert response.status_code == 400 and "body" in response.json()["error"]["message"]


# -- filters -------------------------------------------------------------------------------

def test_filters_narrow_the_list(client):
    now = timezone.now()
    sea = make_article("Harbour opens", topics=["Sea"], provider=make_provider("Port News", "port.example"),
                       published_at=now - timedelta(days=3))
    land = make_article("Road closes", topics=["Land"], published_at=now - timedelta(days=1))
    assert ids(get(client, f"{ARTICLES}?topic=sea")) == [sea.pk]
    assert ids(get(client, f"{ARTICLES}?provider=WWW.Port.example")) == [sea.pk]
    assert ids(get(client, f"{ARTICLES}?published_after={(now - timedelta(days=2)).date()}")) == [land.pk]
    before = (now - timedelta(days=2)).isoformat().replace("+00:00", "Z")
    assert ids(get(client, f"{ARTICLES}?published_before={before}")) == [sea.pk]
    assert ids(get(client, f"{ARTICLES}?q=harbour")) == [sea.pk]
    assert ids(get(client, f"{ARTICLES}?q=harbour&topic=land")) == []
    assert ids(get(client, f"{ARTICLES}?topic=nowhere")) == []
    assert ids(get(client, f"{ARTICLES}?story=1")) == []  # no story has this id


def test_drafts_scheduled_and_their_topics_and_providers_never_appear(client, hidden):
    """Not in the list, a filter, a search, a detail, the topic and provider lists, or a count."""
    shown = make_article("Zeppelin lands", topics=["Shared"], provider=make_provider("Open Desk", "open.example"))
    hidden_ids = {hidden["draft"].pk, hidden["scheduled"].pk}
    for query in ("", "?topic=shared", "?topic=embargoed", "?provider=secret.example", "?q=zeppelin",
                  "?order=trending", "?order=quality", "?fields=title"):
        listed = set(ids(get(client, ARTICLES + query)))
        assert not listed & hidden_ids, query
    assert ids(get(client, f"{ARTICLES}?q=zeppelin")) == [shown.pk]
    for pk in hidden_ids:
        response = get(client, reverse("api:article-detail", args=[pk]))
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    topics = get(client, reverse("api:topic-list")).json()["results"]
    assert [(t["slug"], t["articles"]) for t in topics] == [("shared", 1)]
    assert get(client, reverse("api:topic-detail", args=["shared"])).json()["articles"] == 1
    assert get(client, reverse("api:topic-detail", args=["embargoed"])).status_code == 404
    providers = get(client, reverse("api:provider-list")).json()["results"]
    assert [(p["domain"], p["articles"]) for p in providers] == [("open.example", 1)]
    assert get(client, reverse("api:provider-detail", args=["secret.example"])).status_code == 404
    body = get(client, reverse("api:provider-detail", args=["open.example"])).json()
    assert body["articles"] == 1 and body["articles_url"] == "http://testserver/api/v1/articles/?provider=open.example"


def test_topic_and_provider_lists_page_by_name(client):
    """Following `next` lists every topic and provider once, by slug and domain; `previous` goes back."""
    for n in range(5):
        make_article(topics=[f"Topic {n}"], provider=make_provider(f"Outlet {n}", f"outlet{n}.example"))
    for name, key in (("api:topic-list", "slug"), ("api:provider-list", "domain")):
        items, pages = read_all(client, reverse(name) + "?limit=2")
        names = [item[key] for item in items]
        assert names == sorted(set(names)) and len(names) == 5 and pages == 3
        page1 = get(client, reverse(name) + "?limit=2").json()
        page2 = get(client, page1["next"]).json()
        assert get(client, page2["previous"]).json()["results"] == page1["results"]


# -- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize("query, parameter", [
    ("?colour=red", "colour"),
    ("?limit=1&limit=2", "limit"),
    ("?limit=0", "limit"),
    ("?limit=101", "limit"),
    ("?limit=ten", "limit"),
    ("?limit=%EF%BC%95", "limit"),  # a full-width digit
    ("?order=oldest", "order"),
    ("?cursor=not-a-cursor", "cursor"),
    ("?published_after=yesterday", "published_after"),
    ("?published_after=2026-02-30T00:00:00Z", "published_after"),
    ("?published_before=9999-12-31T23:59:59-23:59", "published_before"),
    ("?story=0", "story"),
    ("?story=99999999999999999999", "story"),
    ("?topic=", "topic"),
    ("?q=a%00b", "q"),
    ("?fields=", "fields"),
])
def test_bad_parameters_are_a_400_naming_the_parameter(client, query, parameter):
    response = get(client, ARTICLES + query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and error["parameter"] == parameter and error["message"]


def test_a_cursor_for_another_position_kind_is_refused(client):
    name_cursor = Cursor("name", False, "sea").encode()
    assert get(client, f"{ARTICLES}?cursor={name_cursor}").status_code == 400
    article_cursor = Cursor("latest", False, timezone.now(), 1).encode()
    assert get(client, f"{reverse('api:topic-list')}?cursor={article_cursor}").status_code == 400


@pytest.mark.parametrize("path", [
    "/api/v1/articles/abc/", "/api/v1/articles/99999999999999999999999/", "/api/v1/articles/-1/",
    "/api/v1/nothing/", "/api/v1/topics/no-such-topic/", "/api/v1/providers/nowhere.example/",
])
def test_unknown_addresses_are_a_json_404(client, path):
    response = get(client, path)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_missing_trailing_slash_redirects(client):
    response = client.get("/api/v1/articles?limit=5")
    assert response.status_code == 301 and response["Location"] == "/api/v1/articles/?limit=5"


def test_the_api_is_read_only():
    """A POST (even without a CSRF token) is a JSON 405 naming the methods that work."""
    response = Client(enforce_csrf_checks=True).post(ARTICLES)
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json()["error"]["code"] == "method_not_allowed"


# -- HTTP ------------------------------------------------------------------------------------

def test_conditional_get_answers_304_until_the_content_changes(client):
    """The ETag (or Last-Modified) sent back gives a 304; an import, an edit or a publish time coming changes it."""
    make_article()
    url = f"{ARTICLES}?limit=5"
    first = get(client, url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert first.status_code == 200 and etag and modified
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    head = client.head(url)
    assert head.status_code == 200 and head.content == b"" and head["ETag"] == etag
    assert client.get(f"{ARTICLES}?limit=6", HTTP_IF_NONE_MATCH=etag).status_code == 200  # another URL

    content_changed()  # what every import and admin change calls
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag

    etag = changed["ETag"]
    scheduled = make_article(published_at=timezone.now() + timedelta(hours=1))
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304  # not public yet: nothing changed
    Article.objects.filter(pk=scheduled.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200  # its time came


def test_any_origin_may_read_it(client):
    """CORS: every answer allows any origin, and a preflight names the methods and headers."""
    preflight = client.options(ARTICLES, HTTP_ORIGIN="https://app.example",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in preflight["Access-Control-Allow-Headers"]
    assert "ETag" in get(client, ARTICLES)["Access-Control-Expose-Headers"]
    assert get(client, f"{ARTICLES}?limit=0")["Access-Control-Allow-Origin"] == "*"


def test_an_address_over_its_limit_gets_429_with_retry_after(client, settings):
    settings.NEWSROOM_API_REQUESTS_PER_MINUTE = 3
    cache.clear()
    assert [get(client, ARTICLES).status_code for _ in range(3)] == [200, 200, 200]
    refused = get(client, ARTICLES)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    other = client.get(ARTICLES, REMOTE_ADDR="10.0.0.9")  # another address has its own count
    assert other.status_code == 200


# -- documents -------------------------------------------------------------------------------

def test_the_schema_is_openapi_3_1_and_names_every_endpoint(client):
    doc = get(client, reverse("api:schema")).json()
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {
        "/api/v1/", "/api/v1/articles/", "/api/v1/articles/{id}/", "/api/v1/stories/", "/api/v1/stories/{id}/",
        "/api/v1/topics/", "/api/v1/topics/{slug}/", "/api/v1/providers/", "/api/v1/providers/{domain}/",
    }
    listed = {p["name"] for p in doc["paths"]["/api/v1/articles/"]["get"]["parameters"]}
    assert listed == {"topic", "provider", "story", "published_after", "published_before", "q", "order",
                      "cursor", "limit", "fields"}


def test_the_docs_page_renders_offline(client):
    """Every endpoint and object is described; nothing is loaded from another host, and no script runs."""
    response = client.get(reverse("api:docs"))
    page = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for path in ("/api/v1/articles/", "/api/v1/articles/{id}/", "/api/v1/stories/", "/api/v1/stories/{id}/",
                 "/api/v1/topics/{slug}/", "/api/v1/providers/"):
        assert f"GET {path}" in page
    for name in ("published_after", "web_url", "ArticlePage", "StoryPage", "last_published_at", "Retry-After"):
        assert name in page
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert "<code>next</code>" in page and "`" not in page
    import re

    for url in re.findall(r"""(?:href|src|content)="([^"]*://[^"]*)""", page):
        assert url.startswith("http://testserver/"), url


# -- cost ------------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [3, 30])
def test_each_endpoint_costs_the_same_queries_however_many_items(client, django_assert_num_queries, count):
    for n in range(count):
        make_article(topics=["Sea", f"Topic {n}"], images=[("https://img.example/x.jpg", 1, 1)],
                     provider=make_provider(f"Outlet {n}", f"outlet{n}.example"))
    first = Article.objects.published().latest().first()
    # The content version and the ETag's newest publish time, then the page: articles, their topics, their images.
    with django_assert_num_queries(5):
        assert len(ids(get(client, f"{ARTICLES}?limit=100&topic=sea"))) == count
    with django_assert_num_queries(5):
        get(client, reverse("api:article-detail", args=[first.pk]))
    with django_assert_num_queries(3):
        get(client, f"{ARTICLES}?limit=100&fields=title")
    with django_assert_num_queries(4):  # the version, the ETag's, the page of names, their counts
        get(client, f"{reverse('api:topic-list')}?limit=100")
    with django_assert_num_queries(4):
        get(client, f"{reverse('api:provider-list')}?limit=100")
    with django_assert_num_queries(4):
        get(client, reverse("api:topic-detail", args=["sea"]))
    with django_assert_num_queries(4):
        get(client, reverse("api:provider-detail", args=["outlet1.example"]))
