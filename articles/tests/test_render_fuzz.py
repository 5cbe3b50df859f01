"""The render fuzz: thousands of hostile-but-valid articles, imported by the real importer, and
every page type rendered for them, with no error and every render within its budget.

NEWSROOM_FUZZ_ARTICLES sets the count (5,000 by default), NEWSROOM_FUZZ_SEED the seed (a new
one each run, printed when something fails).
"""

import os
import random
import re
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.db.models import Count
from django.urls import reverse
from taggit.models import Tag

from articles.importer import import_paths
from articles.models import Article, ArticleTopic, Provider

from . import render_fuzz

COUNT = int(os.environ.get("NEWSROOM_FUZZ_ARTICLES", "1000"))
SEED = int(os.environ.get("NEWSROOM_FUZZ_SEED") or random.randrange(1_000_000))
# Seconds one page may take on the shared two-core machine (a normal page takes 5-50 ms).
PAGE_BUDGET = 2.0

class ScriptFinder(HTMLParser):
    """What in a page would run script: handler attributes, script-scheme links, script
    elements other than the page's own JSON-LD, and elements pages never use."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            elif name in ("href", "src", "action", "formaction") and re.match(
                r"\s*(javascript|data|vbscript):", value or "", re.IGNORECASE
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag in ("svg", "math", "style", "object", "embed", "base") or (
            tag == "script" and dict(attrs).get("type") != "application/ld+json"
        ):
            self.found.append(f"<{tag}>")


def script_in(html):
    finder = ScriptFinder()
    finder.feed(html)
    return finder.found


pytestmark = pytest.mark.django_db(transaction=False)


class Pages:
    """GET pages through the test client (the full middleware stack; the page cache is off in
    tests), checking status, time and safety of each."""

    def __init__(self, client):
        self.client = client
        self.count = 0
        self.slowest = (0.0, "")

    def get(self, url, *, xml=False, status=200):
        started = time.monotonic()
        response = self.client.get(url)
        elapsed = time.monotonic() - started
        self.count += 1
        self.slowest = max(self.slowest, (elapsed, url))
        where = f"{url} (seed {SEED})"
        assert response.status_code == status, where
        assert elapsed < PAGE_BUDGET, f"{where}: {elapsed:.2f}s"
        if status != 200:
            return response
        content = response.content.decode()
        if xml:
            ET.fromstring(response.content)  # well-formed, whatever the names hold
        else:
            found = script_in(content)
            assert not found, f"{where}: {found}"
        return response


def test_every_page_renders_every_hostile_article(tmp_path, client):
    started = time.monotonic()
    render_fuzz.write_corpus(tmp_path, COUNT, seed=SEED)
    report = import_paths([tmp_path], workers=2)
    assert report.refused == [], f"seed {SEED}: {report.refused[:3]}"
    assert report.created == COUNT
    over_budget = [w for w in report.warnings if ": body: " in w]
    assert len(over_budget) == 3 and all("shown as plain text" in w for w in over_budget), over_budget
    imported = time.monotonic()

    pages = Pages(client)
    pages.get("/")
    for sort in ("", "?sort=count", "?sort=name"):
        pages.get(f"/topics/{sort}")

    topics = list(Tag.objects.annotate(n=Count("articles_articletopic_items")).filter(n__gt=0))
    assert all(t.slug for t in topics)
    public = Article.objects.published()
    # A topic or outlet without a public article has no page (404), as on the readers' site.
    with_public = set(ArticleTopic.objects.filter(content_object__in=public).values_list("tag_id", flat=True))
    for topic in topics:
        url = reverse("articles:topic-detail", kwargs={"slug": topic.slug})
        if topic.pk not in with_public:
            pages.get(url, status=404)
            continue
        pages.get(url)
        pages.get(f"{url}?sort=trending")
        pages.get(reverse("articles:topic-feed", kwargs={"slug": topic.slug}), xml=True)
        pages.get(reverse("articles:topic-atom", kwargs={"slug": topic.slug}), xml=True)
    for provider in Provider.objects.filter(articles__isnull=False).distinct():
        shown = public.filter(provider=provider).exists()
        pages.get(provider.get_absolute_url(), status=200 if shown else 404)

    for query in ["Plain", "🤖", "<script>", "evil\u202eelpmaxe", '"quoted', "AND OR NOT", "*", "-x", "NEAR(a b)",
                  "東京", "x" * 300, "%", "_", "'", "\\"]:
        pages.get(f"/search/?q={query}")
    for feed in ("/feed/", "/feed/atom/"):
        pages.get(feed, xml=True)
    index = pages.get("/sitemap.xml", xml=True)
    for location in ET.fromstring(index.content).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
        pages.get("/" + location.text.split("://", 1)[1].split("/", 1)[1], xml=True)

    for article in Article.objects.only("pk", "slug", "is_published", "published_at").iterator(chunk_size=1000):
        pages.get(article.get_absolute_url(), status=200 if article.is_public else 404)

    finished = time.monotonic()
    print(f"\nrender fuzz (seed {SEED}): {COUNT:,} articles imported in {imported - started:.1f}s; "
          f"{pages.count:,} pages in {finished - imported:.1f}s; slowest {pages.slowest[0]:.3f}s {pages.slowest[1]}")
