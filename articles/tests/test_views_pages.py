"""The pages a news site has: outlets, outlet feeds, a topic's date archive, breadcrumbs,
"more from this topic", the current section in the menu, and a feed page for people."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.urls import reverse
from django.utils import timezone

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def text(response):
    return response.content.decode()


def test_provider_list_counts_public_articles_a_to_z_and_by_size(client):
    zeta, alpha = make_provider("Zeta News", "zeta.example"), make_provider("Alpha &amp; Co", "alpha.example")
    hidden = make_provider("Only Drafts", "drafts.example")
    for _ in range(3):
        make_article(provider=zeta)
    make_article(provider=alpha)
    make_article(provider=alpha, published=False)
    make_article(provider=hidden, published=False)
    make_article(provider=hidden, published_at=timezone.now() + timedelta(days=1))

    page = text(client.get(reverse("articles:provider-list")))
    assert page.index("Alpha &amp; Co") < page.index("Zeta News")
    assert "Only Drafts" not in page and "&amp;amp;" not in page
    assert 'Alpha &amp; Co</bdi></a> <span class="count">1</span>' in page
    assert 'Zeta News</bdi></a> <span class="count">3</span>' in page
    by_size = text(client.get(reverse("articles:provider-list"), {"sort": "size"}))
    assert by_size.index("Zeta News") < by_size.index("Alpha &amp; Co")


def test_provider_list_query_count_is_fixed(client, django_assert_num_queries):
    for i in range(10):
        make_article(provider=make_provider(f"Outlet {i}", f"o{i}.example"))
    with django_assert_num_queries(1):
        client.get(reverse("articles:provider-list"))


def test_provider_feeds_list_its_public_articles_and_are_advertised(client):
    outlet = make_provider("Pulse Health Weekly", "pulse.example")
    make_article("Outlet story", provider=outlet)
    make_article("Outlet draft", provider=outlet, published=False)
    make_article("Someone else's story")
    rss = ET.fromstring(client.get(reverse("articles:provider-feed", kwargs={"domain": "pulse.example"})).content)
    assert [i.findtext("title") for i in rss.iter("item")] == ["Outlet story"]
    assert rss.findtext("channel/title") == "Newsroom: Pulse Health Weekly"
    atom = ET.fromstring(client.get(reverse("articles:provider-atom", kwargs={"domain": "pulse.example"})).content)
    assert [e.findtext(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")] == ["Outlet story"]
    page = text(client.get(outlet.get_absolute_url()))
    assert 'type="application/rss+xml" title="Newsroom: \u2068Pulse Health Weekly\u2069 (RSS)" href="/providers/pulse.example/feed/"' in page
    assert 'href="/providers/pulse.example/feed/atom/"' in page


def test_provider_feed_of_an_outlet_without_public_articles_is_404(client):
    make_article(provider=make_provider("Drafty", "drafty.example"), published=False)
    assert client.get(reverse("articles:provider-feed", kwargs={"domain": "drafty.example"})).status_code == 404
    assert client.get(reverse("articles:provider-feed", kwargs={"domain": "nobody.example"})).status_code == 404


def at(year, month, day=15):
    return datetime(year, month, day, 12, tzinfo=dt_timezone.utc)


def test_topic_archive_lists_a_month_and_a_year_and_the_topic_page_links_them(client):
    make_article("November story", topics=["Budget"], published_at=at(2026, 11))
    make_article("October story", topics=["Budget"], published_at=at(2026, 10))
    make_article("Old story", topics=["Budget"], published_at=at(2019, 3))
    make_article("November draft", topics=["Budget"], published_at=at(2026, 11, 2), published=False)
    make_article("Other topic", topics=["Sport"], published_at=at(2026, 11))

    month = text(client.get("/topics/budget/2026/11/"))
    assert "November story" in month
    assert "October story" not in month and "November draft" not in month and "Other topic" not in month
    assert "<h1><bdi>Budget</bdi>: November 2026</h1>" in month
    assert 'href="/topics/budget/2026/10/"' in month  # the year's other months

    year = text(client.get("/topics/budget/2026/"))
    assert year.index("November story") < year.index("October story")
    assert "Old story" not in year

    assert 'href="/topics/budget/2026/11/">November</a> <span class="count">1</span>' in year
    assert 'href="/topics/budget/2026/9/"' not in year  # a month without articles is not offered

    topic_page = text(client.get("/topics/budget/"))
    assert 'href="/topics/budget/2026/">2026</a>' in topic_page
    assert 'href="/topics/budget/2019/">2019</a>' in topic_page
    # The years between have no article of the topic: not offered (each would be a 404).
    assert not any(f'href="/topics/budget/{year}/"' in topic_page for year in range(2020, 2026))


@pytest.mark.parametrize("url", [
    "/topics/budget/2025/", "/topics/budget/2026/13/", "/topics/budget/2026/0/", "/topics/budget/0/",
    "/topics/nothing/2026/", "/topics/budget/2026/11/?page=2",
])
def test_topic_archive_404s_for_empty_or_impossible_periods(client, url):
    make_article(topics=["Budget"], published_at=at(2026, 11))
    assert client.get(url).status_code == 404


def test_topic_archive_query_count_is_fixed(client, django_assert_num_queries):
    for i in range(25):
        make_article(topics=["Budget", f"T{i}"], published_at=at(2026, 11, 1 + i % 28),
                     images=[("https://img.example/a.jpg", 10, 10)])
    # The months' counts: the year's first and last dates, then one count per month in one query.
    with django_assert_num_queries(8):
        assert client.get("/topics/budget/2026/11/", {"page": 2}).status_code == 200


def test_article_page_has_a_breadcrumb_and_more_from_its_first_topic(client):
    article = make_article("The story itself", topics=["Budget", "Tax"])
    make_article("Another budget story", topics=["Budget"])
    make_article("A tax-only story", topics=["Tax"])
    make_article("A budget draft", topics=["Budget"], published=False)
    page = text(client.get(article.get_absolute_url()))
    crumbs = page[page.index('aria-label="Breadcrumb"'):page.index("</nav>", page.index('aria-label="Breadcrumb"'))]
    assert 'href="/topics/budget/"><bdi>Budget</bdi></a>' in crumbs and 'aria-current="page">The story itself' in crumbs
    more = page[page.index('id="more-from-heading"'):]
    assert "Another budget story" in more
    assert "A tax-only story" not in more and "A budget draft" not in more
    assert more.count("The story itself") == 0


def test_the_menu_marks_the_current_section(client):
    article = make_article(topics=["Budget"], provider=make_provider("Outlet", "outlet.example"))

    def current(url):
        page = text(client.get(url))
        nav = page[page.index('class="site-nav"'):page.index("</nav>", page.index('class="site-nav"'))]
        return [label for label in ("Today", "Topics", "Outlets") if f'aria-current="page">{label}' in nav
                or f'aria-current="true">{label}' in nav]

    assert current("/") == ["Today"]
    assert current("/topics/") == ["Topics"]
    assert current("/topics/budget/") == ["Topics"]
    assert current(f"/topics/budget/{article.published_at.year}/") == ["Topics"]
    assert current("/providers/") == ["Outlets"]
    assert current("/providers/outlet.example/") == ["Outlets"]


def test_feed_page_is_for_people_and_links_every_feed(client):
    make_article(topics=["Budget"], provider=make_provider("Outlet", "outlet.example"))
    page = text(client.get(reverse("articles:feed-list")))
    assert "<h1>Feeds</h1>" in page
    assert 'href="/feed/"' in page and "http://testserver/feed/atom/" in page
    topic = text(client.get(reverse("articles:feed-list"), {"topic": "budget"}))
    assert "http://testserver/topics/budget/feed/" in topic and "http://testserver/feed/" in topic
    outlet = text(client.get(reverse("articles:feed-list"), {"provider": "outlet.example"}))
    assert "http://testserver/providers/outlet.example/feed/atom/" in outlet
    assert client.get(reverse("articles:feed-list"), {"topic": "unknown"}).status_code == 404
    # The site's footer and the topic page send people here, not to raw XML.
    home = text(client.get("/"))
    assert 'href="/feeds/"' in home
    assert 'href="/feeds/?topic=budget"' in text(client.get("/topics/budget/"))
