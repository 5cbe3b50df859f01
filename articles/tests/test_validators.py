"""What independent validators flag, checked here: no empty form action, no sandbox that cannot
hold, complete article JSON-LD (VideoObject for videos), og:image everywhere, sitemap lastmod
from changes (test_sitemaps.py), and compressed public HTML that is never a page with a secret."""

import gzip
import json
import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

from .factories import make_article, make_provider

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


def json_ld(page):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))


def og_image(page):
    found = re.findall(r'<meta property="og:image" content="([^"]*)">', page)
    assert len(found) == 1, found
    return found[0]


def test_no_page_has_an_empty_form_action(client):
    make_article(topics=["Budget"], provider=make_provider("Outlet", "outlet.example"))
    for url in ("/", "/topics/", "/topics/budget/", "/providers/", "/providers/outlet.example/", "/search/?q=x",
                "/feeds/"):
        page = text(client.get(url))
        assert 'action=""' not in page, url
    assert 'action="/topics/budget/"' in text(client.get("/topics/budget/"))


def test_video_frames_are_not_sandboxed_with_scripts_and_same_origin_together(client):
    video = make_article("A clip", item_type="video", web_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                         images=[("https://img.example/thumb.jpg", 640, 360)], excerpt="The clip.")
    page = text(client.get(video.get_absolute_url()))
    frame = re.search(r"<iframe[^>]*>", page).group()
    assert not ("allow-scripts" in frame and "allow-same-origin" in frame)
    data = json_ld(page)
    assert data["video"] == {
        "@type": "VideoObject", "name": "A clip", "description": "The clip.",
        "embedUrl": "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "uploadDate": data["datePublished"], "thumbnailUrl": ["https://img.example/thumb.jpg"],
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    }


def test_article_json_ld_names_page_author_and_modification(client):
    outlet = make_provider("Pulse Health Weekly", "pulse.example")
    article = make_article("A story", provider=outlet, age=timedelta(days=10))
    data = json_ld(text(client.get(article.get_absolute_url())))
    url = "http://testserver" + article.get_absolute_url()
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["author"] == {"@type": "Organization", "name": "Pulse Health Weekly",
                              "url": "http://testserver/providers/pulse.example/"}
    # Stored once, never edited: it changed when it was published, not when it was imported.
    assert data["dateModified"] == timezone.localtime(article.published_at).isoformat()
    assert "video" not in data
    edited = (timezone.now() + timedelta(minutes=5)).replace(microsecond=0)
    Article.objects.filter(pk=article.pk).update(updated_at=edited)
    data = json_ld(text(client.get(article.get_absolute_url())))
    assert data["dateModified"] == timezone.localtime(edited).isoformat()


def test_home_topic_and_article_pages_have_an_og_image(client):
    with_image = make_article("Pictured", topics=["Budget"], images=[("https://img.example/lead.jpg", 1200, 630)])
    plain = make_article("Unpictured", topics=["Sport"])
    assert og_image(text(client.get("/"))) == "https://img.example/lead.jpg"
    assert og_image(text(client.get("/topics/budget/"))) == "https://img.example/lead.jpg"
    assert og_image(text(client.get(with_image.get_absolute_url()))) == "https://img.example/lead.jpg"
    default = og_image(text(client.get("/topics/sport/")))
    assert default.startswith("http://testserver/static/") and default.endswith("og-default.png")
    assert og_image(text(client.get(plain.get_absolute_url()))) == default
    assert og_image(text(client.get("/topics/"))) == default
    assert finders.find("img/og-default.png")


def test_public_html_is_compressed(client):
    make_article("A story to compress " * 5, topics=["Budget"])
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "A story to compress" in gzip.decompress(response.content).decode()
    assert "Accept-Encoding" in response["Vary"]
    feed = client.get(reverse("articles:latest-feed"), HTTP_ACCEPT_ENCODING="gzip")
    assert feed["Content-Encoding"] == "gzip"
    # The content API keeps its own ETags and answers as its clients ask.
    assert not client.get("/api/v1/articles/", HTTP_ACCEPT_ENCODING="gzip").has_header("Content-Encoding")


def test_pages_with_a_secret_are_never_compressed(client, admin_client):
    """BREACH: a signed-in page or one with a CSRF token is sent as is."""
    article = make_article("Staff see this " * 5)
    assert not admin_client.get(article.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip").has_header(
        "Content-Encoding")
    assert not admin_client.get(reverse("admin:index"), HTTP_ACCEPT_ENCODING="gzip").has_header("Content-Encoding")
    login = client.get(reverse("admin:login"), HTTP_ACCEPT_ENCODING="gzip")
    assert "csrfmiddlewaretoken" in text(login)
    assert not login.has_header("Content-Encoding")
