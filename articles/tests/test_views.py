"""The readers' pages: what a reader sees, what they must never see, and what each page costs."""

from datetime import timedelta
from datetime import timezone as dt_timezone
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Story, TopicRedirect
from articles.views import PAGE_SIZE

from .factories import make_article, make_provider, make_related, make_topic

pytestmark = pytest.mark.django_db


class Links(HTMLParser):
    """Collects every href/src on a page, and the <link>/<meta> elements of <head>."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.links, self.metas = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src"):
            if attrs.get(name) is not None:
                self.hrefs.append(attrs[name])
        if tag == "link":
            self.links.append(attrs)
        if tag == "meta":
            self.metas.append(attrs)


def parse(response):
    parser = Links()
    parser.feed(response.content.decode())
    return parser


def text(response):
    return response.content.decode()


# -- home ---------------------------------------------------------------------------------

def test_home_shows_top_stories_by_heat_latest_and_trending_topics(client):
    """The hottest recent story leads, the latest list follows, hot topics are listed."""
    make_article("Cool story", heat=1, topics=["Gardening"])
    make_article("Hot story", heat=900, topics=["Elections"])
    make_article("Draft story", heat=10_000, published=False, topics=["Secrets"])
    response = client.get(reverse("articles:home"))
    page = text(response)
    assert response.status_code == 200
    assert page.index("Hot story") < page.index("Cool story")
    assert "Draft story" not in page and "Secrets" not in page
    trending = page[page.index("Trending topics"):]
    assert trending.index("Elections") < trending.index("Gardening")
    assert reverse("articles:topic-list") in page


def test_home_ranks_a_fresh_modest_story_above_an_old_hot_one(client):
    """Yesterday's heat-50 story leads; a six-year-old heat-295 one does not make the top stories."""
    make_article("Six years old and hot", heat=295, age=timedelta(days=6 * 365), topics=["Pandemic"])
    make_article("Yesterday, modest", heat=50, age=timedelta(days=1), topics=["Budget"])
    for i in range(4):
        make_article(f"Today, cool {i}", heat=1, age=timedelta(hours=2 + i))
    page = text(client.get(reverse("articles:home")))
    top = page[page.index("Top stories"):page.index('id="latest-heading"')]
    assert "Yesterday, modest" in top and "Six years old and hot" not in top
    assert top.index("Yesterday, modest") < top.index("Today, cool 0")
    trending = page[page.index("Trending topics"):]
    assert trending.index("Budget") < trending.index("Pandemic")


def test_home_stays_sensible_on_an_archive_with_nothing_recent(client):
    """With every story years old, the newest ones lead (ages count from the newest story)."""
    years = timedelta(days=3 * 365)
    make_article("Archive: oldest and hottest", heat=900, age=years + timedelta(days=400))
    make_article("Archive: newest, warm", heat=40, age=years)
    make_article("Archive: a week older, warm", heat=60, age=years + timedelta(days=7))
    page = text(client.get(reverse("articles:home")))
    top = page[page.index("Top stories"):page.index('id="latest-heading"')]
    assert top.index("Archive: newest, warm") < top.index("Archive: a week older, warm")
    assert top.index("Archive: a week older, warm") < top.index("Archive: oldest and hottest")


def test_home_puts_articles_pinned_to_home_first(client):
    """An editor's pinned article leads even when colder and older."""
    make_article("Pinned but cold", heat=0, pinned_home=True, age=timedelta(days=30))
    make_article("Very hot", heat=5000)
    page = text(client.get(reverse("articles:home")))
    assert page.index("Pinned but cold") < page.index("Very hot")


def test_home_marks_featured_articles(client):
    make_article("Featured piece", is_featured=True)
    assert "card--featured" in text(client.get(reverse("articles:home")))


def test_home_empty_state(client):
    """A fresh site says there is nothing yet instead of showing an empty frame."""
    response = client.get(reverse("articles:home"))
    assert response.status_code == 200
    assert "No articles yet." in text(response)


def test_home_query_count_is_fixed(client, django_assert_num_queries):
    for i in range(30):
        make_article(f"Story {i}", topics=["AI", f"Topic {i}"], images=[("https://img.example/a.jpg", 800, 450)])
    for i in range(0, 30, 3):  # stories of three articles: folding costs no query per story
        same_story(*Article.objects.filter(title__in=[f"Story {i}", f"Story {i + 1}", f"Story {i + 2}"]))
    with django_assert_num_queries(7):
        assert client.get(reverse("articles:home")).status_code == 200


# -- topics index ------------------------------------------------------------------------

def test_topic_list_counts_published_articles_a_to_z_and_by_size(client):
    """Topics with published articles are listed with counts; drafts neither count nor list."""
    for _ in range(3):
        make_article(topics=["Zoology"])
    make_article(topics=["Astronomy"])
    make_article(topics=["Astronomy", "Hidden topic"], published=False)
    make_article(topics=["Astronomy"], published_at=timezone.now() + timedelta(days=1))

    page = text(client.get(reverse("articles:topic-list")))
    assert page.index("Astronomy") < page.index("Zoology")
    assert "Hidden topic" not in page
    assert '<bdi>Astronomy</bdi></a> <span class="count">1</span>' in page

    by_size = text(client.get(reverse("articles:topic-list"), {"sort": "size"}))
    assert by_size.index("Zoology") < by_size.index("Astronomy")


def test_topic_list_empty_state(client):
    assert "No topics yet." in text(client.get(reverse("articles:topic-list")))


def test_topic_list_query_count_is_fixed(client, django_assert_num_queries):
    for i in range(10):
        make_article(topics=[f"T{i}", "Common"])
    with django_assert_num_queries(1):
        client.get(reverse("articles:topic-list"))


# -- topic page --------------------------------------------------------------------------

def topic_url(slug, **params):
    url = reverse("articles:topic-detail", kwargs={"slug": slug})
    return url, params


def test_topic_page_lists_published_articles_and_advertises_feeds(client):
    make_article("About robots", topics=["Robots"])
    make_article("Robot draft", topics=["Robots"], published=False)
    make_article("Not about robots", topics=["Cooking"])
    response = client.get(reverse("articles:topic-detail", kwargs={"slug": "robots"}))
    page = text(response)
    assert response.status_code == 200
    assert "About robots" in page
    assert "Robot draft" not in page and "Not about robots" not in page
    feeds = {link["href"] for link in parse(response).links if link.get("rel") == "alternate"}
    assert reverse("articles:topic-feed", kwargs={"slug": "robots"}) in feeds
    assert reverse("articles:topic-atom", kwargs={"slug": "robots"}) in feeds


def test_topic_page_sorts_by_latest_trending_and_quality(client):
    url = reverse("articles:topic-detail", kwargs={"slug": "space"})
    make_article("Newest", topics=["Space"], heat=1, quality=1, age=timedelta(hours=1))
    make_article("Hottest", topics=["Space"], heat=99, quality=2, age=timedelta(hours=2))
    make_article("Finest", topics=["Space"], heat=2, quality=99, age=timedelta(hours=3))

    def first(sort):
        page = text(client.get(url, {"sort": sort} if sort else {}))
        return min(("Newest", "Hottest", "Finest"), key=page.index)

    assert first(None) == "Newest"
    assert first("trending") == "Hottest"
    assert first("quality") == "Finest"
    assert first("nonsense") == "Newest"


def test_topic_page_puts_pinned_articles_first(client):
    make_article("Fresh news", topics=["Climate"], age=timedelta(minutes=5))
    make_article("Explainer", topics=["Climate"], pinned_topics=["Climate"], age=timedelta(days=60))
    page = text(client.get(reverse("articles:topic-detail", kwargs={"slug": "climate"})))
    assert page.index("Explainer") < page.index("Fresh news")


def test_topic_page_filters_by_provider(client):
    make_article("From Alpha", topics=["Chips"], provider=make_provider("Alpha", "alpha.example"))
    make_article("From Beta", topics=["Chips"], provider=make_provider("Beta", "beta.example"))
    url = reverse("articles:topic-detail", kwargs={"slug": "chips"})
    page = text(client.get(url, {"provider": "beta.example"}))
    assert "From Beta" in page and "From Alpha" not in page
    assert '<option value="alpha.example">\u2068Alpha\u2069 (1)</option>' in page  # the name isolated


def test_topic_page_outlet_list_shows_the_30_largest_ties_by_name(client):
    """The outlet filter lists the 30 outlets with most articles, ties in name order, with counts."""
    big = make_provider("Big", "big.example")
    for _ in range(3):
        make_article(topics=["Chips"], provider=big)
    for i in range(31):  # 31 outlets tied at one article: only the first 29 by name make the list
        make_article(topics=["Chips"], provider=make_provider(f"Outlet {i:02}", f"o{i:02}.example"))
    make_article(topics=["Chips"], provider=make_provider("Drafty", "drafty.example"), published=False)
    url = reverse("articles:topic-detail", kwargs={"slug": "chips"})
    page = text(client.get(url, {"provider": "o30.example"}))
    options = page[page.index('<select id="provider-filter"'):page.index("</select>")]
    assert options.count("<option") == 31  # "All outlets" and 30 outlets
    assert options.index("Big\u2069 (3)") < options.index("Outlet 00\u2069 (1)") < options.index("Outlet 28\u2069 (1)")
    assert "Outlet 29" not in options and "o30.example" not in options and "Drafty" not in options
    assert "34 articles" in text(client.get(url)) and "1 article from o30.example" in page


def test_topic_page_related_topics_are_those_that_co_occur_most(client):
    for _ in range(3):
        make_article(topics=["Batteries", "Cars"])
    make_article(topics=["Batteries", "Phones"])
    make_article(topics=["Gardening"])
    page = text(client.get(reverse("articles:topic-detail", kwargs={"slug": "batteries"})))
    related = page[page.index("Related topics"):]
    assert related.index("Cars") < related.index("Phones")
    assert "Gardening" not in related


def same_story(*articles):
    """Put the articles in one story, as cluster_stories would."""
    story = Story.objects.create()
    Article.objects.filter(pk__in=[a.pk for a in articles]).update(story=story)
    return story


def test_topic_page_shows_one_story_once_with_its_other_outlets(client):
    """Two outlets' articles on one story: the first is listed, it names the other outlet."""
    first = make_article("IBM quits face recognition", topics=["AI"], provider=make_provider("Mashable"))
    second = make_article(
        "IBM ends facial recognition", topics=["AI"], provider=make_provider("The Next Web"),
        web_url="https://tnw.example/ibm",
    )
    same_story(first, second)
    unrelated = make_article("Other AI news", topics=["AI"])
    page = text(client.get(reverse("articles:topic-detail", kwargs={"slug": "ai"})))
    assert f'href="{second.get_absolute_url()}"><bdi>The Next Web</bdi></a>' in page
    assert "2 outlets" in page
    assert page.count(f'<a href="{second.get_absolute_url()}">IBM ends facial recognition</a>') == 0
    assert first.title in page and unrelated.title in page
    # The heading counts the topic's published articles, the folded one included.
    assert "3 articles" in page


def test_a_story_is_on_one_page_only(client):
    """Folding holds across pages: page 2 does not show again a story page 1 stood for."""
    hours = iter(range(1000))
    newest = make_article("Newest of the big story", topics=["AI"], provider=make_provider("Alpha", "alpha.example"),
                          published_at=timezone.now() - timedelta(hours=next(hours)))
    fillers = [make_article(f"Filler {i}", topics=["AI"], published_at=timezone.now() - timedelta(hours=next(hours)))
               for i in range(25)]
    oldest = make_article("Oldest of the big story", topics=["AI"], provider=make_provider("Beta", "beta.example"),
                          published_at=timezone.now() - timedelta(hours=next(hours)))
    same_story(newest, oldest)
    url = reverse("articles:topic-detail", kwargs={"slug": "ai"})
    first, second = text(client.get(url)), text(client.get(url, {"page": 2}))
    assert f'<a href="{newest.get_absolute_url()}">Newest of the big story</a>' in first
    assert "Oldest of the big story</a></h3>" not in first + second
    assert f'href="{oldest.get_absolute_url()}"><bdi>Beta</bdi></a>' in first
    assert all(f.title in first + second for f in fillers)
    assert "Filler 18</a>" in first and "Filler 19</a>" in second  # 20 entries a page: the fold leaves no gap


def test_past_the_folded_head_a_topic_lists_the_rest_in_order(client, monkeypatch):
    """Folding covers the list's first FOLD_DEPTH rows; the pages after carry on without a gap or repeat."""
    from articles.stories import folding

    monkeypatch.setattr(folding, "FOLD_DEPTH", 25)
    made = [make_article(f"Entry {i:02d}", topics=["AI"], published_at=timezone.now() - timedelta(hours=i),
                         provider=make_provider(f"Outlet {i % 3}")) for i in range(50)]
    same_story(made[1], made[2], made[3])  # within the head: two of them fold away
    url = reverse("articles:topic-detail", kwargs={"slug": "ai"})
    pages = [text(client.get(url, {"page": n})) for n in (1, 2, 3)]
    listed = [i for i in range(50) for n, page in enumerate(pages) if f"Entry {i:02d}</a></h3>" in page]
    assert listed == [i for i in range(50) if i not in (2, 3)]
    assert "Page 3 of 3" in pages[2] or "3 of 3" in pages[2]


def test_a_draft_never_appears_through_its_story(client):
    shown = make_article("Public take", topics=["AI"], provider=make_provider("Alpha", "alpha.example"))
    draft = make_article("Secret take", topics=["AI"], provider=make_provider("Drafty", "drafty.example"),
                         published=False)
    same_story(shown, draft)
    for url in (reverse("articles:topic-detail", kwargs={"slug": "ai"}), reverse("articles:home"),
                shown.get_absolute_url()):
        page = text(client.get(url))
        assert "Drafty" not in page and draft.get_absolute_url() not in page


def test_topic_page_never_hides_an_article_pinned_to_the_topic(client):
    first = make_article("Wire report", topics=["AI"])
    pinned = make_article("Our explainer", topics=["AI"], pinned_topics=["AI"], provider=make_provider("Ours"))
    same_story(first, pinned)
    page = text(client.get(reverse("articles:topic-detail", kwargs={"slug": "ai"})))
    assert f'<a href="{pinned.get_absolute_url()}">Our explainer</a>' in page
    assert f'<a href="{first.get_absolute_url()}">Wire report</a>' not in page


def test_topic_page_folds_only_within_what_is_listed(client):
    """Filtered to one outlet, an article is not hidden behind another outlet's article."""
    alpha, beta = make_provider("Alpha", "alpha.example"), make_provider("Beta", "beta.example")
    first = make_article("Alpha's take", topics=["AI"], provider=alpha)
    second = make_article("Beta's take", topics=["AI"], provider=beta)
    same_story(first, second)
    url = reverse("articles:topic-detail", kwargs={"slug": "ai"})
    assert "Beta&#x27;s take</a></h3>" not in text(client.get(url))
    assert "Beta&#x27;s take</a></h3>" in text(client.get(url, {"provider": "beta.example"}))


def test_home_and_provider_pages_show_one_card_per_story(client):
    alpha, beta = make_provider("Alpha", "alpha.example"), make_provider("Beta", "beta.example")
    first = make_article("Alpha first take", provider=alpha)
    second = make_article("Alpha second take", provider=alpha)
    other = make_article("Beta take", provider=beta)
    same_story(first, second, other)
    home = text(client.get(reverse("articles:home")))
    assert sum(home.count(f"{a.title}</a></h") for a in (first, second, other)) == 1
    provider_page = text(client.get("/providers/alpha.example/"))
    assert provider_page.count("take</a></h") == 1
    assert f'href="{other.get_absolute_url()}"><bdi>Beta</bdi></a>' in provider_page


def test_home_ranks_then_folds_a_story_under_its_best_ranked_article(client):
    """Ranking and folding together: a story's fresh article stands for it (not its old hot one),
    once, in the top stories; the latest list does not repeat the story."""
    old = make_article("Story, first report", heat=295, age=timedelta(days=30), provider=make_provider("Old Desk"))
    fresh = make_article("Story, today's update", heat=40, age=timedelta(hours=1), provider=make_provider("New Desk"))
    same_story(old, fresh)
    for i in range(8):
        make_article(f"Filler {i}", heat=1, age=timedelta(hours=3 + i))
    page = text(client.get(reverse("articles:home")))
    top = page[page.index("Top stories"):page.index('id="latest-heading"')]
    assert "Story, today&#x27;s update" in top and "2 outlets" in top and "Old Desk" in top
    assert "Story, first report</a></h" not in page


def test_topic_page_redirects_old_slugs_and_404s_unknown_ones(client):
    make_article(topics=["Machine Learning"])
    TopicRedirect.objects.create(old_slug="ml", topic=make_topic("Machine Learning"))
    response = client.get("/topics/ml/?sort=trending")
    assert response.status_code == 301
    assert response["Location"] == "/topics/machine-learning/?sort=trending"
    assert client.get("/topics/no-such-topic/").status_code == 404


def test_topic_page_without_public_articles_is_404_and_outlet_filter_can_empty_it(client):
    """A topic nobody may read yet is not found; a public topic filtered to an outlet without
    articles in it says so and offers every outlet again."""
    make_topic("Lonely")
    assert client.get("/topics/lonely/").status_code == 404
    make_article("Draft about robots", topics=["Robots"], published=False)
    assert client.get("/topics/robots/").status_code == 404
    make_article("Robots live", topics=["Robots"], provider=make_provider("Acme News", "acme.example"))
    make_provider("Quiet Times", "quiet.example")
    page = text(client.get("/topics/robots/", {"provider": "quiet.example"}))
    assert "No articles from this outlet here." in page and "Robots live" not in page
    assert "Show every outlet" in page


@pytest.mark.parametrize("page", ["0", "3", "abc", "-1", "1.5"])
def test_topic_page_pagination_edges_are_404(client, page):
    for _ in range(PAGE_SIZE + 1):
        make_article(topics=["Paged"])
    assert client.get("/topics/paged/", {"page": page}).status_code == 404


def test_topic_page_pages_forward_without_repeats(client):
    titles = [make_article(f"Paged story {i:02d}", topics=["Paged"]).title for i in range(PAGE_SIZE + 5)]
    first = text(client.get("/topics/paged/"))
    second = text(client.get("/topics/paged/", {"page": 2}))
    on_first = {t for t in titles if f">{t}</a>" in first}
    on_second = {t for t in titles if f">{t}</a>" in second}
    assert len(on_first) == PAGE_SIZE and len(on_second) == 5
    assert not on_first & on_second
    assert 'rel="next" href="?page=2"' in first
    assert "Page 2 of 2" in second


def test_topic_page_query_count_is_fixed(client, django_assert_num_queries):
    """Ten queries whether the page holds 2 or 20 cards, stories folded or not: the eight of story
    folding and two for the date archive's years (the topic's first and last dates, then which
    years between have articles: index seeks, whatever the topic's size)."""
    url = "/topics/busy/"
    a = make_article(topics=["Busy", "Other"], images=[("https://img.example/1.jpg", 10, 10)])
    b = make_article(topics=["Busy"], provider=make_provider("Second Outlet"))
    same_story(a, b)
    with django_assert_num_queries(10):
        client.get(url)
    articles = [make_article(topics=["Busy", f"Other {i}"], images=[("https://img.example/x.jpg", 10, 10)],
                             provider=make_provider(f"Outlet {i % 7}")) for i in range(60)]
    for i in range(0, 60, 3):
        same_story(*articles[i:i + 3])
    with django_assert_num_queries(10):
        client.get(url, {"page": 2, "sort": "trending"})


# -- provider page -----------------------------------------------------------------------

def test_provider_page_lists_its_published_articles(client):
    acme = make_provider("Acme News", "acme.example")
    make_article("Acme scoop", provider=acme)
    make_article("Acme draft", provider=acme, published=False)
    make_article("Elsewhere", provider=make_provider("Other", "other.example"))
    response = client.get("/providers/acme.example/")
    page = text(response)
    assert response.status_code == 200
    assert "Acme scoop" in page and "Acme draft" not in page and "Elsewhere" not in page


def test_provider_page_redirects_www_and_404s_unknown(client):
    make_provider("Acme News", "acme.example")
    response = client.get("/providers/www.acme.example/", {"page": 1})
    assert response.status_code == 301
    assert response["Location"] == "/providers/acme.example/?page=1"
    assert client.get("/providers/WWW.Acme.Example/").status_code == 301
    assert client.get("/providers/nobody.example/").status_code == 404


def test_provider_page_sorts_and_paginates(client):
    acme = make_provider("Acme News", "acme.example")
    make_article("Hot one", provider=acme, heat=500, age=timedelta(days=2))
    for i in range(PAGE_SIZE):
        make_article(f"Filler {i}", provider=acme, heat=1, age=timedelta(minutes=i))
    page = text(client.get("/providers/acme.example/", {"sort": "trending"}))
    assert page.index("Hot one") < page.index("Filler")
    assert "Hot one" not in text(client.get("/providers/acme.example/"))
    assert "Hot one" in text(client.get("/providers/acme.example/", {"page": 2}))
    assert client.get("/providers/acme.example/", {"page": 3}).status_code == 404
    assert client.get("/providers/acme.example/", {"page": "x"}).status_code == 404


def test_provider_page_without_public_articles_is_404(client):
    """A publisher with no article readers may see has no page yet (nor a sitemap entry)."""
    quiet = make_provider("Quiet Times", "quiet.example")
    assert client.get("/providers/quiet.example/").status_code == 404
    make_article("Quiet draft", provider=quiet, published=False)
    assert client.get("/providers/quiet.example/").status_code == 404


def test_provider_page_query_count_is_fixed(client, django_assert_num_queries):
    acme = make_provider("Acme News", "acme.example")
    for i in range(25):
        article = make_article(provider=acme, topics=["X", f"Y{i}"], images=[("https://img.example/x.jpg", 1, 1)])
        same_story(article, make_article(provider=make_provider(f"Other {i % 4}", f"other{i % 4}.example")))
    with django_assert_num_queries(7):
        client.get("/providers/acme.example/")
    with django_assert_num_queries(7):
        client.get("/providers/acme.example/", {"page": 2})


# -- article page ------------------------------------------------------------------------

def test_article_page_shows_the_story(client):
    """Headline, excerpt, outlet, local time, image size, topics, source link, AMP, body."""
    article = make_article(
        "Kittens learn to code",
        excerpt="A summary of the kittens.",
        provider=make_provider("Cat Times", "cats.example"),
        topics=["Cats", "Programming"],
        images=[("https://img.example/kitten.jpg", 1200, 630)],
        web_url="https://cats.example/kittens",
        amp_url="https://cats.example/kittens.amp",
        published_at=timezone.datetime(2020, 6, 9, 18, 2, tzinfo=dt_timezone.utc),
        published_at_offset=120,
        body="Some **bold** text.\n\n<script>alert(1)</script>",
    )
    response = client.get(article.get_absolute_url())
    page = text(response)
    assert response.status_code == 200
    assert "<h1 class=\"story__title\">Kittens learn to code</h1>" in page
    assert "A summary of the kittens." in page
    assert "9 June 2020, 20:02" in page and 'datetime="2020-06-09T20:02:00+02:00"' in page
    assert 'width="1200" height="630"' in page
    assert 'href="/topics/cats/"' in page and 'href="/topics/programming/"' in page
    assert '<a class="button" href="https://cats.example/kittens" rel="noopener noreferrer">Read at <bdi>Cat Times</bdi>' in page
    assert '<link rel="amphtml" href="https://cats.example/kittens.amp">' in page
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_article_page_coverage_links_to_newsroom_when_the_story_is_here(client):
    here = make_article("Same story here", web_url="https://here.example/story")
    draft = make_article("Same story drafted", web_url="https://draft.example/story", published=False)
    article = make_article("Main story")
    make_related(article, web_url=here.web_url, title="Here's version", provider=make_provider("Here", "here.example"))
    make_related(article, web_url=draft.web_url, title="Draft's version", provider=make_provider("Drafty", "draft.example"))
    make_related(article, web_url="https://away.example/x", title="Away version", provider=make_provider("Away", "away.example"))
    page = text(client.get(article.get_absolute_url()))
    assert "Coverage from 3 outlets" in page
    assert f'<a href="{here.get_absolute_url()}">Here&#x27;s version</a>' in page
    assert 'href="https://draft.example/story" rel="noopener noreferrer">Draft&#x27;s version</a>' in page
    assert draft.get_absolute_url() not in page
    assert 'href="https://away.example/x" rel="noopener noreferrer"' in page


def test_article_page_redirects_a_wrong_slug(client):
    article = make_article("Right title")
    response = client.get(reverse("articles:article-detail", kwargs={"pk": article.pk, "slug": "wrong"}))
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_article_page_404s_for_drafts_future_and_unknown_ids(client):
    draft = make_article("Draft", published=False)
    future = make_article("Future", published_at=timezone.now() + timedelta(hours=1))
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(future.get_absolute_url()).status_code == 404
    assert client.get("/articles/999999/anything/").status_code == 404


def test_staff_preview_unpublished_article_with_banner(client, admin_client, django_user_model):
    draft = make_article("Embargoed scoop", published=False)
    page = text(admin_client.get(draft.get_absolute_url()))
    assert "Embargoed scoop" in page and "Draft — not published" in page
    assert '<meta name="robots" content="noindex">' in page
    user = django_user_model.objects.create_user("reader", password="pw")
    client.force_login(user)
    assert client.get(draft.get_absolute_url()).status_code == 404
    published = make_article("Public story")
    assert "not published" not in text(admin_client.get(published.get_absolute_url()))


def test_video_article_embeds_only_a_rebuilt_allow_listed_player(client):
    video = make_article(
        "A video", item_type="video", original_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        web_url=None, identity_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        featured_content='<iframe src="https://evil.example/player"></iframe><script>alert(1)</script>',
    )
    page = text(client.get(video.get_absolute_url()))
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in page
    assert "evil.example" not in page and "alert(1)" not in page

    other = make_article(
        "Another video", item_type="video", original_url="https://videos.example/watch/1",
        featured_content='<iframe src="https://videos.example/embed/1"></iframe>',
    )
    page = text(client.get(other.get_absolute_url()))
    assert "<iframe" not in page


def test_article_page_has_escaped_json_ld_and_social_tags(client):
    article = make_article("Quotes </script><b>\"here\"", excerpt="<img src=x onerror=alert(1)>")
    response = client.get(article.get_absolute_url())
    page = text(response)
    script = page[page.index('<script type="application/ld+json">'):]
    script = script[:script.index("</script>")]
    assert "NewsArticle" in script and "</script" not in script and "<b>" not in script
    metas = {m.get("property") or m.get("name"): m.get("content") for m in parse(response).metas}
    assert metas["og:title"] == article.title
    assert metas["og:type"] == "article"
    assert metas["description"] == article.excerpt
    assert "<img src=x" not in page


def test_article_page_query_count_is_fixed(client, django_assert_num_queries):
    article = make_article(topics=["A", "B", "C"], images=[("https://img.example/x.jpg", 1, 1)] * 3)
    for i in range(8):
        other = make_article(web_url=f"https://o.example/{i}")
        make_related(article, web_url=other.web_url, provider=make_provider(f"P{i}", f"p{i}.example"))
    for i in range(6):
        make_article(topics=["A"])  # "More from A": one query however many there are
    with django_assert_num_queries(6):
        client.get(article.get_absolute_url())


# -- search ------------------------------------------------------------------------------

def test_search_ranks_title_matches_first_and_hides_drafts(client):
    make_article("Budget talks continue", excerpt="Nothing about the quantum thing.")
    make_article("Quantum computers arrive", excerpt="A breakthrough.")
    make_article("Quantum draft", published=False)
    response = client.get(reverse("articles:search"), {"q": "quantum"})
    page = text(response)
    assert page.index("<mark>Quantum</mark> computers arrive") < page.index("Budget talks continue")
    assert "Quantum draft" not in page
    assert "2 results" in page


def test_search_matches_topics_and_providers(client):
    make_article("Plain headline", topics=["Astrophysics"])
    make_article("Another headline", provider=make_provider("Wired Planet", "wiredplanet.example"))
    assert "Plain headline" in text(client.get("/search/", {"q": "astrophysics"}))
    assert "Another headline" in text(client.get("/search/", {"q": "wired planet"}))


def test_search_echoes_the_query_escaped(client):
    response = client.get("/search/", {"q": '<script>alert("x")</script>'})
    page = text(response)
    assert response.status_code == 200
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_search_empty_query_and_no_results(client):
    assert "Search headlines, summaries" in text(client.get("/search/"))
    assert "No articles match “nothingmatches”" in text(client.get("/search/", {"q": "nothingmatches"}))


def test_search_pagination_edges(client):
    for i in range(PAGE_SIZE + 1):
        make_article(f"Match {i}")
    assert "Page 1 of 2" in text(client.get("/search/", {"q": "match"}))
    assert client.get("/search/", {"q": "match", "page": 2}).status_code == 200
    for page in ("0", "3", "x"):
        assert client.get("/search/", {"q": "match", "page": page}).status_code == 404


def test_search_query_count_is_fixed(client, django_assert_num_queries):
    for i in range(25):
        make_article(f"Match {i}", topics=["T", f"U{i}"], images=[("https://img.example/x.jpg", 1, 1)])
    # Five: find()'s count (whether to look for a typo), the ranked ids, the page's rows, and the
    # topic and outlet filters' counts (the readers' filters; rows fetch no image or topic).
    with django_assert_num_queries(5):
        client.get("/search/", {"q": "match"})
    with django_assert_num_queries(5):
        client.get("/search/", {"q": "match", "page": 2})


def test_search_offers_and_follows_a_correction(client):
    """A one-letter typo finds the article, and the page says which word it searched instead."""
    make_article("Regional vaccination campaign reaches villages")
    make_article("Weather report")
    response = client.get("/search/", {"q": "vacination"})
    html = response.content.decode()
    assert "Regional <mark>vaccination</mark> campaign reaches villages" in html  # the corrected word marked
    assert "Weather report" not in text(response)
    assert "No articles match “vacination”" in text(response)
    assert 'Did you mean <a href="/search/?q=vaccination">vaccination</a>?' in html


def test_search_without_a_typo_offers_nothing(client):
    make_article("Regional vaccination campaign reaches villages")
    page = text(client.get("/search/", {"q": "vaccination"}))
    assert "Regional <mark>vaccination</mark> campaign" in page and "Did you mean" not in page


def test_search_marks_the_matched_words_of_excerpts_and_bodies_escaped(client):
    make_article("Cafés of the old town", excerpt="The best CAFE in <b>town</b> & more.")
    make_article("Council notes", excerpt="Budget.", body="Water & <script>x()</script> aqueduct repairs begin.")
    html = client.get("/search/", {"q": "cafe"}).content.decode()
    assert "The best <mark>CAFE</mark> in &lt;b&gt;town&lt;/b&gt; &amp; more." in html
    html = client.get("/search/", {"q": "aqueduct"}).content.decode()
    assert "<mark>aqueduct</mark> repairs begin." in html
    # Markdown's inline HTML is left out of a body's snippet; what remains is escaped.
    assert "Water &amp; x() <mark>aqueduct</mark> repairs begin." in html and "<script>x()" not in html


@pytest.mark.parametrize("articles", [3, 30])
def test_search_query_counts_on_the_correction_path_are_fixed(client, django_assert_num_queries, articles):
    """Count, vocabulary prefixes and words (one query), the correction's count, the ranked ids, the
    page's rows, and the topic and outlet filters' counts (the readers' filters, whose rows fetch no
    image or topic): seven. With two candidates one edit away, one more counts how many use each."""
    for i in range(articles):
        make_article(f"Vaccination drive {i}", topics=["Health"], images=[("https://img.example/x.jpg", 1, 1)])
        make_article(f"Bench press record {i}")
    make_article("Bunch of grapes")
    with django_assert_num_queries(7):
        html = client.get("/search/", {"q": "vacination"}).content.decode()
    assert 'Did you mean <a href="/search/?q=vaccination">vaccination</a>?' in html
    with django_assert_num_queries(8):
        html = client.get("/search/", {"q": "banch"}).content.decode()
    assert 'Did you mean <a href="/search/?q=bench">bench</a>?' in html  # the commoner of bench and bunch


# -- everywhere --------------------------------------------------------------------------

def public_urls(article, topic_slug, domain):
    return [
        reverse("articles:home"),
        reverse("articles:topic-list"),
        reverse("articles:topic-list") + "?sort=size",
        reverse("articles:topic-detail", kwargs={"slug": topic_slug}),
        reverse("articles:topic-detail", kwargs={"slug": topic_slug}) + "?sort=trending",
        reverse("articles:provider-detail", kwargs={"domain": domain}),
        article.get_absolute_url(),
        reverse("articles:search") + "?q=story",
        reverse("articles:latest-feed"),
        reverse("articles:latest-atom"),
        reverse("articles:topic-feed", kwargs={"slug": topic_slug}),
        reverse("articles:topic-atom", kwargs={"slug": topic_slug}),
    ]


def test_unpublished_and_future_articles_appear_nowhere(client):
    """Every public URL kind is walked: drafts and scheduled articles never show."""
    shared = make_provider("Shared Outlet", "shared.example")
    visible = make_article("Visible story", topics=["Shared"], provider=shared, heat=1)
    draft = make_article("Draftstory secret", topics=["Shared"], provider=shared, heat=999, published=False,
                         pinned_home=True, web_url="https://shared.example/draft")
    future = make_article("Futurestory secret", topics=["Shared"], provider=shared, heat=999,
                          published_at=timezone.now() + timedelta(days=1), web_url="https://shared.example/future")
    make_related(visible, web_url=draft.web_url, title="Related title only")
    make_related(visible, web_url=future.web_url, title="Related title too")
    sitemaps = ["/sitemap.xml", "/robots.txt"] + [
        reverse("sitemap-section", kwargs={"section": section}) for section in ("articles", "topics", "providers")
    ]
    for url in public_urls(visible, "shared", "shared.example") + sitemaps:
        response = client.get(url)
        assert response.status_code == 200, url
        page = text(response)
        for secret in (draft, future):
            assert secret.title not in page, url
            assert secret.get_absolute_url() not in page, url
    search = text(client.get("/search/", {"q": "secret"}))
    assert "Draftstory" not in search and "Futurestory" not in search


def test_hostile_titles_are_escaped_and_javascript_urls_never_links(client):
    evil = "<script>alert(1)</script>"
    article = make_article(
        evil, excerpt=evil, topics=["Safety"], web_url="javascript:alert(1)", identity_url="https://x.example/e",
        amp_url="javascript:alert(2)", images=[("javascript:alert(3)", 10, 10)],
        provider=make_provider(evil, "evil.example"),
    )
    make_related(article, web_url="javascript:alert(4)", title=evil)
    urls = public_urls(article, "safety", "evil.example")[:-4] + [reverse("articles:search") + "?q=alert"]
    for url in urls:
        response = client.get(url)
        page = text(response)
        assert evil not in page, url
        assert not any(href.strip().lower().startswith("javascript:") for href in parse(response).hrefs), url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text(client.get(article.get_absolute_url()))


def test_every_page_has_title_description_canonical_and_open_graph(client):
    article = make_article("Meta story", topics=["Meta"], provider=make_provider("Meta Outlet", "meta.example"))
    for url in public_urls(article, "meta", "meta.example")[:8]:
        response = client.get(url)
        parsed = parse(response)
        page = text(response)
        assert "<title>" in page and "<title></title>" not in page, url
        names = {m.get("property") or m.get("name") for m in parsed.metas}
        assert {"description", "og:title", "og:description", "og:url", "og:type"} <= names, url
        assert any(link.get("rel") == "canonical" for link in parsed.links), url
        assert 'href="#main"' in page and '<main id="main"' in page, url


def test_friendly_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in text(response)


def test_friendly_500_page(client, settings):
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Something went wrong on our side" in page


def test_article_page_shows_its_story_on_newsroom_and_more_like_this(client, django_assert_num_queries):
    import numpy as np

    def centroid(*values):
        vector = np.array(values, dtype=np.float32)
        return (vector / np.linalg.norm(vector)).tobytes()

    article = make_article("Comet lands on Mars", provider=make_provider("Alpha", "alpha.example"))
    sibling = make_article("Comet reaches Mars", provider=make_provider("Beta", "beta.example"))
    near = make_article("Comet seen from Earth")
    far = make_article("Cooking show wins award")
    stories = []
    for members, vector in (([article, sibling], (1, 0, 0)), ([near], (0.9, 0.1, 0)), ([far], (0, 0, 1))):
        story = same_story(*members)
        when = members[0].published_at
        Story.objects.filter(pk=story.pk).update(centroid=centroid(*vector), first_published_at=when,
                                                 last_published_at=when)
        stories.append(story)
    with django_assert_num_queries(7):
        page = text(client.get(article.get_absolute_url()))
    story_section = page[page.index("This story on Newsroom"):page.index("More like this")]
    assert f'<a href="{sibling.get_absolute_url()}">Comet reaches Mars</a>' in story_section
    assert article.title not in story_section
    more = page[page.index("More like this"):]
    assert more.index("Comet seen from Earth") < more.index("Cooking show wins award")
    assert "Comet reaches Mars" not in more
