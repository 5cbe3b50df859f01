"""Public pages from the cache, invalidated by a content version kept in the database.

Every cached page's key includes the current content version. Anything that changes what
readers see (an import batch, an admin save, an action, a merge) sends the
`articles.signals.content_changed` signal; its receiver here (connected in ArticlesConfig.ready)
calls `content_changed()`, which bumps the version in the database (`ContentVersion`, one row): from the next request on,
every process misses and renders afresh, whether the cache is Redis shared by all or a
local-memory cache per process (`make run`, or gunicorn without REDIS_URL). The price is one
primary-key query per anonymous request; the gain is that no reader ever waits for an expiry.

A change must be committed before the version moves (or move in the same transaction): a
reader that saw the new version then also sees the new rows, and a page rendered from the old
rows is stored under a version nobody asks for again.
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from . import signals
from .models import Article, ContentVersion

ROW = 1


def content_version():
    """The current content version: one indexed read of the database."""
    version = ContentVersion.objects.filter(pk=ROW).values_list("version", flat=True).first()
    return version if version is not None else _create_row()


def content_changed():
    """Invalidate every cached public page, in every process. Inside a transaction, the new
    version becomes visible with the change itself."""
    # The clock when it is ahead (so version // 10**9 is the time of the last change, for
    # Last-Modified headers), else one more: it only ever grows.
    bumped = Greatest(F("version") + 1, Value(time.time_ns()))
    if not ContentVersion.objects.filter(pk=ROW).update(version=bumped, changed_at=timezone.now()):
        _create_row()


def _create_row():
    """The row is made by the migration; a test database flushed between tests has lost it.
    It starts at the clock, so that a recreated database never reuses a shared cache's keys."""
    ContentVersion.objects.bulk_create([ContentVersion(pk=ROW, version=time.time_ns())], ignore_conflicts=True)
    return ContentVersion.objects.filter(pk=ROW).values_list("version", flat=True).get()


def on_content_changed(sender, **kwargs):
    """The receiver of `articles.signals.content_changed`."""
    content_changed()


def _key(request):
    url = request.build_absolute_uri()
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
    return f"newsroom:page:{content_version()}:{request.method}:{digest}"


def cached_public_page(view):
    """Serve anonymous GET/HEAD requests of a public view from the cache (200s only)."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        timeout = settings.NEWSROOM_PAGE_CACHE_SECONDS
        if (
            timeout <= 0
            or request.method not in ("GET", "HEAD")
            or request.user.is_authenticated  # staff previews and admin links are personal
        ):
            return view(request, *args, **kwargs)
        key = _key(request)
        hit = cache.get(key)
        if hit is not None:
            content, headers = hit
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response["X-Newsroom-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if response.status_code == 200 and not response.streaming and not response.cookies:
            headers = [(k, v) for k, v in response.items() if k.lower() not in ("vary", "set-cookie")]
            cache.set(key, (response.content, headers), timeout)
            response["X-Newsroom-Cache"] = "miss"
        return response

    return wrapped


class InvalidateOnAdminWriteMiddleware:
    """Every change an editor makes is a POST to the admin: after one, cached pages go stale."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method == "POST"
            and response.status_code < 400
            and request.path_info.startswith(reverse("admin:index"))  # reversed only for a POST
        ):
            if getattr(request, "user", None) is not None and request.user.is_authenticated:
                signals.content_changed.send(sender=Article)
        return response
