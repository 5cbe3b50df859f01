#!/usr/bin/env python3
"""Which library to build the content API on: the same list endpoint three ways, timed.

    pip install --target /tmp/ninja django-ninja
    pip install --target /tmp/drf djangorestframework drf-spectacular
    DATABASE_URL=sqlite:///bench.sqlite3 PYTHONPATH=/tmp/ninja:/tmp/drf python bench/api_libraries.py

The database holds an imported corpus (bench/make_corpus.py, then import_articles). Each variant
answers GET /?limit=N with the same N newest public articles (same queries, same fields, nested
provider, topics and images) through Django's test client: plain JsonResponse, django-ninja
(a pydantic response schema) and Django REST framework (nested serializers). The difference
between them is what the library costs on every request. The result is in docs/dependencies.md.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

django.setup()

from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import path  # noqa: E402

from articles.models import Article, ArticleTopic, Image  # noqa: E402


def page(limit):
    """The same rows for every variant: a list of dicts, three queries."""
    articles = list(Article.objects.published().latest().select_related("provider")[:limit])
    ids = [a.pk for a in articles]
    topics, images = {}, {}
    for article_id, name, slug in ArticleTopic.objects.filter(content_object_id__in=ids).order_by(
            "position", "pk").values_list("content_object_id", "tag__name", "tag__slug"):
        topics.setdefault(article_id, []).append({"name": name, "slug": slug, "url": f"/topics/{slug}/"})
    for article_id, url, width, height, title in Image.objects.filter(article_id__in=ids).order_by(
            "position").values_list("article_id", "url", "width", "height", "title"):
        images.setdefault(article_id, []).append({"url": url, "width": width, "height": height, "title": title})
    return [{
        "id": a.pk, "url": a.get_absolute_url(), "web_url": a.web_url, "title": a.title, "excerpt": a.excerpt,
        "published_at": a.published_at, "type": a.item_type, "heat": a.heat, "quality": a.quality,
        "provider": {"name": a.provider.name, "domain": a.provider.domain, "url": f"/providers/{a.provider.domain}/"},
        "topics": topics.get(a.pk, []), "images": images.get(a.pk, []), "story": None,
    } for a in articles]


def plain_view(request):
    items = page(int(request.GET.get("limit", 20)))
    for item in items:
        item["published_at"] = item["published_at"].isoformat()
    return JsonResponse({"results": items, "next": None})


def ninja_urls():
    from datetime import datetime

    from ninja import NinjaAPI, Schema

    class Provider(Schema):
        name: str
        domain: str
        url: str

    class Topic(Schema):
        name: str
        slug: str
        url: str

    class Picture(Schema):
        url: str | None
        width: int | None
        height: int | None
        title: str | None

    class Item(Schema):
        id: int
        url: str
        web_url: str | None
        title: str
        excerpt: str | None
        published_at: datetime
        type: str | None
        heat: int | None
        quality: int | None
        provider: Provider
        topics: list[Topic]
        images: list[Picture]
        story: int | None

    class Page(Schema):
        results: list[Item]
        next: str | None

    api = NinjaAPI(urls_namespace="bench-ninja")

    @api.get("/", response=Page)
    def articles(request, limit: int = 20):
        return {"results": page(limit), "next": None}

    return api.urls


def drf_view():
    from rest_framework import serializers
    from rest_framework.decorators import api_view
    from rest_framework.response import Response

    class Provider(serializers.Serializer):
        name = serializers.CharField()
        domain = serializers.CharField()
        url = serializers.CharField()

    class Topic(serializers.Serializer):
        name = serializers.CharField()
        slug = serializers.CharField()
        url = serializers.CharField()

    class Picture(serializers.Serializer):
        url = serializers.CharField(allow_null=True)
        width = serializers.IntegerField(allow_null=True)
        height = serializers.IntegerField(allow_null=True)
        title = serializers.CharField(allow_null=True)

    class Item(serializers.Serializer):
        id = serializers.IntegerField()
        url = serializers.CharField()
        web_url = serializers.CharField(allow_null=True)
        title = serializers.CharField()
        excerpt = serializers.CharField(allow_null=True)
        published_at = serializers.DateTimeField()
        type = serializers.CharField(allow_null=True)
        heat = serializers.IntegerField(allow_null=True)
        quality = serializers.IntegerField(allow_null=True)
        provider = Provider()
        topics = Topic(many=True)
        images = Picture(many=True)
        story = serializers.IntegerField(allow_null=True)

    @api_view(["GET"])
    def articles(request):
        return Response({"results": Item(page(int(request.GET.get("limit", 20))), many=True).data, "next": None})

    return articles


def time_url(client, url, requests):
    for _ in range(5):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times = []
    for _ in range(requests):
        # CPU time of this process: steadier than wall time on a machine other jobs are loading.
        started = time.process_time()
        client.get(url)
        times.append((time.process_time() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * len(times)) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    variants = {"plain Django": [path("plain/", plain_view)]}
    try:
        variants["django-ninja"] = [path("ninja/", ninja_urls())]
    except ImportError as error:
        print(f"django-ninja: not installed ({error})")
    try:
        if "rest_framework" not in settings.INSTALLED_APPS:
            settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "rest_framework"]
            from django.apps import apps

            apps.set_installed_apps(settings.INSTALLED_APPS)
        variants["DRF"] = [path("drf/", drf_view())]
    except ImportError as error:
        print(f"DRF: not installed ({error})")

    import types

    urlconf = types.ModuleType("bench_api_urls")
    urlconf.urlpatterns = [p for patterns in variants.values() for p in patterns] + [
        path("", django.urls.include("newsroom.urls"))]
    sys.modules["bench_api_urls"] = urlconf
    settings.ROOT_URLCONF = "bench_api_urls"
    client = Client()
    print(f"{Article.objects.published().count():,} public articles; {args.requests} requests each")
    prefixes = {"plain Django": "/plain/", "django-ninja": "/ninja/", "DRF": "/drf/"}
    for name in variants:
        for limit in (20, 100):
            median, p95 = time_url(client, f"{prefixes[name]}?limit={limit}", args.requests)
            print(f"{name:14} limit={limit:<4} CPU median {median:6.2f} ms   p95 {p95:6.2f} ms")


if __name__ == "__main__":
    main()
