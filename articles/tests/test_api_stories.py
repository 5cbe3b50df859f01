"""Stories in the content API: `story` on articles, /api/v1/stories/ and what drafts never add to it."""

from datetime import timedelta
from datetime import timezone as dt_timezone

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.api.pagination import Cursor
from articles.models import Article, Story
from articles.page_cache import content_changed
from articles.stories import curation
from articles.stories.assign import refresh_stories

from .factories import make_article, make_provider
from .test_api import get, ids, read_all

pytestmark = pytest.mark.django_db

ARTICLES = reverse("api:article-list")
STORIES = reverse("api:story-list")


def detail(pk):
    return reverse("api:story-detail", args=[pk])


def story_of(*articles, lead=None):
    """A story holding `articles`, its cached columns counted as clustering counts them (drafts included)."""
    story = Story.objects.create()
    Article.objects.filter(pk__in=[a.pk for a in articles]).update(story=story)
    refresh_stories([story.pk])
    if lead is not None:
        Story.objects.filter(pk=story.pk).update(lead=lead, lead_chosen=True)
    story.refresh_from_db()
    return story


def iso(moment):
    return moment.astimezone(dt_timezone.utc).isoformat()


@pytest.fixture
def outlets():
    return {
        "planet": make_provider("Daily Planet", "dailyplanet.example"),
        "bugle": make_provider("Daily Bugle", "bugle.example"),
        "secret": make_provider("Secret Desk", "secret.example"),
    }


# -- story on article objects -----------------------------------------------------------------

def test_each_article_carries_its_story_id_as_the_database_has_it(client):
    first, second = make_article("Bridge opens"), make_article("Bridge opens today")
    alone = make_article("Unrelated")
    story = story_of(first, second)
    listed = {item["id"]: item["story"] for item in get(client, f"{ARTICLES}?limit=100").json()["results"]}
    assert listed == {first.pk: story.pk, second.pk: story.pk, alone.pk: None}
    for article in (first, second, alone):
        body = get(client, reverse("api:article-detail", args=[article.pk])).json()
        assert body["story"] == Article.objects.get(pk=article.pk).story_id


def test_story_filter_lists_only_the_story_s_public_articles(client):
    now = timezone.now()
    old = make_article(published_at=now - timedelta(hours=3))
    new = make_article(published_at=now - timedelta(hours=1))
    draft = make_article(published=False)
    scheduled = make_article(published_at=now + timedelta(days=1))
    other = make_article()
    story = story_of(old, new, draft, scheduled)
    story_of(other)
    assert ids(get(client, f"{ARTICLES}?story={story.pk}")) == [new.pk, old.pk]


# -- stories list and detail ----------------------------------------------------------------

def test_a_story_shows_its_size_lead_outlets_dates_and_articles_link(client, outlets):
    now = timezone.now().replace(microsecond=0)
    broke = make_article("Comet seen over Lisbon", provider=outlets["bugle"], published_at=now - timedelta(hours=5))
    chosen = make_article("Comet over Lisbon: the pictures", provider=outlets["planet"],
                          published_at=now - timedelta(hours=3))
    later = make_article("Comet gone", provider=outlets["bugle"], published_at=now - timedelta(hours=1))
    make_article("Not in it", provider=outlets["planet"])
    story = story_of(broke, chosen, later, lead=chosen)
    expected = {
        "id": story.pk,
        "size": 3,
        "lead": {"id": chosen.pk, "url": f"http://testserver{chosen.get_absolute_url()}",
                 "title": "Comet over Lisbon: the pictures",
                 "provider": {"name": "Daily Planet", "domain": "dailyplanet.example",
                              "url": "http://testserver/providers/dailyplanet.example/"}},
        "outlets": [
            {"name": "Daily Bugle", "domain": "bugle.example", "url": "http://testserver/providers/bugle.example/"},
            {"name": "Daily Planet", "domain": "dailyplanet.example",
             "url": "http://testserver/providers/dailyplanet.example/"},
        ],
        "first_published_at": iso(now - timedelta(hours=5)),
        "last_published_at": iso(now - timedelta(hours=1)),
        "articles_url": f"http://testserver{ARTICLES}?story={story.pk}",
    }
    assert get(client, detail(story.pk)).json() == expected
    assert get(client, STORIES).json() == {"results": [expected], "next": None, "previous": None}
    assert ids(get(client, expected["articles_url"])) == [later.pk, chosen.pk, broke.pk]


def test_without_an_editor_s_choice_the_lead_is_the_first_published(client):
    now = timezone.now()
    second = make_article("Second", published_at=now - timedelta(hours=1))
    first = make_article("First", published_at=now - timedelta(hours=2))
    story = story_of(second, first)
    assert get(client, detail(story.pk)).json()["lead"]["id"] == first.pk


def test_latest_stories_first_and_cursors_page_both_ways(client):
    now = timezone.now()
    stories = []
    for n in range(25):  # last published times tie in threes: the id settles the order
        stories.append(story_of(make_article(published_at=now - timedelta(hours=n // 3 + 5)),
                                make_article(published_at=now - timedelta(minutes=n // 3))).pk)
    expected = [s.pk for s in Story.objects.filter(pk__in=stories).order_by("-last_published_at", "-id")]
    items, pages = read_all(client, f"http://testserver{STORIES}?limit=10")
    assert [item["id"] for item in items] == expected and pages == 3
    page1 = get(client, f"{STORIES}?limit=10").json()
    page2 = get(client, page1["next"]).json()
    page3 = get(client, page2["next"]).json()
    assert page1["previous"] is None and page3["next"] is None and len(page3["results"]) == 5
    assert get(client, page3["previous"]).json()["results"] == page2["results"]
    assert get(client, page2["previous"]).json()["results"] == page1["results"]


def test_filters_narrow_the_stories(client, outlets):
    now = timezone.now()
    sea = story_of(make_article("Harbour opens", topics=["Sea"], provider=outlets["planet"],
                                published_at=now - timedelta(days=3)),
                   make_article("Harbour opened", provider=outlets["bugle"], published_at=now - timedelta(days=2)))
    land = story_of(make_article("Road closes", topics=["Land"], provider=outlets["bugle"],
                                 published_at=now - timedelta(hours=2)))
    assert ids(get(client, f"{STORIES}?topic=sea")) == [sea.pk]
    assert ids(get(client, f"{STORIES}?provider=www.DailyPlanet.example")) == [sea.pk]
    assert ids(get(client, f"{STORIES}?provider=bugle.example")) == [land.pk, sea.pk]
    assert ids(get(client, f"{STORIES}?published_after={(now - timedelta(days=1)).date()}")) == [land.pk]
    # A story spanning the moment has articles on both sides of it.
    middle = (now - timedelta(days=2, hours=12)).isoformat().replace("+00:00", "Z")
    assert ids(get(client, f"{STORIES}?published_after={middle}")) == [land.pk, sea.pk]
    assert ids(get(client, f"{STORIES}?published_before={middle}")) == [sea.pk]
    assert ids(get(client, f"{STORIES}?topic=nowhere")) == []


@pytest.mark.parametrize("query, parameter", [
    ("?story=1", "story"),
    ("?limit=101", "limit"),
    ("?topic=", "topic"),
    ("?published_after=yesterday", "published_after"),
    ("?cursor=nonsense", "cursor"),
    ("?limit=1&limit=2", "limit"),
    ("?order=latest", "order"),
])
def test_bad_parameters_are_a_400_naming_them(client, query, parameter):
    response = get(client, f"{STORIES}{query}")
    assert response.status_code == 400 and response.json()["error"]["parameter"] == parameter


def test_a_cursor_of_another_list_is_refused(client):
    article_cursor = Cursor("latest", False, timezone.now(), 5).encode()
    name_cursor = Cursor("name", False, "sea").encode()
    for cursor in (article_cursor, name_cursor):
        response = get(client, f"{STORIES}?cursor={cursor}")
        assert response.status_code == 400 and response.json()["error"]["parameter"] == "cursor"
    story_cursor = Cursor("stories", False, timezone.now(), 5).encode()
    assert get(client, f"{ARTICLES}?cursor={story_cursor}").status_code == 400


@pytest.mark.parametrize("pk", ["0", "abc", "99999999999999999999", "12"])
def test_an_unknown_story_is_a_json_404(client, pk):
    response = get(client, detail(pk))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


# -- what drafts and scheduled articles never add ---------------------------------------------

def test_drafts_and_scheduled_articles_never_count_in_a_story(client, outlets):
    now = timezone.now().replace(microsecond=0)
    draft = make_article("Embargoed first take", provider=outlets["secret"], published=False,
                         published_at=now - timedelta(days=2))
    public = make_article("Public take", provider=outlets["planet"], published_at=now - timedelta(hours=4))
    also = make_article("Another public take", provider=outlets["planet"], published_at=now - timedelta(hours=3))
    scheduled = make_article("Tomorrow's take", provider=outlets["secret"], published_at=now + timedelta(days=1))
    story = story_of(draft, public, also, scheduled)
    # Clustering's own counts include them, and its computed lead is the draft (the first).
    assert (story.size, story.outlets, story.lead_id) == (4, 2, draft.pk)

    body = get(client, detail(story.pk)).json()
    assert body["size"] == 2
    assert body["lead"]["id"] == public.pk
    assert [outlet["domain"] for outlet in body["outlets"]] == ["dailyplanet.example"]
    assert (body["first_published_at"], body["last_published_at"]) == (iso(public.published_at),
                                                                        iso(also.published_at))
    text = get(client, STORIES).content.decode() + get(client, detail(story.pk)).content.decode()
    for hidden in ("Embargoed", "Tomorrow", "secret.example", "Secret Desk"):
        assert hidden not in text


def test_a_story_whose_public_articles_are_unpublished_disappears(client):
    only = make_article("Only public one")
    drafts = story_of(make_article("Draft one", published=False),
                      make_article("Scheduled one", published_at=timezone.now() + timedelta(hours=2)))
    story = story_of(only, make_article("Its draft", published=False))
    assert ids(get(client, STORIES)) == [story.pk]
    assert get(client, detail(drafts.pk)).status_code == 404

    Article.objects.filter(pk=only.pk).update(is_published=False)
    assert ids(get(client, STORIES)) == []
    assert get(client, detail(story.pk)).status_code == 404
    assert ids(get(client, f"{ARTICLES}?story={story.pk}")) == []


def test_an_editor_chosen_lead_that_is_unpublished_gives_way(client):
    now = timezone.now()
    chosen = make_article("Chosen but pulled", published_at=now - timedelta(hours=1))
    first = make_article("First public", published_at=now - timedelta(hours=3))
    second = make_article("Second public", published_at=now - timedelta(hours=2))
    story = story_of(chosen, first, second, lead=chosen)
    assert get(client, detail(story.pk)).json()["lead"]["id"] == chosen.pk
    Article.objects.filter(pk=chosen.pk).update(is_published=False)
    assert get(client, detail(story.pk)).json()["lead"]["id"] == first.pk


# -- HTTP and cost --------------------------------------------------------------------------

@pytest.mark.parametrize("url", [STORIES, "detail"])
def test_a_conditional_get_answers_304_until_the_content_changes(client, url):
    now = timezone.now()
    newer = make_article("Newer take", published_at=now - timedelta(hours=1))
    story = story_of(newer, make_article("Older take", published_at=now - timedelta(hours=2)))
    url = detail(story.pk) if url == "detail" else url
    first = get(client, url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag and first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    content_changed()
    changed = get(client, url)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    # An editor choosing another lead changes the answer, and so its ETag.
    assert "Newer take" not in changed.content.decode()
    newer.refresh_from_db()
    curation.choose_lead(story, newer)
    chosen = client.get(url, HTTP_IF_NONE_MATCH=changed["ETag"])
    assert chosen.status_code == 200 and "Newer take" in chosen.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_a_page_of_stories_costs_the_same_queries_however_many(client, django_assert_num_queries, count):
    for n in range(count):
        story_of(*(make_article(topics=["Sea"], provider=make_provider(f"Outlet {n}-{m}", f"o{n}-{m}.example"))
                   for m in range(3)))
    some = Story.objects.first()
    # The content version and the ETag's newest publish time, then the page: the grouped stories, their leads, their outlets.
    with django_assert_num_queries(5):
        assert len(ids(get(client, f"{STORIES}?limit=100&topic=sea"))) == count
    with django_assert_num_queries(5):
        get(client, detail(some.pk))
    with django_assert_num_queries(4):  # the story id is a column of the article: no query of its own
        assert len(ids(get(client, f"{ARTICLES}?limit=100&fields=title,story,topics"))) == count * 3
