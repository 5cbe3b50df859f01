"""The search results page: highlighted snippets, filters (topic, outlet, dates), sort, compact rows."""

from datetime import datetime
from datetime import timezone as dt_timezone

import re

import pytest

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def day(month, d):
    return datetime(2026, month, d, 12, tzinfo=dt_timezone.utc)


@pytest.fixture
def corpus():
    pulse, other = make_provider("Pulse Weekly", "pulse.example"), make_provider("Other Desk", "other.example")
    return {
        "old": make_article("Quantum chips, the early days", provider=pulse, topics=["Chips"], published_at=day(3, 1),
                            excerpt="Before the <b>quantum</b> boom, R&amp;D labs were small."),
        "new": make_article("Quantum networks go live", provider=other, topics=["Networks"], published_at=day(11, 20),
                            excerpt="A city-wide quantum network opens."),
        "mid": make_article("Budget review", provider=pulse, topics=["Chips"], published_at=day(7, 5),
                            excerpt="Funding for quantum research rises."),
        "draft": make_article("Quantum draft", provider=pulse, topics=["Chips"], published=False),
    }


def titles(page):
    return [re.sub(r"</?mark>", "", t) for t in re.findall(r'<h2 class="result__title"><a href="[^"]+">(.*?)</a>', page)]


def test_results_are_compact_rows_with_marked_snippets_escaped_first(client, corpus):
    page = text(client.get("/search/", {"q": "quantum"}))
    assert "Quantum draft" not in page
    assert "<mark>Quantum</mark> chips, the early days" in page
    # The excerpt's "<b>" is text, its reference decoded then escaped once; only our <mark> is markup.
    assert "Before the &lt;b&gt;<mark>quantum</mark>&lt;/b&gt; boom, R&amp;D labs were small." in page
    assert "<b>" not in page and "&amp;amp;" not in page
    assert 'class="card__media"' not in page and "<img" not in page.split("<main", 1)[1]


def test_filters_by_topic_outlet_and_dates(client, corpus):
    assert titles(text(client.get("/search/", {"q": "quantum", "topic": "chips"}))) == [
        "Quantum chips, the early days", "Budget review"]
    assert titles(text(client.get("/search/", {"q": "quantum", "provider": "other.example"}))) == [
        "Quantum networks go live"]
    in_range = titles(text(client.get("/search/", {"q": "quantum", "since": "2026-07-05", "until": "2026-11-20"})))
    assert set(in_range) == {"Budget review", "Quantum networks go live"}
    assert titles(text(client.get("/search/", {"q": "quantum", "until": "2026-03-01"}))) == [
        "Quantum chips, the early days"]


def test_the_filters_offer_the_matches_topics_and_outlets_with_counts(client, corpus):
    make_article("Gardening tips", topics=["Gardens"], provider=make_provider("Garden Post", "garden.example"))
    page = text(client.get("/search/", {"q": "quantum"}))
    assert '<option value="chips">\u2068Chips\u2069 (2)</option>' in page
    assert '<option value="pulse.example">\u2068Pulse Weekly\u2069 (2)</option>' in page
    assert "Gardens" not in page and "Garden Post" not in page
    chosen = text(client.get("/search/", {"q": "quantum", "topic": "chips"}))
    assert '<option value="chips" selected>' in chosen and "Clear filters" in chosen


def test_sort_by_newest_or_relevance(client, corpus):
    newest = titles(text(client.get("/search/", {"q": "quantum", "sort": "newest"})))
    assert newest == ["Quantum networks go live", "Budget review", "Quantum chips, the early days"]
    relevance = titles(text(client.get("/search/", {"q": "quantum"})))
    assert relevance[-1] == "Budget review"  # a title match ranks above an excerpt match


def test_a_backwards_date_range_is_an_error_not_a_crash(client, corpus):
    response = client.get("/search/", {"q": "quantum", "since": "2026-12-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in text(response)
    assert client.get("/search/", {"q": "quantum", "since": "not-a-date"}).status_code == 200


def test_search_page_query_count_with_filters_is_fixed(client, corpus, django_assert_num_queries):
    # Six: find()'s count and, as the filters leave fewer than three matches, its look-up of the query's
    # words in the vocabulary (a typo?); then the ranked ids, the rows, the topic and outlet counts.
    with django_assert_num_queries(6):
        client.get("/search/", {"q": "quantum", "topic": "chips", "provider": "pulse.example", "sort": "newest",
                                "since": "2026-01-01"})


def test_did_you_mean_keeps_the_filters_and_order_chosen(client, corpus):
    """Following "Did you mean quantum?" keeps the topic, outlet, dates and order; the page starts again."""
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    chosen = {"topic": "chips", "provider": "pulse.example", "since": "2026-01-01", "until": "2026-12-31", "sort": "newest"}
    page = text(client.get("/search/", {"q": "quantam", **chosen, "page": "1"}))
    link = re.search(r'Did you mean <a href="([^"]+)">quantum</a>\?', page)
    assert link, page
    url = urlsplit(unescape(link.group(1)))
    assert url.path == "/search/"
    assert parse_qs(url.query) == {"q": ["quantum"], **{key: [value] for key, value in chosen.items()}}
    followed = text(client.get(unescape(link.group(1))))
    assert titles(followed) == ["Budget review", "Quantum chips, the early days"]  # Pulse's Chips, newest first
