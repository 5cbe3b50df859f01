"""Feed text as readers expect it: references decoded on every surface, never turned into markup."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from articles import text
from articles.models import Article

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db

TITLE = "R&amp;D spending &lt;remains tight&gt;"
EXCERPT = "Budgets &amp; plans: &lt;script&gt;alert(1)&lt;/script&gt; stays text"


def test_plain_decodes_references_and_language_tag_checks_its_shape():
    assert text.plain("R&amp;D &#8217; &lt;b&gt;") == "R&D \u2019 <b>"
    assert text.plain(None) == "" and text.plain("no refs") == "no refs"
    assert text.language_tag("fr") == "fr" and text.language_tag("en-GB") == "en-GB"
    assert text.language_tag('fr" onload="x') == "" and text.language_tag(3) == ""


@pytest.fixture
def escaped_article():
    return make_article(TITLE, excerpt=EXCERPT, provider=make_provider("Smith &amp; Sons", "smith.example"),
                        topics=["Budget"], extra={"language": "fr"})


def test_pages_show_the_characters_escaped_once(client, escaped_article):
    """Cards and the article page read "R&D <remains tight>": escaped once, never double, never markup."""
    for url in (reverse("articles:home"), escaped_article.get_absolute_url(),
                reverse("articles:topic-detail", kwargs={"slug": "budget"})):
        page = client.get(url).content.decode()
        assert "R&amp;D spending &lt;remains tight&gt;" in page, url
        assert "&amp;amp;" not in page and "&amp;lt;" not in page, url
        assert "<remains tight>" not in page and "<script>alert" not in page, url
        assert "Smith &amp; Sons" in page, url
    assert Article.objects.get().title == TITLE  # stored as the feed gave it


def test_feeds_and_api_carry_the_decoded_text(client, escaped_article):
    rss = ET.fromstring(client.get(reverse("articles:latest-feed")).content)
    item = rss.find("channel/item")
    assert item.findtext("title") == "R&D spending <remains tight>"
    # The description is HTML: the decoded text, escaped once, so a reader shows it as text.
    assert item.findtext("description") == "Budgets &amp; plans: &lt;script&gt;alert(1)&lt;/script&gt; stays text"
    data = json.loads(client.get("/api/v1/articles/").content)
    first = data["results"][0] if "results" in data else data["data"][0]
    assert first["title"] == "R&D spending <remains tight>"
    assert first["provider"]["name"] == "Smith & Sons"


def test_cards_show_an_absolute_date_beside_the_relative_one_and_the_feed_language(client, escaped_article):
    page = client.get(reverse("articles:home")).content.decode()
    local = escaped_article.published_at
    assert '<time datetime="' in page
    assert f"{local.day} {local:%b %Y}</time>" in page
    assert "ago)" in page or "now)" in page
    assert 'class="card__title" lang="fr"' in page
    article_page = client.get(escaped_article.get_absolute_url()).content.decode()
    assert 'class="story__title" lang="fr"' in article_page
    assert '<html lang="en">' in article_page


def test_no_language_or_a_malformed_one_adds_no_lang(client):
    make_article("Plain one", extra={"language": "<x>"})
    page = client.get(reverse("articles:home")).content.decode()
    assert 'card__title" lang=' not in page


def test_provider_page_names_the_outlet_decoded(client, escaped_article):
    page = client.get(escaped_article.provider.get_absolute_url()).content.decode()
    # Decoded, then isolated from the text around it (<bdi>).
    assert "<h1><bdi>Smith &amp; Sons</bdi></h1>" in page and "&amp;amp;" not in page


@pytest.fixture
def escaped_topic():
    return make_article("Lab budgets", topics=["R&amp;D"], provider=make_provider("Lab News", "lab.example"))


def test_topic_names_are_decoded_on_pages(client, escaped_topic):
    """A topic the feed named "R&amp;D" reads "R&D" wherever readers see it: escaped once, never double."""
    slug = escaped_topic.topic_links.get().tag.slug
    topic_url = reverse("articles:topic-detail", kwargs={"slug": slug})
    for url in (reverse("articles:home"), reverse("articles:topic-list"), escaped_topic.get_absolute_url(),
                topic_url, reverse("articles:feed-list") + f"?topic={slug}"):
        page = client.get(url).content.decode()
        assert "<bdi>R&amp;D</bdi>" in page, url
        assert "&amp;amp;" not in page, url
    assert "<title>\u2068R&amp;D\u2069" in client.get(topic_url).content.decode()
    assert escaped_topic.topic_links.get().tag.name == "R&amp;D"  # stored as the feed gave it


def test_topic_names_are_decoded_in_feeds_and_the_api(client, escaped_topic):
    slug = escaped_topic.topic_links.get().tag.slug
    rss = ET.fromstring(client.get(reverse("articles:latest-feed")).content)
    assert rss.find("channel/item").findtext("category") == "R&D"
    topic_feed = ET.fromstring(client.get(reverse("articles:topic-feed", kwargs={"slug": slug})).content)
    assert topic_feed.findtext("channel/title") == "Newsroom: R&D"
    atom = ET.fromstring(client.get(reverse("articles:topic-atom", kwargs={"slug": slug})).content)
    assert atom.findtext("{http://www.w3.org/2005/Atom}subtitle") == "The latest articles about R&D on Newsroom."
    article = json.loads(client.get("/api/v1/articles/").content)
    first = article["results"][0] if "results" in article else article["data"][0]
    assert [t["name"] for t in first["topics"]] == ["R&D"]
    topic = json.loads(client.get(f"/api/v1/topics/{slug}/").content)
    assert topic["name"] == "R&D"
    topics = json.loads(client.get("/api/v1/topics/").content)
    assert [t["name"] for t in topics.get("results", topics.get("data", []))] == ["R&D"]
