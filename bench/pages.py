#!/usr/bin/env python3
"""Time the reader pages, the content API and the editors' dashboard in-process with
django.test.Client; count their queries.

    DATABASE_URL=... python bench/pages.py --requests 200 --json OUT.json

Run by bench/run.py in a subprocess whose environment points at a benchmark database.
A page whose URL name does not exist yet (the reader site is built on another branch)
is reported as missing rather than failing the run.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
# Time the views, not the page cache (every request after the first would be a hit), and
# answer the test client's plain-http requests instead of redirecting them to https.
os.environ.setdefault("NEWSROOM_PAGE_CACHE_SECONDS", "0")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
# One client makes every request: the content API's per-address limit would refuse most of them.
os.environ.setdefault("NEWSROOM_API_REQUESTS_PER_MINUTE", "0")

# The process as a gunicorn worker runs it: Django set up, the URLconf loaded, what is loaded
# kept out of the collector's full passes (newsroom/wsgi.py).
import newsroom.wsgi  # noqa: E402, F401

from django.db import connection  # noqa: E402
from django.db.models import Count, Subquery  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles.api.pagination import Cursor  # noqa: E402
from articles.models import Article, ArticleTopic  # noqa: E402

SEARCH_WORD = "vaccine"  # one word of the generator's vocabulary: in a few percent of titles, most bodies
# A typo of it: found nothing, so the page corrects it through the vocabulary and searches "vaccine".
SEARCH_TYPO = "vacine"
# A word inside a run of Japanese (the generator's title bit 北京の市場): the character-pair path.
SEARCH_CJK = "市場"
PAGE_NAMES = ("home", "topic p1", "topic p200", "topic archive", "provider", "article", "search", "search typo",
              "search CJK", "topic feed", "api list", "api list deep", "api detail", "admin index")
API_DEPTH = 5000  # how many articles "api list deep" starts after (half the corpus when it is smaller)
SEARCH_PAGES = ("search", "search typo", "search CJK")
ADMIN_PAGES = ("admin index",)  # requested by a logged-in superuser (made in the bench database)
BENCH_ADMIN = "bench-admin"


def targets():
    """Page name -> URL (or None when the view does not exist yet)."""
    largest = (
        ArticleTopic.objects.values("tag__slug").annotate(n=Count("id")).order_by("-n", "tag__slug").first()
    )
    slug = largest["tag__slug"] if largest else "ai"
    biggest_provider = (
        Article.objects.published().values("provider__domain").annotate(n=Count("id"))
        .order_by("-n", "provider__domain").first()
    )
    domain = biggest_provider["provider__domain"] if biggest_provider else "example.com"
    # A full article (images, related coverage, topics), the same file in every corpus made with
    # the same seed, so that its query count compares across corpus sizes.
    # Looked for among the first 2,000 published articles only: the same answer, without
    # counting the images of a million articles.
    first_ids = Article.objects.published().order_by("id").values("id")[:2000]
    article = (
        Article.objects.published()
        .filter(pk__in=Subquery(first_ids))
        .annotate(n_images=Count("images", distinct=True), n_related=Count("related_links", distinct=True),
                  n_topics=Count("topic_links", distinct=True))
        .filter(n_images__gte=1, n_related__gte=2, n_topics__gte=2)
        .order_by("id")
        .first()
    )

    # The topic's oldest month with a public article: a date archive from years back.
    oldest = (
        ArticleTopic.objects.public().filter(tag__slug=slug).order_by("article_published_at")
        .values_list("article_published_at", flat=True).first()
    )
    oldest = timezone.localtime(oldest) if oldest else None

    def url(name, *args, query=""):
        try:
            return reverse(f"articles:{name}", args=args) + query
        except NoReverseMatch:
            return None

    try:
        article_url = article.get_absolute_url() if article else None
    except NoReverseMatch:
        article_url = None

    def api(name, *args, query=""):
        try:
            return reverse(f"api:{name}", args=args) + query
        except NoReverseMatch:
            return None

    deep = Article.objects.published().latest().only("published_at")[
        min(API_DEPTH, Article.objects.published().count() // 2):].first()
    cursor = Cursor("latest", False, deep.published_at, deep.pk).encode() if deep else None
    return {
        "home": url("home"),
        "topic p1": url("topic-detail", slug),
        "topic p200": url("topic-detail", slug, query="?page=200"),
        "provider": url("provider-detail", domain),
        "article": article_url,
        "search": url("search", query=f"?q={SEARCH_WORD}"),
        "search typo": url("search", query=f"?q={SEARCH_TYPO}"),
        "search CJK": url("search", query="?q=" + quote(SEARCH_CJK)),
        "topic archive": url("topic-archive-month", slug, oldest.year, oldest.month) if oldest else None,
        "topic feed": url("topic-feed", slug),
        "api list": api("article-list"),
        "api list deep": api("article-list", query=f"?cursor={cursor}") if cursor else None,
        "api detail": api("article-detail", article.pk) if article else None,
        "admin index": reverse("admin:index"),
    }


def admin_client():
    """A client logged in as a superuser of the bench database (created the first time)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=BENCH_ADMIN).first()
    if user is None:
        user = get_user_model().objects.create_superuser(BENCH_ADMIN, "bench@example.invalid", None)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def measure(client, url, requests, max_seconds=20.0):
    for _ in range(3):  # warm caches and the template loader first
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    result = {"url": url, "status": response.status_code, "queries": len(queries), "bytes": len(response.content)}
    if response.status_code != 200 or not requests:
        return result
    times, cpu_times = [], []
    deadline = time.perf_counter() + max_seconds
    for _ in range(requests):
        if len(times) >= 20 and time.perf_counter() > deadline:
            break  # a page far over its target: 20+ requests tell enough, and the run stays bounded
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        # CPU time of this process (view, ORM, in-process SQLite): steadier than wall time on a
        # machine other jobs are loading.
        cpu_times.append((time.process_time() - cpu_started) * 1000)
        if response.status_code != 200:
            result["status"] = response.status_code
            break
    times.sort()
    cpu_times.sort()
    result.update(
        requests=len(times),
        median_ms=statistics.median(times),
        p95_ms=times[max(0, int(round(0.95 * len(times))) - 1)],
        max_ms=times[-1],
        cpu_median_ms=statistics.median(cpu_times),
        cpu_p95_ms=cpu_times[max(0, int(round(0.95 * len(cpu_times))) - 1)],
    )
    return result


def last_page(client, url):
    """The highest page number up to 200 that answers 200 (binary search: about 8 requests)."""
    low, high = 1, 200
    while low < high:
        middle = (low + high + 1) // 2
        if client.get(url.replace("page=200", f"page={middle}")).status_code == 200:
            low = middle
        else:
            high = middle - 1
    return low


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="Timed requests per page (0: query counts only).")
    parser.add_argument("--max-seconds", type=float, default=20.0,
                        help="Stop timing a page after this long (once it has 20 requests).")
    parser.add_argument("--json", required=True, help="Where to write the results.")
    parser.add_argument("--pages", default="",
                        help="Only these pages (comma-separated names; 'search': the search pages).")
    args = parser.parse_args()
    client = Client(raise_request_exception=False)  # a failing view is a result, not a crash
    editor = None
    results = {"articles": Article.objects.count(), "published": Article.objects.published().count(), "pages": {}}
    wanted = {n.strip() for n in args.pages.split(",") if n.strip()}
    if "search" in wanted:
        wanted |= set(SEARCH_PAGES)
    for name, url in targets().items():
        if wanted and name not in wanted:
            continue
        if url is None:
            results["pages"][name] = {"url": None, "status": None}
            continue
        if name == "topic p200" and client.get(url).status_code == 404:
            # A small corpus has fewer than 200 pages: measure its last page instead.
            url = url.replace("page=200", f"page={last_page(client, url)}")
        if name in ADMIN_PAGES:
            editor = editor or admin_client()
        result = measure(editor if name in ADMIN_PAGES else client, url, args.requests, args.max_seconds)
        results["pages"][name] = result
    Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
