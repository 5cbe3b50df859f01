"""The RSS and Atom feeds: what a feed reader receives."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from html import escape

import pytest
from django.urls import reverse
from taggit.models import Tag

from articles.models import Provider, ProviderAlias, TopicRedirect

from .syndication_data import build_newsroom, make_article

NS = {"atom": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/"}
BASE = "http://testserver"

pytestmark = pytest.mark.django_db


@pytest.fixture
def news():
    return build_newsroom()


def absolute(article):
    return BASE + article.get_absolute_url()


def get_rss(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return response, root.find("channel")


def get_atom(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    return response, root


def rss_titles(channel):
    return [item.findtext("title") for item in channel.findall("item")]


def atom_titles(feed):
    return [entry.findtext("atom:title", namespaces=NS) for entry in feed.findall("atom:entry", NS)]


def test_latest_rss_lists_published_articles_newest_first(client, news):
    """The RSS feed lists published articles newest first, with links, dates, topics and publisher."""
    response, channel = get_rss(client, reverse("articles:latest-feed"))

    assert channel.findtext("title") == "Newsroom: latest articles"
    assert channel.findtext("link") == BASE + reverse("articles:home")
    assert rss_titles(channel) == ["Newest story", news.scripted.title, "Oldest story"]

    items = {item.findtext("title"): item for item in channel.findall("item")}
    scripted = items[news.scripted.title]
    assert scripted.findtext("link") == absolute(news.scripted)
    assert scripted.findtext("guid") == absolute(news.scripted)
    assert parsedate_to_datetime(scripted.findtext("pubDate")) == news.scripted.published_at
    assert [c.text for c in scripted.findall("category")] == ["Computer Vision", "AI"]
    assert scripted.findtext("dc:creator", namespaces=NS) == "Wired"
    assert items["Newest story"].findtext("dc:creator", namespaces=NS) == "The Verge"
    # The newest article's date is the feed's Last-Modified.
    assert parsedate_to_datetime(response["Last-Modified"]) >= news.newest.published_at


def test_latest_atom_lists_published_articles_newest_first(client, news):
    """The Atom feed carries the same entries: links, published/updated dates, categories, author."""
    _, feed = get_atom(client, reverse("articles:latest-atom"))

    assert feed.findtext("atom:title", namespaces=NS) == "Newsroom: latest articles"
    assert feed.find("atom:link[@rel='self']", NS).get("href") == BASE + reverse("articles:latest-atom")
    assert atom_titles(feed) == ["Newest story", news.scripted.title, "Oldest story"]

    entry = feed.findall("atom:entry", NS)[1]
    assert entry.find("atom:link[@rel='alternate']", NS).get("href") == absolute(news.scripted)
    assert entry.findtext("atom:id", namespaces=NS) == absolute(news.scripted)
    published = datetime.fromisoformat(entry.findtext("atom:published", namespaces=NS))
    updated = datetime.fromisoformat(entry.findtext("atom:updated", namespaces=NS))
    assert published == news.scripted.published_at
    assert updated >= published
    assert [c.get("term") for c in entry.findall("atom:category", NS)] == ["Computer Vision", "AI"]
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "Wired"


@pytest.mark.parametrize("url_name", ["articles:latest-feed", "articles:latest-atom"])
def test_drafts_and_scheduled_articles_are_absent(client, news, url_name):
    """Neither a draft nor an article scheduled for tomorrow reaches a feed."""
    response = client.get(reverse(url_name))
    root = ET.fromstring(response.content)
    titles = rss_titles(root.find("channel")) if root.tag == "rss" else atom_titles(root)
    assert "Draft story" not in titles
    assert "Scheduled story" not in titles
    assert len(titles) == 3


def test_markup_in_titles_and_excerpts_reaches_readers_as_text(client, news):
    """A <script> title is a title, not markup; an excerpt's <b> is escaped for HTML-reading readers."""
    _, channel = get_rss(client, reverse("articles:latest-feed"))
    item = channel.findall("item")[1]
    title = item.find("title")
    assert title.text == "<script>alert(1)</script> & co"
    assert len(title) == 0  # no child elements: the markup stayed text
    # <description> is HTML to RSS readers: they render this as the literal "<b>bold</b> & more".
    assert item.findtext("description") == escape("<b>bold</b> & more")

    _, feed = get_atom(client, reverse("articles:latest-atom"))
    entry = feed.findall("atom:entry", NS)[1]
    title = entry.find("atom:title", NS)
    assert title.get("type") in (None, "text")
    assert title.text == "<script>alert(1)</script> & co"
    summary = entry.find("atom:summary", NS)
    assert summary.get("type") == "html"
    assert summary.text == escape("<b>bold</b> & more")
    assert not list(feed.iter("script"))


def test_lead_image_becomes_an_enclosure_only_when_it_is_a_web_address(client, news):
    """The lead image is attached when it is http(s); a javascript: image is left out."""
    _, channel = get_rss(client, reverse("articles:latest-feed"))
    items = {item.findtext("title"): item for item in channel.findall("item")}
    enclosure = items[news.scripted.title].find("enclosure")
    assert enclosure.get("url") == "https://cdn.example.com/lead.png?w=800"
    assert enclosure.get("type") == "image/png"
    assert items["Newest story"].find("enclosure") is None
    assert items["Oldest story"].find("enclosure") is None

    _, feed = get_atom(client, reverse("articles:latest-atom"))
    entries = feed.findall("atom:entry", NS)
    assert [link.get("href") for link in entries[1].findall("atom:link[@rel='enclosure']", NS)] == [
        "https://cdn.example.com/lead.png?w=800"
    ]
    assert entries[0].findall("atom:link[@rel='enclosure']", NS) == []


def test_topic_feed_lists_only_that_topics_published_articles(client, news):
    """/topics/ai/feed/ lists AI's published articles; drafts, scheduled and other topics are absent."""
    _, channel = get_rss(client, reverse("articles:topic-feed", kwargs={"slug": "ai"}))
    assert channel.findtext("title") == "Newsroom: AI"
    assert channel.findtext("link") == BASE + reverse("articles:topic-detail", kwargs={"slug": "ai"})
    assert rss_titles(channel) == [news.scripted.title, "Oldest story"]
    assert channel.findall("item")[1].findtext("link") == absolute(news.oldest)

    _, feed = get_atom(client, reverse("articles:topic-atom", kwargs={"slug": "ai"}))
    assert feed.findtext("atom:title", namespaces=NS) == "Newsroom: AI"
    assert atom_titles(feed) == [news.scripted.title, "Oldest story"]


def test_topic_feed_keeps_the_50_latest(client, news):
    """A busy topic's feed carries its 50 latest published articles."""
    for day in range(55):
        make_article(f"Robot news {day}", provider=news.verge,
                     published_at=news.now - timedelta(days=10 + day), topics=["Robotics"])
    _, channel = get_rss(client, reverse("articles:topic-feed", kwargs={"slug": "robotics"}))
    titles = rss_titles(channel)
    assert len(titles) == 50
    assert titles[:3] == ["Newest story", "Robot news 0", "Robot news 1"]
    assert titles[-1] == "Robot news 48"


def test_unicode_topic_has_a_feed(client, news):
    """A topic named in Japanese gets a feed at its Unicode slug."""
    make_article("日本語の記事", provider=news.verge, published_at=news.now - timedelta(hours=2), topics=["機械学習"])
    slug = Tag.objects.get(name="機械学習").slug
    _, channel = get_rss(client, reverse("articles:topic-feed", kwargs={"slug": slug}))
    assert rss_titles(channel) == ["日本語の記事"]


@pytest.mark.parametrize("url_name", ["articles:topic-feed", "articles:topic-atom"])
def test_unknown_and_draft_only_topics_are_not_found(client, news, url_name):
    """An unknown slug 404s, and so does a topic only unpublished articles carry."""
    assert client.get(reverse(url_name, kwargs={"slug": "no-such-topic"})).status_code == 404
    assert client.get(reverse(url_name, kwargs={"slug": "secret"})).status_code == 404


@pytest.mark.parametrize("url_name", ["articles:topic-feed", "articles:topic-atom"])
def test_renamed_topic_feed_redirects_permanently(client, news, url_name):
    """After a rename, subscribers of the old feed URL are sent to the new one (301)."""
    TopicRedirect.objects.create(old_slug="artificial-intelligence", topic=Tag.objects.get(slug="ai"))
    response = client.get(reverse(url_name, kwargs={"slug": "artificial-intelligence"}))
    assert response.status_code == 301
    assert response["Location"] == reverse(url_name, kwargs={"slug": "ai"})


@pytest.mark.parametrize("url_name", ["articles:provider-feed", "articles:provider-atom"])
def test_merged_away_provider_feed_redirects_permanently(client, news, url_name):
    """A merged-away outlet's feed, like its page, answers 301 to the absorbing outlet's feed; an
    unknown domain stays a 404, and the absorbing outlet's feed lists its own articles."""
    ProviderAlias.objects.create(domain="verge-old.example", provider=Provider.objects.get(domain="theverge.com"))
    response = client.get(reverse(url_name, kwargs={"domain": "verge-old.example"}))
    assert response.status_code == 301
    assert response["Location"] == reverse(url_name, kwargs={"domain": "theverge.com"})
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse(url_name, kwargs={"domain": "never-merged.example"})).status_code == 404
    # A domain with no public article that is not an alias either is a 404 too, as its page is.
    assert client.get(reverse(url_name, kwargs={"domain": "hidden.example"})).status_code == 404


@pytest.mark.parametrize(
    ("url_name", "kwargs", "max_queries"),
    [
        ("articles:latest-feed", {}, 3),
        ("articles:latest-atom", {}, 3),
        ("articles:topic-feed", {"slug": "ai"}, 6),
        ("articles:topic-atom", {"slug": "ai"}, 6),
    ],
)
def test_feeds_run_a_fixed_number_of_queries(client, news, django_assert_max_num_queries,
                                             url_name, kwargs, max_queries):
    """Topics, publisher and images are fetched up front, so 50 items cost what 3 cost."""
    url = reverse(url_name, kwargs=kwargs)
    with django_assert_max_num_queries(max_queries):
        client.get(url)
    for n in range(60):
        make_article(f"More AI {n}", provider=news.wired, published_at=news.now - timedelta(days=5, minutes=n),
                     topics=["AI", "Robotics"], image_url=f"https://cdn.example.com/{n}.jpg")
    with django_assert_max_num_queries(max_queries):
        response = client.get(url)
    root = ET.fromstring(response.content)
    titles = rss_titles(root.find("channel")) if root.tag == "rss" else atom_titles(root)
    assert len(titles) == 50


@pytest.mark.parametrize("slug", [None, "ai"])
def test_feeds_have_the_elements_each_format_requires(client, news, slug):
    """Every channel and item has what RSS 2.0 requires, every feed and entry what Atom requires."""
    kwargs = {"slug": slug} if slug else {}
    _, channel = get_rss(client, reverse("articles:topic-feed" if slug else "articles:latest-feed", kwargs=kwargs))
    for name in ("title", "link", "description", "lastBuildDate"):
        assert channel.findtext(name), name
    for item in channel.findall("item"):
        for name in ("title", "link", "description", "guid", "pubDate"):
            assert item.find(name) is not None, name

    _, feed = get_atom(client, reverse("articles:topic-atom" if slug else "articles:latest-atom", kwargs=kwargs))
    for name in ("atom:id", "atom:title", "atom:updated"):
        assert feed.findtext(name, namespaces=NS), name
    entries = feed.findall("atom:entry", NS)
    assert entries
    for entry in entries:
        for name in ("atom:id", "atom:title", "atom:updated", "atom:published", "atom:author/atom:name"):
            assert entry.findtext(name, namespaces=NS), name
        assert entry.find("atom:link[@rel='alternate']", NS).get("href").startswith(BASE + "/articles/")


def test_a_topic_name_with_markup_is_text_in_the_channel_description_as_in_items(client):
    """RSS: the channel description is escaped as item descriptions are (readers render both as
    HTML); Atom: the subtitle is text, so it carries the name as is."""
    from .factories import make_article as stored_article

    stored_article("Marked up", topics=["<b>Bold</b> & co"], excerpt="<b>bold</b> excerpt")
    slug = Tag.objects.get().slug
    _, channel = get_rss(client, reverse("articles:topic-feed", kwargs={"slug": slug}))
    assert channel.findtext("description") == escape("The latest articles about <b>Bold</b> & co on Newsroom.")
    assert channel.find("item").findtext("description") == escape("<b>bold</b> excerpt")
    assert len(channel.find("description")) == 0
    _, feed = get_atom(client, reverse("articles:topic-atom", kwargs={"slug": slug}))
    subtitle = feed.find("atom:subtitle", NS)
    assert subtitle.get("type") in (None, "text")
    assert subtitle.text == "The latest articles about <b>Bold</b> & co on Newsroom."
