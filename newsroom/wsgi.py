"""WSGI entry point: gunicorn newsroom.wsgi:application."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()


def settle():
    """Load what every request needs (the URLconf and its views), then move everything loaded so
    far out of reach of the garbage collector's full passes: those objects live as long as the
    process, and walking them (~100,000: Django, the admin, the app) took ~40 ms every few
    requests, the p95 of a search page (docs/benchmarks.md). bench/pages.py does the same, so that
    it times pages as a worker serves them."""
    get_resolver().url_patterns  # noqa: B018 - imports every view module now, not on a first request
    gc.freeze()


settle()
