"""What readers may see (articles/visibility.py): one rule, the same answer on every public surface.

A matrix of articles — live, draft, scheduled, and live-then-unpublished by an editor — shares a
topic and a publisher; each surface a reader can reach must show the live one and never the
others. A topic or publisher carried only by a non-live article does not exist for readers.
"""

import xml.etree.ElementTree as ET
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import curation
from articles.models import Article, ArticleTopic
from articles.visibility import COPIED_COLUMNS, Status, is_public, link_copies, public_q, status, status_q

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db

HIDDEN = ("draft", "scheduled", "unpublished")
WORD = "zebrafish"  # in every matrix title, so one search finds them all
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def build_matrix():
    """{state: article}: each shares the topic "Matrix" and Matrix Times; each hidden one also
    carries a topic of its own ("Only draft", …) and has a twin from a publisher of its own."""
    shared = make_provider("Matrix Times", "matrix.example")
    day = timedelta(days=1)
    articles = {"live": make_article(f"Live {WORD}", provider=shared, topics=["Matrix", "Shown"], heat=1)}
    for state in HIDDEN:
        fields = {
            "draft": {"published": False},
            "scheduled": {"published_at": timezone.now() + day},
            "unpublished": {},
        }[state]
        # Hotter and pinned: were the rule forgotten anywhere, these would lead every list.
        options = {"heat": 999, "pinned_home": True, "pinned_topics": ["Matrix"], **fields}
        articles[state] = make_article(f"{state.title()} {WORD}", provider=shared,
                                       topics=["Matrix", f"Only {state}"], **options)
        make_article(f"{state.title()} twin {WORD}", provider=make_provider(f"Only {state}", f"{state}.example"),
                     topics=["Matrix"], **options)
    # Was live: an editor unpublishes it (the admin's action calls this), its twin too.
    curation.set_flag(Article.objects.filter(title__startswith="Unpublished"), "is_published", False, lock=True)
    return articles


@pytest.fixture
def matrix():
    return build_matrix()


class Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = set()

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if href:
            self.hrefs.add(href.removeprefix("http://testserver"))


def html_links(response):
    parser = Hrefs()
    parser.feed(response.content.decode())
    return parser.hrefs


def rss_links(response):
    assert response["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(response.content).find("channel").findall("item")
    return {item.findtext("link").removeprefix("http://testserver") for item in items}


def atom_links(response):
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")
    return {entry.find(f"{ATOM}link").get("href").removeprefix("http://testserver") for entry in entries}


def sitemap_links(response):
    root = ET.fromstring(response.content)
    return {loc.text.removeprefix("http://testserver") for loc in root.iter(f"{SITEMAP}loc")}


def sitemap_section(section):
    return reverse("sitemap-section", kwargs={"section": section})


# (surface, URL, reader of the links it shows, whether it lists the matrix's articles)
SURFACES = [
    ("home", "/", html_links, True),
    ("topic list", "/topics/", html_links, False),
    ("topic page", "/topics/matrix/", html_links, True),
    ("topic page, trending", "/topics/matrix/?sort=trending", html_links, True),
    ("topic RSS", "/topics/matrix/feed/", rss_links, True),
    ("topic Atom", "/topics/matrix/feed/atom/", atom_links, True),
    ("site RSS", "/feed/", rss_links, True),
    ("site Atom", "/feed/atom/", atom_links, True),
    ("provider page", "/providers/matrix.example/", html_links, True),
    ("live article page", None, html_links, False),
    ("sitemap index", "/sitemap.xml", sitemap_links, False),
    ("articles sitemap", sitemap_section("articles"), sitemap_links, True),
    ("topics sitemap", sitemap_section("topics"), sitemap_links, False),
    ("providers sitemap", sitemap_section("providers"), sitemap_links, False),
    ("search", f"/search/?q={WORD}", html_links, True),
]


@pytest.mark.parametrize(("surface", "url", "links_of", "lists_articles"), SURFACES, ids=[s[0] for s in SURFACES])
def test_every_surface_shows_live_articles_only(client, matrix, surface, url, links_of, lists_articles):
    """The live article is listed; a draft, a scheduled and an unpublished article, their own
    topics and their own publishers appear nowhere: not as a link, not by title."""
    live = matrix["live"]
    response = client.get(url or live.get_absolute_url())
    assert response.status_code == 200
    links, page = links_of(response), response.content.decode()
    if lists_articles:
        assert live.get_absolute_url() in links
    for state in HIDDEN:
        article = matrix[state]
        assert article.get_absolute_url() not in links, state
        assert article.title not in page, state
        assert f"{state.title()} twin" not in page, state
        assert not any(link.startswith((f"/topics/only-{state}/", f"/providers/{state}.example/")) for link in links)


def test_topic_and_provider_lists_name_the_public_ones(client, matrix):
    """/topics/ and the topic and provider sitemaps list the public topic and publisher."""
    assert {"/topics/matrix/", "/topics/shown/"} <= html_links(client.get("/topics/"))
    assert {"/topics/matrix/", "/topics/shown/"} == sitemap_links(client.get(sitemap_section("topics")))
    assert sitemap_links(client.get(sitemap_section("providers"))) == {"/providers/matrix.example/"}


@pytest.mark.parametrize("state", HIDDEN)
def test_hidden_articles_pages_are_not_found_but_staff_preview_them(client, admin_client, matrix, state):
    """A reader gets a 404 for a non-live article; staff still preview it."""
    url = matrix[state].get_absolute_url()
    assert client.get(url).status_code == 404
    response = admin_client.get(url)
    assert response.status_code == 200 and matrix[state].title in response.content.decode()


@pytest.mark.parametrize("state", HIDDEN)
@pytest.mark.parametrize("path", ["/topics/only-{}/", "/topics/only-{}/feed/", "/topics/only-{}/feed/atom/",
                                  "/providers/{}.example/"])
def test_topic_or_provider_of_hidden_articles_only_is_not_found(client, matrix, state, path):
    """A topic (page, RSS, Atom) or a publisher that only a non-live article carries is a 404."""
    assert client.get(path.format(state)).status_code == 404


def test_publishing_again_brings_back_topic_and_provider(client, matrix):
    """The editor's publish undoes it: the article, its topic and its publisher are back."""
    curation.set_flag(Article.objects.filter(title__startswith="Unpublished"), "is_published", True, lock=True)
    assert client.get("/topics/only-unpublished/").status_code == 200
    assert client.get("/providers/unpublished.example/").status_code == 200
    assert matrix["unpublished"].get_absolute_url() in rss_links(client.get("/topics/only-unpublished/feed/"))


# -- the status names ------------------------------------------------------------------------

NOW = timezone.now()
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(("is_published", "published_at", "expected"), [
    (True, NOW - TICK, Status.LIVE),
    (True, NOW, Status.LIVE),  # its time has come
    (True, NOW + TICK, Status.SCHEDULED),
    (True, None, Status.DRAFT),
    (False, NOW - TICK, Status.DRAFT),
    (False, NOW + TICK, Status.DRAFT),
    (False, None, Status.DRAFT),
])
def test_status_at_the_boundaries(is_published, published_at, expected):
    """Live from the published time on, Scheduled up to it, Draft without the flag or a time."""
    article = Article(is_published=is_published, published_at=published_at)
    assert status(article, now=NOW) == expected
    assert is_public(article, now=NOW) == (expected == Status.LIVE)


def test_status_names_are_what_editors_read():
    assert [label for _, label in Status.choices] == ["Live", "Scheduled", "Draft"]


def test_status_filters_agree_with_status_and_split_every_article():
    """Each article is in exactly one status filter, the one status() names; Live is published()."""
    provider = make_provider()
    cases = [(True, NOW - TICK), (True, NOW), (True, NOW + TICK), (True, None), (False, NOW - TICK), (False, None)]
    articles = [
        Article.objects.create(identity_url=f"https://s.example/{i}", title=str(i), provider=provider,
                               is_published=flag, published_at=when)
        for i, (flag, when) in enumerate(cases)
    ]
    for article in articles:
        matching = [s for s in Status if Article.objects.filter(status_q(s, now=NOW), pk=article.pk).exists()]
        assert matching == [status(article, now=NOW)], article.title
    live = {a.pk for a in articles if status(a) == Status.LIVE}
    assert set(Article.objects.published().values_list("pk", flat=True)) == live
    assert set(Article.objects.filter(public_q()).values_list("pk", flat=True)) == live


def test_topic_links_hold_the_copies_visibility_names(matrix):
    """What the triggers copy onto each topic link is what link_copies() says, so the public
    rule on the copies answers as the rule on the articles."""
    matrix["live"].heat = None  # a missing score is copied as -1
    matrix["live"].save()
    for link in ArticleTopic.objects.select_related("content_object"):
        article = link.content_object
        expected = link_copies({column: getattr(article, column) for column in COPIED_COLUMNS})
        assert {column: getattr(link, column) for column in expected} == expected
    public_links = set(ArticleTopic.objects.public().values_list("content_object_id", flat=True))
    assert public_links == set(Article.objects.published().filter(topic_links__isnull=False).values_list("pk", flat=True))
