"""Public pages from the shared cache, invalidated by a content version.

Every cached page's key includes the current content version. Anything that changes what
readers see (an import batch, an admin save, an action, a merge) sends the
`articles.signals.content_changed` signal; its receiver here (connected in ArticlesConfig.ready)
sets a new version: from then on every app server sharing the cache misses and renders
afresh. One small GET per request buys correctness without tracking which page shows what.
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import reverse

from . import signals
from .models import Article

VERSION_KEY = "newsroom:content-version"


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        # add(), not set(): two servers starting at once agree on one version.
        if not cache.add(VERSION_KEY, version, timeout=None):
            version = cache.get(VERSION_KEY, version)
    return version


def content_changed():
    """Invalidate every cached public page, on every app server sharing the cache."""
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


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
