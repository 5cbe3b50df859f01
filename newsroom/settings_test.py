"""Settings for the test suite: the real settings, with a throwaway key and fast hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-key-for-tests-only")
# The suite runs the production configuration (Django's test runner turns DEBUG off anyway).
os.environ["DJANGO_DEBUG"] = "0"
# Playwright drives the browser from an event loop while live_server tests use the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from .settings import *  # noqa: E402,F403
from .settings import BASE_DIR, STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
# The test client and live_server speak plain http; everything else stays as in production
# (newsroom/tests/test_security.py turns the redirect back on where it tests it).
SECURE_SSL_REDIRECT = False
# Jobs run at once inside the request; tests of the background path switch to the database backend.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Imports do not cluster stories in tests (jobs run at once); the stories tests turn it on.
NEWSROOM_STORIES_AFTER_IMPORT = False
NEWSROOM_IMPORT_STAGING_DIR = BASE_DIR / "var" / "test-imports"
NEWSROOM_EXPORT_DIR = BASE_DIR / "var" / "test-exports"
# Views are measured uncached (query counts); the page cache has its own tests that turn it on.
NEWSROOM_PAGE_CACHE_SECONDS = 0
# Every test client request comes from one address: the API's throttling tests turn it on.
NEWSROOM_API_REQUESTS_PER_MINUTE = 0
# The image fetcher stays off (nothing leaves the machine); its tests turn it on and let through
# only their own server on 127.0.0.1 (articles/tests/test_image_fetch.py).
NEWSROOM_FETCH_IMAGES = False
NEWSROOM_FETCH_ALLOW_HOSTS = frozenset()
