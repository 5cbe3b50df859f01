"""Article cards: the shortcuts they take give exactly what reverse() and the template filters give."""

import pytest
from django.template.defaultfilters import truncatechars
from django.urls import NoReverseMatch, reverse, set_script_prefix

from articles.cards import Reverser, cards, fetch_parts, truncate_chars

from .factories import make_article, make_provider, make_topic

ODD_VALUES = [
    "plain", "-", "機械学習", "café", "a b", "50%", "what?", "a#b", "R&D", "c++", "it's", "~tilde", "x=1;y",
    "emoji-🚀", "%2F", "mixed:colon@at", "e\u0301",
]


@pytest.fixture
def script_prefix():
    yield
    set_script_prefix("/")


@pytest.mark.parametrize("prefix", ["/", "/news/", "/n%C3%A9ws/"])
def test_reverser_gives_what_reverse_gives(prefix, script_prefix):
    set_script_prefix(prefix)
    article = Reverser("articles:article-detail", pk=918273645, slug="marker")
    topic = Reverser("articles:topic-detail", slug="marker")
    provider = Reverser("articles:provider-detail", domain="marker")
    for value in ODD_VALUES:
        assert article(pk=7, slug=value) == reverse("articles:article-detail", kwargs={"pk": 7, "slug": value})
        assert topic(slug=value) == reverse("articles:topic-detail", kwargs={"slug": value})
        assert provider(domain=value) == reverse("articles:provider-detail", kwargs={"domain": value})


@pytest.mark.parametrize("value", ["", "a/b"])
def test_reverser_refuses_what_reverse_refuses(value):
    with pytest.raises(NoReverseMatch):
        Reverser("articles:topic-detail", slug="marker")(slug=value)


@pytest.mark.parametrize("text", [
    "short", "x" * 240, "x" * 241, "word " * 100, "e\u0301" * 240, "e\u0301" * 241, "Ａ" * 300, "a\u0300b" * 120,
    "q\u0307" * 200, "x" * 238 + "\u0301" * 3 + "yz", "x" * 239 + "q\u0307" + "y" * 5, "x" * 241 + "\u2026", "🙂" * 250,
])
def test_truncate_chars_is_the_truncatechars_filter(text):
    assert truncate_chars(text, 240) == truncatechars(text, 240)


@pytest.mark.django_db
def test_card_links_and_times_match_the_models():
    """A card's links are the models' own URLs; an article without a date or excerpt shows none."""
    provider = make_provider("Café Times", "café.example")
    article = make_article("Über news", provider=provider, topics=["機械学習"], excerpt="x" * 300)
    bare = make_article("No date", provider=provider, excerpt="")
    bare.published_at = None
    (card,) = cards([article])
    assert card["url"] == article.get_absolute_url()
    assert card["provider_url"] == provider.get_absolute_url()
    assert card["topics"] == [{"url": reverse("articles:topic-detail", kwargs={"slug": make_topic("機械学習").slug}),
                               "name": "機械学習"}]
    assert card["excerpt"] == "x" * 239 + "…"
    (bare_card,) = cards([bare])
    assert bare_card["published_iso"] == bare_card["published_ago"] == bare_card["excerpt"] == ""


@pytest.mark.django_db
def test_fetch_parts_gives_the_first_image_and_every_topic_in_order(django_assert_num_queries):
    """Two queries for any number of articles; an article without images or topics gets none."""
    from articles.models import Article, Image

    first = make_article(topics=["Zebra", "Apple", "Mango"],
                         images=[("https://img.example/1.jpg", 10, 20), ("https://img.example/2.jpg", 30, 40)])
    Image.objects.filter(article=first, position=0).update(position=5)  # the second image now leads
    bare = make_article()
    articles = list(Article.objects.with_cards().filter(pk__in=[first.pk, bare.pk]).order_by("pk"))
    with django_assert_num_queries(2):
        fetch_parts(articles)
    assert articles[0].card_image.src == "https://img.example/2.jpg"
    assert (articles[0].card_image.width, articles[0].card_image.height) == (30, 40)
    assert [name for name, _ in articles[0].card_topics] == ["Zebra", "Apple", "Mango"]
    assert articles[1].card_image is None and articles[1].card_topics == []
